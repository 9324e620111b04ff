//! The synchronisation primitives of the modules whose concurrency is model-checked with
//! loom ([`crate::handles`], [`crate::cancel`], [`crate::calls`], [`crate::streams`]).
//!
//! Normal builds re-export the very types those modules used before (`std::sync`,
//! `tokio::sync::Notify`, the runtime's `spawn`), so they compile to exactly the same code.
//! Built with `RUSTFLAGS="--cfg ferry_loom"` (only for `cargo test --lib`: loom is a
//! dev-dependency), the same names are loom's instrumented types, and the `loom_tests`
//! modules explore every interleaving of the real code within a preemption bound:
//!
//! ```sh
//! RUSTFLAGS="--cfg ferry_loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!     cargo test -p ferry-core --release --lib loom
//! ```
//!
//! The cfg is `ferry_loom`, not the customary `loom`: Tokio reacts to `cfg(loom)` and would
//! no longer build as an ordinary dependency.
//!
//! What is real and what is not under loom:
//! - `Mutex`, `MutexGuard`, the atomics and `Arc` are loom's, so every lock, load and
//!   store of the modelled code is a point where loom may switch threads.
//! - `Notify` is the one piece modelled by a stand-in: a small implementation of the
//!   subset of `tokio::sync::Notify` the runtime uses (`notify_one`, `notify_waiters`,
//!   `notified()` with `enable()`), built on loom's primitives and following Tokio's
//!   documented semantics (see [`Notify`] under loom). Tokio's own `Notify` is built on
//!   std atomics that loom cannot see.
//! - [`spawn`] runs a task on a loom thread (driven by `loom::future::block_on`) instead
//!   of a Tokio worker, and [`runtime_context`] is a no-op: the models never start Tokio.
//! - [`model_static!`] statics are rebuilt for every execution, because loom's types can
//!   neither be built in a const context nor outlive one execution.
//! - `CancellationToken` keeps std's `Arc` even under loom: `Waker::from` needs it.

#[cfg(all(ferry_loom, not(test)))]
compile_error!("cfg(ferry_loom) is only for `cargo test --lib` (loom is a dev-dependency)");

#[cfg(not(ferry_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
#[cfg(not(ferry_loom))]
pub(crate) use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(not(ferry_loom))]
pub(crate) use tokio::sync::Notify;

#[cfg(ferry_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
#[cfg(ferry_loom)]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};
#[cfg(ferry_loom)]
pub(crate) use notify::Notify;

/// Spawns a call's or a stream's task on ferry's Tokio runtime.
#[cfg(not(ferry_loom))]
#[inline]
pub(crate) fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(task: F) {
    crate::runtime::handle().spawn(task);
}

/// Enters the runtime's context, so Tokio timers and `spawn` work during an inline poll.
#[cfg(not(ferry_loom))]
#[inline]
pub(crate) fn runtime_context() -> tokio::runtime::EnterGuard<'static> {
    crate::runtime::handle().enter()
}

/// A `static` with a const initialiser. Under loom it becomes a lazy static that each
/// model execution builds afresh and drops at its end.
macro_rules! model_static {
    ($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        #[cfg(not(ferry_loom))]
        $(#[$meta])*
        static $name: $ty = $init;
        #[cfg(ferry_loom)]
        loom::lazy_static! {
            $(#[$meta])*
            static ref $name: $ty = $init;
        }
    };
}
pub(crate) use model_static;

#[cfg(ferry_loom)]
pub(crate) use model::{join_spawned, runtime_context, spawn};

#[cfg(ferry_loom)]
mod model {
    use loom::sync::Mutex;
    use loom::thread::JoinHandle;
    use std::future::Future;

    loom::lazy_static! {
        /// The tasks spawned in this execution, for the model to join before it checks.
        static ref SPAWNED: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());
    }

    /// The task runs on its own loom thread, which parks whenever the task is pending and
    /// resumes only when its waker is woken: a lost wake-up is a deadlock loom reports.
    pub(crate) fn spawn<F: Future<Output = ()> + Send + 'static>(task: F) {
        let thread = loom::thread::spawn(move || loom::future::block_on(task));
        SPAWNED.lock().unwrap().push(thread);
    }

    pub(crate) fn runtime_context() {}

    /// Joins every task spawned so far (and those they spawned), so a model can assert on
    /// the final state.
    pub(crate) fn join_spawned() {
        loop {
            let Some(thread) = SPAWNED.lock().unwrap().pop() else { return };
            thread.join().expect("a spawned task panicked");
        }
    }
}

/// A stand-in for `tokio::sync::Notify` under loom, limited to what the runtime uses, with
/// Tokio's semantics:
/// - `notify_one` wakes the oldest registered waiter, or stores one permit when nobody
///   waits; the next `Notified` to be polled or enabled consumes it.
/// - `notify_waiters` completes every `Notified` created before the call (registered or
///   not) and stores no permit.
/// - A `Notified` registers on its first poll or `enable()`; dropped after `notify_one`
///   chose it but before it saw the notification, it passes the notification on.
#[cfg(ferry_loom)]
mod notify {
    use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use loom::sync::{Mutex, MutexGuard};
    use std::collections::VecDeque;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    #[derive(Default)]
    pub(crate) struct Notify {
        state: Mutex<State>,
        /// Calls of `notify_waiters` so far; a `Notified` remembers the count it was made at.
        broadcasts: AtomicUsize,
    }

    #[derive(Default)]
    struct State {
        permit: bool,
        /// Registered waiters not yet notified, oldest first.
        waiting: VecDeque<Waiter>,
        /// Waiters `notify_one` chose that have not yet seen the notification.
        chosen: Vec<u64>,
        next_id: u64,
    }

    struct Waiter {
        id: u64,
        waker: Option<Waker>,
    }

    impl State {
        fn notify_one(&mut self) -> Option<Waker> {
            match self.waiting.pop_front() {
                Some(waiter) => {
                    self.chosen.push(waiter.id);
                    waiter.waker
                }
                None => {
                    self.permit = true;
                    None
                }
            }
        }
    }

    impl Notify {
        pub(crate) fn new() -> Self {
            Self::default()
        }

        fn lock(&self) -> MutexGuard<'_, State> {
            self.state.lock().unwrap()
        }

        pub(crate) fn notify_one(&self) {
            let waker = self.lock().notify_one();
            if let Some(waker) = waker {
                waker.wake();
            }
        }

        pub(crate) fn notify_waiters(&self) {
            let wakers: Vec<Waker> = {
                let mut state = self.lock();
                self.broadcasts.fetch_add(1, SeqCst);
                state.waiting.drain(..).filter_map(|w| w.waker).collect()
            };
            for waker in wakers {
                waker.wake();
            }
        }

        pub(crate) fn notified(&self) -> Notified<'_> {
            Notified { notify: self, broadcasts: self.broadcasts.load(SeqCst), stage: Stage::Init }
        }
    }

    pub(crate) struct Notified<'a> {
        notify: &'a Notify,
        broadcasts: usize,
        stage: Stage,
    }

    enum Stage {
        Init,
        Waiting(u64),
        Done,
    }

    impl Notified<'_> {
        /// Registers as a waiter without a waker (or completes, if already notified).
        pub(crate) fn enable(self: Pin<&mut Self>) -> bool {
            self.get_mut().poll_notified(None).is_ready()
        }

        fn poll_notified(&mut self, waker: Option<&Waker>) -> Poll<()> {
            let mut state = self.notify.lock();
            let broadcast = self.notify.broadcasts.load(SeqCst) != self.broadcasts;
            match self.stage {
                Stage::Done => return Poll::Ready(()),
                Stage::Init if broadcast => {}
                Stage::Init if state.permit => state.permit = false,
                Stage::Init => {
                    let id = state.next_id;
                    state.next_id += 1;
                    state.waiting.push_back(Waiter { id, waker: waker.cloned() });
                    self.stage = Stage::Waiting(id);
                    return Poll::Pending;
                }
                Stage::Waiting(id) => {
                    if let Some(at) = state.chosen.iter().position(|&c| c == id) {
                        state.chosen.swap_remove(at);
                    } else if !broadcast {
                        if let (Some(waker), Some(waiter)) = (waker, state.waiting.iter_mut().find(|w| w.id == id)) {
                            waiter.waker = Some(waker.clone());
                        }
                        return Poll::Pending;
                    }
                }
            }
            self.stage = Stage::Done;
            Poll::Ready(())
        }
    }

    impl Future for Notified<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.get_mut().poll_notified(Some(cx.waker()))
        }
    }

    impl Drop for Notified<'_> {
        fn drop(&mut self) {
            let Stage::Waiting(id) = self.stage else { return };
            let forwarded = {
                let mut state = self.notify.lock();
                if let Some(at) = state.chosen.iter().position(|&c| c == id) {
                    state.chosen.swap_remove(at);
                    state.notify_one()
                } else {
                    state.waiting.retain(|w| w.id != id);
                    None
                }
            };
            if let Some(waker) = forwarded {
                waker.wake();
            }
        }
    }
}

/// The stand-in against Tokio's own `Notify`: the same single-threaded scripts give the same
/// results on both (Tokio's works outside loom, single-threaded; the stand-in needs a model).
#[cfg(all(test, ferry_loom))]
mod loom_tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    fn ready<F: Future>(future: std::pin::Pin<&mut F>) -> bool {
        future.poll(&mut Context::from_waker(Waker::noop())).is_ready()
    }

    /// Each script returns whether each `Notified` was ready at each check.
    macro_rules! scripts {
        ($notify:ty) => {{
            let mut seen = Vec::new();
            // A permit from a `notify_one` with nobody waiting; only one is stored.
            let n = <$notify>::new();
            n.notify_one();
            n.notify_one();
            seen.push(ready(pin!(n.notified()).as_mut()));
            seen.push(ready(pin!(n.notified()).as_mut()));
            // `notify_waiters` stores no permit, but completes a `Notified` made before it.
            let n = <$notify>::new();
            let mut early = pin!(n.notified());
            n.notify_waiters();
            seen.push(ready(pin!(n.notified()).as_mut()));
            seen.push(ready(early.as_mut()));
            // `enable` registers (or consumes a permit); `notify_one` picks the oldest waiter.
            let n = <$notify>::new();
            let mut first = pin!(n.notified());
            let mut second = pin!(n.notified());
            seen.push(first.as_mut().enable());
            seen.push(ready(second.as_mut()));
            n.notify_one();
            seen.push(ready(second.as_mut()));
            seen.push(ready(first.as_mut()));
            n.notify_one();
            seen.push(ready(second.as_mut()));
            // A waiter dropped after `notify_one` chose it passes the notification on.
            let n = <$notify>::new();
            let mut kept = pin!(n.notified());
            {
                let mut dropped = Box::pin(n.notified());
                seen.push(dropped.as_mut().enable());
                seen.push(ready(kept.as_mut()));
                n.notify_one();
            }
            seen.push(ready(kept.as_mut()));
            // `enable` consumes a stored permit.
            let n = <$notify>::new();
            n.notify_one();
            seen.push(pin!(n.notified()).as_mut().enable());
            seen.push(ready(pin!(n.notified()).as_mut()));
            seen
        }};
    }

    #[test]
    fn the_notify_stand_in_behaves_as_tokios_notify() {
        let tokio = scripts!(tokio::sync::Notify);
        assert_eq!(tokio, [true, false, false, true, false, false, false, true, true, false, false, true, true, false]);
        loom::model(move || assert_eq!(scripts!(super::Notify), tokio));
    }
}
