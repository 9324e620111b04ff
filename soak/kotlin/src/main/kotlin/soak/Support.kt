package soak

import dev.ferry.Completions
import dev.ferry.FerryDiagnostics
import dev.ferry.Streams
import java.io.File
import java.lang.management.ManagementFactory
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

/** A check that did not hold; collected, so one run reports every problem it found. */
class Problems {
    private val list = ConcurrentLinkedQueue<String>()
    private val dropped = AtomicInteger()

    /** Records [message]; only the first 50 are kept (a broken invariant tends to repeat). */
    fun add(message: String) {
        if (list.size < 50) list.add(message) else dropped.incrementAndGet()
    }

    fun unexpected(what: String, e: Throwable) {
        add("$what: unexpected ${e::class.qualifiedName}: ${e.message}\n${e.stackTraceToString().lines().take(12).joinToString("\n") { "      $it" }}")
    }

    fun check(condition: Boolean, message: () -> String) {
        if (!condition) add(message())
    }

    val isEmpty: Boolean get() = list.isEmpty()

    fun report(): String = buildString {
        for (p in list) append("  - ").append(p).append('\n')
        if (dropped.get() > 0) append("  - (and ${dropped.get()} more)\n")
    }
}

/** Polls [condition] every few milliseconds until it holds or [timeoutMs] passes. */
fun eventually(timeoutMs: Long, poll: () -> Unit = {}, condition: () -> Boolean): Boolean {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (true) {
        poll()
        if (condition()) return true
        if (System.nanoTime() > deadline) return false
        Thread.sleep(5)
    }
}

/** The bridge's leak counters, summed over every loaded ferry library, plus the Kotlin registries. */
data class BridgeCounters(
    val pendingCalls: Long,
    val liveObjects: Long,
    val openStreams: Long,
    val waitingContinuations: Int,
    val streamSinks: Int,
) {
    val allZero: Boolean get() = pendingCalls == 0L && liveObjects == 0L && openStreams == 0L && waitingContinuations == 0 && streamSinks == 0

    override fun toString() =
        "pendingCalls=$pendingCalls liveObjects=$liveObjects openStreams=$openStreams " +
            "Completions.waitingCount=$waitingContinuations Streams.sinkCount=$streamSinks"

    companion object {
        fun read() = BridgeCounters(
            FerryDiagnostics.pendingCalls(),
            FerryDiagnostics.liveObjects(),
            FerryDiagnostics.openStreams(),
            Completions.waitingCount(),
            Streams.sinkCount(),
        )
    }
}

/** Process figures: used heap after full collections, resident set size, live threads. */
data class ProcessSample(val heapUsed: Long, val rss: Long, val jvmThreads: Int, val osThreads: Int) {
    companion object {
        /**
         * Collects first, several times, so that only reachable objects count as used heap;
         * then [releaseFreeMemory] hands malloc's cached free pages back, so that RSS shows
         * native memory in use rather than the allocator's high-water mark.
         */
        fun take(releaseFreeMemory: () -> Unit = {}): ProcessSample {
            val memory = ManagementFactory.getMemoryMXBean()
            var used = Long.MAX_VALUE
            repeat(4) {
                System.gc()
                Thread.sleep(40)
                used = minOf(used, memory.heapMemoryUsage.used)
            }
            releaseFreeMemory()
            val status = File("/proc/self/status").readLines()
            fun field(name: String): Long =
                status.firstOrNull { it.startsWith("$name:") }?.substringAfter(':')?.trim()?.substringBefore(' ')?.toLongOrNull() ?: -1
            return ProcessSample(
                heapUsed = used,
                rss = field("VmRSS") * 1024,
                jvmThreads = ManagementFactory.getThreadMXBean().threadCount,
                osThreads = field("Threads").toInt(),
            )
        }
    }
}

fun mib(bytes: Long): String = "%.1f MiB".format(bytes / 1048576.0)

fun signedMib(bytes: Long): String = (if (bytes >= 0) "+" else "-") + "%.2f MiB".format(kotlin.math.abs(bytes) / 1048576.0)

fun grouped(n: Long): String = "%,d".format(n)

/** The splitmix64 finaliser, the same function as `scramble` in soak/crate. */
fun scrambleExpected(x: ULong): ULong {
    var z = x + 0x9E3779B97F4A7C15uL
    z = (z xor (z shr 30)) * 0xBF58476D1CE4E5B9uL
    z = (z xor (z shr 27)) * 0x94D049BB133111EBuL
    return z xor (z shr 31)
}

/** `mark` in soak/crate2: a different function, so a call answered by the wrong library shows. */
fun markExpected(id: ULong): ULong = ((id shl 17) or (id shr 47)) xor 0x7777000022220000uL

/** Suspends (without blocking a thread) until [condition] holds or [timeoutMs] passes. */
suspend fun awaitCondition(timeoutMs: Long, condition: () -> Boolean): Boolean {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (!condition()) {
        if (System.nanoTime() > deadline) return false
        kotlinx.coroutines.delay(2)
    }
    return true
}
