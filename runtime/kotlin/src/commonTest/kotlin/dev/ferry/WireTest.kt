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

    @Test
    fun everyWidthReadsBackLittleEndian() {
        val w = WireWriter()
        w.i8(-2); w.i16(-3); w.i16(0x1234); w.i32(Int.MIN_VALUE); w.i32(-5); w.i64(0x0102030405060708); w.i64(-6)
        w.u16(UShort.MAX_VALUE); w.u32(UInt.MAX_VALUE); w.f64(-0.5); w.bytes(byteArrayOf(1, 2, 3))
        val r = WireReader(w.toByteArray())
        assertEquals(-2, r.i8())
        assertEquals(-3, r.i16())
        assertEquals(0x1234, r.i16())
        assertEquals(Int.MIN_VALUE, r.i32())
        assertEquals(-5, r.i32())
        assertEquals(0x0102030405060708, r.i64())
        assertEquals(-6L, r.i64())
        assertEquals(UShort.MAX_VALUE, r.u16())
        assertEquals(UInt.MAX_VALUE, r.u32())
        assertEquals(-0.5, r.f64())
        assertEquals(listOf<Byte>(1, 2, 3), r.bytes().toList())
        r.finish()
    }

    private fun malformed(bytes: ByteArray, read: (WireReader) -> Unit): String =
        assertFailsWith<IllegalStateException> { read(WireReader(bytes)) }.message!!.removePrefix("ferry: malformed value from Rust: ")

    @Test
    fun malformedInputIsNamed() {
        assertEquals("needed 4 bytes at offset 1, have 2", malformed(byteArrayOf(0, 1, 2)) { it.i8(); it.i32() })
        assertEquals("length 9 past the end", malformed(byteArrayOf(9, 0, 0, 0, 1)) { it.string() })
        assertEquals("length 4294967295 too large", malformed(byteArrayOf(-1, -1, -1, -1)) { it.bytes() })
        assertEquals("invalid UTF-8 in a string", malformed(byteArrayOf(1, 0, 0, 0, 0xFF.toByte())) { it.string() })
        assertEquals("bool byte 2", malformed(byteArrayOf(2)) { it.bool() })
        assertEquals("2 trailing bytes", malformed(byteArrayOf(1, 2, 3)) { it.i8(); it.finish() })
        assertEquals("3 elements of at least 4 bytes, but 4 bytes remain", malformed(byteArrayOf(3, 0, 0, 0, 0, 0, 0, 0)) { it.count(4) })
        assertEquals("E has no variant 7", malformed(byteArrayOf(7, 0, 0, 0)) { it.variant("E", 2) })
    }
}
