package bench

import bench.ferrygen.AffineCounter as FAffineCounter
import bench.ferrygen.Caller as FCaller
import bench.ferrygen.MutexCounter as FMutexCounter
import bench.ferrygen.IntCallback as FIntCallback
import bench.ferrygen.add as fAdd
import bench.ferrygen.echo as fEcho
import bench.ferrygen.echoBytes as fEchoBytes
import bench.ferrygen.fillBytes as fFillBytes
import bench.ferrygen.framesLarge as fFramesLarge
import bench.ferrygen.newBytes as fNewBytes
import bench.ferrygen.sumBytes as fSumBytes
import bench.ferrygen.sumBytesCopied as fSumBytesCopied
import bench.ferrygen.framesSmall as fFramesSmall
import bench.ferrygen.hop as fHop
import bench.ferrygen.spawnHop as fSpawnHop
import bench.ferrygen.probeDroppedAt as fProbeDroppedAt
import bench.ferrygen.probeStarted as fProbeStarted
import bench.ferrygen.ready as fReady
import bench.ferrygen.sleepLong as fSleepLong
import bench.ferrygen.waitForever as fWaitForever

/**
 * The ferry column: the same functions through ferry's generated bindings
 * (bench/ferry, Kotlin package `bench.ferrygen`). Compiled only with `mvn -Pferry`, which
 * bench/run.mjs turns on once `ferry generate bench/ferry` has succeeded; the harness
 * finds this class by name, so without it the column is null.
 */
class FerryColumn : Column("ferry") {
    override val cases = Cases.ALL.toSet() + Cases.BYTE_SLICES

    override fun bytesView(data: ByteArray) = fSumBytes(data).toLong()
    override fun bytesViewDirect(data: java.nio.ByteBuffer) = fSumBytes(data).toLong()
    override fun bytesViewCopied(data: ByteArray) = fSumBytesCopied(data).toLong()
    override fun bytesInto(out: ByteArray, seed: Byte) = fFillBytes(out, seed.toUByte()).toInt()
    override fun bytesIntoDirect(out: java.nio.ByteBuffer, seed: Byte) = fFillBytes(out, seed.toUByte()).toInt()
    override fun bytesReturn(len: Int, seed: Byte) = fNewBytes(len.toUInt(), seed.toUByte())

    override fun setUp() {
        // dev.ferry loads libferry_bench itself (java.library.path = bench/target/release).
        check(fAdd(1, 2) == 3)
    }

    override fun addLoop(n: Int): Long {
        var s = 0L
        for (i in 0 until n) s += fAdd(i, 1)
        return s
    }

    /** One Kotlin implementation, handed to Rust once (a `#[ferry::export(callback)]` trait). */
    private val caller by lazy {
        FCaller(object : FIntCallback {
            override fun inc(x: Int): Int = x + 1
            override suspend fun incLater(x: Int): Int = x + 1
        })
    }

    override fun callbackLoop(n: Int): Long {
        val c = caller
        var s = 0L
        for (i in 0 until n) s += c.callSync(i)
        return s
    }

    override suspend fun callbackAsync(x: Int) = caller.callAsync(x)

    override fun echoLoop(s: String, n: Int): Long {
        var t = 0L
        for (i in 0 until n) t += fEcho(s).length
        return t
    }

    override suspend fun ready(x: Int) = fReady(x)
    override suspend fun hop(x: Int) = fHop(x)
    override suspend fun spawnHop(x: Int) = fSpawnHop(x)
    override suspend fun sleepLong(ms: Long) = fSleepLong(ms.toULong())
    override suspend fun waitForever() = fWaitForever()
    override fun probeDroppedAt(reset: Boolean) = fProbeDroppedAt(reset)
    override fun probeStarted() = fProbeStarted()
    override suspend fun echoBytes(b: ByteArray) = fEchoBytes(b)

    override suspend fun streamSum(n: Long): Long = FerryStream.sum(n)

    private val affine by lazy { FAffineCounter() }
    private val mutex by lazy { FMutexCounter() }

    override suspend fun affineBump(): Long = affine.bump().toLong()
    override fun mutexBump(): Long = mutex.bump().toLong()

    /** The zero-copy ring: each frame is read in place and released when the block returns. */
    override suspend fun framesSmall(n: Long): Long {
        var s = 0L
        fFramesSmall(n.toULong()).frames().collect { s += it.getLong(0) }
        return s
    }

    override suspend fun framesLarge(n: Long): Long {
        var s = 0L
        fFramesLarge(n.toULong()).frames().collect { s += it.getLong(0) + it.getLong(it.size - 8) }
        return s
    }
}
