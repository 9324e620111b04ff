//! The completion protocol both faces speak: how a foreign caller's id asks for (or
//! forbids) the first poll on its own thread, and how an async call's outcome is packed
//! into one upcall (status, a 64-bit value, an optional payload). The JNI face carries a
//! [`Delivery`] in one static method call, the C face in one function-pointer call; the
//! Kotlin side (`dev.ferry.Completions.complete`) reads the same fields on both.

use crate::calls::{self, Completed, Outcome, Started};
use crate::cancel::CancellationToken;
use std::future::Future;

/// Id flag: do not poll the future on the calling thread (a UI thread, or turned off).
pub const NO_INLINE_POLL: i64 = 1 << 62;

/// Status codes of a completion (the low bits) and its flags.
pub mod status {
    pub const VALUE: i32 = 0;
    pub const BYTES: i32 = 1;
    pub const ERROR: i32 = 2;
    pub const PANIC: i32 = 3;
    /// The library was shut down: the caller resumes with `CancellationException`.
    pub const CANCELLED: i32 = 4;
    /// The upcall happens on the calling thread, inside the call.
    pub const INLINE: i32 = 16;
    /// The payload ends with object handles (`i64`s, then their `u32` count).
    pub const HANDLES: i32 = 32;
}

/// One completion, as the upcall carries it.
#[derive(Debug)]
pub struct Delivery {
    pub call: i64,
    pub status: i32,
    pub value: i64,
    pub payload: Option<Vec<u8>>,
}

impl Delivery {
    fn new(call: i64, outcome: Outcome, handles: &[i64], flags: i32) -> Self {
        let (status, value, mut payload) = match outcome {
            Outcome::Value(v) => (status::VALUE, v, None),
            Outcome::Bytes(b) => (status::BYTES, 0, Some(b)),
            Outcome::Error(b) => (status::ERROR, 0, Some(b)),
            Outcome::Panic(m) => (status::PANIC, 0, Some(m.into_bytes())),
            Outcome::Cancelled => (status::CANCELLED, 0, None),
        };
        let mut flags = flags;
        if !handles.is_empty() {
            let bytes = payload.get_or_insert_with(Vec::new);
            for h in handles {
                bytes.extend_from_slice(&h.to_le_bytes());
            }
            bytes.extend_from_slice(&(handles.len() as u32).to_le_bytes());
            flags |= status::HANDLES;
        }
        Delivery { call, status: status | flags, value, payload }
    }

    /// What a face delivers instead when it could not hand this one over (the foreign
    /// side could not allocate the payload): the caller still ends, with a panic.
    pub fn undeliverable(&self) -> Delivery {
        Delivery {
            call: self.call,
            status: status::PANIC | (self.status & status::INLINE),
            value: 0,
            payload: Some(b"ferry: could not allocate the result".to_vec()),
        }
    }
}

/// Shuts the library down (`FerryLibrary.shutdown` in Kotlin): no call or stream starts any
/// more (they throw `IllegalStateException`), running calls and open streams are cancelled
/// (their Kotlin callers and collectors get `CancellationException`), and the runtime's
/// threads stop, on a thread of their own, within `timeout`; the caller never waits.
/// Returns false when the library was already shut down.
pub fn shutdown(timeout: std::time::Duration) -> bool {
    if !crate::runtime::begin_stop() {
        return false;
    }
    calls::cancel_all();
    crate::streams::close_all();
    let stopping = std::thread::Builder::new().name("ferry-shutdown".into()).spawn(move || crate::runtime::stop(timeout));
    if stopping.is_err() {
        crate::runtime::stop(std::time::Duration::ZERO);
    }
    true
}

/// What [`spawn`] returns (the foreign `ferryCall` reads it): the call completed on the
/// calling thread and the upcall carrying its outcome was made there.
pub const DONE: i64 = 0;
/// What [`spawn`] returns: the call runs on the runtime; one upcall will complete it.
pub const RUNNING: i64 = 1;
/// The low two bits of what [`spawn`] returns for a call that completed on the calling
/// thread with a plain value (no object handles) that fits in 62 bits: the value is the
/// rest, `(value << 2) | INLINE_VALUE`, and no upcall is made. The common case of an `async
/// fn` that returns a number without awaiting then costs no JNI (or C) upcall, no payload
/// and no registry lookup on the way back.
pub const INLINE_VALUE: i64 = 2;

/// A value [`spawn`] can return inline: one whose top three bits agree (the shift keeps it).
fn fits_inline(v: i64) -> bool {
    (v << 2) >> 2 == v
}

/// How a face hands a completion over: `true` when a waiting caller took it. `false`
/// (the caller is gone) makes the core release the object handles the result held.
pub type Deliver = fn(&Delivery) -> bool;

/// Starts an async call for the foreign completion id `completion` (with its flags) and
/// returns [`RUNNING`] while it runs on the runtime; for a call that already completed on
/// the calling thread, its small plain value tagged [`INLINE_VALUE`], or [`DONE`] once the
/// upcall (with [`status::INLINE`]) delivered any other outcome.
pub fn spawn<F, Fut>(completion: i64, make: F, deliver: Deliver) -> i64
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let poll_inline = completion & NO_INLINE_POLL == 0;
    let call = completion & !NO_INLINE_POLL;
    match calls::start(call, make, poll_inline, move |done| complete(call, done, 0, deliver)) {
        Started::Running => RUNNING,
        Started::Finished((Outcome::Value(v), handles)) if handles.is_empty() && fits_inline(v) => (v << 2) | INLINE_VALUE,
        Started::Finished(done) => {
            complete(call, done, status::INLINE, deliver);
            DONE
        }
    }
}

/// Cancels the call the foreign caller knows by `completion` (flags ignored).
pub fn cancel(completion: i64) {
    calls::cancel(completion & !NO_INLINE_POLL);
}

fn complete(call: i64, (outcome, handles): Completed, flags: i32, deliver: Deliver) {
    if !deliver(&Delivery::new(call, outcome, &handles, flags)) {
        crate::objects::release_all(&handles);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_ride_at_the_end_of_the_payload_with_their_count() {
        let d = Delivery::new(7, Outcome::Bytes(vec![1, 2]), &[5, 6], 0);
        assert_eq!(d.status, status::BYTES | status::HANDLES);
        let p = d.payload.unwrap();
        assert_eq!(&p[..2], &[1, 2]);
        assert_eq!(i64::from_le_bytes(p[2..10].try_into().unwrap()), 5);
        assert_eq!(i64::from_le_bytes(p[10..18].try_into().unwrap()), 6);
        assert_eq!(u32::from_le_bytes(p[18..22].try_into().unwrap()), 2);
    }

    #[test]
    fn a_small_value_done_on_the_first_poll_is_returned_without_an_upcall() {
        fn no_upcall(_: &Delivery) -> bool {
            panic!("no upcall expected")
        }
        for v in [0i64, 1, -1, 42, i32::MIN as i64, (1 << 61) - 1, -(1 << 61)] {
            let r = spawn(7, move |_| async move { Outcome::Value(v) }, no_upcall);
            assert_eq!(r & 3, INLINE_VALUE, "{v}");
            assert_eq!(r >> 2, v);
        }
    }

    #[test]
    fn a_value_too_wide_for_the_return_goes_through_the_upcall() {
        use std::sync::atomic::{AtomicI64, Ordering};
        static SEEN: AtomicI64 = AtomicI64::new(0);
        fn upcall(d: &Delivery) -> bool {
            assert_eq!(d.status, status::VALUE | status::INLINE);
            SEEN.store(d.value, Ordering::SeqCst);
            true
        }
        for v in [i64::MAX, i64::MIN, 1 << 61, f64::to_bits(1.5) as i64] {
            assert_eq!(spawn(8, move |_| async move { Outcome::Value(v) }, upcall), DONE);
            assert_eq!(SEEN.load(Ordering::SeqCst), v);
        }
    }

    #[test]
    fn an_undeliverable_result_becomes_a_panic_keeping_only_the_inline_flag() {
        let d = Delivery::new(7, Outcome::Value(3), &[], status::INLINE);
        let u = d.undeliverable();
        assert_eq!(u.status, status::PANIC | status::INLINE);
        assert_eq!(u.call, 7);
    }
}
