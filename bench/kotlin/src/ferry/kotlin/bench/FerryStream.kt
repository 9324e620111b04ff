package bench

import bench.ferrygen.count as fCount

/** The ferry column's `stream_items`: Rust `count(n) -> impl Stream<Item = u64>` as `Flow<ULong>`. */
object FerryStream {
    suspend fun sum(n: Long): Long {
        var sum = 0UL
        fCount(n.toULong()).collect { sum += it }
        return sum.toLong()
    }
}
