//! The C face of streams: the generated stream exports open a core stream whose signals
//! reach Kotlin through the registered `deliver` function pointer.

use ferry_core::cancel::CancellationToken;
use ferry_core::streams;
use ferry_core::wire::Writer;
use futures_core::Stream;
use std::future::Future;

/// Opens the stream behind one collection for the Kotlin sink `sink` (see
/// [`ferry_core::streams::open_for_sink`]).
pub fn open_for_sink<F, Fut, S, E>(sink: i64, batch: i32, credit: i32, make: F, encode: E) -> i64
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = S> + Send + 'static,
    S: Stream + Send + 'static,
    E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>> + Send + 'static,
{
    streams::open_for_sink(sink, batch, credit, make, encode, crate::deliver_signal)
}

pub fn request(stream: i64, n: i64) {
    streams::request_from_sink(stream, n);
}

pub fn close(stream: i64) {
    streams::close(stream as u64);
}
