package soak

import dev.ferry.FerryDiagnostics
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import soak.one.Ledger
import soak.one.blockingJob
import soak.one.endless
import soak.one.paced
import soak.one.park
import soak.one.stallAfter
import soak.one.work
import soak.two.Tally
import kotlin.system.exitProcess
import soak.two.park as twoPark
import soak.two.stallAfter as twoStallAfter
import soak.two.work as twoWork

/**
 * The child JVM of the System.exit check (scripts/soak.mjs starts it and watches it):
 * puts about a thousand async calls, a few Flows and objects in flight in both libraries,
 * with completions and stream batches still crossing the bridge, then calls
 * `System.exit(0)`. The process must exit with status 0, quickly, without a crash.
 */
fun exitChild(): Nothing {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val hour = 3_600_000_000u // µs: these calls are still sleeping in Rust at exit
    repeat(500) { i -> scope.launch { work(i.toULong(), hour) } }
    repeat(250) { scope.launch { park() } }
    repeat(100) { i -> scope.launch { twoWork(i.toULong(), hour) } }
    repeat(50) { scope.launch { twoPark() } }
    // Short calls issued back to back, so that completions are crossing at the moment of exit.
    repeat(100) { i -> scope.launch { while (isActive) work(i.toULong(), (i % 3 * 50).toUInt()) } }
    // Streams: items flowing (endless, paced) and streams parked in Rust (stalled).
    repeat(3) { scope.launch { endless().collect { } } }
    repeat(2) { scope.launch { while (isActive) paced(1_000u, 100u).collect { } } }
    repeat(3) { scope.launch { stallAfter(5u).collect { } } }
    repeat(2) { scope.launch { twoStallAfter(5u).collect { } } }
    // Objects with async methods in flight, and the blocking worker busy with a long job.
    val ledgers = List(8) { Ledger("exit", it.toLong()) }
    val tallies = List(4) { Tally(it.toULong()) }
    ledgers.forEach { l -> scope.launch { l.depositLater(1, hour) } }
    ledgers.forEach { l -> scope.launch { l.hold() } }
    tallies.forEach { t -> scope.launch { while (isActive) t.add(1u) } }
    repeat(2) { scope.launch { blockingJob(60_000_000u) } }

    val inFlight = eventually(5_000) {
        FerryDiagnostics.pendingCalls() >= 900 && FerryDiagnostics.openStreams() >= 8 && FerryDiagnostics.liveObjects() >= 12
    }
    println(
        "exit-child: ${if (inFlight) "work in flight" else "NOT ALL WORK STARTED"}: " +
            "pendingCalls=${FerryDiagnostics.pendingCalls()} openStreams=${FerryDiagnostics.openStreams()} " +
            "liveObjects=${FerryDiagnostics.liveObjects()}; calling System.exit(0)",
    )
    System.out.flush()
    if (!inFlight) exitProcess(3)
    System.exit(0)
    error("System.exit returned")
}
