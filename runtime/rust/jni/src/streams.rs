//! The JNI face of streams: the generated stream exports open a core stream whose
//! deliveries become `dev.ferry.Streams.deliver(sink, status, payload)` upcalls.

use crate::Upcall;
use ferry_core::cancel::CancellationToken;
use ferry_core::streams;
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

/// Opens the stream behind one collection for the Kotlin sink `sink` (see
/// [`ferry_core::streams::open_for_sink`]).
pub fn open_for_sink<F, Fut, S, E>(sink: jlong, batch: jint, credit: jint, make: F, encode: E) -> jlong
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = S> + Send + 'static,
    S: Stream + Send + 'static,
    E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>> + Send + 'static,
{
    streams::open_for_sink(sink, batch, credit, make, encode, deliver)
}

/// One upcall `Streams.deliver(sink, status, payload)`, from a runtime thread; `false` if
/// the JVM could not take it (the core then ends the Flow with a panic rather than leave
/// the collector waiting).
pub(crate) fn deliver(sink: i64, status: i32, payload: Option<&[u8]>) -> bool {
    let (Some(vm), Some(upcall)) = (crate::vm(), DELIVER.get()) else { return false };
    let Ok(mut env) = crate::attached_env(vm) else { return false };
    upcall.call(&mut env, &[jvalue { j: sink }, jvalue { i: status }], payload).is_ok()
}

pub fn request(stream: jlong, n: jlong) {
    streams::request_from_sink(stream, n);
}

pub fn close(stream: jlong) {
    streams::close(stream as u64);
}
