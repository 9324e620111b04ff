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
 * Lincheck model of [ContinuationSlots], the registry [Completions] keeps its calls in.
 * Each scenario runs a few registers, reservations (a call starting, no continuation yet),
 * attaches, completions, cancellations and counts on 2-3 threads against a fresh table, and
 * every result must match some sequential run of [SequentialRegistry]: a map keyed by id
 * whose entries are starting, kept (completed before the attach) or waiting.
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
@Param(name = "value", gen = IntGen::class, conf = "10:12")
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

    /** [Completions.reserve]: a call about to start; returns the id Rust would be given. */
    @Operation
    fun reserve(@Param(name = "label") label: Int): Long = slots.reserve(FakeLibrary(label))

    /**
     * [Completions.await]'s attach by id, with a continuation labelled [label]: [WAITING]
     * when it now waits, the value of the completion kept meanwhile (the slot is then
     * free), [GONE] for an id no longer registered (a cancel took the call while it was
     * starting), or [NOT_STARTING] for an id that already waits (the table throws: only
     * the caller that reserved an id attaches, once).
     */
    @Operation
    fun attach(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int, @Param(name = "label") label: Int): Int {
        val early = try {
            slots.attach(id(slot, generation), FakeContinuation(label)) ?: return WAITING
        } catch (_: IllegalStateException) {
            return NOT_STARTING
        }
        return if (early === ContinuationSlots.CANCELLED) GONE else early.value.toInt()
    }

    /**
     * [Completions.complete] by id with [value]: the label of the caller it resumed, [KEPT]
     * when the call was still starting (the value waits for the attach), or [MISSED] when
     * the id is stale, unknown or already completed (Rust then releases the result).
     */
    @Operation
    fun complete(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int, @Param(name = "value") value: Int): Int {
        val taken = slots.takeOrKeep(id(slot, generation), 0, value.toLong(), null) ?: return MISSED
        val continuation = taken.continuation ?: return KEPT
        checkNotNull(taken.library) { "a continuation taken without its library" }
        return continuation.resumeOnce()
    }

    /**
     * [Completions.completeBatch] of two ids with [value]: their [complete] results as
     * `first * 100 + second`, offset so [MISSED] and [KEPT] stay distinct.
     */
    @Operation
    fun completeBatch(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int, @Param(name = "value") value: Int): Int {
        val pairs = longArrayOf(id(slot, generation), value.toLong(), id((slot + 1) % 3, generation), value.toLong())
        val taken = slots.takeBatch(pairs, 2, ByteArray(2), 0)
        // Null stands for "missed or kept": the state a kept value leaves is checked by
        // the operations after it (an attach gets the value, a second completion misses).
        return batchCode(taken[0]) * 100 + batchCode(taken[1])
    }

    private fun batchCode(taken: Any?): Int = if (taken == null) BATCH_NONE else (taken as FakeContinuation).resumeOnce()

    /**
     * [Completions.cancel] by id: the label of the caller whose Rust call it cancelled,
     * [CANCELLED_STARTING] for a call taken while starting (its caller's handler ran before
     * the attach), or [MISSED] when the call was neither waiting nor starting. Cancelling
     * resumes nothing itself (the coroutine is already cancelled), so it reports the
     * hand-out the same way.
     */
    @Operation
    fun cancel(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int): Int {
        val taken = slots.takeForCancel(id(slot, generation)) ?: return MISSED
        checkNotNull(taken.library) { "a call taken without its library" }.cancelCall()
        return taken.continuation?.resumeOnce() ?: CANCELLED_STARTING
    }

    /**
     * [Completions.await]'s taking of the completion kept for a call done while starting:
     * its value, or [NONE_KEPT] when no completion is kept under the id.
     */
    @Operation
    fun takeKept(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int): Int =
        slots.takeKept(id(slot, generation))?.value?.toInt() ?: NONE_KEPT

    /** [Completions.settleStarts]' question about one id. */
    @Operation
    fun isStarting(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int): Boolean =
        slots.isStarting(id(slot, generation))

    /**
     * [Completions.forget] by id: the call returned its value from the start itself (or
     * threw); true when its registration was still there.
     */
    @Operation
    fun forget(@Param(name = "slot") slot: Int, @Param(name = "generation") generation: Int): Boolean =
        slots.remove(id(slot, generation))

    @Operation
    fun waitingCount(): Int = slots.waitingCount()

    private fun <O : Options<O, *>> O.scenarios(): O = this
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(3)
        .actorsAfter(2)
        .sequentialSpecification(SequentialRegistry::class.java)
        // A completion racing the attach of a call that is starting: whichever comes first,
        // the value reaches the caller exactly once (kept and returned by the attach, or
        // handed out with the continuation), and a stale batch entry misses.
        .addCustomScenario {
            initial {
                actor(ContinuationSlotsLincheckTest::reserve, 0)
            }
            parallel {
                thread { actor(ContinuationSlotsLincheckTest::attach, 0, 1, 3) }
                thread { actor(ContinuationSlotsLincheckTest::complete, 0, 1, 11) }
                thread {
                    actor(ContinuationSlotsLincheckTest::completeBatch, 0, 1, 12)
                    actor(ContinuationSlotsLincheckTest::waitingCount)
                }
            }
            post {
                actor(ContinuationSlotsLincheckTest::waitingCount)
            }
        }
        // The caller's cancellation (its handler goes in before the attach) racing the
        // attach and a completion of a call that is starting: the call is cancelled in Rust
        // once, or delivered once, never both lost and never handed out twice.
        .addCustomScenario {
            initial {
                actor(ContinuationSlotsLincheckTest::reserve, 0)
            }
            parallel {
                thread { actor(ContinuationSlotsLincheckTest::cancel, 0, 1) }
                thread { actor(ContinuationSlotsLincheckTest::attach, 0, 1, 3) }
                thread {
                    actor(ContinuationSlotsLincheckTest::complete, 0, 1, 11)
                    actor(ContinuationSlotsLincheckTest::isStarting, 0, 1)
                }
            }
            post {
                actor(ContinuationSlotsLincheckTest::waitingCount)
            }
        }
        // Always check the stale-completion race, whatever the random scenarios draw:
        // slot 0 is freed before the parallel part, then re-registered (generation 2)
        // while its old id (generation 1) is completed and the new one cancelled.
        .addCustomScenario {
            initial {
                actor(ContinuationSlotsLincheckTest::register, 0)
                actor(ContinuationSlotsLincheckTest::complete, 0, 1, 10)
            }
            parallel {
                thread { actor(ContinuationSlotsLincheckTest::register, 1) }
                thread {
                    actor(ContinuationSlotsLincheckTest::complete, 0, 1, 10)
                    actor(ContinuationSlotsLincheckTest::cancel, 0, 2)
                }
                thread { actor(ContinuationSlotsLincheckTest::waitingCount) }
            }
            post {
                actor(ContinuationSlotsLincheckTest::complete, 0, 2, 10)
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
        const val KEPT = -2
        const val WAITING = -3
        const val NOT_STARTING = -4
        const val GONE = -5
        const val CANCELLED_STARTING = -6
        const val NONE_KEPT = -7
        const val BATCH_NONE = 99

        fun id(slot: Int, generation: Int): Long = (generation.toLong() shl 32) or slot.toLong()
    }
}

/**
 * The sequential specification: registrations in a map keyed by id. It issues ids the way
 * [ContinuationSlots] documents: `generation << 32 | slot`, the most recently freed slot
 * first, else the next fresh one, and each reuse of a slot one generation later. An entry
 * is starting (a label for its library), kept (a completion's value, waiting for the
 * attach) or waiting (a continuation's label). Lookups find only the exact id, so a stale
 * id never reaches the newer registration of its slot, and each continuation and each kept
 * value is handed out at most once.
 */
class SequentialRegistry {
    private sealed class Entry {
        object Starting : Entry()
        class Kept(val value: Int) : Entry()
        class Waiting(val label: Int) : Entry()
    }

    private val entries = HashMap<Long, Entry>()
    private val lastGeneration = HashMap<Int, Int>()
    private val freed = ArrayDeque<Int>()
    private var nextFresh = 0

    fun register(label: Int): Long = store(Entry.Waiting(label))

    fun reserve(label: Int): Long = store(Entry.Starting)

    private fun store(entry: Entry): Long {
        val slot = freed.removeLastOrNull() ?: nextFresh++
        val generation = (lastGeneration[slot] ?: 0) + 1
        lastGeneration[slot] = generation
        val id = ContinuationSlotsLincheckTest.id(slot, generation)
        entries[id] = entry
        return id
    }

    fun attach(slot: Int, generation: Int, label: Int): Int {
        val id = ContinuationSlotsLincheckTest.id(slot, generation)
        return when (val entry = entries[id]) {
            Entry.Starting -> {
                entries[id] = Entry.Waiting(label)
                ContinuationSlotsLincheckTest.WAITING
            }
            is Entry.Kept -> {
                free(id)
                entry.value
            }
            null -> ContinuationSlotsLincheckTest.GONE
            else -> ContinuationSlotsLincheckTest.NOT_STARTING
        }
    }

    fun complete(slot: Int, generation: Int, value: Int): Int {
        val id = ContinuationSlotsLincheckTest.id(slot, generation)
        return when (val entry = entries[id]) {
            Entry.Starting -> {
                entries[id] = Entry.Kept(value)
                ContinuationSlotsLincheckTest.KEPT
            }
            is Entry.Waiting -> {
                free(id)
                entry.label
            }
            else -> ContinuationSlotsLincheckTest.MISSED
        }
    }

    fun completeBatch(slot: Int, generation: Int, value: Int): Int {
        val first = batchCode(complete(slot, generation, value))
        return first * 100 + batchCode(complete((slot + 1) % 3, generation, value))
    }

    private fun batchCode(result: Int): Int = if (result < 0) ContinuationSlotsLincheckTest.BATCH_NONE else result

    fun cancel(slot: Int, generation: Int): Int {
        val id = ContinuationSlotsLincheckTest.id(slot, generation)
        return when (val entry = entries[id]) {
            Entry.Starting -> {
                free(id)
                ContinuationSlotsLincheckTest.CANCELLED_STARTING
            }
            is Entry.Waiting -> {
                free(id)
                entry.label
            }
            else -> ContinuationSlotsLincheckTest.MISSED
        }
    }

    fun takeKept(slot: Int, generation: Int): Int {
        val id = ContinuationSlotsLincheckTest.id(slot, generation)
        val entry = entries[id] as? Entry.Kept ?: return ContinuationSlotsLincheckTest.NONE_KEPT
        free(id)
        return entry.value
    }

    fun isStarting(slot: Int, generation: Int): Boolean = entries[ContinuationSlotsLincheckTest.id(slot, generation)] == Entry.Starting

    fun forget(slot: Int, generation: Int): Boolean {
        val id = ContinuationSlotsLincheckTest.id(slot, generation)
        if (entries[id] == null) return false
        free(id)
        return true
    }

    fun waitingCount(): Int = entries.size

    private fun free(id: Long) {
        entries.remove(id)
        freed.addLast((id and 0xFFFF_FFFFL).toInt())
    }
}
