package dev.ferry

import java.io.File

/**
 * Loads a ferry-generated native library once and registers it for diagnostics.
 *
 * Where the library is looked for, first match wins:
 * 1. the system property `ferry.lib.<crate_name>`: a path to the library file;
 * 2. the system property `ferry.library.path`: a directory holding `lib<crate_name>.so`
 *    (or the platform's equivalent);
 * 3. the library bundled in the jar of the bindings (`ferry package`) for this OS and
 *    architecture, at `META-INF/native/<os>-<arch>/`: extracted once to a cache directory
 *    and loaded from there (see [BundledLibrary]; never on Android);
 * 4. `System.loadLibrary(<crate_name>)`: `java.library.path`, or the APK's libs on Android.
 */
object NativeLibrary {
    /** This runtime's version; generated bindings name the version they need. */
    const val RUNTIME_VERSION = FERRY_RUNTIME_VERSION

    /**
     * Loads the library of [crateName] for [runtime] (its generated `FerryNative`) and
     * checks that library, bindings and this runtime belong together (see [verify]).
     */
    @JvmStatic
    fun load(crateName: String, runtime: NativeRuntime, bindings: Bindings) {
        Libraries.load(crateName, runtime, bindings, ::fingerprintOf) {
            try {
                val explicit = System.getProperty("ferry.lib.$crateName")
                val dir = System.getProperty("ferry.library.path")
                when {
                    explicit != null -> System.load(File(explicit).absolutePath)
                    dir != null -> System.load(File(dir, System.mapLibraryName(crateName)).absolutePath)
                    else -> {
                        val bundled = BundledLibrary.locate(crateName, runtime.javaClass.classLoader)
                        if (bundled != null) System.load(bundled.absolutePath) else System.loadLibrary(crateName)
                    }
                }
            } catch (e: UnsatisfiedLinkError) {
                throw UnsatisfiedLinkError(
                    "ferry: cannot load native library '$crateName' (${e.message}). Set -Dferry.lib.$crateName=<path> " +
                        "or -Dferry.library.path=<dir>, or put it on java.library.path."
                ).initCause(e)
            } catch (e: java.io.IOException) {
                throw UnsatisfiedLinkError(
                    "ferry: cannot extract the native library '$crateName' bundled in its jar (${e.message}). Set " +
                        "-D${BundledLibrary.CACHE_PROPERTY}=<writable dir>, or -Dferry.lib.$crateName=<path>."
                ).initCause(e)
            }
        }
    }

    /**
     * Checks that the loaded native library was generated from the same interface as the
     * Kotlin bindings; a mismatch is refused with "bindings out of date" naming both
     * fingerprints.
     */
    @JvmStatic
    fun verify(crateName: String, runtime: NativeRuntime, bindings: Bindings) =
        Libraries.verify(crateName, fingerprintOf(runtime), bindings)

    private fun fingerprintOf(runtime: NativeRuntime): Long? = try {
        runtime.fingerprint()
    } catch (_: UnsatisfiedLinkError) {
        null // a library generated before fingerprints existed
    }
}
