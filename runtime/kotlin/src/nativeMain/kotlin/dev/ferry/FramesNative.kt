@file:OptIn(ExperimentalForeignApi::class)

package dev.ferry

import kotlinx.cinterop.ByteVar
import kotlinx.cinterop.CPointer
import kotlinx.cinterop.ExperimentalForeignApi
import kotlinx.cinterop.IntVar
import kotlinx.cinterop.LongVar
import kotlinx.cinterop.get
import kotlinx.cinterop.plus
import kotlinx.cinterop.readBytes
import kotlinx.cinterop.reinterpret
import kotlinx.cinterop.set
import kotlinx.cinterop.toCPointer
import kotlinx.cinterop.usePinned
import kotlinx.cinterop.addressOf
import platform.posix.memcpy

/** A ring's memory on Kotlin/Native: its address. */
typealias FrameMemory = Long

/**
 * Slot access over the ring's memory, through its address (Kotlin/Native targets are
 * little-endian, as the header and Rust's `to_le_bytes` are). The memory is unpinned only
 * when this view is unreachable, and every frame holds its reader, which holds this view.
 */
internal class RingView private constructor(address: Long, private val stride: Int) {
    private val base: CPointer<ByteVar> = checkNotNull(address.toCPointer())
    private var registration: Reclaimable? = null

    private fun at(slot: Int, index: Int): CPointer<ByteVar> = (base + (slot.toLong() * stride + HEADER + index))!!

    fun headerSequence(slot: Int): Long = (base + slot.toLong() * stride)!!.reinterpret<LongVar>()[0]
    fun headerLength(slot: Int): Int = (base + (slot.toLong() * stride + 8))!!.reinterpret<IntVar>()[0]
    fun setHeader(slot: Int, sequence: Long, length: Int) {
        (base + slot.toLong() * stride)!!.reinterpret<LongVar>()[0] = sequence
        (base + (slot.toLong() * stride + 8))!!.reinterpret<IntVar>()[0] = length
    }

    fun getByte(slot: Int, index: Int): Byte = at(slot, index)[0]
    fun getInt(slot: Int, index: Int): Int {
        val bytes = at(slot, index).readBytes(4)
        var v = 0
        for (i in 3 downTo 0) v = (v shl 8) or (bytes[i].toInt() and 0xff)
        return v
    }
    fun getLong(slot: Int, index: Int): Long {
        val p = at(slot, index)
        var v = 0L
        for (i in 7 downTo 0) v = (v shl 8) or (p[i].toLong() and 0xff)
        return v
    }
    fun putByte(slot: Int, index: Int, value: Byte) { at(slot, index)[0] = value }
    fun putLong(slot: Int, index: Int, value: Long) {
        val p = at(slot, index)
        for (i in 0 until 8) p[i] = (value ushr (8 * i)).toByte()
    }

    fun copyOut(slot: Int, index: Int, destination: ByteArray, offset: Int, length: Int) {
        if (length == 0) return
        destination.usePinned { memcpy(it.addressOf(offset), at(slot, index), length.toULong()) }
    }

    fun copyIn(slot: Int, index: Int, source: ByteArray, offset: Int, length: Int) {
        if (length == 0) return
        source.usePinned { memcpy(at(slot, index), it.addressOf(offset), length.toULong()) }
    }

    /** The slot's data address, for `Frame.address`. */
    fun address(slot: Int): Long = at(slot, 0).rawValue.toLong()

    companion object {
        const val HEADER = 16

        fun open(memory: FrameMemory, slotSize: Int, slotCount: Int, stride: Int, writable: Boolean, unpin: () -> Unit): RingView {
            val view = RingView(memory, stride)
            view.registration = Reclaimers.DEFAULT.register(view, kotlinx.coroutines.Runnable { unpin() })
            return view
        }
    }
}

/**
 * The address of the frame's first byte (valid for [Frame.size] bytes while the frame is
 * live): for C libraries that read frames in place. Do not use it after the frame is released.
 */
val Frame.address: Long
    get() {
        checkLive()
        return view.address(slot)
    }

val WritableFrame.address: Long
    get() {
        checkLive()
        return view.address(slot)
    }
