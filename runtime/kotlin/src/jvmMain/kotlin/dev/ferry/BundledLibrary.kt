package dev.ferry

import java.io.File
import java.io.IOException
import java.nio.file.AtomicMoveNotSupportedException
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.security.MessageDigest

/**
 * A native library shipped inside a jar (what `ferry package` builds), extracted to a cache
 * directory so that `System.load` can map it: the JVM loads libraries from files only.
 *
 * The jar holds one library per platform at `META-INF/native/<os>-<arch>/<file>`, where
 * `<os>` is `linux`, `macos` or `windows`, `<arch>` is `x86_64` or `aarch64`, and `<file>`
 * is `System.mapLibraryName(crate)` (`lib<crate>.so`, `lib<crate>.dylib`, `<crate>.dll`).
 *
 * The copy goes to `<cache>/<hash>/<file>`, `<hash>` naming the library's content, so a new
 * build never reuses an older copy and an unchanged one is extracted once per machine.
 * `<cache>` is the system property `ferry.native.cache`, else `${user.home}/.cache/ferry/native`.
 */
internal object BundledLibrary {
    const val CACHE_PROPERTY = "ferry.native.cache"

    /**
     * The `<os>-<arch>` folder for this JVM, or null where nothing is bundled: an unknown OS or
     * architecture, or Android, whose libraries come from the APK (`System.loadLibrary`) and
     * whose `os.name` says "Linux" although a desktop Linux library cannot load there.
     */
    fun platform(
        osName: String = System.getProperty("os.name") ?: "",
        osArch: String = System.getProperty("os.arch") ?: "",
        vmName: String = System.getProperty("java.vm.name") ?: "",
    ): String? {
        if (vmName == "Dalvik") return null // ART reports the Dalvik name
        val os = when {
            osName.startsWith("Linux") -> "linux"
            osName.startsWith("Mac") || osName.startsWith("Darwin") -> "macos"
            osName.startsWith("Windows") -> "windows"
            else -> return null
        }
        val arch = when (osArch) {
            "amd64", "x86_64" -> "x86_64"
            "aarch64", "arm64" -> "aarch64"
            else -> return null
        }
        return "$os-$arch"
    }

    /** Where [crateName]'s library for [platform] sits in a jar. */
    fun resourcePath(crateName: String, platform: String): String =
        "META-INF/native/$platform/${System.mapLibraryName(crateName)}"

    /**
     * The bundled library of [crateName] as a file to load, extracting it first if needed, or
     * null when [loader] (the one that loaded the generated bindings) has no library for this
     * platform.
     *
     * `ferry package` also writes `<file>.sha256` beside the library: its SHA-256 in hex and
     * its size. With it, a cached copy of that size is used without reading the library out
     * of the jar; hashing several megabytes in a JVM that has just started costs more than
     * loading the library itself. Without it, the library is read and hashed every start.
     */
    fun locate(crateName: String, loader: ClassLoader?): File? {
        val platform = platform() ?: return null
        val path = resourcePath(crateName, platform)
        val from = loader ?: ClassLoader.getSystemClassLoader()
        val fileName = System.mapLibraryName(crateName)
        val digest = from.getResourceAsStream("$path.sha256")?.use { Digest.parse(String(it.readBytes(), Charsets.UTF_8), path) }
        if (digest != null) {
            val cached = File(File(cacheRoot(), digest.key), fileName)
            if (cached.isFile && cached.length() == digest.size) return cached
        }
        val bytes = from.getResourceAsStream(path)?.use { it.readBytes() } ?: return null
        if (digest != null && (hash(bytes) != digest.key || bytes.size.toLong() != digest.size)) {
            throw IOException("$path does not match its $path.sha256: the jar is damaged")
        }
        return extract(bytes, fileName, cacheRoot())
    }

    /** The content of a `<file>.sha256` resource: `<sha-256 in hex> <size in bytes>`. */
    private class Digest(val key: String, val size: Long) {
        companion object {
            fun parse(text: String, path: String): Digest {
                // No Regex: its classes alone cost milliseconds in a JVM that has just started.
                val parts = text.trim().split(' ').filter { it.isNotEmpty() }
                val size = parts.getOrNull(1)?.toLongOrNull()
                val hex = parts.getOrNull(0).orEmpty()
                if (parts.size != 2 || hex.length != 64 || hex.any { it !in '0'..'9' && it !in 'a'..'f' } || size == null) {
                    throw IOException("$path.sha256 is not '<sha-256> <size>'")
                }
                return Digest(parts[0].substring(0, KEY_HEX_DIGITS), size)
            }
        }
    }

    fun cacheRoot(): File =
        System.getProperty(CACHE_PROPERTY)?.let(::File)
            ?: File(System.getProperty("user.home"), ".cache${File.separator}ferry${File.separator}native")

    /**
     * [bytes] as `<root>/<hash>/<fileName>`; an existing file with the same content is used as
     * it is. Several threads or processes may extract at once: each writes a temporary file of
     * its own in the same directory and renames it into place, so no one ever sees (or loads) a
     * partly written library.
     */
    fun extract(bytes: ByteArray, fileName: String, root: File): File {
        val dir = File(root, hash(bytes))
        val target = File(dir, fileName)
        if (holds(target, bytes)) return target
        if (!dir.isDirectory && !dir.mkdirs() && !dir.isDirectory) throw IOException("cannot create $dir")
        val temp = File.createTempFile("$fileName.", ".tmp", dir)
        try {
            temp.writeBytes(bytes)
            temp.setExecutable(true, true)
            try {
                Files.move(temp.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
            } catch (e: IOException) {
                // Windows refuses to replace a library another process has loaded; that copy
                // has our content (same hash), so it will do. Anything else is a real failure.
                if (e is AtomicMoveNotSupportedException || !holds(target, bytes)) throw e
            }
        } finally {
            temp.delete()
        }
        if (!holds(target, bytes)) throw IOException("$target does not hold the bundled library after extraction")
        return target
    }

    private fun holds(file: File, bytes: ByteArray): Boolean =
        file.isFile && file.length() == bytes.size.toLong() && file.readBytes().contentEquals(bytes)

    /** Hex digits of the SHA-256 that name a cache directory: 128 bits tell builds apart. */
    private const val KEY_HEX_DIGITS = 32

    /** The first 128 bits of the content's SHA-256, in hex. */
    fun hash(bytes: ByteArray): String =
        MessageDigest.getInstance("SHA-256").digest(bytes).take(KEY_HEX_DIGITS / 2).joinToString("") { "%02x".format(it) }
}
