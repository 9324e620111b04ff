package com.example.app

import com.example.kvstore.Entry
import com.example.kvstore.KvError
import com.example.kvstore.Store
import dev.ferry.FerryDiagnostics
import java.io.File
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The store through its Maven artifact only: calls, a typed error, a Flow, and no leaks. */
class StoreTest {
    @AfterTest
    fun nothingLeftOpen() {
        // A Flow's Rust stream is dropped a moment after collection ends, on a Tokio thread.
        val deadline = System.nanoTime() + 5_000_000_000
        while (FerryDiagnostics.openStreams() != 0L && System.nanoTime() < deadline) Thread.sleep(5)
        assertEquals(0, FerryDiagnostics.pendingCalls())
        assertEquals(0, FerryDiagnostics.liveObjects())
        assertEquals(0, FerryDiagnostics.openStreams())
    }

    @Test
    fun `put, get, delete and entries`() = runBlocking<Unit> {
        Store().use { store ->
            assertNull(store.put("b", "2"))
            assertNull(store.put("a", "1"))
            assertEquals("2", store.put("b", "two"))
            assertEquals("two", store.get("b"))
            assertEquals(listOf(Entry("a", "1"), Entry("b", "two")), store.entries())
            assertTrue(store.delete("a"))
            assertFalse(store.delete("a"))
            assertEquals(listOf(Entry("b", "two")), store.entries())
        }
    }

    @Test
    fun `errors arrive as typed exceptions`() = runBlocking<Unit> {
        Store().use { store ->
            val missing = assertFailsWith<KvError.NotFound> { store.get("nothing") }
            assertEquals("nothing", missing.key)
            assertEquals("no value under 'nothing'", missing.message)
            val invalid = assertFailsWith<KvError.InvalidKey> { store.put("", "x") }
            assertContains(invalid.message!!, "1 to 256 bytes")
        }
    }

    @Test
    fun `watch is a Flow of the current value and every change`() = runBlocking<Unit> {
        Store().use { store ->
            store.put("color", "red")
            val seen = Channel<String?>(Channel.UNLIMITED)
            val watcher = launch { store.watch("color").collect { seen.send(it) } }
            withTimeout(10_000) {
                assertEquals("red", seen.receive()) // the value when collection started
                store.put("color", "green")
                assertEquals("green", seen.receive())
                store.delete("color")
                assertNull(seen.receive())
                store.put("color", "blue")
                assertEquals("blue", seen.receive())
            }
            watcher.cancel() // drops the Rust stream
            watcher.join()
        }
    }

    @Test
    fun `a Flow ends with the typed error`() = runBlocking<Unit> {
        Store().use { store ->
            assertFailsWith<KvError.InvalidKey> { store.watch("x".repeat(300)).toList() }
        }
    }

    @Test
    fun `the library came out of the kvstore jar`() {
        Store().close() // loads the library, if no other test has yet
        assertNull(System.getProperty("ferry.lib.kvstore"))
        assertNull(System.getProperty("ferry.library.path"))
        val cache = (System.getProperty("ferry.native.cache")?.let(::File)
            ?: File(System.getProperty("user.home"), ".cache/ferry/native")).canonicalPath
        // On Linux the process's own memory map names the file this JVM loaded.
        val maps = File("/proc/self/maps").takeIf { it.canRead() } ?: return
        val loaded = maps.readLines().map { it.substringAfter('/', "") }.filter { it.endsWith("/libkvstore.so") }.map { "/$it" }.toSet()
        assertEquals(1, loaded.size, "libkvstore.so mapped from $loaded")
        assertTrue(loaded.single().startsWith("$cache/"), "loaded ${loaded.single()}, not from the cache $cache")
    }
}
