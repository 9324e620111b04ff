package dev.ferry

import kotlin.test.Test
import kotlin.test.assertEquals

class SettingsTest {
    @Test
    fun systemPropertiesMapToEnvironmentVariables() {
        assertEquals("FERRY_SPIN_MICROS", environmentVariableName("ferry.spinMicros"))
        assertEquals("FERRY_INLINE_FIRST_POLL", environmentVariableName("ferry.inlineFirstPoll"))
        assertEquals("FERRY_STREAM_BATCH", environmentVariableName("ferry.stream.batch"))
        assertEquals("FERRY_STREAM_WINDOW", environmentVariableName("ferry.stream.window"))
        assertEquals("FERRY_STREAM_WINDOW_BYTES", environmentVariableName("ferry.stream.windowBytes"))
    }

    @Test
    fun streamSettingsHaveTheirDefaults() {
        assertEquals(FerryStreams.DEFAULT_BATCH, FerryStreams.batch())
        assertEquals(FerryStreams.DEFAULT_WINDOW, FerryStreams.window())
        assertEquals(FerryStreams.DEFAULT_WINDOW_BYTES, FerryStreams.windowBytes())
    }

    @Test
    fun theStreamWindowGrowsForSmallItemsOnly() {
        val max = FerryStreams.DEFAULT_WINDOW
        val budget = FerryStreams.DEFAULT_WINDOW_BYTES
        // 8-byte items: the budget would allow 131,072; the window stops at its maximum.
        assertEquals(max, FerryStreams.adaptedWindow(max, budget, items = 512, bytes = 512 * 8 + 4))
        // 256-byte items: 4096 of them fill the budget.
        assertEquals(4096, FerryStreams.adaptedWindow(max, budget, items = 100, bytes = 100 * 256))
        // 64 KiB items: never below the starting window, as a fixed window of that size holds.
        assertEquals(FerryStreams.START_WINDOW, FerryStreams.adaptedWindow(max, budget, items = 2, bytes = 2 * 65536))
        // A window set below the starting one is never exceeded.
        assertEquals(24, FerryStreams.adaptedWindow(24, budget, items = 8, bytes = 64))
    }
}
