//! Async calls from Kotlin (the callback-to-suspend adapter).
//!
//! `start` first polls the future once on the calling thread (inside the runtime's
//! context, so Tokio timers and `spawn` work). A future that is already done finishes
//! there, with no thread hop and no registration. Otherwise it is registered (its
//! cancellation token, under the Kotlin completion id) and spawned on the runtime; when it finishes, the
//! task removes its entry and makes exactly one upcall that resumes the Kotlin
//! continuation. `cancel` removes the entry and cancels the token; the task sees it at
//! once, drops the user future (running its `Drop`s) and makes no upcall, since the Kotlin
//! side has already resumed with `CancellationException`. `pending()` is the size of the
//! table: calls neither finished nor cancelled.

use crate::cancel::CancellationToken;
use crate::panics::CatchUnwind;
use crate::sync::{AtomicUsize, Mutex, MutexGuard, Ordering};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

crate::sync::model_static! {
    /// Running calls by their Kotlin completion id. Keyed by that id (not by a handle of our
    /// own) because Kotlin knows it before the call starts: a cancel can always name the call,
    /// and a cancel that lands once the call is registered reaches it before `Job.cancel()`
    /// returns. Ids are unique while live (a slot plus a generation on the Kotlin side).
    static CALLS: Table = Table::new();
}

/// Stripes of the call table: a call's stripe is its slot modulo this, so calls that
/// start and end on different threads at the same time rarely wait for one another.
const STRIPES: usize = if cfg!(ferry_loom) { 2 } else { 32 };

/// Entries a stripe keeps by index. The Kotlin side hands out dense slots (the lowest free
/// one), so this is only reached by an id that is not one of them; such ids, and an id
/// whose entry is taken by another id (not Kotlin's, whose live ids have distinct slots),
/// go to the stripe's overflow list, so any id still works, only slower.
const DENSE_MAX: usize = 1 << 20;

/// The table of running calls, indexed by the slot in the id's low 32 bits (the
/// generation in the high bits is checked against the entry's id, so a cancel for a
/// finished call whose slot was reused is a miss). Every update is one entry under one
/// stripe's lock; `live` counts the entries, so `pending()` takes no lock.
struct Table {
    stripes: [Stripe; STRIPES],
    live: AtomicUsize,
}

/// A stripe, on a cache line of its own (two threads updating neighbouring stripes would
/// otherwise contend for the line).
#[repr(align(64))]
struct Stripe(Mutex<Entries>);

#[derive(Default)]
struct Entries {
    /// Entry `i` is the call whose slot is `i * STRIPES + stripe`, if any.
    dense: Vec<Entry>,
    overflow: Vec<(i64, CancellationToken)>,
}

#[derive(Default)]
struct Entry {
    /// Meaningful only while `token` is present.
    id: i64,
    token: Option<CancellationToken>,
}

impl Table {
    #[cfg(not(ferry_loom))]
    const fn new() -> Self {
        Table {
            stripes: [const { Stripe(Mutex::new(Entries { dense: Vec::new(), overflow: Vec::new() })) }; STRIPES],
            live: AtomicUsize::new(0),
        }
    }

    #[cfg(ferry_loom)]
    fn new() -> Self {
        Table { stripes: std::array::from_fn(|_| Stripe(Mutex::new(Entries::default()))), live: AtomicUsize::new(0) }
    }

    /// The id's stripe, locked, and its index there.
    fn entries(&self, id: i64) -> (MutexGuard<'_, Entries>, usize) {
        let slot = id as u32 as usize;
        // Every update is a single store or take, so a poisoned lock is still consistent.
        let entries = self.stripes[slot % STRIPES].0.lock().unwrap_or_else(|e| e.into_inner());
        (entries, slot / STRIPES)
    }

    fn insert(&self, id: i64, token: CancellationToken) {
        let (mut entries, at) = self.entries(id);
        self.live.fetch_add(1, Ordering::Relaxed);
        if at < DENSE_MAX {
            if entries.dense.len() <= at {
                // Amortised growth, as a push.
                entries.dense.resize_with(at + 1, Entry::default);
            }
            let entry = &mut entries.dense[at];
            if entry.token.is_none() {
                *entry = Entry { id, token: Some(token) };
                return;
            }
        }
        entries.overflow.push((id, token));
    }

    /// Removes the id's entry; its token and how many entries are left, or `None` when the
    /// id is not in the table (finished, cancelled, never registered, or a stale id).
    fn remove(&self, id: i64) -> Option<(CancellationToken, usize)> {
        let (mut entries, at) = self.entries(id);
        let token = match entries.dense.get_mut(at) {
            Some(entry) if entry.id == id && entry.token.is_some() => entry.token.take(),
            _ => {
                let found = entries.overflow.iter().position(|(other, _)| *other == id);
                found.map(|at| entries.overflow.swap_remove(at).1)
            }
        }?;
        Some((token, self.live.fetch_sub(1, Ordering::Relaxed) - 1))
    }

    /// Empties the table; the tokens it held.
    fn drain(&self) -> Vec<CancellationToken> {
        let mut tokens = Vec::new();
        for stripe in &self.stripes {
            let mut entries = stripe.0.lock().unwrap_or_else(|e| e.into_inner());
            let Entries { dense, overflow } = &mut *entries;
            let before = tokens.len();
            tokens.extend(dense.iter_mut().filter_map(|entry| entry.token.take()));
            tokens.extend(overflow.drain(..).map(|(_, token)| token));
            self.live.fetch_sub(tokens.len() - before, Ordering::Relaxed);
        }
        tokens
    }

    fn len(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}

/// What an async call produced, in the shape the upcall carries it.
#[derive(Debug)]
pub enum Outcome {
    /// A primitive (or unit, as 0) packed into 64 bits.
    Value(i64),
    /// A string, byte array or wire-encoded compound value.
    Bytes(Vec<u8>),
    /// A wire-encoded error enum value (`Err(e)`).
    Error(Vec<u8>),
    /// The future panicked; the message.
    Panic(String),
    /// The library was shut down while the call ran (see [`crate::runtime::shutdown`]).
    Cancelled,
}

/// An outcome with the object handles its encoding registered (see [`crate::objects::track`]).
pub type Completed = (Outcome, Vec<i64>);

/// How `start` left the call.
#[derive(Debug)]
pub enum Started {
    /// Done on its first poll, on the calling thread.
    Finished(Completed),
    /// Running on the runtime; [`cancel`] takes its completion id.
    Running,
}

/// Removes a running call's entry; returns how many other calls are still running (the
/// completion batches only when some are: a lone completion goes out at once).
fn unregister(id: i64) -> usize {
    CALLS.remove(id).map_or(CALLS.len(), |(_, others)| others)
}

/// Everything a call keeps while it runs, in one allocation: the user future (pinned here
/// from its first poll, which may happen on the caller's thread before the task exists),
/// its token, its id and how to complete it. The Tokio task holds only a pointer to it
/// ([`Run`]), so the task's cell stays at Tokio's minimum of 128 bytes: with the future
/// state of an `async fn` in it (the id, the token, the closure, the drop guards, the
/// boxed future's pointer) the cell was 256.
struct Call<Fut, C> {
    id: i64,
    token: CancellationToken,
    /// Taken by the one completion; still here when the task ends without one.
    complete: Option<C>,
    /// Structurally pinned: only ever polled in place and dropped with the allocation.
    future: CatchUnwind<Fut>,
}

impl<Fut: Future, C> Call<Fut, C> {
    fn future(self: Pin<&mut Self>) -> Pin<&mut CatchUnwind<Fut>> {
        // SAFETY: `future` is structurally pinned: never moved out, dropped in place.
        unsafe { self.map_unchecked_mut(|c| &mut c.future) }
    }

    fn take_complete(self: Pin<&mut Self>) -> Option<C> {
        // SAFETY: `complete` is not structurally pinned; nothing else is moved.
        unsafe { self.get_unchecked_mut() }.complete.take()
    }
}

/// Starts `make(token)`. With `poll_inline`, the first poll happens here, on the calling
/// thread; `complete` receives the outcome of a call that went on to run on the runtime,
/// unless it was cancelled first, and how many other calls were still running when this
/// one left the table (0 when that is unknown: the task was dropped).
///
/// Whatever user code does (panic in a poll, in a `Drop` of the future's captures, while
/// encoding the result), the caller gets exactly one outcome: a panic replaces the result,
/// and the object handles a failed result had registered are released here, in Rust.
pub fn start<F, Fut, C>(id: i64, make: F, poll_inline: bool, complete: C) -> Started
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
    C: FnOnce(Completed, usize) + Send + 'static,
{
    let token = CancellationToken::new();
    let future = CatchUnwind(make(token.clone()));
    let mut call = Box::pin(Call { id, token, complete: Some(complete), future });
    if poll_inline {
        let _context = crate::sync::runtime_context();
        // A real waker, not a no-op one: it relays to the task spawned below, so a future
        // that keeps only the waker of its first poll is still woken.
        let waker = call.token.relay_waker();
        let mut cx = Context::from_waker(&waker);
        if let (Poll::Ready(result), handles) = crate::objects::track(|| call.as_mut().future().poll(&mut cx)) {
            // Never called: the outcome goes back to the caller from here.
            drop(call.as_mut().take_complete());
            return Started::Finished(finish(result, handles, call));
        }
    }
    CALLS.insert(id, call.token.clone());
    crate::sync::spawn(Run(Some(call)));
    Started::Running
}

/// The outcome of a future that is done, after dropping it: a `Drop` that panics while the
/// future is dropped turns a result into that panic. A failed call's handles are released.
fn finish<Fut, C>(result: Result<Outcome, String>, handles: Vec<i64>, call: Pin<Box<Call<Fut, C>>>) -> Completed {
    let dropped = crate::panics::catch(move || drop(call));
    match (result, dropped) {
        (Ok(outcome), Ok(())) => (outcome, handles),
        (Err(panic), _) | (Ok(_), Err(panic)) => {
            crate::objects::release_all(&handles);
            (Outcome::Panic(panic), Vec::new())
        }
    }
}

/// A running call's Tokio task: one pointer, `None` once the call ended (its outcome
/// delivered, or its cancellation seen).
struct Run<Fut: Future, C: FnOnce(Completed, usize)>(Option<Pin<Box<Call<Fut, C>>>>);

impl<Fut, C> Future for Run<Fut, C>
where
    Fut: Future<Output = Outcome>,
    C: FnOnce(Completed, usize),
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // `Run` is `Unpin` (it holds a box), so the call can be taken out of it.
        let run = self.get_mut();
        let Some(call) = run.0.as_mut() else { return Poll::Ready(()) };
        // The waker is registered only after a poll that leaves the future pending: a call
        // that finishes on the task's first poll (most do) takes no lock in its token.
        let outcome = loop {
            if call.token.begin_poll() {
                break None;
            }
            match crate::objects::track(|| call.as_mut().future().poll(cx)) {
                (Poll::Ready(result), handles) => break Some((result, handles)),
                (Poll::Pending, _) => match call.token.register_pending(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(true) => break None,
                    // Woken through the relay before the registration: maybe after the poll.
                    Poll::Ready(false) => continue,
                },
            }
        };
        let mut call = run.0.take().expect("present above");
        let (id, complete) = (call.id, call.as_mut().take_complete());
        match outcome {
            None => {
                // Cancelled: Kotlin already resumed the coroutine. The user future is dropped
                // now; a panic in its `Drop` has no caller left to tell (the hook printed it).
                let _ = crate::panics::catch(move || drop(call));
                let others = unregister(id);
                if crate::runtime::is_stopped() {
                    // Cancelled by the shutdown, not by Kotlin: the caller still waits.
                    if let Some(complete) = complete {
                        complete((Outcome::Cancelled, Vec::new()), others);
                    }
                }
            }
            Some((result, handles)) => {
                // The user future is dropped (in `finish`) before the entry is removed: on
                // completion, `pending()` never reaches 0 while a user `Drop` is still due.
                let done = finish(result, handles, call);
                let others = unregister(id);
                if let Some(complete) = complete {
                    complete(done, others);
                }
            }
        }
        Poll::Ready(())
    }
}

/// A task dropped before its call ended (the runtime shut down, or a bug of ours or an
/// unwinding we did not foresee): the user future is dropped, the entry removed, and the
/// caller completed all the same instead of waiting forever: cancelled by a shutdown,
/// else with a `RustPanicException`. After a cancel the Kotlin side has already resumed
/// and ignores it.
impl<Fut: Future, C: FnOnce(Completed, usize)> Drop for Run<Fut, C> {
    fn drop(&mut self) {
        let Some(mut call) = self.0.take() else { return };
        let (id, complete) = (call.id, call.as_mut().take_complete());
        let _ = crate::panics::catch(move || drop(call));
        CALLS.remove(id);
        if let Some(complete) = complete {
            let outcome = if crate::runtime::is_stopped() {
                Outcome::Cancelled
            } else {
                Outcome::Panic("ferry: the call's task ended without a result".into())
            };
            complete((outcome, Vec::new()), 0);
        }
    }
}

/// Cancels a call. Unknown or finished handles are ignored: cancellation races completion
/// by design, and whichever comes first wins.
///
/// The entry is removed here, synchronously: a cancelled call stops counting in
/// `pending()` as soon as Kotlin's `cancel()` returns (the diagnostics contract: "started and not yet
/// finished or cancelled"). The task then drops the user future at once; the fixtures
/// prove that drop with counters of their own.
pub fn cancel(id: i64) {
    if let Some((token, _)) = CALLS.remove(id) {
        token.cancel();
    }
}

/// Cancels every running call (the library is shutting down: see [`crate::runtime`]).
pub fn cancel_all() {
    let tokens = CALLS.drain();
    // Outside the locks: cancelling wakes tasks, which remove nothing more but may run at once.
    for token in tokens {
        token.cancel();
    }
}

pub fn pending() -> usize {
    CALLS.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Arc};
    use std::time::Duration;

    /// Pending on its first poll; keeps only the waker of that first poll (a legal but
    /// unusual future) and asks another thread to wake it.
    struct KeepsFirstWaker {
        first: Option<std::task::Waker>,
        woken: Arc<AtomicBool>,
    }

    impl Future for KeepsFirstWaker {
        type Output = Outcome;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
            if self.woken.load(Ordering::SeqCst) {
                return Poll::Ready(Outcome::Value(42));
            }
            if self.first.is_none() {
                let waker = cx.waker().clone();
                self.first = Some(waker.clone());
                let woken = Arc::clone(&self.woken);
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    woken.store(true, Ordering::SeqCst);
                    waker.wake();
                });
            }
            Poll::Pending
        }
    }

    /// Tokio's task cell is 128 bytes (its alignment) only while the task's future fits in
    /// what its header and trailer leave: `Run` must stay one pointer, whatever the call.
    #[test]
    fn the_task_of_a_call_is_one_pointer() {
        fn size_of_run<Fut: Future, C: FnOnce(Completed, usize)>(_: &Fut, _: &C) -> usize {
            std::mem::size_of::<Run<Fut, C>>()
        }
        let future = async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Outcome::Value(0)
        };
        let (call, deliver) = (7i64, |_: &Completed| true);
        let complete = move |done: Completed, _| {
            let _ = (call, deliver(&done));
        };
        assert_eq!(size_of_run(&future, &complete), std::mem::size_of::<usize>());
    }

    #[test]
    fn a_future_keeping_its_inline_poll_waker_is_still_woken() {
        let (tx, rx) = mpsc::channel();
        let make = |_| KeepsFirstWaker { first: None, woken: Arc::new(AtomicBool::new(false)) };
        let started = start(9_001, make, true, move |done: Completed, _| tx.send(done.0).unwrap());
        assert!(matches!(started, Started::Running));
        let outcome = rx.recv_timeout(Duration::from_secs(5)).expect("woken through the relay waker");
        assert!(matches!(outcome, Outcome::Value(42)));
    }

    fn token() -> CancellationToken {
        CancellationToken::new()
    }

    /// The slot (low 32 bits) picks the entry, the whole id must match it: a cancel that
    /// names a finished call whose slot now holds a newer generation is a miss.
    #[test]
    fn the_table_finds_a_call_by_its_slot_and_generation() {
        let table = Table::new();
        let (older, newer) = ((1i64 << 32) | 5, (2i64 << 32) | 5);
        table.insert(newer, token());
        assert!(table.remove(older).is_none(), "another generation of the slot");
        assert!(table.remove(7).is_none(), "an empty slot");
        assert_eq!(table.len(), 1);
        assert_eq!(table.remove(newer).map(|(_, left)| left), Some(0));
        assert!(table.remove(newer).is_none(), "removed once");
        assert_eq!(table.len(), 0);
    }

    /// Ids that are not Kotlin's dense slots (two live ids sharing a slot, a slot far past
    /// the dense part) still work, through the stripe's overflow list.
    #[test]
    fn ids_sharing_a_slot_or_far_apart_all_get_entries() {
        let table = Table::new();
        let ids = [(1i64 << 32) | 5, (2i64 << 32) | 5, (3i64 << 32) | 5, u32::MAX as i64, (DENSE_MAX * STRIPES) as i64, -1];
        for id in ids {
            table.insert(id, token());
        }
        assert_eq!(table.len(), ids.len());
        assert!(table.stripes.iter().all(|s| s.0.lock().unwrap().dense.len() <= 6), "far slots are not dense");
        for (i, id) in ids.into_iter().enumerate().rev() {
            assert_eq!(table.remove(id).map(|(_, left)| left), Some(i), "{id:#x}");
        }
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn draining_the_table_returns_every_token_and_empties_it() {
        let table = Table::new();
        for slot in 0..100i64 {
            table.insert((9 << 32) | slot, token());
        }
        table.insert((10 << 32) | 3, token());
        assert_eq!(table.drain().len(), 101);
        assert_eq!(table.len(), 0);
        assert!(table.remove((9 << 32) | 3).is_none());
        table.insert((11 << 32) | 3, token());
        assert_eq!(table.len(), 1);
    }

    /// Through the real `start` and `cancel`: a cancel naming an older generation of a
    /// running call's slot does not reach it; one naming the call cancels its token before
    /// `cancel` returns, and the task then ends without an upcall.
    #[test]
    fn a_cancel_for_another_generation_of_the_slot_is_a_no_op() {
        let (id, stale) = ((7i64 << 32) | 123_457, (6i64 << 32) | 123_457);
        let (tx, rx) = mpsc::channel();
        let seen = Arc::new(std::sync::Mutex::new(None));
        let make = {
            let seen = Arc::clone(&seen);
            move |token: CancellationToken| {
                *seen.lock().unwrap() = Some(token.clone());
                async move {
                    token.cancelled().await;
                    Outcome::Value(1)
                }
            }
        };
        let started = start(id, make, false, move |done: Completed, _| tx.send(done.0).unwrap());
        assert!(matches!(started, Started::Running));
        let token = seen.lock().unwrap().clone().expect("made");
        cancel(stale);
        assert!(!token.is_cancelled(), "a stale id reached the call");
        cancel(id);
        assert!(token.is_cancelled(), "cancelled before cancel() returned");
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "no upcall after a cancel");
    }

    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("capture dropped");
        }
    }

    #[test]
    fn a_panicking_drop_at_the_end_of_the_body_becomes_the_outcome() {
        let captured = PanicsOnDrop;
        let started = start(9_002, move |_| async move { let _keep = captured; Outcome::Value(1) }, true, |_, _| {});
        match started {
            Started::Finished((Outcome::Panic(m), handles)) => {
                assert!(m.contains("capture dropped"));
                assert!(handles.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Model checks (see [`crate::sync`]): the real `start` / `cancel`, with the call's task on
/// a loom thread that parks whenever it is pending (a lost cancel or wake-up is a deadlock
/// loom reports). The Kotlin side is modelled by its one rule that matters here: the caller's
/// continuation sits in a slot that exactly one of the upcall and the cancellation handler
/// takes (`ContinuationSlots.take`), and `ferryCall` cancels once more when the caller was
/// cancelled while `start` ran.
#[cfg(all(test, ferry_loom))]
mod loom_tests {
    use super::*;
    use crate::sync::{join_spawned, Arc, AtomicBool, Ordering::SeqCst};
    use loom::sync::atomic::{AtomicU8, AtomicUsize};
    use loom::thread;
    use std::future::poll_fn;

    const ID: i64 = (3 << 32) | 7;
    const WAITING: u8 = 0;
    const COMPLETED: u8 = 1;
    const CANCELLED: u8 = 2;

    /// Counts the drops of the user future (it owns one of these).
    struct DropCounter(Arc<AtomicUsize>);

    impl Drop for DropCounter {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    /// Pending once (waking its waker at once), then ready.
    async fn yield_once() {
        let mut yielded = false;
        poll_fn(|cx| {
            if yielded {
                return Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await
    }

    /// Work that ends only when cancelled (a loop checking its token, say): only a cancel
    /// that reaches Rust stops it.
    async fn until_cancelled(token: CancellationToken, dropped: DropCounter) -> Outcome {
        let _owned = dropped;
        token.cancelled().await;
        Outcome::Value(1)
    }

    /// Completes on its second poll: the completion races the cancel.
    async fn after_one_yield(_token: CancellationToken, dropped: DropCounter) -> Outcome {
        let _owned = dropped;
        yield_once().await;
        Outcome::Value(1)
    }

    /// Keeps only the waker of its first poll (a legal but unusual future), which another
    /// thread wakes once it has made the future ready. After an inline first poll that waker
    /// is the relay, so the wake must reach the task `start` spawned.
    struct KeepsFirstWaker {
        ready: Option<Arc<AtomicBool>>,
        _owned: DropCounter,
    }

    impl Future for KeepsFirstWaker {
        type Output = Outcome;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
            match &self.ready {
                Some(ready) if ready.load(SeqCst) => Poll::Ready(Outcome::Value(1)),
                Some(_) => Poll::Pending,
                None => {
                    let ready = Arc::new(AtomicBool::new(false));
                    let (event, waker) = (Arc::clone(&ready), cx.waker().clone());
                    crate::sync::spawn(async move {
                        event.store(true, SeqCst);
                        waker.wake();
                    });
                    self.ready = Some(ready);
                    Poll::Pending
                }
            }
        }
    }

    fn woken_by_another_thread(_token: CancellationToken, dropped: DropCounter) -> KeepsFirstWaker {
        KeepsFirstWaker { ready: None, _owned: dropped }
    }

    /// `Job.cancel()` on another thread races `start` (registration, inline poll, spawn) and
    /// the task's completion. Exactly one of {completed, cancelled} wins for the caller; a
    /// call is left without an upcall only if the caller was cancelled; the user future is
    /// dropped exactly once, before the upcall; the call table ends empty.
    fn cancel_races_start_and_completion<Fut>(poll_inline: bool, work: fn(CancellationToken, DropCounter) -> Fut)
    where
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        model_call(poll_inline, work, true);
    }

    /// The call with a caller that is cancelled (`job_cancel`) on another thread, or not
    /// at all: then nothing can hide a lost wake-up of the task, and the upcall must come.
    fn model_call<Fut>(poll_inline: bool, work: fn(CancellationToken, DropCounter) -> Fut, job_cancel: bool)
    where
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        loom::model(move || {
            let caller = Arc::new(AtomicU8::new(WAITING));
            let upcalls = Arc::new(AtomicUsize::new(0));
            let drops = Arc::new(AtomicUsize::new(0));

            let canceller = job_cancel.then(|| {
                let caller = Arc::clone(&caller);
                thread::spawn(move || {
                    if caller.compare_exchange(WAITING, CANCELLED, SeqCst, SeqCst).is_ok() {
                        cancel(ID);
                    }
                })
            });

            let complete = {
                let (caller, upcalls, drops) = (Arc::clone(&caller), Arc::clone(&upcalls), Arc::clone(&drops));
                move |(outcome, _): Completed, _| {
                    assert!(matches!(outcome, Outcome::Value(1)), "{outcome:?}");
                    assert_eq!(drops.load(SeqCst), 1, "the user future is dropped before the upcall");
                    upcalls.fetch_add(1, SeqCst);
                    // The caller is gone if it was cancelled first: Kotlin ignores this upcall.
                    let _ = caller.compare_exchange(WAITING, COMPLETED, SeqCst, SeqCst);
                }
            };
            let counter = DropCounter(Arc::clone(&drops));
            match start(ID, move |token| work(token, counter), poll_inline, complete) {
                Started::Finished((outcome, _)) => {
                    assert!(matches!(outcome, Outcome::Value(1)), "{outcome:?}");
                    upcalls.fetch_add(1, SeqCst);
                    let _ = caller.compare_exchange(WAITING, COMPLETED, SeqCst, SeqCst);
                }
                Started::Running => {
                    if caller.load(SeqCst) == CANCELLED {
                        cancel(ID);
                    }
                }
            }

            if let Some(canceller) = canceller {
                canceller.join().unwrap();
            }
            join_spawned();
            let upcalls = upcalls.load(SeqCst);
            let caller = caller.load(SeqCst);
            assert!(upcalls <= 1, "{upcalls} upcalls");
            assert!(caller == COMPLETED || caller == CANCELLED, "the caller was resumed");
            if caller == COMPLETED {
                assert_eq!(upcalls, 1, "completed by the upcall");
            }
            if !job_cancel {
                assert_eq!(caller, COMPLETED, "a caller nobody cancels gets its result");
            }
            assert_eq!(drops.load(SeqCst), 1, "the user future is dropped exactly once");
            assert_eq!(pending(), 0, "the call table ends empty");
        });
    }

    #[test]
    fn cancel_races_a_call_that_ends_only_when_cancelled() {
        cancel_races_start_and_completion(false, until_cancelled);
    }

    #[test]
    fn cancel_races_a_call_that_ends_only_when_cancelled_after_an_inline_poll() {
        cancel_races_start_and_completion(true, until_cancelled);
    }

    #[test]
    fn cancel_races_a_call_completing_on_its_task() {
        cancel_races_start_and_completion(false, after_one_yield);
    }

    #[test]
    fn cancel_races_a_call_completing_after_an_inline_poll() {
        cancel_races_start_and_completion(true, after_one_yield);
    }

    #[test]
    fn cancel_races_a_call_woken_by_another_thread() {
        cancel_races_start_and_completion(false, woken_by_another_thread);
    }

    #[test]
    fn cancel_races_a_call_woken_through_the_relay_waker_of_its_inline_poll() {
        cancel_races_start_and_completion(true, woken_by_another_thread);
    }

    #[test]
    fn a_call_woken_through_the_relay_waker_of_its_inline_poll_completes() {
        model_call(true, woken_by_another_thread, false);
    }

    #[test]
    fn a_call_woken_by_another_thread_completes() {
        model_call(false, woken_by_another_thread, false);
    }
}

/// Runs a `#[ferry::export(blocking)]` fn on Tokio's blocking pool and resolves to its
/// result. The Kotlin caller suspends on this future like on any async call, so neither
/// its thread nor a Tokio worker waits for the work.
///
/// A panic in `f` is raised again here, where the call's panic guard turns it into
/// `RustPanicException` (Tokio's blocking thread already printed it, `resume_unwind` does
/// not print twice). Dropping this future (the caller was cancelled) does not stop `f`:
/// nothing can interrupt a thread; the call's `CancellationToken`, which `f` may take, is
/// cancelled and lets it stop early.
#[cfg(not(ferry_loom))]
pub async fn blocking<R, F>(f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => value,
        Err(e) => match e.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            // Only when the runtime shuts down before the task ran.
            Err(_) => panic!("ferry: the runtime shut down before the blocking call ran"),
        },
    }
}
