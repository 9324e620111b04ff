package artcheck.platform

import dev.ferry.FerryDiagnostics
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Tokio's threads as the VM sees them. ferry attaches each once, when it starts, as a daemon
 * named after the Rust thread (`ferry-tokio-<n>`); the method and class ids it uses there were
 * cached in JNI_OnLoad, since FindClass on such a thread sees only the boot class loader.
 */
class RuntimeThreadsTest {
    @AfterTest
    fun nothingPending() = eventually("pendingCalls() == 0") { FerryDiagnostics.pendingCalls() == 0L }

    @Test
    fun callsAreResumedByNamedAttachedTokioThreads() = runBlocking {
        val caller = Thread.currentThread()
        val recorder = RecordingDispatcher(Dispatchers.Default)
        val continuedOn = withContext(recorder) {
            // Longer than this run's 200 ms spin (-Dferry.spinMicros=200000), which would
            // otherwise see the result arrive and resume the caller itself.
            assertEquals(4242L, sleepEcho(300u, 4242L))
            Thread.currentThread()
        }
        val resumer = recorder.dispatchingThreads.firstOrNull { it !== caller && it.name.startsWith("ferry-tokio") }
        assertTrue(resumer != null, "no dispatch came from a Tokio thread: ${recorder.dispatchingThreads.map { it.name }}")
        assertTrue(Regex("ferry-tokio(-driver)?-\\d+").matches(resumer.name), resumer.name)
        assertTrue(resumer.isDaemon, "${resumer.name} is not a daemon")
        assertTrue(continuedOn !== resumer, "Kotlin code continued on the Tokio thread ${resumer.name}")
    }

    @Test
    fun noThreadIsAttachedWithoutAName() {
        runBlocking { assertEquals(1L, sleepEcho(1u, 1L)) }
        val threads = Thread.getAllStackTraces().keys.map { it.name }
        assertTrue(threads.none { Regex("Thread-\\d+").matches(it) }, "$threads")
        assertTrue(threads.any { it.startsWith("ferry-tokio") }, "$threads")
    }
}
