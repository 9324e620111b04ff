//! The benchmark functions as a ferry user writes them (as the README shows): the same bodies
//! as bench/uniffi and bench/rawjni, marked with `#[ferry::export]`.

use std::sync::atomic::{AtomicI64, Ordering};

ferry::include_glue!();

#[ferry::export]
pub fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

#[ferry::export]
pub fn echo(s: String) -> String {
    s
}

#[ferry::export]
pub async fn ready(x: i32) -> i32 {
    x
}

#[ferry::export]
pub async fn hop(x: i32) -> i32 {
    tokio::task::yield_now().await;
    x
}

/// Awaits a task spawned on the runtime once: a real cross-thread wake for every bridge.
#[ferry::export]
pub async fn spawn_hop(x: i32) -> i32 {
    tokio::spawn(async move { x }).await.unwrap_or(x)
}

#[ferry::export]
pub async fn sleep_long(ms: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

#[ferry::export]
pub async fn echo_bytes(b: Vec<u8>) -> Vec<u8> {
    b
}

// ---- cancel probe ----------------------------------------------------------------------

/// CLOCK_MONOTONIC in nanoseconds: the same clock as the JVM's `System.nanoTime()` on Linux.
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

/// Never completes; its future records the time it is dropped.
#[ferry::export]
pub async fn wait_forever() {
    let _probe = DropProbe::new();
    std::future::pending::<()>().await;
}

/// CLOCK_MONOTONIC nanos of the last `wait_forever` drop, or -1; `reset = true` clears it.
#[ferry::export]
pub fn probe_dropped_at(reset: bool) -> i64 {
    if reset {
        DROPPED_AT.swap(-1, Ordering::AcqRel)
    } else {
        DROPPED_AT.load(Ordering::Acquire)
    }
}

/// How many `wait_forever` futures have started (been polled once).
#[ferry::export]
pub fn probe_started() -> i64 {
    STARTED.load(Ordering::Acquire)
}

// ---- stream ----------------------------------------------------------------------------

use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `0, 1, .., n - 1`, always ready: measures the bridge, not the producer.
pub struct Count {
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
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.end - self.next) as usize;
        (n, Some(n))
    }
}

#[ferry::export]
pub fn count(n: u64) -> impl Stream<Item = u64> + Send + 'static {
    Count { next: 0, end: n }
}

// ---- callbacks: Rust calling Kotlin ------------------------------------------------------

use std::sync::Arc;

/// Implemented in Kotlin: `inc(x)` returns `x + 1` at once, sync and as a `suspend fun`.
#[ferry::export(callback)]
#[async_trait::async_trait]
pub trait IntCallback: Send + Sync {
    fn inc(&self, x: i32) -> i32;
    async fn inc_later(&self, x: i32) -> i32;
}

/// Holds one Kotlin implementation, so each measured call crosses for the call alone (the
/// registration of the implementation happens once, when the object is made).
#[ferry::export(object)]
pub struct Caller {
    cb: Arc<dyn IntCallback>,
}

#[ferry::export]
impl Caller {
    pub fn new(cb: Arc<dyn IntCallback>) -> Self {
        Caller { cb }
    }

    /// Calls the Kotlin `inc` once, on the calling thread.
    pub fn call_sync(&self, x: i32) -> i32 {
        self.cb.inc(x)
    }

    /// Awaits the Kotlin `suspend fun incLater` once.
    pub async fn call_async(&self, x: i32) -> i32 {
        self.cb.inc_later(x).await
    }
}

// ---- affine_calls: one method, on a thread-affine object and on a Mutex-guarded one -----

/// A counter that is `!Send` (`Cell`): a thread-affine object, each call run on its thread.
#[ferry::export(object, thread_affine)]
pub struct AffineCounter {
    n: std::cell::Cell<u64>,
}

#[ferry::export]
impl AffineCounter {
    pub fn new() -> Self {
        AffineCounter { n: std::cell::Cell::new(0) }
    }

    pub fn bump(&self) -> u64 {
        self.n.set(self.n.get() + 1);
        self.n.get()
    }
}

/// The same counter made shareable the usual way: a `Mutex`, each call run on the caller's thread.
#[ferry::export(object)]
pub struct MutexCounter {
    n: std::sync::Mutex<u64>,
}

#[ferry::export]
impl MutexCounter {
    pub fn new() -> Self {
        MutexCounter { n: std::sync::Mutex::new(0) }
    }

    pub fn bump(&self) -> u64 {
        let mut n = self.n.lock().unwrap_or_else(|e| e.into_inner());
        *n += 1;
        *n
    }
}

// ---- frames ----------------------------------------------------------------------------

/// `n` 64-byte frames, frame `i` holding `i` in its first 8 bytes, through a zero-copy ring.
#[ferry::export]
pub fn frames_small(n: u64) -> ferry::frames::FrameConsumer {
    ferry::frames::produce(64, 4096, move |mut producer| async move {
        for seq in 0..n {
            let Ok(mut slot) = producer.reserve().await else { return };
            slot[..8].copy_from_slice(&seq.to_le_bytes());
            slot.publish(64);
        }
    })
}

/// `n` 1 MiB frames, each written once (filled, then `i` in its first and last 8 bytes).
#[ferry::export]
pub fn frames_large(n: u64) -> ferry::frames::FrameConsumer {
    const LEN: usize = 1 << 20;
    ferry::frames::produce(LEN, 8, move |mut producer| async move {
        for seq in 0..n {
            let Ok(mut slot) = producer.reserve().await else { return };
            slot.fill(seq as u8);
            slot[..8].copy_from_slice(&seq.to_le_bytes());
            slot[LEN - 8..].copy_from_slice(&seq.to_le_bytes());
            slot.publish(LEN);
        }
    })
}

// ---- byte slices -----------------------------------------------------------------------

/// `bytes_view`: the sum of a 1 MiB `&[u8]` (read in place from a direct ByteBuffer).
#[ferry::export]
pub fn sum_bytes(data: &[u8]) -> u64 {
    data.iter().map(|&b| u64::from(b)).sum()
}

/// `bytes_view_copied`: the same sum of an owned `Vec<u8>`, which the glue copies (as it
/// did for every `&[u8]` before sync calls borrowed them).
#[ferry::export]
pub fn sum_bytes_copied(data: Vec<u8>) -> u64 {
    sum_bytes(&data)
}

/// `bytes_into`: fills the caller's buffer (`&mut [u8]`, written in place to a direct ByteBuffer).
#[ferry::export]
pub fn fill_bytes(out: &mut [u8], seed: u8) -> u32 {
    out.fill(seed);
    out.len() as u32
}

/// `bytes_return`: a new buffer per call, how a result came back before `&mut [u8]`.
#[ferry::export]
pub fn new_bytes(len: u32, seed: u8) -> Vec<u8> {
    vec![seed; len as usize]
}
