//! The benchmark functions, exported with UniFFI proc-macros (the `uniffi` column).
//! Kept semantically identical to bench/rawjni and bench/ferry.

use std::sync::atomic::{AtomicI64, Ordering};

uniffi::setup_scaffolding!();

#[uniffi::export]
pub fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

#[uniffi::export]
pub fn echo(s: String) -> String {
    s
}

#[uniffi::export(async_runtime = "tokio")]
pub async fn ready(x: i32) -> i32 {
    x
}

#[uniffi::export(async_runtime = "tokio")]
pub async fn hop(x: i32) -> i32 {
    tokio::task::yield_now().await;
    x
}

/// Awaits a task spawned on the runtime once: a real cross-thread wake for every bridge.
#[uniffi::export(async_runtime = "tokio")]
pub async fn spawn_hop(x: i32) -> i32 {
    tokio::spawn(async move { x }).await.unwrap_or(x)
}

#[uniffi::export(async_runtime = "tokio")]
pub async fn sleep_long(ms: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

#[uniffi::export(async_runtime = "tokio")]
pub async fn echo_bytes(b: Vec<u8>) -> Vec<u8> {
    b
}

// ---- cancel probe -------------------------------------------------------------------

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
#[uniffi::export(async_runtime = "tokio")]
pub async fn wait_forever() {
    let _probe = DropProbe::new();
    std::future::pending::<()>().await;
}

/// CLOCK_MONOTONIC nanos (comparable with `System.nanoTime()`) of the last `wait_forever`
/// drop since the last reset, or -1. `reset = true` clears it.
#[uniffi::export]
pub fn probe_dropped_at(reset: bool) -> i64 {
    if reset {
        DROPPED_AT.swap(-1, Ordering::AcqRel)
    } else {
        DROPPED_AT.load(Ordering::Acquire)
    }
}

/// How many `wait_forever` futures have started (been polled once).
#[uniffi::export]
pub fn probe_started() -> i64 {
    STARTED.load(Ordering::Acquire)
}

// ---- callbacks: Rust calling Kotlin ---------------------------------------------------

use std::sync::Arc;

/// A foreign trait implemented in Kotlin: `inc(x)` returns `x + 1` at once, sync and async.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait IntCallback: Send + Sync {
    fn inc(&self, x: i32) -> i32;
    async fn inc_later(&self, x: i32) -> i32;
}

/// Holds one Kotlin implementation; each measured call is one method call of this object.
#[derive(uniffi::Object)]
pub struct Caller {
    cb: Arc<dyn IntCallback>,
}

#[uniffi::export(async_runtime = "tokio")]
impl Caller {
    #[uniffi::constructor]
    pub fn new(cb: Arc<dyn IntCallback>) -> Arc<Self> {
        Arc::new(Caller { cb })
    }

    /// Calls the Kotlin `inc` once, on the calling thread.
    pub fn call_sync(&self, x: i32) -> i32 {
        self.cb.inc(x)
    }

    /// Awaits the Kotlin `incLater` once.
    pub async fn call_async(&self, x: i32) -> i32 {
        self.cb.inc_later(x).await
    }
}

// ---- frames ---------------------------------------------------------------------------

/// Frame `seq` of `frames_small`: 64 bytes, `seq` in the first 8 (a new `Vec` per frame, as
/// UniFFI returns bytes).
#[uniffi::export]
pub fn frame_small(seq: u64) -> Vec<u8> {
    let mut v = vec![0u8; 64];
    v[..8].copy_from_slice(&seq.to_le_bytes());
    v
}

/// Frame `seq` of `frames_large`: 1 MiB written once, `seq` in the first and last 8 bytes.
#[uniffi::export]
pub fn frame_large(seq: u64) -> Vec<u8> {
    const LEN: usize = 1 << 20;
    let mut v = vec![seq as u8; LEN];
    v[..8].copy_from_slice(&seq.to_le_bytes());
    v[LEN - 8..].copy_from_slice(&seq.to_le_bytes());
    v
}
