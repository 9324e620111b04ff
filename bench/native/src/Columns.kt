package benchkn

import bench.ferrygen.Caller as FCaller
import bench.ferrygen.IntCallback as FIntCallback
import bench.ferrygen.add as fAdd
import bench.ferrygen.count as fCount
import bench.ferrygen.echo as fEcho
import bench.ferrygen.fillBytes as fFillBytes
import bench.ferrygen.newBytes as fNewBytes
import bench.ferrygen.sumBytes as fSumBytes
import bench.ferrygen.sumBytesCopied as fSumBytesCopied
import bench.ferrygen.hop as fHop
import bench.ferrygen.spawnHop as fSpawnHop
import bench.ferrygen.ready as fReady
import bench.rawc.rawc_add
import bench.rawc.rawc_call_async_start
import bench.rawc.rawc_call_sync
import bench.rawc.rawc_callback_reply
import bench.rawc.rawc_echo
import bench.rawc.rawc_free
import bench.rawc.rawc_hop_start
import bench.rawc.rawc_init
import bench.rawc.rawc_ready_start
import bench.rawc.rawc_spawn_hop_start
import bench.rawc.rawc_stream_close
import bench.rawc.rawc_stream_next
import bench.rawc.rawc_stream_open
import bench.rawc.rawc_stream_wait
import kotlinx.cinterop.COpaquePointer
import kotlinx.cinterop.ByteVar
import kotlinx.cinterop.CPointed
import kotlinx.cinterop.LongVar
import kotlinx.cinterop.StableRef
import kotlinx.cinterop.ULongVar
import kotlinx.cinterop.addressOf
import kotlinx.cinterop.alloc
import kotlinx.cinterop.asStableRef
import kotlinx.cinterop.free
import kotlinx.cinterop.memScoped
import kotlinx.cinterop.nativeHeap
import kotlinx.cinterop.ptr
import kotlinx.cinterop.readBytes
import kotlinx.cinterop.reinterpret
import kotlinx.cinterop.staticCFunction
import kotlinx.cinterop.toCPointer
import kotlinx.cinterop.toLong
import kotlinx.cinterop.usePinned
import kotlinx.cinterop.value
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.IO
import kotlinx.coroutines.Runnable
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.newFixedThreadPoolContext
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.resume

object Cases {
    const val SYNC_NOOP = "sync_noop"
    const val SYNC_STRING_ECHO = "sync_string_echo"
    const val ASYNC_READY = "async_ready"
    const val ASYNC_HOP_P50 = "async_hop_p50"
    const val ASYNC_HOP_P99 = "async_hop_p99"
    const val ASYNC_SPAWN_HOP_P50 = "async_spawn_hop_p50"
    const val ASYNC_THROUGHPUT = "async_throughput"
    const val STREAM_ITEMS = "stream_items"
    const val CALLBACK_SYNC = "callback_sync"
    const val CALLBACK_ASYNC_P50 = "callback_async_p50"

    val ALL = listOf(
        SYNC_NOOP, SYNC_STRING_ECHO, ASYNC_READY, ASYNC_HOP_P50, ASYNC_HOP_P99, ASYNC_SPAWN_HOP_P50,
        ASYNC_THROUGHPUT, STREAM_ITEMS, CALLBACK_SYNC, CALLBACK_ASYNC_P50,
    )

    // Byte slices of sync calls (the JVM harness's definitions; no ByteBuffer here).
    const val BYTES_VIEW = "bytes_view"
    const val BYTES_VIEW_COPIED = "bytes_view_copied"
    const val BYTES_INTO = "bytes_into"
    const val BYTES_RETURN = "bytes_return"
    val BYTE_SLICES = listOf(BYTES_VIEW, BYTES_VIEW_COPIED, BYTES_INTO, BYTES_RETURN)
}

/** One column: the same operations against one bridge (as the JVM harness's Column). */
abstract class Column(val key: String) {
    abstract val cases: Set<String>
    open fun addLoop(n: Int): Long = unsupported()
    open fun echoLoop(s: String, n: Int): Long = unsupported()
    open suspend fun ready(x: Int): Int = unsupported()
    open suspend fun hop(x: Int): Int = unsupported()
    open suspend fun spawnHop(x: Int): Int = unsupported()
    open suspend fun streamSum(n: Long): Long = unsupported()
    open fun callbackLoop(n: Int): Long = unsupported()
    open suspend fun callbackAsync(x: Int): Int = unsupported()
    open fun bytesView(data: ByteArray): Long = unsupported()
    open fun bytesViewCopied(data: ByteArray): Long = unsupported()
    open fun bytesInto(out: ByteArray, seed: Byte): Int = unsupported()
    open fun bytesReturn(len: Int, seed: Byte): ByteArray = unsupported()
    private fun unsupported(): Nothing = throw UnsupportedOperationException("$key does not run this case")
}

// ---- ferry -----------------------------------------------------------------------------

/** ferry's generated bindings for bench/ferry, over its C face. */
class FerryColumn : Column("ferry") {
    override val cases = Cases.ALL.toSet() + Cases.BYTE_SLICES

    // The ByteArray is pinned for the call: `&[u8]` and `&mut [u8]` use it in place.
    override fun bytesView(data: ByteArray) = fSumBytes(data).toLong()
    override fun bytesViewCopied(data: ByteArray) = fSumBytesCopied(data).toLong()
    override fun bytesInto(out: ByteArray, seed: Byte) = fFillBytes(out, seed.toUByte()).toInt()
    override fun bytesReturn(len: Int, seed: Byte) = fNewBytes(len.toUInt(), seed.toUByte())

    override fun addLoop(n: Int): Long {
        var s = 0L
        for (i in 0 until n) s += fAdd(i, 1)
        return s
    }

    override fun echoLoop(s: String, n: Int): Long {
        var t = 0L
        for (i in 0 until n) t += fEcho(s).length
        return t
    }

    override suspend fun ready(x: Int) = fReady(x)
    override suspend fun hop(x: Int) = fHop(x)
    override suspend fun spawnHop(x: Int) = fSpawnHop(x)

    override suspend fun streamSum(n: Long): Long {
        var sum = 0UL
        fCount(n.toULong()).collect { sum += it }
        return sum.toLong()
    }

    private val caller by lazy {
        FCaller(object : FIntCallback {
            override fun inc(x: Int): Int = x + 1
            override suspend fun incLater(x: Int): Int = x + 1
        })
    }

    override fun callbackLoop(n: Int): Long {
        val c = caller
        var s = 0L
        for (i in 0 until n) s += c.callSync(i)
        return s
    }

    override suspend fun callbackAsync(x: Int) = caller.callAsync(x)
}

// ---- the floor: hand-written C ABI (bench/rawc) ----------------------------------------

/** What the floor's Rust calls back through `rawc_inc_fn` / `rawc_start_inc_later_fn`. */
class RawCCallback {
    fun inc(x: Int): Int = x + 1
    suspend fun incLater(x: Int): Int = x + 1
}

private val callbackScope = CoroutineScope(Dispatchers.Default)

/** Completion of an async call: the token is a StableRef to the waiting continuation. */
private fun rawComplete(token: Long, value: Long) {
    val ref = token.toCPointer<CPointed>()!!.asStableRef<CancellableContinuation<Long>>()
    val c = ref.get()
    ref.dispose()
    c.resume(value)
}

private fun tokenOf(c: CancellableContinuation<Long>): Long = StableRef.create(c).asCPointer().toLong()

object RawC {
    fun init() {
        rawc_init(
            staticCFunction { token: Long, value: Long -> rawComplete(token, value) },
            staticCFunction { ctx: COpaquePointer?, x: Int -> ctx!!.asStableRef<RawCCallback>().get().inc(x) },
            staticCFunction { ctx: COpaquePointer?, reply: Long, x: Int ->
                val cb = ctx!!.asStableRef<RawCCallback>().get()
                callbackScope.launch { rawc_callback_reply(reply, cb.incLater(x)) }
                Unit
            },
        )
    }

    fun echo(s: String): String {
        val bytes = s.encodeToByteArray()
        memScoped {
            val outLen = alloc<LongVar>()
            val out = bytes.usePinned { p -> rawc_echo(p.addressOf(0).reinterpret(), bytes.size.toLong(), outLen.ptr) }!!
            val len = outLen.value
            val r = out.reinterpret<ByteVar>().readBytes(len.toInt()).decodeToString()
            rawc_free(out, len)
            return r
        }
    }

    suspend fun ready(x: Int): Int = suspendCancellableCoroutine<Long> { c -> rawc_ready_start(tokenOf(c), x) }.toInt()

    suspend fun hop(x: Int): Int = suspendCancellableCoroutine<Long> { c -> rawc_hop_start(tokenOf(c), x) }.toInt()

    suspend fun spawnHop(x: Int): Int = suspendCancellableCoroutine<Long> { c -> rawc_spawn_hop_start(tokenOf(c), x) }.toInt()

    /** `count(n)`: one C call per item polls the stream inline; a Tokio task only when Pending. */
    fun count(n: Long): Flow<Long> = flow {
        val h = rawc_stream_open(n.toULong())
        val out = nativeHeap.alloc<ULongVar>()
        try {
            while (true) {
                when (rawc_stream_next(h, out.ptr)) {
                    0 -> emit(out.value.toLong())
                    1 -> break
                    else -> {
                        val v = suspendCancellableCoroutine<Long> { c -> rawc_stream_wait(h, tokenOf(c)) }
                        if (v == Long.MIN_VALUE) break
                        emit(v)
                    }
                }
            }
        } finally {
            nativeHeap.free(out)
            rawc_stream_close(h)
        }
    }
}

class RawCColumn : Column("raw_c") {
    override val cases = Cases.ALL.toSet()

    init {
        RawC.init()
    }

    override fun addLoop(n: Int): Long {
        var s = 0L
        for (i in 0 until n) s += rawc_add(i, 1)
        return s
    }

    override fun echoLoop(s: String, n: Int): Long {
        var t = 0L
        for (i in 0 until n) t += RawC.echo(s).length
        return t
    }

    override suspend fun ready(x: Int) = RawC.ready(x)
    override suspend fun hop(x: Int) = RawC.hop(x)
    override suspend fun spawnHop(x: Int) = RawC.spawnHop(x)

    override suspend fun streamSum(n: Long): Long {
        var sum = 0L
        RawC.count(n).collect { sum += it }
        return sum
    }

    /** One Kotlin object handed to Rust once, as a StableRef (never disposed: lives for the run). */
    private val ctx: COpaquePointer by lazy { StableRef.create(RawCCallback()).asCPointer() }

    override fun callbackLoop(n: Int): Long {
        val c = ctx
        var s = 0L
        for (i in 0 until n) s += rawc_call_sync(c, i)
        return s
    }

    override suspend fun callbackAsync(x: Int): Int =
        suspendCancellableCoroutine<Long> { c -> rawc_call_async_start(ctx, tokenOf(c), x) }.toInt()
}

// ---- pure Kotlin/Native ----------------------------------------------------------------

/** A `suspend fun(i32): i32` behind an interface, as the bridges' callback traits have it. */
interface SuspendInc {
    suspend fun incLater(x: Int): Int
}

/**
 * Pure Kotlin/Native doing the same hand-off as the JVM baseline: a continuation resumed
 * from a 2-thread pool (standing in for Tokio's workers), a `channelFlow` fed from a
 * Dispatchers.IO coroutine, the callback's `suspend fun` run by `withContext(Default)`.
 * Sync cases are null (a Kotlin call measures nothing).
 */
@OptIn(DelicateCoroutinesApi::class, ExperimentalCoroutinesApi::class)
class KotlinBaselineColumn : Column("kotlin_baseline") {
    override val cases = setOf(Cases.ASYNC_READY, Cases.ASYNC_HOP_P50, Cases.ASYNC_HOP_P99, Cases.ASYNC_SPAWN_HOP_P50,
        Cases.ASYNC_THROUGHPUT, Cases.STREAM_ITEMS, Cases.CALLBACK_ASYNC_P50, Cases.BYTES_VIEW, Cases.BYTES_INTO, Cases.BYTES_RETURN)

    // The byte-slice cases as plain loops over the array: the work with no bridge.
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

    private val workers = newFixedThreadPoolContext(2, "baseline-worker")

    override suspend fun ready(x: Int): Int = suspendCancellableCoroutine { c -> c.resume(x) }

    override suspend fun hop(x: Int): Int = suspendCancellableCoroutine { c ->
        workers.dispatch(EmptyCoroutineContext, Runnable { c.resume(x) })
    }

    /** The spawn analog: the coroutine hops to the pool's thread and back. */
    override suspend fun spawnHop(x: Int): Int = withContext(workers) { x }

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

    private val incImpl = object : SuspendInc {
        override suspend fun incLater(x: Int): Int = x + 1
    }

    override suspend fun callbackAsync(x: Int): Int = withContext(Dispatchers.Default) { incImpl.incLater(x) }
}
