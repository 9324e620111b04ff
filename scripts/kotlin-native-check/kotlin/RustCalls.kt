package ferry.kncheck

import ferry.kncheck.native.ferry_check_double_later
import kotlinx.atomicfu.locks.SynchronizedObject
import kotlinx.atomicfu.locks.synchronized
import kotlinx.cinterop.staticCFunction
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume
import kotlin.time.Duration

/** What a Rust thread called back with: the doubled value and the tag of the thread that called. */
data class Doubled(val value: Long, val threadTag: ULong)

/**
 * Calls waiting for a Rust thread, by token. Rust only ever holds a number, never a pointer to a
 * Kotlin object, so a callback that arrives after its caller was cancelled finds no entry and is
 * counted instead of touching a continuation that is gone: the scheme ferry's JVM registry uses.
 */
object PendingCalls {
    private val lock = SynchronizedObject()
    private val waiting = HashMap<ULong, CancellableContinuation<Doubled>>()
    private var nextToken = 1uL
    private var callbacksWithoutCaller = 0

    fun register(continuation: CancellableContinuation<Doubled>): ULong = synchronized(lock) {
        val token = nextToken++
        waiting[token] = continuation
        token
    }

    fun forget(token: ULong) {
        synchronized(lock) { waiting.remove(token) }
    }

    /** Runs on the Rust thread. Resumes outside the lock: resuming may run the caller's code inline. */
    fun complete(token: ULong, result: Doubled) {
        val continuation = synchronized(lock) {
            waiting.remove(token).also { if (it == null) callbacksWithoutCaller++ }
        }
        // A continuation cancelled between the lookup and here ignores the value.
        continuation?.resume(result)
    }

    fun pending(): Int = synchronized(lock) { waiting.size }

    fun callbacksWithoutCaller(): Int = synchronized(lock) { callbacksWithoutCaller }
}

// A C function pointer cannot capture anything: the token routes the result to its caller.
private val onDoubled = staticCFunction { token: ULong, doubled: Long, threadTag: ULong ->
    PendingCalls.complete(token, Doubled(doubled, threadTag))
}

/** Suspends until a Rust-spawned thread calls back with `value * 2`, `delay` later. */
suspend fun doubleOnRustThread(value: Long, delay: Duration): Doubled = suspendCancellableCoroutine { continuation ->
    val token = PendingCalls.register(continuation)
    continuation.invokeOnCancellation { PendingCalls.forget(token) }
    ferry_check_double_later(value, delay.inWholeMilliseconds.toUInt(), token, onDoubled)
}
