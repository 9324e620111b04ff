package soak

import dev.ferry.FerryDiagnostics
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import soak.one.Ledger
import soak.one.rustCounts
import soak.one.scramble
import soak.two.Tally
import soak.two.mark
import soak.two.twoCounts
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.random.Random
import soak.one.FerryNative as OneNative
import soak.one.numbers as oneNumbers
import soak.one.park as onePark
import soak.one.stallAfter as oneStallAfter
import soak.one.work as oneWork
import soak.two.FerryNative as TwoNative
import soak.two.countTo as twoCountTo
import soak.two.park as twoPark
import soak.two.stallAfter as twoStallAfter
import soak.two.work as twoWork

/**
 * Two ferry libraries in one JVM (soak/crate and soak/crate2), each with its own Tokio
 * runtime and tables. Checks that every call, cancellation and diagnostic reaches the
 * library that owns it: exact per-library counts while work is parked in both, cancelling
 * one library's work leaves the other's untouched, and a concurrent mixed load on both at
 * once ends with both at 0.
 */
class TwoLibraries(private val seed: Long, private val mixedOps: Int) {
    private val problems = Problems()

    private class PerLibrary(val pending: Long, val objects: Long, val streams: Long) {
        override fun toString() = "pendingCalls=$pending liveObjects=$objects openStreams=$streams"
    }

    private fun one() = PerLibrary(OneNative.pendingCalls(), OneNative.liveObjects(), OneNative.openStreams())
    private fun two() = PerLibrary(TwoNative.pendingCalls(), TwoNative.liveObjects(), TwoNative.openStreams())

    private fun expect(what: String, one: Triple<Long, Long, Long>, two: Triple<Long, Long, Long>) {
        val a = one()
        val b = two()
        problems.check(Triple(a.pending, a.objects, a.streams) == one && Triple(b.pending, b.objects, b.streams) == two) {
            "$what: library one has $a (expected $one), library two has $b (expected $two)"
        }
    }

    fun run(): Boolean {
        val started = System.nanoTime()
        println("two libraries: ferry_soak (soak.one) and ferry_soak_two (soak.two) in one JVM, seed $seed")
        try {
            runBlocking(Dispatchers.Default) {
                withTimeout(120_000) {
                    // Load both, and check each answers with its own function.
                    problems.check(scramble(5u) == scrambleExpected(5u) && mark(5u) == markExpected(5u)) { "a library answered with the other's function" }
                    expect("before any work", Triple(0, 0, 0), Triple(0, 0, 0))
                    parkedCallsAreRoutedToTheirLibrary()
                    objectsAreCountedByTheirLibrary()
                    streamsAreCountedByTheirLibrary()
                    mixedLoadOnBothAtOnce()
                }
            }
        } catch (e: TimeoutCancellationException) {
            problems.add("the two-libraries check did not finish within 120 s (a hang?)")
        } catch (e: Throwable) {
            problems.unexpected("the two-libraries check", e)
        }
        val quiet = eventually(10_000) { BridgeCounters.read().allZero && one().let { it.pending + it.objects + it.streams } == 0L && two().let { it.pending + it.objects + it.streams } == 0L }
        problems.check(quiet) { "not at 0 at the end: library one ${one()}, library two ${two()}, ${BridgeCounters.read()}" }
        val rustOne = rustCounts()
        val rustTwo = twoCounts()
        problems.check(eventually(5_000) { rustCounts().let { it.ledgersAlive == 0L && it.streamsAlive == 0L && it.futuresAlive == 0L } && twoCounts().let { it.talliesAlive == 0L && it.streamsAlive == 0L } }) {
            "Rust values still alive: one ${rustCounts()}, two ${twoCounts()}"
        }
        problems.check(rustOne.parkedDroppedUncancelled == 0uL && rustTwo.parkedDroppedUncancelled == 0uL) { "parked futures dropped without their token cancelled: one $rustOne, two $rustTwo" }
        problems.check(rustOne.parkedDroppedCancelled == rustOne.parkedStarted && rustTwo.parkedDroppedCancelled == rustTwo.parkedStarted) {
            "parked futures not all cancelled: one ${rustOne.parkedStarted} started / ${rustOne.parkedDroppedCancelled} dropped, two ${rustTwo.parkedStarted} / ${rustTwo.parkedDroppedCancelled}"
        }
        println("  at the end: library one ${one()}, library two ${two()}, ${BridgeCounters.read()} (${"%.1f".format((System.nanoTime() - started) / 1e9)} s)")
        if (!problems.isEmpty) print("two libraries problems:\n${problems.report()}")
        return problems.isEmpty
    }

    /** 37 calls parked in library one, 23 in two: each library counts its own, and cancelling one side's leaves the other's parked. */
    private suspend fun parkedCallsAreRoutedToTheirLibrary() = coroutineScope {
        val oneBefore = rustCounts()
        val twoBefore = twoCounts()
        val oneJob = launch { repeat(37) { launch { onePark() } } }
        val twoJob = launch { repeat(23) { launch { twoPark() } } }
        problems.check(awaitCondition(5_000) { OneNative.pendingCalls() == 37L && TwoNative.pendingCalls() == 23L }) {
            "parked calls: library one ${one()}, library two ${two()} (expected 37 and 23 pending)"
        }
        problems.check(FerryDiagnostics.pendingCalls() == 60L) { "FerryDiagnostics.pendingCalls() = ${FerryDiagnostics.pendingCalls()}, expected 60 (the sum)" }
        problems.check(awaitCondition(5_000) { rustCounts().parkedStarted - oneBefore.parkedStarted == 37uL && twoCounts().parkedStarted - twoBefore.parkedStarted == 23uL }) {
            "Rust started ${rustCounts().parkedStarted - oneBefore.parkedStarted} parked futures in one (37 expected), ${twoCounts().parkedStarted - twoBefore.parkedStarted} in two (23 expected)"
        }

        twoJob.cancelAndJoin()
        // The counts are exact as soon as cancel returns (README, Diagnostics).
        expect("after cancelling library two's parked calls", Triple(37, 0, 0), Triple(0, 0, 0))
        problems.check(awaitCondition(5_000) { twoCounts().parkedDroppedCancelled - twoBefore.parkedDroppedCancelled == 23uL }) {
            "library two dropped ${twoCounts().parkedDroppedCancelled - twoBefore.parkedDroppedCancelled} of its 23 cancelled futures"
        }
        delay(50) // a cancellation routed to the wrong library would have landed by now
        problems.check(rustCounts().parkedDroppedCancelled == oneBefore.parkedDroppedCancelled && OneNative.pendingCalls() == 37L) {
            "cancelling library two's calls reached library one: ${rustCounts().parkedDroppedCancelled - oneBefore.parkedDroppedCancelled} of its futures dropped, ${one()}"
        }

        oneJob.cancelAndJoin()
        expect("after cancelling library one's parked calls", Triple(0, 0, 0), Triple(0, 0, 0))
        problems.check(awaitCondition(5_000) { rustCounts().parkedDroppedCancelled - oneBefore.parkedDroppedCancelled == 37uL }) {
            "library one dropped ${rustCounts().parkedDroppedCancelled - oneBefore.parkedDroppedCancelled} of its 37 cancelled futures"
        }
    }

    /** 5 ledgers in library one, 9 tallies in two, used at once; closing one side's leaves the other's. */
    private suspend fun objectsAreCountedByTheirLibrary() = coroutineScope {
        val ledgers = List(5) { Ledger("two-libraries", it.toLong()) }
        val tallies = List(9) { Tally(it.toULong()) }
        expect("with 5 ledgers and 9 tallies open", Triple(0, 5, 0), Triple(0, 9, 0))
        val deposits = ledgers.map { l -> async { List(20) { async { l.depositLater(1, 0u) } }.forEach { it.await() } } }
        val adds = tallies.map { t -> async { List(20) { async { t.add(2u) } }.forEach { it.await() } } }
        (deposits + adds).forEach { it.await() }
        ledgers.forEachIndexed { i, l -> problems.check(l.balance() == i + 20L) { "ledger $i holds ${l.balance()}, expected ${i + 20}" } }
        tallies.forEachIndexed { i, t -> problems.check(t.value() == i.toULong() + 40u) { "tally $i holds ${t.value()}, expected ${i + 40}" } }
        ledgers.forEach { it.close() }
        expect("after closing library one's objects", Triple(0, 0, 0), Triple(0, 9, 0))
        problems.check(twoCounts().talliesAlive == 9L) { "closing library one's objects dropped tallies of library two: ${twoCounts().talliesAlive} alive" }
        tallies.forEach { it.close() }
        expect("after closing library two's objects", Triple(0, 0, 0), Triple(0, 0, 0))
    }

    /** 3 stalled streams in library one, 4 in two; cancelling one side's collectors leaves the other's open. */
    private suspend fun streamsAreCountedByTheirLibrary() = coroutineScope {
        val oneItems = AtomicInteger()
        val twoItems = AtomicInteger()
        val oneJob = launch { repeat(3) { launch { oneStallAfter(2u).collect { oneItems.incrementAndGet() } } } }
        val twoJob = launch { repeat(4) { launch { twoStallAfter(3u).collect { twoItems.incrementAndGet() } } } }
        problems.check(awaitCondition(5_000) { oneItems.get() == 6 && twoItems.get() == 12 }) { "stalled streams delivered ${oneItems.get()}/6 and ${twoItems.get()}/12 items" }
        expect("with 3 and 4 stalled streams", Triple(0, 0, 3), Triple(0, 0, 4))
        oneJob.cancelAndJoin()
        expect("after cancelling library one's collectors", Triple(0, 0, 0), Triple(0, 0, 4))
        problems.check(awaitCondition(5_000) { rustCounts().streamsAlive == 0L }) { "library one's cancelled streams were not dropped (${rustCounts().streamsAlive} alive)" }
        delay(20)
        problems.check(twoCounts().streamsAlive == 4L) { "cancelling library one's collectors dropped streams of library two: ${twoCounts().streamsAlive} alive" }
        twoJob.cancelAndJoin()
        expect("after cancelling library two's collectors", Triple(0, 0, 0), Triple(0, 0, 0))
    }

    /** Random work on both libraries at once, about a third of the async calls cancelled. */
    private suspend fun mixedLoadOnBothAtOnce() {
        val rnd = Random(seed)
        val permits = Semaphore(64)
        val calls = AtomicLong()
        val cancelled = AtomicLong()
        val oneTotal = AtomicLong()
        val twoTotal = AtomicLong()
        Ledger("shared", 0).use { ledger ->
            Tally(0u).use { tally ->
                coroutineScope {
                    repeat(mixedOps) {
                        val opSeed = rnd.nextLong()
                        permits.acquire()
                        launch {
                            try {
                                mixedOp(Random(opSeed), ledger, tally, oneTotal, twoTotal, calls, cancelled)
                            } finally {
                                permits.release()
                            }
                        }
                    }
                }
                problems.check(ledger.balance() == oneTotal.get()) { "shared ledger holds ${ledger.balance()}, expected ${oneTotal.get()}" }
                problems.check(tally.value() == twoTotal.get().toULong()) { "shared tally holds ${tally.value()}, expected ${twoTotal.get()}" }
            }
        }
        println("  mixed load: ${grouped(calls.get())} calls on both libraries at once, ${grouped(cancelled.get())} cancelled")
    }

    private suspend fun mixedOp(
        rnd: Random,
        ledger: Ledger,
        tally: Tally,
        oneTotal: AtomicLong,
        twoTotal: AtomicLong,
        calls: AtomicLong,
        cancelled: AtomicLong,
    ) {
        val useOne = rnd.nextBoolean()
        calls.incrementAndGet()
        when (rnd.nextInt(6)) {
            0, 1 -> {
                val id = rnd.nextLong().toULong()
                val cancel = rnd.nextInt(3) == 0
                val delayUs = if (cancel) rnd.nextInt(300, 3_000).toUInt() else rnd.nextInt(0, 200).toUInt()
                val result = cancellable(rnd, cancel) { if (useOne) oneWork(id, delayUs) else twoWork(id, delayUs) }
                if (result == null) {
                    cancelled.incrementAndGet()
                } else {
                    val expected = if (useOne) scrambleExpected(id) else markExpected(id)
                    problems.check(result == expected) { "work($id) on library ${if (useOne) "one" else "two"} = $result, expected $expected" }
                }
            }
            2 -> {
                val r = cancellable(rnd, true) { if (useOne) onePark() else twoPark() }
                problems.check(r == null) { "park() returned $r" }
                cancelled.incrementAndGet()
            }
            3 -> {
                val amount = rnd.nextLong(1, 100)
                if (useOne) {
                    ledger.depositLater(amount, 0u)
                    oneTotal.addAndGet(amount)
                } else {
                    tally.add(amount.toULong())
                    twoTotal.addAndGet(amount)
                }
            }
            4 -> {
                val n = rnd.nextInt(0, 700)
                if (useOne) {
                    val items = oneNumbers(7u, n.toUInt()).toList()
                    problems.check(items == List(n) { 7uL + it.toULong() }) { "numbers(7, $n) on library one gave ${items.size} items" }
                } else {
                    val items = twoCountTo(n.toUInt()).toList()
                    problems.check(items == List(n) { it.toUInt() }) { "countTo($n) on library two gave ${items.size} items" }
                }
            }
            else -> {
                // A Flow left early: by take(), or by a timer while it stalls.
                val k = rnd.nextInt(1, 50)
                if (rnd.nextBoolean()) {
                    val items = if (useOne) oneStallAfter(k.toUInt()).take(k).toList() else twoStallAfter(k.toUInt()).take(k).toList()
                    problems.check(items == List(k) { it.toUInt() }) { "stallAfter($k).take($k) gave ${items.size} items" }
                } else {
                    val seen = AtomicInteger()
                    val ended = withTimeoutOrNull(rnd.nextLong(1, 5)) {
                        (if (useOne) oneStallAfter(k.toUInt()) else twoStallAfter(k.toUInt())).collect { seen.incrementAndGet() }
                    }
                    problems.check(ended == null && seen.get() <= k) { "a stalled stream ended ($ended) after ${seen.get()} items" }
                    cancelled.incrementAndGet()
                }
            }
        }
    }

    /** The call's result, or null when it was cancelled (by a timer or right after it started). */
    private suspend fun <T : Any> cancellable(rnd: Random, cancel: Boolean, call: suspend () -> T): T? {
        if (!cancel) return call()
        if (rnd.nextBoolean()) return withTimeoutOrNull(rnd.nextLong(1, 4)) { call() }
        return supervisorScope {
            val deferred = async(start = CoroutineStart.UNDISPATCHED) { call() }
            repeat(rnd.nextInt(0, 4)) { yield() }
            deferred.cancel()
            try {
                deferred.await()
            } catch (e: CancellationException) {
                currentCoroutineContext().ensureActive()
                null
            }
        }
    }
}
