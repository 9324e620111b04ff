package bench

/**
 * One column of the benchmark: the same operations, each implemented directly against one
 * bridge so that the hot call sites stay monomorphic. A column lists the case ids it can
 * run in [cases]; every other case gets `null` in the results.
 */
abstract class Column(val key: String) {
    abstract val cases: Set<String>

    /** Called once before any measurement (load libraries, check results). */
    open fun setUp() {}

    /** `n` calls of sync `add(i, 1)`; returns a checksum so the JIT cannot drop the calls. */
    open fun addLoop(n: Int): Long = unsupported()

    /** `n` calls of sync `echo(s)`; returns the summed lengths. */
    open fun echoLoop(s: String, n: Int): Long = unsupported()

    open suspend fun ready(x: Int): Int = unsupported()
    open suspend fun hop(x: Int): Int = unsupported()

    /** One call of an `async fn` that awaits `tokio::spawn(async move { x })` once. */
    open suspend fun spawnHop(x: Int): Int = unsupported()
    open suspend fun sleepLong(ms: Long): Unit = unsupported()

    /** Never returns; the callee records when its future is dropped (see [probeDroppedAt]). */
    open suspend fun waitForever(): Unit = unsupported()

    /** `System.nanoTime()`-comparable time of the last `waitForever` drop, or -1; `reset` clears. */
    open fun probeDroppedAt(reset: Boolean): Long = unsupported()

    /** How many `waitForever` calls have started (their future polled once). */
    open fun probeStarted(): Long = unsupported()

    open suspend fun echoBytes(b: ByteArray): ByteArray = unsupported()

    /** Collects a `Flow` of `0 until n` and returns the sum. */
    open suspend fun streamSum(n: Long): Long = unsupported()

    /**
     * `n` calls of a Rust sync fn that calls a Kotlin-implemented `inc(x) = x + 1` once, on
     * the calling thread; returns the summed results.
     */
    open fun callbackLoop(n: Int): Long = unsupported()

    /** One call of a Rust `async fn` that awaits a Kotlin `suspend fun incLater(x) = x + 1` once. */
    open suspend fun callbackAsync(x: Int): Int = unsupported()

    /** One call of a thread-affine object's `bump()` (a `suspend fun`: it runs on the object's thread). */
    open suspend fun affineBump(): Long = unsupported()

    /** One call of the same `bump()` on a `Mutex`-guarded object (a plain `fun`, on the caller's thread). */
    open fun mutexBump(): Long = unsupported()

    /**
     * Consumes [n] 64-byte frames produced by Rust (frame `i` holds `i` in its first 8 bytes,
     * little-endian), reading each frame's first 8 bytes; returns their sum.
     */
    open suspend fun framesSmall(n: Long): Long = unsupported()

    /** Consumes [n] 1 MiB frames (`i` in the first and last 8 bytes); returns the sum of both. */
    open suspend fun framesLarge(n: Long): Long = unsupported()

    // Byte slices of sync calls (bytes_view, bytes_into and their _direct forms): each call
    // passes one 1 MiB buffer; see bench/README.md.

    /** One sync call summing [data] (Rust takes `&[u8]`); returns the sum. */
    open fun bytesView(data: ByteArray): Long = unsupported()

    /** [bytesView] with a direct ByteBuffer, read in place from position to limit. */
    open fun bytesViewDirect(data: java.nio.ByteBuffer): Long = unsupported()

    /** [bytesView] through a `Vec<u8>` parameter: the copy every `&[u8]` cost before. */
    open fun bytesViewCopied(data: ByteArray): Long = unsupported()

    /** One sync call filling the caller's [out] with [seed] (Rust takes `&mut [u8]`); returns the count. */
    open fun bytesInto(out: ByteArray, seed: Byte): Int = unsupported()

    /** [bytesInto] with a direct ByteBuffer, written in place. */
    open fun bytesIntoDirect(out: java.nio.ByteBuffer, seed: Byte): Int = unsupported()

    /** One sync call returning a new [len]-byte array of [seed]: how a result came back before `&mut [u8]`. */
    open fun bytesReturn(len: Int, seed: Byte): ByteArray = unsupported()

    private fun unsupported(): Nothing = throw UnsupportedOperationException("$key does not run this case")
}

object Cases {
    const val SYNC_NOOP = "sync_noop"
    const val SYNC_STRING_ECHO = "sync_string_echo"
    const val ASYNC_READY = "async_ready"
    const val ASYNC_HOP_P50 = "async_hop_p50"
    const val ASYNC_HOP_P99 = "async_hop_p99"
    const val ASYNC_SPAWN_HOP_P50 = "async_spawn_hop_p50"
    const val ASYNC_THROUGHPUT = "async_throughput"
    const val INFLIGHT_MEMORY = "inflight_memory"
    const val CANCEL_LATENCY_P50 = "cancel_latency_p50"
    const val STREAM_ITEMS = "stream_items"
    const val BULK_BYTES = "bulk_bytes"
    const val CALLBACK_SYNC = "callback_sync"
    const val CALLBACK_ASYNC_P50 = "callback_async_p50"
    const val AFFINE_CALLS = "affine_calls"
    const val AFFINE_CALLS_MUTEX = "affine_calls_mutex"
    const val FRAMES_SMALL = "frames_small"
    const val FRAMES_LARGE = "frames_large"

    val ALL = listOf(
        SYNC_NOOP, SYNC_STRING_ECHO, ASYNC_READY, ASYNC_HOP_P50, ASYNC_HOP_P99, ASYNC_SPAWN_HOP_P50,
        ASYNC_THROUGHPUT, INFLIGHT_MEMORY, CANCEL_LATENCY_P50, STREAM_ITEMS, BULK_BYTES,
        CALLBACK_SYNC, CALLBACK_ASYNC_P50, AFFINE_CALLS, AFFINE_CALLS_MUTEX, FRAMES_SMALL, FRAMES_LARGE,
    )
    const val BYTES_VIEW = "bytes_view"
    const val BYTES_VIEW_DIRECT = "bytes_view_direct"
    const val BYTES_VIEW_COPIED = "bytes_view_copied"
    const val BYTES_INTO = "bytes_into"
    const val BYTES_INTO_DIRECT = "bytes_into_direct"
    const val BYTES_RETURN = "bytes_return"

    /** The byte-slice cases; a column that runs them adds them to its [Column.cases]. */
    val BYTE_SLICES = setOf(BYTES_VIEW, BYTES_VIEW_DIRECT, BYTES_VIEW_COPIED, BYTES_INTO, BYTES_INTO_DIRECT, BYTES_RETURN)
    val ASYNC = setOf(ASYNC_READY, ASYNC_HOP_P50, ASYNC_HOP_P99, ASYNC_SPAWN_HOP_P50, ASYNC_THROUGHPUT, INFLIGHT_MEMORY, CANCEL_LATENCY_P50, BULK_BYTES, CALLBACK_ASYNC_P50)
}
