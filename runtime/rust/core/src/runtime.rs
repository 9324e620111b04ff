//! The Tokio runtime ferry owns.
//!
//! Created once, on the first async call. Configured (before that first call) by the JVM
//! system properties `ferry.tokio.flavor` (`multi_thread`, the default, or
//! `current_thread`) and `ferry.tokio.workers` (worker count for `multi_thread`), or by the
//! environment variables `FERRY_TOKIO_FLAVOR` / `FERRY_TOKIO_WORKERS`. Every runtime
//! thread attaches itself to the JVM once, as a daemon, when it starts, so completing a
//! call never attaches a thread.

use std::sync::{Mutex, OnceLock};
use tokio::runtime::{Builder, Handle};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    MultiThread,
    CurrentThread,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub flavor: Flavor,
    /// `None`: Tokio's default (one per core).
    pub workers: Option<usize>,
}

static CONFIG: Mutex<Option<Config>> = Mutex::new(None);
static RUNTIME: OnceLock<(Handle, Flavor)> = OnceLock::new();

/// Sets the configuration; has no effect once the runtime exists (returns false then).
pub fn configure(config: Config) -> bool {
    if RUNTIME.get().is_some() {
        return false;
    }
    *CONFIG.lock().unwrap_or_else(|e| e.into_inner()) = Some(config);
    true
}

/// Parses the textual settings used by both the JVM properties and the environment.
pub fn config_from_settings(flavor: Option<&str>, workers: Option<&str>) -> Config {
    let flavor = match flavor.map(str::trim) {
        Some("current_thread") | Some("current-thread") => Flavor::CurrentThread,
        _ => Flavor::MultiThread,
    };
    let workers = workers.and_then(|w| w.trim().parse::<usize>().ok()).filter(|&w| w > 0);
    Config { flavor, workers }
}

fn config() -> Config {
    if let Some(c) = CONFIG.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return c;
    }
    config_from_settings(
        std::env::var("FERRY_TOKIO_FLAVOR").ok().as_deref(),
        std::env::var("FERRY_TOKIO_WORKERS").ok().as_deref(),
    )
}

/// The runtime's handle, creating the runtime on first use.
pub fn handle() -> &'static Handle {
    &RUNTIME.get_or_init(build).0
}

pub fn flavor() -> Flavor {
    RUNTIME.get_or_init(build).1
}

fn build() -> (Handle, Flavor) {
    let config = config();
    let mut builder = match config.flavor {
        Flavor::MultiThread => {
            let mut b = Builder::new_multi_thread();
            if let Some(w) = config.workers {
                b.worker_threads(w);
            }
            b
        }
        Flavor::CurrentThread => Builder::new_current_thread(),
    };
    builder
        .enable_all()
        .thread_name("ferry-tokio")
        .on_thread_start(crate::jvm::attach_current_thread)
        .on_thread_stop(crate::jvm::detach_current_thread);
    let runtime = builder.build().expect("ferry: cannot start the Tokio runtime");
    let handle = runtime.handle().clone();
    match config.flavor {
        // The runtime lives as long as the process (the JVM never unloads the library).
        Flavor::MultiThread => std::mem::forget(runtime),
        // A current-thread runtime runs spawned tasks only inside `Runtime::block_on`
        // (`Handle::block_on` polls just its own future): one dedicated, JVM-attached
        // thread owns it and drives it forever.
        Flavor::CurrentThread => {
            std::thread::Builder::new()
                .name("ferry-tokio-driver".into())
                .spawn(move || {
                    crate::jvm::attach_current_thread();
                    runtime.block_on(std::future::pending::<()>());
                })
                .expect("ferry: cannot start the Tokio driver thread");
        }
    }
    (handle, config.flavor)
}
