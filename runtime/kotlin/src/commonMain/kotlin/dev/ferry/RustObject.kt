package dev.ferry

import kotlinx.coroutines.Runnable

/**
 * Base class of every generated object class (`#[ferry::export(object)]`): owns one Rust
 * handle, which holds one `Arc` of the Rust value.
 *
 * - [close] releases the handle. It is idempotent and thread-safe; afterwards every method
 *   throws [IllegalStateException]. A call already running keeps the Rust value alive
 *   until it ends (it cloned the `Arc` when it started).
 * - An object that is never closed is released once it is unreachable, by [Reclaimer]
 *   (on the JVM `java.lang.ref.Cleaner` where it exists, else phantom references drained by
 *   the `ferry-reclaimer` thread, Android before API 33; on Kotlin/Native a
 *   `kotlin.native.ref.Cleaner`). The cleaning action holds only the handle and the
 *   library's release function, never the Kotlin object.
 *   [FerryDiagnostics.collectGarbage] runs the GC and waits for those releases (tests).
 */
abstract class RustObject protected constructor(handle: Long, release: HandleRelease) : AutoCloseable {
    /** Releases a handle in the native library that issued it (generated per library). */
    fun interface HandleRelease {
        fun release(handle: Long)
    }

    /** Marker for the generated constructors that adopt a handle Rust already issued. */
    object Adopt

    /** The cleaning action: releases the handle at most once, whoever asks first. */
    private class Owner(handle: Long, private val release: HandleRelease) : Runnable {
        val handle = AtomicLong(handle)

        override fun run() {
            val h = handle.getAndSet(0L)
            if (h != 0L) release.release(h)
        }
    }

    private val owner = Owner(handle, release)
    // Kept in a field: on Kotlin/Native the registration is what the GC watches.
    private val cleanable: Reclaimable = Reclaimers.DEFAULT.register(this, owner)

    /**
     * The Rust handle, for generated code. Throws [IllegalStateException] once closed.
     * Callers must keep this object reachable until Rust has looked the handle up (the
     * generated code does, with [keepAlive]).
     */
    fun ferryHandle(): Long {
        val h = owner.handle.get()
        check(h != 0L) { "${this::class.simpleName} is closed" }
        return h
    }

    /** True once [close] was called (or the object was cleaned). */
    val isClosed: Boolean
        get() = owner.handle.get() == 0L

    /** Releases the Rust handle. Idempotent and thread-safe. */
    override fun close() {
        cleanable.clean()
    }

    override fun toString(): String = "${this::class.simpleName}(${if (isClosed) "closed" else "handle=0x${owner.handle.get().toString(16)}"})"
}
