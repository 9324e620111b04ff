package bench

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import java.util.concurrent.Executors
import java.util.concurrent.ScheduledThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.resume

/**
 * Pure Kotlin doing the same handoff, no native code: a `suspendCancellableCoroutine`
 * resumed from another thread (a 2-thread pool standing in for Tokio's workers), and a
 * `channelFlow` fed from another thread. Sync cases do not apply (a Kotlin call would be
 * inlined by the JIT and measure nothing).
 */
class KotlinBaselineColumn : Column("kotlin_baseline") {
    override val cases = Cases.ALL.toSet() - Cases.SYNC_NOOP - Cases.SYNC_STRING_ECHO

    private val workers = Executors.newFixedThreadPool(2) { r ->
        Thread(r, "baseline-worker").apply { isDaemon = true }
    }
    private val timers = ScheduledThreadPoolExecutor(1) { r ->
        Thread(r, "baseline-timer").apply { isDaemon = true }
    }.apply { removeOnCancelPolicy = true }
    private val droppedAt = AtomicLong(-1)
    private val started = AtomicLong(0)

    /** The "ready" analog: resumed before the suspension point, so it never suspends. */
    override suspend fun ready(x: Int): Int = suspendCancellableCoroutine { c -> c.resume(x) }

    override suspend fun hop(x: Int): Int = suspendCancellableCoroutine { c ->
        workers.execute { c.resume(x) }
    }

    override suspend fun sleepLong(ms: Long): Unit = suspendCancellableCoroutine { c ->
        val f = timers.schedule({ c.resume(Unit) }, ms, TimeUnit.MILLISECONDS)
        c.invokeOnCancellation { f.cancel(false) }
    }

    override suspend fun waitForever(): Unit = suspendCancellableCoroutine { c ->
        started.incrementAndGet()
        c.invokeOnCancellation { droppedAt.set(System.nanoTime()) }
    }

    override fun probeDroppedAt(reset: Boolean): Long =
        if (reset) droppedAt.getAndSet(-1) else droppedAt.get()

    override fun probeStarted(): Long = started.get()

    override suspend fun echoBytes(b: ByteArray): ByteArray = suspendCancellableCoroutine { c ->
        workers.execute { c.resume(b.copyOf()) }
    }

    override suspend fun streamSum(n: Long): Long {
        var sum = 0L
        channelFlow {
            launch(Dispatchers.IO) {
                var i = 0L
                while (i < n) {
                    send(i)
                    i++
                }
            }
        }.collect { sum += it }
        return sum
    }
}
