@file:OptIn(kotlin.experimental.ExperimentalNativeApi::class)

package dev.ferry

import kotlinx.coroutines.Runnable
import kotlin.native.ref.Cleaner
import kotlin.native.ref.createCleaner

/** Kotlin/Native's [Reclaimer]. */
internal object Reclaimers {
    val DEFAULT: Reclaimer = CleanerReclaimer()
}

/**
 * `kotlin.native.ref.createCleaner`: the GC runs a cleaner's action (on a thread of the
 * runtime's own) once the cleaner is unreachable, so the [Reclaimable] returned here must
 * live in a field of the object it watches (as in [RustObject]). The action's slot is
 * emptied by whoever runs it first, explicit [Reclaimable.clean] or the GC, so it runs at
 * most once, and it runs with no lock held.
 */
internal class CleanerReclaimer : Reclaimer {
    override fun register(obj: Any, action: Runnable): Reclaimable = Registration(kotlin.concurrent.AtomicReference(action))

    private class Registration(private val slot: kotlin.concurrent.AtomicReference<Runnable?>) : Reclaimable {
        // Holds only the slot, never the watched object or this registration.
        @Suppress("unused")
        private val cleaner: Cleaner = createCleaner(slot) { runAfterGc(it) }

        override fun clean() {
            slot.getAndSet(null)?.run()
        }
    }

    private companion object {
        /** As `java.lang.ref.Cleaner`: a failing action (a Rust panic in Drop) is ignored. */
        fun runAfterGc(slot: kotlin.concurrent.AtomicReference<Runnable?>) {
            try {
                slot.getAndSet(null)?.run()
            } catch (_: Throwable) {
            }
        }
    }
}
