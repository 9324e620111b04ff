package dev.ferry

import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertFailsWith

/** The JVM half of BindingsCheckTest: a library whose `ferryFingerprint` native is missing. */
class FingerprintlessLibraryTest {
    private class OldLibrary : NativeRuntime {
        override fun fingerprint(): Long = throw UnsatisfiedLinkError("no ferryFingerprint")
        override fun cancelCall(call: Long) {}
        override fun pendingCalls(): Long = 0
        override fun liveObjects(): Long = 0
        override fun openStreams(): Long = 0
    }

    @Test
    fun `a library that predates fingerprints is refused`() {
        val e = assertFailsWith<IllegalStateException> {
            NativeLibrary.verify("demo", OldLibrary(), Bindings(7, "0.1.0", NativeLibrary.RUNTIME_VERSION))
        }
        assertContains(e.message!!, "an older interface without a fingerprint")
    }
}
