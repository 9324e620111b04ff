package dev.ferry

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** [RustObject] with a fake release function: closing, and reclaiming by the platform's GC. */
class RustObjectTest {
    private class Released : RustObject.HandleRelease {
        val handles = ConcurrentLinkedQueue<Long>()
        val count = AtomicInteger()
        override fun release(handle: Long) {
            handles.add(handle)
            count.incrementAndGet()
        }
    }

    private class Thing(handle: Long, release: HandleRelease) : RustObject(handle, release)

    @Test
    fun closeReleasesOnceAndThenRefusesTheHandle() {
        val released = Released()
        val thing = Thing(0x2a, released)
        assertEquals(0x2a, thing.ferryHandle())
        assertEquals("Thing(handle=0x2a)", thing.toString())
        thing.close()
        thing.close()
        assertEquals(1, released.count.get())
        assertEquals(0x2a, released.handles.poll())
        assertTrue(thing.isClosed)
        val e = assertFailsWith<IllegalStateException> { thing.ferryHandle() }
        assertEquals("Thing is closed", e.message)
        assertEquals("Thing(closed)", thing.toString())
    }

    /** Objects that are unreachable once this returns. */
    private fun forget(released: Released, n: Int) {
        for (i in 1..n) Thing(i.toLong(), released)
    }

    @Test
    fun unreachableObjectsAreReleasedByCollectGarbage() {
        val released = Released()
        forget(released, 100)
        FerryDiagnostics.collectGarbage()
        assertEquals(100, released.count.get(), "released after collectGarbage")
        val seen = HashSet<Long>()
        while (true) seen.add(released.handles.poll() ?: break)
        assertEquals((1..100L).toSet(), seen)
    }

    @Test
    fun aClosedObjectIsNotReleasedAgainByTheGc() {
        val released = Released()
        closeAndForget(released)
        FerryDiagnostics.collectGarbage()
        assertEquals(1, released.count.get())
    }

    private fun closeAndForget(released: Released) {
        Thing(7, released).close()
    }
}
