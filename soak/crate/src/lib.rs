//! The library the soak test drives (`npm run soak`): every kind of call ferry bridges,
//! each with a result the Kotlin side can check, and counters of what is alive on the
//! Rust side, so the soak proves that Rust values were really dropped (not only that the
//! bridge's handle tables emptied).

use futures_core::Stream;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio_stream::StreamExt;

ferry::include_glue!();

// ---------------------------------------------------------------- what is alive in Rust

static FUTURES_ALIVE: AtomicI64 = AtomicI64::new(0);
static LEDGERS_ALIVE: AtomicI64 = AtomicI64::new(0);
static STREAMS_ALIVE: AtomicI64 = AtomicI64::new(0);
static PARKED_STARTED: AtomicU64 = AtomicU64::new(0);
static PARKED_DROPPED_CANCELLED: AtomicU64 = AtomicU64::new(0);
static PARKED_DROPPED_UNCANCELLED: AtomicU64 = AtomicU64::new(0);
static JOBS_STOPPED_BY_TOKEN: AtomicU64 = AtomicU64::new(0);
static JOBS_FINISHED: AtomicU64 = AtomicU64::new(0);

/// Counts one live value of a kind for as long as it exists.
struct Alive(&'static AtomicI64);

impl Alive {
    fn new(counter: &'static AtomicI64) -> Self {
        counter.fetch_add(1, SeqCst);
        Alive(counter)
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

/// Rust's own view of what is alive, read by the soak at its checkpoints.
#[ferry::export]
pub struct RustCounts {
    /// `work` futures not yet dropped.
    pub futures_alive: i64,
    /// `Ledger` values not yet dropped.
    pub ledgers_alive: i64,
    /// Streams (of any function here) not yet dropped.
    pub streams_alive: i64,
    /// `park` / `Ledger::hold` futures started.
    pub parked_started: u64,
    /// ... and dropped with their CancellationToken cancelled (the only way they end).
    pub parked_dropped_cancelled: u64,
    /// ... and dropped with the token not cancelled: must stay 0.
    pub parked_dropped_uncancelled: u64,
    /// Blocking jobs that stopped early because their token was cancelled.
    pub jobs_stopped_by_token: u64,
    /// Blocking jobs that ran their whole budget.
    pub jobs_finished: u64,
}

#[ferry::export]
pub fn rust_counts() -> RustCounts {
    RustCounts {
        futures_alive: FUTURES_ALIVE.load(SeqCst),
        ledgers_alive: LEDGERS_ALIVE.load(SeqCst),
        streams_alive: STREAMS_ALIVE.load(SeqCst),
        parked_started: PARKED_STARTED.load(SeqCst),
        parked_dropped_cancelled: PARKED_DROPPED_CANCELLED.load(SeqCst),
        parked_dropped_uncancelled: PARKED_DROPPED_UNCANCELLED.load(SeqCst),
        jobs_stopped_by_token: JOBS_STOPPED_BY_TOKEN.load(SeqCst),
        jobs_finished: JOBS_FINISHED.load(SeqCst),
    }
}

/// Hands the allocator's free pages back to the OS (glibc's `malloc_trim`, process-wide),
/// so that an RSS sample shows memory in use rather than what malloc keeps cached from a
/// past peak. Returns false where there is no such call.
#[ferry::export]
pub fn release_free_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists.
        unsafe { libc::malloc_trim(0) };
        true
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

// ---------------------------------------------------------------- errors

#[ferry::export(error)]
#[derive(Debug)]
pub enum SoakError {
    Negative { value: i64 },
    Insufficient { balance: i64, wanted: i64 },
    Broken { at: u32 },
    /// Its `Display` panics: a panic in user code while the bridge encodes an `Err`.
    Cursed { note: String },
}

impl std::fmt::Display for SoakError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SoakError::Negative { value } => write!(f, "negative value {value}"),
            SoakError::Insufficient { balance, wanted } => write!(f, "balance {balance} cannot cover {wanted}"),
            SoakError::Broken { at } => write!(f, "stream broke at item {at}"),
            SoakError::Cursed { note } => panic!("soak Display panic: {note}"),
        }
    }
}

// ---------------------------------------------------------------- plain functions

/// A bijective mix of `x` (the splitmix64 finaliser); the Kotlin side computes the same
/// function, so a wrong or swapped result is caught.
#[ferry::export]
pub fn scramble(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[ferry::export]
pub fn echo(text: String) -> String {
    text
}

/// Waits `delay_us` on a Tokio timer (0: yields once instead), then returns `scramble(id)`.
#[ferry::export]
pub async fn work(id: u64, delay_us: u32) -> u64 {
    let _alive = Alive::new(&FUTURES_ALIVE);
    pause(delay_us).await;
    scramble(id)
}

async fn pause(delay_us: u32) {
    if delay_us == 0 {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(Duration::from_micros(delay_us as u64)).await;
    }
}

#[ferry::export]
pub fn checked_now(value: i64) -> Result<i64, SoakError> {
    if value < 0 {
        Err(SoakError::Negative { value })
    } else {
        Ok(value)
    }
}

#[ferry::export]
pub async fn checked(value: i64, delay_us: u32) -> Result<i64, SoakError> {
    let _alive = Alive::new(&FUTURES_ALIVE);
    pause(delay_us).await;
    checked_now(value)
}

/// An `Err` whose `Display` panics while the bridge encodes it.
#[ferry::export]
pub async fn cursed(note: String) -> Result<u64, SoakError> {
    let _alive = Alive::new(&FUTURES_ALIVE);
    tokio::task::yield_now().await;
    Err(SoakError::Cursed { note })
}

#[ferry::export]
pub fn explode_now(message: String) -> u64 {
    panic!("soak sync panic: {message}");
}

#[ferry::export]
pub async fn explode(message: String) -> u64 {
    let _alive = Alive::new(&FUTURES_ALIVE);
    tokio::task::yield_now().await;
    panic!("soak async panic: {message}");
}

// ---------------------------------------------------------------- cancellation tokens

/// Records, when a parked future is dropped, whether its token had been cancelled first.
struct Parked(ferry::CancellationToken);

impl Parked {
    fn new(token: ferry::CancellationToken) -> Self {
        PARKED_STARTED.fetch_add(1, SeqCst);
        Parked(token)
    }
}

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
    let _parked = Parked::new(token);
    std::future::pending::<u64>().await
}

/// Blocking work on the library's own worker thread (the kind of work that never awaits,
/// so dropping the future cannot stop it): it runs for up to `budget_us`, checking the
/// token, and returns how long it ran. A cancelled caller stops it through the token.
#[ferry::export]
pub async fn blocking_job(budget_us: u32, token: ferry::CancellationToken) -> u64 {
    let (done, result) = oneshot::channel();
    let job = Job { budget: Duration::from_micros(budget_us as u64), token, done };
    if blocking_worker().lock().unwrap_or_else(|e| e.into_inner()).send(job).is_err() {
        panic!("the soak's blocking worker thread is gone");
    }
    result.await.unwrap_or(0)
}

struct Job {
    budget: Duration,
    token: ferry::CancellationToken,
    done: oneshot::Sender<u64>,
}

/// One long-lived thread, started on first use, so the thread count stays flat.
fn blocking_worker() -> &'static Mutex<mpsc::Sender<Job>> {
    static WORKER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("soak-blocking".into())
            .spawn(move || {
                for job in rx {
                    let start = Instant::now();
                    let mut stopped = false;
                    while start.elapsed() < job.budget {
                        if job.token.is_cancelled() {
                            stopped = true;
                            break;
                        }
                        std::thread::sleep(Duration::from_micros(50));
                    }
                    if stopped {
                        JOBS_STOPPED_BY_TOKEN.fetch_add(1, SeqCst);
                    } else {
                        JOBS_FINISHED.fetch_add(1, SeqCst);
                    }
                    let _ = job.done.send(start.elapsed().as_micros() as u64);
                }
            })
            .expect("cannot start the soak's blocking worker thread");
        Mutex::new(tx)
    })
}

// ---------------------------------------------------------------- objects

/// A balance shared by concurrent callers.
#[ferry::export(object)]
pub struct Ledger {
    owner: String,
    balance: AtomicI64,
    _alive: Alive,
}

impl Ledger {
    fn make(owner: String, opening: i64) -> Ledger {
        Ledger { owner, balance: AtomicI64::new(opening), _alive: Alive::new(&LEDGERS_ALIVE) }
    }
}

#[ferry::export]
impl Ledger {
    pub fn new(owner: String, opening: i64) -> Result<Self, SoakError> {
        if opening < 0 {
            return Err(SoakError::Negative { value: opening });
        }
        Ok(Ledger::make(owner, opening))
    }

    /// An async factory: an object handle crossing in an async result.
    pub async fn open_later(owner: String, opening: i64, delay_us: u32) -> Arc<Ledger> {
        pause(delay_us).await;
        Arc::new(Ledger::make(owner, opening))
    }

    pub fn owner(&self) -> String {
        self.owner.clone()
    }

    pub fn balance(&self) -> i64 {
        self.balance.load(SeqCst)
    }

    pub fn deposit(&self, amount: i64) -> i64 {
        self.balance.fetch_add(amount, SeqCst) + amount
    }

    pub async fn deposit_later(&self, amount: i64, delay_us: u32) -> i64 {
        let _alive = Alive::new(&FUTURES_ALIVE);
        pause(delay_us).await;
        self.deposit(amount)
    }

    pub async fn withdraw(&self, amount: i64) -> Result<i64, SoakError> {
        let _alive = Alive::new(&FUTURES_ALIVE);
        tokio::task::yield_now().await;
        let mut balance = self.balance.load(SeqCst);
        loop {
            if balance < amount {
                return Err(SoakError::Insufficient { balance, wanted: amount });
            }
            match self.balance.compare_exchange(balance, balance - amount, SeqCst, SeqCst) {
                Ok(_) => return Ok(balance - amount),
                Err(now) => balance = now,
            }
        }
    }

    /// Never completes: a cancelled method call with a token.
    pub async fn hold(&self, token: ferry::CancellationToken) -> i64 {
        let _parked = Parked::new(token);
        std::future::pending::<i64>().await
    }

    /// `parts` new ledgers sharing this one's balance (objects inside a Vec).
    pub fn split(&self, parts: u32) -> Vec<Arc<Ledger>> {
        let share = self.balance() / parts.max(1) as i64;
        (0..parts).map(|i| Arc::new(Ledger::make(format!("{}/{i}", self.owner), share))).collect()
    }

    /// The balance, then the balance plus 1, 2, ... (`n` items): a stream from an object.
    pub fn projections(&self, n: u32) -> impl Stream<Item = i64> + Send + 'static {
        let base = self.balance();
        tracked(tokio_stream::iter(0..n as i64).map(move |i| base + i))
    }
}

/// Objects as arguments, borrowed and shared.
#[ferry::export]
pub fn combined(a: &Ledger, b: Arc<Ledger>) -> i64 {
    a.balance() + b.balance()
}

// ---------------------------------------------------------------- streams

/// A stream counted in `STREAMS_ALIVE` until it is dropped.
struct Tracked<S> {
    inner: Pin<Box<S>>,
    _alive: Alive,
}

fn tracked<S: Stream>(inner: S) -> Tracked<S> {
    Tracked { inner: Box::pin(inner), _alive: Alive::new(&STREAMS_ALIVE) }
}

impl<S: Stream> Stream for Tracked<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// start, start + 1, ..., start + n - 1: always ready.
#[ferry::export]
pub fn numbers(start: u64, n: u32) -> impl Stream<Item = u64> + Send + 'static {
    tracked(tokio_stream::iter(start..start + n as u64))
}

/// 0, 1, 2, ... forever: only leaving the collection ends it.
#[ferry::export]
pub fn endless() -> impl Stream<Item = u64> + Send + 'static {
    tracked(tokio_stream::iter(0u64..))
}

/// 1, 2, ..., n, one every `every_us` on a Tokio timer (really pending between items).
#[ferry::export]
pub fn paced(n: u32, every_us: u32) -> impl Stream<Item = u32> + Send + 'static {
    let every = Duration::from_micros(every_us.max(1) as u64);
    tracked(tokio_stream::iter(1..=n).throttle(every))
}

/// 0, ..., k - 1, then pending forever.
#[ferry::export]
pub fn stall_after(k: u32) -> impl Stream<Item = u32> + Send + 'static {
    tracked(tokio_stream::iter(0..k).chain(tokio_stream::pending()))
}

/// Ok(0), ..., Ok(k - 1), then Err(Broken { at: k }).
#[ferry::export]
pub fn fail_after(k: u32) -> impl Stream<Item = Result<u32, SoakError>> + Send + 'static {
    tracked(tokio_stream::iter(0..=k).map(move |i| if i < k { Ok(i) } else { Err(SoakError::Broken { at: i }) }))
}

/// Ok(0), ..., Ok(k - 1), then an `Err` whose `Display` panics while it is encoded.
#[ferry::export]
pub fn cursed_after(k: u32, note: String) -> impl Stream<Item = Result<u32, SoakError>> + Send + 'static {
    tracked(tokio_stream::iter(0..=k).map(move |i| if i < k { Ok(i) } else { Err(SoakError::Cursed { note: note.clone() }) }))
}

/// "0", ..., "k - 1", then a panic in `poll_next`.
#[ferry::export]
pub fn panic_after(k: u32) -> impl Stream<Item = String> + Send + 'static {
    tracked(tokio_stream::iter(0..).map(move |i: u32| {
        if i == k {
            panic!("soak stream panic after {k} items");
        }
        i.to_string()
    }))
}

/// An async function returning a stream: waits `delay_us` first, then streams start..start + n.
#[ferry::export]
pub async fn numbers_later(delay_us: u32, start: u64, n: u32) -> impl Stream<Item = u64> + Send + 'static {
    pause(delay_us).await;
    numbers(start, n)
}
