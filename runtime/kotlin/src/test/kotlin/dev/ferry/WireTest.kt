package dev.ferry

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.nanoseconds

class WireTest {
    @Test
    fun primitivesAndStringsRoundTrip() {
        val w = WireWriter(1)
        w.i64(Long.MIN_VALUE); w.u64(ULong.MAX_VALUE); w.f32(Float.NaN); w.string("a\u0000😀é"); w.bool(true)
        w.duration(1500.milliseconds + 7.nanoseconds); w.duration(Duration.INFINITE)
        val r = WireReader(w.toByteArray())
        assertEquals(Long.MIN_VALUE, r.i64())
        assertEquals(ULong.MAX_VALUE, r.u64())
        assertEquals(Float.NaN, r.f32())
        assertEquals("a\u0000😀é", r.string())
        assertEquals(true, r.bool())
        assertEquals(1500.milliseconds + 7.nanoseconds, r.duration())
        assertEquals(Duration.INFINITE, r.duration())
        r.finish()
    }

    @Test
    fun layoutIsLittleEndian() {
        val w = WireWriter(); w.i32(0x01020304); w.string("é")
        assertEquals(listOf<Byte>(4, 3, 2, 1, 2, 0, 0, 0, 0xC3.toByte(), 0xA9.toByte()), w.toByteArray().toList())
    }

    @Test
    fun negativeDurationIsRejected() {
        assertFailsWith<IllegalArgumentException> { WireWriter().duration((-1).nanoseconds) }
    }

    @Test
    fun truncatedInputThrows() {
        assertFailsWith<RuntimeException> { WireReader(byteArrayOf(9, 0, 0, 0, 1)).string() }
    }
}
