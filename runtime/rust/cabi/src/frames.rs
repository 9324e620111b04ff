//! The C face of frame rings: the same calls as the JNI face, with the memory as an address.

use crate::{bytes_return, sync_call, Buffer, Status};
use ferry_core::frames;
use ferry_core::CallError;

pub(crate) fn install() {
    frames::set_wake(|sink| crate::deliver_signal(sink, ferry_core::streams::status::ITEMS, None));
}

pub fn open(status: &mut Status, ring: i64) -> Buffer {
    sync_call(status, |env| bytes_return(env, &frames::open(ring).map_err(CallError::InvalidState)?))
}

/// The ring's memory address (valid while the pin taken in `open` is held).
pub fn memory(status: &mut Status, ring: i64) -> i64 {
    sync_call(status, |_env| frames::memory(ring).map(|(ptr, _)| ptr as i64).map_err(CallError::InvalidState))
}

pub fn unpin(_status: &mut Status, pin: i64) {
    frames::unpin(pin);
}

pub fn sync(status: &mut Status, ring: i64, sink: i64, position: i64, seen: i64) -> i64 {
    sync_call(status, |_env| frames::sync(ring, sink, position, seen).map_err(CallError::InvalidState))
}

pub fn failure(status: &mut Status, ring: i64) -> Buffer {
    sync_call(status, |env| bytes_return(env, frames::failure(ring).map_err(CallError::InvalidState)?.as_bytes()))
}

pub fn close(_status: &mut Status, ring: i64) {
    frames::close(ring);
}
