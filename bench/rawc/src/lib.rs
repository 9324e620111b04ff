//! The Kotlin/Native floor (`raw_c` column of `npm run bench -- --native`): what a careful
//! person writes by hand over a C ABI with no generator (header: `rawc.h`).
//!
//! - One multi-thread Tokio runtime, created once.
//! - An async call = `spawn` + one call of a C function pointer `complete(token, value)`
//!   that Kotlin registered once (`rawc_init`); the token is Kotlin's, Rust only hands it back.
//! - Strings cross as UTF-8 (pointer + length); the result is a Rust buffer Kotlin copies
//!   and frees.
//! - The stream polls inline, one C call per item; a Tokio task only when it is Pending.
//! - Callbacks: C function pointers registered once; `ctx` is Kotlin's handle of the object.

use std::ffi::c_void;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

type CompleteFn = extern "C" fn(token: i64, value: i64);
type IncFn = extern "C" fn(ctx: *mut c_void, x: i32) -> i32;
type StartIncLaterFn = extern "C" fn(ctx: *mut c_void, reply: i64, x: i32);

struct Fns {
    complete: CompleteFn,
    inc: IncFn,
    start_inc_later: StartIncLaterFn,
}

static FNS: OnceLock<Fns> = OnceLock::new();
static RT: OnceLock<Runtime> = OnceLock::new();

fn rt() -> &'static Runtime {
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("rawc-worker")
            .build()
            .expect("tokio runtime")
    })
}

fn fns() -> &'static Fns {
    FNS.get().expect("rawc_init was called")
}

#[no_mangle]
pub extern "C" fn rawc_init(complete: CompleteFn, inc: IncFn, start_inc_later: StartIncLaterFn) {
    let _ = FNS.set(Fns { complete, inc, start_inc_later });
    rt();
}

// ---- sync ------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn rawc_add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

fn echo(s: String) -> String {
    s
}

/// # Safety
/// `ptr` points to `len` bytes of UTF-8; `out_len` is writable.
#[no_mangle]
pub unsafe extern "C" fn rawc_echo(ptr: *const u8, len: i64, out_len: *mut i64) -> *mut u8 {
    let bytes = std::slice::from_raw_parts(ptr, len as usize);
    let s = String::from_utf8(bytes.to_vec()).expect("valid UTF-8");
    let out = echo(s).into_bytes().into_boxed_slice();
    *out_len = out.len() as i64;
    Box::into_raw(out) as *mut u8
}

/// # Safety
/// `ptr`/`len` come from one `rawc_echo` result, freed once.
#[no_mangle]
pub unsafe extern "C" fn rawc_free(ptr: *mut u8, len: i64) {
    drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len as usize)));
}

// ---- async -----------------------------------------------------------------------------

async fn ready(x: i32) -> i32 {
    x
}

async fn hop(x: i32) -> i32 {
    tokio::task::yield_now().await;
    x
}

#[no_mangle]
pub extern "C" fn rawc_ready_start(token: i64, x: i32) {
    rt().spawn(async move {
        let v = ready(x).await;
        (fns().complete)(token, v as i64);
    });
}

#[no_mangle]
pub extern "C" fn rawc_hop_start(token: i64, x: i32) {
    rt().spawn(async move {
        let v = hop(x).await;
        (fns().complete)(token, v as i64);
    });
}

/// Awaits a task spawned on the runtime once: a real cross-thread wake for every bridge.
async fn spawn_hop(x: i32) -> i32 {
    tokio::spawn(async move { x }).await.unwrap_or(x)
}

#[no_mangle]
pub extern "C" fn rawc_spawn_hop_start(token: i64, x: i32) {
    rt().spawn(async move {
        let v = spawn_hop(x).await;
        (fns().complete)(token, v as i64);
    });
}

// ---- stream ----------------------------------------------------------------------------

type BoxStream = Pin<Box<dyn Stream<Item = u64> + Send>>;

struct RawStream {
    stream: Arc<Mutex<BoxStream>>,
    task: Mutex<Option<AbortHandle>>,
}

/// `0, 1, .., n - 1`, always ready: measures the bridge, not the producer.
struct Count {
    next: u64,
    end: u64,
}

impl Stream for Count {
    type Item = u64;
    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u64>> {
        if self.next < self.end {
            let v = self.next;
            self.next += 1;
            Poll::Ready(Some(v))
        } else {
            Poll::Ready(None)
        }
    }
}

fn count(n: u64) -> impl Stream<Item = u64> + Send + 'static {
    Count { next: 0, end: n }
}

#[no_mangle]
pub extern "C" fn rawc_stream_open(n: u64) -> *mut c_void {
    let s = RawStream { stream: Arc::new(Mutex::new(Box::pin(count(n)))), task: Mutex::new(None) };
    Box::into_raw(Box::new(s)) as *mut c_void
}

/// # Safety
/// `stream` comes from `rawc_stream_open` and is not closed; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn rawc_stream_next(stream: *mut c_void, out: *mut u64) -> i32 {
    let s = &*(stream as *const RawStream);
    let _rt = rt().enter();
    let mut cx = Context::from_waker(Waker::noop());
    let polled = s.stream.lock().unwrap().as_mut().poll_next(&mut cx);
    match polled {
        Poll::Ready(Some(v)) => {
            *out = v;
            0
        }
        Poll::Ready(None) => 1,
        Poll::Pending => 2,
    }
}

/// # Safety
/// `stream` comes from `rawc_stream_open` and is not closed.
#[no_mangle]
pub unsafe extern "C" fn rawc_stream_wait(stream: *mut c_void, token: i64) {
    let s = &*(stream as *const RawStream);
    let inner = s.stream.clone();
    let task = rt().spawn(async move {
        let next = std::future::poll_fn(|cx| inner.lock().unwrap().as_mut().poll_next(cx)).await;
        (fns().complete)(token, next.map(|v| v as i64).unwrap_or(i64::MIN));
    });
    *s.task.lock().unwrap() = Some(task.abort_handle());
}

/// # Safety
/// `stream` comes from `rawc_stream_open`, closed once.
#[no_mangle]
pub unsafe extern "C" fn rawc_stream_close(stream: *mut c_void) {
    let s = Box::from_raw(stream as *mut RawStream);
    let task = s.task.lock().unwrap().take();
    if let Some(t) = task {
        t.abort();
    }
}

// ---- callbacks: Rust calling Kotlin ------------------------------------------------------

/// The Rust sync fn of `callback_sync`: calls Kotlin's `inc` once, on the calling thread.
#[no_mangle]
pub extern "C" fn rawc_call_sync(ctx: *mut c_void, x: i32) -> i32 {
    (fns().inc)(ctx, x)
}

/// Kotlin's object, as the opaque pointer it gave us (Kotlin keeps it alive).
#[derive(Clone, Copy)]
struct Ctx(*mut c_void);
unsafe impl Send for Ctx {}

/// Awaits Kotlin's `suspend fun incLater(x)`: the call through the function pointer starts
/// it, `rawc_callback_reply` completes the oneshot behind `reply`.
async fn call_inc_later(ctx: Ctx, x: i32) -> i32 {
    let (tx, rx) = oneshot::channel::<i32>();
    let reply = Box::into_raw(Box::new(tx)) as i64;
    (fns().start_inc_later)(ctx.0, reply, x);
    rx.await.expect("Kotlin replied")
}

#[no_mangle]
pub extern "C" fn rawc_call_async_start(ctx: *mut c_void, token: i64, x: i32) {
    let ctx = Ctx(ctx);
    rt().spawn(async move {
        let v = call_inc_later(ctx, x).await;
        (fns().complete)(token, v as i64);
    });
}

/// Kotlin's answer to `start_inc_later`, exactly once per `reply`.
#[no_mangle]
pub extern "C" fn rawc_callback_reply(reply: i64, value: i32) {
    let tx = unsafe { Box::from_raw(reply as *mut oneshot::Sender<i32>) };
    let _ = tx.send(value);
}
