package dev.ferry

import java.nio.ByteBuffer
import java.nio.ByteOrder

/** A ring's memory on the JVM: one direct `ByteBuffer` over it, made by JNI. */
typealias FrameMemory = ByteBuffer

/**
 * Slot access over the ring's memory. The base buffer is the only one JNI made; every view
 * handed out is sliced from it and so keeps it reachable, and the memory is unpinned only
 * once the base is unreachable: a view kept past its frame reads stale bytes (the slot's
 * next frame), never freed memory.
 */
internal class RingView private constructor(memory: ByteBuffer, private val slotSize: Int, slotCount: Int, private val stride: Int, writable: Boolean) {
    private val base: ByteBuffer = memory.order(ByteOrder.LITTLE_ENDIAN)
    private val views: Array<ByteBuffer> = Array(slotCount) { slot ->
        val data = base.duplicate().apply { position(slot * stride + HEADER); limit(slot * stride + HEADER + slotSize) }.slice()
        if (writable) data else data.asReadOnlyBuffer()
    }
    private var registration: Reclaimable? = null

    private fun at(slot: Int, index: Int) = slot * stride + HEADER + index

    fun headerSequence(slot: Int): Long = base.getLong(slot * stride)
    fun headerLength(slot: Int): Int = base.getInt(slot * stride + 8)
    fun setHeader(slot: Int, sequence: Long, length: Int) {
        base.putLong(slot * stride, sequence)
        base.putInt(slot * stride + 8, length)
    }

    fun getByte(slot: Int, index: Int): Byte = base.get(at(slot, index))
    fun getInt(slot: Int, index: Int): Int = base.getInt(at(slot, index))
    fun getLong(slot: Int, index: Int): Long = base.getLong(at(slot, index))
    fun putByte(slot: Int, index: Int, value: Byte) { base.put(at(slot, index), value) }
    fun putLong(slot: Int, index: Int, value: Long) { base.putLong(at(slot, index), value) }

    fun copyOut(slot: Int, index: Int, destination: ByteArray, offset: Int, length: Int) {
        views[slot].duplicate().apply { position(index) }.get(destination, offset, length)
    }

    fun copyIn(slot: Int, index: Int, source: ByteArray, offset: Int, length: Int) {
        views[slot].duplicate().apply { position(index) }.put(source, offset, length)
    }

    /** A fresh little-endian view of the slot's first [length] bytes. */
    fun view(slot: Int, length: Int): ByteBuffer = views[slot].duplicate().apply { limit(length) }.order(ByteOrder.LITTLE_ENDIAN)

    companion object {
        const val HEADER = 16

        fun open(memory: FrameMemory, slotSize: Int, slotCount: Int, stride: Int, writable: Boolean, unpin: () -> Unit): RingView {
            val view = RingView(memory, slotSize, slotCount, stride, writable)
            // Watches the base buffer, not this view: user views reach the base, not us.
            view.registration = Reclaimers.DEFAULT.register(memory, Runnable { unpin() })
            return view
        }
    }
}

/**
 * The frame's bytes as a read-only direct `ByteBuffer` (little-endian), without a copy.
 * Read it only while the frame is live: after the frame is released the buffer still reads
 * without crashing, but it reads whatever Rust writes into the slot next. Do not keep it.
 */
val Frame.buffer: ByteBuffer
    get() {
        checkLive()
        return view.view(slot, size)
    }

/** The slot's bytes as a writable direct `ByteBuffer`, until the frame is published. */
val WritableFrame.buffer: ByteBuffer
    get() {
        checkLive()
        return view.view(slot, capacity)
    }
