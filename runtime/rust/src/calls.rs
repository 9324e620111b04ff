//! Async calls from Kotlin (the callback-to-suspend adapter).
//!
//! `spawn` registers a cancellation token in a handle table, spawns the future on the
//! runtime and returns the call handle. When the future finishes, the task removes its
//! entry and makes exactly one upcall that resumes the Kotlin continuation. `cancel`
//! cancels the token; the task sees it at once, drops the user future (running its
//! `Drop`s) and makes no upcall, since the Kotlin side has already resumed with
//! `CancellationException`. `pending()` is the size of the table: calls neither finished
//! nor cancelled.

use crate::cancel::CancellationToken;
use crate::handles::HandleTable;
use crate::panics::CatchUnwind;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

static CALLS: HandleTable<CancellationToken> = HandleTable::new();

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
}

/// Removes the call's entry when the task ends, however it ends.
struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        CALLS.remove(self.0);
    }
}

/// Spawns `make(token)` on the ferry runtime; `complete` receives its outcome unless the
/// call was cancelled first. Returns the call handle for [`cancel`].
pub fn spawn<F, Fut>(make: F, complete: impl FnOnce(Outcome) + Send + 'static) -> u64
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let token = CancellationToken::new();
    let call = CALLS.insert(token.clone());
    let future = make(token.clone());
    crate::runtime::handle().spawn(async move {
        let registered = Registered(call);
        let outcome = {
            // Declared inside this block so the user future is dropped before the entry
            // is removed: on completion, `pending()` never reaches 0 while a user `Drop` is
            // still due.
            let mut future = pin!(CatchUnwind(future));
            let mut cancelled = pin!(token.cancelled());
            poll_fn(|cx| {
                if cancelled.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                future.as_mut().poll(cx).map(Some)
            })
            .await
        };
        drop(registered);
        match outcome {
            None => {} // cancelled: Kotlin already resumed the coroutine
            Some(Ok(outcome)) => complete(outcome),
            Some(Err(panic)) => complete(Outcome::Panic(panic)),
        }
    });
    call
}

/// Cancels a call. Unknown or finished handles are ignored: cancellation races completion
/// by design, and whichever comes first wins.
///
/// The entry is removed here, synchronously: a cancelled call stops counting in
/// `pending()` as soon as Kotlin's `cancel()` returns (CONTRACT.md §7: "started and not yet
/// finished or cancelled"). The task then drops the user future at once; the fixtures
/// prove that drop with counters of their own.
pub fn cancel(call: u64) {
    if let Some(token) = CALLS.remove(call) {
        token.cancel();
    }
}

pub fn pending() -> usize {
    CALLS.len()
}
