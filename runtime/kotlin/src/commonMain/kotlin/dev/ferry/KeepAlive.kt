@file:JvmName("KeepAlive")

package dev.ferry

/**
 * Keeps [obj] reachable up to this call, for generated code: `try { call(x.ferryHandle()) }
 * finally { keepAlive(x) }` stops the GC from reclaiming `x` (and its reclaimer from
 * releasing the handle) while Rust still looks the handle up.
 *
 * How is the platform's business ([keepReachable]): on the JVM
 * `java.lang.ref.Reference.reachabilityFence` where it exists (JDK 9+, Android API 28+) and
 * otherwise a volatile write the JIT cannot drop; on Kotlin/Native a use of [obj] the
 * compiler cannot remove.
 */
fun keepAlive(obj: Any?) = keepReachable(obj)
