package dev.ferry

import kotlinx.coroutines.Runnable

/**
 * Runs a cleanup action once an object has become unreachable: what [RustObject] needs of
 * the platform's GC. Each platform has one, `Reclaimers.DEFAULT`: on the JVM
 * `java.lang.ref.Cleaner` or, without it (Android before API 33), phantom references; on
 * Kotlin/Native `kotlin.native.ref.createCleaner`.
 *
 * The action must not reference the object (or it never becomes unreachable), and the
 * returned [Reclaimable] must be kept in a field of the object (Kotlin/Native watches it,
 * not the object). Exceptions thrown by an action run after GC are ignored, as `Cleaner`
 * does.
 */
internal interface Reclaimer {
    fun register(obj: Any, action: Runnable): Reclaimable
}

/** A registration: [clean] runs the action now unless it already ran, and unregisters. */
internal interface Reclaimable {
    fun clean()
}
