//! ferry's platform-neutral core: everything the generated glue needs that is not about
//! one foreign runtime. It knows no JNI and no C ABI; the faces (`ferry-jni` for the JVM and
//! Android, `ferry-cabi` for Kotlin/Native) adapt it, and depend on it, never the other way round.
//!
//! - [`runtime`]: the Tokio runtime ferry owns, with the faces' [`runtime::ThreadHooks`].
//! - [`affine`]: thread-affine objects: a value living on its own thread.
//! - [`calls`]: async calls: first poll, spawn, cancel, complete exactly once.
//! - [`callbacks`]: Rust calling Kotlin implementations of callback traits.
//! - [`completion`]: the completion protocol both faces speak (id flags, status, payload).
//! - [`cancel`]: [`CancellationToken`], cancelled when the foreign caller is cancelled.
//! - [`handles`]: generation-checked handle tables (stale or forged handles are errors).
//! - [`objects`]: the handle registry behind exported objects.
//! - [`streams`]: Rust streams behind foreign Flows, with credit-based backpressure.
//! - [`wire`]: the compact little-endian format compound values cross in.
//! - [`panics`], [`error`]: panics caught at the bridge and the errors a call can end with.
//! - [`diagnostics`]: the leak counters.
//!
//! Inside the core the arrows point one way: `wire panics handles cancel error` ←
//! `runtime` ← `objects` ← `calls streams` ← `completion diagnostics`.

pub mod affine;
pub mod byte_views;
pub mod callbacks;
pub mod calls;
pub mod cancel;
pub mod completion;
pub mod diagnostics;
pub mod error;
pub mod frames;
pub mod handles;
pub mod objects;
pub mod panics;
pub mod runtime;
pub mod streams;
mod sync;
pub mod wire;

pub use cancel::CancellationToken;
pub use error::CallError;

/// The protocol the runtimes and the generated code speak: how calls start, complete and
/// cancel, and how their results are encoded. It changes whenever one side could misread
/// the other (ADR 0010's inline values were such a change), and the Kotlin runtime
/// (`FERRY_PROTOCOL` in `dev.ferry`) and the generator (`RUNTIME_PROTOCOL`) change with it:
/// the generator's tests read all three. Generated glue fails to build against a `ferry`
/// crate of another protocol, and generated Kotlin fails to load on a `dev.ferry` runtime of
/// another one, so a mixed set can never wait on a completion it cannot read.
pub const PROTOCOL: u32 = 6;
