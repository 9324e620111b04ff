package dev.ferry

import java.lang.ref.PhantomReference
import java.lang.ref.ReferenceQueue
import java.util.Collections

/**
 * The JVM's [Reclaimer]: `java.lang.ref.Cleaner` where it exists, else (Android before API
 * 33) [PhantomReclaimer].
 */
internal object Reclaimers {
    /** `-Dferry.reclaimer=phantom` forces the fallback (tests); `cleaner` forces `Cleaner`. */
    const val PROPERTY = "ferry.reclaimer"

    /** The process-wide reclaimer, chosen once. */
    val DEFAULT: Reclaimer = choose(System.getProperty(PROPERTY))

    internal fun choose(mode: String?): Reclaimer = when (mode) {
        null, "", "auto" -> if (cleanerAvailable()) CleanerReclaimer() else PhantomReclaimer()
        "cleaner" -> CleanerReclaimer()
        "phantom" -> PhantomReclaimer()
        else -> throw IllegalArgumentException("-D$PROPERTY=$mode: expected auto, cleaner or phantom")
    }

    /**
     * Probes by name so that nothing here links against `java.lang.ref.Cleaner`: only
     * [CleanerReclaimer] does, and it is loaded only when this returns true.
     */
    private fun cleanerAvailable(): Boolean = try {
        Class.forName("java.lang.ref.Cleaner")
        true
    } catch (_: ClassNotFoundException) {
        false
    } catch (_: LinkageError) {
        false
    }
}

/**
 * `java.lang.ref.Cleaner` (JDK 9+, Android API 33+). The only class of the runtime that
 * references `Cleaner`; constructed only after [Reclaimers] found the class.
 */
internal class CleanerReclaimer : Reclaimer {
    private val cleaner: java.lang.ref.Cleaner = java.lang.ref.Cleaner.create()

    override fun register(obj: Any, action: Runnable): Reclaimable = Registration(cleaner.register(obj, action))

    private class Registration(private val cleanable: java.lang.ref.Cleaner.Cleanable) : Reclaimable {
        override fun clean() = cleanable.clean()
    }
}

/**
 * The fallback for runtimes without `Cleaner`: one [PhantomReference] per object, enqueued
 * on a [ReferenceQueue] that a single daemon thread (`ferry-reclaimer`, started on first
 * use) drains. A reference that is not itself strongly reachable is collected without ever
 * being enqueued, so every pending one is kept in [pending] until it has been processed.
 * Uses only APIs of Android API 21 (no `ConcurrentHashMap.newKeySet`).
 */
internal class PhantomReclaimer : Reclaimer {
    private val queue = ReferenceQueue<Any>()
    private val pending: MutableSet<Ref> = Collections.newSetFromMap(ConcurrentHashMap<Ref, Boolean>())

    @Volatile
    private var started = false

    /** Registrations whose action has not run yet (for tests). */
    val pendingCount: Int
        get() = pending.size

    override fun register(obj: Any, action: Runnable): Reclaimable {
        val ref = Ref(obj, action)
        pending.add(ref)
        if (!started) start()
        return ref
    }

    @Synchronized
    private fun start() {
        if (started) return
        val t = Thread(::drain, THREAD_NAME)
        t.isDaemon = true
        t.contextClassLoader = null // keep no class loader alive through this thread
        t.start()
        started = true
    }

    private fun drain() {
        while (true) {
            try {
                (queue.remove() as Ref).clean()
            } catch (_: InterruptedException) {
                // Nothing interrupts this thread on purpose; keep draining.
            } catch (_: Throwable) {
                // An action failed (e.g. a Rust panic in Drop): ignored, as Cleaner does.
            }
        }
    }

    private inner class Ref(obj: Any, action: Runnable) : PhantomReference<Any>(obj, queue), Reclaimable {
        private val action = AtomicReference<Runnable?>(action)

        override fun clean() {
            val a = action.getAndSet(null) ?: return
            pending.remove(this)
            clear() // the GC no longer enqueues it; if already enqueued, the drain finds no action
            a.run()
        }
    }

    companion object {
        const val THREAD_NAME = "ferry-reclaimer"
    }
}
