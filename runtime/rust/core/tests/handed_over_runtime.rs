//! A runtime the application already runs, handed over with `RuntimeConfig::from_handle`:
//! ferry's calls run on its threads, its flavour is reported, and a shutdown cancels
//! ferry's calls but leaves the application's runtime running. Its own test binary: the
//! runtime ferry uses is process-wide.

use ferry_core::calls::{self, Outcome, Started};
use ferry_core::runtime::{self, Flavor, RuntimeConfig};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

static APP: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

fn app() -> &'static tokio::runtime::Runtime {
    APP.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("app-rt").enable_all().build().unwrap())
}

fn provider() -> RuntimeConfig {
    RuntimeConfig::from_handle(app().handle().clone())
}

fn start(id: i64, future: impl std::future::Future<Output = Outcome> + Send + 'static) -> mpsc::Receiver<Outcome> {
    let (tx, rx) = mpsc::channel();
    let started = calls::start(id, move |_token| future, false, move |(outcome, _), _| tx.send(outcome).unwrap());
    assert!(matches!(started, Started::Running));
    rx
}

#[test]
fn calls_run_on_the_handed_over_runtime_and_a_shutdown_leaves_it_running() {
    assert!(runtime::set_provider(provider));
    assert_eq!(runtime::flavor(), Flavor::MultiThread);

    let name = start(1, async {
        tokio::task::yield_now().await;
        Outcome::Bytes(std::thread::current().name().unwrap_or("").as_bytes().to_vec())
    });
    match name.recv_timeout(Duration::from_secs(5)).unwrap() {
        Outcome::Bytes(b) => assert_eq!(b, b"app-rt"),
        other => panic!("{other:?}"),
    }

    let forever = start(2, std::future::pending());
    assert_eq!(calls::pending(), 1);
    assert!(ferry_core::completion::shutdown(Duration::from_millis(100)));
    assert!(matches!(forever.recv_timeout(Duration::from_secs(5)).unwrap(), Outcome::Cancelled));
    assert_eq!(calls::pending(), 0);
    assert!(runtime::ensure_running().is_err());
    // The application's runtime is not ferry's to stop.
    assert_eq!(app().block_on(async { tokio::spawn(async { 7 }).await.unwrap() }), 7);
}
