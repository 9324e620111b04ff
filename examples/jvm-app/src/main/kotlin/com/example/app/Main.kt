package com.example.app

import com.example.kvstore.KvError
import com.example.kvstore.Store
import dev.ferry.FerryDiagnostics
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking

/**
 * A few calls into the Rust store. The first `Store()` loads the native library from the
 * kvstore jar (extracting it on first use); the time it took is printed, as the first line.
 */
fun main() = runBlocking {
    val started = System.nanoTime()
    Store().use { store ->
        println("library loaded and first object created in ${(System.nanoTime() - started) / 1_000_000} ms")
        store.put("greeting", "hello from Rust")
        println("greeting = ${store.get("greeting")}")
        try {
            store.get("missing")
        } catch (e: KvError.NotFound) {
            println("missing: ${e.message}")
        }
        println("watch greeting: ${store.watch("greeting").take(1).toList()}")
        println("entries: ${store.entries()}")
    }
    check(FerryDiagnostics.pendingCalls() == 0L && FerryDiagnostics.liveObjects() == 0L && FerryDiagnostics.openStreams() == 0L) {
        "work left open: ${FerryDiagnostics.pendingCalls()} calls, ${FerryDiagnostics.liveObjects()} objects, ${FerryDiagnostics.openStreams()} streams"
    }
    println("all calls, objects and streams closed")
}
