package bench

import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * How long one cache line takes to move from one core to another: two threads take turns
 * incrementing one counter, and half a round trip is the one-way time. Printed with every
 * run because the cross-thread cases move with it: on the 2-core benchmark VM it measured
 * about 27 ns while the host ran both vCPUs close together and about 170 ns when it did not
 * (the move is the host's and can happen mid-run), and `frames_small` fell from about 20 M
 * to 5-10 M frames/s with it. A run's figures are comparable only within one such regime.
 */
object CoreToCore {
    /**
     * The least of three measurements after one untimed: the first runs in the interpreter
     * (the JIT compiles the loops while they run), and the least is the one fewest
     * interrupted. Null if the two threads could not take turns in time (one CPU).
     */
    fun measure(): Double? {
        oneWayNs() ?: return null
        return (1..3).mapNotNull { oneWayNs() }.minOrNull()
    }

    /** One-way nanoseconds, or null if the two threads could not take turns in time (one CPU). */
    private fun oneWayNs(turns: Long = 200_000, budgetNs: Long = 500_000_000): Double? {
        val counter = AtomicLong(0)
        val stop = AtomicBoolean(false)
        // The partner answers every odd value with the next even one.
        val partner = Thread {
            var expect = 1L
            while (!stop.get()) {
                if (counter.get() == expect) {
                    counter.set(expect + 1)
                    expect += 2
                } else {
                    Thread.onSpinWait()
                }
            }
        }.apply { isDaemon = true; name = "core-to-core"; start() }
        val deadline = System.nanoTime() + budgetNs

        /** Spins until the partner has answered with [value]; false once the budget is spent. */
        fun answered(value: Long): Boolean {
            var spins = 0
            while (counter.get() != value) {
                Thread.onSpinWait()
                // The clock only now and then: reading it on every spin would be timed too.
                if (++spins and 1023 == 0 && System.nanoTime() > deadline) return false
            }
            return true
        }

        try {
            // The partner thread needs a moment to start: count from its first answer.
            counter.set(1)
            if (!answered(2)) return null
            val t0 = System.nanoTime()
            var next = 2L
            while (next < 2 * turns) {
                counter.set(next + 1)
                next += 2
                if (!answered(next)) return null
            }
            return (System.nanoTime() - t0).toDouble() / (2 * (turns - 1))
        } finally {
            stop.set(true)
            partner.join(1000)
        }
    }
}
