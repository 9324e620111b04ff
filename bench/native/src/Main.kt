package benchkn

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import platform.posix.fclose
import platform.posix.fopen
import platform.posix.fputs
import kotlin.math.pow
import kotlin.time.TimeSource

/**
 * The Kotlin/Native harness of `npm run bench -- --native`: the same method as the JVM
 * harness (bench/kotlin): every column's answers checked first; per case, warm-up rounds
 * that also calibrate the iterations, then rounds with the column order rotated every
 * round; the median over the rounds. Timing: kotlin.time.TimeSource.Monotonic.
 *
 * Args: [--quick] --out FILE [--only id,id] [--columns key,key]
 */
fun main(args: Array<String>) {
    var quick = false
    var out = "native-result.json"
    var only: Set<String>? = null
    var columns: Set<String>? = null
    var i = 0
    while (i < args.size) {
        when (args[i]) {
            "--quick" -> quick = true
            "--out" -> out = args[++i]
            "--only" -> only = args[++i].split(',').toSet()
            "--columns" -> columns = args[++i].split(',').toSet()
            else -> error("unknown argument ${args[i]}")
        }
        i++
    }
    val json = NativeHarness(quick, only, columns).run()
    val f = fopen(out, "w") ?: error("cannot write $out")
    try { fputs(json, f) } finally { fclose(f) }
    log("wrote $out")
}

fun log(msg: String) = println("[bench-native] $msg")

inline fun timeNs(block: () -> Unit): Long {
    val mark = TimeSource.Monotonic.markNow()
    block()
    return mark.elapsedNow().inWholeNanoseconds
}

/** [v] rounded to 6 significant digits (the JVM harness writes `%.6g`). */
fun sig6(v: Double): Double {
    if (v == 0.0) return 0.0
    val scale = 10.0.pow(5 - kotlin.math.floor(kotlin.math.log10(kotlin.math.abs(v))).toInt())
    return kotlin.math.round(v * scale) / scale
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
    return sorted[kotlin.math.round((sorted.size - 1) * p).toInt()].toDouble()
}

class NativeHarness(private val quick: Boolean, private val only: Set<String>?, private val columnsWanted: Set<String>?) {
    private val rounds = if (quick) 5 else 11
    private val heavyRounds = if (quick) 3 else 7
    private val syncRoundNs = if (quick) 100_000_000L else 300_000_000L
    private val asyncRoundNs = if (quick) 150_000_000L else 400_000_000L
    private val hopSamples = if (quick) 2_000 else 10_000
    private val sliceCalls = if (quick) 400 else 2_000
    private val throughputCoroutines = 10_000
    private val streamItems = if (quick) 2_000_000L else 10_000_000L
    private val columnKeys = listOf("ferry", "raw_c", "kotlin_baseline")

    /** 64 code points, several of them non-ASCII (2-, 3- and 4-byte UTF-8), as on the JVM. */
    private val echoText: String = run {
        val base = "Fähre über den Fluß → ferry 渡し船 🦀 crab ⛴ naïve café ½ "
        val sb = StringBuilder()
        var n = 0
        var k = 0
        while (n < 64) {
            val ch = base[k % base.length]
            sb.append(ch)
            if (!ch.isHighSurrogate()) n++
            k++
        }
        sb.toString()
    }

    private var sink = 0L

    private fun loadColumns(): List<Column> {
        val cols = mutableListOf<Column>()
        fun want(k: String) = columnsWanted == null || k in columnsWanted
        if (want("ferry")) cols += FerryColumn()
        if (want("raw_c")) cols += RawCColumn()
        if (want("kotlin_baseline")) cols += KotlinBaselineColumn()
        return cols.filter { c ->
            try { selfCheck(c); true } catch (e: Throwable) {
                log("${c.key}: self-check failed, column dropped -> null: $e"); false
            }
        }
    }

    private fun selfCheck(c: Column) = runBlocking {
        if (Cases.SYNC_NOOP in c.cases) check(c.addLoop(3) == 6L) { "add" }
        if (Cases.SYNC_STRING_ECHO in c.cases) check(c.echoLoop(echoText, 1) == echoText.length.toLong()) { "echo length" }
        if (Cases.ASYNC_READY in c.cases) check(c.ready(41) == 41) { "ready" }
        if (Cases.ASYNC_HOP_P50 in c.cases) check(c.hop(42) == 42) { "hop" }
        if (Cases.ASYNC_SPAWN_HOP_P50 in c.cases) check(c.spawnHop(43) == 43) { "spawn hop" }
        if (Cases.STREAM_ITEMS in c.cases) check(c.streamSum(1000) == 499_500L) { "stream sum" }
        if (Cases.CALLBACK_SYNC in c.cases) check(c.callbackLoop(3) == 6L) { "callback sync" }
        if (Cases.CALLBACK_ASYNC_P50 in c.cases) check(c.callbackAsync(41) == 42) { "callback async" }
    }

    fun run(): String {
        log("mode: ${if (quick) "quick" else "full"}")
        val cols = loadColumns()
        log("columns: ${cols.joinToString { it.key }}")
        val results = LinkedHashMap<String, Pair<Map<String, Stat?>, Int>>()
        val t0 = TimeSource.Monotonic.markNow()
        fun want(id: String) = only == null || id in only
        if (want(Cases.SYNC_NOOP)) results[Cases.SYNC_NOOP] = one(Cases.SYNC_NOOP, cols, rounds, 2) { c, warm ->
            val n = iterations("noop/${c.key}", warm, syncRoundNs) { sink += c.addLoop(it.toInt()) }
            timeNs { sink += c.addLoop(n.toInt()) }.toDouble() / n
        }
        if (want(Cases.SYNC_STRING_ECHO)) results[Cases.SYNC_STRING_ECHO] = one(Cases.SYNC_STRING_ECHO, cols, rounds, 2) { c, warm ->
            val n = iterations("echo/${c.key}", warm, syncRoundNs) { sink += c.echoLoop(echoText, it.toInt()) }
            timeNs { sink += c.echoLoop(echoText, n.toInt()) }.toDouble() / n
        }
        if (want(Cases.ASYNC_READY)) results[Cases.ASYNC_READY] = one(Cases.ASYNC_READY, cols, rounds, 2) { c, warm ->
            val loop: (Long) -> Unit = { n ->
                runBlocking { var s = 0L; var i = 0L; while (i < n) { s += c.ready(i.toInt()); i++ }; sink += s }
            }
            val n = iterations("ready/${c.key}", warm, asyncRoundNs, loop)
            timeNs { loop(n) }.toDouble() / n
        }
        if (want(Cases.ASYNC_HOP_P50) || want(Cases.ASYNC_HOP_P99)) {
            val (res, r) = interleave(Cases.ASYNC_HOP_P50, cols, rounds, 2, "async_hop_p50 + async_hop_p99") { c, _ ->
                val lat = LongArray(hopSamples)
                runBlocking {
                    for (i in lat.indices) {
                        val mark = TimeSource.Monotonic.markNow()
                        sink += c.hop(i)
                        lat[i] = mark.elapsedNow().inWholeNanoseconds
                    }
                }
                lat.sort()
                doubleArrayOf(percentile(lat, 0.50) / 1e3, percentile(lat, 0.99) / 1e3)
            }
            results[Cases.ASYNC_HOP_P50] = res[0] to r
            results[Cases.ASYNC_HOP_P99] = res[1] to r
        }
        if (want(Cases.ASYNC_SPAWN_HOP_P50)) results[Cases.ASYNC_SPAWN_HOP_P50] = sequentialMedian(Cases.ASYNC_SPAWN_HOP_P50, cols) { c, i -> c.spawnHop(i) }
        if (want(Cases.ASYNC_THROUGHPUT)) results[Cases.ASYNC_THROUGHPUT] = one(Cases.ASYNC_THROUGHPUT, cols, rounds, 2) { c, warm ->
            val co = throughputCoroutines
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
                calibrated[key] = (rate * asyncRoundNs / 1e9 / co).toLong().coerceIn(1L, 1000L)
            }
            val k = calibrated.getValue(key).toInt()
            co.toDouble() * k / (run(k) / 1e9)
        }
        if (want(Cases.STREAM_ITEMS)) results[Cases.STREAM_ITEMS] = one(Cases.STREAM_ITEMS, cols, heavyRounds, 1) { c, warm ->
            val n = if (warm) streamItems / 4 else streamItems
            var sum = 0L
            val t = timeNs { runBlocking { sum = c.streamSum(n) } }
            check(sum == n * (n - 1) / 2) { "stream sum" }
            n / (t / 1e9)
        }
        if (want(Cases.CALLBACK_SYNC)) results[Cases.CALLBACK_SYNC] = one(Cases.CALLBACK_SYNC, cols, rounds, 2) { c, warm ->
            val n = iterations("cbsync/${c.key}", warm, syncRoundNs) { sink += c.callbackLoop(it.toInt()) }
            timeNs { sink += c.callbackLoop(n.toInt()) }.toDouble() / n
        }
        if (want(Cases.CALLBACK_ASYNC_P50)) results[Cases.CALLBACK_ASYNC_P50] = sequentialMedian(Cases.CALLBACK_ASYNC_P50, cols) { c, i -> c.callbackAsync(i) }
        for (id in Cases.BYTE_SLICES) if (want(id)) results[id] = byteSlices(id, cols)
        log("measured in ${t0.elapsedNow()}")

        val rows = results.map { (id, r) ->
            val (values, n) = r
            val cells = columnKeys.joinToString(", ") { k -> "\"$k\": ${fmt(values[k]?.median)}" }
            // min and max over the rounds, so a reader can tell a change from noise
            val spread = columnKeys.filter { values[it] != null }
                .joinToString(", ") { k -> "\"$k\": [${fmt(values[k]!!.min)}, ${fmt(values[k]!!.max)}]" }
            "    { \"id\": \"$id\", $cells, \"spread\": { $spread }, \"rounds\": $n }"
        }
        val sizes = "{ \"hop_samples\": $hopSamples, \"throughput_coroutines\": $throughputCoroutines, \"stream_items\": $streamItems }"
        return "{\n  \"quick\": $quick,\n  \"runtime\": \"Kotlin/Native ${KotlinVersion.CURRENT}\",\n" +
            "  \"columns\": [${cols.joinToString { "\"${it.key}\"" }}],\n  \"sizes\": $sizes,\n" +
            "  \"cases\": [\n${rows.joinToString(",\n")}\n  ]\n}\n"
    }

    private fun fmt(v: Double?): String = if (v == null || v.isNaN() || v.isInfinite()) "null" else sig6(v).toString()

    private val calibrated = HashMap<String, Long>()

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

    private fun interleave(
        caseId: String, cols: List<Column>, rounds: Int, warmups: Int, label: String = caseId,
        measure: (Column, Boolean) -> DoubleArray,
    ): Pair<List<Map<String, Stat?>>, Int> {
        val active = cols.filter { caseId in it.cases }
        log("$label: ${active.joinToString { it.key }} — $warmups warm-up + $rounds rounds")
        val samples = HashMap<String, MutableList<DoubleArray>>()
        val failed = HashSet<String>()
        for (c in active) {
            try {
                repeat(warmups) { measure(c, true) }
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
            log("  ${if (width > 1) "[$i] " else ""}" + m.entries.filter { it.value != null }.joinToString("  ") { "${it.key}=${sig6(it.value!!.median)} (${sig6(it.value!!.min)}-${sig6(it.value!!.max)})" })
        }
        return out to rounds
    }

    /** [call] made [hopSamples] times in sequence from one coroutine (runBlocking); the median latency per round, µs. */
    private fun sequentialMedian(caseId: String, cols: List<Column>, call: suspend (Column, Int) -> Int) =
        one(caseId, cols, rounds, 2) { c, _ ->
            val lat = LongArray(hopSamples)
            runBlocking {
                for (i in lat.indices) {
                    val mark = TimeSource.Monotonic.markNow()
                    sink += call(c, i)
                    lat[i] = mark.elapsedNow().inWholeNanoseconds
                }
            }
            lat.sort()
            percentile(lat, 0.50) / 1e3
        }

    /** The byte-slice cases: sync calls each passing one 1 MiB ByteArray, in GB/s (see bench/README.md). */
    private fun byteSlices(id: String, cols: List<Column>) = one(id, cols, rounds, 2) { c, warm ->
        val len = 1 shl 20
        val array = ByteArray(len) { (it * 7).toByte() }
        val expected = array.sumOf { (it.toInt() and 0xFF).toLong() }
        val calls = if (warm) sliceCalls / 4 else sliceCalls
        val t = timeNs {
            for (i in 0 until calls) when (id) {
                Cases.BYTES_VIEW -> check(c.bytesView(array) == expected) { id }
                Cases.BYTES_VIEW_COPIED -> check(c.bytesViewCopied(array) == expected) { id }
                Cases.BYTES_INTO -> check(c.bytesInto(array, i.toByte()) == len && array[len - 1] == i.toByte()) { id }
                Cases.BYTES_RETURN -> check(c.bytesReturn(len, i.toByte())[len - 1] == i.toByte()) { id }
            }
        }
        calls.toDouble() * len / t // bytes per ns == GB/s
    }

    private fun one(caseId: String, cols: List<Column>, rounds: Int, warmups: Int, measure: (Column, Boolean) -> Double) =
        interleave(caseId, cols, rounds, warmups) { c, w -> doubleArrayOf(measure(c, w)) }.let { it.first[0] to it.second }
}
