package dev.ferry

/**
 * What every ferry-generated library exposes to this runtime. Each native library has its
 * own Tokio runtime and tables, so cancellation and diagnostics go to the library that
 * owns the call, never to whichever library the JVM happened to bind a symbol to first.
 */
interface NativeRuntime {
    /** The interface fingerprint the native library was generated with (see [Bindings]). */
    fun fingerprint(): Long

    fun cancelCall(call: Long)
    fun pendingCalls(): Long
    fun liveObjects(): Long
    fun openStreams(): Long

    /** Releases an object handle (or closes a ring end) whose result never reached its caller (libraries with objects or frame rings). */
    fun releaseObject(handle: Long) {}

    /** The reply of an async callback call (see [Callbacks]). */
    fun completeCallback(call: Long, reply: ByteArray) {}
}
