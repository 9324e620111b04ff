@file:OptIn(ExperimentalForeignApi::class)

package dev.ferry

import kotlinx.cinterop.ByteVar
import kotlinx.cinterop.CPointer
import kotlinx.cinterop.CValuesRef
import kotlinx.cinterop.ExperimentalForeignApi
import kotlinx.cinterop.LongVar
import kotlinx.cinterop.addressOf
import kotlinx.cinterop.usePinned
import kotlinx.cinterop.get
import kotlinx.cinterop.plus
import kotlinx.cinterop.readBytes
import kotlinx.cinterop.refTo
import kotlinx.cinterop.reinterpret
import kotlinx.cinterop.set
import kotlinx.cinterop.toCPointer
import kotlinx.cinterop.toLong

/**
 * The Kotlin/Native half of ferry's C face, used by the generated `FerryNative` of each
 * library (its Rust half is the crate `ferry-cabi`). Every C function of a library takes a
 * status array first: two `Long`s that Rust leaves at 0 on success and sets to a code and
 * a message buffer on failure, which [call] turns into the exception the JVM face would
 * have thrown. Byte results are length-prefixed buffers owned by the caller and freed
 * through the library's own free function (the library may use any allocator).
 */
object CFace {
    private const val PANIC = 1L
    private const val INVALID_ARGUMENT = 2L
    private const val INVALID_STATE = 3L

    /**
     * Runs one C call with a fresh status array and throws what it reports. The array is a
     * pinned Kotlin `LongArray`, not a native allocation: no malloc and free per call, and
     * each call (re-entrant ones too) has its own.
     */
    inline fun <R> call(noinline free: (Long) -> Unit, block: (CPointer<LongVar>) -> R): R {
        val status = LongArray(2)
        val result = status.usePinned { block(it.addressOf(0)) }
        if (status[0] != 0L) throw failure(status[0], status[1], free)
        return result
    }

    @PublishedApi
    internal fun failure(code: Long, message: Long, free: (Long) -> Unit): Throwable {
        val text = bytes(message.toCPointer(), free).decodeToString()
        return when (code) {
            PANIC -> RustPanicException(text)
            INVALID_ARGUMENT -> IllegalArgumentException(text)
            INVALID_STATE -> IllegalStateException(text)
            else -> IllegalStateException("ferry: unknown status $code from Rust: $text")
        }
    }

    /** Copies a returned buffer into a `ByteArray` and frees it. */
    fun bytes(buffer: CPointer<ByteVar>?, free: (Long) -> Unit): ByteArray {
        checkNotNull(buffer) { "ferry: Rust returned no buffer" }
        try {
            val len = buffer.reinterpret<LongVar>()[0]
            check(len in 0..Int.MAX_VALUE.toLong()) { "ferry: buffer length $len from Rust" }
            return if (len == 0L) ByteArray(0) else (buffer + 8)!!.readBytes(len.toInt())
        } finally {
            free(buffer.toLong())
        }
    }

    /** A byte argument: pinned for the call; null for an empty array (Rust reads length 0). */
    fun ref(bytes: ByteArray): CValuesRef<ByteVar>? = if (bytes.isEmpty()) null else bytes.refTo(0)

    /** The payload of an upcall, copied (Rust frees it when the upcall returns); -1 is none. */
    @PublishedApi
    internal fun payload(data: CPointer<ByteVar>?, len: Long): ByteArray? = when {
        len < 0L -> null
        len == 0L || data == null -> ByteArray(0)
        else -> data.readBytes(len.toInt())
    }

    /**
     * The completion upcall (see `dev.ferry.Completions.complete`), called by Rust from any
     * thread. Nothing may escape into C: an exception here would abort the process.
     */
    fun complete(call: Long, status: Int, value: Long, data: CPointer<ByteVar>?, len: Long): Int = try {
        if (Completions.complete(call, status, value, payload(data, len))) 1 else 0
    } catch (t: Throwable) {
        0
    }

    /** The stream upcall (see `dev.ferry.Streams.deliver`), called by Rust from any thread. */
    fun deliver(sink: Long, status: Int, data: CPointer<ByteVar>?, len: Long): Int = try {
        Streams.deliver(sink, status, payload(data, len))
        1
    } catch (t: Throwable) {
        0
    }

    /**
     * The sync callback upcall: runs the method ([Callbacks.call] never throws) and hands the
     * reply to [sendReply], which passes it to the library before Rust's call returns.
     */
    inline fun callbackCall(handle: Long, method: Int, data: CPointer<ByteVar>?, len: Long, sendReply: (ByteArray) -> Unit): Int = try {
        sendReply(Callbacks.call(handle, method, payload(data, len) ?: ByteArray(0)))
        1
    } catch (t: Throwable) {
        0
    }

    /** The async callback upcall: starts the coroutine ([Callbacks.callAsync]). */
    fun callbackCallAsync(handle: Long, method: Int, call: Long, data: CPointer<ByteVar>?, len: Long): Int = try {
        Callbacks.callAsync(handle, method, call, payload(data, len) ?: ByteArray(0))
        1
    } catch (t: Throwable) {
        0
    }

    fun callbackCancel(call: Long) {
        try {
            Callbacks.cancelAsync(call)
        } catch (_: Throwable) {
        }
    }

    fun callbackRelease(handle: Long) {
        try {
            Callbacks.release(handle)
        } catch (_: Throwable) {
        }
    }
}
