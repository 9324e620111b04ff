//! The floor (`raw_jni` column): what a careful person writes by hand with no generator.
//!
//! - `JNI_OnLoad` caches the JavaVM, a global ref to `bench.RawJni` and the static method
//!   id of `RawJni.complete(long id, long value)`.
//! - One multi-thread Tokio runtime, created once; each worker is attached to the JVM once,
//!   as a daemon, in `on_thread_start`, and its `JNIEnv*` is kept in a thread-local.
//! - An async call = `spawn` + one static upcall `(JJ)V` that resumes a continuation the
//!   Kotlin side keeps in a registry under `id`.
//! - Nothing is marshalled beyond what a case needs (ints as ints, strings as UTF-8 byte[]).
//! - Callbacks (Rust calling Kotlin): a global ref to a `bench.RawJniCallback` and the
//!   method ids of its `inc(I)I` and `startIncLater(JI)V`, cached in `JNI_OnLoad`.

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use jni::objects::{GlobalRef, JByteArray, JClass, JMethodID, JObject, JStaticMethodID};
use jni::signature::{Primitive, ReturnType};
use jni::sys::{jbyteArray, jint, jlong, jvalue, JNI_ERR, JNI_VERSION_1_8};
use jni::{JNIEnv, JavaVM};
use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

static JVM: OnceLock<JavaVM> = OnceLock::new();
static CLASS: OnceLock<GlobalRef> = OnceLock::new();
static COMPLETE: OnceLock<JStaticMethodID> = OnceLock::new();
static RT: OnceLock<Runtime> = OnceLock::new();
static CB_INC: OnceLock<JMethodID> = OnceLock::new();
static CB_START: OnceLock<JMethodID> = OnceLock::new();

thread_local! {
    static ENV: Cell<*mut jni::sys::JNIEnv> = const { Cell::new(std::ptr::null_mut()) };
}

#[no_mangle]
pub extern "system" fn JNI_OnLoad(vm: *mut jni::sys::JavaVM, _reserved: *mut c_void) -> jint {
    let vm = match unsafe { JavaVM::from_raw(vm) } {
        Ok(vm) => vm,
        Err(_) => return JNI_ERR,
    };
    {
        let mut env = match vm.get_env() {
            Ok(e) => e,
            Err(_) => return JNI_ERR,
        };
        let cls = match env.find_class("bench/RawJni") {
            Ok(c) => c,
            Err(_) => return JNI_ERR,
        };
        let mid = match env.get_static_method_id(&cls, "complete", "(JJ)V") {
            Ok(m) => m,
            Err(_) => return JNI_ERR,
        };
        let global = match env.new_global_ref(&cls) {
            Ok(g) => g,
            Err(_) => return JNI_ERR,
        };
        let _ = CLASS.set(global);
        let _ = COMPLETE.set(mid);
        let cb = match env.find_class("bench/RawJniCallback") {
            Ok(c) => c,
            Err(_) => return JNI_ERR,
        };
        match (env.get_method_id(&cb, "inc", "(I)I"), env.get_method_id(&cb, "startIncLater", "(JI)V")) {
            (Ok(inc), Ok(start)) => {
                let _ = CB_INC.set(inc);
                let _ = CB_START.set(start);
            }
            _ => return JNI_ERR,
        }
    }
    let _ = JVM.set(vm);
    JNI_VERSION_1_8
}

fn rt() -> &'static Runtime {
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("rawjni-worker")
            .on_thread_start(|| {
                let vm = JVM.get().expect("JNI_OnLoad ran");
                // Attached once, for the thread's whole life, as a daemon.
                let env = vm.attach_current_thread_as_daemon().expect("attach");
                ENV.with(|c| c.set(env.get_raw()));
            })
            .build()
            .expect("tokio runtime")
    })
}

/// The one upcall: `RawJni.complete(id, value)` from a Tokio worker.
fn complete(id: jlong, value: jlong) {
    let raw = ENV.with(|c| c.get());
    let mut env = unsafe { JNIEnv::from_raw(raw) }.expect("worker attached");
    let cls: &JClass = CLASS.get().unwrap().as_obj().into();
    let args = [jvalue { j: id }, jvalue { j: value }];
    let r = unsafe {
        env.call_static_method_unchecked(
            cls,
            *COMPLETE.get().unwrap(),
            ReturnType::Primitive(Primitive::Void),
            &args,
        )
    };
    if r.is_err() && env.exception_check().unwrap_or(false) {
        let _ = env.exception_describe();
        let _ = env.exception_clear();
    }
}

// ---- sync ------------------------------------------------------------------------------

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_add(_env: JNIEnv, _cls: JClass, a: jint, b: jint) -> jint {
    a.wrapping_add(b)
}

/// `echo(String)`: the Kotlin side passes UTF-8 bytes and builds the String back from them
/// (JNI's own string functions speak modified UTF-8, which is wrong outside the BMP).
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_echo<'l>(
    env: JNIEnv<'l>,
    _cls: JClass<'l>,
    utf8: JByteArray<'l>,
) -> jbyteArray {
    let bytes = env.convert_byte_array(&utf8).expect("byte[]");
    let s = String::from_utf8(bytes).expect("valid UTF-8");
    let out = echo(s);
    env.byte_array_from_slice(out.as_bytes()).expect("byte[]").into_raw()
}

fn echo(s: String) -> String {
    s
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
pub extern "system" fn Java_bench_RawJni_readyStart(_env: JNIEnv, _cls: JClass, id: jlong, x: jint) {
    rt().spawn(async move {
        let v = ready(x).await;
        complete(id, v as jlong);
    });
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_hopStart(_env: JNIEnv, _cls: JClass, id: jlong, x: jint) {
    rt().spawn(async move {
        let v = hop(x).await;
        complete(id, v as jlong);
    });
}

/// Awaits a task spawned on the runtime once: a real cross-thread wake for every bridge.
async fn spawn_hop(x: i32) -> i32 {
    tokio::spawn(async move { x }).await.unwrap_or(x)
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_spawnHopStart(_env: JNIEnv, _cls: JClass, id: jlong, x: jint) {
    rt().spawn(async move {
        let v = spawn_hop(x).await;
        complete(id, v as jlong);
    });
}

/// Starts a cancellable call: returns a `Box<AbortHandle>` the Kotlin side aborts on
/// cancellation and frees exactly once (`freeHandle`) after the call is over.
fn start_cancellable<F>(fut: F) -> jlong
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let handle = rt().spawn(fut).abort_handle();
    Box::into_raw(Box::new(handle)) as jlong
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_sleepStart(_env: JNIEnv, _cls: JClass, id: jlong, ms: jlong) -> jlong {
    start_cancellable(async move {
        tokio::time::sleep(Duration::from_millis(ms as u64)).await;
        complete(id, 0);
    })
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_abort(_env: JNIEnv, _cls: JClass, handle: jlong) {
    if handle != 0 {
        unsafe { &*(handle as *const AbortHandle) }.abort();
    }
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_freeHandle(_env: JNIEnv, _cls: JClass, handle: jlong) {
    if handle != 0 {
        drop(unsafe { Box::from_raw(handle as *mut AbortHandle) });
    }
}

// ---- cancel probe ----------------------------------------------------------------------

fn monotonic_nanos() -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as i64 * 1_000_000_000 + ts.tv_nsec as i64
}

static DROPPED_AT: AtomicI64 = AtomicI64::new(-1);
static STARTED: AtomicI64 = AtomicI64::new(0);

/// Lives in `wait_forever`'s future from its first poll: counts starts, records its Drop.
struct DropProbe;
impl DropProbe {
    fn new() -> Self {
        STARTED.fetch_add(1, Ordering::AcqRel);
        DropProbe
    }
}
impl Drop for DropProbe {
    fn drop(&mut self) {
        DROPPED_AT.store(monotonic_nanos(), Ordering::Release);
    }
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_waitForeverStart(_env: JNIEnv, _cls: JClass, id: jlong) -> jlong {
    start_cancellable(async move {
        let _probe = DropProbe::new();
        std::future::pending::<()>().await;
        complete(id, 0);
    })
}

/// CLOCK_MONOTONIC nanos (same clock as `System.nanoTime()`) of the last probe drop, or -1.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_probeDroppedAt(_env: JNIEnv, _cls: JClass, reset: jni::sys::jboolean) -> jlong {
    if reset != 0 {
        DROPPED_AT.swap(-1, Ordering::AcqRel)
    } else {
        DROPPED_AT.load(Ordering::Acquire)
    }
}

/// How many `wait_forever` futures have started (been polled once).
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_probeStarted(_env: JNIEnv, _cls: JClass) -> jlong {
    STARTED.load(Ordering::Acquire)
}

// ---- bytes -----------------------------------------------------------------------------

async fn echo_bytes(b: Vec<u8>) -> Vec<u8> {
    b
}

/// Copies the byte[] in, echoes it on a worker, and completes with a `Box<Vec<u8>>`
/// pointer that `takeBytes` turns into a new byte[] (one copy out) and frees.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_echoBytesStart<'l>(
    env: JNIEnv<'l>,
    _cls: JClass<'l>,
    id: jlong,
    bytes: JByteArray<'l>,
) {
    let input = env.convert_byte_array(&bytes).expect("byte[]");
    rt().spawn(async move {
        let out = echo_bytes(input).await;
        complete(id, Box::into_raw(Box::new(out)) as jlong);
    });
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_takeBytes<'l>(env: JNIEnv<'l>, _cls: JClass<'l>, ptr: jlong) -> jbyteArray {
    let v = unsafe { Box::from_raw(ptr as *mut Vec<u8>) };
    env.byte_array_from_slice(&v).expect("byte[]").into_raw()
}

// ---- stream ----------------------------------------------------------------------------
//
// The floor for `stream_items`: Kotlin's `flow {}` asks for the next item with one sync
// JNI call that polls the stream inline on the calling thread (with a no-op waker). Only
// when the stream is Pending does it fall back to the async path: a Tokio task polls it
// with a real waker and completes through the same `(JJ)V` upcall (`i64::MIN` = end).
// Items must fit in an i64 (the bench counts from 0).

use futures_core::Stream;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

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

const STREAM_ITEM: jint = 0;
const STREAM_DONE: jint = 1;
const STREAM_PENDING: jint = 2;
const STREAM_END_MARK: jlong = i64::MIN;

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_streamOpen(_env: JNIEnv, _cls: JClass, n: jlong) -> jlong {
    let s = RawStream {
        stream: Arc::new(Mutex::new(Box::pin(count(n as u64)))),
        task: Mutex::new(None),
    };
    Box::into_raw(Box::new(s)) as jlong
}

/// Polls inline. ITEM: `out[0]` = the item; DONE; PENDING: call `streamWait`.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_streamNext<'l>(
    env: JNIEnv<'l>,
    _cls: JClass<'l>,
    handle: jlong,
    out: jni::objects::JLongArray<'l>,
) -> jint {
    let s = unsafe { &*(handle as *const RawStream) };
    let _rt = rt().enter();
    let mut cx = Context::from_waker(Waker::noop());
    let polled = s.stream.lock().unwrap().as_mut().poll_next(&mut cx);
    match polled {
        Poll::Ready(Some(v)) => {
            let _ = env.set_long_array_region(&out, 0, &[v as jlong]);
            STREAM_ITEM
        }
        Poll::Ready(None) => STREAM_DONE,
        Poll::Pending => STREAM_PENDING,
    }
}

/// After PENDING: a Tokio task polls with a real waker and completes `id` with the item
/// (or `i64::MIN` at the end).
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_streamWait(_env: JNIEnv, _cls: JClass, handle: jlong, id: jlong) {
    let s = unsafe { &*(handle as *const RawStream) };
    let stream = s.stream.clone();
    let task = rt().spawn(async move {
        let next = std::future::poll_fn(|cx| stream.lock().unwrap().as_mut().poll_next(cx)).await;
        complete(id, next.map(|v| v as jlong).unwrap_or(STREAM_END_MARK));
    });
    *s.task.lock().unwrap() = Some(task.abort_handle());
}

/// Drops the stream (aborting a pending poll, if any).
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_streamClose(_env: JNIEnv, _cls: JClass, handle: jlong) {
    let s = unsafe { Box::from_raw(handle as *mut RawStream) };
    let task = s.task.lock().unwrap().take();
    if let Some(t) = task {
        t.abort();
    }
}

// ---- callbacks: Rust calling Kotlin ------------------------------------------------------
//
// `callerNew` keeps a global ref to a `bench.RawJniCallback` in a box (the handle).
// Sync: `callSync` calls `inc(I)I` through the cached method id with the caller's own
// JNIEnv, on the calling thread. Async: `callAsyncStart` spawns a task whose future sends a
// oneshot sender (boxed, as a jlong token) to Kotlin through `startIncLater(JI)V` on the
// worker; Kotlin runs its `suspend fun` in a coroutine and hands the value back with the
// native `callbackReply(token, value)`, which completes the oneshot; the task then completes
// the caller through the usual `complete(id, value)` upcall.

use tokio::sync::oneshot;

struct RawCallback {
    obj: GlobalRef,
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_callerNew<'l>(env: JNIEnv<'l>, _cls: JClass<'l>, cb: JObject<'l>) -> jlong {
    let obj = env.new_global_ref(cb).expect("global ref");
    Box::into_raw(Box::new(RawCallback { obj })) as jlong
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_callerFree(_env: JNIEnv, _cls: JClass, handle: jlong) {
    if handle != 0 {
        drop(unsafe { Box::from_raw(handle as *mut RawCallback) });
    }
}

/// The Rust fn of `callback_sync`: calls Kotlin's `inc(x)` once, on this thread.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_callSync(mut env: JNIEnv, _cls: JClass, handle: jlong, x: jint) -> jint {
    let c = unsafe { &*(handle as *const RawCallback) };
    let args = [jvalue { i: x }];
    let r = unsafe { env.call_method_unchecked(c.obj.as_obj(), *CB_INC.get().unwrap(), ReturnType::Primitive(Primitive::Int), &args) };
    match r.and_then(|v| v.i()) {
        Ok(v) => v,
        Err(_) => {
            // The exception stays pending: Kotlin sees it when this native call returns.
            -1
        }
    }
}

/// Awaits Kotlin's `suspend fun incLater(x)`: the upcall starts it, `callbackReply` ends it.
async fn call_inc_later(obj: GlobalRef, x: i32) -> i32 {
    let (tx, rx) = oneshot::channel::<i32>();
    let token = Box::into_raw(Box::new(tx)) as jlong;
    {
        let raw = ENV.with(|c| c.get());
        let mut env = unsafe { JNIEnv::from_raw(raw) }.expect("worker attached");
        let args = [jvalue { j: token }, jvalue { i: x }];
        let r = unsafe { env.call_method_unchecked(obj.as_obj(), *CB_START.get().unwrap(), ReturnType::Primitive(Primitive::Void), &args) };
        if r.is_err() && env.exception_check().unwrap_or(false) {
            let _ = env.exception_describe();
            let _ = env.exception_clear();
        }
    }
    rx.await.expect("Kotlin replied")
}

#[no_mangle]
pub extern "system" fn Java_bench_RawJni_callAsyncStart(_env: JNIEnv, _cls: JClass, handle: jlong, id: jlong, x: jint) {
    let obj = unsafe { &*(handle as *const RawCallback) }.obj.clone();
    rt().spawn(async move {
        let v = call_inc_later(obj, x).await;
        complete(id, v as jlong);
    });
}

/// Kotlin's reply to `startIncLater`: completes the oneshot behind `token` (exactly once).
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_callbackReply(_env: JNIEnv, _cls: JClass, token: jlong, value: jint) {
    let tx = unsafe { Box::from_raw(token as *mut oneshot::Sender<i32>) };
    let _ = tx.send(value);
}

// ---- frames ----------------------------------------------------------------------------

// The floor for `frames_small` / `frames_large` as a JNI user would write it: frames made
// on the calling thread into Rust memory and copied into a Kotlin array, many small frames
// per call (one `SetByteArrayRegion` per batch), one large frame per call.

const FRAME_SMALL: usize = 64;
const FRAME_LARGE: usize = 1 << 20;

thread_local! {
    static FRAME_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Frames `first..first + count` (64 bytes each, `i` in the first 8) copied into `out`.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_framesSmallBatch<'l>(mut env: JNIEnv<'l>, _cls: JClass<'l>, first: jlong, count: jint, out: JByteArray<'l>) {
    FRAME_BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.resize(count as usize * FRAME_SMALL, 0);
        for (k, frame) in buf.chunks_mut(FRAME_SMALL).enumerate() {
            frame[..8].copy_from_slice(&(first + k as i64).to_le_bytes());
        }
        // SAFETY: i8 and u8 have the same layout.
        let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const i8, buf.len()) };
        let _ = env.set_byte_array_region(&out, 0, bytes);
    });
}

/// Frame `seq` (1 MiB, written once: filled, `seq` in the first and last 8 bytes) copied into `out`.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_frameLarge<'l>(mut env: JNIEnv<'l>, _cls: JClass<'l>, seq: jlong, out: JByteArray<'l>) {
    FRAME_BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.resize(FRAME_LARGE, 0);
        buf.fill(seq as u8);
        buf[..8].copy_from_slice(&seq.to_le_bytes());
        buf[FRAME_LARGE - 8..].copy_from_slice(&seq.to_le_bytes());
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const i8, buf.len()) };
        let _ = env.set_byte_array_region(&out, 0, bytes);
    });
}

// ---- byte slices -----------------------------------------------------------------------

fn sum_slice(data: &[u8]) -> u64 {
    data.iter().map(|&b| u64::from(b)).sum()
}

/// `bytes_view` floor: the array pinned (GetPrimitiveArrayCritical), summed in place.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_sumBytesCritical<'l>(mut env: JNIEnv<'l>, _cls: JClass<'l>, data: JByteArray<'l>) -> jlong {
    // SAFETY: no JNI call is made while the elements are held.
    let elements = unsafe { env.get_array_elements_critical(&data, jni::objects::ReleaseMode::NoCopyBack) }.expect("critical");
    // SAFETY: i8 and u8 have the same layout.
    let bytes = unsafe { std::slice::from_raw_parts(elements.as_ptr() as *const u8, elements.len()) };
    sum_slice(bytes) as jlong
}

/// `bytes_view_direct` floor: a direct buffer's memory, summed in place.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_sumBytesDirect<'l>(env: JNIEnv<'l>, _cls: JClass<'l>, data: jni::objects::JByteBuffer<'l>, at: jint, len: jint) -> jlong {
    let base = env.get_direct_buffer_address(&data).expect("direct buffer");
    // SAFETY: Kotlin passes the buffer's position and remaining bytes.
    let bytes = unsafe { std::slice::from_raw_parts(base.add(at as usize), len as usize) };
    sum_slice(bytes) as jlong
}

/// `bytes_into` floor: the array pinned and filled in place.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_fillBytesCritical<'l>(mut env: JNIEnv<'l>, _cls: JClass<'l>, out: JByteArray<'l>, seed: jni::sys::jbyte) -> jint {
    // SAFETY: no JNI call is made while the elements are held.
    let mut elements = unsafe { env.get_array_elements_critical(&out, jni::objects::ReleaseMode::CopyBack) }.expect("critical");
    elements.fill(seed);
    elements.len() as jint
}

/// `bytes_into_direct` floor: a direct buffer filled in place.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_fillBytesDirect<'l>(env: JNIEnv<'l>, _cls: JClass<'l>, out: jni::objects::JByteBuffer<'l>, at: jint, len: jint, seed: jni::sys::jbyte) -> jint {
    let base = env.get_direct_buffer_address(&out).expect("direct buffer");
    // SAFETY: Kotlin passes the buffer's position and remaining bytes.
    let bytes = unsafe { std::slice::from_raw_parts_mut(base.add(at as usize), len as usize) };
    bytes.fill(seed as u8);
    len
}

/// `bytes_return` floor: a new array per call.
#[no_mangle]
pub extern "system" fn Java_bench_RawJni_newBytes<'l>(env: JNIEnv<'l>, _cls: JClass<'l>, len: jint, seed: jni::sys::jbyte) -> jbyteArray {
    let v = vec![seed as u8; len as usize];
    env.byte_array_from_slice(&v).expect("byte[]").into_raw()
}
