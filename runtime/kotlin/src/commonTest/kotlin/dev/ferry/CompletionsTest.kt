package dev.ferry

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlin.coroutines.resume
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/**
 * The suspend path of [ferryCall] and the upcall [Completions.complete], with a fake library
 * that completes from the calling thread or from another thread, and the sink a Flow reads.
 */
class CompletionsTest {
    private class FakeLibrary : NativeRuntime {
        val released = ConcurrentLinkedQueue<Long>()
        override fun fingerprint(): Long = 0
        override fun cancelCall(call: Long) {}
        override fun pendingCalls(): Long = 0
        override fun liveObjects(): Long = 0
        override fun openStreams(): Long = 0
        override fun releaseObject(handle: Long) {
            released.add(handle)
        }
    }

    // Completions' status codes (private there): VALUE, BYTES, PANIC, and the INLINE and HANDLES flags.
    private val value = 0
    private val bytes = 1
    private val panic = 3
    private val inline = 16
    private val handles = 32

    @Test
    fun aCallCompletedOnTheCallingThreadReturnsItsValue() = runBlocking {
        val library = FakeLibrary()
        val result = ferryCall(library) { id ->
            assertEquals(true, Completions.complete(id and Completions.NO_INLINE_POLL.inv(), value or inline, 42, null))
            0L
        }
        assertEquals(42L, result)
        assertEquals(0, Completions.waitingCount())
    }

    @Test
    fun aValueReturnedByTheStartResumesTheCallerWithoutAnUpcall() = runBlocking {
        val library = FakeLibrary()
        for (v in listOf(0L, 42L, -7L, (1L shl 61) - 1, -(1L shl 61))) {
            val result = ferryCall(library) { _ -> (v shl 2) or Completions.INLINE_VALUE }
            assertEquals(v, result)
        }
        assertEquals(0, Completions.waitingCount(), "each registration was removed")
    }

    @Test
    fun aValueOfAKindResumesTheCallerAsThatKotlinType() = runBlocking {
        val library = FakeLibrary()
        // From the start's return (a tagged value), from an upcall on the calling thread, and
        // from an upcall on another thread (with the caller suspended).
        val started: Int = ferryCallValue(library, ValueKind.INT) { _ -> (-5L shl 2) or Completions.INLINE_VALUE }
        assertEquals(-5, started)
        val inlineUpcall: Double = ferryCallValue(library, ValueKind.DOUBLE) { id ->
            Completions.complete(id and Completions.NO_INLINE_POLL.inv(), value or inline, 1.5.toRawBits(), null)
            0L
        }
        assertEquals(1.5, inlineUpcall)
        val later: Boolean = ferryCallValue(library, ValueKind.BOOLEAN) { id ->
            launch(Dispatchers.Default) { Completions.complete(id and Completions.NO_INLINE_POLL.inv(), value, 1, null) }
            1L
        }
        assertEquals(true, later)
        val unit: Unit = ferryCallValue(library, ValueKind.UNIT) { _ -> Completions.INLINE_VALUE }
        assertEquals(Unit, unit)
        assertEquals(0, Completions.waitingCount())
    }

    @Test
    fun everyValueKindConvertsTheBitsRustSends() {
        assertEquals(Unit, ValueKind.of(ValueKind.UNIT, 0))
        assertEquals(false, ValueKind.of(ValueKind.BOOLEAN, 0))
        assertEquals(true, ValueKind.of(ValueKind.BOOLEAN, 1))
        assertEquals((-1).toByte(), ValueKind.of(ValueKind.BYTE, -1))
        assertEquals(Short.MIN_VALUE, ValueKind.of(ValueKind.SHORT, Short.MIN_VALUE.toLong()))
        assertEquals(Int.MAX_VALUE, ValueKind.of(ValueKind.INT, Int.MAX_VALUE.toLong()))
        assertEquals(Long.MIN_VALUE, ValueKind.of(ValueKind.LONG, Long.MIN_VALUE))
        assertEquals(-2.5f, ValueKind.of(ValueKind.FLOAT, (-2.5f).toRawBits().toLong()))
        assertEquals(Double.MAX_VALUE, ValueKind.of(ValueKind.DOUBLE, Double.MAX_VALUE.toRawBits()))
        assertEquals(7L, ValueKind.of(ValueKind.RAW, 7))
    }

    @Test
    fun aCallCompletedFromAnotherThreadResumesTheCaller() = runBlocking {
        val library = FakeLibrary()
        val results = (1..50).map { n ->
            async {
                ferryCall(library) { id ->
                    launch(Dispatchers.Default) {
                        Completions.complete(id and Completions.NO_INLINE_POLL.inv(), bytes, 0, byteArrayOf(n.toByte()))
                    }
                    1L
                } as ByteArray
            }
        }.map { it.await()[0].toInt() }
        assertEquals((1..50).toList(), results)
        assertEquals(0, Completions.waitingCount())
    }

    @Test
    fun handlesAtTheEndOfAPayloadAreSplitOff() = runBlocking {
        val library = FakeLibrary()
        val w = WireWriter()
        w.i8(5); w.i64(0x1122334455667788); w.i64(-2); w.i32(2)
        val result = ferryCall(library) { id ->
            Completions.complete(id and Completions.NO_INLINE_POLL.inv(), bytes or handles or inline, 0, w.toByteArray())
            0L
        }
        assertContentEquals(byteArrayOf(5), result as ByteArray)
        assertEquals(null, library.released.poll(), "a delivered result keeps its handles")
    }

    @Test
    fun aPanicIsThrownAndALateCompletionMisses() = runBlocking {
        val library = FakeLibrary()
        var callId = 0L
        val e = assertFailsWith<RustPanicException> {
            ferryCall(library) { id ->
                callId = id and Completions.NO_INLINE_POLL.inv()
                Completions.complete(callId, panic or inline, 0, "boom".encodeToByteArray())
                0L
            }
        }
        assertEquals("boom", e.message)
        assertEquals(false, Completions.complete(callId, value, 1, null), "the id is spent")
    }

    @Test
    fun aSinkDeliversInOrderAcrossThreads() = runBlocking {
        val sink = Streams.Sink(wake = { it.resume(Unit) })
        launch(Dispatchers.Default) {
            for (i in 0 until 1000) sink.offer(Streams.Message(Streams.STATUS_ITEMS, byteArrayOf((i % 100).toByte())))
        }
        withContext(Dispatchers.Default) {
            for (i in 0 until 1000) assertEquals((i % 100).toByte(), sink.take().payload!![0])
        }
    }
}
