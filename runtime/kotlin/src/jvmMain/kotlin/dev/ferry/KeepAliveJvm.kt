package dev.ferry

/**
 * [keepAlive] on the JVM: `java.lang.ref.Reference.reachabilityFence` where it exists
 * (JDK 9+, Android API 28+) and otherwise a volatile write the JIT cannot drop (see
 * [KeepAliveSink]).
 */
internal fun keepReachable(obj: Any?) {
    if (HAS_REACHABILITY_FENCE) ReachabilityFence.fence(obj) else KeepAliveSink.keep(obj)
}

/** Probed once by reflection; a `static final`, so the JIT folds the branch above away. */
private val HAS_REACHABILITY_FENCE: Boolean = try {
    java.lang.ref.Reference::class.java.getMethod("reachabilityFence", Any::class.java)
    true
} catch (_: NoSuchMethodException) {
    false
} catch (_: LinkageError) {
    false
}

/**
 * The only place that calls `Reference.reachabilityFence`, in its own class so that
 * runtimes without it (Android API < 28) never load (and so never verify) that call.
 * (A MethodHandle is no option: `java.lang.invoke` itself needs Android API 26.)
 */
internal object ReachabilityFence {
    @JvmStatic
    fun fence(obj: Any?) = java.lang.ref.Reference.reachabilityFence(obj)
}

/**
 * The fallback keep-alive (what Android's own `reachabilityFence` does when it is not
 * intrinsified). A store to a `@Volatile` static field is a release with an observable side
 * effect: the JIT can neither drop it nor move the preceding native call after it, and it
 * needs `obj` as a value at that point, so `obj` is still reachable until the call
 * returned. Merely reading `obj` (or calling an empty method that gets inlined) can be
 * optimised away, letting the GC collect `obj` mid-call. The sink is cleared right away so
 * it never keeps the last object alive. `synchronized (obj) {}` would work as well but could
 * block on a monitor the application holds on the same object.
 */
internal object KeepAliveSink {
    @Volatile
    @JvmField
    var sink: Any? = null

    @JvmStatic
    fun keep(obj: Any?) {
        sink = obj
        sink = null
    }
}
