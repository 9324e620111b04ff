package dev.ferry

/**
 * The CPU's spin-wait hint where the platform has one. `Thread.onSpinWait` exists from
 * JDK 9 and Android API 33; below that (and wherever it is missing) a spin simply loops.
 * The call lives in its own class, [OnSpinWait], so a runtime without it never loads (and
 * so never verifies) a reference to it: the same pattern as [keepAlive].
 */
internal object SpinHint {
    private val available: Boolean = try {
        Thread::class.java.getMethod("onSpinWait")
        true
    } catch (_: NoSuchMethodException) {
        false
    } catch (_: LinkageError) {
        false
    }

    fun pause() {
        if (available) OnSpinWait.pause()
    }
}

/** The only place that calls `Thread.onSpinWait`. */
internal object OnSpinWait {
    @JvmStatic
    fun pause() = Thread.onSpinWait()
}
