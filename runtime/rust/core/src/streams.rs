//! Rust streams behind Kotlin `Flow`s, with credit-based backpressure (docs/streams.md).
//!
//! A collection of the Flow calls the generated `open` export, which registers the stream
//! in a handle table and spawns one task on ferry's runtime. The task first runs the user
//! function (so nothing runs before `collect`, and every `collect` runs it again), then
//! loops: wait for credit, poll the stream while items are immediately ready (at most
//! `min(credit, batch)` items, and at most [`BATCH_BYTES`] of encoded data), deliver them
//! in one upcall `Streams.deliver(sink, ITEMS, bytes)`, subtract them from the credit.
//! Kotlin grants credit back (`request`) only after it has emitted a whole batch, so the
//! items produced and not yet emitted never exceed the initial credit (the window).
//!
//! The stream ends with one terminal upcall (END, ERROR or PANIC), made after the user
//! stream has been dropped and its entry removed, so `open()` is already 0 when the
//! collector sees the end. `close` (a cancelled collector, `take`, `first`, a timeout)
//! cancels the task, which drops the user stream at once and makes no further upcall.

use crate::cancel::CancellationToken;
use crate::handles::HandleTable;
use crate::panics;
use crate::sync::{Arc, AtomicU64, Notify, Ordering};
use crate::wire::Writer;
use futures_core::Stream;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// Upper bound of encoded bytes in one batch (a batch may exceed it by one item): large
/// items are delivered in smaller batches instead of one huge array.
pub const BATCH_BYTES: usize = 1 << 20;

/// Delivery status codes understood by `dev.ferry.Streams.deliver`.
pub mod status {
    pub const ITEMS: i32 = 0;
    pub const END: i32 = 1;
    pub const ERROR: i32 = 2;
    pub const PANIC: i32 = 3;
    /// The library was shut down: the collector gets `CancellationException`.
    pub const CANCELLED: i32 = 4;
}

/// What the task hands to the JVM: a batch of items or the end of the stream.
#[derive(Debug)]
pub enum Signal {
    /// `u32` count, then the wire-encoded items.
    Items(Vec<u8>),
    End,
    /// A wire-encoded error enum value (`Err(e)` as an item).
    Error(Vec<u8>),
    Panic(String),
    /// The library was shut down (see [`crate::runtime`]).
    Cancelled,
}

struct Shared {
    credit: AtomicU64,
    more: Notify,
    cancel: CancellationToken,
}

crate::sync::model_static! {
    static STREAMS: HandleTable<Arc<Shared>> = HandleTable::new();
}

/// Removes the stream's entry when the task ends, however it ends.
struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        STREAMS.remove(self.0);
    }
}

/// Spawns the task behind one collection. `make(token)` produces the user's stream (it
/// runs inside the task, or starts here: see `make_inline` below); `encode` writes one item, or returns the encoded error that ends
/// the stream; `deliver` makes the upcall. Returns the stream handle.
///
/// Every place user code runs is guarded: the function making the stream, `poll_next`,
/// `encode` (an error's `Display`) and the `Drop` of the stream. A panic in any of them
/// delivers the items taken before it and then ends the Flow with PANIC; a panic in the
/// `Drop` of a stream that ended normally turns END into PANIC. Should the task still end
/// without a terminal signal, [`Terminal`] delivers one, so a collector never waits forever.
///
/// With `make_inline`, the function making the stream is first polled here, on the calling
/// thread (the collector's, never a UI thread: the faces decide). A function that makes its
/// stream without awaiting (subscribing to a broadcast channel, say) has then made it
/// before this returns, so a hot source's events sent right after the collection started
/// are not missed. A function still pending goes on in the task.
pub fn open<F, Fut, S, E, D>(make_inline: bool, batch: usize, credit: u64, make: F, mut encode: E, deliver: D) -> u64
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = S> + Send + 'static,
    S: Stream + Send + 'static,
    E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>> + Send + 'static,
    D: Fn(Signal) + Send + Sync + 'static,
{
    let batch = batch.max(1);
    let token = CancellationToken::new();
    let shared = Arc::new(Shared { credit: AtomicU64::new(credit.max(1)), more: Notify::new(), cancel: token.clone() });
    let handle = STREAMS.insert(shared.clone());
    let mut making = Box::pin(panics::CatchUnwind(make(token.clone())));
    let made = if make_inline {
        let _context = crate::sync::runtime_context();
        // A waker that reaches the task spawned below (see CancellationToken::relay_waker).
        let waker = token.relay_waker();
        match making.as_mut().poll(&mut std::task::Context::from_waker(&waker)) {
            Poll::Ready(made) => Some(made),
            Poll::Pending => None,
        }
    } else {
        None
    };
    crate::sync::spawn(async move {
        let terminal = Terminal(Some(&deliver));
        let registered = Registered(handle);
        let end = drive(&shared, making, made, &token, batch, &mut encode, &deliver).await;
        // The user stream is gone by now: the entry is removed before the terminal upcall.
        drop(registered);
        // Closed by a shutdown rather than by the collector, which still waits for an end.
        terminal.end(end.or_else(|| crate::runtime::is_stopped().then_some(Signal::Cancelled)));
    });
    handle
}

/// Makes the user's stream and runs the credit loop; every user value is dropped here,
/// under a panic guard. Returns the terminal signal, or `None` when cancelled.
async fn drive<Fut, S, E, D>(
    shared: &Shared,
    mut making: std::pin::Pin<Box<panics::CatchUnwind<Fut>>>,
    made: Option<Result<S, String>>,
    token: &CancellationToken,
    batch: usize,
    encode: &mut E,
    deliver: &D,
) -> Option<Signal>
where
    Fut: Future<Output = S>,
    S: Stream,
    E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>>,
    D: Fn(Signal),
{
    let made = match made {
        Some(made) => Some(made),
        None => {
            poll_fn(|cx| {
                if token.poll_cancelled(cx) {
                    return Poll::Ready(None);
                }
                making.as_mut().poll(cx).map(Some)
            })
            .await
        }
    };
    // Cancelled before the stream existed: this drops the function's arguments.
    let _ = panics::catch(move || drop(making));
    let mut stream = match made? {
        Err(panic) => return Some(Signal::Panic(panic)),
        Ok(stream) => Box::pin(stream),
    };
    let end = run(shared, stream.as_mut(), token, batch, encode, deliver).await;
    match (end, panics::catch(move || drop(stream))) {
        (Some(Signal::End), Err(panic)) => Some(Signal::Panic(panic)),
        // An earlier end wins; a cancelled stream has nobody left to tell.
        (end, _) => end,
    }
}

/// Delivers the terminal signal exactly once, also when the task unwinds.
struct Terminal<'a, D: Fn(Signal)>(Option<&'a D>);

impl<D: Fn(Signal)> Terminal<'_, D> {
    fn end(mut self, signal: Option<Signal>) {
        let deliver = self.0.take().expect("ended once");
        if let Some(signal) = signal {
            deliver(signal);
        }
    }
}

impl<D: Fn(Signal)> Drop for Terminal<'_, D> {
    fn drop(&mut self) {
        if let Some(deliver) = self.0.take() {
            // After a close, Kotlin has forgotten the sink and ignores this. A shutdown drops
            // the runtime's tasks: their collectors are cancelled, not failed.
            deliver(if crate::runtime::is_stopped() {
                Signal::Cancelled
            } else {
                Signal::Panic("ferry: the stream's task ended without a result".into())
            });
        }
    }
}

/// The credit loop. Returns the terminal signal, or `None` when cancelled.
async fn run<S, E, D>(
    shared: &Shared,
    mut stream: std::pin::Pin<&mut S>,
    token: &CancellationToken,
    batch: usize,
    encode: &mut E,
    deliver: &D,
) -> Option<Signal>
where
    S: Stream,
    E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>>,
    D: Fn(Signal),
{
    loop {
        // Wait for demand. `notify_one` stores a permit when nobody waits, so a grant
        // that lands between the load and the wait is not lost.
        let credit = loop {
            let credit = shared.credit.load(Ordering::Acquire);
            if credit > 0 {
                break credit;
            }
            let mut more = pin!(shared.more.notified());
            let woke = poll_fn(|cx| {
                if token.poll_cancelled(cx) {
                    return Poll::Ready(false);
                }
                more.as_mut().poll(cx).map(|_| true)
            })
            .await;
            if !woke {
                return None;
            }
        };
        let limit = (credit as usize).min(batch);
        let mut w = Writer::with_capacity(64);
        w.u32(0); // the count, patched below
        let mut count = 0usize;
        let mut end: Option<Signal> = None;
        let ready = poll_fn(|cx| {
            if token.poll_cancelled(cx) {
                return Poll::Ready(false);
            }
            while count < limit && w.buf.len() < BATCH_BYTES {
                match panics::catch(|| stream.as_mut().poll_next(cx)) {
                    Err(panic) => {
                        end = Some(Signal::Panic(panic));
                        break;
                    }
                    Ok(Poll::Ready(Some(item))) => {
                        let mark = w.buf.len();
                        match panics::catch(|| encode(&mut w, item)) {
                            Ok(Ok(())) => count += 1,
                            Ok(Err(error)) => {
                                end = Some(Signal::Error(error));
                                break;
                            }
                            // A panicking encoder (an error's `Display`): the items before it
                            // are still delivered, without the half-written one.
                            Err(panic) => {
                                w.buf.truncate(mark);
                                end = Some(Signal::Panic(panic));
                                break;
                            }
                        }
                    }
                    Ok(Poll::Ready(None)) => {
                        end = Some(Signal::End);
                        break;
                    }
                    Ok(Poll::Pending) if count == 0 => return Poll::Pending,
                    Ok(Poll::Pending) => break,
                }
            }
            Poll::Ready(true)
        })
        .await;
        if !ready {
            return None;
        }
        if count > 0 {
            w.buf[..4].copy_from_slice(&(count as u32).to_le_bytes());
            shared.credit.fetch_sub(count as u64, Ordering::AcqRel);
            deliver(Signal::Items(w.buf));
        }
        if end.is_some() {
            return end;
        }
        // Let other tasks run between batches of an always-ready stream.
        tokio::task::yield_now().await;
    }
}

/// Sink flag: do not make the stream on the calling thread (a UI thread, or turned off).
pub const NO_INLINE_MAKE: i64 = 1 << 62;

impl Signal {
    /// The status code and payload one upcall carries.
    pub fn into_parts(self) -> (i32, Option<Vec<u8>>) {
        match self {
            Signal::Items(b) => (status::ITEMS, Some(b)),
            Signal::End => (status::END, None),
            Signal::Error(b) => (status::ERROR, Some(b)),
            Signal::Panic(m) => (status::PANIC, Some(m.into_bytes())),
            Signal::Cancelled => (status::CANCELLED, None),
        }
    }
}

/// How a face hands one signal to the foreign sink: `false` when it could not (the
/// foreign side failed to allocate the payload).
pub type DeliverToSink = fn(sink: i64, status: i32, payload: Option<&[u8]>) -> bool;

/// [`open`] for a foreign collector known by `sink` (with its [`NO_INLINE_MAKE`] flag),
/// with the batch and credit it asked for, as both faces take them. A signal the face
/// could not deliver becomes a PANIC, so the collector still ends.
pub fn open_for_sink<F, Fut, S, E>(sink: i64, batch: i32, credit: i32, make: F, encode: E, deliver: DeliverToSink) -> i64
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = S> + Send + 'static,
    S: Stream + Send + 'static,
    E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>> + Send + 'static,
{
    let make_inline = sink & NO_INLINE_MAKE == 0;
    let sink = sink & !NO_INLINE_MAKE;
    let batch = usize::try_from(batch).unwrap_or(1);
    let credit = u64::try_from(credit).unwrap_or(1);
    let handle = open(make_inline, batch, credit, make, encode, move |signal: Signal| {
        let (status, payload) = signal.into_parts();
        if !deliver(sink, status, payload.as_deref()) && status != status::PANIC {
            deliver(sink, status::PANIC, Some(b"ferry: could not allocate a stream batch"));
        }
    });
    handle as i64
}

/// [`request`] with the foreign side's signed count (non-positive counts are ignored).
pub fn request_from_sink(stream: i64, n: i64) {
    if n > 0 {
        request(stream as u64, n as u64);
    }
}

/// Grants `n` more items of credit (Kotlin has emitted a batch). Unknown or finished
/// handles are ignored: the stream may have ended meanwhile.
pub fn request(stream: u64, n: u64) {
    if let Some(shared) = STREAMS.with(stream, Arc::clone) {
        shared.credit.fetch_add(n, Ordering::AcqRel);
        shared.more.notify_one();
    }
}

/// Cancels a stream: its task drops the user stream at once and delivers nothing more.
///
/// The entry is removed here, synchronously, so `open()` is right as soon as the
/// collection that closed it returns (a `take(3)` followed at once by a check of
/// `FerryDiagnostics.openStreams()`); the fixtures prove the drop itself with counters.
pub fn close(stream: u64) {
    if let Some(shared) = STREAMS.remove(stream) {
        shared.cancel.cancel();
    }
}

/// Closes every open stream (the library is shutting down: see [`crate::runtime`]).
pub fn close_all() {
    for handle in STREAMS.handles() {
        close(handle);
    }
}

/// Streams neither ended nor closed.
pub fn open_count() -> usize {
    STREAMS.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;
    use std::time::Duration;

    struct Count {
        next: u64,
        produced: Arc<AtomicU64>,
        dropped: Arc<AtomicBool>,
    }

    impl Stream for Count {
        type Item = u64;
        fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> Poll<Option<u64>> {
            self.next += 1;
            self.produced.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(Some(self.next - 1))
        }
    }

    impl Drop for Count {
        fn drop(&mut self) {
            self.dropped.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn credit_bounds_the_producer_and_close_drops_the_stream() {
        let produced = Arc::new(AtomicU64::new(0));
        let dropped = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<Signal>();
        let tx = std::sync::Mutex::new(tx);
        let (p, d) = (produced.clone(), dropped.clone());
        let handle = open(
            false,
            100,
            250,
            move |_| async move { Count { next: 0, produced: p, dropped: d } },
            |w, item| {
                w.u64(item);
                Ok(())
            },
            move |s| tx.lock().unwrap().send(s).unwrap(),
        );
        let expected = std::cell::Cell::new(0u64);
        let take = |n: usize| {
            for _ in 0..n {
                let Signal::Items(bytes) = rx.recv_timeout(Duration::from_secs(5)).unwrap() else { panic!("not items") };
                let mut r = crate::wire::Reader::new(&bytes);
                let count = r.u32().unwrap();
                for _ in 0..count {
                    assert_eq!(r.u64().unwrap(), expected.get());
                    expected.set(expected.get() + 1);
                }
                r.finish().unwrap();
                request(handle, u64::from(count));
            }
        };
        take(3); // 100 + 100 + 50: the credit of 250
        std::thread::sleep(Duration::from_millis(50));
        assert!(produced.load(Ordering::SeqCst) <= expected.get() + 250);
        take(10);
        assert!(produced.load(Ordering::SeqCst) <= expected.get() + 250);
        // By this stream's handle, not by the table's size: other tests run at the same time.
        assert!(STREAMS.with(handle, |_| ()).is_some(), "open until closed");
        close(handle);
        assert!(STREAMS.with(handle, |_| ()).is_none(), "a closed stream stops counting at once");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !dropped.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(dropped.load(Ordering::SeqCst), "the task dropped the user stream");
        close(handle); // a stale handle is ignored
        request(handle, 5);
    }
}

#[cfg(test)]
mod fault_tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Yields `items`, then ends; its `Drop` panics.
    struct PanicOnDrop(std::vec::IntoIter<u32>);

    impl Stream for PanicOnDrop {
        type Item = u32;
        fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> Poll<Option<u32>> {
            Poll::Ready(self.0.next())
        }
    }

    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("stream drop panicked");
        }
    }

    fn collect<S, E>(stream: S, encode: E) -> (Vec<u32>, Signal)
    where
        S: Stream + Send + 'static,
        E: FnMut(&mut Writer, S::Item) -> Result<(), Vec<u8>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Signal>();
        let tx = std::sync::Mutex::new(tx);
        open(false, 2, 100, move |_| async move { stream }, encode, move |s| tx.lock().unwrap().send(s).unwrap());
        let mut items = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(5)).expect("the stream must end, not hang") {
                Signal::Items(bytes) => {
                    let mut r = crate::wire::Reader::new(&bytes);
                    for _ in 0..r.u32().unwrap() {
                        items.push(r.u32().unwrap());
                    }
                    r.finish().unwrap();
                }
                end => return (items, end),
            }
        }
    }

    #[test]
    fn a_panicking_drop_after_the_last_item_ends_the_flow_with_that_panic() {
        let (items, end) = collect(PanicOnDrop(vec![0, 1, 2].into_iter()), |w, i| {
            w.u32(i);
            Ok(())
        });
        assert_eq!(items, [0, 1, 2]);
        assert!(matches!(end, Signal::Panic(ref m) if m.contains("stream drop panicked")), "{end:?}");
    }

    struct Items(std::vec::IntoIter<u32>);

    impl Stream for Items {
        type Item = u32;
        fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> Poll<Option<u32>> {
            Poll::Ready(self.0.next())
        }
    }

    #[test]
    fn a_stream_made_inline_exists_when_open_returns() {
        let made = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = made.clone();
        let handle = open(
            true,
            1,
            1,
            move |_| async move {
                flag.store(true, Ordering::SeqCst);
                Items(vec![].into_iter())
            },
            |w, i| {
                w.u32(i);
                Ok(())
            },
            |_| {},
        );
        assert!(made.load(Ordering::SeqCst), "made on the calling thread, before open returned");
        close(handle);
    }

    #[test]
    fn a_panicking_encoder_keeps_the_items_before_it() {
        let (items, end) = collect(Items(vec![7, 8, 9, 10].into_iter()), |w, i| {
            w.u32(i);
            if i == 9 {
                panic!("display panicked");
            }
            Ok(())
        });
        assert_eq!(items, [7, 8], "delivered before the panic, without the half-written item");
        assert!(matches!(end, Signal::Panic(ref m) if m.contains("display panicked")), "{end:?}");
    }
}

/// Model checks (see [`crate::sync`]): the real `open` / `request` / `close`, with the
/// stream's task on a loom thread that parks whenever it is pending. A lost grant or a lost
/// cancel leaves the task (and the collector waiting for it) parked: loom reports the
/// deadlock.
#[cfg(all(test, ferry_loom))]
mod loom_tests {
    use super::*;
    use crate::sync::{join_spawned, Mutex};
    use loom::sync::mpsc;

    /// Yields `0..end`, always ready. Every item it produces must have been granted: the
    /// credit the collector handed out so far (`granted`, raised before each `request`).
    struct Granted {
        next: u32,
        end: u32,
        granted: Arc<AtomicU64>,
    }

    impl Stream for Granted {
        type Item = u32;
        fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> Poll<Option<u32>> {
            if self.next == self.end {
                return Poll::Ready(None);
            }
            let granted = self.granted.load(Ordering::SeqCst);
            assert!(u64::from(self.next) < granted, "item {} produced with only {granted} granted", self.next);
            self.next += 1;
            Poll::Ready(Some(self.next - 1))
        }
    }

    fn encode(w: &mut Writer, item: u32) -> Result<(), Vec<u8>> {
        w.u32(item);
        Ok(())
    }

    /// Opens a stream of `0..items` (one item per batch) with an initial credit of
    /// `window` items, delivering into a channel.
    fn open_granted(items: u32, window: u64) -> (u64, Arc<AtomicU64>, mpsc::Receiver<Signal>) {
        let granted = Arc::new(AtomicU64::new(window));
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let stream = Granted { next: 0, end: items, granted: Arc::clone(&granted) };
        let handle = open(false, 1, window, move |_| async move { stream }, encode, move |signal| {
            tx.lock().unwrap().send(signal).unwrap();
        });
        (handle, granted, rx)
    }

    fn items_of(batch: &[u8]) -> Vec<u32> {
        let mut r = crate::wire::Reader::new(batch);
        let items = (0..r.u32().unwrap()).map(|_| r.u32().unwrap()).collect();
        r.finish().unwrap();
        items
    }

    /// Kotlin's side of the credit protocol: after emitting a batch it grants that many
    /// items back (`request`), racing the task's "load credit, else wait for `more`" loop.
    /// Two items with a window of one: the task waits for credit twice (before the second
    /// item and before it can see the end).
    #[test]
    fn a_credit_grant_racing_the_credit_wait_is_never_lost() {
        collect_granting_back(2, 1);
    }

    /// Three items with a window of two: grants also race the task's own subtraction of
    /// the credit it spent (`fetch_add` against `fetch_sub`).
    #[test]
    fn a_credit_grant_racing_the_credit_spending_is_never_lost() {
        collect_granting_back(3, 2);
    }

    fn collect_granting_back(items: u32, window: u64) {
        loom::model(move || {
            let (handle, granted, rx) = open_granted(items, window);
            // The task cannot end before the first grant, so the entry is still there.
            let shared = STREAMS.with(handle, Arc::clone).expect("open until the end");
            let mut emitted = Vec::new();
            let mut last_grant = 0;
            loop {
                match rx.recv().unwrap() {
                    Signal::Items(batch) => {
                        let items = items_of(&batch);
                        emitted.extend_from_slice(&items);
                        last_grant = items.len() as u64;
                        granted.fetch_add(last_grant, Ordering::SeqCst);
                        request(handle, last_grant);
                    }
                    Signal::End => break,
                    other => panic!("unexpected {other:?}"),
                }
            }
            join_spawned();
            assert_eq!(emitted, (0..items).collect::<Vec<_>>());
            // Credit is what was granted minus what was delivered: no grant was lost and it
            // never went below zero (an underflow would wrap around to an enormous credit).
            // Only the grant for the last batch may come after the stream ended, when
            // `request` ignores it.
            let credit = shared.credit.load(Ordering::SeqCst);
            let expected = granted.load(Ordering::SeqCst) - emitted.len() as u64;
            assert!(credit == expected || credit == expected - last_grant, "credit {credit}, expected {expected}");
            assert_eq!(open_count(), 0);
        });
    }

    /// A collector that stops after the first batch (`take(1)`): `close` racing the task,
    /// which is delivering, waiting for credit or about to wait. The task must end without
    /// a terminal signal, and the stream must stop counting at once.
    #[test]
    fn close_racing_the_credit_wait_ends_the_task() {
        loom::model(|| {
            let (handle, _granted, rx) = open_granted(2, 1);
            let Signal::Items(batch) = rx.recv().unwrap() else { panic!("expected the first batch") };
            assert_eq!(items_of(&batch), [0]);
            close(handle);
            assert_eq!(open_count(), 0, "a closed stream stops counting at once");
            join_spawned();
            assert!(rx.try_recv().is_err(), "nothing is delivered after the window of one item");
        });
    }
}
