//! Thread-affine objects (`#[ferry::export(object, thread_affine)]`): the value lives on
//! one dedicated thread, which runs every one of its methods, so it may be `!Send` and
//! `!Sync` (`Rc`, `RefCell`).
//!
//! The thread runs a current-thread Tokio runtime and a `LocalSet`. A call sends it a job,
//! which spawns the method's future there as a local task; the caller (a call's future on
//! ferry's runtime) awaits the result through a oneshot channel, so neither the Kotlin
//! caller nor a Tokio worker waits for the thread. Calls start in the order they were
//! sent; an async method that awaits lets the next one run meanwhile, as tasks do.
//!
//! Dropping the [`Affine`] (the Kotlin object closed, and no call holds it any more) closes
//! the job channel: the thread finishes the calls it has, drops the value there and ends.
//! A panicking method fails that call only; the value and its thread stay. When the
//! thread itself is gone (the constructor panicked), calls fail with `InvalidState`.

use crate::error::CallError;
use std::future::Future;
use crate::panics::CatchUnwind;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use tokio::sync::{mpsc, oneshot};

/// Work for the object's thread: called there with the value.
type Job<T> = Box<dyn FnOnce(Rc<T>) + Send>;

/// A `T` living on a thread of its own. `Send + Sync` whatever `T` is: only jobs, which
/// are `Send`, cross threads; the `T` never does.
pub struct Affine<T: 'static> {
    jobs: mpsc::UnboundedSender<Job<T>>,
    alive: Arc<AtomicBool>,
    name: &'static str,
}

/// Clears the liveness flag however the thread ends.
struct Dead(Arc<AtomicBool>);

impl Drop for Dead {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<T: 'static> Affine<T> {
    /// Starts the object's thread and makes the value there with `make` (the exported
    /// `new`). Returns at once: the Kotlin constructor never waits for the thread, and calls
    /// made meanwhile queue behind the construction.
    pub fn new(name: &'static str, make: impl FnOnce() -> T + Send + 'static) -> Self {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job<T>>();
        let alive = Arc::new(AtomicBool::new(true));
        let dead = Dead(Arc::clone(&alive));
        let spawned = std::thread::Builder::new().name(format!("ferry-{name}")).spawn(move || {
            let _dead = dead;
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            // A panicking constructor ends the thread (its message was printed by the hook);
            // the object's calls then fail with IllegalStateException.
            let Ok(value) = crate::panics::catch(make) else { return };
            let local = tokio::task::LocalSet::new();
            let value = Rc::new(value);
            local.spawn_local(async move {
                while let Some(job) = queue.recv().await {
                    job(Rc::clone(&value));
                }
                // The last clone goes when the last call's task ends, still on this thread.
            });
            // Runs until the channel closed and every call's task ended.
            runtime.block_on(local);
        });
        if spawned.is_err() {
            alive.store(false, Ordering::Release);
        }
        Affine { jobs, alive, name }
    }

    /// `Err(InvalidState)` when the object's thread is gone: checked as a call starts.
    pub fn ensure_alive(&self) -> Result<(), CallError> {
        if self.alive.load(Ordering::Acquire) && !self.jobs.is_closed() {
            Ok(())
        } else {
            Err(CallError::InvalidState(format!(
                "{}: its thread has ended (its constructor panicked), so it cannot run calls",
                self.name
            )))
        }
    }

    /// Runs `f(value)` on the object's thread and resolves to its output. A panic in it is
    /// raised again here (where the call's guard turns it into `RustPanicException`).
    /// Dropping this future (the Kotlin caller was cancelled) drops `f`'s future on the
    /// object's thread at its next turn.
    pub async fn call<R, F, Fut>(&self, f: F) -> R
    where
        F: FnOnce(Rc<T>) -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
        R: Send + 'static,
    {
        let (done, result) = oneshot::channel::<Result<R, String>>();
        let job: Job<T> = Box::new(move |value| {
            tokio::task::spawn_local(run_job(done, async move { f(value).await }));
        });
        if self.jobs.send(job).is_err() {
            std::panic::resume_unwind(Box::new(format!("ferry: {}'s thread has ended", self.name)));
        }
        match result.await {
            Ok(Ok(value)) => value,
            Ok(Err(panic)) => std::panic::resume_unwind(Box::new(panic)),
            Err(_) => std::panic::resume_unwind(Box::new(format!("ferry: {}'s thread ended during the call", self.name))),
        }
    }
}

/// One call on the object's thread: its future, caught, until done or until the caller
/// went away (then it is dropped without finishing).
async fn run_job<R>(mut done: oneshot::Sender<Result<R, String>>, future: impl Future<Output = R>) {
    let mut future = pin!(CatchUnwind(future));
    let outcome = std::future::poll_fn(|cx| {
        if done.poll_closed(cx).is_ready() {
            return Poll::Ready(None);
        }
        future.as_mut().poll(cx).map(Some)
    })
    .await;
    if let Some(outcome) = outcome {
        let _ = done.send(outcome);
    }
}

#[cfg(all(test, not(ferry_loom)))]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn a_not_send_value_is_used_on_one_thread() {
        let affine = Affine::new("Counter", || RefCell::new(Vec::<std::thread::ThreadId>::new()));
        let ids = block_on(async {
            for _ in 0..100 {
                affine.call(|v| async move { v.borrow_mut().push(std::thread::current().id()) }).await;
            }
            affine.call(|v| async move { v.borrow().clone() }).await
        });
        assert_eq!(ids.len(), 100);
        assert!(ids.iter().all(|id| *id == ids[0]));
        assert_ne!(ids[0], std::thread::current().id());
    }

    #[test]
    fn a_panic_fails_the_call_and_the_object_stays() {
        let affine = Affine::new("P", || Rc::new(5u32));
        let caught = block_on(CatchUnwind(affine.call(|v| async move { if **v == 5 { panic!("method boom") } 0u32 })));
        assert_eq!(caught.unwrap_err(), "method boom");
        assert_eq!(block_on(affine.call(|v| async move { **v })), 5);
        assert!(affine.ensure_alive().is_ok());
    }

    #[test]
    fn a_panicking_constructor_makes_calls_invalid_state() {
        let affine: Affine<u32> = Affine::new("Broken", || panic!("ctor boom"));
        let start = std::time::Instant::now();
        while affine.ensure_alive().is_ok() && start.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::yield_now();
        }
        assert!(matches!(affine.ensure_alive(), Err(CallError::InvalidState(_))));
    }
}
