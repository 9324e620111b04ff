//! The ferry demo library: real Tokio networking on loopback, exported to Kotlin.
//!
//! An echo server, clients that ping it (one at a time or hundreds at once), a typed
//! network error, a function that panics, a long job that stops when Kotlin cancels, an
//! `EchoClient` object that keeps one connection open across async calls, and a transfer
//! whose progress is a stream (a Kotlin `Flow`).

use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

ferry::include_glue!();

/// One round trip to the echo server.
#[ferry::export]
pub struct Ping {
    pub reply: String,
    pub round_trip: Duration,
}

/// What many concurrent pings added up to.
#[ferry::export]
pub struct Summary {
    pub pings: u32,
    pub bytes_echoed: u64,
    pub slowest: Duration,
    pub elapsed: Duration,
}

#[ferry::export(error)]
#[derive(Debug)]
pub enum NetError {
    ConnectionRefused { port: u16 },
    Io { reason: String },
}

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetError::ConnectionRefused { port } => write!(f, "nothing listens on 127.0.0.1:{port}"),
            NetError::Io { reason } => write!(f, "I/O error: {reason}"),
        }
    }
}

fn io_error(port: u16, e: std::io::Error) -> NetError {
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        NetError::ConnectionRefused { port }
    } else {
        NetError::Io { reason: e.to_string() }
    }
}

/// Starts an echo server on 127.0.0.1 (a free port) inside ferry's Tokio runtime and
/// returns its port. Each connection is served by its own Tokio task.
#[ferry::export]
pub async fn start_echo_server() -> Result<u16, NetError> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| io_error(0, e))?;
    let port = listener.local_addr().map_err(|e| io_error(0, e))?.port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 || socket.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(port)
}

/// Connects, sends `message`, reads the echo back.
#[ferry::export]
pub async fn ping(port: u16, message: String) -> Result<Ping, NetError> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| io_error(port, e))?;
    stream.write_all(message.as_bytes()).await.map_err(|e| io_error(port, e))?;
    let mut reply = vec![0u8; message.len()];
    stream.read_exact(&mut reply).await.map_err(|e| io_error(port, e))?;
    Ok(Ping {
        reply: String::from_utf8_lossy(&reply).into_owned(),
        round_trip: started.elapsed(),
    })
}

/// `count` pings at once, each on its own Tokio task.
#[ferry::export]
pub async fn ping_many(port: u16, count: u32) -> Result<Summary, NetError> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..count)
        .map(|i| tokio::spawn(ping(port, format!("hello #{i} from Kotlin, via Rust"))))
        .collect();
    let mut summary = Summary { pings: 0, bytes_echoed: 0, slowest: Duration::ZERO, elapsed: Duration::ZERO };
    for task in tasks {
        let p = task.await.map_err(|e| NetError::Io { reason: e.to_string() })??;
        summary.pings += 1;
        summary.bytes_echoed += p.reply.len() as u64;
        summary.slowest = summary.slowest.max(p.round_trip);
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// A checksum over bytes, computed synchronously on the calling thread.
#[ferry::export]
pub fn checksum(data: &[u8]) -> u32 {
    data.iter().fold(2166136261u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(16777619))
}

/// Integer division that panics on a zero divisor, as Rust code does.
#[ferry::export]
pub fn divide(a: i32, b: i32) -> i32 {
    if b == 0 {
        panic!("attempt to divide {a} by zero");
    }
    a / b
}

static JOB_STEPS: AtomicU64 = AtomicU64::new(0);
static JOBS_DROPPED: AtomicU64 = AtomicU64::new(0);

struct DropReport;
impl Drop for DropReport {
    fn drop(&mut self) {
        JOBS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// A long job: `steps` steps of 100 ms each. The token lets the blocking part stop too.
#[ferry::export]
pub async fn long_job(steps: u32, token: ferry::CancellationToken) -> u32 {
    let _report = DropReport;
    for step in 0..steps {
        if token.is_cancelled() {
            return step;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        JOB_STEPS.fetch_add(1, Ordering::SeqCst);
    }
    steps
}

/// How many 100 ms steps long jobs have completed, and how many job futures were dropped.
#[ferry::export]
pub fn job_stats() -> Vec<u64> {
    vec![JOB_STEPS.load(Ordering::SeqCst), JOBS_DROPPED.load(Ordering::SeqCst)]
}

// ---------------------------------------------------------------- an object

static CLIENTS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// A client that keeps one TCP connection to the echo server open across calls. It lives
/// in Rust; Kotlin holds a handle to it (`class EchoClient : AutoCloseable`).
#[ferry::export(object)]
pub struct EchoClient {
    port: u16,
    connection: tokio::sync::Mutex<Option<TcpStream>>,
    connects: AtomicU32,
    messages: AtomicU64,
    bytes: AtomicU64,
}

/// What an `EchoClient` has done so far.
#[ferry::export]
pub struct ClientStats {
    pub port: u16,
    pub connections: u32,
    pub messages: u64,
    pub bytes: u64,
}

#[ferry::export]
impl EchoClient {
    /// The Kotlin constructor `EchoClient(port)`. It does not connect yet: constructors are
    /// sync, so the first `send` connects.
    pub fn new(port: u16) -> Self {
        EchoClient {
            port,
            connection: tokio::sync::Mutex::new(None),
            connects: AtomicU32::new(0),
            messages: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Sends `message` over the client's connection (opening it on first use) and reads
    /// the echo back. A `suspend fun` in Kotlin.
    pub async fn send(&self, message: String) -> Result<Ping, NetError> {
        let started = Instant::now();
        let mut connection = self.connection.lock().await;
        if connection.is_none() {
            let stream = TcpStream::connect(("127.0.0.1", self.port)).await.map_err(|e| io_error(self.port, e))?;
            self.connects.fetch_add(1, Ordering::SeqCst);
            *connection = Some(stream);
        }
        let stream = connection.as_mut().expect("connected above");
        let mut reply = vec![0u8; message.len()];
        let (mut rx, mut tx) = stream.split();
        let echoed = tokio::try_join!(tx.write_all(message.as_bytes()), rx.read_exact(&mut reply));
        if let Err(e) = echoed {
            *connection = None; // a broken connection is reopened by the next send
            return Err(io_error(self.port, e));
        }
        self.messages.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(reply.len() as u64, Ordering::SeqCst);
        Ok(Ping { reply: String::from_utf8_lossy(&reply).into_owned(), round_trip: started.elapsed() })
    }

    /// A sync method: runs on the calling Kotlin thread.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            port: self.port,
            connections: self.connects.load(Ordering::SeqCst),
            messages: self.messages.load(Ordering::SeqCst),
            bytes: self.bytes.load(Ordering::SeqCst),
        }
    }
}

impl Drop for EchoClient {
    fn drop(&mut self) {
        CLIENTS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------- a stream

static CHUNKS_ECHOED: AtomicU64 = AtomicU64::new(0);
static TRANSFERS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// One step of a transfer.
#[ferry::export]
pub struct Progress {
    pub chunk: u32,
    pub chunks: u32,
    pub bytes: u64,
    pub elapsed: Duration,
}

/// Sends `chunks` chunks of `chunk_kib` KiB through the echo server, one every `pause`,
/// checking every echo, and yields the progress after each chunk. A Kotlin `Flow<Progress>`:
/// nothing runs until it is collected, and a connection failure is thrown as `NetError`.
#[ferry::export]
pub fn transfer(port: u16, chunks: u32, chunk_kib: u32, pause: Duration) -> impl Stream<Item = Result<Progress, NetError>> + Send + 'static {
    let state = Transfer {
        port,
        chunks,
        data: (0..chunk_kib as usize * 1024).map(|i| (i % 251) as u8).collect(),
        pause,
        connection: None,
        sent: 0,
        started: Instant::now(),
        failed: false,
    };
    Unfold::new(state, Transfer::step)
}

struct Transfer {
    port: u16,
    chunks: u32,
    data: Vec<u8>,
    pause: Duration,
    connection: Option<TcpStream>,
    sent: u32,
    started: Instant,
    failed: bool,
}

impl Transfer {
    async fn step(mut self) -> Option<(Result<Progress, NetError>, Self)> {
        if self.failed || self.sent == self.chunks {
            return None;
        }
        match self.send_chunk().await {
            Ok(()) => {
                self.sent += 1;
                let progress = Progress {
                    chunk: self.sent,
                    chunks: self.chunks,
                    bytes: u64::from(self.sent) * self.data.len() as u64,
                    elapsed: self.started.elapsed(),
                };
                Some((Ok(progress), self))
            }
            Err(e) => {
                self.failed = true;
                Some((Err(e), self))
            }
        }
    }

    async fn send_chunk(&mut self) -> Result<(), NetError> {
        let port = self.port;
        tokio::time::sleep(self.pause).await;
        if self.connection.is_none() {
            let stream = TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| io_error(port, e))?;
            stream.set_nodelay(true).map_err(|e| io_error(port, e))?;
            self.connection = Some(stream);
        }
        let stream = self.connection.as_mut().expect("connected above");
        let mut echo = vec![0u8; self.data.len()];
        let (mut rx, mut tx) = stream.split();
        tokio::try_join!(tx.write_all(&self.data), rx.read_exact(&mut echo)).map_err(|e| io_error(port, e))?;
        if echo != self.data {
            return Err(NetError::Io { reason: "the echo differs from what was sent".into() });
        }
        CHUNKS_ECHOED.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl Drop for Transfer {
    fn drop(&mut self) {
        TRANSFERS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// `futures::stream::unfold` in a few lines (the demo depends only on tokio and futures-core):
/// each item is the output of one async step that takes the state and gives it back.
struct Unfold<S, Fut> {
    step: fn(S) -> Fut,
    state: Option<S>,
    running: Option<Pin<Box<Fut>>>,
}

impl<S, T, Fut: Future<Output = Option<(T, S)>>> Unfold<S, Fut> {
    fn new(state: S, step: fn(S) -> Fut) -> Self {
        Unfold { step, state: Some(state), running: None }
    }
}

impl<S: Unpin, T, Fut: Future<Output = Option<(T, S)>>> Stream for Unfold<S, Fut> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if self.running.is_none() {
            let Some(state) = self.state.take() else { return Poll::Ready(None) };
            self.running = Some(Box::pin((self.step)(state)));
        }
        let next = match self.running.as_mut() {
            Some(running) => std::task::ready!(running.as_mut().poll(cx)),
            None => return Poll::Ready(None),
        };
        self.running = None;
        Poll::Ready(next.map(|(item, state)| {
            self.state = Some(state);
            item
        }))
    }
}

/// What the demo counts on the Rust side.
#[ferry::export]
pub struct Counters {
    pub clients_dropped: u64,
    pub chunks_echoed: u64,
    pub transfers_dropped: u64,
}

#[ferry::export]
pub fn counters() -> Counters {
    Counters {
        clients_dropped: CLIENTS_DROPPED.load(Ordering::SeqCst),
        chunks_echoed: CHUNKS_ECHOED.load(Ordering::SeqCst),
        transfers_dropped: TRANSFERS_DROPPED.load(Ordering::SeqCst),
    }
}

// ---------------------------------------------------------------- Rust calls Kotlin

/// What the app provides to the core: a logger and its credentials. Kotlin implements it.
#[ferry::export(callback)]
#[async_trait::async_trait]
pub trait Platform: Send + Sync {
    /// Called from whichever thread the core is on.
    fn log(&self, line: String);
    /// A `suspend fun` in Kotlin: the core awaits it without blocking a thread.
    async fn auth_token(&self, user: String) -> Result<String, NetError>;
}

/// Signs in with the app's credentials, sending the token to the echo server, and logs
/// through the app's logger from a Tokio worker.
#[ferry::export]
pub async fn sign_in(platform: std::sync::Arc<dyn Platform>, port: u16, user: String) -> Result<Ping, NetError> {
    platform.log(format!("signing in {user}"));
    let token = platform.auth_token(user.clone()).await?;
    let logger = std::sync::Arc::clone(&platform);
    let ping = tokio::spawn(async move {
        let reply = ping(port, format!("AUTH {user} {token}")).await;
        logger.log(format!("server answered on a Tokio worker: {:?}", reply.as_ref().map(|p| p.reply.clone())));
        reply
    })
    .await
    .expect("the sign-in task panicked")?;
    Ok(ping)
}

/// What an upload sent: every chunk came back from the echo server intact.
#[ferry::export]
pub struct Upload {
    pub chunks: u32,
    pub bytes: u64,
}

/// Sends up to `limit` chunks of a Kotlin `Flow<ByteArray>` to the echo server and checks
/// each echo, then drops the stream (which cancels the Flow's collection). Rust pulls the
/// Flow: Kotlin produces chunks only as this loop asks for them (at most a bounded window
/// ahead), so even an endless producer never piles chunks up in memory here.
#[ferry::export]
pub async fn upload(port: u16, chunks: impl Stream<Item = Vec<u8>> + Send + 'static, limit: u32) -> Result<Upload, NetError> {
    let mut chunks = Box::pin(chunks);
    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| io_error(port, e))?;
    let mut sent = Upload { chunks: 0, bytes: 0 };
    let mut echo = Vec::new();
    while sent.chunks < limit {
        let Some(chunk) = std::future::poll_fn(|cx| chunks.as_mut().poll_next(cx)).await else { break };
        socket.write_all(&chunk).await.map_err(|e| io_error(port, e))?;
        echo.resize(chunk.len(), 0);
        socket.read_exact(&mut echo).await.map_err(|e| io_error(port, e))?;
        if echo != chunk {
            return Err(NetError::Io { reason: format!("chunk {} came back changed", sent.chunks) });
        }
        sent.chunks += 1;
        sent.bytes += chunk.len() as u64;
    }
    Ok(sent)
}

// ---------------------------------------------------------------- frames without copies

/// A video gradient: `frames` grey frames of `width` x `height` pixels, pixel (x, y) of frame
/// `i` being `(x + y + i) % 256`, written straight into the slots of a 4-slot ring that
/// Kotlin reads in place (docs/frames.md).
#[ferry::export]
pub fn gradient(frames: u32, width: u32, height: u32) -> ferry::frames::FrameConsumer {
    let (w, h) = (width as usize, height as usize);
    ferry::frames::produce(w * h, 4, move |mut producer| async move {
        for i in 0..frames as usize {
            let Ok(mut slot) = producer.reserve().await else { return };
            for (y, row) in slot[..w * h].chunks_mut(w).enumerate() {
                for (x, pixel) in row.iter_mut().enumerate() {
                    *pixel = ((x + y + i) % 256) as u8;
                }
            }
            slot.publish(w * h);
        }
    })
}
