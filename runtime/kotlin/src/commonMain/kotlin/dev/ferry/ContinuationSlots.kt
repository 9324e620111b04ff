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
 * One lock guards the table: register and take are a few array stores each, shorter than
 * any lock-free scheme's bookkeeping, and the lock is never held while user code runs.
 */
internal class ContinuationSlots<C : Any, L : Any>(initialCapacity: Int = 256) {
    /**
     * What [take] removed: the waiting continuation, the library that owns its call, and the
     * kind of value it waits for (what [register] was given).
     */
    class Taken<C, L>(val continuation: C, val library: L, val kind: Int)

    private val lock = Lock()
    // Arrays of Any because a generic array cannot be created; every store is a C or an L.
    private var continuations = arrayOfNulls<Any>(initialCapacity)
    private var libraries = arrayOfNulls<Any>(initialCapacity)
    private var generations = IntArray(initialCapacity)
    private var kinds = ByteArray(initialCapacity)
    private var free = IntArray(initialCapacity) { initialCapacity - 1 - it }
    private var freeCount = initialCapacity
    // Outside the lock so the spin heuristic of every call can read it without contention.
    private val waiting = AtomicInteger()

    init {
        require(initialCapacity > 0) { "initialCapacity must be positive: $initialCapacity" }
    }

    /** [kind] (0 to 127) rides along for whoever takes the continuation. */
    fun register(continuation: C, library: L, kind: Int = 0): Long = synchronized(lock) {
        if (freeCount == 0) grow()
        val slot = free[--freeCount]
        continuations[slot] = continuation
        libraries[slot] = library
        kinds[slot] = kind.toByte()
        val generation = (generations[slot] + 1) and 0x3FFF_FFFF
        generations[slot] = generation
        waiting.incrementAndGet()
        (generation.toLong() shl 32) or slot.toLong()
    }

    private fun grow() {
        val old = continuations.size
        continuations = continuations.copyOf(old * 2)
        libraries = libraries.copyOf(old * 2)
        generations = generations.copyOf(old * 2)
        kinds = kinds.copyOf(old * 2)
        free = IntArray(old * 2)
        for (i in 0 until old) free[i] = old * 2 - 1 - i
        freeCount = old
    }

    /** Removes and returns what was registered under [id], if it is still there. */
    fun take(id: Long): Taken<C, L>? = synchronized(lock) {
        val slot = liveSlot(id)
        if (slot < 0) return null
        @Suppress("UNCHECKED_CAST")
        Taken(continuations[slot] as C, libraries[slot] as L, kinds[slot].toInt()).also { free(slot) }
    }

    /**
     * [take] of the continuations of [count] ids under one lock: the ids are at the even
     * indices of [pairs] (`id, value, id, value, ...`); an id no longer registered is null.
     * The kind each was registered with goes to [kindsOut].
     */
    fun takeBatch(pairs: LongArray, count: Int, kindsOut: ByteArray): Array<Any?> = synchronized(lock) {
        Array(count) { i ->
            val slot = liveSlot(pairs[2 * i])
            if (slot < 0) {
                null
            } else {
                kindsOut[i] = kinds[slot]
                continuations[slot].also { free(slot) }
            }
        }
    }

    /** Removes what was registered under [id]; true if it was still there. [take] without the result. */
    fun remove(id: Long): Boolean = synchronized(lock) {
        val slot = liveSlot(id)
        if (slot >= 0) free(slot)
        slot >= 0
    }

    /** The slot of [id] if that registration is still there, else -1. Under the lock. */
    private fun liveSlot(id: Long): Int {
        val slot = (id and 0xFFFF_FFFFL).toInt()
        if (slot < 0 || slot >= continuations.size || generations[slot].toLong() != (id ushr 32)) return -1
        return if (continuations[slot] == null) -1 else slot
    }

    /** Frees a live slot. Under the lock. */
    private fun free(slot: Int) {
        continuations[slot] = null
        libraries[slot] = null
        free[freeCount++] = slot
        waiting.decrementAndGet()
    }

    /** Registrations not yet taken. */
    fun waitingCount(): Int = waiting.get()
}
