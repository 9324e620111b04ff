package dev.ferry

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.resume

/** What a ferry-generated library exposes for the streams it opens. */
interface NativeStreams {
    /** Grants the Rust stream [n] more items of credit. */
    fun requestStream(stream: Long, n: Long)

    /** Cancels the Rust stream: it is dropped at once and delivers nothing more. */
    fun closeStream(stream: Long)
}

/**
 * Backpressure settings of the Flows backed by Rust streams (docs/streams.md), read when a
 * collection starts from the system properties `ferry.stream.batch` (most items in one
 * batch, default 4096), `ferry.stream.window` (most items Rust may produce ahead of the
 * collector, default 16384, at least `batch`) and `ferry.stream.windowBytes` (the memory a
 * collection lets Rust run ahead by, default 1 MiB, see [adaptedWindow]). On Kotlin/Native
 * they are the environment variables `FERRY_STREAM_BATCH`, `FERRY_STREAM_WINDOW` and
 * `FERRY_STREAM_WINDOW_BYTES` (see [systemProperty]).
 */
object FerryStreams {
    const val DEFAULT_BATCH = 4096
    const val DEFAULT_WINDOW = 16384
    const val DEFAULT_WINDOW_BYTES = 1 shl 20

    /** The window a collection starts with, before its item size is known (or the window, if smaller). */
    const val START_WINDOW = 1024

    @JvmStatic
    fun batch(): Int = intProperty("ferry.stream.batch", DEFAULT_BATCH).coerceIn(1, 1 shl 20)

    @JvmStatic
    fun window(): Int = intProperty("ferry.stream.window", DEFAULT_WINDOW).coerceIn(batch(), 1 shl 24)

    @JvmStatic
    fun windowBytes(): Int = intProperty("ferry.stream.windowBytes", DEFAULT_WINDOW_BYTES).coerceIn(1, 1 shl 30)

    /**
     * The window after a batch of [items] items encoded in [bytes] bytes (never above [max]).
     * Small items let the window grow toward [max], so Rust keeps producing while Kotlin
     * emits (few thread wake-ups per item); large ones keep it at [START_WINDOW], so the
     * memory Rust runs ahead by stays about [budget] bytes, or what a fixed window of
     * [START_WINDOW] items holds when that is more.
     */
    internal fun adaptedWindow(max: Int, budget: Int, items: Int, bytes: Int): Int {
        val start = minOf(START_WINDOW, max)
        if (items <= 0) return start
        val perItem = maxOf(1L, bytes.toLong() / items)
        return (budget / perItem).coerceIn(start.toLong(), max.toLong()).toInt()
    }

    /** A value that is not a decimal number counts as unset. */
    private fun intProperty(name: String, default: Int): Int = systemProperty(name)?.trim()?.toIntOrNull() ?: default
}

/**
 * The sink registry: Rust holds only a sink id and delivers batches with one upcall,
 * [deliver], made from a Tokio thread. The upcall never runs collector code: it queues the
 * batch and resumes the collector through its own dispatcher.
 */
object Streams {
    private const val ITEMS = 0
    private const val END = 1
    private const val ERROR = 2
    private const val PANIC = 3
    /** The library was shut down (`FerryLibrary.shutdown`): the collection is cancelled. */
    private const val CANCELLED = 4

    private val nextId = AtomicLong(1)
    private val sinks = ConcurrentHashMap<Long, Sink>()

    internal class Message(val status: Int, val payload: ByteArray?)

    /**
     * One collection's mailbox: a queue and at most one waiting collector. [wake] resumes a
     * collector that was waiting when a message arrived: off the Tokio thread that offered
     * it; the mailbox model tests (`SinkLincheckTest`) resume in place instead.
     */
    internal class Sink(
        private val wake: (CancellableContinuation<Unit>) -> Unit = { resumeOffRuntimeThread(it, Result.success(Unit)) },
    ) {
        private val queue = ConcurrentLinkedQueue<Message>()
        private val waiter = AtomicReference<CancellableContinuation<Unit>?>(null)

        fun offer(message: Message) {
            queue.add(message)
            waiter.getAndSet(null)?.let(wake)
        }

        suspend fun take(): Message {
            while (true) {
                queue.poll()?.let { return it }
                suspendCancellableCoroutine { c ->
                    waiter.set(c)
                    // A message that arrived before the waiter was visible: wake ourselves.
                    if (queue.isNotEmpty() && waiter.compareAndSet(c, null)) c.resume(Unit)
                }
            }
        }
    }

    internal fun register(sink: Sink): Long {
        val id = nextId.getAndIncrement()
        sinks[id] = sink
        return id
    }

    internal fun forget(id: Long) {
        sinks.remove(id)
    }

    /** Sinks of collections still running (for tests of the registry itself). */
    fun sinkCount(): Int = sinks.size

    /** The upcall (by JNI on the JVM, by the generated C callbacks on Kotlin/Native). Runs on a Tokio thread. */
    @JvmStatic
    fun deliver(id: Long, status: Int, payload: ByteArray?) {
        sinks[id]?.offer(Message(status, payload))
    }

    /** Sink id flag telling Rust not to make the stream on the collector's thread. */
    const val NO_INLINE_MAKE: Long = 1L shl 62

    internal const val STATUS_ITEMS = ITEMS
    internal const val STATUS_END = END
    internal const val STATUS_ERROR = ERROR
    internal const val STATUS_PANIC = PANIC
    internal const val STATUS_CANCELLED = CANCELLED
}

/**
 * A cold Flow backed by a Rust stream. Every collection calls [open] (which starts the Rust
 * function and returns the stream handle), then emits the items of each batch Rust delivers,
 * granting credit back after each batch. Leaving the collection early (cancellation,
 * `take`, `first`, a timeout, an exception downstream) closes the Rust stream.
 *
 * [open] receives the sink id, the batch size and the initial credit. [item] reads one item;
 * [error] reads the encoded `Err(e)` of a `Result` item (null when items are not Results).
 */
fun <T> ferryFlow(
    library: NativeStreams,
    open: (sink: Long, batch: Int, credit: Int) -> Long,
    error: ((WireReader) -> Throwable)?,
    item: (WireReader) -> T,
): Flow<T> = flow {
    val sink = Streams.Sink()
    val id = Streams.register(sink)
    var stream = 0L
    try {
        // The stream is made on this thread before `open` returns (so a hot source's events
        // sent once collect has started are not missed), except on a UI thread.
        val onUi = InlinePolling.onUiThread(currentCoroutineContext())
        val sinkArg = if (Completions.inlineFirstPoll && !onUi) id else id or Streams.NO_INLINE_MAKE
        val maxWindow = FerryStreams.window()
        val budget = FerryStreams.windowBytes()
        // Credit handed out and not yet spent by emitting: what Rust may run ahead by.
        var window = minOf(FerryStreams.START_WINDOW, maxWindow)
        stream = open(sinkArg, FerryStreams.batch(), window)
        while (true) {
            val message = sink.take()
            when (message.status) {
                Streams.STATUS_ITEMS -> {
                    val payload = message.payload!!
                    val r = WireReader(payload)
                    val n = r.len()
                    for (i in 0 until n) emit(item(r))
                    r.finish()
                    // The batch's credit comes back, resized to the window its items call
                    // for; credit Rust still holds cannot be taken back, so a shrinking
                    // window shrinks only by what this batch returns.
                    val next = maxOf(FerryStreams.adaptedWindow(maxWindow, budget, n, payload.size), window - n)
                    val grant = n + next - window
                    window = next
                    if (grant > 0) library.requestStream(stream, grant.toLong())
                }
                Streams.STATUS_END -> return@flow
                Streams.STATUS_ERROR -> {
                    val read = error ?: throw IllegalStateException("ferry: an error item from a stream without Result items")
                    throw read(WireReader(message.payload!!))
                }
                Streams.STATUS_PANIC -> throw RustPanicException(message.payload!!.decodeToString())
                Streams.STATUS_CANCELLED -> throw CancellationException("ferry: the library was shut down")
                else -> throw IllegalStateException("ferry: unknown stream status ${message.status}")
            }
        }
    } finally {
        Streams.forget(id)
        if (stream != 0L) library.closeStream(stream)
    }
}
