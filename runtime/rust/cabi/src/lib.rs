//! ferry's C ABI face, for Kotlin/Native (cinterop). It adapts the core exactly as the
//! JNI face does, with nothing but C types:
//!
//! - integers and floats cross as themselves; objects, calls and streams as `i64` ids;
//! - byte arguments as a pointer and a length the caller keeps alive for the call
//!   ([`Bytes`]); byte results as a buffer Rust allocates and the caller frees through the
//!   library's `…_ferry_free` ([`buffer_into_raw`]): length-prefixed, so one pointer says all;
//! - a failed call writes a status and a message buffer to the caller's `status` array
//!   (two `i64`s: code, message pointer; see [`code`] and [`Status`]) instead of throwing;
//! - completions and stream signals reach Kotlin through two C function pointers the
//!   bindings register once ([`init`]), callable from any thread.
//!
//! The generated glue names everything through `ferry::cabi`, with the same helper names
//! as the JNI face, so one emitter writes both faces' bodies.

pub mod callbacks;
pub mod frames;
pub mod streams;

use ferry_core::calls::Outcome;
use ferry_core::completion::{self, Delivery};
use ferry_core::CallError;
use std::future::Future;
use std::sync::OnceLock;

/// Status codes a failed call writes to `status[0]`; Kotlin maps them to exceptions.
pub mod code {
    pub const OK: i64 = 0;
    /// Rust panicked: `RustPanicException`.
    pub const PANIC: i64 = 1;
    /// An argument could not be lifted: `IllegalArgumentException`.
    pub const INVALID_ARGUMENT: i64 = 2;
    /// Wrong state (a closed object, a stale handle): `IllegalStateException`.
    pub const INVALID_STATE: i64 = 3;
}

/// `Completions.complete`, as a C function: returns non-zero when a waiting caller took
/// the result. `payload` is valid only during the call (Kotlin copies it).
pub type CompleteFn = extern "C" fn(call: i64, status: i32, value: i64, payload: *const u8, len: i64) -> i32;
/// `Streams.deliver`, as a C function: returns non-zero when the sink took the signal.
pub type DeliverFn = extern "C" fn(sink: i64, status: i32, payload: *const u8, len: i64) -> i32;

/// `Callbacks.call`, as a C function: runs a sync callback method and hands the reply to
/// `ferry_<crate>_ferryCallbackReply(reply, ...)`; non-zero when it did.
pub type CallbackCallFn = extern "C" fn(handle: i64, method: i32, args: *const u8, len: i64, reply: i64) -> i32;
/// `Callbacks.callAsync`: starts an async callback method; non-zero when it did.
pub type CallbackCallAsyncFn = extern "C" fn(handle: i64, method: i32, call: i64, args: *const u8, len: i64) -> i32;
/// `Callbacks.cancelAsync` and `Callbacks.release`.
pub type CallbackIdFn = extern "C" fn(id: i64);

struct Upcalls {
    complete: CompleteFn,
    deliver: DeliverFn,
    call: CallbackCallFn,
    call_async: CallbackCallAsyncFn,
    cancel_async: CallbackIdFn,
    release: CallbackIdFn,
}

pub(crate) static UPCALLS: OnceLock<Upcalls> = OnceLock::new();

/// Registers the Kotlin upcalls (the bindings do it once, before the first call) and
/// applies the runtime settings of the environment (`FERRY_TOKIO_FLAVOR`,
/// `FERRY_TOKIO_WORKERS`, the native spelling of the JVM's system properties).
fn init(upcalls: Upcalls) {
    if UPCALLS.set(upcalls).is_ok() {
        frames::install();
        let flavor = std::env::var("FERRY_TOKIO_FLAVOR").ok();
        let workers = std::env::var("FERRY_TOKIO_WORKERS").ok();
        if flavor.is_some() || workers.is_some() {
            ferry_core::runtime::configure(ferry_core::runtime::config_from_settings(flavor.as_deref(), workers.as_deref()));
        }
    }
}

/// Registers the upcalls as the bindings pass them (`int64_t`s in the header, so every
/// parameter of the C face is a plain integer, float or byte pointer).
///
/// # Safety
/// Each is the address of a function with the signature of, in order, [`CompleteFn`],
/// [`DeliverFn`], [`CallbackCallFn`], [`CallbackCallAsyncFn`], [`CallbackIdFn`] (cancel)
/// and [`CallbackIdFn`] (release).
pub unsafe fn init_raw(complete: i64, deliver: i64, call: i64, call_async: i64, cancel_async: i64, release: i64) {
    assert!([complete, deliver, call, call_async, cancel_async, release].iter().all(|&f| f != 0), "ferry: null upcall");
    init(Upcalls {
        complete: std::mem::transmute::<i64, CompleteFn>(complete),
        deliver: std::mem::transmute::<i64, DeliverFn>(deliver),
        call: std::mem::transmute::<i64, CallbackCallFn>(call),
        call_async: std::mem::transmute::<i64, CallbackCallAsyncFn>(call_async),
        cancel_async: std::mem::transmute::<i64, CallbackIdFn>(cancel_async),
        release: std::mem::transmute::<i64, CallbackIdFn>(release),
    });
}

/// The context of a call's body. The JNI face passes its `JNIEnv` there; here there is
/// nothing to carry, but the generated bodies are the same for both faces.
pub struct Env(());

/// Where a C export reports failure: the caller's two `i64`s (code, message buffer), or
/// null when the caller does not want to know. It plays the part `JNIEnv` plays in a JNI
/// export: `face::sync_call(&mut env, ..)` reads the same in both.
pub struct Status(*mut i64);

impl Status {
    /// # Safety
    /// `status` is null or points to two writable `i64`s for the duration of the call.
    pub unsafe fn new(status: *mut i64) -> Self {
        Status(status)
    }

    fn fail(&mut self, code: i64, message: &str) {
        if !self.0.is_null() {
            // SAFETY: the caller's promise in `new`.
            unsafe {
                *self.0 = code;
                *self.0.add(1) = buffer_into_raw(message.as_bytes()) as i64;
            }
        }
    }
}

/// A byte argument: a pointer and a length, valid for the duration of the call.
pub struct Bytes {
    data: *const u8,
    len: i64,
}

impl Bytes {
    /// # Safety
    /// `data` points to `len` readable bytes that stay valid and unchanged for the call,
    /// or is null with `len` 0 (an empty array).
    pub unsafe fn new(data: *const u8, len: i64) -> Self {
        Bytes { data, len }
    }

    fn slice(&self) -> Result<&[u8], CallError> {
        match (self.data.is_null(), self.len) {
            (_, 0) => Ok(&[]),
            (true, _) => Err(CallError::InvalidArgument("null byte array".into())),
            (false, n) if n < 0 => Err(CallError::InvalidArgument(format!("negative length {n}"))),
            // SAFETY: the caller's promise in `new`.
            (false, n) => Ok(unsafe { std::slice::from_raw_parts(self.data, n as usize) }),
        }
    }
}

/// A returned buffer: `[len: i64 little-endian][bytes]`, one allocation, freed by
/// [`free_buffer`]. Null stands for "no value" (a failed call).
pub type Buffer = *mut u8;

const LEN_PREFIX: usize = 8;

/// Copies `bytes` into a new buffer the caller owns.
pub fn buffer_into_raw(bytes: &[u8]) -> Buffer {
    let mut boxed = vec![0u8; LEN_PREFIX + bytes.len()].into_boxed_slice();
    boxed[..LEN_PREFIX].copy_from_slice(&(bytes.len() as i64).to_le_bytes());
    boxed[LEN_PREFIX..].copy_from_slice(bytes);
    Box::into_raw(boxed) as *mut u8
}

/// Frees a buffer made by [`buffer_into_raw`]; null is ignored.
///
/// # Safety
/// `buffer` came from [`buffer_into_raw`] of this library and is freed once.
pub unsafe fn free_buffer(buffer: Buffer) {
    if buffer.is_null() {
        return;
    }
    let mut len = [0u8; LEN_PREFIX];
    std::ptr::copy_nonoverlapping(buffer, len.as_mut_ptr(), LEN_PREFIX);
    let total = LEN_PREFIX + i64::from_le_bytes(len) as usize;
    drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(buffer, total)));
}

/// The value a C function returns when it failed (the status says why).
pub trait CDefault {
    fn c_default() -> Self;
}

macro_rules! c_default {
    ($($t:ty = $v:expr),*) => {$(impl CDefault for $t { fn c_default() -> Self { $v } })*};
}

c_default!(() = (), i8 = 0, u8 = 0, i16 = 0, u16 = 0, i32 = 0, i64 = 0, f32 = 0.0, f64 = 0.0, Buffer = std::ptr::null_mut());

/// Runs a sync call's body: a panic or an error becomes the status, never unwinds into C.
#[inline]
pub fn sync_call<R: CDefault>(status: &mut Status, f: impl FnOnce(&mut Env) -> Result<R, CallError>) -> R {
    let result = ferry_core::panics::catch(|| f(&mut Env(())));
    returned(status, result)
}

/// [`sync_call`] for results that can hold objects: handles registered by a call that then
/// failed are released here.
pub fn sync_call_tracked<R: CDefault>(status: &mut Status, f: impl FnOnce(&mut Env) -> Result<R, CallError>) -> R {
    let (result, handles) = ferry_core::objects::track(|| ferry_core::panics::catch(|| f(&mut Env(()))));
    if !matches!(result, Ok(Ok(_))) {
        ferry_core::objects::release_all(&handles);
    }
    returned(status, result)
}

fn returned<R: CDefault>(status: &mut Status, result: Result<Result<R, CallError>, String>) -> R {
    let (code, message) = match result {
        Ok(Ok(r)) => return r,
        Ok(Err(CallError::Panic(m))) | Err(m) => (code::PANIC, m),
        Ok(Err(CallError::InvalidArgument(m))) => (code::INVALID_ARGUMENT, m),
        Ok(Err(CallError::InvalidState(m))) => (code::INVALID_STATE, m),
    };
    status.fail(code, &message);
    R::c_default()
}

/// Releases one object handle (close, or the cleaner of an unreachable object): 1 when it
/// was live, 0 when already released.
pub fn release_object(status: &mut Status, handle: i64) -> u8 {
    sync_call(status, |_env| ferry_core::objects::release(handle).map(u8::from).map_err(CallError::Panic))
}

pub fn bytes_arg(_env: &mut Env, bytes: &Bytes) -> Result<Vec<u8>, CallError> {
    Ok(bytes.slice()?.to_vec())
}

/// A `&[u8]` argument of a sync call: the caller's pinned array itself, no copy. It is
/// valid for the call, which is all a sync call's borrow needs.
pub fn bytes_view<'a>(_env: &mut Env, bytes: &'a Bytes) -> Result<&'a [u8], CallError> {
    bytes.slice()
}

/// A `&mut [u8]` argument of a sync call: the caller's pinned array, written in place.
pub fn bytes_out<'a>(_env: &mut Env, bytes: &'a Bytes) -> Result<BytesOut<'a>, CallError> {
    let slice = bytes.slice()?;
    // SAFETY: the C export took this pointer as `*mut u8` (the array Kotlin pinned for the
    // call, which nothing else reads or writes until it returns); the glue checks with
    // `byte_views::disjoint` that no other argument of the call overlaps it.
    Ok(BytesOut(unsafe { std::slice::from_raw_parts_mut(slice.as_ptr() as *mut u8, slice.len()) }))
}

/// A `&mut [u8]` argument: the caller's memory itself, so there is nothing to copy back.
pub struct BytesOut<'a>(&'a mut [u8]);

impl BytesOut<'_> {
    /// The JNI face copies a `byte[]` back here; in place, there is nothing left to do.
    pub fn commit(self, _env: &mut Env) -> Result<(), CallError> {
        Ok(())
    }
}

impl std::ops::Deref for BytesOut<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0
    }
}

impl std::ops::DerefMut for BytesOut<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.0
    }
}

pub fn string_arg(env: &mut Env, bytes: &Bytes) -> Result<String, CallError> {
    String::from_utf8(bytes_arg(env, bytes)?)
        .map_err(|e| CallError::InvalidArgument(format!("string is not valid UTF-8: {e}")))
}

pub fn bytes_return(_env: &mut Env, bytes: &[u8]) -> Result<Buffer, CallError> {
    Ok(buffer_into_raw(bytes))
}

/// A `String` result: its UTF-8 bytes (the JNI face returns a `java.lang.String` instead).
pub fn string_return(env: &mut Env, s: &str) -> Result<Buffer, CallError> {
    bytes_return(env, s.as_bytes())
}

/// Starts an async call for the Kotlin completion id `completion` (see
/// [`ferry_core::completion::spawn`]): `RUNNING` while it runs, else how it completed on the
/// calling thread (a small value inline, or `DONE` after the upcall).
pub fn spawn_call<F, Fut>(completion: i64, make: F) -> i64
where
    F: FnOnce(ferry_core::CancellationToken) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    completion::spawn(completion, make, deliver_completion)
}

pub fn cancel_call(completion: i64) {
    completion::cancel(completion);
}

/// A payload as an upcall passes it: pointer and length, valid during the call; length -1
/// for none (Kotlin's `CFace` reads it so).
pub(crate) fn raw_payload(payload: Option<&[u8]>) -> (*const u8, i64) {
    match payload {
        Some(p) => (p.as_ptr(), p.len() as i64),
        None => (std::ptr::null(), -1),
    }
}

fn deliver_completion(d: &Delivery) -> bool {
    let Some(upcalls) = UPCALLS.get() else { return false };
    let (data, len) = raw_payload(d.payload.as_deref());
    (upcalls.complete)(d.call, d.status, d.value, data, len) != 0
}

pub(crate) fn deliver_signal(sink: i64, status: i32, payload: Option<&[u8]>) -> bool {
    let Some(upcalls) = UPCALLS.get() else { return false };
    let (data, len) = raw_payload(payload);
    (upcalls.deliver)(sink, status, data, len) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_carries_its_length_and_frees_whole() {
        for bytes in [&b""[..], b"x", b"hello, native"] {
            let b = buffer_into_raw(bytes);
            let len = unsafe { i64::from_le_bytes(std::slice::from_raw_parts(b, 8).try_into().unwrap()) };
            assert_eq!(len as usize, bytes.len());
            assert_eq!(unsafe { std::slice::from_raw_parts(b.add(8), bytes.len()) }, bytes);
            unsafe { free_buffer(b) };
        }
    }

    #[test]
    fn failures_write_the_status_and_return_the_default() {
        let mut status = [0i64; 2];
        let r: i32 = sync_call(&mut unsafe { Status::new(status.as_mut_ptr()) }, |_| Err(CallError::InvalidState("closed".into())));
        assert_eq!((r, status[0]), (0, code::INVALID_STATE));
        let message = status[1] as Buffer;
        assert_eq!(unsafe { std::slice::from_raw_parts(message.add(8), 6) }, b"closed");
        unsafe { free_buffer(message) };

        let mut status = [0i64; 2];
        let r: i64 = sync_call(&mut unsafe { Status::new(status.as_mut_ptr()) }, |_| -> Result<i64, CallError> { panic!("boom") });
        assert_eq!((r, status[0]), (0, code::PANIC));
        unsafe { free_buffer(status[1] as Buffer) };
    }

    #[test]
    fn byte_arguments_reject_null_with_a_length_and_accept_empty() {
        let mut env = Env(());
        assert_eq!(bytes_arg(&mut env, &unsafe { Bytes::new(std::ptr::null(), 0) }).unwrap(), Vec::<u8>::new());
        assert!(bytes_arg(&mut env, &unsafe { Bytes::new(std::ptr::null(), 3) }).is_err());
        let data = [1u8, 2, 3];
        assert_eq!(bytes_arg(&mut env, &unsafe { Bytes::new(data.as_ptr(), 3) }).unwrap(), vec![1, 2, 3]);
        assert!(string_arg(&mut env, &unsafe { Bytes::new([0xffu8].as_ptr(), 1) }).is_err());
    }

    #[test]
    fn byte_views_borrow_the_callers_memory() {
        let mut env = Env(());
        let mut data = [1u8, 2, 3, 4];
        let view = unsafe { Bytes::new(data.as_ptr(), 4) };
        assert_eq!(bytes_view(&mut env, &view).unwrap().as_ptr(), data.as_ptr());
        let out = unsafe { Bytes::new(data.as_mut_ptr(), 3) };
        let mut slice = bytes_out(&mut env, &out).unwrap();
        slice.copy_from_slice(&[9, 8, 7]);
        slice.commit(&mut env).unwrap();
        assert_eq!(data, [9, 8, 7, 4]);
        assert!(bytes_out(&mut env, &unsafe { Bytes::new(std::ptr::null(), 2) }).is_err());
    }
}
