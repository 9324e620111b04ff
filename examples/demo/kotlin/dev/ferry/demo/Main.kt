package dev.ferry.demo

import dev.ferry.FerryDiagnostics
import dev.ferry.RustPanicException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.milliseconds

private fun say(title: String) = println("\n\u001B[1m== $title\u001B[0m")
private fun explain(text: String) = println("   $text")

/** [v] with [digits] decimals (common Kotlin has no String.format). */
private fun fixed(v: Double, digits: Int): String {
    var scale = 1L
    repeat(digits) { scale *= 10 }
    val n = kotlin.math.round(v * scale).toLong()
    return "${n / scale}.${(n % scale).toString().padStart(digits, '0')}"
}

fun main() = runBlocking {
    println("ferry demo: a Kotlin program calling a Tokio networking library written in Rust.")

    say("1. An async Rust function is a Kotlin suspend function")
    val port = startEchoServer()
    explain("startEchoServer() bound a TCP listener inside ferry's Tokio runtime: 127.0.0.1:$port")
    val ping = ping(port, "héllo, wörld 😀")
    explain("ping() -> Ping(reply=\"${ping.reply}\", roundTrip=${ping.roundTrip})")
    explain("The Rust record became a Kotlin data class; std::time::Duration became kotlin.time.Duration.")

    say("2. Many calls in flight, no thread blocked")
    val count = 100u
    val summary = pingMany(port, count)
    explain("pingMany($count) ran $count TCP round trips as Tokio tasks: ${summary.pings} pings, ${summary.bytesEchoed} bytes echoed,")
    explain("slowest ${summary.slowest}, all done in ${summary.elapsed}. This coroutine was suspended, not blocking a thread.")

    say("3. A Rust error is a typed Kotlin exception")
    try {
        ping(1u, "anyone there?")
        explain("unexpected: port 1 answered")
    } catch (e: NetError.ConnectionRefused) {
        explain("caught NetError.ConnectionRefused(port=${e.port}): \"${e.message}\"")
    } catch (e: NetError) {
        explain("caught ${e::class.simpleName}: ${e.message}")
    }

    say("4. A Rust panic is an exception, and the process keeps running")
    try {
        divide(7, 0)
    } catch (e: RustPanicException) {
        explain("caught RustPanicException: \"${e.message}\"")
    }
    explain("divide(7, 2) = ${divide(7, 2)}; checksum(\"ferry\") = 0x${checksum("ferry".encodeToByteArray()).toString(16)}")

    say("5. A timeout cancels the Rust work")
    val before = jobStats()
    try {
        withTimeout(350) { longJob(50u) }
    } catch (e: TimeoutCancellationException) {
        explain("withTimeout(350 ms) cancelled longJob(50 steps of 100 ms) after ~3 steps")
    }
    delay(150) // longer than one step: a job that kept running would show more steps
    val after = jobStats()
    explain("steps done: ${after[0] - before[0]} (not 50); Rust futures dropped: ${after[1] - before[1]}")
    explain("Cancelling the coroutine dropped the Rust future at its next await and cancelled its token.")

    say("6. A Rust object is an AutoCloseable Kotlin class")
    val countersBefore = counters()
    val liveBefore = FerryDiagnostics.liveObjects()
    val client = EchoClient(port)
    explain("EchoClient(port) ran Rust's EchoClient::new; Kotlin holds a handle: liveObjects went $liveBefore -> ${FerryDiagnostics.liveObjects()}.")
    client.use {
        val first = it.send("first message")
        val second = it.send("second message")
        explain("send() is an async Rust method, a suspend fun here: \"${first.reply}\" (${first.roundTrip}), \"${second.reply}\" (${second.roundTrip})")
        val stats = it.stats()
        explain("stats() is a sync method: ${stats.messages} messages, ${stats.bytes} bytes over ${stats.connections} connection, kept open in Rust between calls.")
    }
    explain("use { } closed it: liveObjects=${FerryDiagnostics.liveObjects()}, and the Rust value's Drop ran (EchoClients dropped: ${counters().clientsDropped - countersBefore.clientsDropped}).")
    try {
        client.stats()
        explain("unexpected: a closed EchoClient answered")
    } catch (e: IllegalStateException) {
        explain("calling it after close throws IllegalStateException: \"${e.message}\"; close() itself is idempotent: ${runCatching { client.close() }.isSuccess}")
    }

    say("7. A Rust stream is a cold Kotlin Flow")
    val progress = transfer(port, chunks = 5u, chunkKib = 64u, pause = 30.milliseconds)
    explain("transfer() returned a Flow<Progress> without running any Rust; collect starts the Rust stream:")
    progress.collect { p ->
        explain("  chunk ${p.chunk}/${p.chunks}: ${p.bytes / 1024u} KiB sent and echoed back over loopback, ${p.elapsed}")
    }
    explain("Rust polls the stream only while the collector has credit (-Dferry.stream.window, default 1024 items ahead):")
    explain("a slow collector never makes Rust buffer without bound, and no item is ever dropped.")
    val echoedBefore = counters().chunksEchoed
    val droppedBefore = counters().transfersDropped
    val firstThree = transfer(port, chunks = 1000u, chunkKib = 64u, pause = 30.milliseconds).take(3).toList()
    // The Rust side drops the stream on its Tokio task right after take(3) cancels the collection.
    withTimeoutOrNull(1000) { while (FerryDiagnostics.openStreams() != 0L || counters().transfersDropped == droppedBefore) delay(5) }
    delay(100) // a few pauses' worth: a transfer that kept running would echo more chunks
    val afterTake = counters()
    explain("take(3) of a 1000-chunk transfer got chunks ${firstThree.map { it.chunk }}, then cancelled the collection:")
    explain("the Rust stream was dropped (Drops: ${afterTake.transfersDropped - droppedBefore}, openStreams=${FerryDiagnostics.openStreams()}) after echoing ${afterTake.chunksEchoed - echoedBefore} chunks, not 1000.")
    try {
        transfer(1u, chunks = 3u, chunkKib = 1u, pause = 0.milliseconds).collect { }
    } catch (e: NetError.ConnectionRefused) {
        explain("A Result item's Err ends the Flow with a typed exception: NetError.ConnectionRefused \"${e.message}\"")
    }

    say("8. Rust calls Kotlin: a trait implemented in Kotlin, and a Kotlin Flow read by Rust")
    val lines = mutableListOf<String>()
    val platform = object : Platform {
        override fun log(line: String) {
            lines.add(line)
        }
        override suspend fun authToken(user: String): String {
            delay(20) // asking a keystore, say
            if (user == "mallory") throw NetError.ConnectionRefused(0u)
            return "t0k3n-for-$user"
        }
    }
    val signedIn = signIn(platform, port, "ada")
    explain("signIn() called the Kotlin logger, awaited the Kotlin suspend fun authToken(), and the server echoed \"${signedIn.reply}\".")
    lines.forEach { explain("  Kotlin logger got: $it") }
    try {
        signIn(platform, port, "mallory")
    } catch (e: NetError.ConnectionRefused) {
        explain("authToken() threw NetError.ConnectionRefused: Rust's `?` returned it as Err, and it reached this caller as the same exception.")
    }
    explain("Rust held the Kotlin object only while it needed it: liveCallbacks=${FerryDiagnostics.liveCallbacks()}.")

    // A Kotlin Flow handed to Rust as `impl Stream`: Rust pulls it while it uploads.
    var produced = 0
    var collectionEnded = false
    val endless = flow {
        try {
            while (true) emit(ByteArray(16 * 1024) { i -> (produced + i).toByte() }.also { produced++ })
        } finally {
            collectionEnded = true
        }
    }
    val uploaded = upload(port, endless, limit = 200u)
    withTimeoutOrNull(1000) { while (!collectionEnded) delay(5) }
    explain("upload() took an endless Kotlin Flow<ByteArray> as a Rust Stream: Rust sent ${uploaded.chunks} chunks (${uploaded.bytes / 1024u} KiB) to the echo server, checked every echo, then dropped the stream.")
    explain("Kotlin produced only as Rust pulled: $produced chunks in all, not an endless pile; dropping the stream cancelled the collection (its finally ran: $collectionEnded).")

    say("9. Frames without copies: a video gradient read in place")
    val (width, height, frameCount) = Triple(640, 360, 600)
    val video = gradient(frameCount.toUInt(), width.toUInt(), height.toUInt())
    explain("gradient() returned a FrameReader over ${video.slotCount} slots of ${video.slotSize} bytes: one allocation Rust writes into and Kotlin reads.")
    var frames = 0
    var wrong = 0
    val start = kotlin.time.TimeSource.Monotonic.markNow()
    video.frames().collect { frame ->
        // Pixel (0, 0) is i % 256 and pixel (w-1, h-1) is (w-1 + h-1 + i) % 256: read in place.
        val first = frame.getByte(0).toInt() and 0xff
        val last = frame.getByte(frame.size - 1).toInt() and 0xff
        if (first != (frames % 256) || last != ((width - 1 + height - 1 + frames) % 256)) wrong++
        frames++
    }
    val seconds = start.elapsedNow().inWholeMicroseconds / 1e6
    val bytes = frames.toLong() * width * height
    explain("$frames frames of ${width}x$height (${bytes / 1_000_000} MB) in ${fixed(seconds, 3)} s: ${(frames / seconds).toLong()} frames/s, ${fixed(bytes / seconds / 1e9, 2)} GB/s, $wrong wrong pixels.")
    explain("Nothing was copied: each frame was the ring's slot itself (Kotlin allocated no ByteArray for it), released when its")
    explain("collect block returned; Rust waited for a free slot when Kotlin was behind. openRings=${FerryDiagnostics.openRings()} after the collection.")

    say("10. Nothing leaked")
    explain("FerryDiagnostics: pendingCalls=${FerryDiagnostics.pendingCalls()}, liveObjects=${FerryDiagnostics.liveObjects()}, openStreams=${FerryDiagnostics.openStreams()}, liveCallbacks=${FerryDiagnostics.liveCallbacks()}, openRings=${FerryDiagnostics.openRings()}")
    val clean = wrong == 0 && frames == frameCount && FerryDiagnostics.openRings() == 0L && FerryDiagnostics.pendingCalls() == 0L && FerryDiagnostics.liveObjects() == 0L &&
        FerryDiagnostics.openStreams() == 0L && FerryDiagnostics.liveCallbacks() == 0L && after[1] - before[1] == 1uL && collectionEnded &&
        counters().clientsDropped - countersBefore.clientsDropped == 1uL
    println(if (clean) "\ndemo finished cleanly." else "\ndemo finished, but something was left behind.")
    if (!clean) exitProcess(1)
}
