package bench

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.suspendCancellableCoroutine
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.resume

/**
 * The Kotlin half of the floor (bench/rawjni): `external` functions plus a registry of
 * suspended continuations that the Rust side resumes with one static upcall,
 * `complete(id, value)`, from a Tokio worker that is attached to the JVM for good.
 */
object RawJni {
    private val pending = ConcurrentHashMap<Long, CancellableContinuation<Long>>()
    private val ids = AtomicLong()

    fun load(path: String) = System.load(path)

    /** The upcall (`(JJ)V`), called on a Tokio worker thread. */
    @JvmStatic
    fun complete(id: Long, value: Long) {
        pending.remove(id)?.resume(value)
    }

    @JvmStatic external fun add(a: Int, b: Int): Int
    @JvmStatic external fun echo(utf8: ByteArray): ByteArray
    @JvmStatic external fun readyStart(id: Long, x: Int)
    @JvmStatic external fun hopStart(id: Long, x: Int)
    @JvmStatic external fun spawnHopStart(id: Long, x: Int)
    @JvmStatic external fun sleepStart(id: Long, ms: Long): Long
    @JvmStatic external fun waitForeverStart(id: Long): Long
    @JvmStatic external fun abort(handle: Long)
    @JvmStatic external fun freeHandle(handle: Long)
    @JvmStatic external fun probeDroppedAt(reset: Boolean): Long
    @JvmStatic external fun probeStarted(): Long
    @JvmStatic external fun echoBytesStart(id: Long, bytes: ByteArray)
    @JvmStatic external fun takeBytes(ptr: Long): ByteArray
    @JvmStatic external fun streamOpen(n: Long): Long
    @JvmStatic external fun streamNext(handle: Long, out: LongArray): Int
    @JvmStatic external fun streamWait(handle: Long, id: Long)
    @JvmStatic external fun streamClose(handle: Long)
    @JvmStatic external fun callerNew(cb: RawJniCallback): Long
    @JvmStatic external fun callerFree(handle: Long)
    @JvmStatic external fun callSync(handle: Long, x: Int): Int
    @JvmStatic external fun callAsyncStart(handle: Long, id: Long, x: Int)
    @JvmStatic external fun callbackReply(token: Long, value: Int)
    @JvmStatic external fun framesSmallBatch(first: Long, count: Int, out: ByteArray)
    @JvmStatic external fun frameLarge(seq: Long, out: ByteArray)
    // The byte-slice floor: the array pinned with GetPrimitiveArrayCritical (no copy, and no
    // JNI call allowed until it is released), or a direct buffer's address.
    @JvmStatic external fun sumBytesCritical(data: ByteArray): Long
    @JvmStatic external fun sumBytesDirect(data: java.nio.ByteBuffer, at: Int, len: Int): Long
    @JvmStatic external fun fillBytesCritical(out: ByteArray, seed: Byte): Int
    @JvmStatic external fun fillBytesDirect(out: java.nio.ByteBuffer, at: Int, len: Int, seed: Byte): Int
    @JvmStatic external fun newBytes(len: Int, seed: Byte): ByteArray

    /** One call of the Rust async fn that awaits [RawJniCallback.incLater] once. */
    suspend fun callAsync(handle: Long, x: Int): Int = suspendCancellableCoroutine<Long> { c ->
        val id = ids.incrementAndGet()
        pending[id] = c
        callAsyncStart(handle, id, x)
    }.toInt()

    /**
     * `count(n)` as a `Flow<Long>`: each item is one sync JNI call that polls the Rust
     * stream inline; only a Pending stream takes the spawn + upcall path.
     */
    fun count(n: Long): Flow<Long> = flow {
        val h = streamOpen(n)
        val out = LongArray(1)
        try {
            while (true) {
                when (streamNext(h, out)) {
                    0 -> emit(out[0])
                    1 -> break
                    else -> {
                        val v = suspendCancellableCoroutine<Long> { c ->
                            val id = ids.incrementAndGet()
                            pending[id] = c
                            c.invokeOnCancellation { pending.remove(id) }
                            streamWait(h, id)
                        }
                        if (v == Long.MIN_VALUE) break
                        emit(v)
                    }
                }
            }
        } finally {
            streamClose(h)
        }
    }

    fun echo(s: String): String = String(echo(s.encodeToByteArray()), Charsets.UTF_8)

    suspend fun ready(x: Int): Int = suspendCancellableCoroutine<Long> { c ->
        val id = ids.incrementAndGet()
        pending[id] = c
        readyStart(id, x)
    }.toInt()

    suspend fun hop(x: Int): Int = suspendCancellableCoroutine<Long> { c ->
        val id = ids.incrementAndGet()
        pending[id] = c
        hopStart(id, x)
    }.toInt()

    suspend fun spawnHop(x: Int): Int = suspendCancellableCoroutine<Long> { c ->
        val id = ids.incrementAndGet()
        pending[id] = c
        spawnHopStart(id, x)
    }.toInt()

    /** A cancellable call: abort the Tokio task on cancellation, free its handle after. */
    private suspend inline fun cancellable(crossinline start: (Long) -> Long): Long {
        val handle = LongArray(1)
        try {
            return suspendCancellableCoroutine { c ->
                val id = ids.incrementAndGet()
                pending[id] = c
                handle[0] = start(id)
                // Installed after start, so the handle is known; if the caller was
                // cancelled meanwhile, the handler runs at once.
                c.invokeOnCancellation {
                    pending.remove(id)
                    abort(handle[0])
                }
            }
        } finally {
            freeHandle(handle[0])
        }
    }

    suspend fun sleepLong(ms: Long) {
        cancellable { id -> sleepStart(id, ms) }
    }

    suspend fun waitForever() {
        cancellable { id -> waitForeverStart(id) }
    }

    suspend fun echoBytes(b: ByteArray): ByteArray {
        val ptr = suspendCancellableCoroutine<Long> { c ->
            val id = ids.incrementAndGet()
            pending[id] = c
            echoBytesStart(id, b)
        }
        return takeBytes(ptr)
    }
}

/**
 * What the floor's Rust calls (method ids cached in `JNI_OnLoad`): `inc(I)I` on the calling
 * thread, and `startIncLater(JI)V` from a Tokio worker, which runs the `suspend fun` in a
 * coroutine on Dispatchers.Default and hands the result back with `RawJni.callbackReply`.
 */
class RawJniCallback {
    private val scope = CoroutineScope(Dispatchers.Default)

    fun inc(x: Int): Int = x + 1

    suspend fun incLater(x: Int): Int = x + 1

    fun startIncLater(token: Long, x: Int) {
        scope.launch { RawJni.callbackReply(token, incLater(x)) }
    }
}

class RawJniColumn(private val libPath: String) : Column("raw_jni") {
    override val cases = Cases.ALL.toSet() + Cases.BYTE_SLICES - Cases.BYTES_VIEW_COPIED

    override fun bytesView(data: ByteArray) = RawJni.sumBytesCritical(data)
    override fun bytesViewDirect(data: java.nio.ByteBuffer) = RawJni.sumBytesDirect(data, data.position(), data.remaining())
    override fun bytesInto(out: ByteArray, seed: Byte) = RawJni.fillBytesCritical(out, seed)
    override fun bytesIntoDirect(out: java.nio.ByteBuffer, seed: Byte) = RawJni.fillBytesDirect(out, out.position(), out.remaining(), seed)
    override fun bytesReturn(len: Int, seed: Byte) = RawJni.newBytes(len, seed)

    override fun setUp() {
        RawJni.load(libPath)
    }

    override fun addLoop(n: Int): Long {
        var s = 0L
        for (i in 0 until n) s += RawJni.add(i, 1)
        return s
    }

    override fun echoLoop(s: String, n: Int): Long {
        var t = 0L
        for (i in 0 until n) t += RawJni.echo(s).length
        return t
    }

    /** One Kotlin object, handed to Rust once (a global ref in a box). */
    private val caller by lazy { RawJni.callerNew(RawJniCallback()) }

    override fun callbackLoop(n: Int): Long {
        val h = caller
        var s = 0L
        for (i in 0 until n) s += RawJni.callSync(h, i)
        return s
    }

    override suspend fun callbackAsync(x: Int) = RawJni.callAsync(caller, x)

    override suspend fun ready(x: Int) = RawJni.ready(x)
    override suspend fun hop(x: Int) = RawJni.hop(x)
    override suspend fun spawnHop(x: Int) = RawJni.spawnHop(x)
    override suspend fun sleepLong(ms: Long) = RawJni.sleepLong(ms)
    override suspend fun waitForever() = RawJni.waitForever()
    override fun probeDroppedAt(reset: Boolean) = RawJni.probeDroppedAt(reset)
    override fun probeStarted() = RawJni.probeStarted()
    override suspend fun echoBytes(b: ByteArray) = RawJni.echoBytes(b)

    override suspend fun streamSum(n: Long): Long {
        var sum = 0L
        RawJni.count(n).collect { sum += it }
        return sum
    }

    /** Batches of 1,024 frames copied into one reused array; each frame's first 8 bytes read. */
    override suspend fun framesSmall(n: Long): Long {
        val batch = 1024
        val out = ByteArray(batch * 64)
        val view = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        var s = 0L
        var first = 0L
        while (first < n) {
            val count = minOf(batch.toLong(), n - first).toInt()
            RawJni.framesSmallBatch(first, count, out)
            for (k in 0 until count) s += view.getLong(k * 64)
            first += count
        }
        return s
    }

    /** One frame per call, copied into one reused 1 MiB array. */
    override suspend fun framesLarge(n: Long): Long {
        val out = ByteArray(FRAME_LARGE_BYTES)
        val view = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        var s = 0L
        for (i in 0 until n) {
            RawJni.frameLarge(i, out)
            s += view.getLong(0) + view.getLong(FRAME_LARGE_BYTES - 8)
        }
        return s
    }
}
