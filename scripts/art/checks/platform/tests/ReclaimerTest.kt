package artcheck.platform

import dev.ferry.FerryDiagnostics
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Objects nobody closed are released once unreachable. This libcore is API 29's: no
 * java.lang.ref.Cleaner, so ferry's phantom-reference reclaimer (its daemon thread
 * `ferry-reclaimer`) does it, as on Android before API 33.
 */
class ReclaimerTest {
    /** Makes [n] objects and lets them go; a frame of its own, so nothing of it stays reachable. */
    private fun abandon(n: Int) {
        repeat(n) { assertEquals(4096u, Blob(4096u).size()) }
    }

    @Test
    fun unreachableObjectsAreReleasedAfterGc() {
        val live = FerryDiagnostics.liveObjects()
        val dropped = blobsDropped()
        abandon(200)
        assertTrue(FerryDiagnostics.liveObjects() > live, "the objects were released before any GC")
        // collectGarbage() returns once every object unreachable when it started was released;
        // it gives up after 10 s, which is what it did on ART while its GC was System.gc()
        // (a no-op there unless runFinalization() ran since the last call).
        val t0 = System.nanoTime()
        FerryDiagnostics.collectGarbage()
        val ms = (System.nanoTime() - t0) / 1_000_000
        assertEquals(dropped + 200uL, blobsDropped(), "abandoned objects dropped after collectGarbage() ($ms ms)")
        assertEquals(live, FerryDiagnostics.liveObjects(), "liveObjects() after collectGarbage()")
        assertTrue(ms < 5_000, "collectGarbage() took $ms ms")
        val reclaimer = Thread.getAllStackTraces().keys.firstOrNull { it.name == "ferry-reclaimer" }
        assertTrue(reclaimer != null && reclaimer.isDaemon, "no daemon thread ferry-reclaimer")
    }

    @Test
    fun closedObjectsAreReleasedAtOnce() {
        val dropped = blobsDropped()
        Blob(16u).use { assertEquals(16u, it.size()) }
        assertEquals(dropped + 1uL, blobsDropped())
    }
}
