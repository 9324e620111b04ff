package dev.ferry

import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertFailsWith

/** Bindings, native library and runtime must belong together; each mismatch is refused clearly. */
class BindingsCheckTest {
    internal class FakeLibrary(private val fingerprint: Long) : NativeRuntime {
        override fun fingerprint(): Long = fingerprint
        override fun cancelCall(call: Long) {}
        override fun pendingCalls(): Long = 0
        override fun liveObjects(): Long = 0
        override fun openStreams(): Long = 0
    }

    @Test
    fun matchingFingerprintsPass() {
        NativeLibrary.verify("demo", FakeLibrary(0x1234), Bindings(0x1234, "0.1.0", NativeLibrary.RUNTIME_VERSION))
    }

    @Test
    fun aLibraryBuiltFromAnotherInterfaceIsRefusedNamingBoth() {
        val e = assertFailsWith<IllegalStateException> {
            NativeLibrary.verify("demo", FakeLibrary(-1L), Bindings(0x00ab, "0.1.0", NativeLibrary.RUNTIME_VERSION))
        }
        assertContains(e.message!!, "bindings out of date: regenerate")
        assertContains(e.message!!, "00000000000000ab")
        assertContains(e.message!!, "ffffffffffffffff")
    }

    @Test
    fun bindingsWrittenForAnotherRuntimeAreRefusedBeforeAnythingLoads() {
        val e = assertFailsWith<IllegalStateException> {
            NativeLibrary.load("no_such_library", FakeLibrary(7), Bindings(7, "9.0.0", "9.0.0", FERRY_PROTOCOL))
        }
        assertContains(e.message!!, "for runtime 9.0.0")
        assertContains(e.message!!, NativeLibrary.RUNTIME_VERSION)
    }

    @Test
    fun bindingsOfAnotherRuntimeProtocolAreRefusedBeforeAnythingLoads() {
        val e = assertFailsWith<IllegalStateException> {
            NativeLibrary.load("no_such_library", FakeLibrary(7), Bindings(7, "0.1.0", NativeLibrary.RUNTIME_VERSION, FERRY_PROTOCOL + 1))
        }
        assertContains(e.message!!, "for runtime protocol ${FERRY_PROTOCOL + 1}")
        assertContains(e.message!!, "speaks protocol $FERRY_PROTOCOL")
        // Refused before linking: the message is not the one of a library that is missing.
        kotlin.test.assertFalse(e.message!!.contains("cannot load"))
    }

    @Test
    fun bindingsThatNameNoProtocolAreRefusedAsOlder() {
        val e = assertFailsWith<IllegalStateException> {
            NativeLibrary.load("no_such_library", FakeLibrary(7), Bindings(7, "0.1.0", NativeLibrary.RUNTIME_VERSION))
        }
        assertContains(e.message!!, "for an older runtime protocol")
    }
}
