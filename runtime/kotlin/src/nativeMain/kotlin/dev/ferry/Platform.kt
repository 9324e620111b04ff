@file:OptIn(kotlinx.cinterop.ExperimentalForeignApi::class)

package dev.ferry

import kotlinx.atomicfu.locks.SynchronizedObject
import platform.posix.getenv
import platform.posix.usleep
import kotlinx.cinterop.toKString
import kotlin.native.runtime.GC
import kotlin.native.runtime.NativeRuntimeApi
import kotlin.time.TimeSource

// The Kotlin/Native side of the declarations the common sources (src/commonMain) expect from
// their platform, under the same names and signatures as in src/jvmMain (where most are
// aliases of java.util.concurrent): small classes with the JVM method names over
// kotlin.concurrent's atomics and over a lock.

internal class AtomicInteger(initial: Int = 0) {
    private val v = kotlin.concurrent.AtomicInt(initial)
    fun get(): Int = v.value
    fun set(value: Int) { v.value = value }
    fun incrementAndGet(): Int = v.incrementAndGet()
    fun decrementAndGet(): Int = v.decrementAndGet()
    fun getAndIncrement(): Int = v.getAndIncrement()
    fun addAndGet(delta: Int): Int = v.addAndGet(delta)
}

internal class AtomicLong(initial: Long = 0) {
    private val v = kotlin.concurrent.AtomicLong(initial)
    fun get(): Long = v.value
    fun set(value: Long) { v.value = value }
    fun getAndSet(value: Long): Long = v.getAndSet(value)
    fun getAndIncrement(): Long = v.getAndIncrement()
    fun compareAndSet(expected: Long, value: Long): Boolean = v.compareAndSet(expected, value)
}

internal class AtomicReference<V>(initial: V) {
    private val v = kotlin.concurrent.AtomicReference(initial)
    fun get(): V = v.value
    fun set(value: V) { v.value = value }
    fun getAndSet(value: V): V = v.getAndSet(value)
    /** By identity, as on the JVM. */
    fun compareAndSet(expected: V, value: V): Boolean = v.compareAndSet(expected, value)
}

/** What `synchronized(lock)` locks. */
internal typealias Lock = SynchronizedObject

/** `kotlin.synchronized` of the JVM: runs [block] holding [lock]. */
internal inline fun <T> synchronized(lock: Lock, block: () -> T): T = kotlinx.atomicfu.locks.synchronized(lock, block)

/** The few operations of `java.util.concurrent.ConcurrentHashMap` the runtime uses, under a lock. */
internal class ConcurrentHashMap<K : Any, V : Any> {
    private val lock = Lock()
    private val map = HashMap<K, V>()
    operator fun get(key: K): V? = synchronized(lock) { map[key] }
    operator fun set(key: K, value: V) { synchronized(lock) { map[key] = value } }
    fun remove(key: K): V? = synchronized(lock) { map.remove(key) }
    val size: Int get() = synchronized(lock) { map.size }
}

/** The few operations of `java.util.concurrent.ConcurrentLinkedQueue` the runtime uses, under a lock. */
internal class ConcurrentLinkedQueue<E : Any> {
    private val lock = Lock()
    private val queue = ArrayDeque<E>()
    fun add(element: E): Boolean = synchronized(lock) { queue.addLast(element); true }
    fun poll(): E? = synchronized(lock) { queue.removeFirstOrNull() }
    fun isNotEmpty(): Boolean = synchronized(lock) { queue.isNotEmpty() }
}

// The JVM's annotations, which the common sources carry for the JVM build: no-ops here.
// (kotlin.jvm's own may be used only in a multiplatform project's common sources.)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER, AnnotationTarget.PROPERTY_SETTER)
@Retention(AnnotationRetention.SOURCE)
internal annotation class JvmStatic

@Target(AnnotationTarget.FIELD, AnnotationTarget.PROPERTY)
@Retention(AnnotationRetention.SOURCE)
internal annotation class JvmField

@Target(AnnotationTarget.FUNCTION, AnnotationTarget.CONSTRUCTOR)
@Retention(AnnotationRetention.SOURCE)
internal annotation class JvmOverloads

@Target(AnnotationTarget.FILE)
@Retention(AnnotationRetention.SOURCE)
internal annotation class JvmName(val name: String)

private val clockOrigin = TimeSource.Monotonic.markNow()

/** A monotonic clock in nanoseconds, as `System.nanoTime()`: only differences mean anything. */
internal fun nanoTime(): Long = clockOrigin.elapsedNow().inWholeNanoseconds

/**
 * A ferry setting: Kotlin/Native has no system properties, so `ferry.spinMicros` is read from
 * the environment variable `FERRY_SPIN_MICROS` (see [environmentVariableName]).
 */
internal fun systemProperty(name: String): String? = getenv(environmentVariableName(name))?.toKString()

// ---- FerryDiagnostics.collectGarbage ----

@OptIn(NativeRuntimeApi::class)
internal fun runGarbageCollector() = GC.collect()

internal fun pauseBriefly() {
    usleep(2_000u)
}

/** Cleaners run one after another on one thread, in the order the GC found them. */
internal fun reclaimerThread(): Any = Unit

/** Nothing to wait for: a later round's sentinel runs after everything an earlier GC found. */
@Suppress("UNUSED_PARAMETER")
internal fun awaitReclaimerIdle(thread: Any, deadline: Long) {}

// ---- Callbacks: the thread's current RegistrationJournal ----

@kotlin.native.concurrent.ThreadLocal
private var journal: RegistrationJournal? = null

internal fun currentJournal(): RegistrationJournal? = journal

internal fun setCurrentJournal(value: RegistrationJournal?) {
    journal = value
}
