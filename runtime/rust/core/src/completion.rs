//! The completion protocol both faces speak: how a foreign caller's id asks for (or
//! forbids) the first poll on its own thread, and how an async call's outcome is packed
//! into one upcall (status, a 64-bit value, an optional payload). The JNI face carries a
//! [`Delivery`] in one static method call, the C face in one function-pointer call; the
//! Kotlin side (`dev.ferry.Completions.complete`) reads the same fields on both.

use crate::calls::{self, Completed, Outcome, Started};
use crate::cancel::CancellationToken;
use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

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
    let on_runtime = move |done: Completed, others: usize| {
        // A lone completion goes out at once; with other calls running, a plain value
        // waits in the runtime's batch (see `queue`).
        if others > 0 && queue(call, &done) {
            return;
        }
        flush_batch();
        complete(call, done, 0, deliver)
    };
    match calls::start(call, make, poll_inline, on_runtime) {
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

/// How a face hands over many completions in one upcall: `pairs` is `[call, value, call,
/// value, ...]`, each a call that ended with a plain value (status [`status::VALUE`], no
/// payload, no object handles), so the face needs no answer back (there is nothing to
/// release for a caller that is gone). Every call in `pairs` must be completed, one way or
/// another: a face that cannot make the batched upcall delivers them one by one.
pub type DeliverBatch = fn(&[i64]);

static DELIVER_BATCH: OnceLock<DeliverBatch> = OnceLock::new();

/// Completions delivered in batches so far (one add per batch), for tests and diagnostics.
static BATCHED: AtomicU64 = AtomicU64::new(0);

/// How many completions went out in batched upcalls since the library loaded.
pub fn batched_completions() -> u64 {
    BATCHED.load(Ordering::Relaxed)
}

/// Completions gathered before they are delivered (then at the latest).
pub const BATCH_MAX: usize = 64;

/// The gathered completions of this library's runtime, as `DeliverBatch` takes them. One
/// batch for the runtime, not one per thread: whichever thread flushes delivers them all,
/// so a worker that stays busy (or leaves the pool, as after `block_in_place`) cannot hold
/// completions back.
static BATCH: Mutex<Vec<i64>> = Mutex::new(Vec::new());
/// Whether `BATCH` may hold something: a flush with nothing gathered takes no lock.
static GATHERED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Set on the threads of a runtime ferry built, which flush the batch before they park
    /// and as they stop ([`crate::runtime`] installs both hooks). Other threads (a
    /// handed-over runtime's, whose parking ferry cannot see) never batch.
    static BATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Lets a face carry many completions in one upcall (the JNI face does; the C face does
/// not, and completes every call by its own upcall). Only the first call counts.
pub fn set_batch_delivery(deliver: DeliverBatch) -> bool {
    DELIVER_BATCH.set(deliver).is_ok()
}

/// Marks the current thread as one whose completions may be batched.
pub(crate) fn batch_on_this_thread() {
    let _ = BATCHING.try_with(|b| b.set(true));
}

fn batch() -> std::sync::MutexGuard<'static, Vec<i64>> {
    // Every update is a push or a take: a poisoned lock is still consistent.
    BATCH.lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds a plain value to the batch, delivering the batch when it is full. False when the
/// completion cannot wait (another outcome, no batching face, a thread that does not batch,
/// a runtime shutting down): it then goes out on its own.
fn queue(call: i64, done: &Completed) -> bool {
    let (Outcome::Value(value), handles) = done else { return false };
    if !handles.is_empty()
        || !BATCHING.try_with(Cell::get).unwrap_or(false)
        || DELIVER_BATCH.get().is_none()
        || crate::runtime::is_stopped()
    {
        return false;
    }
    let (first, full) = {
        let mut b = batch();
        b.push(call);
        b.push(*value);
        GATHERED.store(true, Ordering::Release);
        (b.len() == 2, b.len() >= 2 * BATCH_MAX)
    };
    if full {
        flush_batch();
    } else if first {
        // A batch begins: its flusher runs once this worker has nothing else to run or,
        // when it stays busy, at its next maintenance (Tokio wakes a yielded task then,
        // every few dozen task polls), so the batch waits at most that long.
        crate::runtime::handle().spawn(async {
            tokio::task::yield_now().await;
            flush_batch();
        });
    }
    true
}

/// Delivers the gathered completions, if any: when the batch is full, from its flusher
/// task, before a runtime thread parks or stops, and before any completion that goes out
/// on its own.
pub fn flush_batch() {
    if !GATHERED.load(Ordering::Acquire) {
        return;
    }
    let pairs = {
        let mut b = batch();
        GATHERED.store(false, Ordering::Release);
        std::mem::take(&mut *b)
    };
    if pairs.is_empty() {
        return;
    }
    if let Some(deliver) = DELIVER_BATCH.get() {
        BATCHED.fetch_add((pairs.len() / 2) as u64, Ordering::Relaxed);
        deliver(&pairs);
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

    /// What the batch tests saw delivered, batched or not (the deliverers are process-wide:
    /// only the first `set_batch_delivery` counts, so the tests share these and tell their
    /// calls apart by id).
    static SEEN: std::sync::Mutex<Vec<(i64, i64)>> = std::sync::Mutex::new(Vec::new());

    fn record_batch(pairs: &[i64]) {
        SEEN.lock().unwrap().extend(pairs.chunks_exact(2).map(|p| (p[0], p[1])));
    }

    fn record_single(d: &Delivery) -> bool {
        SEEN.lock().unwrap().push((d.call, d.value));
        true
    }

    fn seen_in(ids: std::ops::Range<i64>) -> Vec<(i64, i64)> {
        let mut seen: Vec<_> = SEEN.lock().unwrap().iter().copied().filter(|(id, _)| ids.contains(id)).collect();
        seen.sort();
        seen
    }

    fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "not within 5 s: {what}");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Calls that end together while others run go out in batches, each exactly once: by a
    /// full batch, a thread about to park, the flusher, or the last call (nobody else
    /// running) going out on its own and flushing the batch first.
    #[test]
    fn calls_ending_together_are_delivered_in_batches_each_once() {
        set_batch_delivery(record_batch);
        let gate = std::sync::Arc::new(tokio::sync::Notify::new());
        const FIRST: i64 = 1_000_000;
        const N: i64 = 500;
        for i in 0..N {
            let gate = gate.clone();
            let make = move |_| async move {
                gate.notified().await;
                Outcome::Value(i * 10)
            };
            assert_eq!(spawn(FIRST + i, make, record_single), RUNNING);
        }
        // Every call has polled once (it is registered) before the gate opens.
        wait_until("all calls registered", || calls::pending() >= N as usize);
        std::thread::sleep(std::time::Duration::from_millis(20));
        gate.notify_waiters();
        wait_until("every call delivered", || seen_in(FIRST..FIRST + N).len() >= N as usize);
        let expected: Vec<_> = (0..N).map(|i| (FIRST + i, i * 10)).collect();
        assert_eq!(seen_in(FIRST..FIRST + N), expected, "each call exactly once");
        assert!(batched_completions() > 0, "none batched");
    }

    /// Workers that never run out of work (tasks that wake themselves, so no worker parks)
    /// do not hold a batched completion: its flusher runs at a worker's next maintenance.
    /// Another call stays pending meanwhile, so the completion is batched, not sent alone.
    #[test]
    fn a_batch_goes_out_while_every_worker_stays_busy() {
        use std::sync::atomic::AtomicBool;
        use std::task::Poll;
        set_batch_delivery(record_batch);
        const PENDING: i64 = 2_000_000;
        const DONE: i64 = 2_000_001;
        assert_eq!(spawn(PENDING, |_| std::future::pending::<Outcome>(), record_single), RUNNING);
        static STOP: AtomicBool = AtomicBool::new(false);
        let busy: Vec<_> = (0..8)
            .map(|_| {
                crate::runtime::handle().spawn(std::future::poll_fn(|cx| {
                    if STOP.load(Ordering::Acquire) {
                        return Poll::Ready(());
                    }
                    let until = std::time::Instant::now() + std::time::Duration::from_micros(20);
                    while std::time::Instant::now() < until {
                        std::hint::spin_loop();
                    }
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }))
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let make = |_| async {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            Outcome::Value(7)
        };
        assert_eq!(spawn(DONE, make, record_single), RUNNING);
        wait_until("the busy workers' batch delivered", || seen_in(DONE..DONE + 1).len() == 1);
        STOP.store(true, Ordering::Release);
        cancel(PENDING);
        for task in busy {
            let _ = crate::runtime::handle().block_on(task);
        }
        assert_eq!(seen_in(DONE..DONE + 1), vec![(DONE, 7)]);
    }

    #[test]
    fn an_undeliverable_result_becomes_a_panic_keeping_only_the_inline_flag() {
        let d = Delivery::new(7, Outcome::Value(3), &[], status::INLINE);
        let u = d.undeliverable();
        assert_eq!(u.status, status::PANIC | status::INLINE);
        assert_eq!(u.call, 7);
    }
}
