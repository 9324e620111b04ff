package dev.ferry

import java.io.File
import java.net.URLClassLoader
import java.nio.file.Files
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Extraction of a library bundled in a jar (BundledLibrary): keying, cache hits, races. */
class BundledLibraryTest {
    private val root: File = Files.createTempDirectory("ferry-bundled-test").toFile()

    @AfterTest
    fun cleanUp() {
        root.deleteRecursively()
    }

    private fun leftovers(dir: File) = dir.listFiles()!!.filter { it.name.endsWith(".tmp") }

    @Test
    fun `the library lands under its content hash, and an unchanged one is not written again`() {
        val bytes = ByteArray(300_000) { (it * 31).toByte() }
        val first = BundledLibrary.extract(bytes, "libdemo.so", root)
        assertEquals(File(File(root, BundledLibrary.hash(bytes)), "libdemo.so"), first)
        assertContentEquals(bytes, first.readBytes())
        first.setLastModified(1_000_000_000_000) // a cache hit leaves the file alone
        val second = BundledLibrary.extract(bytes, "libdemo.so", root)
        assertEquals(first, second)
        assertEquals(1_000_000_000_000, second.lastModified())
        assertTrue(leftovers(first.parentFile).isEmpty())
    }

    @Test
    fun `a different build gets a directory of its own`() {
        val a = BundledLibrary.extract(byteArrayOf(1, 2, 3), "libdemo.so", root)
        val b = BundledLibrary.extract(byteArrayOf(1, 2, 4), "libdemo.so", root)
        assertNotEquals(a.parentFile, b.parentFile)
        assertContentEquals(byteArrayOf(1, 2, 3), a.readBytes())
        assertContentEquals(byteArrayOf(1, 2, 4), b.readBytes())
        assertEquals(32, a.parentFile.name.length)
    }

    @Test
    fun `a damaged copy in the cache is replaced`() {
        val bytes = ByteArray(4096) { it.toByte() }
        val target = BundledLibrary.extract(bytes, "libdemo.so", root)
        target.writeBytes(bytes.copyOf(100)) // e.g. truncated by a full disk
        assertContentEquals(bytes, BundledLibrary.extract(bytes, "libdemo.so", root).readBytes())
        target.writeBytes(ByteArray(4096)) // same size, other content
        assertContentEquals(bytes, BundledLibrary.extract(bytes, "libdemo.so", root).readBytes())
    }

    @Test
    fun `threads extracting at once all get the complete library and leave no temporary file`() {
        val bytes = ByteArray(2_000_000) { (it xor (it ushr 8)).toByte() }
        val threads = 8
        val barrier = CyclicBarrier(threads)
        val pool = Executors.newFixedThreadPool(threads)
        try {
            val results = (1..threads).map {
                pool.submit<Pair<File, ByteArray>> {
                    barrier.await()
                    val file = BundledLibrary.extract(bytes, "libdemo.so", root)
                    file to file.readBytes() // read right away: what a System.load would map
                }
            }.map { it.get(30, TimeUnit.SECONDS) }
            assertEquals(1, results.map { it.first }.toSet().size)
            results.forEach { assertContentEquals(bytes, it.second) }
            assertTrue(leftovers(results[0].first.parentFile).isEmpty())
        } finally {
            pool.shutdownNow()
        }
    }

    @Test
    fun `another JVM extracting at the same moment`() {
        val bytes = ByteArray(3_000_000) { (it * 7 + 3).toByte() }
        val input = File(root, "input.bin").apply { writeBytes(bytes) }
        val cache = File(root, "cache")
        val java = File(System.getProperty("java.home"), "bin${File.separator}java").path
        val children = (1..2).map {
            ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ExtractMain::class.java.name, input.path, cache.path)
                .redirectErrorStream(true).start()
        }
        val here = BundledLibrary.extract(bytes, "libdemo.so", cache)
        for (child in children) {
            val output = child.inputStream.bufferedReader().readText().trim()
            assertTrue(child.waitFor(60, TimeUnit.SECONDS))
            assertEquals(0, child.exitValue(), output)
            assertEquals(here.path, output)
        }
        assertContentEquals(bytes, here.readBytes())
        assertTrue(leftovers(here.parentFile).isEmpty())
    }

    @Test
    fun `platform folders`() {
        assertEquals("linux-x86_64", BundledLibrary.platform("Linux", "amd64", "OpenJDK 64-Bit Server VM"))
        assertEquals("linux-aarch64", BundledLibrary.platform("Linux", "aarch64", "OpenJDK 64-Bit Server VM"))
        assertEquals("macos-aarch64", BundledLibrary.platform("Mac OS X", "aarch64", "OpenJDK 64-Bit Server VM"))
        assertEquals("macos-x86_64", BundledLibrary.platform("Mac OS X", "x86_64", "OpenJDK 64-Bit Server VM"))
        assertEquals("windows-x86_64", BundledLibrary.platform("Windows 11", "amd64", "OpenJDK 64-Bit Server VM"))
        assertEquals("windows-aarch64", BundledLibrary.platform("Windows 11", "aarch64", "OpenJDK 64-Bit Server VM"))
        assertNull(BundledLibrary.platform("Linux", "aarch64", "Dalvik")) // Android: the APK's libs
        assertNull(BundledLibrary.platform("Linux", "riscv64", "OpenJDK 64-Bit Server VM"))
        assertNull(BundledLibrary.platform("FreeBSD", "amd64", "OpenJDK 64-Bit Server VM"))
    }

    @Test
    fun `the library is found in the jar of the bindings, or not at all`() {
        val platform = BundledLibrary.platform() ?: return // a platform with no bundled libraries
        val jarRoot = File(root, "jar")
        val resource = File(jarRoot, BundledLibrary.resourcePath("demo", platform))
        resource.parentFile.mkdirs()
        resource.writeBytes(byteArrayOf(9, 8, 7))
        val previous = System.getProperty(BundledLibrary.CACHE_PROPERTY)
        System.setProperty(BundledLibrary.CACHE_PROPERTY, File(root, "cache").path)
        try {
            URLClassLoader(arrayOf(jarRoot.toURI().toURL()), null).use { loader ->
                val file = BundledLibrary.locate("demo", loader)!!
                assertEquals(File(root, "cache").canonicalFile, file.parentFile.parentFile.canonicalFile)
                assertEquals(System.mapLibraryName("demo"), file.name)
                assertContentEquals(byteArrayOf(9, 8, 7), file.readBytes())
                assertNull(BundledLibrary.locate("other", loader))
            }
        } finally {
            if (previous == null) System.clearProperty(BundledLibrary.CACHE_PROPERTY) else System.setProperty(BundledLibrary.CACHE_PROPERTY, previous)
        }
    }
}

/** With the `.sha256` that `ferry package` writes beside the library: no reading on a cache hit. */
class BundledLibraryDigestTest {
    private val root: File = Files.createTempDirectory("ferry-digest-test").toFile()

    @AfterTest
    fun cleanUp() {
        root.deleteRecursively()
    }

    private fun sha256(bytes: ByteArray) = java.security.MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

    /** A class-path folder holding a library (if [library] is given) and a digest text. */
    private fun jar(name: String, library: ByteArray?, digest: String): File {
        val platform = BundledLibrary.platform()!!
        val dir = File(root, name)
        val resource = File(dir, BundledLibrary.resourcePath("demo", platform))
        resource.parentFile.mkdirs()
        if (library != null) resource.writeBytes(library)
        File(resource.path + ".sha256").writeText(digest)
        return dir
    }

    private fun <T> withCache(block: () -> T): T {
        val previous = System.getProperty(BundledLibrary.CACHE_PROPERTY)
        System.setProperty(BundledLibrary.CACHE_PROPERTY, File(root, "cache").path)
        try {
            return block()
        } finally {
            if (previous == null) System.clearProperty(BundledLibrary.CACHE_PROPERTY) else System.setProperty(BundledLibrary.CACHE_PROPERTY, previous)
        }
    }

    private fun locate(dir: File) = URLClassLoader(arrayOf(dir.toURI().toURL()), null).use { BundledLibrary.locate("demo", it) }

    @Test
    fun `a cached copy named by the digest is used without reading the library`() = withCache {
        BundledLibrary.platform() ?: return@withCache
        val bytes = ByteArray(50_000) { (it * 13).toByte() }
        val digest = "${sha256(bytes)} ${bytes.size}\n"
        val first = locate(jar("full", bytes, digest))!!
        assertEquals(BundledLibrary.hash(bytes), first.parentFile.name)
        // The same digest in a jar whose library cannot be read: the cache answers alone.
        assertEquals(first, locate(jar("digest-only", null, digest)))
    }

    @Test
    fun `a library that does not match its digest is refused`() = withCache {
        BundledLibrary.platform() ?: return@withCache
        val bytes = byteArrayOf(1, 2, 3)
        val e = assertFailsWith<java.io.IOException> { locate(jar("damaged", bytes, "${sha256(byteArrayOf(3, 2, 1))} 3")) }
        assertContains(e.message!!, "the jar is damaged")
        val malformed = assertFailsWith<java.io.IOException> { locate(jar("malformed", bytes, "not a digest")) }
        assertContains(malformed.message!!, "is not '<sha-256> <size>'")
    }
}

/** The second JVM of the race test: extracts `args[0]`'s bytes into `args[1]`, prints the path. */
object ExtractMain {
    @JvmStatic
    fun main(args: Array<String>) {
        println(BundledLibrary.extract(File(args[0]).readBytes(), "libdemo.so", File(args[1])).path)
    }
}
