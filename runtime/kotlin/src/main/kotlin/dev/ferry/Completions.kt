package dev.ferry

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.ContinuationInterceptor

/** An `Err(e)` from Rust, still encoded: the generated wrapper decodes and throws it. */
class RustError(val payload: ByteArray) {
    fun reader(): WireReader = WireReader(payload)
}

/**
 * The continuation registry of the callback-to-suspend adapter. Rust holds only the
 * registry id of a suspended caller (no JNI global reference per call) and completes it
 * with one upcall to [complete], made from a Tokio thread.
 */
object Completions {
    private const val VALUE = 0
    private const val BYTES = 1
    private const val ERROR = 2
    private const val PANIC = 3

    private val nextId = AtomicLong(1)
    private val waiting = ConcurrentHashMap<Long, CancellableContinuation<Any?>>()

    fun register(continuation: CancellableContinuation<Any?>): Long {
        val id = nextId.getAndIncrement()
        waiting[id] = continuation
        return id
    }

    fun forget(id: Long) {
        waiting.remove(id)
    }

    /** Continuations still waiting for Rust (for tests of the registry itself). */
    fun waitingCount(): Int = waiting.size

    /** The upcall. Runs on a Tokio thread, so it must never run the caller's code here. */
    @JvmStatic
    fun complete(id: Long, status: Int, value: Long, payload: ByteArray?) {
        val continuation = waiting.remove(id) ?: return // cancelled meanwhile
        val result: Result<Any?> = when (status) {
            VALUE -> Result.success(value)
            BYTES -> Result.success(payload)
            ERROR -> Result.success(RustError(payload!!))
            PANIC -> Result.failure(RustPanicException(payload!!.decodeToString()))
            else -> Result.failure(IllegalStateException("ferry: unknown completion status $status"))
        }
        val dispatcher = continuation.context[ContinuationInterceptor] as? CoroutineDispatcher
        if (dispatcher == null || !dispatcher.isDispatchNeeded(continuation.context)) {
            // Unconfined (or no dispatcher): resuming here would run Kotlin code on a Tokio
            // worker. Hand it to Dispatchers.Default instead.
            Dispatchers.Default.dispatch(continuation.context, Runnable { continuation.resumeWith(result) })
        } else {
            continuation.resumeWith(result)
        }
    }
}

/**
 * Suspends until the Rust call started by [start] completes. [start] receives the
 * completion id and returns the Rust call handle, used to cancel the call if the caller is
 * cancelled first.
 */
suspend inline fun ferryCall(library: NativeRuntime, crossinline start: (Long) -> Long): Any? =
    suspendCancellableCoroutine { continuation ->
        val id = Completions.register(continuation)
        val call = try {
            start(id)
        } catch (t: Throwable) {
            Completions.forget(id)
            throw t
        }
        // Installed after start: if the caller was cancelled meanwhile, this runs at once.
        continuation.invokeOnCancellation {
            Completions.forget(id)
            library.cancelCall(call)
        }
    }
