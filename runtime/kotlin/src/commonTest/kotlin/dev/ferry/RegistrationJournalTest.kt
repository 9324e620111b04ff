package dev.ferry

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/** The journal that keeps a half-encoded call's registrations from leaking. */
class RegistrationJournalTest {
    private object NoLibrary : NativeRuntime {
        override fun fingerprint(): Long = 0
        override fun cancelCall(call: Long) {}
        override fun pendingCalls(): Long = 0
        override fun liveObjects(): Long = 0
        override fun openStreams(): Long = 0
    }

    private object NoDispatch : CallbackDispatch {
        override fun call(target: Any, method: Int, r: WireReader, w: WireWriter) = error("not called")
        override fun prepareSuspend(target: Any, method: Int, r: WireReader): suspend (WireWriter) -> Unit = error("not called")
    }

    private fun register(): Long = Callbacks.register(Any(), NoDispatch, NoLibrary)

    @Test
    fun anAbandonedJournalReleasesWhatWasRegisteredUnderItAndASealedOneKeepsIt() {
        val before = Callbacks.live()
        val failing = Callbacks.openJournal()
        assertFailsWith<IllegalStateException> {
            failing.guard {
                register()
                register()
                throw IllegalStateException("a closed object further on")
            }
        }
        assertEquals(before, Callbacks.live(), "both released")
        failing.abandon() // a second time: nothing more

        val passing = Callbacks.openJournal()
        val kept = passing.guard { register() }
        passing.seal()
        passing.abandon() // after sealing: the entry is Rust's, not the journal's
        assertEquals(before + 1, Callbacks.live())
        Callbacks.release(kept)
        assertEquals(before, Callbacks.live())
    }

    @Test
    fun journalsNestAndARegistrationBelongsToTheInnermostOnly() {
        val before = Callbacks.live()
        val outer = Callbacks.openJournal()
        outer.guard { register() }
        val inner = Callbacks.openJournal()
        val innerHandle = inner.guard { register() }
        inner.seal()
        val afterInner = outer.guard { register() }
        outer.abandon()
        assertEquals(before + 1, Callbacks.live(), "only the sealed inner registration is left")
        Callbacks.release(innerHandle)
        // Closed journals are no longer current: a plain registration is nobody's to abandon.
        val plain = register()
        Callbacks.openJournal().abandon()
        assertEquals(before + 1, Callbacks.live())
        Callbacks.release(plain)
        Callbacks.release(afterInner) // released already by the outer journal: a no-op
        assertEquals(before, Callbacks.live())
    }
}
