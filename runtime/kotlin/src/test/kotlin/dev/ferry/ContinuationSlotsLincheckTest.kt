package dev.ferry

import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Options
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.StressOptions
import org.junit.jupiter.api.Assertions.assertTimeoutPreemptively
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test

/**
 * Lincheck model of [ContinuationSlots], the registry [Completions] keeps its suspended
 * callers in. Each scenario runs a few registers, completions, cancellations and counts on
 * 2-3 threads against a fresh table, and every result must match some sequential run of
 * [SequentialRegistry]: a plain map keyed by id.
 *
 * Operations address a registration by `slot` and `generation` drawn from small ranges
 * (see [ContinuationSlotsLincheckTest.id]), so scenarios mix live ids, stale ids (a slot
 * freed and registered again: an older generation) and ids never issued. The table starts
 * with two slots so that slots are reused within a scenario and a third concurrent
 * registration grows the table.
 */
@Param(name = "label", gen = IntGen::class, conf = "0:3")
@Param(name = "slot", gen = IntGen::class, conf = "0:2")
@Param(name = "generation", gen = IntGen::class, conf = "1:3")
class ContinuationSlotsLincheckTest {
    /**
     * Stands for a suspended caller. [resumes] counts how often the registry handed it out:
     * a second hand-out would resume a Kotlin continuation twice, which the real
     * `CancellableContinuation` reports as an `IllegalStateException` long after the fact.
     */
    class FakeContinuation(val label: Int) {
        val resumes = AtomicInteger()

        fun resumeOnce(): Int {
            check(resumes.incrementAndGet() == 1) { "continuation $label handed out twice" }
            return label
        }
    }

    /** Stands for the native library that owns the call; [cancelled] records [cancelCall]. */
    class FakeLibrary(val label: Int) {
        val cancelled = AtomicInteger()
        fun cancelCall() = cancelled.incrementAndGet()
    }

    private val slots = ContinuationSlots<FakeContinuation, FakeLibrary>(initialCapacity = 2)

    /** [Completions.register]: returns the id Rust would be given. */
    @Operation
    fun register(@Param(name = "label") label: Int): Long =
        slots.register(FakeContinuation(label), FakeLibrary(label))

    /**
     * [Completions.complete] by id: the label of the caller it resumed, or [MISSED] when the
     * id is stale, unknown or already taken (Rust then releases the result).
     */
    @Operation
    fun complete(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int): Int {
        val taken = slots.take(id(slot, generation)) ?: return MISSED
        check(taken.library.label == taken.continuation.label) { "continuation and library of different calls" }
        return taken.continuation.resumeOnce()
    }

    /**
     * [Completions.cancel] by id: the label of the caller whose Rust call it cancelled, or
     * [MISSED] when the call was no longer waiting. Cancelling resumes nothing itself (the
     * coroutine is already cancelled), so it reports the hand-out the same way.
     */
    @Operation
    fun cancel(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int): Int {
        val taken = slots.take(id(slot, generation)) ?: return MISSED
        taken.library.cancelCall()
        return taken.continuation.resumeOnce()
    }

    /**
     * [Completions.takeInline] by id: the call returned its value from the start itself;
     * true when the caller still waited (it is then resumed), false when a cancel took it.
     */
    @Operation
    fun completeInline(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int): Boolean =
        slots.remove(id(slot, generation))

    @Operation
    fun waitingCount(): Int = slots.waitingCount()

    private fun <O : Options<O, *>> O.scenarios(): O = this
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(3)
        .actorsAfter(2)
        .sequentialSpecification(SequentialRegistry::class.java)
        // Always check the stale-completion race, whatever the random scenarios draw:
        // slot 0 is freed before the parallel part, then re-registered (generation 2)
        // while its old id (generation 1) is completed and the new one cancelled.
        .addCustomScenario {
            initial {
                actor(ContinuationSlotsLincheckTest::register, 0)
                actor(ContinuationSlotsLincheckTest::complete, 0, 1)
            }
            parallel {
                thread { actor(ContinuationSlotsLincheckTest::register, 1) }
                thread {
                    actor(ContinuationSlotsLincheckTest::complete, 0, 1)
                    actor(ContinuationSlotsLincheckTest::cancel, 0, 2)
                }
                thread { actor(ContinuationSlotsLincheckTest::waitingCount) }
            }
            post {
                actor(ContinuationSlotsLincheckTest::complete, 0, 2)
                actor(ContinuationSlotsLincheckTest::waitingCount)
            }
        }

    /**
     * On real threads with random timing: every run agrees with the map keyed by id (each
     * registration handed out at most once, a stale id misses, `waitingCount` exact).
     */
    @Test
    fun stress() = assertTimeoutPreemptively(Duration.ofSeconds(60)) {
        StressOptions().scenarios()
            .iterations(20)
            .invocationsPerIteration(1_000)
            .check(this::class.java)
    }

    /**
     * The same property under Lincheck's scheduler, which switches threads at every shared
     * access and lock, exploring interleavings deterministically rather than by chance.
     */
    @Test
    fun modelChecking() = assertTimeoutPreemptively(Duration.ofSeconds(60)) {
        ModelCheckingOptions().scenarios()
            .iterations(12)
            .invocationsPerIteration(300)
            .check(this::class.java)
    }

    companion object {
        const val MISSED = -1

        fun id(slot: Int, generation: Int): Long = (generation.toLong() shl 32) or slot.toLong()
    }
}

/**
 * The sequential specification: registrations in a map keyed by id. It issues ids the way
 * [ContinuationSlots] documents: `generation << 32 | slot`, the most recently freed slot
 * first, else the next fresh one, and each reuse of a slot one generation later. A take
 * finds only the exact id, so a stale id never reaches the newer registration of its slot,
 * and each registration is taken at most once.
 */
class SequentialRegistry {
    private val waiting = HashMap<Long, Int>()
    private val lastGeneration = HashMap<Int, Int>()
    private val freed = ArrayDeque<Int>()
    private var nextFresh = 0

    fun register(label: Int): Long {
        val slot = freed.removeLastOrNull() ?: nextFresh++
        val generation = (lastGeneration[slot] ?: 0) + 1
        lastGeneration[slot] = generation
        val id = ContinuationSlotsLincheckTest.id(slot, generation)
        waiting[id] = label
        return id
    }

    fun complete(slot: Int, generation: Int): Int = take(slot, generation)

    fun cancel(slot: Int, generation: Int): Int = take(slot, generation)

    fun completeInline(slot: Int, generation: Int): Boolean = take(slot, generation) != ContinuationSlotsLincheckTest.MISSED

    fun waitingCount(): Int = waiting.size

    private fun take(slot: Int, generation: Int): Int {
        val label = waiting.remove(ContinuationSlotsLincheckTest.id(slot, generation)) ?: return ContinuationSlotsLincheckTest.MISSED
        freed.addLast(slot)
        return label
    }
}
