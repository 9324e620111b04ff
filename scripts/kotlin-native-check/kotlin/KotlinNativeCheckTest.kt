package ferry.kncheck

import ferry.kncheck.native.ferry_check_add
import ferry.kncheck.native.ferry_check_thread_tag
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.random.Random
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

// Generous for a busy 2-core machine; a hang fails the test instead of blocking the run.
private val DEADLINE = 20.seconds

private fun withDeadline(block: suspend CoroutineScope.() -> Unit) {
    runBlocking { withTimeout(DEADLINE) { block() } }
}

class SyncCallTest {
    @Test
    fun addRunsInRust() {
        assertEquals(42, ferry_check_add(40, 2))
        // Rust's wrapping_add on the other side of the C ABI, not a panic or a widened result.
        assertEquals(Int.MIN_VALUE, ferry_check_add(Int.MAX_VALUE, 1))
        repeat(100) {
            val a = Random.nextInt()
            val b = Random.nextInt()
            assertEquals(a + b, ferry_check_add(a, b), "add($a, $b)")
        }
    }
}

class RustThreadCallbackTest {
    @AfterTest
    fun noCallLeftWaiting() {
        assertEquals(0, PendingCalls.pending(), "a registry entry outlived its call")
    }

    @Test
    fun suspendsUntilRustThreadCallsBack() = withDeadline {
        val doubled = doubleOnRustThread(21, 50.milliseconds)
        assertEquals(42, doubled.value)
        assertNotEquals(ferry_check_thread_tag(), doubled.threadTag, "the callback must come from the thread Rust spawned")
    }

    @Test
    fun callerThreadRunsOtherCoroutinesWhileWaiting() = withDeadline {
        // runBlocking has a single thread: the ticker only advances if the call suspends rather than blocks.
        var ticks = 0
        val ticker = launch {
            while (true) {
                delay(5.milliseconds)
                ticks++
            }
        }
        val doubled = doubleOnRustThread(-7, 200.milliseconds)
        ticker.cancel()
        assertEquals(-14, doubled.value)
        assertTrue(ticks > 0, "the caller's thread was blocked for the whole call")
    }

    @Test
    fun concurrentCallsEachResumeTheirOwnCaller() = withDeadline {
        val values = (1L..200L).toList()
        val results = values.map { v -> async { doubleOnRustThread(v, (v % 7 * 5).milliseconds) } }.awaitAll()
        assertEquals(values.map { it * 2 }, results.map { it.value })
        assertTrue(results.map { it.threadTag }.toSet().size > 1, "200 calls should have been answered by several Rust threads")
    }

    @Test
    fun resumesCallersOnDefaultDispatcher() = withDeadline {
        val results = withContext(Dispatchers.Default) {
            (1L..50L).map { v -> async { doubleOnRustThread(v * 1_000_000_007L, (v % 3).milliseconds).value } }.awaitAll()
        }
        assertEquals((1L..50L).map { it * 2_000_000_014L }, results)
    }

    @Test
    fun cancelledCallForgetsItsTokenAndDropsTheLateCallback() = withDeadline {
        val droppedBefore = PendingCalls.callbacksWithoutCaller()
        val outcome = withTimeoutOrNull(20.milliseconds) { doubleOnRustThread(1, 500.milliseconds) }
        assertNull(outcome)
        assertEquals(0, PendingCalls.pending(), "cancellation must remove the token at once")
        // The Rust thread still calls back; the callback must find no caller and be dropped quietly.
        while (PendingCalls.callbacksWithoutCaller() == droppedBefore) delay(10.milliseconds)
        assertEquals(droppedBefore + 1, PendingCalls.callbacksWithoutCaller())
    }
}
