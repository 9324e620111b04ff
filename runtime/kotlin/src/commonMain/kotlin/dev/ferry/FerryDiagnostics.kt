package dev.ferry

import kotlinx.coroutines.Runnable

/**
 * Leak counters, summed over every loaded ferry library. After all work has finished,
 * each is 0. The counts come from the Rust tables themselves, and a cancelled call, a
 * cancelled collection and a closed object stop counting before `cancel()`, the collection
 * or `close()` returns (the Rust value itself may be dropped a moment later).
 */
object FerryDiagnostics {
    /** Object handles not yet released. */
    @JvmStatic
    fun liveObjects(): Long = Libraries.runtimes.sumOf { it.liveObjects() }

    /**
     * Async calls started and neither finished nor cancelled. Calls that are starting on
     * other threads at that moment are counted once their start has settled (microseconds;
     * at most 50 ms for a first poll that user code holds): a call that counts here is
     * one that `cancel()` of its caller reaches, so a count read after `cancel()` returns
     * no longer includes that call.
     */
    @JvmStatic
    fun pendingCalls(): Long {
        Completions.settleStarts()
        return Libraries.runtimes.sumOf { it.pendingCalls() }
    }

    /**
     * Async calls whose caller is suspended, waiting for Rust: a call done on its first poll
     * never counts here, a running one does just after its start returns (before the lone
     * caller's short spin).
     */
    @JvmStatic
    fun suspendedCalls(): Long = Completions.suspendedCount().toLong()

    /** Rust streams backing a Flow that has neither ended nor been cancelled. */
    @JvmStatic
    fun openStreams(): Long = Libraries.runtimes.sumOf { it.openStreams() }

    /** Frame rings (docs/frames.md) with a side still open, Rust's or Kotlin's. */
    @JvmStatic
    fun openRings(): Long = Libraries.runtimes.sumOf { (it as? NativeFrames)?.openRings() ?: 0L }

    /** Kotlin callback implementations that Rust still holds (see [Callbacks]). */
    @JvmStatic
    fun liveCallbacks(): Long = Callbacks.live()

    /**
     * Runs the platform's garbage collector and waits until the objects it found unreachable
     * have been reclaimed: every [RustObject] that nobody references any more has released
     * its Rust handle when this returns, so a test can check "released when unreachable" with
     * [liveObjects]. For tests and diagnostics only: it takes a few milliseconds at least.
     *
     * Each round runs the GC until a sentinel object registered with the same reclaimer as
     * every [RustObject] has been reclaimed, then waits for the reclaimer to go idle (on the
     * JVM `System.gc()` and the `Cleaner` or `ferry-reclaimer` thread; on Kotlin/Native
     * `kotlin.native.runtime.GC.collect()` and the cleaner worker, which runs cleaners in
     * order). Rounds repeat until two in a row change nothing in [liveObjects], at most
     * for 10 seconds.
     */
    @JvmStatic
    fun collectGarbage() {
        val deadline = nanoTime() + COLLECT_TIMEOUT_NANOS
        var live = liveObjects()
        var steady = 0
        while (steady < 2 && nanoTime() < deadline) {
            collectOnce(deadline)
            val now = liveObjects()
            if (now == live) steady++ else steady = 0
            live = now
        }
    }

    private const val COLLECT_TIMEOUT_NANOS = 10_000_000_000L

    private fun collectOnce(deadline: Long) {
        // What the sentinel's action reports: the reclaimer's thread (JVM) or a marker.
        val reclaimedOn = AtomicReference<Any?>(null)
        dropSentinel(reclaimedOn)
        while (reclaimedOn.get() == null && nanoTime() < deadline) {
            runGarbageCollector()
            pauseBriefly()
        }
        reclaimedOn.get()?.let { awaitReclaimerIdle(it, deadline) }
    }

    /** Holds its registration, as a [RustObject] does. */
    private class Sentinel {
        var registration: Reclaimable? = null
    }

    /** Registers a sentinel that is unreachable once this returns (so not inlined). */
    private fun dropSentinel(reclaimedOn: AtomicReference<Any?>) {
        val sentinel = Sentinel()
        sentinel.registration = Reclaimers.DEFAULT.register(sentinel, Runnable { reclaimedOn.set(reclaimerThread()) })
    }
}
