package dev.ferry

/**
 * The Kotlin implementations registered (see [Callbacks.register]) while one call's
 * arguments, or one callback's reply, are encoded. An entry belongs to Rust only once the
 * call is made; if encoding fails half-way (a closed object further on, a value too deep to
 * cross), the entries made so far would have no owner, so [abandon] releases them.
 *
 * One per thread at a time, nested: [Callbacks.openJournal] makes a journal the thread's
 * current one, and [seal] or [abandon] restores the one it replaced. Encoding never suspends,
 * so a journal never outlives its thread's turn. Generated code uses it; users need not.
 */
class RegistrationJournal internal constructor(private val outer: RegistrationJournal?) {
    private var handles: LongArray? = null
    private var count = 0
    private var open = true

    internal fun add(handle: Long) {
        val all = handles ?: LongArray(4).also { handles = it }
        if (count == all.size) handles = all.copyOf(count * 2)
        handles!![count++] = handle
    }

    /** The encoding is complete and the call is about to be made: Rust takes the entries. */
    fun seal() {
        if (close()) handles = null
    }

    /** The encoding failed: releases every entry registered since the journal opened. */
    fun abandon() {
        if (!close()) return
        val all = handles ?: return
        handles = null
        for (i in 0 until count) Callbacks.release(all[i])
    }

    /** Runs [encode]; if it throws, [abandon]s the journal first. */
    inline fun <T> guard(encode: () -> T): T = try {
        encode()
    } catch (t: Throwable) {
        abandon()
        throw t
    }

    private fun close(): Boolean {
        if (!open) return false
        open = false
        setCurrentJournal(outer)
        return true
    }
}
