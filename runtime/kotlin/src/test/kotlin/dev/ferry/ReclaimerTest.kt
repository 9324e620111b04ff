package dev.ferry

import java.lang.ref.WeakReference
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicIntegerArray
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Both reclaimers, instantiated directly: [CleanerReclaimer] (what the JVM and Android 33+
 * use) and [PhantomReclaimer] (the fallback for Android before API 33, also selectable with
 * `-Dferry.reclaimer=phantom`, which `npm test` uses for one run of fixtures/objects).
 */
class ReclaimerTest {
    private fun reclaimers(): List<Reclaimer> = listOf(CleanerReclaimer(), PhantomReclaimer())

    private fun eventually(what: String, timeoutMs: Long = 60_000, condition: () -> Boolean) {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (!condition()) {
            if (System.nanoTime() > deadline) fail("timed out after ${timeoutMs}ms: $what")
            System.gc()
            Thread.sleep(10)
        }
    }

    /** Registers [n] objects that are unreachable once this returns. */
    private fun registerForgotten(r: Reclaimer, runs: AtomicIntegerArray, n: Int) {
        for (i in 0 until n) r.register(Any()) { runs.incrementAndGet(i) }
    }

    @Test
    fun tenThousandUnreachableObjectsAreEachReclaimedExactlyOnce() {
        for (r in reclaimers()) {
            val n = 10_000
            val runs = AtomicIntegerArray(n)
            registerForgotten(r, runs, n)
            eventually("${r.javaClass.simpleName}: all $n actions ran") { (0 until n).all { runs.get(it) != 0 } }
            repeat(3) { System.gc(); Thread.sleep(20) }
            for (i in 0 until n) assertEquals(1, runs.get(i), "${r.javaClass.simpleName}: action $i")
            if (r is PhantomReclaimer) assertEquals(0, r.pendingCount, "processed references are unregistered")
        }
    }

    @Test
    fun explicitCleanRunsOnceAndPreventsTheGcRun() {
        for (r in reclaimers()) {
            val name = r.javaClass.simpleName
            val cleaned = AtomicInteger()
            val sentinel = AtomicInteger()
            var obj: Any? = Any()
            val weak = WeakReference(obj)
            val registration = r.register(obj!!) { cleaned.incrementAndGet() }
            registration.clean()
            assertEquals(1, cleaned.get(), "$name: clean() runs the action")
            registration.clean()
            assertEquals(1, cleaned.get(), "$name: a second clean() does nothing")
            if (r is PhantomReclaimer) assertEquals(0, r.pendingCount, "clean() unregisters")

            // Drop the object, and register a sentinel collected at the same time: once the
            // sentinel's action ran and the object is gone, the GC has had its chance.
            obj = null
            r.register(Any()) { sentinel.incrementAndGet() }
            eventually("$name: object collected and sentinel ran") { weak.get() == null && sentinel.get() == 1 }
            repeat(3) { System.gc(); Thread.sleep(20) }
            assertEquals(1, cleaned.get(), "$name: the GC did not run the action again")
            assertNull(obj)
        }
    }

    @Test
    fun cleanRacingTheGcRunsTheActionOnce() {
        for (r in reclaimers()) {
            val n = 2_000
            val runs = AtomicIntegerArray(n)
            val registrations = (0 until n).map { i -> r.register(Any()) { runs.incrementAndGet(i) } }
            System.gc() // most objects are already unreachable: the GC and clean() race
            registrations.parallelStream().forEach { it.clean() }
            repeat(3) { System.gc(); Thread.sleep(20) }
            for (i in 0 until n) assertEquals(1, runs.get(i), "${r.javaClass.simpleName}: action $i")
        }
    }

    @Test
    fun aFailingActionDoesNotStopTheFallbackThread() {
        val r = PhantomReclaimer()
        val ran = AtomicInteger()
        r.register(Any()) { throw IllegalStateException("boom") }
        r.register(Any()) { ran.incrementAndGet() }
        eventually("the second action ran") { ran.get() == 1 && r.pendingCount == 0 }
        r.register(Any()) { ran.incrementAndGet() }
        eventually("actions keep running after a failure") { ran.get() == 2 }
        val threads = Thread.getAllStackTraces().keys.filter { it.name == PhantomReclaimer.THREAD_NAME }
        assertTrue(threads.isNotEmpty() && threads.all { it.isDaemon }, "a daemon ${PhantomReclaimer.THREAD_NAME} thread drains the queue")
    }

    @Test
    fun selection() {
        assertTrue(Reclaimers.choose(null) is CleanerReclaimer, "JDK 17 has Cleaner")
        assertTrue(Reclaimers.choose("auto") is CleanerReclaimer)
        assertTrue(Reclaimers.choose("phantom") is PhantomReclaimer)
        assertTrue(Reclaimers.choose("cleaner") is CleanerReclaimer)
        assertFailsWith<IllegalArgumentException> { Reclaimers.choose("nope") }
        val expected = if (System.getProperty(Reclaimers.PROPERTY) == "phantom") PhantomReclaimer::class else CleanerReclaimer::class
        assertEquals(expected, Reclaimers.DEFAULT::class)
    }

    @Test
    fun keepAliveBothWays() {
        val o = Any()
        keepAlive(o) // reachabilityFence on this JDK
        keepAlive(null)
        ReachabilityFence.fence(o)
        KeepAliveSink.keep(o) // the pre-API-28 fallback
        assertNull(KeepAliveSink.sink, "the sink never retains the object")
    }
}
