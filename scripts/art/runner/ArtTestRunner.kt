// The test runner on ART (scripts/art-fixture.mjs runs it): JUnit needs far more of the JDK
// than Android 10's libcore has, and an app on a device has no test engine either, so this
// finds the tests itself. Given the names of the compiled test classes, it runs each method
// annotated `@Test` (kotlin.test's annotations, which compile to JUnit 4's or JUnit 5's
// annotation classes; matched by name so that either flavour works) on a fresh instance,
// with the `@BeforeTest` / `@AfterTest` methods around it and a deadline, skips `@Ignore`d
// ones, and prints one line per test and a closing "N passed, M failed".
//
// Around the fixture's tests it checks what only an app on Android's runtime shows, whatever
// the fixture: ART with CheckJNI, the app's own class loader, kotlin.test's assertions
// without the Asserter service files that d8 does not carry into the dex, the reclaimer
// chosen without java.lang.ref.Cleaner, the library loaded by System.loadLibrary from the
// app's library directory (ART refuses it unless JNI_OnLoad returns JNI 1.2, 1.4 or 1.6), and
// Tokio's threads attached under names.
// Those lines start with "[art]" and count like tests.
package dev.ferry.arttest

import dev.ferry.FerryDiagnostics
import java.io.File
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import kotlin.system.exitProcess
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

private val TEST = setOf("org.junit.Test", "org.junit.jupiter.api.Test", "org.testng.annotations.Test")
private val BEFORE = setOf("org.junit.Before", "org.junit.jupiter.api.BeforeEach", "org.testng.annotations.BeforeMethod")
private val AFTER = setOf("org.junit.After", "org.junit.jupiter.api.AfterEach", "org.testng.annotations.AfterMethod")
private val IGNORE = setOf("org.junit.Ignore", "org.junit.jupiter.api.Disabled")

private fun Method.has(names: Set<String>) = annotations.any { it.annotationClass.java.name in names }
private fun Class<*>.has(names: Set<String>) = annotations.any { it.annotationClass.java.name in names }

/** A check failed with a message that says it all (no stack trace needed). */
private class CheckFailed(message: String) : Exception(message)

private fun verify(condition: Boolean, message: () -> String) {
    if (!condition) throw CheckFailed(message())
}

private class Tally {
    var passed = 0
    var failed = 0
    var ignored = 0
    var fixtureTests = 0
}

/**
 * Runs [body] on a thread of its own (never the VM's main thread) and waits at most
 * [deadlineMs]: a test that hangs fails with the stack it hangs in, and the run goes on.
 * Returns what [body] returned, or throws what it threw.
 */
private fun <T> withDeadline(name: String, deadlineMs: Long, body: () -> T): T {
    var result: Result<T>? = null
    val thread = Thread({
        result = try {
            Result.success(body())
        } catch (t: Throwable) {
            Result.failure(t)
        }
    }, "art-test")
    thread.isDaemon = true
    thread.start()
    thread.join(deadlineMs)
    if (thread.isAlive) {
        val e = CheckFailed("$name did not finish within $deadlineMs ms; it is at:")
        e.stackTrace = thread.stackTrace
        throw e
    }
    return result!!.getOrThrow()
}

private fun unwrap(t: Throwable): Throwable = if (t is InvocationTargetException && t.cause != null) t.cause!! else t

private fun report(tally: Tally, name: String, started: Long, failure: Throwable?, detail: String = "") {
    val ms = (System.nanoTime() - started) / 1_000_000
    if (failure == null) {
        tally.passed++
        println("ok    $name (${if (detail.isEmpty()) "" else "$detail; "}$ms ms)")
    } else {
        tally.failed++
        println("FAIL  $name ($ms ms): $failure")
        if (failure !is CheckFailed) failure.printStackTrace(System.out)
        else if (failure.stackTrace.isNotEmpty() && failure.message!!.endsWith("at:")) failure.stackTrace.forEach { println("        at $it") }
    }
    System.out.flush()
}

/** One of the runner's own checks, counted like a test. */
private fun artCheck(tally: Tally, name: String, deadlineMs: Long, body: () -> String) {
    val started = System.nanoTime()
    try {
        val detail = withDeadline(name, deadlineMs, body)
        report(tally, "[art] $name", started, null, detail)
    } catch (t: Throwable) {
        report(tally, "[art] $name", started, t)
    }
}

private fun runTestClass(tally: Tally, cls: Class<*>, deadlineMs: Long) {
    val tests = cls.methods.filter { it.has(TEST) }.sortedBy { it.name }
    if (tests.isEmpty()) return
    // Superclass methods first for @BeforeTest, last for @AfterTest, as JUnit does.
    val depth = { m: Method -> generateSequence(cls as Class<*>?) { it.superclass }.indexOf(m.declaringClass) }
    val befores = cls.methods.filter { it.has(BEFORE) }.sortedWith(compareByDescending<Method> { depth(it) }.thenBy { it.name })
    val afters = cls.methods.filter { it.has(AFTER) }.sortedWith(compareBy<Method> { depth(it) }.thenBy { it.name })
    for (test in tests) {
        val name = "${cls.name}.${test.name}"
        if (cls.has(IGNORE) || test.has(IGNORE)) {
            tally.ignored++
            println("skip  $name (@Ignore)")
            continue
        }
        tally.fixtureTests++
        val started = System.nanoTime()
        val failure = try {
            withDeadline(name, deadlineMs) {
                verify(test.parameterTypes.isEmpty()) { "a @Test method must take no parameters (suspend tests are not supported: use runBlocking)" }
                val instance = cls.getDeclaredConstructor().newInstance()
                var failure: Throwable? = null
                try {
                    for (before in befores) before.invoke(instance)
                    test.invoke(instance)
                } catch (t: Throwable) {
                    failure = unwrap(t)
                }
                for (after in afters) {
                    try {
                        after.invoke(instance)
                    } catch (t: Throwable) {
                        val e = unwrap(t)
                        if (failure == null) failure = e else failure.addSuppressed(e)
                    }
                }
                failure
            }
        } catch (t: Throwable) {
            unwrap(t)
        }
        report(tally, name, started, failure)
    }
}

private fun callStatic(className: String, method: String): Any? = Class.forName(className).getMethod(method).invoke(null)

private fun environmentChecks(tally: Tally, appLoader: ClassLoader) {
    artCheck(tally, "ART with CheckJNI", 10_000) {
        val runtime = callStatic("dalvik.system.VMRuntime", "getRuntime")!!
        verify(runtime.javaClass.getMethod("isCheckJniEnabled").invoke(runtime) == true) { "VMRuntime.isCheckJniEnabled() is false" }
        "${System.getProperty("java.vm.name")} ${System.getProperty("java.vm.version")}, ${System.getProperty("os.arch")}"
    }
    artCheck(tally, "the app's classes in their own PathClassLoader", 10_000) {
        verify(appLoader.javaClass.name == "dalvik.system.PathClassLoader") { "the app's class loader is ${appLoader.javaClass.name}" }
        // As on a device, the system class loader cannot see the app: a FindClass on a Tokio
        // thread would fail unless JNI_OnLoad cached what it needs.
        val systemSeesApp = try {
            ClassLoader.getSystemClassLoader().loadClass("dev.ferry.Completions"); true
        } catch (_: ClassNotFoundException) {
            false
        }
        verify(!systemSeesApp) { "the system class loader finds dev.ferry.Completions" }
        "parent ${appLoader.parent?.javaClass?.name}"
    }
    artCheck(tally, "kotlin.test assertions work without an Asserter service", 10_000) {
        // d8 carries no META-INF/services into the dex, so kotlin.test's ServiceLoader finds no
        // JUnit asserter and falls back to its default one: failures must still be AssertionErrors.
        assertFailsWith<AssertionError> { assertEquals(1, 2) }
        assertFailsWith<AssertionError> { assertTrue(false) }
        kotlin.test.asserter.javaClass.name
    }
    artCheck(tally, "java.lang.ref.Cleaner absent (API 29): the phantom-reference reclaimer", 10_000) {
        val hasCleaner = try {
            Class.forName("java.lang.ref.Cleaner"); true
        } catch (_: ClassNotFoundException) {
            false
        }
        verify(!hasCleaner) { "java.lang.ref.Cleaner exists on this libcore" }
        // The runtime's choice, by reflection: Reclaimers is internal to dev.ferry.
        val reclaimers = Class.forName("dev.ferry.Reclaimers")
        val chosen = reclaimers.getMethod("getDEFAULT").invoke(reclaimers.getField("INSTANCE").get(null))!!
        val expected = if (System.getProperty("ferry.reclaimer") == "cleaner") "dev.ferry.CleanerReclaimer" else "dev.ferry.PhantomReclaimer"
        verify(chosen.javaClass.name == expected) { "Reclaimers.DEFAULT is ${chosen.javaClass.name}" }
        chosen.javaClass.simpleName
    }
}

private fun afterTestsChecks(tally: Tally) {
    artCheck(tally, "the library loaded by System.loadLibrary from the app's library directory", 10_000) {
        val set = System.getProperties().stringPropertyNames().filter { it.startsWith("ferry.lib.") || it == "ferry.library.path" }
        verify(set.isEmpty()) { "set, so System.load was used instead: $set" }
        // What the process has mapped from the app's library directory (the launcher sets
        // java.library.path to it, as the app's class loader's library path).
        val appLibDir = File(System.getProperty("java.library.path")!!).canonicalPath
        val mapped = File("/proc/self/maps").readLines().mapNotNull { line -> line.split(Regex("\\s+")).getOrNull(5) }
            .filter { it.startsWith("$appLibDir/") }.map { File(it).name }.toSortedSet()
        verify(mapped.isNotEmpty()) { "nothing mapped from $appLibDir: the tests loaded no ferry library" }
        mapped.joinToString(", ")
    }
    artCheck(tally, "Tokio's threads attached under their own names", 10_000) {
        val threads = Thread.getAllStackTraces().keys
        // A thread attached without a name is called Thread-<n> by ART (the Java and the OS thread).
        val unnamed = threads.filter { Regex("Thread-\\d+").matches(it.name) }.map { it.name }
        verify(unnamed.isEmpty()) { "threads attached without a name: $unnamed" }
        val ferry = threads.filter { it.name.startsWith("ferry-tokio") }
        verify(ferry.all { it.isDaemon }) { "non-daemon runtime threads: ${ferry.filter { !it.isDaemon }.map { it.name }}" }
        if (ferry.isEmpty()) "no runtime thread attached" else ferry.map { it.name }.sorted().joinToString(", ")
    }
    // Not a check (a fixture may keep objects on purpose), but worth seeing: what is left after
    // the tests and a few collections.
    FerryDiagnostics.collectGarbage()
    println(
        "info  after the tests: pendingCalls ${FerryDiagnostics.pendingCalls()}, liveObjects ${FerryDiagnostics.liveObjects()}, " +
            "openStreams ${FerryDiagnostics.openStreams()}"
    )
}

/** Arguments: a file with the candidate test class names, one a line; the per-test deadline in ms. */
fun main(args: Array<String>) {
    val classNames = File(args[0]).readLines().map { it.trim() }.filter { it.isNotEmpty() }
    val deadlineMs = args.getOrNull(1)?.toLong() ?: 120_000L
    val appLoader = Tally::class.java.classLoader!!
    val tally = Tally()
    environmentChecks(tally, appLoader)
    for (name in classNames) {
        val cls = try {
            Class.forName(name, false, appLoader)
        } catch (e: Throwable) {
            report(tally, "loading $name", System.nanoTime(), e)
            continue
        }
        if (cls.isInterface || cls.isAnnotation || Modifier.isAbstract(cls.modifiers) || cls.isSynthetic) continue
        try {
            runTestClass(tally, cls, deadlineMs)
        } catch (e: Throwable) {
            // Reflection on the class itself failed (e.g. a method names a class the app lacks).
            report(tally, "finding the tests of $name", System.nanoTime(), e)
        }
    }
    afterTestsChecks(tally)
    if (tally.ignored > 0) println("${tally.ignored} ignored")
    if (tally.fixtureTests == 0) println("no test ran: no method annotated @Test in ${classNames.size} classes")
    println("${tally.passed} passed, ${tally.failed} failed")
    System.out.flush()
    exitProcess(if (tally.failed == 0 && tally.fixtureTests > 0) 0 else 1)
}
