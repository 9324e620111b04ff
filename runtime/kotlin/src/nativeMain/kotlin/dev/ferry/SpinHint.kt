package dev.ferry

/** Kotlin/Native has no spin-wait hint: a spin simply loops. */
internal object SpinHint {
    @Suppress("NOTHING_TO_INLINE")
    inline fun pause() {}
}
