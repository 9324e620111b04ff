package dev.ferry.demo

import dev.ferry.FerryDiagnostics
import dev.ferry.RustPanicException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.system.exitProcess

private fun say(title: String) = println("\n\u001B[1m== $title\u001B[0m")
private fun explain(text: String) = println("   $text")

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

    say("6. Nothing leaked")
    explain("FerryDiagnostics: pendingCalls=${FerryDiagnostics.pendingCalls()}, liveObjects=${FerryDiagnostics.liveObjects()}, openStreams=${FerryDiagnostics.openStreams()}")
    val clean = FerryDiagnostics.pendingCalls() == 0L && after[1] - before[1] == 1uL
    println(if (clean) "\ndemo finished cleanly." else "\ndemo finished, but something was left behind.")
    if (!clean) exitProcess(1)
}
