package artcheck.platform

import kotlinx.coroutines.CoroutineDispatcher
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.LinkedBlockingQueue
import kotlin.coroutines.CoroutineContext

/**
 * A single thread that runs posted tasks one after another, as Android's main `Looper` does,
 * with a plain `CoroutineDispatcher` onto it (like Compose's frame-clock dispatcher, not a
 * `MainCoroutineDispatcher`). This libcore has no `android.os.Looper`.
 */
class LooperThread(name: String) : AutoCloseable {
    private val queue = LinkedBlockingQueue<Runnable>()

    @Volatile
    private var running = true

    val thread: Thread = Thread({
        while (running) queue.take().run()
    }, name).apply {
        isDaemon = true
        start()
    }

    val dispatcher: CoroutineDispatcher = object : CoroutineDispatcher() {
        override fun dispatch(context: CoroutineContext, block: Runnable) = queue.put(block)
    }

    override fun close() {
        queue.put(Runnable { running = false })
        thread.join(5_000)
    }
}

/** Delegates to [target], remembering the thread that asked for each dispatch. */
class RecordingDispatcher(private val target: CoroutineDispatcher) : CoroutineDispatcher() {
    val dispatchingThreads = ConcurrentLinkedQueue<Thread>()

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        dispatchingThreads.add(Thread.currentThread())
        target.dispatch(context, block)
    }
}

/** Waits (bounded) for something Rust or the VM does on its own threads. */
fun eventually(what: String, timeoutMs: Long = 20_000, poll: () -> Unit = {}, condition: () -> Boolean) {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (!condition()) {
        if (System.nanoTime() > deadline) throw AssertionError("not within $timeoutMs ms: $what")
        poll()
        Thread.sleep(10)
    }
}
