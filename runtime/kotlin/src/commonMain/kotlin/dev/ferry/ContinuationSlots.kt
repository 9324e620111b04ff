package dev.ferry

/**
 * The slot table behind [Completions]: what waits for Rust, keyed by the id Rust is given.
 * Generic over what is stored so the slot and generation logic can be model-checked
 * without real coroutines or a native library (see `ContinuationSlotsLincheckTest`).
 *
 * An id is `generation << 32 | slot`, the generation 30 bits wide (bit 62 of an id is
 * [Completions.NO_INLINE_POLL]). Slots are reused; the generation makes a late completion
 * for a reused slot (a call cancelled while its result was on the way) miss instead of
 * reaching the newer registration. The most recently freed slot is reused first, and
 * fresh slots are handed out in ascending order, so a steady load keeps touching the
 * same few slots.
 *
 * A slot is free, or holds one of three things: a call that is starting (reserved by
 * [reserve] before the caller has a continuation: most calls complete while starting and
 * never get one), a completion that came while its call was starting ([Early], kept until
 * the caller [attach]es), or the continuation of a caller that waits.
 *
 * One lock guards the table: register and take are a few array stores each, shorter than
 * any lock-free scheme's bookkeeping, and the lock is never held while user code runs.
 */
internal class ContinuationSlots<C : Any, L : Any>(initialCapacity: Int = 256) {
    /**
     * What [takeOrKeep] or [takeForCancel] removed: the waiting continuation, the library
     * that owns its call, and the kind of value it waits for (what [register] was given).
     * [continuation] is null for [takeOrKeep]'s answer "kept for a caller still starting"
     * and for [takeForCancel]'s "taken while starting".
     */
    class Taken<C, L>(val continuation: C?, val library: L?, val kind: Int)

    /** A completion (what `Completions.complete` was given) for a caller still starting. */
    class Early(val status: Int, val value: Long, val payload: ByteArray?)

    private val lock = Lock()
    // Per slot: null (free), STARTING, an Early, or a C. Arrays of Any because a generic
    // array cannot be created; every store is one of those, or an L.
    private var states = arrayOfNulls<Any>(initialCapacity)
    private var libraries = arrayOfNulls<Any>(initialCapacity)
    private var generations = IntArray(initialCapacity)
    private var kinds = ByteArray(initialCapacity)
    private var free = IntArray(initialCapacity) { initialCapacity - 1 - it }
    private var freeCount = initialCapacity
    // Outside the lock so the spin heuristic of every call can read them without contention.
    private val waiting = AtomicInteger()
    private val suspended = AtomicInteger()

    init {
        require(initialCapacity > 0) { "initialCapacity must be positive: $initialCapacity" }
    }

    /** A waiting [continuation]; [kind] (0 to 127) rides along for whoever takes it. */
    fun register(continuation: C, library: L, kind: Int = 0): Long =
        store(continuation, library, kind).also { suspended.incrementAndGet() }

    /**
     * A call about to start, with no continuation yet: a completion for it is kept until
     * [attach]; [remove] frees it when the start itself brought the result.
     */
    fun reserve(library: L, kind: Int = 0): Long = store(STARTING, library, kind)

    private fun store(state: Any, library: L, kind: Int): Long = synchronized(lock) {
        if (freeCount == 0) grow()
        val slot = free[--freeCount]
        states[slot] = state
        libraries[slot] = library
        kinds[slot] = kind.toByte()
        val generation = (generations[slot] + 1) and 0x3FFF_FFFF
        generations[slot] = generation
        waiting.incrementAndGet()
        (generation.toLong() shl 32) or slot.toLong()
    }

    private fun grow() {
        val old = states.size
        states = states.copyOf(old * 2)
        libraries = libraries.copyOf(old * 2)
        generations = generations.copyOf(old * 2)
        kinds = kinds.copyOf(old * 2)
        free = IntArray(old * 2)
        for (i in 0 until old) free[i] = old * 2 - 1 - i
        freeCount = old
    }

    /**
     * Gives the reserved call [id] its [continuation]. Returns null when it now waits, the
     * completion that came meanwhile (the slot is then free and the caller resumes at
     * once), or [CANCELLED] when the caller's cancellation took the call while it was
     * starting ([takeForCancel]: the Rust call is cancelled, nothing is left to do). Only
     * the caller that reserved [id] attaches, once: anything else is a bug.
     */
    fun attach(id: Long, continuation: C): Early? = synchronized(lock) {
        val slot = liveSlot(id)
        val state = if (slot < 0) return CANCELLED else states[slot]
        when {
            state === STARTING -> {
                states[slot] = continuation
                suspended.incrementAndGet()
                null
            }
            state is Early -> {
                free(slot)
                state
            }
            else -> throw IllegalStateException("ferry: call $id attached twice")
        }
    }

    /**
     * Removes the call [id] because its caller was cancelled: the continuation that waits
     * there, or, for a call still starting (the caller's cancellation handler goes in
     * before its [attach]), a [Taken] without a continuation. Either way the caller then
     * cancels the Rust call. Null when there is nothing to cancel: the id is stale, or the
     * call completed (a completion kept for [attach] is delivered there, to the cancelled
     * continuation, which releases what it holds).
     */
    fun takeForCancel(id: Long): Taken<C, L>? = synchronized(lock) {
        val slot = liveSlot(id)
        if (slot < 0 || states[slot] is Early) return null
        taken(slot)
    }

    /**
     * Removes and returns the completion kept for [id] (its call completed while starting),
     * or null when none is kept there.
     */
    fun takeKept(id: Long): Early? = synchronized(lock) {
        val slot = liveSlot(id)
        val state = if (slot < 0) null else states[slot]
        if (state !is Early) return null
        free(slot)
        state
    }

    /** The ids of the calls starting now (reserved, no continuation, no completion kept). */
    fun startingIds(): LongArray = synchronized(lock) {
        var count = 0
        for (state in states) if (state === STARTING) count++
        val ids = LongArray(count)
        var next = 0
        for (slot in states.indices) {
            if (states[slot] === STARTING) ids[next++] = (generations[slot].toLong() shl 32) or slot.toLong()
        }
        ids
    }

    /** Whether [id] is still starting: reserved, with neither a continuation nor a completion. */
    fun isStarting(id: Long): Boolean = synchronized(lock) {
        val slot = liveSlot(id)
        slot >= 0 && states[slot] === STARTING
    }

    /**
     * The completion of [id]: removes and returns its waiting continuation, or, if the
     * call is still starting, keeps the completion for [attach] and returns [KEPT]. Null
     * when there is nobody to take it (the id is stale, or already completed).
     */
    fun takeOrKeep(id: Long, status: Int, value: Long, payload: ByteArray?): Taken<C, L>? = synchronized(lock) {
        val slot = liveSlot(id)
        if (slot < 0 || states[slot] is Early) return null
        if (states[slot] === STARTING) {
            keep(slot, Early(status, value, payload))
            @Suppress("UNCHECKED_CAST")
            return KEPT as Taken<C, L>
        }
        taken(slot)
    }

    @Suppress("UNCHECKED_CAST")
    private fun taken(slot: Int): Taken<C, L> {
        val state = states[slot]
        return Taken(if (state === STARTING) null else state as C, libraries[slot] as L, kinds[slot].toInt()).also { free(slot) }
    }

    private fun keep(slot: Int, early: Early) {
        states[slot] = early
    }

    /**
     * [take] of the continuations of [count] ids under one lock: the ids are at the even
     * indices of [pairs] (`id, value, id, value, ...`); an id no longer registered is null,
     * and so is one still starting, whose value is kept for [attach] as an [Early] of
     * [valueStatus]. The kind each was registered with goes to [kindsOut].
     */
    fun takeBatch(pairs: LongArray, count: Int, kindsOut: ByteArray, valueStatus: Int): Array<Any?> = synchronized(lock) {
        var taken = 0
        val continuations = Array(count) { i ->
            val slot = liveSlot(pairs[2 * i])
            val state = if (slot < 0) null else states[slot]
            when {
                state == null || state is Early -> null
                state === STARTING -> {
                    keep(slot, Early(valueStatus, pairs[2 * i + 1], null))
                    null
                }
                else -> {
                    kindsOut[i] = kinds[slot]
                    taken++
                    state.also { clear(slot) }
                }
            }
        }
        // One update per counter for the whole batch: read without the lock, a count that
        // dropped one call at a time would show states the batch never had.
        suspended.addAndGet(-taken)
        waiting.addAndGet(-taken)
        continuations
    }

    /**
     * Removes whatever is registered under [id]: true if something still was. A kept
     * [Early] is dropped with it, so only its own caller removes a call that may have one.
     */
    fun remove(id: Long): Boolean = synchronized(lock) {
        val slot = liveSlot(id)
        if (slot >= 0) free(slot)
        slot >= 0
    }

    /** The slot of [id] if that registration is still there, else -1. Under the lock. */
    private fun liveSlot(id: Long): Int {
        val slot = (id and 0xFFFF_FFFFL).toInt()
        if (slot < 0 || slot >= states.size || generations[slot].toLong() != (id ushr 32)) return -1
        return if (states[slot] == null) -1 else slot
    }

    /** Frees a live slot. Under the lock. */
    private fun free(slot: Int) {
        val state = states[slot]
        if (state !== STARTING && state !is Early) suspended.decrementAndGet()
        clear(slot)
        waiting.decrementAndGet()
    }

    /** [free] without the counters, which the caller updates. Under the lock. */
    private fun clear(slot: Int) {
        states[slot] = null
        libraries[slot] = null
        free[freeCount++] = slot
    }

    /** Registrations not yet taken: starting, kept or waiting. */
    fun waitingCount(): Int = waiting.get()

    /** Registrations with a continuation attached: callers suspended (or about to be). */
    fun suspendedCount(): Int = suspended.get()

    companion object {
        private val STARTING = Any()
        private val KEPT = Taken<Any, Any>(null, null, 0)

        /** [attach]'s answer for a call its caller's cancellation took while it was starting. */
        val CANCELLED = Early(-1, 0, null)
    }
}
