package dev.ferry

import kotlinx.coroutines.MainCoroutineDispatcher
import java.util.concurrent.CopyOnWriteArraySet
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext

/**
 * Threads on which Rust code must never run, not even the first poll of a future or the
 * short spin before suspending: an application's UI threads. Decided by the thread, not
 * by the dispatcher's type, because UI dispatchers are not always a
 * [MainCoroutineDispatcher] (Compose's frame-clock dispatcher on Android is a plain
 * `CoroutineDispatcher` running on the main thread).
 *
 * Known without help: Android's main thread (the main `Looper`'s thread) and any caller on
 * a [MainCoroutineDispatcher] (`Dispatchers.Main`, Swing, JavaFX). Any other thread that
 * must stay responsive (a custom event loop, a render thread) is registered with [register].
 */
object UiThreads {
    private val registered = CopyOnWriteArraySet<Thread>()

    /** Android's main thread, found by reflection so the JVM build needs no Android classes. */
    private val androidMain: Thread? = try {
        val looper = Class.forName("android.os.Looper")
        val main = looper.getMethod("getMainLooper").invoke(null)
        main?.let { looper.getMethod("getThread").invoke(it) as Thread? }
    } catch (_: ReflectiveOperationException) {
        null
    } catch (_: LinkageError) {
        null
    }

    /** Marks [thread] (by default the calling one) as a UI thread. */
    @JvmStatic
    @JvmOverloads
    fun register(thread: Thread = Thread.currentThread()) {
        registered.add(thread)
    }

    /** Undoes [register]. */
    @JvmStatic
    @JvmOverloads
    fun unregister(thread: Thread = Thread.currentThread()) {
        registered.remove(thread)
    }

    /** Whether [thread] is a UI thread: Android's main thread or a registered one. */
    @JvmStatic
    fun isUiThread(thread: Thread = Thread.currentThread()): Boolean =
        thread === androidMain || (registered.isNotEmpty() && thread in registered)
}

/** The rule the async call path follows; see [UiThreads]. */
@PublishedApi
internal object InlinePolling {
    /**
     * Whether a caller in [context] is on a UI thread: then Rust neither polls its future on
     * the calling thread nor spins there waiting for the result.
     */
    @JvmStatic
    fun onUiThread(context: CoroutineContext): Boolean =
        context[ContinuationInterceptor] is MainCoroutineDispatcher || UiThreads.isUiThread(Thread.currentThread())
}
