//! Rust calling Kotlin: the foreign side of a `#[ferry::export(callback)]` trait.
//!
//! A Kotlin object implementing a callback trait crosses as an `i64` handle into Kotlin's
//! callback registry. The generated glue wraps it in a proxy that implements the Rust trait
//! by encoding each call's arguments and making an upcall through the face that lifted it
//! ([`ForeignFace`]): the JNI face or the C face. The proxy owns one registry entry: its
//! `Drop` releases it, so the Kotlin object lives exactly as long as Rust holds the proxy.
//!
//! Replies are `[tag][payload]`: [`reply::VALUE`] then the encoded result, [`reply::ERROR`]
//! then an encoded error enum (a typed Kotlin exception), [`reply::THROWN`] then the message
//! of any other exception, which becomes a panic in the Rust code that called.
//!
//! Async methods: the upcall starts a coroutine in Kotlin and returns at once; the reply
//! comes later through [`complete`] (a native entry point of the library). The future the
//! proxy returns owns the pending entry: dropping it before the reply cancels the Kotlin
//! coroutine (one more upcall) and a late reply finds nothing. No lock is held during an
//! upcall or while a waker runs.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// The first byte of a callback's reply.
pub mod reply {
    pub const VALUE: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const THROWN: u8 = 2;
}

/// How many arguments a scalar upcall carries ([`ForeignFace::call_scalar`]).
pub const SCALAR_ARGS: usize = 4;

/// Why a scalar upcall did not return a value.
#[derive(Debug)]
pub enum ScalarFailure {
    /// The Kotlin method threw; its description.
    Thrown(String),
    /// The upcall itself could not be made.
    Failed(String),
}

/// How a face reaches Kotlin's callback registry. Every method may be called from any
/// thread; none may unwind.
pub trait ForeignFace: Send + Sync {
    /// Runs method `method` of the object `handle` on the calling thread; the reply, or why
    /// the upcall itself failed.
    fn call(&self, handle: i64, method: i32, args: &[u8]) -> Result<Vec<u8>, String>;
    /// The fast path of a sync method whose arguments (at most [`SCALAR_ARGS`]) and result
    /// are numbers, booleans or unit, each passed as the bits of an `i64`: no buffer is
    /// encoded or allocated on either side. `None` when the face has no such path; the
    /// caller then encodes the arguments and uses [`ForeignFace::call`].
    fn call_scalar(&self, _handle: i64, _method: i32, _args: [i64; SCALAR_ARGS]) -> Option<Result<i64, ScalarFailure>> {
        None
    }
    /// Starts async method `method`; its reply arrives through [`complete`] with `call`.
    fn call_async(&self, handle: i64, method: i32, args: &[u8], call: i64) -> Result<(), String>;
    /// Cancels the coroutine of the async call `call` (its future was dropped).
    fn cancel_async(&self, call: i64);
    /// Releases the registry entry `handle`.
    fn release(&self, handle: i64);
}

/// One Kotlin object that Rust holds: the handle and the face it came through.
pub struct Foreign {
    handle: i64,
    face: &'static dyn ForeignFace,
}

impl Foreign {
    /// Takes ownership of one registry entry (the generated lifting does it once per argument).
    pub fn new(handle: i64, face: &'static dyn ForeignFace) -> Self {
        Foreign { handle, face }
    }

    /// Takes ownership of another registry entry of the same library (a Kotlin
    /// implementation inside this one's reply), reached through the same face.
    pub fn sibling(&self, handle: i64) -> Foreign {
        Foreign::new(handle, self.face)
    }

    /// A sync call; panics (in the calling Rust code, as documented) when Kotlin threw
    /// something other than the method's error type or the upcall failed.
    pub fn call(&self, trait_method: &str, method: i32, args: &[u8]) -> Vec<u8> {
        match self.face.call(self.handle, method, args) {
            Ok(reply) => checked(trait_method, reply),
            Err(why) => not_called(trait_method, &why),
        }
    }

    /// A sync call through the scalar fast path ([`ForeignFace::call_scalar`]): the result's
    /// bits, or `None` when the face has no such path. Panics as [`Foreign::call`] does.
    pub fn call_scalar(&self, trait_method: &str, method: i32, args: [i64; SCALAR_ARGS]) -> Option<i64> {
        match self.face.call_scalar(self.handle, method, args)? {
            Ok(bits) => Some(bits),
            Err(ScalarFailure::Thrown(message)) => threw(trait_method, &message),
            Err(ScalarFailure::Failed(why)) => not_called(trait_method, &why),
        }
    }

    /// An async call: a future resolving to the reply (checked as in [`Foreign::call`]).
    pub fn call_async(&self, trait_method: &'static str, method: i32, args: Vec<u8>) -> ForeignCall {
        let (tx, rx) = oneshot::channel();
        let call = NEXT_CALL.fetch_add(1, Ordering::Relaxed);
        pending().insert(call, tx);
        let started = self.face.call_async(self.handle, method, &args, call);
        if let Err(why) = started {
            pending().remove(&call);
            return ForeignCall { call, rx: None, face: self.face, trait_method, failed: Some(why) };
        }
        ForeignCall { call, rx: Some(rx), face: self.face, trait_method, failed: None }
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        forget_proxy(self.handle);
        self.face.release(self.handle);
    }
}

/// Kotlin-backed proxies by the address of their trait object (and back), so a Kotlin
/// implementation that Rust hands back to Kotlin can be recognised: Kotlin then gets its own
/// object again.
#[derive(Default)]
struct Proxies {
    by_address: HashMap<usize, i64>,
    by_handle: HashMap<i64, usize>,
}

static PROXIES: Mutex<Option<Proxies>> = Mutex::new(None);

fn proxies() -> std::sync::MutexGuard<'static, Option<Proxies>> {
    PROXIES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records that the trait object at `address` is the proxy of Kotlin handle `handle` (the
/// glue does it when it lifts a callback argument of a trait that Rust may return).
pub fn remember_proxy(address: *const (), handle: i64) {
    let mut guard = proxies();
    let p = guard.get_or_insert_with(Proxies::default);
    p.by_address.insert(address as usize, handle);
    p.by_handle.insert(handle, address as usize);
}

fn forget_proxy(handle: i64) {
    if let Some(p) = proxies().as_mut() {
        if let Some(address) = p.by_handle.remove(&handle) {
            p.by_address.remove(&address);
        }
    }
}

/// The Kotlin handle behind the trait object at `address`, or 0 when it is implemented in Rust.
pub fn kotlin_handle(address: *const ()) -> i64 {
    proxies().as_ref().and_then(|p| p.by_address.get(&(address as usize)).copied()).unwrap_or(0)
}

fn checked(trait_method: &str, mut reply: Vec<u8>) -> Vec<u8> {
    match reply.first().copied() {
        Some(reply::VALUE) | Some(reply::ERROR) => reply,
        Some(reply::THROWN) => {
            let message = String::from_utf8_lossy(&reply[1..]).into_owned();
            reply.clear();
            threw(trait_method, &message)
        }
        _ => panic!("ferry: the Kotlin callback {trait_method} sent a malformed reply"),
    }
}

/// The panic of Rust code whose Kotlin callback threw: it carries the exception's message.
fn threw(trait_method: &str, message: &str) -> ! {
    panic!("ferry: the Kotlin callback {trait_method} threw: {message}")
}

fn not_called(trait_method: &str, why: &str) -> ! {
    panic!("ferry: the Kotlin callback {trait_method} could not be called: {why}")
}

static NEXT_CALL: AtomicI64 = AtomicI64::new(1);
static PENDING: Mutex<Option<HashMap<i64, oneshot::Sender<Vec<u8>>>>> = Mutex::new(None);

struct Pending(std::sync::MutexGuard<'static, Option<HashMap<i64, oneshot::Sender<Vec<u8>>>>>);

impl Pending {
    fn insert(&mut self, call: i64, tx: oneshot::Sender<Vec<u8>>) {
        self.0.get_or_insert_with(HashMap::new).insert(call, tx);
    }
    fn remove(&mut self, call: &i64) -> Option<oneshot::Sender<Vec<u8>>> {
        self.0.as_mut().and_then(|m| m.remove(call))
    }
    fn len(&self) -> usize {
        self.0.as_ref().map_or(0, HashMap::len)
    }
}

fn pending() -> Pending {
    // Each update is one insert or remove: a poisoned lock is still consistent.
    Pending(PENDING.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The reply of async call `call` (from Kotlin, through the library's native entry point).
/// A call whose future was dropped meanwhile is gone: the reply is discarded.
pub fn complete(call: i64, reply: Vec<u8>) {
    let tx = pending().remove(&call);
    if let Some(tx) = tx {
        // The lock is released before the waiting task is woken.
        let _ = tx.send(reply);
    }
}

/// Async callback calls waiting for their Kotlin coroutine.
pub fn pending_count() -> usize {
    pending().len()
}

/// The future of one async callback call. Dropping it before the reply cancels the
/// Kotlin coroutine.
pub struct ForeignCall {
    call: i64,
    rx: Option<oneshot::Receiver<Vec<u8>>>,
    face: &'static dyn ForeignFace,
    trait_method: &'static str,
    failed: Option<String>,
}

impl Future for ForeignCall {
    type Output = Vec<u8>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<u8>> {
        if let Some(why) = self.failed.take() {
            not_called(self.trait_method, &why);
        }
        let rx = self.rx.as_mut().expect("polled after completion");
        match Pin::new(rx).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                self.rx = None;
                match result {
                    Ok(reply) => Poll::Ready(checked(self.trait_method, reply)),
                    Err(_) => panic!("ferry: the Kotlin callback {} ended without a reply", self.trait_method),
                }
            }
        }
    }
}

impl Drop for ForeignCall {
    fn drop(&mut self) {
        if self.rx.is_some() && pending().remove(&self.call).is_some() {
            self.face.cancel_async(self.call);
        }
    }
}

/// How many items Rust asks a Kotlin `Flow` for at a time: the bound on what Kotlin has
/// collected ahead of Rust's consumer.
pub const FLOW_WINDOW: u32 = 64;

/// A Kotlin `Flow` passed where Rust takes `impl Stream<Item = T>`. Rust pulls: each time its
/// buffer is empty, one async upcall asks Kotlin for up to [`FLOW_WINDOW`] items, which
/// Kotlin collects only then (the Flow is never collected ahead of Rust by more than the
/// window). The reply is `[0][more: u8][count: u32][items]`. Dropping the stream cancels a
/// pull in flight and, with the handle, the collection.
pub struct ForeignStream<T> {
    foreign: Foreign,
    label: &'static str,
    decode: fn(&mut crate::wire::Reader) -> crate::wire::WireResult<T>,
    ready: std::collections::VecDeque<T>,
    pulling: Option<ForeignCall>,
    ended: bool,
}

impl<T> ForeignStream<T> {
    pub fn new(foreign: Foreign, label: &'static str, decode: fn(&mut crate::wire::Reader) -> crate::wire::WireResult<T>) -> Self {
        ForeignStream { foreign, label, decode, ready: std::collections::VecDeque::new(), pulling: None, ended: false }
    }

    fn take_batch(&mut self, reply: &[u8]) -> crate::wire::WireResult<()> {
        let mut r = crate::wire::Reader::new(&reply[1..]);
        let more = r.bool()?;
        let n = r.count(0)?;
        for _ in 0..n {
            let item = (self.decode)(&mut r)?;
            self.ready.push_back(item);
        }
        r.finish()?;
        self.ended = !more;
        Ok(())
    }
}

// The stream holds no pinned data: the pending call is itself Unpin.
impl<T> Unpin for ForeignStream<T> {}

impl<T> futures_core::Stream for ForeignStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Poll::Ready(Some(item));
            }
            if self.ended {
                return Poll::Ready(None);
            }
            if self.pulling.is_none() {
                let args = FLOW_WINDOW.to_le_bytes().to_vec();
                let label = self.label;
                let call = self.foreign.call_async(label, 0, args);
                self.pulling = Some(call);
            }
            let reply = match Pin::new(self.pulling.as_mut().expect("just set")).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(reply) => reply,
            };
            self.pulling = None;
            if let Err(e) = self.take_batch(&reply) {
                panic!("ferry: the Kotlin Flow {} sent a malformed batch: {e}", self.label);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Echo {
        released: AtomicUsize,
        cancelled: AtomicUsize,
    }

    impl ForeignFace for Echo {
        fn call(&self, _handle: i64, method: i32, args: &[u8]) -> Result<Vec<u8>, String> {
            match method {
                0 => Ok([&[reply::VALUE][..], args].concat()),
                1 => Ok([&[reply::THROWN][..], b"boom"].concat()),
                _ => Err("no such method".into()),
            }
        }
        fn call_async(&self, _handle: i64, _method: i32, _args: &[u8], _call: i64) -> Result<(), String> {
            Ok(())
        }
        fn cancel_async(&self, _call: i64) {
            self.cancelled.fetch_add(1, Ordering::SeqCst);
        }
        fn release(&self, _handle: i64) {
            self.released.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn face() -> &'static Echo {
        Box::leak(Box::new(Echo { released: AtomicUsize::new(0), cancelled: AtomicUsize::new(0) }))
    }

    #[test]
    fn a_value_reply_comes_back_and_drop_releases_once() {
        let f = face();
        let foreign = Foreign::new(7, f);
        assert_eq!(foreign.call("T.m", 0, &[1, 2]), vec![reply::VALUE, 1, 2]);
        drop(foreign);
        assert_eq!(f.released.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_thrown_exception_panics_with_its_message() {
        let foreign = Foreign::new(7, face());
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| foreign.call("T.m", 1, &[]))).unwrap_err();
        assert!(crate::panics::message(&*panic).contains("T.m threw: boom"));
    }

    #[test]
    fn a_face_without_the_scalar_path_says_so() {
        let foreign = Foreign::new(7, face());
        assert_eq!(foreign.call_scalar("T.m", 0, [1, 2, 3, 4]), None);
    }

    struct Scalar;

    impl ForeignFace for Scalar {
        fn call(&self, _handle: i64, _method: i32, _args: &[u8]) -> Result<Vec<u8>, String> {
            Err("not this path".into())
        }
        fn call_scalar(&self, _handle: i64, method: i32, args: [i64; SCALAR_ARGS]) -> Option<Result<i64, ScalarFailure>> {
            Some(match method {
                0 => Ok(args.iter().sum()),
                1 => Err(ScalarFailure::Thrown("IllegalStateException: boom".into())),
                _ => Err(ScalarFailure::Failed("detached".into())),
            })
        }
        fn call_async(&self, _handle: i64, _method: i32, _args: &[u8], _call: i64) -> Result<(), String> {
            Ok(())
        }
        fn cancel_async(&self, _call: i64) {}
        fn release(&self, _handle: i64) {}
    }

    #[test]
    fn a_scalar_call_returns_its_bits_and_failures_panic_like_the_encoded_path() {
        let foreign = Foreign::new(7, &Scalar);
        assert_eq!(foreign.call_scalar("T.m", 0, [1, 2, 3, -4]), Some(2));
        let thrown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| foreign.call_scalar("T.m", 1, [0; 4]))).unwrap_err();
        assert!(crate::panics::message(&*thrown).contains("T.m threw: IllegalStateException: boom"));
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| foreign.call_scalar("T.m", 2, [0; 4]))).unwrap_err();
        assert!(crate::panics::message(&*failed).contains("T.m could not be called: detached"));
    }

    #[test]
    fn dropping_a_pending_async_call_cancels_it_and_a_late_reply_is_discarded() {
        // By this call's id, not by the table's size: other tests run at the same time.
        let is_pending = |id: i64| pending().0.as_ref().is_some_and(|m| m.contains_key(&id));
        let f = face();
        let foreign = Foreign::new(7, f);
        let call = foreign.call_async("T.a", 2, vec![]);
        let id = call.call;
        assert!(is_pending(id));
        drop(call);
        assert_eq!(f.cancelled.load(Ordering::SeqCst), 1);
        assert!(!is_pending(id));
        complete(id, vec![reply::VALUE]);
        assert!(!is_pending(id), "a late reply finds nothing and adds nothing");
    }

    #[test]
    fn an_async_reply_resolves_the_future() {
        let foreign = Foreign::new(7, face());
        let call = foreign.call_async("T.a", 2, vec![]);
        complete(call.call, vec![reply::VALUE, 9]);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(rt.block_on(call), vec![reply::VALUE, 9]);
    }
}
