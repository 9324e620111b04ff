package dev.ferry

/** A Rust panic, caught at the bridge. The process keeps running; later calls work. */
class RustPanicException(message: String) : RuntimeException(message)
