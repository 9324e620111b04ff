//! The Tokio runtime ferry owns.
//!
//! Created once, on the first async call. Configured (before that first call) through
//! [`configure`] (the JNI face passes the JVM system properties `ferry.tokio.flavor`:
//! `multi_thread`, the default, or `current_thread`, and `ferry.tokio.workers`), or by the
//! environment variables `FERRY_TOKIO_FLAVOR` / `FERRY_TOKIO_WORKERS`. Every runtime
//! thread runs the face's [`ThreadHooks`] when it starts and stops (the JNI face attaches it
//! to the JVM once, as a daemon), so completing a call never attaches a thread.

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

/// What each runtime thread does when it starts and stops: a face installs these (the JNI
/// face attaches the thread to the JVM once, as a daemon), so completing a call from a
/// runtime thread never needs to attach it.
#[derive(Clone, Copy, Debug)]
pub struct ThreadHooks {
    pub start: fn(),
    pub stop: fn(),
}

static CONFIG: Mutex<Option<Config>> = Mutex::new(None);
static HOOKS: OnceLock<ThreadHooks> = OnceLock::new();

/// Installs the thread hooks; only the first call counts, and only before the runtime
/// exists (returns false otherwise).
pub fn set_thread_hooks(hooks: ThreadHooks) -> bool {
    RUNTIME.get().is_none() && HOOKS.set(hooks).is_ok()
}

fn on_start() {
    if let Some(hooks) = HOOKS.get() {
        (hooks.start)();
    }
}

fn on_stop() {
    if let Some(hooks) = HOOKS.get() {
        (hooks.stop)();
    }
}
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
        .on_thread_start(on_start)
        .on_thread_stop(on_stop);
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
                    on_start();
                    runtime.block_on(std::future::pending::<()>());
                })
                .expect("ferry: cannot start the Tokio driver thread");
        }
    }
    (handle, config.flavor)
}
