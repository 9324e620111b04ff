package artcheck.platform

import dev.ferry.FerryDiagnostics
import dev.ferry.UiThreads
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertSame
import kotlin.test.assertTrue

/**
 * A caller on a UI thread (here a Looper-like loop registered with [UiThreads], as Android's
 * main thread is known without registration): its async calls complete and resume on it, Rust
 * never polls a future there (not even the first poll), and the caller never spins waiting
 * for a result, so the loop keeps running its other tasks while calls are in flight. The
 * same loop unregistered is the control that shows each observation can fail.
 *
 * The ART run sets -Dferry.spinMicros=200000: a caller that spins then stalls its thread for
 * the whole of a short call, which the loop's ticker sees.
 */
class UiThreadTest {
    @AfterTest
    fun nothingPending() = eventually("pendingCalls() == 0") { FerryDiagnostics.pendingCalls() == 0L }

    private fun <T> onLoop(ui: Boolean, block: suspend CoroutineScope.(LooperThread) -> T): T = LooperThread(if (ui) "ui-main" else "plain-loop").use { loop ->
        if (ui) UiThreads.register(loop.thread)
        try {
            runBlocking { withContext(loop.dispatcher) { block(loop) } }
        } finally {
            if (ui) UiThreads.unregister(loop.thread)
        }
    }

    @Test
    fun asyncCallsFromAUiThreadCompleteAndResumeOnIt() {
        val resumedOn = onLoop(ui = true) { loop ->
            val values = (0 until 50).map { i -> async { sleepEcho((i % 4).toULong(), i.toLong()) } }.awaitAll()
            assertEquals((0 until 50).map { it.toLong() }, values)
            assertSame(loop.thread, Thread.currentThread())
            Thread.currentThread().name
        }
        assertEquals("ui-main", resumedOn)
    }

    @Test
    fun rustNeverPollsOnAUiThread() {
        repeat(20) {
            val threads = onLoop(ui = true) { pollThreads(2u, 1uL) }
            assertEquals(3, threads.size)
            assertTrue(threads.all { it.startsWith("ferry-tokio") }, "polled on $threads")
        }
        // The control: off the UI, the first poll runs inline on the calling thread.
        val control = onLoop(ui = false) { pollThreads(1u, 1uL) }
        assertEquals("not a Rust thread", control.first(), "first poll of an unregistered caller")
    }

    /** The longest time the loop ran nothing else while a lone 150 ms call was in flight. */
    private fun longestStall(ui: Boolean): Long = onLoop(ui) {
        val ticks = ArrayList<Long>()
        val ticker = launch {
            while (isActive) {
                ticks.add(System.nanoTime())
                delay(2)
            }
        }
        delay(30)
        assertEquals(7L, sleepEcho(150u, 7L))
        delay(30)
        ticker.cancel()
        ticks.zipWithNext { a, b -> (b - a) / 1_000_000 }.maxOrNull() ?: Long.MAX_VALUE
    }

    @Test
    fun aUiThreadNeverSpinsForAResult() {
        val ui = longestStall(ui = true)
        assertTrue(ui < 100, "the UI loop stalled for $ui ms during a 150 ms call")
        val control = longestStall(ui = false)
        assertTrue(control >= 100, "control: an unregistered caller spun only $control ms (is -Dferry.spinMicros=200000 set?)")
    }
}
