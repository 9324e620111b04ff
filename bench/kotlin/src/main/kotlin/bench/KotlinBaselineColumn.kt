package bench

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
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
    override val cases = Cases.ALL.toSet() - Cases.SYNC_NOOP - Cases.SYNC_STRING_ECHO - Cases.CALLBACK_SYNC +
        (Cases.BYTE_SLICES - Cases.BYTES_VIEW_DIRECT - Cases.BYTES_VIEW_COPIED - Cases.BYTES_INTO_DIRECT)

    // The byte-slice cases as plain Kotlin loops over the array: what the work costs with no bridge.
    override fun bytesView(data: ByteArray): Long {
        var s = 0L
        for (b in data) s += b.toInt() and 0xFF
        return s
    }

    override fun bytesInto(out: ByteArray, seed: Byte): Int {
        out.fill(seed)
        return out.size
    }

    override fun bytesReturn(len: Int, seed: Byte): ByteArray = ByteArray(len).also { it.fill(seed) }

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

    /** The spawn analog: the coroutine hops to another dispatcher's thread and back. */
    private val spawnDispatcher = workers.asCoroutineDispatcher()

    override suspend fun spawnHop(x: Int): Int = withContext(spawnDispatcher) { x }

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

    /** The Kotlin side of `callback_async_p50` without Rust: the suspend fun, run in a
     *  coroutine on Dispatchers.Default (where the bridges run callbacks), awaited. */
    private val incImpl = object : SuspendInc {
        override suspend fun incLater(x: Int): Int = x + 1
    }

    override suspend fun callbackAsync(x: Int): Int = withContext(Dispatchers.Default) { incImpl.incLater(x) }

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

    /** A Channel-backed Flow of ByteArrays made on another thread, as pure Kotlin would. */
    override suspend fun framesSmall(n: Long): Long = byteArrayFrames(n, 64) { frame, i -> putLong(frame, 0, i) }

    override suspend fun framesLarge(n: Long): Long = byteArrayFrames(n, FRAME_LARGE_BYTES) { frame, i ->
        java.util.Arrays.fill(frame, i.toByte())
        putLong(frame, 0, i)
        putLong(frame, FRAME_LARGE_BYTES - 8, i)
    }

    private suspend fun byteArrayFrames(n: Long, size: Int, write: (ByteArray, Long) -> Unit): Long {
        var s = 0L
        channelFlow {
            launch(Dispatchers.IO) {
                for (i in 0 until n) send(ByteArray(size).also { write(it, i) })
            }
        }.collect { frame -> s += getLong(frame, 0) + if (size > 64) getLong(frame, size - 8) else 0L }
        return s
    }

    private fun putLong(b: ByteArray, at: Int, v: Long) {
        for (k in 0 until 8) b[at + k] = (v ushr (8 * k)).toByte()
    }

    private fun getLong(b: ByteArray, at: Int): Long {
        var v = 0L
        for (k in 7 downTo 0) v = (v shl 8) or (b[at + k].toLong() and 0xff)
        return v
    }
}

/** A `suspend fun(i32): i32` behind an interface, as the bridges' callback traits have it. */
interface SuspendInc {
    suspend fun incLater(x: Int): Int
}
