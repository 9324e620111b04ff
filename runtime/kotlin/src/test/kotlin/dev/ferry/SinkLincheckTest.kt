package dev.ferry

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine
import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Options
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.StressOptions
import org.junit.jupiter.api.Assertions.assertTimeoutPreemptively
import java.time.Duration
import kotlin.coroutines.resume
import kotlin.test.Test

/**
 * Lincheck model of [Streams.Sink], one Flow collection's mailbox: Tokio threads [offer]
 * batches, the single collector [take]s them and suspends while the mailbox is empty.
 * Every scenario's results must match some sequential run of [SequentialMailbox], a FIFO
 * queue whose `take` waits for the next offer. That covers both properties asked of it:
 *
 * - no message is lost or reordered: each producer's offers come out in the order it made
 *   them (a linearizable FIFO queue implies it), and each exactly once;
 * - no lost wake-up: a `take` that suspended on an empty mailbox must have been resumed
 *   by the end of the scenario if any offer was made after it suspended; Lincheck reports
 *   a take left suspended when the specification would have resumed it.
 *
 * The seam: the real sink resumes its collector off the Tokio thread through the
 * collector's dispatcher ([resumeOffRuntimeThread]); here it resumes in place, so the
 * resumption stays on a thread Lincheck schedules.
 */
@Param(name = "value", gen = IntGen::class, conf = "1:9")
class SinkLincheckTest {
    private val sink = Streams.Sink(wake = { it.resume(Unit) })

    /** A Tokio thread delivering one batch; [value] identifies it. */
    @Operation
    fun offer(@Param(name = "value") value: Int) =
        sink.offer(Streams.Message(Streams.STATUS_ITEMS, byteArrayOf(value.toByte())))

    /**
     * The collector, always on one thread (a sink has one collector). Not cancelled on
     * suspension: cancelling the collector ends the collection and drops the mailbox.
     */
    @Operation(nonParallelGroup = "collector", cancellableOnSuspension = false)
    suspend fun take(): Int = sink.take().payload!![0].toInt()

    private fun <O : Options<O, *>> O.scenarios(): O = this
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(1)
        .actorsAfter(1)
        .sequentialSpecification(SequentialMailbox::class.java)
        // Always check the wake-up race itself: the collector finds the mailbox empty and
        // suspends while two producers offer, with nothing queued beforehand.
        .addCustomScenario {
            parallel {
                thread {
                    actor(SinkLincheckTest::take)
                    actor(SinkLincheckTest::take)
                }
                thread { actor(SinkLincheckTest::offer, 1) }
                thread { actor(SinkLincheckTest::offer, 2) }
            }
        }

    /**
     * On real threads with random timing: every run is a FIFO queue's (no message lost,
     * duplicated or reordered) and a suspended collector is always woken by a later offer.
     */
    @Test
    fun stress() = assertTimeoutPreemptively(Duration.ofSeconds(60)) {
        StressOptions().scenarios()
            .iterations(20)
            .invocationsPerIteration(1_000)
            .check(this::class.java)
    }

    /**
     * The same properties under Lincheck's scheduler, which switches threads at every
     * shared access, so the window between the collector's empty poll and its waiter
     * becoming visible is explored deterministically rather than by chance.
     */
    @Test
    fun modelChecking() = assertTimeoutPreemptively(Duration.ofSeconds(60)) {
        ModelCheckingOptions().scenarios()
            .iterations(12)
            .invocationsPerIteration(300)
            .check(this::class.java)
    }
}

/**
 * The sequential specification: a FIFO queue with at most one waiting taker, which the
 * next offer hands its value to directly.
 */
class SequentialMailbox {
    private val queue = ArrayDeque<Int>()
    private var taker: CancellableContinuation<Int>? = null

    fun offer(value: Int) {
        val waiting = taker
        if (waiting == null) {
            queue.addLast(value)
        } else {
            taker = null
            waiting.resume(value)
        }
    }

    suspend fun take(): Int = queue.removeFirstOrNull() ?: suspendCancellableCoroutine { taker = it }
}
