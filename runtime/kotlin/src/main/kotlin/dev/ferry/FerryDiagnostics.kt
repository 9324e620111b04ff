package dev.ferry

/**
 * Leak counters, summed over every loaded ferry library. After all work has finished,
 * each is 0. The counts come from the Rust tables themselves, and a cancelled call, a
 * cancelled collection and a closed object stop counting before `cancel()`, the collection
 * or `close()` returns (the Rust value itself may be dropped a moment later).
 */
object FerryDiagnostics {
    /** Object handles not yet released. */
    @JvmStatic
    fun liveObjects(): Long = NativeLibrary.runtimes.sumOf { it.liveObjects() }

    /** Async calls started and neither finished nor cancelled. */
    @JvmStatic
    fun pendingCalls(): Long = NativeLibrary.runtimes.sumOf { it.pendingCalls() }

    /** Rust streams backing a Flow that has neither ended nor been cancelled. */
    @JvmStatic
    fun openStreams(): Long = NativeLibrary.runtimes.sumOf { it.openStreams() }
}
