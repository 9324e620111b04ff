//! `ferry::CancellationToken`: the cooperative half of cancellation.
//!
//! Cancelling a Kotlin caller drops the Rust future at its next await point. Work that
//! does not await (a blocking loop, `spawn_blocking`, CPU work) takes a token as a
//! parameter and checks it; the bridge cancels the token before dropping the future.
//!
//! One token exists per async call, so it is kept small: a flag, a `Notify` for
//! `cancelled().await`, and one waker slot for the bridge's own task (which thereby needs
//! no `Notified` future of its own while it waits).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use tokio::sync::Notify;

/// Cancelled when the Kotlin coroutine that made the call is cancelled.
#[derive(Clone, Default)]
pub struct CancellationToken(Arc<Inner>);

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    waiters: Notify,
    task: Mutex<Option<Waker>>,
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
        self.0.cancelled.load(Ordering::Acquire)
    }

    /// Completes when the Kotlin caller is cancelled (at once if it already was).
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.waiters.notified();
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
        if self.0.cancelled.swap(true, Ordering::AcqRel) {
            return;
        }
        self.0.waiters.notify_waiters();
        if let Some(waker) = self.0.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            waker.wake();
        }
    }

    /// For the bridge task: true if cancelled, else remembers the task's waker so that
    /// `cancel` wakes it.
    pub(crate) fn poll_cancelled(&self, cx: &mut Context<'_>) -> bool {
        if self.is_cancelled() {
            return true;
        }
        {
            let mut slot = self.0.task.lock().unwrap_or_else(|e| e.into_inner());
            match slot.as_ref() {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        // A cancel between the first check and storing the waker found no waker to wake.
        self.is_cancelled()
    }

    /// A waker for polling the user future before the bridge task exists (the inline first
    /// poll): waking it wakes whatever task [`poll_cancelled`](Self::poll_cancelled) has
    /// registered by then. A wake that comes before any task registered needs no relay,
    /// because the task polls the future as soon as it starts. So a future that keeps the
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
        // Cloned out of the lock: waking a task may run arbitrary code (never under our lock).
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).clone();
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
