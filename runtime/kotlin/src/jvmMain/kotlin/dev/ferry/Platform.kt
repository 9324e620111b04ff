package dev.ferry

// The JVM side of the declarations the common sources (src/commonMain) expect from their
// platform, under the same names and signatures as in src/nativeMain. Plain aliases, so the
// common code compiles to exactly the calls it made before it was shared. (`synchronized`,
// `@JvmStatic` and friends need nothing here: kotlin-stdlib's resolve on the JVM.)

internal typealias AtomicInteger = java.util.concurrent.atomic.AtomicInteger
internal typealias AtomicLong = java.util.concurrent.atomic.AtomicLong
internal typealias AtomicReference<V> = java.util.concurrent.atomic.AtomicReference<V>
internal typealias ConcurrentHashMap<K, V> = java.util.concurrent.ConcurrentHashMap<K, V>
internal typealias ConcurrentLinkedQueue<E> = java.util.concurrent.ConcurrentLinkedQueue<E>

/** What `synchronized(lock)` locks: any object's monitor. */
internal typealias Lock = Any

internal fun nanoTime(): Long = System.nanoTime()

/**
 * A ferry setting (`ferry.spinMicros`, `ferry.stream.batch`, ...): the system property of
 * that name. Kotlin/Native reads environment variables instead ([environmentVariableName]).
 */
internal fun systemProperty(name: String): String? = System.getProperty(name)

// ---- FerryDiagnostics.collectGarbage ----

// Runtime.gc(), not System.gc(): on Android, System.gc() collects only if runFinalization()
// ran since its last call, so calling it alone never collects (found on ART 11; on the JVM the
// two are the same).
internal fun runGarbageCollector() = Runtime.getRuntime().gc()

internal fun pauseBriefly() = Thread.sleep(2)

/** Called by the sentinel's cleaning action: the thread the reclaimer runs actions on. */
internal fun reclaimerThread(): Any = Thread.currentThread()

/**
 * Waits until the reclaimer's thread (`Cleaner`'s, or `ferry-reclaimer`) waits for its queue
 * twice in a row: the actions queued behind the sentinel have run. (A reference queue is
 * last in, first out, so the sentinel's own action says nothing about the ones of its batch.)
 */
internal fun awaitReclaimerIdle(thread: Any, deadline: Long) {
    val t = thread as Thread
    var idle = 0
    while (idle < 2 && nanoTime() < deadline) {
        val state = t.state
        if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.TERMINATED) idle++ else idle = 0
        pauseBriefly()
    }
}

// ---- Callbacks: the thread's current RegistrationJournal ----

private val journals = ThreadLocal<RegistrationJournal?>()

internal fun currentJournal(): RegistrationJournal? = journals.get()

internal fun setCurrentJournal(journal: RegistrationJournal?) {
    if (journal == null) journals.remove() else journals.set(journal)
}
