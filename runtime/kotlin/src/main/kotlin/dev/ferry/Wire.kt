package dev.ferry

import java.nio.ByteBuffer
import java.nio.ByteOrder
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds

/**
 * Writes the wire format (docs/wire-format.md): little-endian, fixed-width primitives,
 * `u32` lengths, UTF-8 strings, `u8` option tags, `u32` enum variant indexes.
 */
class WireWriter(initialCapacity: Int = 64) {
    private var buf = ByteArray(initialCapacity)
    private var size = 0

    private fun room(n: Int): Int {
        if (size + n > buf.size) buf = buf.copyOf(maxOf(buf.size * 2, size + n))
        val at = size
        size += n
        return at
    }

    fun i8(v: Byte) { val at = room(1); buf[at] = v }
    fun bool(v: Boolean) = i8(if (v) 1 else 0)
    fun i16(v: Short) { val at = room(2); for (i in 0 until 2) buf[at + i] = (v.toInt() shr (8 * i)).toByte() }
    fun i32(v: Int) { val at = room(4); for (i in 0 until 4) buf[at + i] = (v shr (8 * i)).toByte() }
    fun i64(v: Long) { val at = room(8); for (i in 0 until 8) buf[at + i] = (v shr (8 * i)).toByte() }
    fun u8(v: UByte) = i8(v.toByte())
    fun u16(v: UShort) = i16(v.toShort())
    fun u32(v: UInt) = i32(v.toInt())
    fun u64(v: ULong) = i64(v.toLong())
    fun f32(v: Float) = i32(v.toRawBits())
    fun f64(v: Double) = i64(v.toRawBits())
    fun len(n: Int) = i32(n)

    fun bytes(v: ByteArray) {
        len(v.size)
        val at = room(v.size)
        v.copyInto(buf, at)
    }

    fun string(v: String) = bytes(v.encodeToByteArray())

    /** Rust `Duration` has no negative values; `INFINITE` maps to `Duration::MAX`. */
    fun duration(v: Duration) {
        require(!v.isNegative()) { "a negative Duration cannot cross to Rust: $v" }
        if (v.isInfinite()) {
            i64(-1L) // u64::MAX seconds
            i32(999_999_999)
            return
        }
        v.toComponents { secs, nanos -> i64(secs); i32(nanos) }
    }

    fun toByteArray(): ByteArray = buf.copyOf(size)
}

/** Reads the wire format; a malformed buffer is an [IllegalStateException], never a crash. */
class WireReader(bytes: ByteArray) {
    private val buf: ByteBuffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)

    fun i8(): Byte = buf.get()
    fun bool(): Boolean = when (val b = i8().toInt()) {
        0 -> false
        1 -> true
        else -> throw IllegalStateException("ferry: bool byte $b")
    }
    fun i16(): Short = buf.getShort()
    fun i32(): Int = buf.getInt()
    fun i64(): Long = buf.getLong()
    fun u8(): UByte = i8().toUByte()
    fun u16(): UShort = i16().toUShort()
    fun u32(): UInt = i32().toUInt()
    fun u64(): ULong = i64().toULong()
    fun f32(): Float = Float.fromBits(i32())
    fun f64(): Double = Double.fromBits(i64())
    fun len(): Int {
        val n = i32()
        if (n < 0 || n.toLong() > Int.MAX_VALUE) throw IllegalStateException("ferry: length ${n.toUInt()} too large")
        return n
    }

    fun bytes(): ByteArray {
        val n = len()
        if (n > buf.remaining()) throw IllegalStateException("ferry: length $n past the end")
        return ByteArray(n).also { buf.get(it) }
    }

    fun string(): String = bytes().decodeToString()

    /** Seconds past Kotlin's range (about 146 years at full precision) become `INFINITE`. */
    fun duration(): Duration {
        val secs = i64()
        val nanos = i32()
        if (secs < 0 || secs > MAX_DURATION_SECONDS) return Duration.INFINITE
        return secs.seconds + nanos.nanoseconds
    }

    fun variant(typeName: String, count: Int): Int {
        val v = i32()
        if (v < 0 || v >= count) throw IllegalStateException("ferry: $typeName has no variant ${v.toUInt()}")
        return v
    }

    fun finish() {
        if (buf.hasRemaining()) throw IllegalStateException("ferry: ${buf.remaining()} trailing bytes")
    }

    private companion object {
        // Kotlin's Duration holds up to Long.MAX_VALUE / 2 milliseconds.
        const val MAX_DURATION_SECONDS = Long.MAX_VALUE / 2 / 1000
    }
}
