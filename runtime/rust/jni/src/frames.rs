//! The JNI face of frame rings: Kotlin's `FrameReader`/`FrameWriter` calls, and the wake-up
//! of a parked one as a `Streams.deliver` upcall to its sink.

use crate::{bytes_return, sync_call, Throw};
use ferry_core::frames;
use jni::sys::{jbyteArray, jlong, jobject};
use jni::JNIEnv;

pub(crate) fn install() {
    frames::set_wake(|sink| crate::streams::deliver(sink, ferry_core::streams::status::ITEMS, None));
}

pub fn open(env: &mut JNIEnv, ring: jlong) -> jbyteArray {
    sync_call(env, |env| bytes_return(env, &frames::open(ring).map_err(Throw::IllegalState)?))
}

/// The ring's memory as one direct `ByteBuffer` (Kotlin slices its views from it).
pub fn memory(env: &mut JNIEnv, ring: jlong) -> jobject {
    sync_call(env, |env| {
        let (ptr, size) = frames::memory(ring).map_err(Throw::IllegalState)?;
        // SAFETY: the memory stays allocated while the pin Kotlin took in `open` is held.
        Ok(unsafe { env.new_direct_byte_buffer(ptr, size) }?.into_raw())
    })
}

pub fn unpin(_env: &mut JNIEnv, pin: jlong) {
    frames::unpin(pin);
}

pub fn sync(env: &mut JNIEnv, ring: jlong, sink: jlong, position: jlong, seen: jlong) -> jlong {
    sync_call(env, |_env| frames::sync(ring, sink, position, seen).map_err(Throw::IllegalState))
}

pub fn failure(env: &mut JNIEnv, ring: jlong) -> jbyteArray {
    sync_call(env, |env| bytes_return(env, frames::failure(ring).map_err(Throw::IllegalState)?.as_bytes()))
}

pub fn close(_env: &mut JNIEnv, ring: jlong) {
    frames::close(ring);
}
