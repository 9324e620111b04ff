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
    }

    @Test
    fun streamSettingsHaveTheirDefaults() {
        assertEquals(FerryStreams.DEFAULT_BATCH, FerryStreams.batch())
        assertEquals(FerryStreams.DEFAULT_WINDOW, FerryStreams.window())
    }
}
