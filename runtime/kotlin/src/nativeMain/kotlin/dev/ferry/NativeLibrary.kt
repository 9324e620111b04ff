package dev.ferry

/**
 * Accepts a ferry-generated library and registers it for diagnostics. On Kotlin/Native the
 * Rust library is linked into the binary, so there is nothing to load: this checks, as on
 * the JVM, that library, bindings and this runtime belong together (see [verify]).
 */
object NativeLibrary {
    /** This runtime's version; generated bindings name the version they need. */
    const val RUNTIME_VERSION = FERRY_RUNTIME_VERSION

    /** Checks [bindings] and [runtime] (the generated library object) and registers it. */
    fun load(crateName: String, runtime: NativeRuntime, bindings: Bindings) {
        Libraries.load(crateName, runtime, bindings, { it.fingerprint() }) {}
    }

    /**
     * Checks that the linked Rust library was generated from the same interface as the
     * Kotlin bindings; a mismatch is refused with "bindings out of date" naming both
     * fingerprints.
     */
    fun verify(crateName: String, runtime: NativeRuntime, bindings: Bindings) =
        Libraries.verify(crateName, runtime.fingerprint(), bindings)
}
