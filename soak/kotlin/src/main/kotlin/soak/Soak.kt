package soak

import dev.ferry.RustPanicException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.isActive
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import soak.one.Ledger
import soak.one.SoakError
import soak.one.blockingJob
import soak.one.checked
import soak.one.checkedNow
import soak.one.combined
import soak.one.cursed
import soak.one.cursedAfter
import soak.one.echo
import soak.one.endless
import soak.one.explode
import soak.one.explodeNow
import soak.one.failAfter
import soak.one.numbers
import soak.one.numbersLater
import soak.one.paced
import soak.one.panicAfter
import soak.one.park
import soak.one.releaseFreeMemory
import soak.one.rustCounts
import soak.one.scramble
import soak.one.stallAfter
import soak.one.work
import java.util.concurrent.atomic.LongAdder
import kotlin.random.Random

class SoakOptions(
    /** Bridge calls to make (each async or sync call, constructor and Flow collection counts one). */
    val calls: Long,
    val seed: Long,
    /** Operations running at once; each makes one or several calls. */
    val inFlight: Int,
    /** Calls made before the first memory sample, so JIT, pools and caches have settled. */
    val warmupCalls: Long,
    val maxHeapGrowth: Long,
    val maxRssGrowth: Long,
    val maxThreadGrowth: Int,
    /** The whole run, a hang guard: not reaching the budget by then is a failure. */
    val deadlineSeconds: Long,
)

/** What the soak did, for the figures block. */
class Figures {
    val calls = LongAdder()
    val asyncCalls = LongAdder()
    val syncCalls = LongAdder()
    val collections = LongAdder()
    val cancelAttempts = LongAdder()
    val cancelled = LongAdder()
    val typedErrors = LongAdder()
    val panics = LongAdder()
    val objectsCreated = LongAdder()
    val objectsClosed = LongAdder()
    val objectsAbandoned = LongAdder()
    val closeDuringCall = LongAdder()
    val constructorErrors = LongAdder()
    val closedObjectCalls = LongAdder()
    val failedStarts = LongAdder()
    val flowsFull = LongAdder()
    val flowsTaken = LongAdder()
    val flowsCancelled = LongAdder()
    val flowsFailed = LongAdder()
    val flowsPanicked = LongAdder()
    val items = LongAdder()
    val parked = LongAdder()
    val blockingJobs = LongAdder()
    val blockingJobsCancelled = LongAdder()
    val siblingFailures = LongAdder()
}

private class SiblingFailure : Exception("a sibling failed on purpose")

/** Thrown where a Rust call returned although it can only end by cancellation. */
private fun neverReturns(what: String, value: Any?): Nothing = throw AssertionError("$what returned $value, but it can only end by cancellation")

class Soak(private val options: SoakOptions, private val flavor: String) {
    private val f = Figures()
    private val problems = Problems()
    private val scope = CoroutineScope(
        SupervisorJob() + Dispatchers.Default + CoroutineName("soak") +
            CoroutineExceptionHandler { _, e -> problems.unexpected("an exception escaped to the soak's scope", e) },
    )

    /** Closed ledgers, probed by one long-lived coroutine (see [probeClosedLedgers]). */
    private val closedLedgers = Channel<Ledger>(capacity = 256)

    /** Parked calls made by [retainedPerCall] (not part of the randomized figures). */
    @Volatile private var burstParked = 0L

    /** Work for the long-lived caller (see [retainedPerCall]), with the signal that it is done. */
    private val bursts = Channel<Pair<suspend () -> Unit, CompletableDeferred<Unit>>>()

    private class Op(val name: String, val weight: Int, val run: suspend Soak.(Random) -> Unit)

    private val ops = listOf(
        Op("async work", 24) { asyncWork(it) },
        Op("async checked", 8) { asyncChecked(it) },
        Op("async panic", 2) { asyncPanic(it) },
        Op("sync calls", 18) { syncCalls(it) },
        Op("ledger lifecycle", 14) { ledgerLifecycle(it) },
        Op("flows", 16) { flows(it) },
        Op("park until cancelled", 4) { parkUntilCancelled(it) },
        Op("blocking job", 4) { blockingJobOp(it) },
        Op("failing sibling", 3) { failingSibling(it) },
        Op("constructor error", 3) { constructorError(it) },
    )
    private val totalWeight = ops.sumOf { it.weight }

    private fun pick(rnd: Random): Op {
        var x = rnd.nextInt(totalWeight)
        for (op in ops) {
            if (x < op.weight) return op
            x -= op.weight
        }
        error("unreachable")
    }

    /** Runs the soak; prints the figures; returns true when it passed. */
    fun run(): Boolean {
        val started = System.nanoTime()
        println("soak: seed ${options.seed}, ${grouped(options.calls)} calls, ${options.inFlight} operations in flight, Tokio $flavor")
        val deadline = started + options.deadlineSeconds * 1_000_000_000
        val prober = scope.launch(CoroutineName("closed-object prober")) { probeClosedLedgers() }
        val longLivedCaller = scope.launch(CoroutineName("long-lived caller")) {
            for ((burst, done) in bursts) {
                try {
                    burst()
                    done.complete(Unit)
                } catch (e: Throwable) {
                    done.completeExceptionally(e)
                }
            }
        }
        val driverRandom = Random(options.seed)
        val permits = Semaphore(options.inFlight)
        var nextProgress = options.calls / 10

        fun drive(untilCalls: Long) = kotlinx.coroutines.runBlocking {
            while (f.calls.sum() < untilCalls) {
                if (System.nanoTime() > deadline) {
                    problems.add("the call budget was not reached within ${options.deadlineSeconds} s (${grouped(f.calls.sum())} calls made)")
                    break
                }
                permits.acquire()
                val op = pick(driverRandom)
                val opRandom = Random(driverRandom.nextLong())
                scope.launch {
                    try {
                        withTimeout(OP_DEADLINE_MS) { op.run(this@Soak, opRandom) }
                    } catch (e: TimeoutCancellationException) {
                        problems.add("operation '${op.name}' did not finish within $OP_DEADLINE_MS ms (a hang?)")
                    } catch (e: CancellationException) {
                        // Nothing cancels an operation from outside while it runs: this one leaked out of a call.
                        if (isActive) problems.unexpected("operation '${op.name}'", e) else throw e
                    } catch (e: Throwable) {
                        problems.unexpected("operation '${op.name}'", e)
                    } finally {
                        permits.release()
                    }
                }
                val calls = f.calls.sum()
                if (calls >= nextProgress) {
                    println("  ... ${grouped(calls)} calls, ${"%.1f".format((System.nanoTime() - started) / 1e9)} s, ${BridgeCounters.read()}")
                    nextProgress += options.calls / 10
                }
            }
            // Wait for every operation in flight: holding all permits means none is left.
            repeat(options.inFlight) { permits.acquire() }
            repeat(options.inFlight) { permits.release() }
        }

        drive(options.warmupCalls)
        val warmQuiet = quiesce("after the warm-up")
        val warm = ProcessSample.take(::releaseFreeMemory)
        val warmCalls = f.calls.sum()
        val mainStarted = System.nanoTime()
        drive(options.calls)
        val mainSeconds = (System.nanoTime() - mainStarted) / 1e9
        val endQuiet = quiesce("at the end")
        val end = ProcessSample.take(::releaseFreeMemory)
        val retained = retainedPerCall()
        kotlinx.coroutines.runBlocking {
            prober.cancelAndJoin()
            longLivedCaller.cancelAndJoin()
        }
        problems.check(quiesce("after the long-lived caller's bursts")) { "the leak counters did not reach 0 after the bursts" }
        scope.cancel()
        val seconds = (System.nanoTime() - started) / 1e9

        val heapGrowth = end.heapUsed - warm.heapUsed
        val rssGrowth = end.rss - warm.rss
        val threadGrowth = end.jvmThreads - warm.jvmThreads
        problems.check(warmQuiet && endQuiet) { "the leak counters did not reach 0 (see above)" }
        problems.check(heapGrowth < options.maxHeapGrowth) { "heap grew by ${mib(heapGrowth)}, bound ${mib(options.maxHeapGrowth)}" }
        problems.check(rssGrowth < options.maxRssGrowth) { "RSS grew by ${mib(rssGrowth)}, bound ${mib(options.maxRssGrowth)}" }
        problems.check(threadGrowth <= options.maxThreadGrowth) { "live threads grew by $threadGrowth, bound ${options.maxThreadGrowth}" }
        for ((what, bytes) in retained) {
            problems.check(bytes < MAX_RETAINED_PER_CALL) { "a long-lived coroutine keeps $bytes bytes of heap per $what (bound $MAX_RETAINED_PER_CALL)" }
        }
        checkRustCounts()

        val rust = rustCounts()
        val asyncCalls = f.asyncCalls.sum()
        fun pct(part: Long, whole: Long) = if (whole == 0L) "0 %" else "%.1f %%".format(100.0 * part / whole)
        println(
            """
            |soak figures (seed ${options.seed}, Tokio $flavor, ${options.inFlight} operations in flight)
            |  calls               ${grouped(f.calls.sum())} in ${"%.1f".format(seconds)} s (${grouped(((f.calls.sum() - warmCalls) / mainSeconds).toLong())} calls/s after the warm-up of ${grouped(warmCalls)})
            |    async             ${grouped(asyncCalls)}, cancelled ${grouped(f.cancelled.sum())} (${pct(f.cancelled.sum(), asyncCalls)}; ${grouped(f.cancelAttempts.sum())} cancel attempts at random moments, ${grouped(f.siblingFailures.sum())} failing siblings)
            |    sync              ${grouped(f.syncCalls.sum())}
            |    flow collections  ${grouped(f.collections.sum())}: full ${grouped(f.flowsFull.sum())}, cut by take ${grouped(f.flowsTaken.sum())}, cancelled mid-way ${grouped(f.flowsCancelled.sum())}, ended by Err ${grouped(f.flowsFailed.sum())}, by panic ${grouped(f.flowsPanicked.sum())}; ${grouped(f.items.sum())} items
            |  typed errors        ${grouped(f.typedErrors.sum())} (${grouped(f.constructorErrors.sum())} from constructors)
            |  panics              ${grouped(f.panics.sum())} (RustPanicException)
            |  objects             created ${grouped(f.objectsCreated.sum())}, closed ${grouped(f.objectsClosed.sum())} (${grouped(f.closeDuringCall.sum())} while a call ran), left to the reclaimer ${grouped(f.objectsAbandoned.sum())}
            |    closed-object calls ${grouped(f.closedObjectCalls.sum())} IllegalStateException (thrown in Kotlin: they never reach Rust), ${grouped(f.failedStarts.sum())} of them failed async starts
            |  cancellation tokens park/hold ${grouped(f.parked.sum())} + ${grouped(burstParked)} in the long-lived caller (Rust: ${grouped(rust.parkedStarted.toLong())} started, ${grouped(rust.parkedDroppedCancelled.toLong())} dropped with the token cancelled, ${rust.parkedDroppedUncancelled} without)
            |    blocking jobs     ${grouped(f.blockingJobs.sum())}, ${grouped(f.blockingJobsCancelled.sum())} cancelled by Kotlin; Rust: ${grouped(rust.jobsStoppedByToken.toLong())} stopped by their token, ${grouped(rust.jobsFinished.toLong())} ran their budget
            |  process             after warm-up    at end           growth       bound
            |    heap used         ${mib(warm.heapUsed).padEnd(16)} ${mib(end.heapUsed).padEnd(16)} ${signedMib(heapGrowth).padEnd(12)} < ${mib(options.maxHeapGrowth)}
            |    RSS               ${mib(warm.rss).padEnd(16)} ${mib(end.rss).padEnd(16)} ${signedMib(rssGrowth).padEnd(12)} < ${mib(options.maxRssGrowth)}
            |    JVM threads       ${warm.jvmThreads.toString().padEnd(16)} ${end.jvmThreads.toString().padEnd(16)} ${"%+d".format(threadGrowth).padEnd(12)} <= ${options.maxThreadGrowth}
            |    OS threads        ${warm.osThreads.toString().padEnd(16)} ${end.osThreads.toString().padEnd(16)} ${"%+d".format(end.osThreads - warm.osThreads).padEnd(12)} (reported only: includes the JVM's own compiler threads)
            |  long-lived caller   heap kept per call, ${grouped(BURST_CALLS.toLong())} calls each in one coroutine (bound < $MAX_RETAINED_PER_CALL bytes): ${retained.joinToString(", ") { "${it.first} ${it.second} B" }}
            |  counters at end     ${BridgeCounters.read()}; Rust alive: futures ${rust.futuresAlive}, ledgers ${rust.ledgersAlive}, streams ${rust.streamsAlive}
            """.trimMargin(),
        )
        if (!problems.isEmpty) print("soak problems:\n${problems.report()}")
        return problems.isEmpty
    }

    /**
     * Waits (bounded) for every counter to reach 0. Ledgers left without close() are
     * released by the reclaimer after a collection, hence the collections while waiting.
     */
    private fun quiesce(`when`: String): Boolean {
        var lastGc = 0L
        val ok = eventually(QUIESCE_MS, poll = {
            if (System.nanoTime() - lastGc > 100_000_000) {
                System.gc()
                lastGc = System.nanoTime()
            }
        }) {
            val rust = rustCounts()
            BridgeCounters.read().allZero && rust.futuresAlive == 0L && rust.ledgersAlive == 0L && rust.streamsAlive == 0L &&
                rust.parkedStarted == rust.parkedDroppedCancelled + rust.parkedDroppedUncancelled
        }
        if (!ok) {
            val rust = rustCounts()
            problems.add(
                "counters not at 0 within $QUIESCE_MS ms $`when`: ${BridgeCounters.read()}; " +
                    "Rust alive: futures ${rust.futuresAlive}, ledgers ${rust.ledgersAlive}, streams ${rust.streamsAlive}, " +
                    "parked ${rust.parkedStarted - rust.parkedDroppedCancelled - rust.parkedDroppedUncancelled}",
            )
        }
        return ok
    }

    /**
     * What one coroutine that lives for the whole program keeps per call it makes: calls
     * that complete, calls cancelled right after they start, and calls whose start fails
     * (on a closed object). Each kind runs [BURST_CALLS] times in the same long-lived Job,
     * between two heap samples; anything a call leaves attached to its caller's Job (a
     * cancellation handler, a child) shows as bytes per call.
     */
    private fun retainedPerCall(): List<Pair<String, Long>> {
        val closed = Ledger("closed", 0).also { it.close() }
        val kinds = listOf<Pair<String, suspend () -> Unit>>(
            "completed call" to {
                repeat(BURST_CALLS) { problems.check(work(it.toULong(), 0u) == scrambleExpected(it.toULong())) { "work($it) in a burst" } }
            },
            "cancelled call" to {
                burstParked += BURST_CALLS
                coroutineScope {
                    repeat(BURST_CALLS) {
                        val call = async(start = CoroutineStart.UNDISPATCHED) { park() }
                        call.cancelAndJoin()
                    }
                }
            },
            "failed start" to {
                repeat(BURST_CALLS) {
                    try {
                        closed.depositLater(1, 0u)
                        problems.add("depositLater on a closed ledger returned")
                    } catch (e: IllegalStateException) {
                        // expected: the call cannot start
                    }
                }
            },
        )
        return kinds.map { (what, burst) ->
            val before = ProcessSample.take().heapUsed
            kotlinx.coroutines.runBlocking {
                val done = CompletableDeferred<Unit>()
                bursts.send(burst to done)
                withTimeout(OP_DEADLINE_MS * 3) { done.await() }
            }
            val after = ProcessSample.take().heapUsed
            what to (after - before) / BURST_CALLS
        }
    }

    private fun checkRustCounts() {
        val rust = rustCounts()
        problems.check(rust.parkedDroppedUncancelled == 0uL) { "${rust.parkedDroppedUncancelled} parked futures were dropped without their CancellationToken cancelled" }
        problems.check(rust.parkedDroppedCancelled == rust.parkedStarted) {
            "parked futures: ${rust.parkedStarted} started, ${rust.parkedDroppedCancelled} dropped with the token cancelled"
        }
        problems.check(rust.parkedStarted.toLong() in 1..f.parked.sum() + burstParked) { "Rust started ${rust.parkedStarted} parked futures for ${f.parked.sum() + burstParked} calls" }
        problems.check(rust.jobsStoppedByToken.toLong() <= f.blockingJobsCancelled.sum()) {
            "${rust.jobsStoppedByToken} blocking jobs saw a cancelled token, but Kotlin cancelled only ${f.blockingJobsCancelled.sum()}"
        }
        // Cancelled jobs run up to 2 ms: with hundreds cancelled after ≤ 3 ms, some must still have been running.
        problems.check(f.blockingJobsCancelled.sum() < 100 || rust.jobsStoppedByToken > 0uL) {
            "none of ${f.blockingJobsCancelled.sum()} cancelled blocking jobs saw its CancellationToken cancelled"
        }
        problems.check(f.cancelled.sum() > 0 && f.failedStarts.sum() > 0 && f.objectsAbandoned.sum() > 0) { "a part of the soak never happened" }
    }

    // ------------------------------------------------------------ calls

    /**
     * Makes one async call. With [cancel], cancels it at a random moment: by a timer, right
     * after it started, after a few yields, or after a short spin. Returns null when the
     * caller was cancelled before the result arrived.
     */
    private suspend fun <T : Any> asyncCall(rnd: Random, cancel: Boolean, call: suspend () -> T): T? {
        f.calls.increment()
        f.asyncCalls.increment()
        if (!cancel) {
            try {
                return call()
            } catch (e: CancellationException) {
                f.cancelled.increment() // a failing sibling or the watchdog
                throw e
            }
        }
        f.cancelAttempts.increment()
        val mode = rnd.nextInt(4)
        val result: T? = if (mode == 0) {
            withTimeoutOrNull(rnd.nextLong(1, 4)) { call() }
        } else {
            supervisorScope {
                val deferred = async(start = if (mode == 1) CoroutineStart.UNDISPATCHED else CoroutineStart.DEFAULT) { call() }
                when (mode) {
                    2 -> repeat(rnd.nextInt(1, 8)) { yield() }
                    3 -> spin(rnd.nextLong(0, 400_000))
                }
                deferred.cancel()
                try {
                    deferred.await()
                } catch (e: CancellationException) {
                    currentCoroutineContext().ensureActive() // our own cancellation is not this call's
                    null
                }
            }
        }
        if (result == null) f.cancelled.increment()
        return result
    }

    private fun spin(nanos: Long) {
        val until = System.nanoTime() + nanos
        while (System.nanoTime() < until) Thread.onSpinWait()
    }

    private inline fun <T> syncCall(call: () -> T): T {
        f.calls.increment()
        f.syncCalls.increment()
        return call()
    }

    /** A short delay for a call that is not cancelled on purpose (0: Rust yields once). */
    private fun shortDelay(rnd: Random): UInt = SHORT_DELAYS_US[rnd.nextInt(SHORT_DELAYS_US.size)]

    /** A delay long enough that a cancellation at a random moment usually lands while Rust waits. */
    private fun cancellableDelay(rnd: Random): UInt = rnd.nextInt(300, 4_000).toUInt()

    private suspend fun asyncWork(rnd: Random) {
        val id = rnd.nextLong().toULong()
        val cancel = rnd.nextDouble() < CANCEL_SHARE
        val delayUs = if (cancel) cancellableDelay(rnd) else shortDelay(rnd)
        val result = asyncCall(rnd, cancel) { work(id, delayUs) } ?: return
        problems.check(result == scrambleExpected(id)) { "work($id) = $result, expected ${scrambleExpected(id)}" }
    }

    private suspend fun asyncChecked(rnd: Random) {
        val value = rnd.nextLong(-1_000, 1_000)
        val cancel = rnd.nextDouble() < CANCEL_SHARE
        val delayUs = if (cancel) cancellableDelay(rnd) else shortDelay(rnd)
        try {
            val result = asyncCall(rnd, cancel) { checked(value, delayUs) } ?: return
            problems.check(value >= 0 && result == value) { "checked($value) returned $result" }
        } catch (e: SoakError.Negative) {
            f.typedErrors.increment()
            problems.check(value < 0 && e.value == value && e.message == "negative value $value") { "checked($value) threw $e" }
        }
    }

    private suspend fun asyncPanic(rnd: Random) {
        val message = "p${rnd.nextInt(1_000_000)}"
        // A panic in the async fn itself, or in the error's Display while its Err is encoded.
        val cursed = rnd.nextInt(3) == 0
        try {
            val r = asyncCall(rnd, false) { if (cursed) cursed(message) else explode(message) }
            problems.add("${if (cursed) "cursed" else "explode"}($message) returned $r")
        } catch (e: RustPanicException) {
            f.panics.increment()
            val expected = if (cursed) "soak Display panic: $message" else "soak async panic: $message"
            problems.check(e.message?.contains(expected) == true) { "panic message: ${e.message}, expected it to contain '$expected'" }
        }
    }

    private fun syncCalls(rnd: Random) {
        repeat(rnd.nextInt(1, 6)) {
            when (rnd.nextInt(10)) {
                in 0..3 -> {
                    val x = rnd.nextLong().toULong()
                    val r = syncCall { scramble(x) }
                    problems.check(r == scrambleExpected(x)) { "scramble($x) = $r" }
                }
                in 4..6 -> {
                    val text = randomText(rnd)
                    val r = syncCall { echo(text) }
                    problems.check(r == text) { "echo changed ${text.codePoints().toArray().toList()} into ${r.codePoints().toArray().toList()}" }
                }
                in 7..8 -> {
                    val value = rnd.nextLong(-500, 500)
                    try {
                        val r = syncCall { checkedNow(value) }
                        problems.check(value >= 0 && r == value) { "checkedNow($value) returned $r" }
                    } catch (e: SoakError.Negative) {
                        f.typedErrors.increment()
                        problems.check(value < 0 && e.value == value) { "checkedNow($value) threw $e" }
                    }
                }
                else -> {
                    val message = "s${rnd.nextInt(1_000_000)}"
                    try {
                        val r = syncCall { explodeNow(message) }
                        problems.add("explodeNow($message) returned $r")
                    } catch (e: RustPanicException) {
                        f.panics.increment()
                        problems.check(e.message?.contains("soak sync panic: $message") == true) { "panic message: ${e.message}" }
                    }
                }
            }
        }
    }

    private fun randomText(rnd: Random): String {
        val sb = StringBuilder()
        repeat(rnd.nextInt(0, 48)) {
            when (rnd.nextInt(6)) {
                0 -> sb.append('\u0000')
                1, 2 -> sb.append('a' + rnd.nextInt(26))
                3 -> sb.append(rnd.nextInt(0x80, 0x800).toChar())
                4 -> sb.append(rnd.nextInt(0x800, 0xD800).toChar())
                else -> sb.appendCodePoint(rnd.nextInt(0x10000, 0x110000))
            }
        }
        return sb.toString()
    }

    // ------------------------------------------------------------ objects

    private fun newLedger(owner: String, opening: Long): Ledger {
        val ledger = syncCall { Ledger(owner, opening) }
        f.objectsCreated.increment()
        return ledger
    }

    private fun close(ledger: Ledger) {
        ledger.close()
        f.objectsClosed.increment()
    }

    private suspend fun ledgerLifecycle(rnd: Random) {
        val owner = "owner${rnd.nextInt(1_000_000)}"
        val opening = rnd.nextLong(0, 10_000)
        val ledger: Ledger = when (rnd.nextInt(3)) {
            0 -> newLedger(owner, opening)
            1 -> {
                // An object handle in an async result, sometimes raced by a cancellation.
                val cancel = rnd.nextDouble() < CANCEL_SHARE
                val delayUs = if (cancel) cancellableDelay(rnd) else shortDelay(rnd)
                asyncCall(rnd, cancel) { Ledger.openLater(owner, opening, delayUs) }
                    ?.also { f.objectsCreated.increment() } ?: return
            }
            else -> {
                // Objects inside a Vec: three parts sharing the parent's balance.
                val parts = newLedger(owner, opening * 3).use { parent ->
                    f.objectsClosed.increment()
                    syncCall { parent.split(3u) }
                }
                f.objectsCreated.add(3)
                parts.drop(1).forEach { part -> if (rnd.nextBoolean()) close(part) else f.objectsAbandoned.increment() }
                parts[0]
            }
        }
        problems.check(syncCall { ledger.owner() }.startsWith(owner)) { "ledger owner ${ledger.owner()} does not start with $owner" }
        problems.check(syncCall { ledger.balance() } == opening) { "a new ledger holds ${ledger.balance()}, expected $opening" }

        // Several coroutines use the object at once.
        val amounts = List(rnd.nextInt(2, 7)) { rnd.nextLong(1, 500) }
        coroutineScope {
            amounts.forEachIndexed { i, amount ->
                val delayUs = shortDelay(rnd)
                launch {
                    if (i % 2 == 0) syncCall { ledger.deposit(amount) } else asyncCall(rnd, false) { ledger.depositLater(amount, delayUs) }
                }
            }
        }
        var balance = opening + amounts.sum()
        problems.check(syncCall { ledger.balance() } == balance) { "balance ${ledger.balance()} after deposits, expected $balance" }

        when (rnd.nextInt(5)) {
            0 -> try {
                asyncCall(rnd, false) { ledger.withdraw(balance + 1) }
                problems.add("withdrawing more than the balance succeeded")
            } catch (e: SoakError.Insufficient) {
                f.typedErrors.increment()
                problems.check(e.balance == balance && e.wanted == balance + 1) { "Insufficient(${e.balance}, ${e.wanted}) for balance $balance" }
            }
            1 -> {
                val r = asyncCall(rnd, false) { ledger.withdraw(balance / 2) }
                balance -= balance / 2
                problems.check(r == balance) { "withdraw left $r, expected $balance" }
            }
            2 -> {
                val n = rnd.nextInt(0, 1_500)
                val items = collection { ledger.projections(n.toUInt()).toList() }
                f.flowsFull.increment()
                f.items.add(items.size.toLong())
                problems.check(items == List(n) { balance + it }) { "projections($n) of $balance gave ${items.size} items: ${items.take(5)}..." }
            }
            3 -> {
                f.parked.increment()
                asyncCall(rnd, true) { ledger.hold() }?.let { neverReturns("Ledger.hold", it) }
            }
            else -> {
                val other = newLedger("other", 7)
                other.use { problems.check(syncCall { combined(ledger, it) } == balance + 7) { "combined(...) != ${balance + 7}" } }
                f.objectsClosed.increment()
            }
        }

        when (rnd.nextInt(10)) {
            in 0..2 -> f.objectsAbandoned.increment() // never closed: the reclaimer releases it
            3 -> closeDuringCall(ledger, balance, rnd)
            else -> close(ledger)
        }
        if (ledger.isClosed) {
            expectClosed("balance()") { ledger.balance() }
            expectClosed("depositLater()", failedStart = true) { ledger.depositLater(1, 0u) }
            if (rnd.nextBoolean()) expectClosed("projections()") { ledger.projections(3u).toList() }
            closedLedgers.trySend(ledger)
        }
    }

    /** Closes the ledger while an async method may be running on it: the call keeps the value alive. */
    private suspend fun closeDuringCall(ledger: Ledger, balance: Long, rnd: Random) = supervisorScope {
        val delayUs = rnd.nextInt(0, 2_000).toUInt()
        val call = async { asyncCall(rnd, false) { ledger.depositLater(5, delayUs) } }
        repeat(rnd.nextInt(0, 3)) { yield() }
        close(ledger)
        f.closeDuringCall.increment()
        try {
            val r = call.await()
            problems.check(r == balance + 5) { "a call in flight while closing returned $r, expected ${balance + 5}" }
        } catch (e: IllegalStateException) {
            // close() came first: the call never started.
            f.closedObjectCalls.increment()
            f.failedStarts.increment()
        }
    }

    private suspend fun expectClosed(what: String, failedStart: Boolean = false, call: suspend () -> Any?) {
        f.calls.increment()
        try {
            val r = call()
            problems.add("$what on a closed ledger returned $r")
        } catch (e: IllegalStateException) {
            f.closedObjectCalls.increment()
            if (failedStart) f.failedStarts.increment()
        }
    }

    /**
     * One coroutine for the whole run makes async calls on closed ledgers: each start
     * fails, and whatever a failed start leaves attached to its caller's Job accumulates
     * here, where the heap figures see it.
     */
    private suspend fun probeClosedLedgers() {
        for (ledger in closedLedgers) {
            repeat(4) { expectClosed("depositLater() (prober)", failedStart = true) { ledger.depositLater(1, 0u) } }
            expectClosed("deposit() (prober)") { ledger.deposit(1) }
        }
    }

    private fun constructorError(rnd: Random) {
        val opening = -rnd.nextLong(1, 1_000)
        try {
            syncCall { Ledger("negative", opening) }.close()
            problems.add("Ledger(opening = $opening) was constructed")
        } catch (e: SoakError.Negative) {
            f.typedErrors.increment()
            f.constructorErrors.increment()
            problems.check(e.value == opening) { "constructor error value ${e.value}, expected $opening" }
        }
    }

    // ------------------------------------------------------------ flows

    private inline fun <T> collection(collect: () -> T): T {
        f.calls.increment()
        f.collections.increment()
        return collect()
    }

    private suspend fun flows(rnd: Random) {
        when (rnd.nextInt(8)) {
            0, 1 -> {
                val start = rnd.nextLong(0, 1L shl 40).toULong()
                val n = rnd.nextInt(0, 3_000)
                val items = collection { numbers(start, n.toUInt()).toList() }
                f.flowsFull.increment()
                f.items.add(items.size.toLong())
                problems.check(items == List(n) { start + it.toULong() }) { "numbers($start, $n) gave ${items.size} items" }
            }
            2 -> {
                val k = rnd.nextInt(1, 2_500)
                val items = collection { endless().take(k).toList() }
                f.flowsTaken.increment()
                f.items.add(items.size.toLong())
                problems.check(items == List(k) { it.toULong() }) { "endless().take($k) gave ${items.size} items" }
            }
            3 -> {
                // Cancelled mid-way by its job, once it has seen every item there is.
                val k = rnd.nextInt(1, 600)
                val seen = ArrayList<UInt>()
                val allSeen = CompletableDeferred<Unit>()
                coroutineScope {
                    val job = launch {
                        collection { stallAfter(k.toUInt()) }.collect {
                            seen.add(it)
                            if (seen.size == k) allSeen.complete(Unit)
                        }
                    }
                    allSeen.await()
                    job.cancelAndJoin()
                }
                f.flowsCancelled.increment()
                f.items.add(seen.size.toLong())
                problems.check(seen == List(k) { it.toUInt() }) { "stallAfter($k) gave ${seen.size} items" }
            }
            4 -> {
                // Cancelled by a timer at a random moment while items are really pending.
                val n = rnd.nextInt(1, 200)
                val seen = ArrayList<UInt>()
                val done = withTimeoutOrNull(rnd.nextLong(1, 6)) { collection { paced(n.toUInt(), rnd.nextInt(50, 400).toUInt()) }.collect { seen.add(it) } }
                if (done == null) f.flowsCancelled.increment() else f.flowsFull.increment()
                f.items.add(seen.size.toLong())
                problems.check(seen == List(seen.size) { (it + 1).toUInt() } && (done == null || seen.size == n)) { "paced($n) gave ${seen.size} items, done=$done" }
            }
            5 -> {
                val k = rnd.nextInt(0, 1_500)
                var seen = 0
                try {
                    collection { failAfter(k.toUInt()) }.collect { problems.check(it == seen.toUInt()) { "failAfter item $it at $seen" }; seen++ }
                    problems.add("failAfter($k) ended without its error")
                } catch (e: SoakError.Broken) {
                    f.flowsFailed.increment()
                    f.typedErrors.increment()
                    problems.check(e.at == k.toUInt() && seen == k) { "failAfter($k): Broken(at = ${e.at}) after $seen items" }
                }
                f.items.add(seen.toLong())
            }
            6 -> {
                // A panic in poll_next, or in the Display of an Err item while it is encoded.
                val k = rnd.nextInt(0, 1_500)
                val cursed = rnd.nextInt(3) == 0
                val note = "n${rnd.nextInt(1_000_000)}"
                var seen = 0
                try {
                    if (cursed) {
                        collection { cursedAfter(k.toUInt(), note) }.collect { problems.check(it == seen.toUInt()) { "cursedAfter item $it at $seen" }; seen++ }
                    } else {
                        collection { panicAfter(k.toUInt()) }.collect { problems.check(it == seen.toString()) { "panicAfter item $it at $seen" }; seen++ }
                    }
                    problems.add("${if (cursed) "cursedAfter" else "panicAfter"}($k) ended without its panic")
                } catch (e: RustPanicException) {
                    f.flowsPanicked.increment()
                    f.panics.increment()
                    val expected = if (cursed) "soak Display panic: $note" else "soak stream panic after $k items"
                    problems.check(seen == k && e.message?.contains(expected) == true) { "${if (cursed) "cursedAfter" else "panicAfter"}($k): ${e.message} after $seen items" }
                }
                f.items.add(seen.toLong())
            }
            else -> {
                // An async function returning a stream, sometimes cancelled while it awaits.
                val n = rnd.nextInt(0, 800)
                val start = rnd.nextLong(0, 1_000_000).toULong()
                val cancel = rnd.nextDouble() < CANCEL_SHARE
                val delayUs = if (cancel) cancellableDelay(rnd) else shortDelay(rnd)
                val items = if (cancel) {
                    withTimeoutOrNull(rnd.nextLong(1, 4)) { collection { numbersLater(delayUs, start, n.toUInt()).toList() } }
                } else {
                    collection { numbersLater(delayUs, start, n.toUInt()).toList() }
                }
                if (items == null) {
                    f.flowsCancelled.increment()
                } else {
                    f.flowsFull.increment()
                    f.items.add(items.size.toLong())
                    problems.check(items == List(n) { start + it.toULong() }) { "numbersLater(.., $start, $n) gave ${items.size} items" }
                }
            }
        }
    }

    // ------------------------------------------------------------ cancellation tokens

    private suspend fun parkUntilCancelled(rnd: Random) {
        f.parked.increment()
        asyncCall(rnd, true) { park() }?.let { neverReturns("park", it) }
    }

    private suspend fun blockingJobOp(rnd: Random) {
        val budgetUs = rnd.nextInt(100, 2_000)
        val cancel = rnd.nextBoolean()
        f.blockingJobs.increment()
        if (cancel) f.blockingJobsCancelled.increment()
        val ran = asyncCall(rnd, cancel) { blockingJob(budgetUs.toUInt()) } ?: return
        // Not cancelled (or cancelled too late): the job ran its whole budget.
        problems.check(ran >= budgetUs.toULong()) { "a blocking job with budget $budgetUs µs ran $ran µs without being cancelled" }
    }

    /** Calls in flight cancelled by a sibling coroutine failing (structured concurrency). */
    private suspend fun failingSibling(rnd: Random) {
        val k = rnd.nextInt(1, 5)
        val yields = rnd.nextInt(0, 4)
        try {
            coroutineScope {
                repeat(k) {
                    launch {
                        f.parked.increment()
                        asyncCall(rnd, false) { park() }?.let { neverReturns("park", it) }
                    }
                }
                launch {
                    repeat(yields) { yield() }
                    throw SiblingFailure()
                }
            }
        } catch (e: SiblingFailure) {
            f.siblingFailures.increment()
        }
    }

    companion object {
        const val CANCEL_SHARE = 0.3
        const val OP_DEADLINE_MS = 20_000L
        const val QUIESCE_MS = 30_000L
        const val BURST_CALLS = 20_000
        /**
         * Heap kept per call by a long-lived calling coroutine: measured 0 bytes for each kind;
         * a cancellation handler left on the caller's Job by a failed start keeps about 96.
         */
        const val MAX_RETAINED_PER_CALL = 32L
        private val SHORT_DELAYS_US = uintArrayOf(0u, 0u, 0u, 20u, 100u, 500u)
    }
}
