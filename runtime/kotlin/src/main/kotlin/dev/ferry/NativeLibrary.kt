package dev.ferry

import java.io.File
import java.util.concurrent.CopyOnWriteArrayList

/**
 * Loads a ferry-generated native library once and registers it for diagnostics.
 *
 * Where the library is looked for, first match wins:
 * 1. the system property `ferry.lib.<crate_name>`: a path to the library file;
 * 2. the system property `ferry.library.path`: a directory holding `lib<crate_name>.so`
 *    (or the platform's equivalent);
 * 3. `System.loadLibrary(<crate_name>)`: `java.library.path`, or the APK's libs on Android.
 */
object NativeLibrary {
    private val loaded = HashSet<String>()
    internal val runtimes = CopyOnWriteArrayList<NativeRuntime>()

    @JvmStatic
    @Synchronized
    fun load(crateName: String, runtime: NativeRuntime) {
        if (!loaded.add(crateName)) return
        try {
            val explicit = System.getProperty("ferry.lib.$crateName")
            val dir = System.getProperty("ferry.library.path")
            when {
                explicit != null -> System.load(File(explicit).absolutePath)
                dir != null -> System.load(File(dir, System.mapLibraryName(crateName)).absolutePath)
                else -> System.loadLibrary(crateName)
            }
        } catch (e: UnsatisfiedLinkError) {
            loaded.remove(crateName)
            throw UnsatisfiedLinkError(
                "ferry: cannot load native library '$crateName' (${e.message}). Set -Dferry.lib.$crateName=<path> " +
                    "or -Dferry.library.path=<dir>, or put it on java.library.path."
            ).initCause(e)
        }
        runtimes.add(runtime)
    }
}
