package bench

import uniffi.ferry_bench_uniffi.Caller as UCaller
import uniffi.ferry_bench_uniffi.IntCallback as UIntCallback
import uniffi.ferry_bench_uniffi.add as uAdd
import uniffi.ferry_bench_uniffi.echo as uEcho
import uniffi.ferry_bench_uniffi.echoBytes as uEchoBytes
import uniffi.ferry_bench_uniffi.frameLarge as uFrameLarge
import uniffi.ferry_bench_uniffi.frameSmall as uFrameSmall
import uniffi.ferry_bench_uniffi.hop as uHop
import uniffi.ferry_bench_uniffi.spawnHop as uSpawnHop
import uniffi.ferry_bench_uniffi.probeDroppedAt as uProbeDroppedAt
import uniffi.ferry_bench_uniffi.probeStarted as uProbeStarted
import uniffi.ferry_bench_uniffi.ready as uReady
import uniffi.ferry_bench_uniffi.sleepLong as uSleepLong
import uniffi.ferry_bench_uniffi.waitForever as uWaitForever

/** The same Rust functions through UniFFI's generated Kotlin (JNA). UniFFI has no streams. */
class UniffiColumn : Column("uniffi") {
    override val cases = Cases.ALL.toSet() - Cases.STREAM_ITEMS

    override fun addLoop(n: Int): Long {
        var s = 0L
        for (i in 0 until n) s += uAdd(i, 1)
        return s
    }

    /** One Kotlin implementation, handed to Rust once (a foreign trait, `with_foreign`). */
    private val caller by lazy {
        UCaller(object : UIntCallback {
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
        for (i in 0 until n) t += uEcho(s).length
        return t
    }

    override suspend fun ready(x: Int) = uReady(x)
    override suspend fun hop(x: Int) = uHop(x)
    override suspend fun spawnHop(x: Int) = uSpawnHop(x)
    override suspend fun sleepLong(ms: Long) = uSleepLong(ms.toULong())
    override suspend fun waitForever() = uWaitForever()
    override fun probeDroppedAt(reset: Boolean) = uProbeDroppedAt(reset)
    override fun probeStarted() = uProbeStarted()
    override suspend fun echoBytes(b: ByteArray) = uEchoBytes(b)

    /** One call per frame, each returning a new `ByteArray` (UniFFI's way for bytes). */
    override suspend fun framesSmall(n: Long): Long {
        var s = 0L
        for (i in 0 until n) s += leLong(uFrameSmall(i.toULong()), 0)
        return s
    }

    override suspend fun framesLarge(n: Long): Long {
        var s = 0L
        for (i in 0 until n) {
            val f = uFrameLarge(i.toULong())
            s += leLong(f, 0) + leLong(f, f.size - 8)
        }
        return s
    }

    private fun leLong(b: ByteArray, at: Int): Long = java.nio.ByteBuffer.wrap(b, at, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong()
}
