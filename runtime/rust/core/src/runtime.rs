//! The Tokio runtime ferry runs calls, streams and callbacks on: one per library.
//!
//! Created once, on the first call that needs it. What it is, first setting wins:
//! 1. the JVM system properties `ferry.tokio.flavor` (`multi_thread` or `current_thread`)
//!    and `ferry.tokio.workers`, which the JNI face passes to [`configure`];
//! 2. the environment variables `FERRY_TOKIO_FLAVOR` / `FERRY_TOKIO_WORKERS`;
//! 3. the crate's own [`RuntimeConfig`], from its `#[ferry::runtime]` fn (registered by the
//!    glue through [`set_provider`] when the library loads);
//! 4. the defaults: multi-thread, one worker per core, threads named `ferry-tokio`.
//!
//! The overrides (1, 2) touch the flavour and the worker count only; a crate that hands
//! over a runtime of its own ([`RuntimeConfig::from_handle`]) is used as it is.
//!
//! Every thread of a runtime ferry builds runs the face's [`ThreadHooks`] when it starts
//! and stops (the JNI face attaches it to the JVM once, as a daemon), then the crate's own
//! hooks, so completing a call never attaches a thread. Threads of a handed-over runtime
//! were started by someone else: the faces attach them lazily, on their first upcall, and
//! detach them when the thread exits (a thread-local guard in the JNI face).
//!
//! [`shutdown`] stops a runtime ferry built (its threads end, and detach), or lets go of a
//! handed-over one; either way later calls fail with [`RuntimeStopped`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::runtime::{Builder, Handle, Runtime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    MultiThread,
    CurrentThread,
}

/// The overrides from outside the crate (system properties, environment): each field that
/// is `None` leaves the crate's choice (or the default) alone.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub flavor: Option<Flavor>,
    /// `None`: not set here.
    pub workers: Option<usize>,
}

type Hook = Arc<dyn Fn() + Send + Sync>;

/// The runtime a crate asks for, returned by its `#[ferry::runtime]` fn:
///
/// ```ignore
/// #[ferry::runtime]
/// fn runtime() -> ferry::RuntimeConfig {
///     ferry::RuntimeConfig::multi_thread().worker_threads(2).thread_name("vault-io")
/// }
/// ```
///
/// or one the application already runs: `ferry::RuntimeConfig::from_handle(handle)`.
#[derive(Clone, Default)]
pub struct RuntimeConfig {
    flavor: Option<Flavor>,
    workers: Option<usize>,
    thread_name: Option<String>,
    on_start: Option<Hook>,
    on_stop: Option<Hook>,
    handle: Option<Handle>,
}

impl RuntimeConfig {
    /// Tokio's multi-thread runtime (the default flavour).
    pub fn multi_thread() -> Self {
        RuntimeConfig { flavor: Some(Flavor::MultiThread), ..Default::default() }
    }

    /// One thread that runs every task (ferry starts it and drives the runtime there).
    pub fn current_thread() -> Self {
        RuntimeConfig { flavor: Some(Flavor::CurrentThread), ..Default::default() }
    }

    /// The worker count of a multi-thread runtime (Tokio's default: one per core).
    pub fn worker_threads(mut self, workers: usize) -> Self {
        self.workers = Some(workers.max(1));
        self
    }

    /// The name of the runtime's threads, workers and blocking pool alike (default `ferry-tokio`).
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = Some(name.into());
        self
    }

    /// Runs on every runtime thread as it starts, after the face's hook (on the JVM the
    /// thread is attached already, so the hook may call into Kotlin).
    pub fn on_thread_start(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_start = Some(Arc::new(hook));
        self
    }

    /// Runs on every runtime thread as it stops, before the face's hook detaches it.
    pub fn on_thread_stop(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_stop = Some(Arc::new(hook));
        self
    }

    /// A runtime the application already runs. ferry spawns on it and never stops it; the
    /// other settings and the overrides do not apply. A current-thread runtime runs ferry's
    /// tasks only while the application drives it (`Runtime::block_on`).
    pub fn from_handle(handle: Handle) -> Self {
        RuntimeConfig { handle: Some(handle), ..Default::default() }
    }
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
static PROVIDER: OnceLock<fn() -> RuntimeConfig> = OnceLock::new();
static RUNTIME: OnceLock<(Handle, Flavor)> = OnceLock::new();
/// The runtime ferry built, for [`shutdown`] to stop (nothing for a handed-over one).
static OWNED: Mutex<Option<Owned>> = Mutex::new(None);
static STOPPED: AtomicBool = AtomicBool::new(false);

enum Owned {
    Runtime(Runtime),
    /// A current-thread runtime lives on its driver thread; the sender ends the drive.
    Driver(tokio::sync::oneshot::Sender<Duration>, std::thread::JoinHandle<()>),
}

/// Installs the thread hooks; only the first call counts, and only before the runtime
/// exists (returns false otherwise).
pub fn set_thread_hooks(hooks: ThreadHooks) -> bool {
    RUNTIME.get().is_none() && HOOKS.set(hooks).is_ok()
}

/// Registers the crate's `#[ferry::runtime]` fn (the glue does, when the library loads);
/// it is called once, when the runtime is first needed. Only the first call counts.
pub fn set_provider(provider: fn() -> RuntimeConfig) -> bool {
    RUNTIME.get().is_none() && PROVIDER.set(provider).is_ok()
}

fn face_start() {
    if let Some(hooks) = HOOKS.get() {
        (hooks.start)();
    }
}

fn face_stop() {
    if let Some(hooks) = HOOKS.get() {
        (hooks.stop)();
    }
}

/// Sets the overrides; has no effect once the runtime exists (returns false then).
pub fn configure(config: Config) -> bool {
    if RUNTIME.get().is_some() {
        return false;
    }
    *CONFIG.lock().unwrap_or_else(|e| e.into_inner()) = Some(config);
    true
}

/// Parses the textual settings used by both the JVM properties and the environment.
pub fn config_from_settings(flavor: Option<&str>, workers: Option<&str>) -> Config {
    let flavor = flavor.map(|f| match f.trim() {
        "current_thread" | "current-thread" => Flavor::CurrentThread,
        _ => Flavor::MultiThread,
    });
    let workers = workers.and_then(|w| w.trim().parse::<usize>().ok()).filter(|&w| w > 0);
    Config { flavor, workers }
}

/// The crate's config with the overrides applied: system properties, then environment.
fn resolved() -> RuntimeConfig {
    let mut config = PROVIDER.get().map(|provide| provide()).unwrap_or_default();
    let configured = CONFIG.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default();
    let env = config_from_settings(
        std::env::var("FERRY_TOKIO_FLAVOR").ok().as_deref(),
        std::env::var("FERRY_TOKIO_WORKERS").ok().as_deref(),
    );
    config.flavor = configured.flavor.or(env.flavor).or(config.flavor);
    config.workers = configured.workers.or(env.workers).or(config.workers);
    config
}

/// The runtime's handle, creating the runtime on first use.
pub fn handle() -> &'static Handle {
    &RUNTIME.get_or_init(build).0
}

pub fn flavor() -> Flavor {
    RUNTIME.get_or_init(build).1
}

/// Why a call fails once [`shutdown`] ran.
#[derive(Debug, Clone, Copy)]
pub struct RuntimeStopped;

impl std::fmt::Display for RuntimeStopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ferry: this library was shut down; no call can start any more")
    }
}

/// `Err(InvalidState)` (Kotlin's `IllegalStateException`) once the library was shut down:
/// the glue checks it before starting an async call or a stream.
pub fn ensure_running() -> Result<(), crate::error::CallError> {
    if STOPPED.load(Ordering::Acquire) {
        Err(crate::error::CallError::InvalidState(RuntimeStopped.to_string()))
    } else {
        Ok(())
    }
}

pub fn is_stopped() -> bool {
    STOPPED.load(Ordering::Acquire)
}

fn build() -> (Handle, Flavor) {
    let config = resolved();
    if let Some(handle) = config.handle {
        let flavor = match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::CurrentThread => Flavor::CurrentThread,
            _ => Flavor::MultiThread,
        };
        return (handle, flavor);
    }
    let flavor = config.flavor.unwrap_or(Flavor::MultiThread);
    let mut builder = match flavor {
        Flavor::MultiThread => {
            let mut b = Builder::new_multi_thread();
            if let Some(w) = config.workers {
                b.worker_threads(w);
            }
            b
        }
        Flavor::CurrentThread => Builder::new_current_thread(),
    };
    // The face's hook first (the thread can reach Kotlin), the crate's after it; on the
    // way out in reverse.
    let (user_start, user_stop) = (config.on_start.clone(), config.on_stop.clone());
    let on_start = move || {
        face_start();
        crate::completion::batch_on_this_thread();
        if let Some(hook) = &user_start {
            hook();
        }
    };
    let on_stop = move || {
        // Completions still in the batch go out while this thread can still reach Kotlin.
        crate::completion::flush_batch();
        if let Some(hook) = &user_stop {
            hook();
        }
        face_stop();
    };
    let name = config.thread_name.clone().unwrap_or_else(|| "ferry-tokio".into());
    builder
        .enable_all()
        .thread_name(name.clone())
        .on_thread_start(on_start.clone())
        .on_thread_stop(on_stop.clone())
        // A thread about to park has nothing left to run: the batch goes out now rather
        // than at the flusher's turn (both flavours run this hook).
        .on_thread_park(crate::completion::flush_batch);
    let runtime = builder.build().expect("ferry: cannot start the Tokio runtime");
    let handle = runtime.handle().clone();
    let owned = match flavor {
        Flavor::MultiThread => Owned::Runtime(runtime),
        // A current-thread runtime runs spawned tasks only inside `Runtime::block_on`
        // (`Handle::block_on` polls just its own future): one dedicated, JVM-attached
        // thread owns it and drives it until `shutdown`.
        Flavor::CurrentThread => {
            let (stop, stopped) = tokio::sync::oneshot::channel::<Duration>();
            let thread = std::thread::Builder::new()
                .name(format!("{name}-driver"))
                .spawn(move || {
                    on_start();
                    let timeout = runtime.block_on(stopped).unwrap_or(Duration::ZERO);
                    runtime.shutdown_timeout(timeout);
                    on_stop();
                })
                .expect("ferry: cannot start the Tokio driver thread");
            Owned::Driver(stop, thread)
        }
    };
    *OWNED.lock().unwrap_or_else(|e| e.into_inner()) = Some(owned);
    (handle, flavor)
}

/// The first step of a shutdown: from now on no call starts ([`ensure_running`] fails).
/// Returns false when a shutdown already began.
pub fn begin_stop() -> bool {
    !STOPPED.swap(true, Ordering::AcqRel)
}

/// The last step of a shutdown (after [`begin_stop`] and cancelling what runs): a runtime
/// ferry built is shut down, its tasks dropped at once (their callers get
/// `CancellationException`), its threads ended (and detached); blocking work still running
/// after `timeout` is left to finish on its own. A handed-over runtime keeps running:
/// ferry only lets go of it.
///
/// Blocks up to `timeout`: `crate::completion::shutdown` runs it on a thread of its own.
pub fn stop(timeout: Duration) {
    let owned = OWNED.lock().unwrap_or_else(|e| e.into_inner()).take();
    match owned {
        Some(Owned::Runtime(runtime)) => runtime.shutdown_timeout(timeout),
        Some(Owned::Driver(stop, thread)) => {
            let _ = stop.send(timeout);
            let _ = thread.join();
        }
        None => {}
    }
}

#[cfg(all(test, not(ferry_loom)))]
mod tests {
    use super::*;

    #[test]
    fn overrides_take_the_flavour_and_workers_only_when_set() {
        let none = config_from_settings(None, None);
        assert!(none.flavor.is_none() && none.workers.is_none());
        let set = config_from_settings(Some(" current-thread "), Some("3"));
        assert_eq!(set.flavor, Some(Flavor::CurrentThread));
        assert_eq!(set.workers, Some(3));
        assert_eq!(config_from_settings(Some("x"), Some("0")).flavor, Some(Flavor::MultiThread));
        assert!(config_from_settings(None, Some("0")).workers.is_none());
    }
}
