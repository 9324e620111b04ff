package dev.ferry

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Runnable
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.isActive
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.Continuation
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.coroutineContext
import kotlin.coroutines.resume

/** An `Err(e)` from Rust, still encoded: the generated wrapper decodes and throws it. */
class RustError(val payload: ByteArray) {
    fun reader(): WireReader = WireReader(payload)
}

/**
 * The continuation registry of the callback-to-suspend adapter. Rust holds only the
 * registry id of a call (no JNI global reference per call) and completes it with one
 * upcall to [complete]: from a Tokio thread, or from the calling thread itself when the
 * Rust future was already done on its first poll.
 *
 * A call is registered before it starts, without a continuation ([reserve]); the caller
 * creates one only if the start does not bring the result back itself, and then attaches
 * it ([await]). A completion that arrives before the attach is kept in the registry until
 * then.
 *
 * An id is `generation << 32 | slot`. Slots are reused; the generation makes a late
 * completion for a reused slot (a call cancelled while its result was on the way) miss
 * instead of resuming the wrong caller.
 */
object Completions {
    private const val VALUE = 0
    private const val BYTES = 1
    private const val ERROR = 2
    private const val PANIC = 3
    /** The library was shut down (`FerryLibrary.shutdown`) while the call ran. */
    private const val CANCELLED = 4
    /** Status flag: the upcall is made on the calling thread, inside the call. */
    private const val INLINE = 16
    /** Status flag: the payload ends with object handles (`i64`s, then their `u32` count). */
    private const val HANDLES = 32

    /** Id flag telling Rust not to poll the future on the calling thread. */
    const val NO_INLINE_POLL: Long = 1L shl 62

    /**
     * Whether Rust may poll a future once on the calling thread before handing it to Tokio
     * (`-Dferry.inlineFirstPoll=false` turns it off; `FERRY_INLINE_FIRST_POLL=false` on
     * Kotlin/Native, see [systemProperty]). Never done on a UI thread, see
     * [InlinePolling]: user code up to the first `.await` would run there.
     */
    @JvmField
    val inlineFirstPoll: Boolean = systemProperty("ferry.inlineFirstPoll")?.toBoolean() ?: true

    /**
     * How long a caller that is the only call in flight spins for its result before it
     * suspends (`-Dferry.spinMicros`, `FERRY_SPIN_MICROS` on Kotlin/Native; 0 turns it off).
     * A result that arrives within the spin resumes the caller without waking its thread;
     * with more calls in flight nobody spins.
     */
    @JvmField
    val spinNanos: Long = (systemProperty("ferry.spinMicros")?.toLongOrNull() ?: 20L) * 1_000

    /** Calls and their continuations; the slot and generation logic lives there. */
    private val slots = ContinuationSlots<CancellableContinuation<Any?>, NativeRuntime>()

    /** A caller that waits already (tests of the registry itself; [ferryCall] [reserve]s). */
    fun register(continuation: CancellableContinuation<Any?>, library: NativeRuntime): Long =
        slots.register(continuation, library)

    /**
     * Registers a call about to start, of a caller that waits for a plain value of [kind]
     * (see [ValueKind]), before it has a continuation: the id to start it with.
     */
    @PublishedApi
    internal fun reserve(library: NativeRuntime, kind: Int): Long = slots.reserve(library, kind)

    /**
     * Frees [id]'s registration: its start threw, or brought the result back itself (then
     * Rust made no upcall, so nothing was kept there).
     */
    @PublishedApi
    internal fun forget(id: Long) {
        slots.remove(id)
    }

    /**
     * [start] returned this in its low two bits: the call completed on the calling thread
     * with a plain value, the rest of the return (`value shl 2`); Rust made no upcall.
     */
    const val INLINE_VALUE: Long = 2

    /**
     * The caller of [id] was cancelled: forget it and cancel its Rust call, which Rust
     * knows by the same id. Runs inside `Job.cancel()` (or, for a caller cancelled while
     * its call started, as it suspends), so a call Rust has registered is cancelled, and
     * no longer pending, when that returns.
     */
    @PublishedApi
    internal fun cancel(id: Long) {
        val taken = slots.takeForCancel(id) ?: return // completed already
        taken.library!!.cancelCall(id)
    }

    /**
     * Waits until the calls that are starting now on other threads have settled: returned
     * their value, or attached their continuation and cancellation handler (and run it, if
     * their caller was cancelled meanwhile). A call counts as pending from inside its start,
     * where Rust registers it; a `cancel()` that comes before its caller suspends reaches
     * it only then, a few µs later. [FerryDiagnostics.pendingCalls] waits for that, so a
     * count read after `cancel()` returns is right. Bounded by [maxNanos]: a first poll
     * that user code holds (or a count read from inside one) does not settle.
     */
    internal fun settleStarts(maxNanos: Long = 50_000_000) {
        val starting = slots.startingIds()
        if (starting.isEmpty()) return
        val begin = nanoTime()
        for (id in starting) {
            while (slots.isStarting(id)) {
                val waited = nanoTime() - begin
                if (waited > maxNanos) return
                if (waited < 50_000) SpinHint.pause() else pauseBriefly()
            }
        }
    }

    /** Calls registered and not yet completed: starting, with a completion kept, or waiting. */
    fun waitingCount(): Int = slots.waitingCount()

    /** Calls whose caller has attached its continuation (see [FerryDiagnostics.suspendedCalls]). */
    internal fun suspendedCount(): Int = slots.suspendedCount()

    /** Whether the caller asking is the only call registered (its own registration counts). */
    private fun onlyCallInFlight(): Boolean = slots.waitingCount() <= 1

    /**
     * The rest of [ferryCallValue] for a call that did not bring its value back from the
     * start ([running]: 1 running, 0 done with an upcall that is kept for this caller).
     *
     * A call done while starting (a string, bytes, an error or a panic, which need the
     * upcall) needs no continuation either: its kept completion is taken and returned or
     * thrown here, on the caller's thread, as [ferryCallValue] returns an inline value.
     *
     * A running call suspends until it completes. The cancellation handler goes in first,
     * then the continuation is attached to the registration, so from the moment the call
     * stops "starting" (see [settleStarts]) a cancel reaches the Rust call before `cancel()`
     * returns; a cancel that came while the call started has cancelled the continuation
     * already, and the handler then runs at once, here. A completion kept meanwhile resumes
     * the caller at once, on this thread. Only then does a lone caller spin up to
     * [spinNanos] for the completion before suspending.
     *
     * Not inlined into callers (the bindings inline `ferryCall`), so which spin hint exists
     * is decided here, once ([SpinHint]: `Thread.onSpinWait` is JDK 9 and Android API 33;
     * Kotlin/Native has none).
     */
    @PublishedApi
    internal suspend fun await(library: NativeRuntime, kind: Int, id: Long, running: Long, onUi: Boolean): Any? {
        if (running == 0L) {
            val kept = slots.takeKept(id)
            if (kept != null) return outcomeOfKept(library, kind, kept, coroutineContext)
        }
        return suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { cancel(id) }
            val early = slots.attach(id, continuation)
            when {
                // The handler took the call and cancelled it in Rust: the caller is cancelled.
                early === ContinuationSlots.CANCELLED -> {}
                early != null -> deliver(continuation, library, kind, early.status, early.value, early.payload, inPlace = true)
                running != 0L && !onUi && spinNanos > 0 && onlyCallInFlight() -> {
                    val deadline = nanoTime() + spinNanos
                    while (!continuation.isCompleted && nanoTime() < deadline) SpinHint.pause()
                }
            }
        }
    }

    /**
     * The result of a call whose completion came while it started ([await]): returned, or
     * thrown. A caller cancelled meanwhile (or before) ends with its `CancellationException`
     * instead, as a resume of a cancelled continuation would, and the objects the result
     * holds are released; so are those of a result that cannot be read.
     */
    private fun outcomeOfKept(library: NativeRuntime, kind: Int, kept: ContinuationSlots.Early, context: CoroutineContext): Any? {
        var handles: LongArray? = null
        val result: Result<Any?> = try {
            handles = handlesOf(kept.status, kept.payload)
            resultOf(kind, kept.status, kept.value, kept.payload, handles)
        } catch (t: Throwable) {
            Result.failure(t)
        }
        val owned = handles
        if (!context.isActive) {
            if (owned != null) releaseQuietly(library, owned)
            context.ensureActive() // throws: a Job that is no longer active stays so
        }
        if (owned != null && result.isFailure) releaseQuietly(library, owned)
        return result.getOrThrow()
    }

    /**
     * The upcall (by JNI on the JVM, by the generated C callbacks on Kotlin/Native; safe on
     * any thread). From a Tokio thread it must never run the caller's code there. Returns
     * false when the caller is gone (cancelled meanwhile): Rust then releases the objects
     * the result holds. When the caller is cancelled after this took the result, the
     * objects are released here, through the library that made them.
     *
     * Once the caller is taken it is always resumed: should anything here fail (an
     * `OutOfMemoryError` copying the payload, a malformed payload), the caller gets that
     * exception instead of waiting forever.
     */
    @JvmStatic
    fun complete(id: Long, status: Int, value: Long, payload: ByteArray?): Boolean {
        val taken = slots.takeOrKeep(id, status, value, payload) ?: return false
        // Kept for a caller still starting: it resumes itself when it attaches (`await`).
        val continuation = taken.continuation ?: return true
        deliver(continuation, taken.library!!, taken.kind, status, value, payload, inPlace = status and INLINE != 0)
        return true
    }

    /**
     * Resumes [continuation] with the completion `status, value, payload` ([complete]'s
     * arguments): in place when [inPlace] (the caller's own thread, before it suspends),
     * else off the runtime thread this runs on.
     */
    private fun deliver(
        continuation: CancellableContinuation<Any?>,
        library: NativeRuntime,
        kind: Int,
        status: Int,
        value: Long,
        payload: ByteArray?,
        inPlace: Boolean,
    ) {
        var handles: LongArray? = null
        val result: Result<Any?> = try {
            handles = handlesOf(status, payload)
            resultOf(kind, status, value, payload, handles)
        } catch (t: Throwable) {
            Result.failure(t)
        }
        val owned = handles
        // Rust sends handles only with a value; a failure never resumes as null, and the
        // handles of a result nobody will see are released here.
        if (owned != null && result.isFailure) releaseQuietly(library, owned)
        val resume: () -> Unit = if (owned == null || result.isFailure) {
            { continuation.resumeWith(result) }
        } else {
            { continuation.resume(result.getOrNull()) { _ -> releaseQuietly(library, owned) } }
        }
        if (inPlace) {
            resume()
        } else {
            resumeOffRuntimeThread(continuation, resume)
        }
    }

    /**
     * The object handles at the end of a completion's payload (status flag `HANDLES`: `i64`s,
     * then their `u32` count), or null. Throws for a payload too short to hold them.
     */
    private fun handlesOf(status: Int, payload: ByteArray?): LongArray? {
        if (status and HANDLES == 0) return null
        val bytes = payload!!
        if (bytes.size < 4) throw IllegalStateException("ferry: a completion of ${bytes.size} bytes has no handle count")
        val count = readIntLe(bytes, bytes.size - 4)
        val start = bytes.size - 4 - 8 * count
        if (count < 0 || start < 0) throw IllegalStateException("ferry: a completion of ${bytes.size} bytes cannot hold $count handles")
        return LongArray(count) { readLongLe(bytes, start + 8 * it) }
    }

    /**
     * A completion (`status, value, payload`, as [complete] gets it) as the caller's result,
     * the payload without its trailing [handles] (see [handlesOf]).
     */
    private fun resultOf(kind: Int, status: Int, value: Long, payload: ByteArray?, handles: LongArray?): Result<Any?> {
        val body = if (handles == null) payload else payload!!.copyOf(payload.size - 4 - 8 * handles.size)
        return when (status and (INLINE or HANDLES).inv()) {
            VALUE -> Result.success(ValueKind.of(kind, value))
            BYTES -> Result.success(body)
            ERROR -> Result.success(RustError(body!!))
            PANIC -> Result.failure(RustPanicException(body!!.decodeToString()))
            CANCELLED -> Result.failure(CancellationException("ferry: the library was shut down"))
            else -> Result.failure(IllegalStateException("ferry: unknown completion status $status"))
        }
    }

    /**
     * Many completions in one upcall (the JNI face, from a runtime thread flushing the
     * runtime's batch: `docs/adr/0011-batched-completions.md`): [pairs] holds [count] pairs `call, value`,
     * each a call that ended with a plain value, as [complete] with status `VALUE` and no
     * payload would deliver it. Once the callers are taken nothing is thrown: a
     * failure resuming one of them (short of an `OutOfMemoryError` it cannot happen) fails
     * that caller and must not strand the others.
     */
    @JvmStatic
    fun completeBatch(pairs: LongArray, count: Int) {
        // One registry lock for the whole batch; the resumes happen outside it. Should this
        // throw (no memory for the array), nothing was taken and Rust, seeing the
        // exception, completes each call by its own upcall.
        val kinds = ByteArray(count)
        val taken = slots.takeBatch(pairs, count, kinds, VALUE)
        for (i in 0 until count) {
            @Suppress("UNCHECKED_CAST")
            val continuation = taken[i] as CancellableContinuation<Any?>? ?: continue
            val value = ValueKind.of(kinds[i].toInt(), pairs[2 * i + 1])
            try {
                // Inline: no closure per call unless the resume has to be dispatched.
                resumeOffRuntimeThread(continuation) { continuation.resume(value) }
            } catch (t: Throwable) {
                try {
                    if (!continuation.isCompleted) resumeOffRuntimeThread(continuation, Result.failure(t))
                } catch (_: Throwable) {
                }
            }
        }
    }

    /**
     * Releases the handles of a result nobody will see. A panicking Rust `Drop` is
     * reported by Rust's panic hook; it must neither stop the loop nor reach a coroutine
     * exception handler (this runs inside cancellation handlers).
     */
    private fun releaseQuietly(library: NativeRuntime, handles: LongArray) {
        for (handle in handles) {
            try {
                library.releaseObject(handle)
            } catch (_: RustPanicException) {
            }
        }
    }
}

/**
 * Resumes [continuation] from a Tokio thread. Under `Dispatchers.Unconfined` (or with no
 * dispatcher) resuming in place would run Kotlin code on the Tokio worker, so the resume
 * is handed to `Dispatchers.Default` instead.
 */
internal fun <T> resumeOffRuntimeThread(continuation: Continuation<T>, result: Result<T>) =
    resumeOffRuntimeThread(continuation) { continuation.resumeWith(result) }

internal inline fun resumeOffRuntimeThread(continuation: Continuation<*>, crossinline resume: () -> Unit) {
    val dispatcher = continuation.context[ContinuationInterceptor] as? CoroutineDispatcher
    if (dispatcher == null || !dispatcher.isDispatchNeeded(continuation.context)) {
        Dispatchers.Default.dispatch(continuation.context, Runnable { resume() })
    } else {
        resume()
    }
}

/**
 * How a call's plain value (a completion's 64 bits, status `VALUE`) reaches its caller: as
 * the `Long` itself ([RAW], what [ferryCall] returns and the generated code converts), or
 * already as the Kotlin value the generated function returns ([ferryCallValue]). The
 * generated wrapper of an infallible `async fn` returning a primitive or `()` then returns
 * the call's result as it is, a tail call, so the Kotlin compiler gives the wrapper no
 * continuation object of its own: one allocation (48 bytes) less per call.
 */
object ValueKind {
    const val RAW = 0
    const val UNIT = 1
    const val BOOLEAN = 2
    const val BYTE = 3
    const val SHORT = 4
    const val INT = 5
    const val LONG = 6
    const val FLOAT = 7
    const val DOUBLE = 8

    /** The value of [kind] whose bits are [bits] (Rust's `as i64` or `to_bits`). */
    @PublishedApi
    internal fun of(kind: Int, bits: Long): Any? = when (kind) {
        UNIT -> Unit
        BOOLEAN -> bits != 0L
        BYTE -> bits.toByte()
        SHORT -> bits.toShort()
        INT -> bits.toInt()
        FLOAT -> Float.fromBits(bits.toInt())
        DOUBLE -> Double.fromBits(bits)
        else -> bits
    }
}

/**
 * Suspends until the Rust call started by [start] completes; a plain value comes back as
 * its `Long` bits (see [ferryCallValue] for the rest of the contract).
 */
suspend inline fun ferryCall(library: NativeRuntime, crossinline start: (Long) -> Long): Any? =
    ferryCallValue(library, ValueKind.RAW, start)

/**
 * Suspends until the Rust call started by [start] completes. [start] receives the
 * completion id (which also names the call for cancellation) and returns 1 while the call
 * runs; for a call that already completed on the calling thread, 0 (the upcall delivered
 * its outcome) or a small value tagged [Completions.INLINE_VALUE] (`value shl 2 or 2`).
 *
 * A call that brings its value back from the start never creates a continuation (nor a
 * cancellation handler): it returns the value, unless the caller's Job was cancelled
 * meanwhile (or before), which ends it with that `CancellationException`, as a resume of a
 * cancelled continuation would. The others suspend in [Completions.await].
 *
 * A call that fails while starting (a closed object, an argument Rust cannot lift) throws
 * that exception, its registration freed.
 */
@Suppress("UNCHECKED_CAST") // the caller states [T] with [kind]: the value returned is a T
suspend inline fun <T> ferryCallValue(library: NativeRuntime, kind: Int, crossinline start: (Long) -> Long): T {
    val context = coroutineContext
    val onUi = InlinePolling.onUiThread(context)
    val id = Completions.reserve(library, kind)
    val running = try {
        start(if (Completions.inlineFirstPoll && !onUi) id else id or Completions.NO_INLINE_POLL)
    } catch (t: Throwable) {
        Completions.forget(id)
        throw t
    }
    if (running and 3L == Completions.INLINE_VALUE) {
        Completions.forget(id)
        context.ensureActive()
        return ValueKind.of(kind, running shr 2) as T
    }
    return Completions.await(library, kind, id, running, onUi) as T
}
