//! `ferry::CancellationToken`: the cooperative half of cancellation.
//!
//! Cancelling a Kotlin caller drops the Rust future at its next await point. Work that
//! does not await (a blocking loop, `spawn_blocking`, CPU work) takes a token as a
//! parameter and checks it; the bridge cancels the token before dropping the future.
//!
//! One token exists per async call, so it is kept small (56 bytes with its `Arc` counts,
//! one 64-byte allocator chunk): a state word, and under one lock the waker slot of the
//! bridge's own task (which thereby needs no `Notified` future of its own while it waits)
//! and the `Notify` of `cancelled().await`, made only when user code first awaits it.
//! Almost no call awaits `cancelled()`, and an eager `Notify` made every token a 96-byte
//! chunk.
//!
//! The state word keeps the lock off the path of a call that suspends once and then
//! finishes (the common case): checking for cancellation is a load, a wake of the relay
//! waker before any task registered is one atomic OR, and a call's task registers its
//! waker only when the user future is still pending after a poll of its own.

use crate::sync::{AtomicU8, Mutex, Notify, Ordering};
// std's `Arc` even under loom: `Waker::from` (the relay waker) needs it.
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Cancelled when the Kotlin coroutine that made the call is cancelled.
#[derive(Clone, Default)]
pub struct CancellationToken(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// [`CANCELLED`], [`TASK`], [`MISSED`].
    state: AtomicU8,
    slots: Mutex<Slots>,
}

/// The token was cancelled.
const CANCELLED: u8 = 1;
/// A task's waker is in `Slots::task` (set under the lock, after storing it; never unset):
/// from then on a relay wake goes to that waker.
const TASK: u8 = 2;
/// The relay waker was woken while no task had registered: the task that registers next
/// must poll once more, since the wake may have come after its last poll of the future.
const MISSED: u8 = 4;

#[derive(Default)]
struct Slots {
    /// The bridge task's waker ([`CancellationToken::poll_cancelled`]).
    task: Option<Waker>,
    /// Wakes the `cancelled()` futures; made by the first of them.
    waiters: Option<Arc<Notify>>,
}

impl Inner {
    fn slots(&self) -> crate::sync::MutexGuard<'_, Slots> {
        // Every update is a single store or take: a poisoned lock is still consistent.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancellationToken").field("cancelled", &self.is_cancelled()).finish()
    }
}

impl CancellationToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// True once the Kotlin caller was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.state.load(Ordering::Acquire) & CANCELLED != 0
    }

    /// Completes when the Kotlin caller is cancelled (at once if it already was).
    pub async fn cancelled(&self) {
        if self.is_cancelled() {
            return;
        }
        let waiters = Arc::clone(self.0.slots().waiters.get_or_insert_with(Default::default));
        loop {
            let notified = waiters.notified();
            let mut notified = std::pin::pin!(notified);
            // Register before checking the flag, so a cancel in between is not missed.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// Cancels the token. The bridge calls this; user code may too, to stop its own work.
    pub fn cancel(&self) {
        if self.0.state.fetch_or(CANCELLED, Ordering::AcqRel) & CANCELLED != 0 {
            return;
        }
        // Taken out of the lock: waking may run arbitrary code (never under our lock). A
        // `cancelled()` that makes the `Notify` after this sees the flag set (it checks it
        // after `enable()`), so one missing here has nobody to wake.
        let (task, waiters) = {
            let mut slots = self.0.slots();
            (slots.task.take(), slots.waiters.clone())
        };
        if let Some(waiters) = waiters {
            waiters.notify_waiters();
        }
        if let Some(waker) = task {
            waker.wake();
        }
    }

    /// For the bridge task, before it polls: true if cancelled, else remembers the task's
    /// waker so that `cancel` (and the relay waker) wake it.
    pub(crate) fn poll_cancelled(&self, cx: &mut Context<'_>) -> bool {
        if self.is_cancelled() {
            return true;
        }
        // A relay wake this registration has missed came before the poll that follows.
        self.register(cx);
        // A cancel between the first check and storing the waker found no waker to wake.
        self.is_cancelled()
    }

    /// For a call's task, before it polls the user future: true if cancelled. Forgets a
    /// relay wake that came before (this poll covers it), so that
    /// [`register_pending`](Self::register_pending) asks for another poll only for a wake
    /// that may have come after it. A load, unless there is such a wake to forget.
    pub(crate) fn begin_poll(&self) -> bool {
        let state = self.0.state.load(Ordering::Acquire);
        if state & MISSED != 0 {
            return self.0.state.fetch_and(!MISSED, Ordering::AcqRel) & CANCELLED != 0;
        }
        state & CANCELLED != 0
    }

    /// For a call's task, after the user future returned `Pending` from its poll (the task
    /// checked [`begin_poll`](Self::begin_poll) before that poll): remembers
    /// the task's waker so that `cancel` and the relay waker wake it. `Ready(true)`: the
    /// token was cancelled meanwhile (its cancel found no waker to wake); `Ready(false)`:
    /// the relay waker was woken before this registration, maybe after that poll, so the
    /// task must poll the future again; `Pending`: the task may wait.
    pub(crate) fn register_pending(&self, cx: &mut Context<'_>) -> Poll<bool> {
        let before = self.register(cx);
        if self.is_cancelled() {
            Poll::Ready(true)
        } else if before & MISSED != 0 {
            self.0.state.fetch_and(!MISSED, Ordering::AcqRel);
            Poll::Ready(false)
        } else {
            Poll::Pending
        }
    }

    /// Stores the task's waker (unless the stored one wakes the same task) and marks it
    /// stored; returns the state from before the mark.
    fn register(&self, cx: &mut Context<'_>) -> u8 {
        let mut slots = self.0.slots();
        match slots.task.as_ref() {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => slots.task = Some(cx.waker().clone()),
        }
        // Under the lock, after the store: a relay wake that sees `TASK` then takes the
        // lock and finds the waker; one that does not has set `MISSED` first, seen here.
        self.0.state.fetch_or(TASK, Ordering::AcqRel)
    }

    /// A waker for polling the user future before the bridge task exists (the inline first
    /// poll): waking it wakes whatever task [`poll_cancelled`](Self::poll_cancelled) or
    /// [`register_pending`](Self::register_pending) has registered by then. A wake that
    /// comes before any task registered needs no relay, only the `MISSED` mark: a stream's
    /// task registers before its first poll, and a call's task, which registers after a
    /// poll, polls again when its registration finds the mark. So a future that keeps the
    /// waker of its first poll (and never takes a newer one) is still woken. It shares the
    /// token's allocation: no extra allocation per call.
    pub(crate) fn relay_waker(&self) -> Waker {
        Waker::from(Arc::clone(&self.0))
    }
}

impl Wake for Inner {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // No task yet (a wake during or soon after the inline poll): the mark is enough,
        // the task's next registration sees it. The RMW orders this against `register`'s;
        // a task that registered in between gets the wake below as well.
        if self.state.load(Ordering::Acquire) & TASK == 0 && self.state.fetch_or(MISSED, Ordering::AcqRel) & TASK == 0 {
            return;
        }
        // Cloned out of the lock: waking a task may run arbitrary code (never under our lock).
        let task = self.slots().task.clone();
        if let Some(task) = task {
            task.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelled_completes_for_every_clone() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let token = CancellationToken::new();
        let waiters: Vec<_> = (0..3).map(|_| {
            let t = token.clone();
            rt.spawn(async move { t.cancelled().await; t.is_cancelled() })
        }).collect();
        rt.block_on(tokio::task::yield_now());
        assert!(!token.is_cancelled());
        token.cancel();
        token.cancel(); // idempotent
        for w in waiters {
            assert!(rt.block_on(w).unwrap());
        }
        rt.block_on(token.cancelled()); // already cancelled: returns at once
    }
}

/// Model checks (see [`crate::sync`]). A task runs on a loom thread under
/// `loom::future::block_on`, which parks until its waker is woken: a lost wake-up leaves it
/// parked forever, and loom reports the deadlock.
#[cfg(all(test, ferry_loom))]
mod loom_tests {
    use super::*;
    use loom::future::block_on;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc as LoomArc;
    use loom::thread;
    use std::future::{poll_fn, Future};
    use std::pin::Pin;
    use std::task::Poll;

    /// The bridge task's wait (`poll_cancelled`) racing `cancel()`: after the cancel, either
    /// `poll_cancelled` returned true or the waker it registered was woken.
    #[test]
    fn cancel_racing_poll_cancelled_never_loses_the_wake_up() {
        loom::model(|| {
            let token = CancellationToken::new();
            let task = {
                let token = token.clone();
                thread::spawn(move || block_on(poll_fn(|cx| if token.poll_cancelled(cx) { Poll::Ready(()) } else { Poll::Pending })))
            };
            token.cancel();
            task.join().unwrap();
            assert!(token.is_cancelled());
        });
    }

    /// User code awaiting `cancelled()` (the `Notify` path: `enable()` before the flag check,
    /// `notify_waiters` in `cancel`) racing `cancel()`.
    #[test]
    fn cancel_racing_cancelled_future_never_loses_the_wake_up() {
        loom::model(|| {
            let token = CancellationToken::new();
            let user = {
                let token = token.clone();
                thread::spawn(move || block_on(token.cancelled()))
            };
            token.cancel();
            user.join().unwrap();
        });
    }

    /// A user future that keeps only the waker of its first poll and is made ready by
    /// another thread, which wakes that waker.
    struct KeepsFirstWaker {
        ready: LoomArc<AtomicBool>,
        first: LoomArc<crate::sync::Mutex<Option<Waker>>>,
        polled: bool,
    }

    impl Future for KeepsFirstWaker {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.ready.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            if !self.polled {
                self.polled = true;
                *self.first.lock().unwrap() = Some(cx.waker().clone());
            }
            Poll::Pending
        }
    }

    /// The inline first poll gets the relay waker; the bridge task (`poll` says how it
    /// polls) starts while another thread makes the future ready and wakes the relay.
    /// Whatever the order, the task must finish, not cancelled.
    fn relay_model(poll: fn(&CancellationToken, &mut KeepsFirstWaker, &mut Context<'_>) -> Poll<bool>) {
        loom::model(move || {
            let token = CancellationToken::new();
            let ready = LoomArc::new(AtomicBool::new(false));
            let first = LoomArc::new(crate::sync::Mutex::new(None));
            let mut future = KeepsFirstWaker { ready: LoomArc::clone(&ready), first: LoomArc::clone(&first), polled: false };

            let relay = token.relay_waker();
            assert!(Pin::new(&mut future).poll(&mut Context::from_waker(&relay)).is_pending());
            drop(relay);

            let event = thread::spawn(move || {
                ready.store(true, Ordering::Release);
                let kept: Option<Waker> = first.lock().unwrap().take();
                kept.expect("the inline poll kept its waker").wake();
            });
            let task = thread::spawn(move || block_on(poll_fn(|cx| poll(&token, &mut future, cx))));
            assert!(task.join().unwrap(), "finished, not cancelled");
            event.join().unwrap();
        });
    }

    /// A stream's task polls as `streams` does: `poll_cancelled` (which registers), then
    /// the future. A wake before the task registered is covered by the task's own first
    /// poll, a wake after it reaches the registered waker.
    #[test]
    fn the_relay_waker_wakes_the_task_registered_after_the_inline_poll() {
        relay_model(|token, future, cx| {
            if token.poll_cancelled(cx) {
                return Poll::Ready(false);
            }
            Pin::new(future).poll(cx).map(|()| true)
        });
    }

    /// How a call's task polls (`calls::Run`): `begin_poll`, the user future, and only
    /// when that is pending `register_pending`. `Ready(true)`: finished; `Ready(false)`:
    /// cancelled.
    fn poll_as_a_call<F: Future<Output = ()> + Unpin>(token: &CancellationToken, future: &mut F, cx: &mut Context<'_>) -> Poll<bool> {
        loop {
            if token.begin_poll() {
                return Poll::Ready(false);
            }
            if Pin::new(&mut *future).poll(cx).is_ready() {
                return Poll::Ready(true);
            }
            match token.register_pending(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(true) => return Poll::Ready(false),
                Poll::Ready(false) => continue,
            }
        }
    }

    /// A call's task registers only after a pending poll: a relay wake that finds no task
    /// yet is marked, and the registration that follows sees the mark and polls again.
    #[test]
    fn a_relay_wake_before_the_registration_after_a_pending_poll_is_not_lost() {
        relay_model(poll_as_a_call);
    }

    /// A cancel racing a call's task whose future never wakes it (only the token's own
    /// registration can): the task sees the cancel at its next `begin_poll`, in
    /// `register_pending`, or is woken by `cancel` through the waker it registered.
    #[test]
    fn cancel_racing_a_call_registering_after_its_poll_never_loses_the_wake_up() {
        loom::model(|| {
            let token = CancellationToken::new();
            let task = {
                let token = token.clone();
                thread::spawn(move || block_on(poll_fn(|cx| poll_as_a_call(&token, &mut std::future::pending::<()>(), cx))))
            };
            token.cancel();
            assert!(!task.join().unwrap(), "cancelled");
        });
    }
}

