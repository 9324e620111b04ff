//! Zero-copy frame rings (docs/frames.md): a fixed number of fixed-size slots in one
//! allocation that one producer fills and one consumer reads in place, with no copy and no
//! per-frame wake-up while both keep up.
//!
//! Memory: `slot_count` slots of `stride` bytes each; a slot is a 16-byte header (the
//! frame's sequence number, u64 LE, then its length, u32 LE) followed by `slot_size` data
//! bytes. Two counters say who owns which slot: `head` (frames published) and `tail` (frames
//! released). Frame `s` lives in slot `s % slot_count`; the producer owns the slots of
//! `head..tail + slot_count`, the consumer those of `tail..head`. A side writes a counter
//! only after it is done with the slots it hands over (a `SeqCst` store, which is also a
//! release), and reads the other side's counter before touching the slots it got (an
//! acquire), so a slot is never written and read at once.
//!
//! Notification: a side parks only when it cannot move (the consumer on an empty ring, the
//! producer on a full one). Before parking it raises its "waiting" mark (a Rust waker, or
//! the Kotlin sink to upcall), then checks the counter again; the other side checks the
//! mark after every store of its counter and wakes only a side that is marked. Both the
//! mark and the counters are `SeqCst`, so either the parker sees the new counter or the
//! mover sees the mark: no wake-up is lost, and none is made while both keep up.
//!
//! Lifetimes: the memory is freed when the last `Arc<Ring>` goes, after both sides closed
//! and every pin that Kotlin holds for its buffer views was released (the JVM releases it
//! when the buffers are garbage). Closing a side (drop, Kotlin's `close`, a panic) wakes the
//! other: a consumer reads what was published, then the end; a producer gets [`Closed`].

use crate::handles::HandleTable;
use crate::panics;
// The counters, marks and locks come from `crate::sync`, so the loom models below check the
// real protocol.
use crate::sync::{Arc, AtomicBool, AtomicU64, Mutex};
use futures_core::Stream;
use std::alloc::Layout;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering::SeqCst};
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

/// Bytes before each slot's data: sequence number (u64 LE) and length (u32 LE), 4 spare.
pub const SLOT_HEADER: usize = 16;
/// Slots start on 128-byte boundaries: two slots never share a line, nor a pair of lines
/// that the adjacent-line prefetcher moves together (see [`Line`]), so the producer writing
/// the next slot does not pull back the slot the reader is reading.
const ALIGN: usize = 128;

const PRODUCER_CLOSED: u64 = 1;
const CONSUMER_CLOSED: u64 = 2;
const FAILED: u64 = 4;

/// What [`sync`] returns instead of a counter.
pub mod status {
    /// The caller registered its sink and is to wait for the upcall.
    pub const PARKED: i64 = -1;
    /// The other side closed (for a consumer: and every published frame was read).
    pub const END: i64 = -2;
    /// The producer panicked; [`super::failure`] has the message.
    pub const FAILED: i64 = -3;
}

/// How long a producer re-checks (yielding to other tasks) before it parks. Short: a full ring
/// frees slots only when the reader reports releases (an eighth of the ring at a time), and
/// a reader that has not done so within microseconds is usually off its CPU, where a longer
/// spin only takes the CPU it needs (100 µs cost the bench's frames_small about half its
/// rate on 2 loaded cores: ADR 0009).
#[cfg(not(ferry_loom))]
const SPIN: std::time::Duration = std::time::Duration::from_micros(5);

/// The other side closed the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the frame ring was closed by the other side")
    }
}

impl std::error::Error for Closed {}

/// Wakes a parked Kotlin side: the face's stream upcall to the sink id.
pub type Wake = fn(i64) -> bool;

static OPEN: AtomicUsize = AtomicUsize::new(0);

/// Rings of which at least one side is still open.
pub fn open_count() -> usize {
    OPEN.load(SeqCst)
}

/// A value alone on its pair of cache lines: the producer's and the consumer's counters
/// never share one, so a store by one side does not slow the other side's reads of
/// everything else. A pair, not one line: x86-64 and arm64 cores fetch lines in aligned
/// pairs (the adjacent-line prefetcher), so two values on neighbouring lines written by
/// different cores still move together. With 64-byte alignment, the bench's `frames_small`
/// fell from 17-20 M to 3.4-5 M frames/s when the ring's struct grew by 8 bytes and its
/// allocation moved (ADR 0009); 128 bytes is what crossbeam's and Tokio's padding use there.
#[repr(align(128))]
struct Line<T>(T);

impl<T> std::ops::Deref for Line<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Indices of [`Ring::waiters`].
const PRODUCER: usize = 0;
const CONSUMER: usize = 1;

/// A parked Rust side: its waker, and the mark the other side checks after each move.
struct Waiter {
    waiting: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Waiter {
    fn new() -> Self {
        Waiter { waiting: AtomicBool::new(false), waker: Mutex::new(None) }
    }

    fn wake(&self) {
        if self.waiting.swap(false, SeqCst) {
            let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

struct Ring {
    slot_size: usize,
    slot_count: usize,
    stride: usize,
    mem: *mut u8,
    layout: Layout,
    head: Line<AtomicU64>,
    tail: Line<AtomicU64>,
    /// Rarely written (closes, parking marks): stays shared in both sides' caches.
    state: Line<AtomicU64>,
    failure: Mutex<Option<String>>,
    /// A Rust side waiting, one per side ([`PRODUCER`], [`CONSUMER`]): a side re-checking
    /// with a stale view may mark itself for a moment, and must never take the other's place.
    /// Off the shape fields' lines: parking and waking write it from both sides.
    waiters: Line<[Waiter; 2]>,
    /// A Kotlin side waiting: its sink id (0: none), and how to reach it. On its own line: the
    /// reader writes it when it parks, and the shape fields above are read on every frame.
    kotlin_sink: Line<AtomicI64>,
    wake: OnceLock<Wake>,
    /// Rust consumer only: released slots that `tail` has not passed yet (out-of-order drops).
    released: Box<[AtomicBool]>,
    release_lock: Mutex<()>,
    /// Sides handed to Kotlin: their Rust value no longer closes the side when dropped.
    handed: AtomicU64,
}

// SAFETY: the raw memory is only touched by the side owning a slot (see the module doc),
// and every other field is thread-safe.
unsafe impl Send for Ring {}
unsafe impl Sync for Ring {}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: allocated in `ring` with this layout, freed once (the last Arc).
        unsafe { std::alloc::dealloc(self.mem, self.layout) }
    }
}

impl Ring {
    fn slot(&self, seq: u64) -> *mut u8 {
        // SAFETY: the index is below slot_count, so the offset is inside the allocation.
        unsafe { self.mem.add((seq % self.slot_count as u64) as usize * self.stride) }
    }

    fn closed(&self, bit: u64) -> bool {
        self.state.load(SeqCst) & bit != 0
    }

    /// Closes one side (once); the second side to close ends the ring's count in [`open_count`].
    fn close(&self, bit: u64) {
        let before = self.state.fetch_or(bit, SeqCst);
        if before & bit == 0 {
            if before & (PRODUCER_CLOSED | CONSUMER_CLOSED) != 0 {
                OPEN.fetch_sub(1, SeqCst);
            }
            self.waiters.iter().for_each(Waiter::wake);
            self.wake_kotlin();
        }
    }

    fn fail(&self, message: String) {
        {
            let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
            failure.get_or_insert(message);
        }
        self.state.fetch_or(FAILED, SeqCst);
        self.close(PRODUCER_CLOSED);
    }

    fn wake_kotlin(&self) {
        let sink = self.kotlin_sink.swap(0, SeqCst);
        if sink != 0 {
            if let Some(wake) = self.wake.get().or(WAKE.get()) {
                wake(sink);
            }
        }
    }

    /// Wakes the other side if it waits for the counter of `side` to move.
    #[inline]
    fn moved(&self, side: usize) {
        let other = &self.waiters[1 - side];
        if other.waiting.load(SeqCst) {
            other.wake();
        }
        if self.kotlin_sink.load(SeqCst) != 0 {
            self.wake_kotlin();
        }
    }

    /// Parks a Rust side until `ready` holds, with the mark-then-recheck order.
    fn poll_until<T>(&self, side: usize, cx: &mut Context<'_>, mut ready: impl FnMut() -> Option<T>) -> Poll<T> {
        if let Some(t) = ready() {
            return Poll::Ready(t);
        }
        let me = &self.waiters[side];
        *me.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        me.waiting.store(true, SeqCst);
        // Read-modify-writes that change nothing: each reads the latest store of its counter
        // (every store to them is a read-modify-write too), so the re-check below sees any
        // move that missed the mark. Plain SeqCst loads would do on real hardware; these make
        // the order hold under acquire/release reasoning alone, which is what loom checks.
        self.state.fetch_or(0, SeqCst);
        self.head.fetch_add(0, SeqCst);
        self.tail.fetch_add(0, SeqCst);
        match ready() {
            Some(t) => Poll::Ready(t),
            None => Poll::Pending,
        }
    }
}

/// Creates a ring of `slot_count` slots of `slot_size` bytes each (both at least 1).
pub fn ring(slot_size: usize, slot_count: usize) -> (FrameProducer, FrameConsumer) {
    assert!(slot_size >= 1 && slot_size <= u32::MAX as usize, "ferry: a frame slot holds 1 to 2^32-1 bytes");
    assert!(slot_count >= 1, "ferry: a frame ring has at least one slot");
    let stride = (SLOT_HEADER + slot_size).div_ceil(ALIGN) * ALIGN;
    let size = stride.checked_mul(slot_count).expect("ferry: frame ring too large");
    let layout = Layout::from_size_align(size, ALIGN).expect("ferry: frame ring too large");
    // SAFETY: the layout has a non-zero size. Zeroed, so a header is never uninitialised.
    let mem = unsafe { std::alloc::alloc_zeroed(layout) };
    if mem.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    let ring = Arc::new(Ring {
        slot_size,
        slot_count,
        stride,
        mem,
        layout,
        head: Line(AtomicU64::new(0)),
        tail: Line(AtomicU64::new(0)),
        state: Line(AtomicU64::new(0)),
        failure: Mutex::new(None),
        waiters: Line([Waiter::new(), Waiter::new()]),
        kotlin_sink: Line(AtomicI64::new(0)),
        wake: OnceLock::new(),
        released: (0..slot_count).map(|_| AtomicBool::new(false)).collect(),
        release_lock: Mutex::new(()),
        handed: AtomicU64::new(0),
    });
    OPEN.fetch_add(1, SeqCst);
    (FrameProducer { ring: ring.clone(), supervised: false, tail: 0, index: 0 }, FrameConsumer { ring, next: 0 })
}

/// Creates a ring and runs `produce` with its producer on ferry's runtime; returns the
/// consumer (to return to Kotlin as a `FrameReader`). A panic in `produce` closes the ring
/// and the consumer sees it after the frames published before it (Kotlin:
/// `RustPanicException`).
pub fn produce<F, Fut>(slot_size: usize, slot_count: usize, produce: F) -> FrameConsumer
where
    F: FnOnce(FrameProducer) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (mut producer, consumer) = ring(slot_size, slot_count);
    producer.supervised = true;
    let ring = producer.ring.clone();
    let task = panics::catch(|| produce(producer));
    crate::sync::spawn(async move {
        let outcome = match task {
            Ok(task) => panics::CatchUnwind(task).await,
            Err(panic) => Err(panic),
        };
        match outcome {
            Ok(()) => ring.close(PRODUCER_CLOSED),
            Err(panic) => ring.fail(panic),
        }
    });
    consumer
}

/// Creates a ring and runs `consume` with its consumer on ferry's runtime; returns the
/// producer (to return to Kotlin as a `FrameWriter`).
pub fn consume<F, Fut>(slot_size: usize, slot_count: usize, consume: F) -> FrameProducer
where
    F: FnOnce(FrameConsumer) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (producer, consumer) = ring(slot_size, slot_count);
    let ring = producer.ring.clone();
    let task = panics::catch(|| consume(consumer));
    crate::sync::spawn(async move {
        if let Ok(task) = task {
            let _ = panics::CatchUnwind(task).await;
        }
        // Dropped (or panicked) consumer: closed either way.
        ring.close(CONSUMER_CLOSED);
    });
    producer
}

/// The writing side. Dropping it closes the ring for writing: the consumer reads what was
/// published, then the end (or the panic, when dropped while panicking).
pub struct FrameProducer {
    ring: Arc<Ring>,
    /// Run by [`produce`], which reports a panic with its message itself.
    supervised: bool,
    /// The consumer's `tail` as last read: reread only when the ring looks full, so the
    /// producer touches the consumer's cache line once per lap, not once per frame.
    tail: u64,
    /// The slot of the next frame (`head % slot_count`), advanced at each publish: a
    /// division per frame cost about as much as the rest of `publish` (ADR 0009).
    index: usize,
}

impl FrameProducer {
    pub fn slot_size(&self) -> usize {
        self.ring.slot_size
    }

    pub fn slot_count(&self) -> usize {
        self.ring.slot_count
    }

    /// Whether the consumer has closed the ring.
    pub fn is_closed(&self) -> bool {
        self.ring.closed(CONSUMER_CLOSED)
    }

    /// The next free slot's sequence number, if any. A free function of the fields it uses,
    /// so `reserve` needs no clone of the `Arc` (whose count would be a shared hot line).
    fn free_slot(ring: &Ring, tail: &mut u64) -> Option<Result<u64, Closed>> {
        if ring.closed(CONSUMER_CLOSED) {
            return Some(Err(Closed));
        }
        // Only this side stores `head`: a relaxed read of our own counter is exact.
        let head = ring.head.load(std::sync::atomic::Ordering::Relaxed);
        if head - *tail >= ring.slot_count as u64 {
            *tail = ring.tail.load(SeqCst);
        }
        (head - *tail < ring.slot_count as u64).then_some(Ok(head))
    }

    /// The slot for frame `seq`, the next one (its address computed once, from [`Self::index`]).
    #[inline]
    fn slot_for(&mut self, seq: u64) -> FrameSlot<'_> {
        debug_assert_eq!(self.index as u64, seq % self.ring.slot_count as u64);
        // SAFETY: `index` is below slot_count, so the offset is inside the allocation.
        let data = unsafe { self.ring.mem.add(self.index * self.ring.stride) };
        FrameSlot { producer: self, seq, data }
    }

    /// Waits for a free slot (the consumer releasing one when the ring is full): lossless
    /// backpressure. `Err(Closed)` once the consumer closed the ring.
    pub async fn reserve(&mut self) -> Result<FrameSlot<'_>, Closed> {
        // A free slot (the common case while the reader keeps up): one check, no `poll_fn`.
        if let Some(free) = Self::free_slot(&self.ring, &mut self.tail) {
            return free.map(|seq| self.slot_for(seq));
        }
        // A reader only a little behind frees a slot within microseconds: yield to the
        // scheduler a few times before parking, rather than pay a wake-up each way.
        // (Not under loom: the model explores the parking, which is what must be right.)
        #[cfg(not(ferry_loom))]
        {
            let start = std::time::Instant::now();
            while Self::free_slot(&self.ring, &mut self.tail).is_none() && start.elapsed() < SPIN {
                tokio::task::yield_now().await;
            }
        }
        let (ring, tail) = (&*self.ring, &mut self.tail);
        let seq = poll_fn(|cx| ring.poll_until(PRODUCER, cx, || Self::free_slot(ring, tail))).await?;
        Ok(self.slot_for(seq))
    }

    /// A free slot now, or `Ok(None)` when the ring is full.
    pub fn try_reserve(&mut self) -> Result<Option<FrameSlot<'_>>, Closed> {
        match Self::free_slot(&self.ring, &mut self.tail) {
            None => Ok(None),
            Some(Err(closed)) => Err(closed),
            Some(Ok(seq)) => Ok(Some(self.slot_for(seq))),
        }
    }
}

impl Drop for FrameProducer {
    fn drop(&mut self) {
        if self.ring.handed.load(SeqCst) & PRODUCER_CLOSED != 0 {
            return;
        }
        if std::thread::panicking() {
            if !self.supervised {
                self.ring.fail("ferry: the frame producer panicked".into());
            }
            // Supervised: `produce` reports the panic with its message.
        } else {
            self.ring.close(PRODUCER_CLOSED);
        }
    }
}

/// A reserved slot: its bytes are the producer's until [`publish`](FrameSlot::publish).
/// Dropped unpublished, the slot stays free and the next reservation gets it again.
pub struct FrameSlot<'a> {
    producer: &'a mut FrameProducer,
    seq: u64,
    /// The slot's first byte (its header).
    data: *mut u8,
}

impl FrameSlot<'_> {
    /// The sequence number the frame gets: frames are numbered 0, 1, 2... in publication order.
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    /// Hands the first `len` bytes to the consumer (`len` at most the slot size).
    #[inline]
    pub fn publish(self, len: usize) {
        let ring = &self.producer.ring;
        assert!(len <= ring.slot_size, "ferry: frame length {len} exceeds the slot size {}", ring.slot_size);
        let slot = self.data;
        let next = self.producer.index + 1;
        self.producer.index = if next == ring.slot_count { 0 } else { next };
        // SAFETY: the producer owns this slot until the head store below.
        unsafe {
            std::ptr::copy_nonoverlapping(self.seq.to_le_bytes().as_ptr(), slot, 8);
            std::ptr::copy_nonoverlapping((len as u32).to_le_bytes().as_ptr(), slot.add(8), 4);
        }
        ring.head.fetch_add(1, SeqCst);
        ring.moved(PRODUCER);
    }
}

impl std::ops::Deref for FrameSlot<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: the producer owns the slot (reserved, not yet published).
        unsafe { std::slice::from_raw_parts(self.data.add(SLOT_HEADER), self.producer.ring.slot_size) }
    }
}

impl std::ops::DerefMut for FrameSlot<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in deref; `&mut self` borrows the producer mutably, so one view at a time.
        unsafe { std::slice::from_raw_parts_mut(self.data.add(SLOT_HEADER), self.producer.ring.slot_size) }
    }
}

/// The reading side: a `Stream` of [`Frame`]s, each released when dropped. Dropping it
/// closes the ring: the producer's next reservation fails with [`Closed`].
pub struct FrameConsumer {
    ring: Arc<Ring>,
    /// The next sequence number to claim.
    next: u64,
}

impl FrameConsumer {
    pub fn slot_size(&self) -> usize {
        self.ring.slot_size
    }

    /// The next frame, waiting while the ring is empty; `None` once the producer closed it
    /// and every published frame was taken.
    pub async fn next(&mut self) -> Option<Frame> {
        poll_fn(|cx| self.poll_frame(cx)).await
    }

    fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Frame>> {
        let ring = self.ring.clone();
        let next = self.next;
        let seq = ready!(ring.poll_until(CONSUMER, cx, || {
            if next < ring.head.load(SeqCst) {
                Some(Some(next))
            } else if ring.closed(PRODUCER_CLOSED) {
                // Published before closing? The head is stored before the close.
                (next >= ring.head.load(SeqCst)).then_some(None).or(Some(Some(next)))
            } else {
                None
            }
        }));
        let Some(seq) = seq else { return Poll::Ready(None) };
        self.next += 1;
        let slot = ring.slot(seq);
        let mut len = [0u8; 4];
        // SAFETY: the consumer owns the slot (published, not released).
        unsafe { std::ptr::copy_nonoverlapping(slot.add(8), len.as_mut_ptr(), 4) };
        let len = (u32::from_le_bytes(len) as usize).min(ring.slot_size);
        Poll::Ready(Some(Frame { ring, seq, len }))
    }
}

/// `std::task::ready!` under a name that reads as the return it is.
macro_rules! ready {
    ($e:expr) => {
        match $e {
            Poll::Ready(t) => t,
            Poll::Pending => return Poll::Pending,
        }
    };
}
use ready;

impl Stream for FrameConsumer {
    type Item = Frame;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Frame>> {
        self.get_mut().poll_frame(cx)
    }
}

impl Drop for FrameConsumer {
    fn drop(&mut self) {
        if self.ring.handed.load(SeqCst) & CONSUMER_CLOSED != 0 {
            return;
        }
        self.ring.close(CONSUMER_CLOSED);
    }
}

/// One frame read in place; its slot goes back to the producer when it is dropped (frames
/// may be dropped in any order: the producer gets slots back in order).
pub struct Frame {
    ring: Arc<Ring>,
    seq: u64,
    len: usize,
}

impl Frame {
    pub fn sequence(&self) -> u64 {
        self.seq
    }
}

impl std::ops::Deref for Frame {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: the slot is the consumer's until this frame is dropped.
        unsafe { std::slice::from_raw_parts(self.ring.slot(self.seq).add(SLOT_HEADER), self.len) }
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let ring = &self.ring;
        let n = ring.slot_count as u64;
        ring.released[(self.seq % n) as usize].store(true, SeqCst);
        let _guard = ring.release_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut tail = ring.tail.load(SeqCst);
        let start = tail;
        while tail < ring.head.load(SeqCst) && ring.released[(tail % n) as usize].swap(false, SeqCst) {
            tail += 1;
        }
        if tail != start {
            ring.tail.swap(tail, SeqCst);
            ring.moved(CONSUMER);
        }
    }
}

// ---- The Kotlin side: a ring end held by handle (the faces' `FrameReader`/`FrameWriter`).

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Reader,
    Writer,
}

struct Endpoint {
    ring: Arc<Ring>,
    side: Side,
}

crate::sync::model_static! {
    static ENDPOINTS: HandleTable<Endpoint> = HandleTable::new();
}

crate::sync::model_static! {
    /// Keep-alives of the ring memory that Kotlin's buffer views point into.
    static PINS: HandleTable<Arc<Ring>> = HandleTable::new();
}

static WAKE: OnceLock<Wake> = OnceLock::new();

/// Called by the face when the library loads: how a parked Kotlin side is woken.
pub fn set_wake(wake: Wake) {
    let _ = WAKE.set(wake);
}

fn hand_over(ring: &Arc<Ring>, side: Side) -> u64 {
    let bit = if side == Side::Reader { CONSUMER_CLOSED } else { PRODUCER_CLOSED };
    ring.handed.fetch_or(bit, SeqCst);
    let handle = ENDPOINTS.insert(Endpoint { ring: ring.clone(), side });
    // Inside a result: closed again if the result never reaches Kotlin (a cancelled caller).
    crate::objects::track_ring_end(handle);
    handle
}

/// What the glue encodes for a returned [`FrameConsumer`]: Kotlin's `FrameReader` handle.
/// From here Kotlin's `close` (not the Rust value's drop) closes the reading side.
pub fn hand_over_reader(consumer: &FrameConsumer) -> u64 {
    hand_over(&consumer.ring, Side::Reader)
}

/// What the glue encodes for a returned [`FrameProducer`]: Kotlin's `FrameWriter` handle.
pub fn hand_over_writer(producer: &FrameProducer) -> u64 {
    hand_over(&producer.ring, Side::Writer)
}

/// [`hand_over_reader`] with its own wake function (tests of the core alone).
pub fn reader_handle(consumer: FrameConsumer, wake: Wake) -> u64 {
    let _ = consumer.ring.wake.set(wake);
    hand_over_reader(&consumer)
}

/// [`hand_over_writer`] with its own wake function.
pub fn writer_handle(producer: FrameProducer, wake: Wake) -> u64 {
    let _ = producer.ring.wake.set(wake);
    hand_over_writer(&producer)
}

/// Runs `f` on the ring behind a Kotlin handle, under the table's lock: no `Arc` clone per
/// call (its count would be a line both sides write). What runs is short: counter stores and
/// at most a Rust waker's wake (a Kotlin side never wakes itself).
fn endpoint<T>(handle: i64, f: impl FnOnce(&Arc<Ring>, Side) -> T) -> Result<T, String> {
    ENDPOINTS
        .with(handle as u64, |e| f(&e.ring, e.side))
        .ok_or_else(|| "ferry: this frame ring was closed (or the handle is not a ring's)".to_string())
}

/// What Kotlin needs to view the ring, as four i64 LE: slot size, slot count, stride, and a
/// pin keeping the memory alive until [`unpin`] (Kotlin frees it once its views are
/// unreachable, so a view kept too long reads stale bytes, never freed memory).
pub fn open(handle: i64) -> Result<Vec<u8>, String> {
    let ring = endpoint(handle, |ring, _| ring.clone())?;
    let shape = [ring.slot_size as i64, ring.slot_count as i64, ring.stride as i64];
    let pin = PINS.insert(ring) as i64;
    Ok(shape.iter().chain([&pin]).flat_map(|v| v.to_le_bytes()).collect())
}

/// The ring's memory: `slot_count * stride` bytes.
pub fn memory(handle: i64) -> Result<(*mut u8, usize), String> {
    endpoint(handle, |ring, _| (ring.mem, ring.layout.size()))
}

/// Releases a pin; stale pins are ignored (the reclaimer may run after anything).
pub fn unpin(pin: i64) {
    drop(PINS.remove(pin as u64));
}

/// Live pins (memory still viewable from Kotlin), for tests.
pub fn pinned_count() -> usize {
    PINS.len()
}

/// The Kotlin side's one call per batch. A reader passes the frames it released so far
/// (cumulative) and gets the frames published so far; a writer passes the frames it
/// published (their headers written) and gets the frames released. Both wake a parked Rust
/// side when their counter moved. `seen` is what the caller already has (a reader: the
/// frames it claimed; a writer: its published count): with `sink != 0` and nothing beyond
/// it, the caller is parked ([`status::PARKED`]) and the sink gets one upcall when there is.
pub fn sync(handle: i64, sink: i64, position: i64, seen: i64) -> Result<i64, String> {
    endpoint(handle, |ring, side| {
        let position = position.max(0) as u64;
        let (mine, theirs, their_close) = match side {
            Side::Reader => (&ring.tail, &ring.head, PRODUCER_CLOSED),
            Side::Writer => (&ring.head, &ring.tail, CONSUMER_CLOSED),
        };
        let current = mine.load(SeqCst);
        let limit = match side {
            Side::Reader => ring.head.load(SeqCst),
            Side::Writer => ring.tail.load(SeqCst) + ring.slot_count as u64,
        };
        if position < current || position > limit {
            return Err(format!("ferry: frame position {position} outside {current}..={limit}"));
        }
        // A writer publishing into a ring its Rust consumer already closed: dropped.
        if side == Side::Writer && ring.closed(their_close) {
            return Ok(status::END);
        }
        if position != current {
            mine.swap(position, SeqCst);
            ring.moved(if side == Side::Reader { CONSUMER } else { PRODUCER });
        }
        let seen = (seen.max(0) as u64).max(position);
        let check = || -> Option<i64> {
            // The close first: a side publishes before it closes, so a counter read after
            // seeing the close is final.
            let ended = ring.closed(their_close);
            let theirs_now = theirs.load(SeqCst);
            let moved = match side {
                Side::Reader => theirs_now > seen,
                Side::Writer => seen - theirs_now < ring.slot_count as u64,
            };
            if side == Side::Reader && ended && !moved {
                return Some(if ring.closed(FAILED) { status::FAILED } else { status::END });
            }
            if side == Side::Writer && ended && sink != 0 {
                return Some(status::END);
            }
            moved.then_some(theirs_now as i64)
        };
        if let Some(r) = check() {
            return Ok(r);
        }
        if sink == 0 {
            return Ok(theirs.load(SeqCst) as i64);
        }
        ring.kotlin_sink.store(sink, SeqCst);
        match check() {
            // Ready after all: take the mark back (if the other side took it first, its
            // upcall is on the way and the reader's next wait returns at once: harmless).
            Some(r) => {
                let _ = ring.kotlin_sink.compare_exchange(sink, 0, SeqCst, SeqCst);
                Ok(r)
            }
            None => Ok(status::PARKED),
        }
    })?
}

/// The producer's panic message, once [`sync`] returned [`status::FAILED`].
pub fn failure(handle: i64) -> Result<String, String> {
    let ring = endpoint(handle, |ring, _| ring.clone())?;
    let failure = ring.failure.lock().unwrap_or_else(|e| e.into_inner());
    Ok(failure.clone().unwrap_or_else(|| "ferry: the frame producer failed".into()))
}

/// Closes Kotlin's side: the Rust side wakes and ends. Returns whether the handle was open.
pub fn close(handle: i64) -> bool {
    match ENDPOINTS.remove(handle as u64) {
        Some(e) => {
            e.ring.close(if e.side == Side::Reader { CONSUMER_CLOSED } else { PRODUCER_CLOSED });
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;

/// Model checks (see [`crate::sync`]): a Rust producer and a Rust consumer on loom threads
/// that park whenever they are pending. A lost wake-up leaves one parked: loom reports the
/// deadlock; a frame read before it was written, or out of order, fails the asserts.
#[cfg(all(test, ferry_loom))]
mod loom_tests {
    use super::*;

    #[test]
    fn publish_release_and_close_lose_no_wake_up_on_a_one_slot_ring() {
        loom::model(|| {
            let (mut tx, mut rx) = ring(1, 1);
            let producer = loom::thread::spawn(move || {
                loom::future::block_on(async move {
                    for i in 0..2u8 {
                        let mut slot = tx.reserve().await.unwrap();
                        slot[0] = i;
                        slot.publish(1);
                    }
                })
            });
            loom::future::block_on(async {
                for i in 0..2u8 {
                    let frame = rx.next().await.unwrap();
                    assert_eq!((frame.sequence(), frame[0]), (u64::from(i), i));
                }
                assert!(rx.next().await.is_none(), "the producer's drop ends the stream");
            });
            producer.join().unwrap();
        });
    }

    #[test]
    fn a_consumer_closing_wakes_a_producer_parked_on_a_full_ring() {
        loom::model(|| {
            let (mut tx, rx) = ring(1, 1);
            tx.try_reserve().unwrap().unwrap().publish(1);
            let producer = loom::thread::spawn(move || loom::future::block_on(async move { tx.reserve().await.err() }));
            drop(rx);
            assert_eq!(producer.join().unwrap(), Some(Closed));
        });
    }
}
