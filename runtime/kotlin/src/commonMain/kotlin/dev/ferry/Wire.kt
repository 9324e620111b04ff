package dev.ferry

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
    private var depth = 0

    /**
     * Writes one record or enum value. Values nesting records or enums more than
     * [MAX_DEPTH] levels deep are refused with [IllegalArgumentException] before anything
     * reaches Rust (Rust refuses them too).
     */
    inline fun nested(write: () -> Unit) {
        enter()
        write()
        leave()
    }

    @PublishedApi
    internal fun enter() {
        if (++depth > MAX_DEPTH) {
            depth = 0
            throw IllegalArgumentException("ferry: the value nests records or enums more than $MAX_DEPTH levels deep, which cannot cross to Rust")
        }
    }

    @PublishedApi
    internal fun leave() {
        depth--
    }

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

/**
 * Reads the wire format. Malformed input (truncated, a forged length or count, invalid
 * UTF-8, an unknown tag or variant, nesting deeper than [MAX_DEPTH]) is an
 * [IllegalStateException], never a crash, an `OutOfMemoryError` or a `StackOverflowError`.
 */
class WireReader(bytes: ByteArray) {
    private val buf = bytes
    /** The offset of the next byte to read. */
    private var pos = 0
    private var depth = 0

    private fun remaining(): Int = buf.size - pos

    private fun need(n: Int) {
        if (remaining() < n) malformed("needed $n bytes at offset $pos, have ${remaining()}")
    }

    fun i8(): Byte { need(1); return buf[pos++] }
    fun bool(): Boolean = when (val b = i8().toInt()) {
        0 -> false
        1 -> true
        else -> malformed("bool byte $b")
    }
    fun i16(): Short { need(2); val v = readShortLe(buf, pos); pos += 2; return v }
    fun i32(): Int { need(4); val v = readIntLe(buf, pos); pos += 4; return v }
    fun i64(): Long { need(8); val v = readLongLe(buf, pos); pos += 8; return v }
    fun u8(): UByte = i8().toUByte()
    fun u16(): UShort = i16().toUShort()
    fun u32(): UInt = i32().toUInt()
    fun u64(): ULong = i64().toULong()
    fun f32(): Float = Float.fromBits(i32())
    fun f64(): Double = Double.fromBits(i64())
    fun len(): Int {
        val n = i32()
        if (n < 0) malformed("length ${n.toUInt()} too large")
        return n
    }

    /**
     * The count of a collection whose elements take at least [minSize] bytes each; a count
     * the remaining input cannot hold is malformed. Elements that may take no bytes at all
     * (records without fields) are limited to [MAX_EMPTY_ELEMENTS].
     */
    fun count(minSize: Int): Int {
        val n = len()
        val fits = if (minSize == 0) n <= MAX_EMPTY_ELEMENTS else n.toLong() * minSize <= remaining()
        if (!fits) malformed("$n elements of at least $minSize bytes, but ${remaining()} bytes remain")
        return n
    }

    /** A list of [count] elements, each read by [element]. */
    inline fun <T> list(minSize: Int, element: () -> T): List<T> {
        val n = count(minSize)
        val out = ArrayList<T>(n)
        repeat(n) { out.add(element()) }
        return out
    }

    /** A map of [count] entries, each read into the map by [entry]. */
    inline fun <K, V> map(minSize: Int, entry: (MutableMap<K, V>) -> Unit): Map<K, V> {
        val n = count(minSize)
        val out = LinkedHashMap<K, V>(n)
        repeat(n) { entry(out) }
        return out
    }

    /** Reads one record or enum value, refusing nesting deeper than [MAX_DEPTH]. */
    inline fun <T> nested(read: () -> T): T {
        enter()
        val value = read()
        leave()
        return value
    }

    @PublishedApi
    internal fun enter() {
        if (++depth > MAX_DEPTH) malformed("records or enums nested more than $MAX_DEPTH levels deep")
    }

    @PublishedApi
    internal fun leave() {
        depth--
    }

    fun bytes(): ByteArray {
        val start = lengthPrefixed()
        return buf.copyOfRange(start, pos)
    }

    /** Strict UTF-8: invalid sequences are malformed input, not replaced. */
    fun string(): String {
        val start = lengthPrefixed()
        return try {
            buf.decodeToString(start, pos, throwOnInvalidSequence = true)
        } catch (e: CharacterCodingException) {
            malformed("invalid UTF-8 in a string")
        }
    }

    /** Reads a length and steps over that many bytes; returns where they start. */
    private fun lengthPrefixed(): Int {
        val n = len()
        if (n > remaining()) malformed("length $n past the end")
        val start = pos
        pos += n
        return start
    }

    /** Seconds past Kotlin's range (about 146 years at full precision) become `INFINITE`. */
    fun duration(): Duration {
        val secs = i64()
        val nanos = i32()
        if (nanos < 0 || nanos >= 1_000_000_000) malformed("duration nanos ${nanos.toUInt()}")
        if (secs < 0 || secs > MAX_DURATION_SECONDS) return Duration.INFINITE
        return secs.seconds + nanos.nanoseconds
    }

    fun variant(typeName: String, count: Int): Int {
        val v = i32()
        if (v < 0 || v >= count) malformed("$typeName has no variant ${v.toUInt()}")
        return v
    }

    fun finish() {
        if (remaining() > 0) malformed("${remaining()} trailing bytes")
    }

    private fun malformed(what: String): Nothing = throw IllegalStateException("ferry: malformed value from Rust: $what")

    private companion object {
        // Kotlin's Duration holds up to Long.MAX_VALUE / 2 milliseconds.
        const val MAX_DURATION_SECONDS = Long.MAX_VALUE / 2 / 1000
        const val MAX_EMPTY_ELEMENTS = 1 shl 20
    }
}

/**
 * How deeply records and enums may nest inside one value crossing the bridge, in either
 * direction (the same bound as the Rust runtime's `wire::MAX_DEPTH`).
 */
const val MAX_DEPTH = 128

// Little-endian reads by hand (no java.nio in common code), for WireReader and the handle
// trailer of a completion; the caller has checked the bounds.
internal fun readShortLe(b: ByteArray, at: Int): Short =
    ((b[at].toInt() and 0xFF) or (b[at + 1].toInt() shl 8)).toShort()

internal fun readIntLe(b: ByteArray, at: Int): Int =
    (b[at].toInt() and 0xFF) or
        ((b[at + 1].toInt() and 0xFF) shl 8) or
        ((b[at + 2].toInt() and 0xFF) shl 16) or
        (b[at + 3].toInt() shl 24)

internal fun readLongLe(b: ByteArray, at: Int): Long =
    (readIntLe(b, at).toLong() and 0xFFFF_FFFFL) or (readIntLe(b, at + 4).toLong() shl 32)
