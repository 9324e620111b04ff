package dev.ferry

/**
 * The environment variable that carries the ferry setting named [property] where there are
 * no system properties (Kotlin/Native): dots become underscores, a camelCase word boundary
 * gets one, and everything is upper case. So `-Dferry.spinMicros=0` on the JVM is
 * `FERRY_SPIN_MICROS=0` on Kotlin/Native, `ferry.inlineFirstPoll` is
 * `FERRY_INLINE_FIRST_POLL`, `ferry.stream.batch` is `FERRY_STREAM_BATCH` and
 * `ferry.stream.window` is `FERRY_STREAM_WINDOW` (`ferry.stream.windowBytes`:
 * `FERRY_STREAM_WINDOW_BYTES`).
 */
internal fun environmentVariableName(property: String): String = buildString {
    for ((i, c) in property.withIndex()) {
        when {
            c == '.' -> append('_')
            c.isUpperCase() && i > 0 && (property[i - 1].isLowerCase() || property[i - 1].isDigit()) -> append('_').append(c)
            else -> append(c.uppercaseChar())
        }
    }
}
