package dev.ferry

/**
 * [keepAlive] on Kotlin/Native. The compiler keeps every object reference a function holds
 * in a stack slot the GC scans until the function returns, so the caller's own reference
 * keeps `obj` alive during its native call; this only has to be a call the optimiser cannot
 * drop: an identity test against an object nobody else has, which is never true.
 */
internal fun keepReachable(obj: Any?) {
    if (obj === KeepAliveFence) throw IllegalStateException("ferry: keepAlive fence")
}

private object KeepAliveFence
