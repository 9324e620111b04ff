//! The C face of callbacks: the four callback upcalls the bindings registered, reached
//! from any thread (Kotlin/Native attaches a foreign thread on its first call).

use crate::{raw_payload, Bytes, Env, UPCALLS};
use ferry_core::callbacks::{Foreign, ForeignFace};
use ferry_core::CallError;

struct CFace;

static FACE: CFace = CFace;

impl ForeignFace for CFace {
    fn call(&self, handle: i64, method: i32, args: &[u8]) -> Result<Vec<u8>, String> {
        let upcalls = UPCALLS.get().ok_or("the bindings did not register their upcalls")?;
        let mut reply: Option<Vec<u8>> = None;
        let slot = &mut reply as *mut Option<Vec<u8>> as i64;
        let (data, len) = raw_payload(Some(args));
        if (upcalls.call)(handle, method, data, len, slot) == 0 {
            return Err("the upcall failed".into());
        }
        reply.ok_or_else(|| "the callback sent no reply".into())
    }

    fn call_async(&self, handle: i64, method: i32, args: &[u8], call: i64) -> Result<(), String> {
        let upcalls = UPCALLS.get().ok_or("the bindings did not register their upcalls")?;
        let (data, len) = raw_payload(Some(args));
        if (upcalls.call_async)(handle, method, call, data, len) == 0 {
            return Err("the upcall failed".into());
        }
        Ok(())
    }

    fn cancel_async(&self, call: i64) {
        if let Some(upcalls) = UPCALLS.get() {
            (upcalls.cancel_async)(call);
        }
    }

    fn release(&self, handle: i64) {
        if let Some(upcalls) = UPCALLS.get() {
            (upcalls.release)(handle);
        }
    }
}

/// Lifts a Kotlin callback argument: takes ownership of its registry entry.
pub fn foreign(handle: i64) -> Foreign {
    Foreign::new(handle, &FACE)
}

/// The reply of a sync callback call, written by Kotlin during the `call` upcall into the
/// slot Rust passed (`ferry_<crate>_ferryCallbackReply`).
///
/// # Safety
/// `slot` is the value Rust passed to the `call` upcall now running on this thread.
pub unsafe fn reply(env: &mut Env, slot: i64, bytes: &Bytes) -> Result<(), CallError> {
    let bytes = crate::bytes_arg(env, bytes)?;
    *(slot as *mut Option<Vec<u8>>) = Some(bytes);
    Ok(())
}

/// The reply of an async callback call (the library's `ferryCallbackDone` export).
pub fn complete(env: &mut Env, call: i64, bytes: &Bytes) -> Result<(), CallError> {
    ferry_core::callbacks::complete(call, crate::bytes_arg(env, bytes)?);
    Ok(())
}
