//! ferry's runtime, as user crates see it: the platform-neutral core (`ferry-core`), the
//! JNI face (`ferry-jni`, as [`jvm`]) and the marker attributes (`ferry-macros`). The
//! generated glue names everything through this crate, so a user crate depends on `ferry`
//! alone and never sees the split.
//!
//! - [`runtime`]: the Tokio runtime ferry owns (multi-thread by default).
//! - [`calls`]: async calls from Kotlin: spawn, cancel, complete once.
//! - [`handles`]: generation-checked handle tables (stale or forged handles are errors).
//! - [`streams`]: Rust streams behind Kotlin Flows, with credit-based backpressure.
//! - [`objects`]: the handle registry behind `#[ferry::export(object)]` Kotlin classes.
//! - [`wire`]: the compact little-endian format compound values cross in.
//! - [`jvm`]: the JNI face: `JNI_OnLoad` caching, upcalls, throwing.
//! - [`CancellationToken`]: cancelled when the Kotlin caller is cancelled.
//!
//! Users only write `ferry::include_glue!()` and the `#[ferry::export]` attributes.

pub use ferry_core::{calls, cancel, diagnostics, error, handles, objects, panics, runtime, streams, wire};
pub use ferry_core::{CallError, CancellationToken};
pub use ferry_jni as jvm;
pub use ferry_macros::{export, include_glue};

/// Re-exports the generated glue relies on, so a user crate needs no direct dependency
/// on `jni` or `tokio` of a matching version.
#[doc(hidden)]
pub mod __private {
    pub use ferry_jni::jni;
}
