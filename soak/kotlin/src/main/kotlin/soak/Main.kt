package soak

import kotlin.system.exitProcess

/**
 * The soak program; scripts/soak.mjs runs it, one JVM per part:
 *
 *     soak [--calls N] [--seed S] [--in-flight N] [--warmup N]
 *          [--max-heap-growth-mib M] [--max-rss-growth-mib M] [--max-thread-growth N] [--deadline-s S]
 *     two-libraries [--seed S] [--calls N]
 *     exit-child
 *
 * Each part prints its figures and a `result: <part> passed|failed` line, and exits 1
 * when it failed (exit-child instead calls System.exit(0) with work in flight).
 */
fun main(args: Array<String>) {
    val mode = args.firstOrNull() ?: usage()
    val options = args.drop(1).chunked(2).associate { pair ->
        if (pair.size != 2 || !pair[0].startsWith("--")) usage()
        pair[0].removePrefix("--") to pair[1]
    }
    fun long(name: String, default: Long) = options[name]?.toLongOrNull() ?: default
    val flavor = System.getProperty("ferry.tokio.flavor") ?: "multi_thread"
    val passed = when (mode) {
        "soak" -> {
            val calls = long("calls", 100_000)
            Soak(
                SoakOptions(
                    calls = calls,
                    seed = long("seed", 1),
                    inFlight = long("in-flight", 128).toInt(),
                    warmupCalls = long("warmup", calls / 5),
                    maxHeapGrowth = long("max-heap-growth-mib", 16) shl 20,
                    maxRssGrowth = long("max-rss-growth-mib", 64) shl 20,
                    maxThreadGrowth = long("max-thread-growth", 2).toInt(),
                    deadlineSeconds = long("deadline-s", 600),
                ),
                flavor,
            ).run()
        }
        "two-libraries" -> TwoLibraries(seed = long("seed", 1), mixedOps = long("calls", 20_000).toInt()).run()
        "exit-child" -> exitChild()
        else -> usage()
    }
    println("result: $mode ${if (passed) "passed" else "failed"}")
    exitProcess(if (passed) 0 else 1)
}

private fun usage(): Nothing {
    System.err.println("usage: soak.MainKt soak|two-libraries|exit-child [--option value]...")
    exitProcess(2)
}
