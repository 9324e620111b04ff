package bench

/**
 * Stand-in used while `ferry generate` cannot export `impl Stream` yet: bench/run.mjs then
 * builds bench/ferry without `count` and the ferry column reports null for stream_items.
 */
object FerryStream {
    const val SUPPORTED = false

    suspend fun sum(n: Long): Long = throw UnsupportedOperationException("ferry streams not built")
}
