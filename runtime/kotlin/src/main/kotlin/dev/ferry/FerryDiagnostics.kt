package dev.ferry

/**
 * Leak counters, summed over every loaded ferry library. After all work has finished,
 * each is 0. The counts come from the Rust tables themselves: a pending call is one whose
 * Rust future has not been dropped yet.
 */
object FerryDiagnostics {
    /** Object handles not yet released. */
    @JvmStatic
    fun liveObjects(): Long = NativeLibrary.runtimes.sumOf { it.liveObjects() }

    /** Async calls started whose Rust future still exists (not finished, not dropped). */
    @JvmStatic
    fun pendingCalls(): Long = NativeLibrary.runtimes.sumOf { it.pendingCalls() }

    /** Rust streams backing a Flow that have not been dropped yet. */
    @JvmStatic
    fun openStreams(): Long = NativeLibrary.runtimes.sumOf { it.openStreams() }
}
