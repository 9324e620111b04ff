//! The JNI face of streams: the generated stream exports open a core stream whose
//! deliveries become `dev.ferry.Streams.deliver(sink, status, payload)` upcalls.

use crate::Upcall;
use ferry_core::cancel::CancellationToken;
use ferry_core::streams::{close, open, request, status, Signal};
use ferry_core::wire::Writer;
use futures_core::Stream;
use jni::sys::{jint, jlong, jvalue};
use jni::JNIEnv;
use std::future::Future;
use std::sync::OnceLock;

static DELIVER: OnceLock<Upcall> = OnceLock::new();

/// Called from `JNI_OnLoad`: caches `dev.ferry.Streams.deliver(long, int, byte[])`.
pub(crate) fn cache_jni(env: &mut JNIEnv) -> jni::errors::Result<()> {
    let _ = DELIVER.set(Upcall::resolve(env, "dev/ferry/Streams", "deliver", "(JI[B)V")?);
    Ok(())
}

/// Set in a sink id by Kotlin when the stream must not be made on the collector's thread
/// (a UI thread, or `-Dferry.inlineFirstPoll=false`).
const NO_INLINE_MAKE: jlong = 1 << 62;

/// The body of a generated stream export: opens the stream for the Kotlin sink `sink`
/// with the collector's batch size and initial credit (the window). Unless the sink id
/// says otherwise, the stream is made on the collector's thread before this returns, so
/// it exists by the time the collector first suspends.
pub fn open_for_sink<F, Fut, S, E>(sink: jlong, batch: jint, credit: jint, make: F, encode: E) -> jlong
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = S> + Send + 'static,
    S: Stream + Send + 'static,
    E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>> + Send + 'static,
{
    let make_inline = sink & NO_INLINE_MAKE == 0;
    let sink = sink & !NO_INLINE_MAKE;
    let batch = usize::try_from(batch).unwrap_or(1);
    let credit = u64::try_from(credit).unwrap_or(1);
    open(make_inline, batch, credit, make, encode, move |signal| deliver(sink, signal)) as jlong
}

/// The upcall `Streams.deliver(sink, status, payload)`, from a runtime thread.
fn deliver(sink: jlong, signal: Signal) {
    let (Some(vm), Some(upcall)) = (crate::vm(), DELIVER.get()) else { return };
    let Ok(mut env) = crate::attached_env(vm) else { return };
    let (status, payload) = match signal {
        Signal::Items(b) => (status::ITEMS, Some(b)),
        Signal::End => (status::END, None),
        Signal::Error(b) => (status::ERROR, Some(b)),
        Signal::Panic(m) => (status::PANIC, Some(m.into_bytes())),
    };
    let args = [jvalue { j: sink }, jvalue { i: status }];
    if upcall.call(&mut env, &args, payload.as_deref()).is_err() && status != status::PANIC {
        // Out of memory for the batch: end the Flow with an exception rather than leave
        // the collector waiting (the items cannot be delivered).
        deliver(sink, Signal::Panic("ferry: could not allocate a stream batch".into()));
    }
}

/// `ferryStreamRequest(stream, n)`.
pub fn request_jni(stream: jlong, n: jlong) {
    if n > 0 {
        request(stream as u64, n as u64);
    }
}

/// `ferryStreamClose(stream)`.
pub fn close_jni(stream: jlong) {
    close(stream as u64);
}
