package dev.ferry

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.channels.ReceiveChannel
import kotlinx.coroutines.channels.produce
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch

/**
 * How Rust's calls reach the Kotlin implementations of one callback trait: generated per
 * trait. Both functions read the arguments from `r` and write the reply to `w`: a `0` byte
 * then the result, or a `1` byte then a thrown variant of the method's error type. Any
 * other exception propagates to [Callbacks], which turns it into a panic in the Rust caller.
 */
interface CallbackDispatch {
    fun call(target: Any, method: Int, r: WireReader, w: WireWriter)

    /**
     * Decodes the arguments of async method [method] at once, on Rust's calling thread, and
     * returns the call to run in a coroutine. Decoding first means the arguments are Kotlin's
     * as soon as Rust has sent them: an object among them is owned by its Kotlin class (closed,
     * or released by the reclaimer) even when the coroutine is cancelled before it runs.
     */
    fun prepareSuspend(target: Any, method: Int, r: WireReader): suspend (WireWriter) -> Unit

    /**
     * The fast path of a sync method whose arguments (at most four) and result are numbers,
     * booleans or `Unit`: each crosses as the bits of a `Long`, with no buffer on either
     * side. The generator overrides it for the traits that have such methods; Rust uses it
     * where the face offers it (the JVM's) and [call] elsewhere. Exceptions propagate.
     */
    fun callScalar(target: Any, method: Int, a0: Long, a1: Long, a2: Long, a3: Long): Long =
        throw IllegalStateException("ferry: method $method has no scalar path")
}

/**
 * The callback registry: Kotlin objects that Rust holds, by handle. Passing an
 * implementation to Rust registers it; Rust's proxy owns the entry and releases it when
 * Rust drops its last reference, so the object lives exactly as long as Rust holds it
 * ([FerryDiagnostics.liveCallbacks] counts the entries). Handles are never reused.
 *
 * Rust reaches an entry through the upcalls below, from any thread: [call] runs a sync
 * method on the thread that called it (a Tokio worker, a thread Rust spawned, or the
 * Kotlin caller's own thread re-entrantly); [callAsync] starts a coroutine on [dispatcher]
 * and returns at once, and the coroutine's reply completes the Rust future. When Rust drops
 * that future, [cancelAsync] cancels the coroutine. No lock is held while user code runs.
 */
object Callbacks {
    /** The reply tag of an exception that is not the method's error type (see CallbackDispatch). */
    private const val THROWN: Byte = 2

    private class Entry(val target: Any, val dispatch: CallbackDispatch, val library: NativeRuntime)

    private val nextHandle = AtomicLong(1)
    private val entries = ConcurrentHashMap<Long, Entry>()
    private val running = ConcurrentHashMap<Long, Job>()
    internal val scope = CoroutineScope(SupervisorJob())

    private val libraryDispatchers = ConcurrentHashMap<NativeRuntime, CoroutineDispatcher>()

    /**
     * Where the async callback methods of every library run (and the Kotlin Flows passed to
     * Rust are collected): `Dispatchers.Default` unless the application sets another one,
     * e.g. a dispatcher of its own for I/O-bound work. A library's own choice
     * (`FerryLibrary.callbackDispatcher`, see [setDispatcher]) wins over it. Read at each
     * call, so a change applies to the calls that start after it. Never a thread of Rust's
     * runtime: the coroutine is dispatched, never run in the upcall.
     */
    var dispatcher: CoroutineDispatcher = Dispatchers.Default

    /** The dispatcher of [library]'s async callbacks; `null` goes back to [dispatcher]. */
    fun setDispatcher(library: NativeRuntime, value: CoroutineDispatcher?) {
        if (value == null) libraryDispatchers.remove(library) else libraryDispatchers[library] = value
    }

    /** [library]'s own dispatcher, if it set one. */
    fun dispatcherOrNull(library: NativeRuntime): CoroutineDispatcher? = libraryDispatchers[library]

    /** Where [library]'s async callbacks run: its own dispatcher, else [dispatcher]. */
    fun dispatcherOf(library: NativeRuntime): CoroutineDispatcher = libraryDispatchers[library] ?: dispatcher

    /** Registers an implementation passed to Rust; the returned handle is Rust's to release. */
    @JvmStatic
    fun register(target: Any, dispatch: CallbackDispatch, library: NativeRuntime): Long {
        val handle = nextHandle.getAndIncrement()
        entries[handle] = Entry(target, dispatch, library)
        currentJournal()?.add(handle)
        return handle
    }

    /**
     * Starts recording this thread's registrations (see [RegistrationJournal]): the generated
     * code opens one before it encodes arguments that register implementations, and seals it
     * just before the native call.
     */
    fun openJournal(): RegistrationJournal = RegistrationJournal(currentJournal()).also { setCurrentJournal(it) }

    /** Runs [encode] (a callback reply that registers implementations) under a journal. */
    inline fun journaled(encode: () -> Unit) {
        val journal = openJournal()
        journal.guard(encode)
        journal.seal()
    }

    /** Implementations that Rust still holds. */
    @JvmStatic
    fun live(): Long = entries.size.toLong()

    /** Async callback coroutines still running. */
    @JvmStatic
    fun running(): Long = running.size.toLong()

    /** The sync upcall: runs the method and returns the reply; never throws. */
    @JvmStatic
    fun call(handle: Long, method: Int, args: ByteArray): ByteArray {
        val entry = entries[handle] ?: return thrown(notRegistered(handle))
        return try {
            val w = WireWriter()
            entry.dispatch.call(entry.target, method, WireReader(args), w)
            w.toByteArray()
        } catch (t: Throwable) {
            thrown(describe(t))
        }
    }

    /**
     * The scalar upcall ([CallbackDispatch.callScalar]): the result's bits. An exception
     * escapes to Rust, which reads it with [describe] and panics with its message, exactly
     * as [call]'s thrown reply does.
     */
    @JvmStatic
    fun callScalar(handle: Long, method: Int, a0: Long, a1: Long, a2: Long, a3: Long): Long {
        val entry = entries[handle] ?: throw IllegalStateException(notRegistered(handle))
        return entry.dispatch.callScalar(entry.target, method, a0, a1, a2, a3)
    }

    /** The async upcall: starts the method's coroutine; its reply goes to the library. */
    @JvmStatic
    fun callAsync(handle: Long, method: Int, call: Long, args: ByteArray) {
        val entry = entries[handle]
        if (entry == null) {
            complete(null, call, thrown(notRegistered(handle)))
            return
        }
        val run = try {
            entry.dispatch.prepareSuspend(entry.target, method, WireReader(args))
        } catch (t: Throwable) {
            complete(entry.library, call, thrown(describe(t)))
            return
        }
        // Lazy, so the job is in [running] before it can run (and finish, and remove itself).
        val job = scope.launch(dispatcherOf(entry.library), CoroutineStart.LAZY) {
            val reply = try {
                val w = WireWriter()
                run(w)
                w.toByteArray()
            } catch (e: CancellationException) {
                // Cancelled by Rust (the future was dropped): nobody waits for a reply.
                if (running.remove(call) == null) return@launch
                thrown(describe(e))
            } catch (t: Throwable) {
                thrown(describe(t))
            }
            if (running.remove(call) != null) complete(entry.library, call, reply)
        }
        running[call] = job
        job.start()
    }

    /** Rust dropped the future of async call [call]: cancel its coroutine. */
    @JvmStatic
    fun cancelAsync(call: Long) {
        running.remove(call)?.cancel()
    }

    /**
     * A callback trait object Rust returned: Rust registered it as object [handle]; when it
     * is a Kotlin implementation coming back ([kotlinHandle] names its registry entry), the
     * result is that very object and the Rust handle is released at once; otherwise [wrap]
     * makes the class that calls the Rust implementation.
     */
    @JvmStatic
    fun <T> returned(handle: Long, kotlinHandle: Long, release: RustObject.HandleRelease, wrap: (Long) -> T): T {
        val own = if (kotlinHandle != 0L) entries[kotlinHandle]?.target else null
        if (own != null) {
            release.release(handle)
            @Suppress("UNCHECKED_CAST")
            return own as T
        }
        return wrap(handle)
    }

    /** Rust dropped its last reference to the implementation behind [handle]. */
    @JvmStatic
    fun release(handle: Long) {
        (entries.remove(handle)?.target as? ReleasedByRust)?.released()
    }

    private fun complete(library: NativeRuntime?, call: Long, reply: ByteArray) {
        try {
            library?.completeCallback(call, reply)
        } catch (_: Throwable) {
            // The library could not take the reply (out of memory): its future panics when
            // dropped or times out; nothing can reach Rust from here.
        }
    }

    /** How a Kotlin exception reads in the panic of the Rust code that called. */
    @JvmStatic
    fun describe(t: Throwable): String = "${t::class.simpleName ?: "Throwable"}: ${t.message ?: "(no message)"}"

    private fun notRegistered(handle: Long) = "ferry: callback handle $handle is not registered (released already?)"

    private fun thrown(message: String): ByteArray {
        val text = message.encodeToByteArray()
        return ByteArray(text.size + 1).also {
            it[0] = THROWN
            text.copyInto(it, 1)
        }
    }
}

/** A registered target that must know when Rust lets go of it (a [FlowSource] stops collecting). */
internal interface ReleasedByRust {
    fun released()
}

/**
 * A Kotlin `Flow` passed where Rust takes `impl Stream<Item = T>`. Rust pulls batches of up
 * to its window; the Flow is collected only from Rust's first pull on, into a buffer of that
 * window, so it never runs more than one window ahead of Rust's consumer and nothing is
 * dropped. When Rust drops the stream, the collection is cancelled. An exception thrown by
 * the Flow ends Rust's stream with a panic carrying its message.
 */
class FlowSource<T>(private val flow: Flow<T>, private val write: (WireWriter, T) -> Unit) : ReleasedByRust {
    @kotlin.concurrent.Volatile
    private var items: ReceiveChannel<T>? = null

    /** One batch: `[more][count][items]`, after waiting for at least one item or the end. */
    @OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
    internal suspend fun pull(max: Int, w: WireWriter) {
        val channel = items ?: Callbacks.scope.produce(capacity = max.coerceAtLeast(1)) { flow.collect { send(it) } }.also { items = it }
        val batch = ArrayList<T>()
        val first = channel.receiveCatching()
        var more = true
        if (first.isClosed) {
            first.exceptionOrNull()?.let { throw it }
            more = false
        } else {
            batch.add(first.getOrThrow())
            while (batch.size < max) {
                val next = channel.tryReceive()
                if (next.isSuccess) {
                    batch.add(next.getOrThrow())
                } else {
                    // Nothing ready (or the end): send what there is; the next pull waits,
                    // and reports the end or the Flow's exception.
                    break
                }
            }
        }
        w.i8(0)
        w.bool(more)
        w.len(batch.size)
        for (item in batch) write(w, item)
    }

    override fun released() {
        items?.cancel()
    }
}

/** How Rust's pulls reach a [FlowSource]. */
object FlowSourceDispatch : CallbackDispatch {
    override fun call(target: Any, method: Int, r: WireReader, w: WireWriter) {
        throw IllegalStateException("ferry: a Flow is only pulled asynchronously")
    }

    override fun prepareSuspend(target: Any, method: Int, r: WireReader): suspend (WireWriter) -> Unit {
        val max = r.i32()
        r.finish()
        return { w -> (target as FlowSource<*>).pull(max, w) }
    }
}
