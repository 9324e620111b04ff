package bench

import com.sun.jna.Library
import com.sun.jna.Native
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.io.File
import java.util.concurrent.locks.LockSupport

/**
 * The harness: loads every column's native library into this one JVM, then for each case
 * warms every applicable column up and measures them round by round, interleaved (the
 * column order rotates each round), and reports the median of the rounds.
 *
 * Args: [--quick] [--out FILE] [--lib-dir DIR] [--only id,id] [--columns key,key]
 */
fun main(args: Array<String>) {
    val opts = Opts.parse(args)
    val h = Harness(opts)
    val json = h.run()
    File(opts.out).apply { parentFile?.mkdirs() }.writeText(json)
    log("wrote ${opts.out}")
    System.exit(0)
}

fun log(msg: String) = System.err.println("[bench] $msg")

class Opts(
    val quick: Boolean,
    val out: String,
    val libDir: String,
    val only: Set<String>?,
    val columns: Set<String>?,
) {
    companion object {
        fun parse(args: Array<String>): Opts {
            var quick = false
            var out = "harness-result.json"
            var libDir = "../target/release"
            var only: Set<String>? = null
            var columns: Set<String>? = null
            var i = 0
            while (i < args.size) {
                when (args[i]) {
                    "--quick" -> quick = true
                    "--out" -> out = args[++i]
                    "--lib-dir" -> libDir = args[++i]
                    "--only" -> only = args[++i].split(',').toSet()
                    "--columns" -> columns = args[++i].split(',').toSet()
                    else -> error("unknown argument ${args[i]}")
                }
                i++
            }
            return Opts(quick, out, libDir, only, columns)
        }
    }
}

/** Sizes per mode. Full runs use more rounds and longer rounds. */
class Plan(quick: Boolean) {
    val rounds = if (quick) 5 else 11
    val heavyRounds = if (quick) 3 else 7          // inflight_memory, stream_items, bulk_bytes
    val syncRoundNs = if (quick) 100_000_000L else 300_000_000L
    val asyncRoundNs = if (quick) 150_000_000L else 400_000_000L
    val hopSamples = if (quick) 2_000 else 10_000
    val throughputCoroutines = 10_000
    val inflightCalls = 100_000
    val cancelSamples = if (quick) 150 else 500
    val streamItems = if (quick) 2_000_000L else 10_000_000L
    val bulkBytes = 64 * 1024 * 1024
    val bulkCallsPerRound = if (quick) 2 else 4
    val framesSmall = if (quick) 2_000_000L else 10_000_000L
    val framesLarge = if (quick) 2_000L else 10_000L
    val sliceCalls = if (quick) 400 else 2_000
}

/** The buffer of each byte-slice case: 1 MiB. */
const val SLICE_BYTES = 1 shl 20

/** Bytes in one frame of `frames_large`: 1 MiB. */
const val FRAME_LARGE_BYTES = 1 shl 20

interface CLib : Library {
    fun malloc_trim(pad: Long): Int
}

class Harness(private val opts: Opts) {
    private val plan = Plan(opts.quick)
    private val libDir = File(opts.libDir).absoluteFile
    private val columnKeys = listOf("ferry", "raw_jni", "kotlin_baseline", "uniffi")
    private val clib: CLib? = try { Native.load("c", CLib::class.java) } catch (e: Throwable) { null }

    /** 64 code points, several of them non-ASCII (2-, 3- and 4-byte UTF-8, one surrogate pair). */
    val echoText: String = run {
        val base = "Fähre über den Fluß → ferry 渡し船 🦀 crab ⛴ naïve café ½ "
        val cps = base.codePoints().toArray()
        val sb = StringBuilder()
        var i = 0
        while (sb.codePointCount(0, sb.length) < 64) { sb.appendCodePoint(cps[i % cps.size]); i++ }
        sb.toString()
    }

    private fun loadColumns(): List<Column> {
        val cols = mutableListOf<Column>()
        fun want(k: String) = opts.columns == null || k in opts.columns
        if (want("ferry")) {
            try {
                val cls = Class.forName("bench.FerryColumn")
                val c = cls.getDeclaredConstructor().newInstance() as Column
                c.setUp(); cols += c
                log("ferry column: loaded")
            } catch (e: ClassNotFoundException) {
                log("ferry column: not built (no generated ferry bindings) -> null")
            } catch (e: Throwable) {
                log("ferry column: failed to load -> null: $e")
            }
        }
        if (want("raw_jni")) {
            try {
                val c = RawJniColumn(File(libDir, "libferry_bench_rawjni.so").path); c.setUp(); cols += c
            } catch (e: Throwable) { log("raw_jni column: failed to load -> null: $e") }
        }
        if (want("kotlin_baseline")) cols += KotlinBaselineColumn()
        if (want("uniffi")) {
            try {
                val c = UniffiColumn(); c.setUp(); c.addLoop(1); cols += c
            } catch (e: Throwable) { log("uniffi column: failed to load -> null: $e") }
        }
        // Check that every column computes the right answers before timing anything.
        val ok = cols.filter { c ->
            try { selfCheck(c); true } catch (e: Throwable) {
                log("${c.key}: self-check failed, column dropped -> null: $e"); false
            }
        }
        return ok
    }

    private fun selfCheck(c: Column) = runBlocking {
        if (Cases.SYNC_NOOP in c.cases) check(c.addLoop(3) == 6L) { "add" }
        if (Cases.SYNC_STRING_ECHO in c.cases) check(c.echoLoop(echoText, 1) == echoText.length.toLong()) { "echo length" }
        if (Cases.ASYNC_READY in c.cases) check(c.ready(41) == 41) { "ready" }
        if (Cases.ASYNC_HOP_P50 in c.cases) check(c.hop(42) == 42) { "hop" }
        if (Cases.ASYNC_SPAWN_HOP_P50 in c.cases) check(c.spawnHop(43) == 43) { "spawn hop" }
        if (Cases.INFLIGHT_MEMORY in c.cases) c.sleepLong(1)
        if (Cases.BULK_BYTES in c.cases) {
            val b = ByteArray(1000) { it.toByte() }
            check(c.echoBytes(b).contentEquals(b)) { "echo_bytes" }
        }
        if (Cases.STREAM_ITEMS in c.cases) check(c.streamSum(1000) == 499_500L) { "stream sum" }
        if (Cases.CALLBACK_SYNC in c.cases) check(c.callbackLoop(3) == 6L) { "callback sync" }
        if (Cases.CALLBACK_ASYNC_P50 in c.cases) check(c.callbackAsync(41) == 42) { "callback async" }
    }

    fun run(): String {
        log("mode: ${if (opts.quick) "quick" else "full"}; libs from $libDir")
        val cols = loadColumns()
        log("columns: ${cols.joinToString { it.key }}")
        val rows = mutableListOf<String>()
        val results = LinkedHashMap<String, Pair<Map<String, Stat?>, Int>>()
        val coreToCoreBefore = coreToCore()
        val t0 = System.nanoTime()

        fun want(id: String) = opts.only == null || id in opts.only
        if (want(Cases.SYNC_NOOP)) results[Cases.SYNC_NOOP] = syncNoop(cols)
        if (want(Cases.SYNC_STRING_ECHO)) results[Cases.SYNC_STRING_ECHO] = stringEcho(cols)
        if (want(Cases.ASYNC_READY)) results[Cases.ASYNC_READY] = asyncReady(cols)
        if (want(Cases.ASYNC_HOP_P50) || want(Cases.ASYNC_HOP_P99)) {
            val (p50, p99) = asyncHop(cols)
            results[Cases.ASYNC_HOP_P50] = p50
            results[Cases.ASYNC_HOP_P99] = p99
        }
        if (want(Cases.ASYNC_SPAWN_HOP_P50)) results[Cases.ASYNC_SPAWN_HOP_P50] = spawnHop(cols)
        if (want(Cases.ASYNC_THROUGHPUT)) results[Cases.ASYNC_THROUGHPUT] = throughput(cols)
        if (want(Cases.INFLIGHT_MEMORY)) results[Cases.INFLIGHT_MEMORY] = inflightMemory(cols)
        if (want(Cases.CANCEL_LATENCY_P50)) results[Cases.CANCEL_LATENCY_P50] = cancelLatency(cols)
        if (want(Cases.STREAM_ITEMS)) results[Cases.STREAM_ITEMS] = streamItems(cols)
        if (want(Cases.BULK_BYTES)) results[Cases.BULK_BYTES] = bulkBytes(cols)
        if (want(Cases.CALLBACK_SYNC)) results[Cases.CALLBACK_SYNC] = callbackSync(cols)
        if (want(Cases.CALLBACK_ASYNC_P50)) results[Cases.CALLBACK_ASYNC_P50] = callbackAsync(cols)
        if (want(Cases.AFFINE_CALLS)) results[Cases.AFFINE_CALLS] = concurrentCalls(Cases.AFFINE_CALLS, cols) { c -> c.affineBump() }
        if (want(Cases.FRAMES_SMALL)) results[Cases.FRAMES_SMALL] = framesSmall(cols)
        if (want(Cases.FRAMES_LARGE)) results[Cases.FRAMES_LARGE] = framesLarge(cols)
        if (want(Cases.AFFINE_CALLS_MUTEX)) results[Cases.AFFINE_CALLS_MUTEX] = concurrentCalls(Cases.AFFINE_CALLS_MUTEX, cols) { c -> c.mutexBump() }
        for (id in Cases.BYTE_SLICES) if (want(id)) results[id] = byteSlices(id, cols)
        log("measured in %.1f s".format((System.nanoTime() - t0) / 1e9))
        val coreToCoreAfter = coreToCore()

        for ((id, r) in results) {
            val (values, rounds) = r
            val cells = columnKeys.joinToString(", ") { k -> "\"$k\": ${fmt(values[k]?.median)}" }
            // min and max over the rounds, so a reader can tell a change from noise
            val spread = columnKeys.filter { values[it] != null }
                .joinToString(", ") { k -> "\"$k\": [${fmt(values[k]!!.min)}, ${fmt(values[k]!!.max)}]" }
            rows += "    { \"id\": \"$id\", $cells, \"spread\": { $spread }, \"rounds\": $rounds }"
        }
        val sizes = "{ \"hop_samples\": ${plan.hopSamples}, \"throughput_coroutines\": ${plan.throughputCoroutines}, " +
            "\"inflight_calls\": ${plan.inflightCalls}, \"cancel_samples\": ${plan.cancelSamples}, " +
            "\"stream_items\": ${plan.streamItems}, \"bulk_bytes\": ${plan.bulkBytes} }"
        return "{\n  \"quick\": ${opts.quick},\n  \"jvm\": \"${System.getProperty("java.version")}\",\n" +
            "  \"core_to_core_ns\": [${fmt(coreToCoreBefore)}, ${fmt(coreToCoreAfter)}],\n  \"columns\": [${cols.joinToString { "\"${it.key}\"" }}],\n" +
            "  \"sizes\": $sizes,\n  \"cases\": [\n${rows.joinToString(",\n")}\n  ]\n}\n"
    }

    /** [CoreToCore.measure], logged. */
    private fun coreToCore(): Double? = CoreToCore.measure().also { ns ->
        log("core-to-core: ${ns?.let { "%.0f ns one way".format(it) } ?: "not measured"}")
    }

    private fun fmt(v: Double?): String =
        if (v == null || v.isNaN() || v.isInfinite()) "null" else "%.6g".format(java.util.Locale.ROOT, v).toDouble().toString()

    // ---- the interleaving driver -------------------------------------------------------

    /**
     * Runs [measure] for every column that supports [caseId]: [warmups] untimed rounds
     * each, then [rounds] rounds with the column order rotated every round. `measure`
     * returns one or more figures per round; the result is the median of each figure.
     */
    private fun interleave(
        caseId: String, cols: List<Column>, rounds: Int, warmups: Int = 1,
        label: String = caseId,
        settleFirst: Boolean = false,
        measure: (Column, Boolean) -> DoubleArray,
    ): Pair<List<Map<String, Stat?>>, Int> {
        val active = cols.filter { caseId in it.cases }
        log("$label: ${active.joinToString { it.key }} — $warmups warm-up + $rounds rounds")
        val samples = HashMap<String, MutableList<DoubleArray>>()
        val failed = HashSet<String>()
        for (c in active) {
            try {
                repeat(warmups) { if (settleFirst) settleUntilQuiet(); measure(c, true) }
            } catch (e: Throwable) {
                log("  ${c.key}: failed in warm-up -> null: $e"); failed += c.key
            }
        }
        val live = active.filter { it.key !in failed }
        for (r in 0 until rounds) {
            for (i in live.indices) {
                val c = live[(i + r) % live.size] // rotate the order every round
                if (c.key in failed) continue
                try {
                    if (settleFirst) settleUntilQuiet()
                    samples.getOrPut(c.key) { mutableListOf() } += measure(c, false)
                } catch (e: Throwable) {
                    log("  ${c.key}: failed in round ${r + 1} -> null: $e"); failed += c.key
                }
            }
        }
        val width = samples.values.firstOrNull()?.first()?.size ?: 1
        val out = (0 until width).map { i ->
            columnKeys.associateWith { k ->
                val s = samples[k]
                if (s == null || s.isEmpty() || k in failed) null else Stat.of(s.map { it[i] })
            }
        }
        for ((i, m) in out.withIndex()) {
            log("  ${if (width > 1) "[$i] " else ""}" + m.entries.filter { it.value != null }
                .joinToString("  ") { "%s=%.4g (%.4g-%.4g)".format(it.key, it.value!!.median, it.value!!.min, it.value!!.max) })
        }
        return out to rounds
    }

    /**
     * [settleFirst]: collect garbage and let the JVM's own threads go quiet before every round,
     * for cases whose rounds are short and produce or leave much garbage. Without it, the
     * UniFFI column's rounds (JNA memory held until its cleaner runs: the live heap grows by
     * hundreds of MB) made the next column's round pay 100-190 ms young-GC pauses and the
     * G1 refinement threads on the 2 cores: `frames_small` for ferry measured 4-10 M frames/s
     * after it against 14-20 M without the UniFFI column in the run.
     */
    private fun one(caseId: String, cols: List<Column>, rounds: Int, warmups: Int = 1, settleFirst: Boolean = false, measure: (Column, Boolean) -> Double) =
        interleave(caseId, cols, rounds, warmups, settleFirst = settleFirst) { c, w -> doubleArrayOf(measure(c, w)) }.let { it.first[0] to it.second }

    // ---- cases -------------------------------------------------------------------------

    private val calibrated = HashMap<String, Long>()

    /** Coroutines calling one object at once in the affine_calls cases. */
    private val AFFINE_COROUTINES = 64

    /** Finds (during warm-up) how many iterations fill [targetNs], then reuses it. */
    private fun iterations(key: String, warm: Boolean, targetNs: Long, run: (Long) -> Unit): Long {
        if (!warm) return calibrated.getValue(key)
        var n = 16L
        while (true) {
            val t = timeNs { run(n) }
            if (t >= targetNs / 4 || n >= (1L shl 30)) {
                val k = maxOf(1L, (n.toDouble() * targetNs / maxOf(t, 1L)).toLong())
                calibrated[key] = k
                return k
            }
            n *= 4
        }
    }

    private var sink = 0L

    private fun syncNoop(cols: List<Column>) = one(Cases.SYNC_NOOP, cols, plan.rounds, warmups = 2) { c, warm ->
        val n = iterations("noop/${c.key}", warm, plan.syncRoundNs) { sink += c.addLoop(it.toInt()) }
        timeNs { sink += c.addLoop(n.toInt()) }.toDouble() / n
    }

    private fun stringEcho(cols: List<Column>) = one(Cases.SYNC_STRING_ECHO, cols, plan.rounds, warmups = 2) { c, warm ->
        val n = iterations("echo/${c.key}", warm, plan.syncRoundNs) { sink += c.echoLoop(echoText, it.toInt()) }
        timeNs { sink += c.echoLoop(echoText, n.toInt()) }.toDouble() / n
    }

    private fun asyncReady(cols: List<Column>) = one(Cases.ASYNC_READY, cols, plan.rounds, warmups = 2) { c, warm ->
        val loop: (Long) -> Unit = { n ->
            runBlocking { var s = 0L; var i = 0L; while (i < n) { s += c.ready(i.toInt()); i++ }; sink += s }
        }
        val n = iterations("ready/${c.key}", warm, plan.asyncRoundNs, loop)
        timeNs { loop(n) }.toDouble() / n
    }

    /** Sequential calls of an `async fn` awaiting one spawned Tokio task; the median latency per round. */
    private fun spawnHop(cols: List<Column>) = sequentialMedian(Cases.ASYNC_SPAWN_HOP_P50, cols) { c, i -> c.spawnHop(i) }

    /** [call] made [Plan.hopSamples] times in sequence from one coroutine (runBlocking); the median latency per round, µs. */
    private fun sequentialMedian(caseId: String, cols: List<Column>, call: suspend (Column, Int) -> Int) =
        one(caseId, cols, plan.rounds, warmups = 2) { c, _ ->
            val lat = LongArray(plan.hopSamples)
            runBlocking {
                for (i in lat.indices) {
                    val t = System.nanoTime()
                    sink += call(c, i)
                    lat[i] = System.nanoTime() - t
                }
            }
            lat.sort()
            percentile(lat, 0.50) / 1e3
        }

    private fun asyncHop(cols: List<Column>): Pair<Pair<Map<String, Stat?>, Int>, Pair<Map<String, Stat?>, Int>> {
        val (res, rounds) = interleave(Cases.ASYNC_HOP_P50, cols, plan.rounds, warmups = 2,
            label = "async_hop_p50 + async_hop_p99") { c, _ ->
            val lat = LongArray(plan.hopSamples)
            runBlocking {
                for (i in lat.indices) {
                    val t = System.nanoTime()
                    sink += c.hop(i)
                    lat[i] = System.nanoTime() - t
                }
            }
            lat.sort()
            doubleArrayOf(percentile(lat, 0.50) / 1e3, percentile(lat, 0.99) / 1e3)
        }
        return (res[0] to rounds) to (res[1] to rounds)
    }

    private fun throughput(cols: List<Column>) = one(Cases.ASYNC_THROUGHPUT, cols, plan.rounds, warmups = 2) { c, warm ->
        val co = plan.throughputCoroutines
        val run: (Int) -> Long = { perCoroutine ->
            timeNs {
                runBlocking(Dispatchers.Default) {
                    repeat(co) { i -> launch { repeat(perCoroutine) { sink += c.hop(i) } } }
                }
            }
        }
        val key = "tp/${c.key}"
        if (warm) {
            val t = run(1)
            val rate = co / (t / 1e9)
            calibrated[key] = (rate * plan.asyncRoundNs / 1e9 / co).toLong().coerceIn(1L, 1000L)
        }
        val k = calibrated.getValue(key).toInt()
        co.toDouble() * k / (run(k) / 1e9)
    }

    /** Calls/s of [call] from [AFFINE_COROUTINES] coroutines on `Dispatchers.Default`, calibrated like [throughput]. */
    private fun concurrentCalls(caseId: String, cols: List<Column>, call: suspend (Column) -> Long) =
        one(caseId, cols, plan.rounds, warmups = 2) { c, warm ->
            val run: (Int) -> Long = { perCoroutine ->
                timeNs {
                    runBlocking(Dispatchers.Default) {
                        repeat(AFFINE_COROUTINES) { launch { repeat(perCoroutine) { sink += call(c).toInt() } } }
                    }
                }
            }
            val key = "$caseId/${c.key}"
            if (warm) {
                val t = run(10)
                val rate = AFFINE_COROUTINES * 10 / (t / 1e9)
                calibrated[key] = (rate * plan.asyncRoundNs / 1e9 / AFFINE_COROUTINES).toLong().coerceIn(1L, 100_000L)
            }
            val k = calibrated.getValue(key).toInt()
            AFFINE_COROUTINES.toDouble() * k / (run(k) / 1e9)
        }

    private fun settle() {
        repeat(3) { System.gc(); Thread.sleep(30) }
        try { clib?.malloc_trim(0) } catch (_: Throwable) {}
    }

    /**
     * [settle], then waits (at most 3 s) until the JVM's other threads are quiet: less than
     * 1 ms of CPU among them in 20 ms. After a UniFFI round, JNA's cleaner thread frees its
     * memory objects for seconds, a batch after each collection, and it ran on the 2 cores
     * during the next column's round.
     */
    private fun settleUntilQuiet() {
        settle()
        val threads = java.lang.management.ManagementFactory.getThreadMXBean()
        val me = Thread.currentThread().id
        fun othersCpu(): Long = threads.allThreadIds.filter { it != me }.sumOf { maxOf(0L, threads.getThreadCpuTime(it)) }
        val deadline = System.nanoTime() + 3_000_000_000L
        var before = othersCpu()
        while (System.nanoTime() < deadline) {
            Thread.sleep(20)
            val now = othersCpu()
            if (now - before < 1_000_000L) break
            before = now
        }
    }

    private fun heapUsed(): Long = Runtime.getRuntime().let { it.totalMemory() - it.freeMemory() }

    private fun rss(): Long = File("/proc/self/statm").readText().trim().split(Regex("\\s+"))[1].toLong() * 4096L

    private fun inflightMemory(cols: List<Column>) = one(Cases.INFLIGHT_MEMORY, cols, plan.heavyRounds, warmups = 1) { c, warm ->
        val n = if (warm) plan.inflightCalls / 4 else plan.inflightCalls
        val scope = CoroutineScope(Dispatchers.Default)
        settle()
        val heap0 = heapUsed(); val rss0 = rss()
        val jobs = ArrayList<Job>(n)
        runBlocking {
            repeat(n) { jobs += scope.launch(start = CoroutineStart.UNDISPATCHED) { c.sleepLong(3_600_000) } }
            delay(300)
        }
        settle()
        val heap1 = heapUsed(); val rss1 = rss()
        check(jobs.all { it.isActive }) { "a sleeping call finished early" }
        runBlocking {
            jobs.forEach { it.cancel() }
            jobs.joinAll()
            delay(100)
        }
        ((heap1 - heap0) + (rss1 - rss0)).toDouble() / n
    }

    private fun cancelLatency(cols: List<Column>) = one(Cases.CANCEL_LATENCY_P50, cols, plan.rounds, warmups = 1) { c, warm ->
        val samples = if (warm) plan.cancelSamples / 3 else plan.cancelSamples
        val lat = LongArray(samples)
        var got = 0
        var timeouts = 0
        runBlocking {
            for (s in 0 until samples) {
                c.probeDroppedAt(true)
                val before = c.probeStarted()
                val job = launch(Dispatchers.Default) { c.waitForever() }
                // Cancel only once the call has started (its Rust future polled once).
                val startBy = System.nanoTime() + 2_000_000_000L
                while (c.probeStarted() == before && System.nanoTime() < startBy) LockSupport.parkNanos(20_000)
                val t0 = System.nanoTime()
                job.cancel()
                val deadline = t0 + 2_000_000_000L
                var dropped = c.probeDroppedAt(false)
                while (dropped < 0 && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(20_000)
                    dropped = c.probeDroppedAt(false)
                }
                job.join()
                if (dropped >= 0) lat[got++] = dropped - t0
                else if (timeouts++ < 3) log("  ${c.key}: future not dropped within 2 s of cancel (sample ${s + 1})")
            }
        }
        check(got > samples / 2) { "the future was not dropped in ${samples - got} of $samples cancellations" }
        val l = lat.copyOf(got); l.sort()
        percentile(l, 0.5) / 1e3
    }

    private fun streamItems(cols: List<Column>) = one(Cases.STREAM_ITEMS, cols, plan.heavyRounds, warmups = 1) { c, warm ->
        val n = if (warm) plan.streamItems / 4 else plan.streamItems
        var sum = 0L
        val t = timeNs { runBlocking { sum = c.streamSum(n) } }
        check(sum == n * (n - 1) / 2) { "stream sum" }
        n / (t / 1e9)
    }

    private fun callbackSync(cols: List<Column>) = one(Cases.CALLBACK_SYNC, cols, plan.rounds, warmups = 2) { c, warm ->
        val n = iterations("cbsync/${c.key}", warm, plan.syncRoundNs) { sink += c.callbackLoop(it.toInt()) }
        timeNs { sink += c.callbackLoop(n.toInt()) }.toDouble() / n
    }

    /** Sequential calls from one coroutine (runBlocking); the median latency per round. */
    private fun callbackAsync(cols: List<Column>) = sequentialMedian(Cases.CALLBACK_ASYNC_P50, cols) { c, i -> c.callbackAsync(i) }

    /** Columns that copy every frame run fewer frames (the rate is what is compared). */
    private fun frameCount(c: Column, full: Long): Long = if (c.key == "uniffi") full / 20 else full

    private fun framesSmall(cols: List<Column>) = one(Cases.FRAMES_SMALL, cols, plan.heavyRounds, warmups = 1, settleFirst = true) { c, warm ->
        val n = frameCount(c, if (warm) plan.framesSmall / 4 else plan.framesSmall)
        var sum = 0L
        val t = timeNs { runBlocking { sum = c.framesSmall(n) } }
        check(sum == n * (n - 1) / 2) { "frames_small sum" }
        n / (t / 1e9)
    }

    private fun framesLarge(cols: List<Column>) = one(Cases.FRAMES_LARGE, cols, plan.heavyRounds, warmups = 1, settleFirst = true) { c, warm ->
        val n = frameCount(c, if (warm) plan.framesLarge / 4 else plan.framesLarge)
        var sum = 0L
        val t = timeNs { runBlocking { sum = c.framesLarge(n) } }
        check(sum == n * (n - 1)) { "frames_large sum" }
        n * FRAME_LARGE_BYTES / t.toDouble() // bytes per ns == GB/s
    }

    /**
     * The byte-slice cases: sync calls each passing one 1 MiB buffer (read whole, or filled
     * whole), in GB/s of buffer per second. The buffers are made once, outside the timing.
     */
    private fun byteSlices(id: String, cols: List<Column>) = one(id, cols, plan.rounds, warmups = 2) { c, warm ->
        val len = SLICE_BYTES
        val array = ByteArray(len) { (it * 7).toByte() }
        val direct = java.nio.ByteBuffer.allocateDirect(len).put(array).clear() as java.nio.ByteBuffer
        val expected = array.sumOf { (it.toInt() and 0xFF).toLong() }
        val calls = if (warm) plan.sliceCalls / 4 else plan.sliceCalls
        val t = timeNs {
            for (i in 0 until calls) when (id) {
                Cases.BYTES_VIEW -> check(c.bytesView(array) == expected) { id }
                Cases.BYTES_VIEW_DIRECT -> check(c.bytesViewDirect(direct) == expected) { id }
                Cases.BYTES_VIEW_COPIED -> check(c.bytesViewCopied(array) == expected) { id }
                Cases.BYTES_INTO -> check(c.bytesInto(array, i.toByte()) == len && array[len - 1] == i.toByte()) { id }
                Cases.BYTES_INTO_DIRECT -> check(c.bytesIntoDirect(direct, i.toByte()) == len && direct.get(len - 1) == i.toByte()) { id }
                Cases.BYTES_RETURN -> check(c.bytesReturn(len, i.toByte())[len - 1] == i.toByte()) { id }
            }
        }
        calls.toDouble() * len / t // bytes per ns == GB/s
    }

    private val bulkInput by lazy { ByteArray(plan.bulkBytes) { (it * 31).toByte() } }

    private fun bulkBytes(cols: List<Column>) = one(Cases.BULK_BYTES, cols, plan.heavyRounds, warmups = 1) { c, _ ->
        val input = bulkInput
        val rates = DoubleArray(plan.bulkCallsPerRound)
        for (i in rates.indices) {
            var out: ByteArray? = null
            val t = timeNs { runBlocking { out = c.echoBytes(input) } }
            check(out!!.size == input.size && out!![12345] == input[12345]) { "echo_bytes" }
            out = null
            rates[i] = 2.0 * input.size / t // bytes per ns == GB/s
        }
        median(rates.toList())
    }
}

inline fun timeNs(block: () -> Unit): Long {
    val t = System.nanoTime()
    block()
    return System.nanoTime() - t
}

/** One figure of a case for one column: the median over the rounds, and their spread. */
class Stat(val median: Double, val min: Double, val max: Double) {
    companion object {
        fun of(xs: List<Double>) = Stat(median(xs), xs.min(), xs.max())
    }
}

fun median(xs: List<Double>): Double {
    val s = xs.sorted()
    return if (s.size % 2 == 1) s[s.size / 2] else (s[s.size / 2 - 1] + s[s.size / 2]) / 2
}

fun percentile(sorted: LongArray, p: Double): Double {
    if (sorted.isEmpty()) return Double.NaN
    val idx = ((sorted.size - 1) * p).let { Math.round(it).toInt() }
    return sorted[idx].toDouble()
}
