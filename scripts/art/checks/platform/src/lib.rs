//! The crate of the ART-only checks (scripts/art/checks/platform/tests): functions that let a
//! test see where Rust ran and when a Rust value was dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

ferry::include_glue!();

/// The Rust name of the current thread: `ferry-tokio...` for the runtime's threads, "not a
/// Rust thread" for a JVM thread that called in (Rust did not create it and knows no name).
fn thread_name() -> String {
    std::thread::current().name().unwrap_or("not a Rust thread").to_string()
}

/// Sleeps `steps` times for `ms` each and returns the thread of every poll of its body: the
/// first poll's, then one after each sleep.
#[ferry::export]
pub async fn poll_threads(steps: u32, ms: u64) -> Vec<String> {
    let mut threads = vec![thread_name()];
    for _ in 0..steps {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        threads.push(thread_name());
    }
    threads
}

/// Returns `value` after `ms` milliseconds; completes on a Tokio worker (its timer fires there).
#[ferry::export]
pub async fn sleep_echo(ms: u64, value: i64) -> i64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    value
}

static BLOBS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// A Rust object holding some memory; counts its drops.
#[ferry::export(object)]
pub struct Blob {
    bytes: Vec<u8>,
}

#[ferry::export]
impl Blob {
    pub fn new(size: u32) -> Self {
        Blob { bytes: vec![7; size as usize] }
    }

    pub fn size(&self) -> u32 {
        self.bytes.len() as u32
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        BLOBS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// How many `Blob`s were dropped so far (closed, or reclaimed after they became unreachable).
#[ferry::export]
pub fn blobs_dropped() -> u64 {
    BLOBS_DROPPED.load(Ordering::SeqCst)
}
