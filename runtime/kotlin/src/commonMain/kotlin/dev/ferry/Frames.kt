package dev.ferry

import kotlinx.coroutines.Runnable
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector

/**
 * What a ferry-generated library that returns frame rings exposes (docs/frames.md). Each
 * call is one native call per batch of frames, never one per frame on the reading side.
 */
interface NativeFrames {
    /** Slot size, slot count, stride and a memory pin, as four little-endian `Long`s. */
    fun frameOpen(ring: Long): ByteArray

    /** The ring's memory: a direct `ByteBuffer` on the JVM, an address on Kotlin/Native. */
    fun frameMemory(ring: Long): FrameMemory

    /** Lets the memory go (once Kotlin's views of it are unreachable). */
    fun frameUnpin(pin: Long)

    /** Reports this side's counter and reads the other side's (see `ferry::frames::sync`). */
    fun frameSync(ring: Long, sink: Long, position: Long, seen: Long): Long

    /** The Rust producer's panic message, after [frameSync] reported it failed. */
    fun frameFailure(ring: Long): ByteArray

    /** Closes this side: the Rust side wakes and ends. */
    fun frameClose(ring: Long)

    /** Rings of this library with a side still open. */
    fun openRings(): Long
}

/** What `ferry::frames::sync` returns instead of a counter. */
internal object FrameStatus {
    const val PARKED = -1L
    const val END = -2L
    const val FAILED = -3L
}

/**
 * The Kotlin side of one ring: its shape, its memory view, its sink for wake-ups, and the
 * registration that closes it if its owner is dropped unclosed.
 */
internal class RingEnd(private val library: NativeFrames, private val handle: Long, private val writable: Boolean) {
    val slotSize: Int
    val slotCount: Int
    val view: RingView
    private val sink = Streams.Sink()
    private val sinkId = Streams.register(sink)
    private val closed = AtomicLong(0)

    init {
        val info = WireReader(library.frameOpen(handle))
        slotSize = info.i64().toInt()
        slotCount = info.i64().toInt()
        val stride = info.i64().toInt()
        val pin = info.i64()
        view = RingView.open(library.frameMemory(handle), slotSize, slotCount, stride, writable) { library.frameUnpin(pin) }
    }

    val isClosed: Boolean get() = closed.get() != 0L

    fun checkOpen() = check(!isClosed) { "ferry: this frame ring was closed" }

    /** Frames a reader that caught up lets the producer publish before it takes them: see [sync]. */
    private val batch = (slotCount / 64).coerceIn(1, 64)

    /** How long the next wait re-checks before parking: see [waited]. */
    private var spinNanos = MIN_SPIN_NANOS
    /** When the current wait began ([NOT_WAITING]: no wait under way). */
    private var waitingSince = NOT_WAITING

    /**
     * One sync; a parked result waits for the upcall and returns null (call again). Before
     * parking it re-checks for a few microseconds (not on a UI thread): a producer that is
     * only a little behind costs a few native calls instead of a thread wake-up each way.
     * The clock is read once per eight polls: a read costs about as much as a poll.
     */
    suspend fun sync(position: Long, seen: Long, park: Boolean): Long? {
        checkOpen()
        if (park && !InlinePolling.onUiThread(currentCoroutineContext())) {
            val now = nanoTime()
            if (waitingSince == NOT_WAITING) waitingSince = now
            val deadline = now + spinNanos
            var polls = 0
            var found = seen
            do {
                val r = library.frameSync(handle, 0L, position, seen)
                if (r < 0 || (writable && seen - r < slotCount)) return waited(checked(r))
                if (!writable && r > seen) {
                    // A reader that caught up takes a batch, not every frame the moment it is
                    // published: polling `head` while the producer stores it costs both sides
                    // the line once per frame (frames_small at 4 M frames/s, with more polls
                    // than frames). It waits while the count still grows, up to [batch]
                    // frames, and takes what is there as soon as a gap shows no growth.
                    if (r - seen >= batch || r == found) return waited(r)
                    found = r
                    val until = nanoTime() + BATCH_GAP_NANOS
                    while (nanoTime() < until) SpinHint.pause()
                    continue
                }
                SpinHint.pause()
            } while (++polls and 7 != 0 || nanoTime() < deadline)
        }
        val r = checked(library.frameSync(handle, if (park) sinkId else 0L, position, seen))
        return if (r != null && park) waited(r) else r
    }

    /**
     * Sizes the next spin from how long this wait took. A wait that a spin of its length would
     * have covered (up to [MAX_SPIN_NANOS]) sets the spin to 1.5 times it: a producer that
     * takes 25 µs per frame (a 1 MiB fill) is then caught by the spin, not by a park and an
     * upcall per frame. A longer wait means the other side was off its CPU, where spinning
     * only takes the CPU it needs back: the spin drops to [MIN_SPIN_NANOS].
     */
    private fun waited(r: Long?): Long? {
        if (waitingSince != NOT_WAITING) {
            val took = nanoTime() - waitingSince
            waitingSince = NOT_WAITING
            spinNanos = if (took > MAX_SPIN_NANOS) MIN_SPIN_NANOS else maxOf(MIN_SPIN_NANOS, minOf(MAX_SPIN_NANOS, took + took / 2))
        }
        return r
    }

    private suspend fun checked(r: Long): Long? {
        if (r == FrameStatus.PARKED) {
            sink.take()
            return null
        }
        if (r == FrameStatus.FAILED) throw RustPanicException(library.frameFailure(handle).decodeToString())
        return r
    }

    /** A report that never parks (progress, or a publish). */
    fun report(position: Long, seen: Long): Long {
        checkOpen()
        return library.frameSync(handle, 0L, position, seen)
    }

    fun close() {
        if (closed.compareAndSet(0L, 1L)) {
            Streams.forget(sinkId)
            library.frameClose(handle)
        }
    }

    companion object {
        /**
         * The spin's bounds. 5 µs at least; at most 50 µs, and only after waits that short:
         * a fixed 50 µs spin mostly ran while the producer was off its CPU on a loaded machine
         * and took the CPU it needed (it cost the bench's frames_small about half its rate:
         * ADR 0009).
         */
        private const val MIN_SPIN_NANOS = 5_000L
        private const val MAX_SPIN_NANOS = 50_000L
        /** Between two polls of a reader waiting for its batch: a few frames' time of a fast producer. */
        private const val BATCH_GAP_NANOS = 500L
        private const val NOT_WAITING = Long.MIN_VALUE

        /** Closes a ring whose Kotlin owner became unreachable unclosed (no reference to it). */
        fun closer(library: NativeFrames, handle: Long): Runnable = Runnable { library.frameClose(handle) }
    }
}

/** A frame's bytes as Kotlin reads or writes them; every access checks the frame is live. */
private fun checkRange(index: Int, width: Int, size: Int) {
    if (index < 0 || index > size - width) throw IndexOutOfBoundsException("ferry: bytes $index until ${index + width} outside the frame's $size")
}

/**
 * Frames Rust produces, read in place (docs/frames.md): [next] hands out one [Frame] at a
 * time, each a view of its slot until it is released ([Frame.close], or the end of the
 * collect block in [frames]). Rust waits for a free slot, so a slow reader bounds it.
 * Close the reader when done (`use { }`): Rust's producer then ends with `Closed`.
 */
class FrameReader(library: NativeFrames, handle: Long) : AutoCloseable {
    internal val end = RingEnd(library, handle, writable = false)
    private val registration = Reclaimers.DEFAULT.register(this, RingEnd.closer(library, handle))
    private val slots = end.slotCount

    /** Frames published by Rust that this reader knows of. */
    private var available = 0L
    /** Frames handed out by [next], and the slot of the next one. */
    private var claimed = 0L
    private var claimSlot = 0
    /** Frames released in order (slots go back to Rust in order), and the slot of the next. */
    private var released = 0L
    private var releaseSlot = 0
    /** [released] as Rust last heard it. */
    private var reported = 0L
    /**
     * Released slots [released] has not passed yet. [Frame.close] only sets its flag; [next]
     * advances [released] over the released prefix, so closing a frame costs one store.
     */
    private val done = BooleanArray(slots)
    private var ended = false
    /** Releases worth a report to Rust: an eighth of the ring. */
    private val reportEvery = (slots + 7) / 8

    /** The largest frame a slot holds, in bytes. */
    val slotSize: Int get() = end.slotSize

    /** How many frames may be published and unreleased at once. */
    val slotCount: Int get() = slots

    /**
     * The next frame, suspending while the ring is empty; null once Rust closed the ring
     * and every frame was read. Throws [RustPanicException] if the Rust producer panicked
     * (after the frames it published before), `IllegalStateException` once closed. One
     * reader is read by one coroutine at a time; its frames may be closed anywhere.
     */
    suspend fun next(): Frame? = if (awaitPublished()) claim() else null

    /**
     * Waits until Rust has published a frame this reader has not handed out (true), or the
     * ring ended (false); throws as [next] does. [frames] then takes the frame with
     * [nextKnown], so every frame it emits is made on its inlined fast path.
     */
    internal suspend fun awaitPublished(): Boolean {
        end.checkOpen()
        advanceReleased()
        while (claimed == available) {
            if (ended) return false
            // Waiting with every slot held by an unreleased frame would wait forever.
            check(claimed - released < slots) { "ferry: all $slots slots hold unreleased frames: close a frame before reading the next" }
            val position = released
            val r = end.sync(position, claimed, park = true)
            reported = position
            advanceReleased()
            if (r == null) continue
            if (r == FrameStatus.END) {
                ended = true
                return false
            }
            available = r
        }
        return true
    }

    /**
     * Whether [nextKnown] has a frame: one this reader already knows is published. Otherwise
     * [next] has to ask Rust, wait, end or throw.
     */
    internal fun hasKnown(): Boolean = claimed != available && !end.isClosed

    /**
     * [next] for a frame this reader already knows is published ([hasKnown]): no native call
     * and no suspension, so no continuation object (a `suspend fun` makes one per call, which
     * [frames] paid on every frame: about a quarter of the reader's time per frame in
     * `frames_small`). Never null: a frame merged with null (or with [next]'s result) at one
     * variable is one the JIT cannot keep off the heap.
     */
    internal fun nextKnown(): Frame {
        advanceReleased()
        return claim()
    }

    /** Hands out frame [claimed], which Rust has published (`claimed < available`). */
    private fun claim(): Frame {
        // An eighth of the ring released since Rust last heard: tell it now, so it refills
        // while the rest is read (one call per eighth of the ring, not per frame).
        if (released - reported >= reportEvery) {
            end.report(released, claimed)
            reported = released
        }
        val sequence = claimed++
        val slot = claimSlot
        claimSlot = if (slot + 1 == slots) 0 else slot + 1
        val stored = end.view.headerSequence(slot)
        check(stored == sequence) { "ferry: slot $slot holds frame $stored, expected $sequence" }
        return Frame(this, sequence, end.view.headerLength(slot), slot)
    }

    private fun advanceReleased() {
        while (released < claimed && done[releaseSlot]) {
            done[releaseSlot] = false
            released++
            releaseSlot = if (releaseSlot + 1 == slots) 0 else releaseSlot + 1
        }
    }

    /**
     * The frames as a Flow: each frame is released when the collect block for it returns
     * (do not keep it, or copy what you need); the reader is closed when the collection
     * ends, however it ends. Collect it once.
     */
    fun frames(): Flow<Frame> = FrameFlow(this)

    /** Marks frame [sequence] (in [slot]) released; a second call does nothing. */
    internal fun release(sequence: Long, slot: Int) {
        if (!isReleased(sequence, slot)) done[slot] = true
    }

    /**
     * Whether frame [sequence] (in [slot]) was released: the reader passed it, or its flag is
     * set. Derived from the reader's state rather than kept in the [Frame], so the [frames]
     * loop needs the frame only until its emit returns and the JIT can keep it off the heap
     * (a field flag made it live across the emit, stored in the coroutine's state: one
     * object per frame). Exact: a slot's flag belongs to the one frame in it between
     * [released] and [claimed], and [released] only grows.
     */
    internal fun isReleased(sequence: Long, slot: Int): Boolean = end.isClosed || sequence < released || done[slot]

    val isClosed: Boolean get() = end.isClosed

    /** Closes the ring for reading: every frame is released, Rust's producer ends. */
    override fun close() {
        end.close()
        registration.clean()
    }
}

/**
 * [FrameReader.frames]. A direct [Flow] rather than `flow {}`: it emits from the collector's
 * own coroutine, so it keeps the context by construction, without `flow {}`'s check on
 * every emit (a cost per frame).
 */
private class FrameFlow(private val reader: FrameReader) : Flow<Frame> {
    override suspend fun collect(collector: FlowCollector<Frame>) {
        try {
            while (true) {
                // Every frame comes from `nextKnown()`, never from `next()` (a call the JIT
                // does not inline) and never as a nullable value: a frame that meets either at
                // one variable is one the JIT cannot keep off the heap.
                if (reader.hasKnown() || reader.awaitPublished()) emitAndRelease(collector, reader.nextKnown()) else break
            }
        } finally {
            reader.close()
        }
    }

    /**
     * Emits [frame] and releases it by its sequence and slot, not through the object: the
     * frame is not used after the emit, so it is not stored in the coroutine's state, and
     * the JIT can replace it by its fields (no allocation per frame).
     */
    private suspend inline fun emitAndRelease(collector: FlowCollector<Frame>, frame: Frame) {
        val sequence = frame.sequence
        val slot = frame.slot
        try {
            collector.emit(frame)
        } finally {
            reader.release(sequence, slot)
        }
    }
}

/**
 * One frame, read in place from its slot. Valid until [close] (or the end of the collect
 * block that received it); after that every accessor throws `IllegalStateException`. On
 * the JVM, `Frame.buffer` is a read-only direct `ByteBuffer` of the same bytes (see its doc
 * for what a kept buffer must not be used for).
 */
class Frame internal constructor(private val reader: FrameReader, val sequence: Long, val size: Int, internal val slot: Int) : AutoCloseable {
    /**
     * Closed through this object. `frames()` releases its frames through the reader instead
     * (see [FrameReader.isReleased]); this flag keeps a second [close], maybe from another
     * thread, from consulting the reader's counters at all once the first one released.
     */
    private var closed = false

    /** Whether the frame was released (or its reader closed): its bytes are no longer readable. */
    val isReleased: Boolean get() = closed || reader.isReleased(sequence, slot)

    internal fun checkLive() = check(!isReleased) { "ferry: frame $sequence was released" }

    internal val view: RingView get() = reader.end.view

    fun getByte(index: Int): Byte {
        checkLive()
        checkRange(index, 1, size)
        return view.getByte(slot, index)
    }

    /** Eight bytes at [index], little-endian (as Rust's `u64::to_le_bytes` writes them). */
    fun getLong(index: Int): Long {
        checkLive()
        checkRange(index, 8, size)
        return view.getLong(slot, index)
    }

    /** Four bytes at [index], little-endian. */
    fun getInt(index: Int): Int {
        checkLive()
        checkRange(index, 4, size)
        return view.getInt(slot, index)
    }

    /** Copies bytes [startIndex] until [endIndex] into [destination] (a copy outlives the frame). */
    fun copyInto(destination: ByteArray, destinationOffset: Int = 0, startIndex: Int = 0, endIndex: Int = size): ByteArray {
        checkLive()
        checkRange(startIndex, endIndex - startIndex, size)
        checkRange(destinationOffset, endIndex - startIndex, destination.size)
        view.copyOut(slot, startIndex, destination, destinationOffset, endIndex - startIndex)
        return destination
    }

    fun toByteArray(): ByteArray = copyInto(ByteArray(size))

    /** Gives the slot back to Rust. Idempotent. */
    override fun close() {
        if (!closed) {
            closed = true
            reader.release(sequence, slot)
        }
    }
}

/**
 * Slots Kotlin fills for a Rust consumer (docs/frames.md): [reserve] waits for a free slot,
 * the frame is written in place, [WritableFrame.publish] hands it over. Close the writer
 * when done: Rust's stream of frames then ends.
 */
class FrameWriter(library: NativeFrames, handle: Long) : AutoCloseable {
    internal val end = RingEnd(library, handle, writable = true)
    private val registration = Reclaimers.DEFAULT.register(this, RingEnd.closer(library, handle))
    private var published = 0L
    private var freed = 0L
    private var reserved: WritableFrame? = null
    /** Rust closed its side (seen by a publish). */
    private var rustClosed = false

    val slotSize: Int get() = end.slotSize
    val slotCount: Int get() = end.slotCount

    /**
     * A free slot to write, suspending while the ring is full; null once Rust closed the
     * ring (its consumer ended). One reservation at a time: publish or [WritableFrame.cancel]
     * it first.
     */
    suspend fun reserve(): WritableFrame? {
        end.checkOpen()
        check(reserved == null) { "ferry: frame ${reserved?.sequence} is still reserved: publish or cancel it first" }
        if (rustClosed) return null
        while (published - freed >= end.slotCount) {
            val r = end.sync(published, published, park = true) ?: continue
            if (r == FrameStatus.END) return null
            freed = r
        }
        val frame = WritableFrame(this, published, (published % end.slotCount).toInt())
        reserved = frame
        return frame
    }

    /** Reserves, copies [bytes] in and publishes: false once Rust closed the ring. */
    suspend fun send(bytes: ByteArray): Boolean {
        val frame = reserve() ?: return false
        frame.copyFrom(bytes)
        return frame.publish(bytes.size)
    }

    internal fun publish(frame: WritableFrame, length: Int): Boolean {
        end.view.setHeader(frame.slot, frame.sequence, length)
        reserved = null
        published++
        val r = end.report(published, published)
        if (r == FrameStatus.END) {
            rustClosed = true
            return false
        }
        freed = r
        return true
    }

    internal fun cancel(frame: WritableFrame) {
        if (reserved === frame) reserved = null
    }

    val isClosed: Boolean get() = end.isClosed

    override fun close() {
        end.close()
        registration.clean()
    }
}

/** A reserved slot being written; after [publish] or [cancel] its accessors throw. */
class WritableFrame internal constructor(private val writer: FrameWriter, val sequence: Long, internal val slot: Int) {
    private var done = false

    val capacity: Int get() = writer.slotSize

    internal fun checkLive() = check(!done && !writer.isClosed) { "ferry: frame $sequence was published or cancelled" }

    internal val view: RingView get() = writer.end.view

    fun putByte(index: Int, value: Byte) {
        checkLive()
        checkRange(index, 1, capacity)
        view.putByte(slot, index, value)
    }

    /** Eight bytes at [index], little-endian. */
    fun putLong(index: Int, value: Long) {
        checkLive()
        checkRange(index, 8, capacity)
        view.putLong(slot, index, value)
    }

    fun copyFrom(source: ByteArray, destinationIndex: Int = 0, startIndex: Int = 0, endIndex: Int = source.size) {
        checkLive()
        checkRange(destinationIndex, endIndex - startIndex, capacity)
        checkRange(startIndex, endIndex - startIndex, source.size)
        view.copyIn(slot, destinationIndex, source, startIndex, endIndex - startIndex)
    }

    /**
     * Hands the first [length] bytes to Rust: true if the ring was open then (Rust reads it
     * unless it closes first), false if Rust had closed it (the frame is dropped).
     */
    fun publish(length: Int): Boolean {
        checkLive()
        require(length in 0..capacity) { "ferry: frame length $length outside 0..$capacity" }
        done = true
        return writer.publish(this, length)
    }

    /** Gives the reservation up; the next [FrameWriter.reserve] gets the same slot. */
    fun cancel() {
        if (!done) {
            done = true
            writer.cancel(this)
        }
    }
}
