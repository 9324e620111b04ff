// The ART check for fixtures/functions: a plain `main` (no JUnit, which would need far more of
// the JDK than Android 10's libcore has) that calls the fixture's generated bindings on ART and
// prints one line per check. scripts/art.mjs compiles it with the bindings, dexes it and runs
// it with -Xcheck:jni from an app class loader; it reads the closing line and the exit status.
package dev.ferry.artcheck

import dev.ferry.FerryDiagnostics
import dev.ferry.RustPanicException
import fixtures.functions.VaultError
import fixtures.functions.add
import fixtures.functions.asyncLookup
import fixtures.functions.asyncPanic
import fixtures.functions.describeU64
import fixtures.functions.droppedCount
import fixtures.functions.echoString
import fixtures.functions.lookup
import fixtures.functions.sleepEcho
import fixtures.functions.startedCount
import fixtures.functions.syncPanic
import fixtures.functions.waitForever
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.coroutines.CoroutineContext
import kotlin.system.exitProcess

/** A check failed: the message says what was expected and what happened. */
private class CheckFailed(message: String) : Exception(message)

private fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw CheckFailed(message())
}

private fun <T> expectEqual(expected: T, actual: T, what: String) =
    expect(expected == actual) { "$what: expected <$expected>, got <$actual>" }

private inline fun <reified E : Throwable> expectThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw CheckFailed("$what: expected ${E::class.java.simpleName}, got $e")
    }
    throw CheckFailed("$what: expected ${E::class.java.simpleName}, nothing was thrown")
}

/** Waits (bounded) for something Rust does on its own threads, e.g. dropping a future. */
private fun eventually(what: String, timeoutMs: Long = 5_000, condition: () -> Boolean) {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (!condition()) {
        if (System.nanoTime() > deadline) throw CheckFailed("not within ${timeoutMs}ms: $what")
        Thread.sleep(2)
    }
}

/** Calls a no-argument method by reflection: the classes exist only on Android. */
private fun callStatic(className: String, method: String): Any? =
    Class.forName(className).getMethod(method).invoke(null)

/** Delegates to [target], remembering the thread that asked for each dispatch. */
private class RecordingDispatcher(private val target: CoroutineDispatcher) : CoroutineDispatcher() {
    val dispatchingThreads = ConcurrentLinkedQueue<Thread>()

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        dispatchingThreads.add(Thread.currentThread())
        target.dispatch(context, block)
    }
}

private class Check(val name: String, val body: suspend () -> String)

private val checks = listOf(
    Check("running on ART with CheckJNI, app classes in their own PathClassLoader") {
        val vmRuntime = callStatic("dalvik.system.VMRuntime", "getRuntime")
        val checkJni = vmRuntime!!.javaClass.getMethod("isCheckJniEnabled").invoke(vmRuntime)
        expectEqual(true, checkJni, "VMRuntime.isCheckJniEnabled()")
        val appLoader = Check::class.java.classLoader!!
        expectEqual("dalvik.system.PathClassLoader", appLoader.javaClass.name, "the app's class loader")
        // On a device the system class loader cannot see an APK's classes; neither here. That
        // is what makes a FindClass from a Tokio thread fail unless JNI_OnLoad cached the class.
        val systemSeesApp = try {
            ClassLoader.getSystemClassLoader().loadClass("dev.ferry.Completions"); true
        } catch (_: ClassNotFoundException) { false }
        expectEqual(false, systemSeesApp, "the system class loader finds dev.ferry.Completions")
        "vm ${System.getProperty("java.vm.name")} ${System.getProperty("java.vm.version")}"
    },
    Check("sync call (System.loadLibrary, JNI_OnLoad)") {
        expectEqual(5, add(2, 3), "add(2, 3)")
        expectEqual(Int.MIN_VALUE, add(Int.MAX_VALUE, 1), "add wraps")
        expectEqual("18446744073709551615", describeU64(ULong.MAX_VALUE), "describeU64(ULong.MAX_VALUE)")
        val text = "héllo, 世界 😀"
        expectEqual(text, echoString(text), "echoString round trip")
        "add(2, 3) = 5"
    },
    Check("async call resumed from a Tokio thread") {
        // The Rust future completes on a Tokio worker (its timer fires there), so the upcall
        // that resumes the caller runs on that thread and hands the continuation to the
        // caller's dispatcher; the recording dispatcher sees which thread asked. ferry attaches
        // its Tokio threads as daemons without a name, and ART then names them, Java side and
        // OS side alike, "Thread-<n>": no Kotlin-made thread is named so.
        val caller = Thread.currentThread()
        val recorder = RecordingDispatcher(Dispatchers.Default)
        val (value, continuedOn) = withContext(recorder) {
            val v = sleepEcho(20uL, 4242L)
            v to Thread.currentThread()
        }
        expectEqual(4242L, value, "sleepEcho(20, 4242)")
        val dispatchers = recorder.dispatchingThreads.toList()
        val attached = dispatchers.firstOrNull { it !== caller && it.isDaemon && Regex("Thread-\\d+").matches(it.name) }
        expect(attached != null) { "no dispatch came from an attached Tokio thread; dispatching threads: ${dispatchers.map { it.name }}" }
        expect(continuedOn !== attached) { "Kotlin code continued on the Tokio thread '${continuedOn.name}'" }
        "resumed by attached daemon ${attached!!.name}, continued on ${continuedOn.name}"
    },
    Check("typed errors (sync and async)") {
        expectEqual("42", lookup("answer"), "lookup(answer)")
        val notFound = expectThrows<VaultError.NotFound>("lookup(nope)") { lookup("nope") }
        expectEqual("nope", notFound.key, "NotFound.key")
        expectEqual("no entry for key 'nope'", notFound.message, "NotFound.message")
        val quota = expectThrows<VaultError.Quota>("lookup(full)") { lookup("full") }
        expectEqual(11uL to 10uL, quota.v0 to quota.v1, "Quota fields")
        val asyncNotFound = expectThrows<VaultError.NotFound>("asyncLookup(x)") { asyncLookup("x") }
        expectEqual("x", asyncNotFound.key, "async NotFound.key")
        expectEqual(42uL, asyncLookup("answer"), "asyncLookup(answer)")
        "VaultError.NotFound, VaultError.Quota"
    },
    Check("panics become RustPanicException") {
        val sync = expectThrows<RustPanicException>("syncPanic") { syncPanic("on art") }
        expect(sync.message!!.contains("sync boom: on art")) { "sync panic message: ${sync.message}" }
        val async = expectThrows<RustPanicException>("asyncPanic") { asyncPanic("on art") }
        expect(async.message!!.contains("async boom: on art")) { "async panic message: ${async.message}" }
        expectEqual(7, add(3, 4), "a call after the panics")
        "sync and async"
    },
    Check("cancellation with withTimeout drops the Rust future") {
        val started = startedCount()
        val dropped = droppedCount()
        expectThrows<TimeoutCancellationException>("withTimeout(100) { waitForever() }") {
            withTimeout(100) { waitForever() }
        }
        expectEqual(started + 1u, startedCount(), "startedCount")
        eventually("the Rust future's Drop ran") { droppedCount() == dropped + 1u }
        "dropped"
    },
    Check("1,000 concurrent async calls") {
        val n = 1_000
        val t0 = System.nanoTime()
        val results = coroutineScope {
            (0 until n).map { i -> async(Dispatchers.Default) { sleepEcho((i % 5).toULong(), i.toLong()) } }.awaitAll()
        }
        expectEqual((0 until n).map { it.toLong() }, results, "each call's own result")
        "${(System.nanoTime() - t0) / 1_000_000} ms"
    },
    Check("java.lang.ref.Cleaner absent, the phantom-reference reclaimer chosen") {
        val hasCleaner = try { Class.forName("java.lang.ref.Cleaner"); true } catch (_: ClassNotFoundException) { false }
        expectEqual(false, hasCleaner, "java.lang.ref.Cleaner exists (this libcore is API 29)")
        // The runtime's choice, read by reflection: Reclaimer is internal to dev.ferry.
        val companion = Class.forName("dev.ferry.Reclaimer").getField("Companion").get(null)
        val chosen = companion.javaClass.getMethod("getDEFAULT").invoke(companion)
        expectEqual("dev.ferry.PhantomReclaimer", chosen.javaClass.name, "Reclaimer.DEFAULT")
        chosen.javaClass.simpleName
    },
    Check("nothing left behind: pendingCalls, liveObjects, openStreams are 0") {
        eventually("pendingCalls() == 0 (is ${FerryDiagnostics.pendingCalls()})") { FerryDiagnostics.pendingCalls() == 0L }
        expectEqual(0L, FerryDiagnostics.liveObjects(), "liveObjects()")
        expectEqual(0L, FerryDiagnostics.openStreams(), "openStreams()")
        "0 / 0 / 0"
    },
)

fun main() {
    var passed = 0
    var failed = 0
    for (check in checks) {
        val t0 = System.nanoTime()
        val outcome = try {
            // Each check is bounded: a hang fails the check (and the run goes on) instead of
            // waiting for scripts/art.mjs to kill the whole VM.
            Result.success(runBlocking { withTimeout(60_000) { check.body() } })
        } catch (e: Throwable) {
            Result.failure(e)
        }
        val ms = (System.nanoTime() - t0) / 1_000_000
        outcome.fold(
            onSuccess = { detail -> passed++; println("ok    ${check.name} ($detail; ${ms} ms)") },
            onFailure = { e ->
                failed++
                println("FAIL  ${check.name}: $e")
                if (e !is CheckFailed) e.printStackTrace(System.out)
            },
        )
    }
    println("art check: $passed passed, $failed failed")
    System.out.flush()
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}
