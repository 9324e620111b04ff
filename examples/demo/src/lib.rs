//! The ferry demo library: real Tokio networking on loopback, exported to Kotlin.
//!
//! An echo server, clients that ping it (one at a time or hundreds at once), a typed
//! network error, a function that panics, and a long job that stops when Kotlin cancels.

use std::sync::atomic::{AtomicU64, Ordering};
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
