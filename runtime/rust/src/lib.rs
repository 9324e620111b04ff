//! The runtime half of ferry: what the generated Rust glue calls.
//!
//! - [`runtime`]: the Tokio runtime ferry owns (multi-thread by default).
//! - [`calls`]: async calls from Kotlin: spawn, cancel, complete once.
//! - [`handles`]: generation-checked handle tables (stale or forged handles are errors).
//! - [`streams`]: Rust streams behind Kotlin Flows, with credit-based backpressure.
//! - [`objects`]: the handle registry behind `#[ferry::export(object)]` Kotlin classes.
//! - [`wire`]: the compact little-endian format compound values cross in.
//! - [`jvm`]: the JNI layer: `JNI_OnLoad` caching, upcalls, throwing.
//! - [`CancellationToken`]: cancelled when the Kotlin caller is cancelled.
//!
//! Users only write `ferry::include_glue!()` and the `#[ferry::export]` attributes.

pub mod calls;
pub mod cancel;
pub mod diagnostics;
pub mod handles;
pub mod jvm;
pub mod objects;
pub mod panics;
pub mod runtime;
pub mod streams;
mod sync;
pub mod wire;

pub use cancel::CancellationToken;
pub use ferry_macros::{export, include_glue};

/// Re-exports the generated glue relies on, so a user crate needs no direct dependency
/// on `jni` or `tokio` of a matching version.
#[doc(hidden)]
pub mod __private {
    pub use jni;
}
