//! A second ferry library for the soak's two-libraries check: loaded into the same JVM as
//! `ferry_soak`, with its own Tokio runtime and tables. Its functions share names with the
//! first library's but compute different results, and it keeps its own counters, so a call,
//! a cancellation or a diagnostic routed to the wrong library shows up as a wrong value.

use futures_core::Stream;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::SeqCst};
use std::task::{Context, Poll};
use std::time::Duration;

ferry::include_glue!();

static PARKED_STARTED: AtomicU64 = AtomicU64::new(0);
static PARKED_DROPPED_CANCELLED: AtomicU64 = AtomicU64::new(0);
static PARKED_DROPPED_UNCANCELLED: AtomicU64 = AtomicU64::new(0);
static TALLIES_ALIVE: AtomicI64 = AtomicI64::new(0);
static STREAMS_ALIVE: AtomicI64 = AtomicI64::new(0);

#[ferry::export]
pub struct TwoCounts {
    pub parked_started: u64,
    pub parked_dropped_cancelled: u64,
    pub parked_dropped_uncancelled: u64,
    pub tallies_alive: i64,
    pub streams_alive: i64,
}

#[ferry::export]
pub fn two_counts() -> TwoCounts {
    TwoCounts {
        parked_started: PARKED_STARTED.load(SeqCst),
        parked_dropped_cancelled: PARKED_DROPPED_CANCELLED.load(SeqCst),
        parked_dropped_uncancelled: PARKED_DROPPED_UNCANCELLED.load(SeqCst),
        tallies_alive: TALLIES_ALIVE.load(SeqCst),
        streams_alive: STREAMS_ALIVE.load(SeqCst),
    }
}

/// Not the first library's `scramble`: the Kotlin side checks which one answered.
#[ferry::export]
pub fn mark(id: u64) -> u64 {
    id.rotate_left(17) ^ 0x7777_0000_2222_0000
}

/// Waits `delay_us` (0: yields once), then returns `mark(id)`.
#[ferry::export]
pub async fn work(id: u64, delay_us: u32) -> u64 {
    if delay_us == 0 {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(Duration::from_micros(delay_us as u64)).await;
    }
    mark(id)
}

struct Parked(ferry::CancellationToken);

impl Drop for Parked {
    fn drop(&mut self) {
        if self.0.is_cancelled() {
            PARKED_DROPPED_CANCELLED.fetch_add(1, SeqCst);
        } else {
            PARKED_DROPPED_UNCANCELLED.fetch_add(1, SeqCst);
        }
    }
}

/// Never completes: only cancelling the Kotlin caller ends it.
#[ferry::export]
pub async fn park(token: ferry::CancellationToken) -> u64 {
    PARKED_STARTED.fetch_add(1, SeqCst);
    let _parked = Parked(token);
    std::future::pending::<u64>().await
}

#[ferry::export(object)]
pub struct Tally {
    value: AtomicU64,
}

impl Drop for Tally {
    fn drop(&mut self) {
        TALLIES_ALIVE.fetch_sub(1, SeqCst);
    }
}

#[ferry::export]
impl Tally {
    pub fn new(start: u64) -> Self {
        TALLIES_ALIVE.fetch_add(1, SeqCst);
        Tally { value: AtomicU64::new(start) }
    }

    pub fn value(&self) -> u64 {
        self.value.load(SeqCst)
    }

    pub async fn add(&self, by: u64) -> u64 {
        tokio::task::yield_now().await;
        self.value.fetch_add(by, SeqCst) + by
    }
}

/// 0, ..., k - 1; then the end (`ends`) or pending forever, never woken, so that only
/// cancellation ends it.
struct Counting {
    next: u32,
    k: u32,
    ends: bool,
}

impl Counting {
    fn new(k: u32, ends: bool) -> Self {
        STREAMS_ALIVE.fetch_add(1, SeqCst);
        Counting { next: 0, k, ends }
    }
}

impl Drop for Counting {
    fn drop(&mut self) {
        STREAMS_ALIVE.fetch_sub(1, SeqCst);
    }
}

impl Stream for Counting {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
        if self.next >= self.k {
            return if self.ends { Poll::Ready(None) } else { Poll::Pending };
        }
        self.next += 1;
        Poll::Ready(Some(self.next - 1))
    }
}

/// 0, ..., k - 1, then pending forever.
#[ferry::export]
pub fn stall_after(k: u32) -> impl Stream<Item = u32> + Send + 'static {
    Counting::new(k, false)
}

/// 0, 1, ..., n - 1, then the end.
#[ferry::export]
pub fn count_to(n: u32) -> impl Stream<Item = u32> + Send + 'static {
    Counting::new(n, true)
}
