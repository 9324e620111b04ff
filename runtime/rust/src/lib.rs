//! ferry's runtime, as user crates see it: the platform-neutral core (`ferry-core`), the
//! JNI face (`ferry-jni`, as [`jvm`]), the C ABI face (`ferry-cabi`, as [`cabi`]) and the marker attributes (`ferry-macros`). The
//! generated glue names everything through this crate, so a user crate depends on `ferry`
//! alone and never sees the split.
//!
//! - [`runtime`]: the Tokio runtime ferry owns (multi-thread by default), or the crate's
//!   own: a `#[ferry::runtime]` fn returning a [`RuntimeConfig`].
//! - [`calls`]: async calls from Kotlin: spawn, cancel, complete once.
//! - [`handles`]: generation-checked handle tables (stale or forged handles are errors).
//! - [`affine`]: thread-affine objects, each value on a thread of its own.
//! - [`streams`]: Rust streams behind Kotlin Flows, with credit-based backpressure.
//! - [`objects`]: the handle registry behind `#[ferry::export(object)]` Kotlin classes.
//! - [`callbacks`]: Rust calling Kotlin implementations of `#[ferry::export(callback)]` traits.
//! - [`wire`]: the compact little-endian format compound values cross in.
//! - [`jvm`]: the JNI face: `JNI_OnLoad` caching, upcalls, throwing.
//! - [`cabi`]: the C ABI face for Kotlin/Native: C types, status codes, function-pointer upcalls.
//! - [`CancellationToken`]: cancelled when the Kotlin caller is cancelled.
//!
//! Users only write `ferry::include_glue!()` and the `#[ferry::export]` attributes.

pub use ferry_core::{affine, callbacks, calls, cancel, completion, diagnostics, error, frames, handles, objects, panics, runtime, streams, wire};
pub use ferry_core::byte_views;
pub use ferry_core::{CallError, CancellationToken};
pub use ferry_core::runtime::RuntimeConfig;
pub use ferry_jni as jvm;
pub use ferry_cabi as cabi;
pub use ferry_macros::{export, include_glue, runtime};

/// Re-exports the generated glue relies on, so a user crate needs no direct dependency
/// on `jni` or `tokio` of a matching version.
#[doc(hidden)]
pub mod __private {
    pub use ferry_jni::jni;
    /// The generated proxies of async callback traits implement them with it, as the
    /// user's trait declaration does.
    pub use async_trait::async_trait;

    /// Implemented by every function whose parameters are `Args` (a tuple).
    pub trait GlueSignature<Args> {}

    /// The check the glue makes for each exported function and method, with the parameter
    /// types it was generated from. When the function changed since, rustc's error shows
    /// the (short) line calling this, whose name says what happened and what to do.
    pub fn if_this_fails_the_glue_is_out_of_date_run_ferry_generate<Args, F: GlueSignature<Args>>(_: F) {}

    macro_rules! glue_signature {
        ($($arg:ident),*) => {
            impl<F, R, $($arg),*> GlueSignature<($($arg,)*)> for F where F: Fn($($arg),*) -> R {}
        };
    }
    glue_signature!();
    glue_signature!(A1);
    glue_signature!(A1, A2);
    glue_signature!(A1, A2, A3);
    glue_signature!(A1, A2, A3, A4);
    glue_signature!(A1, A2, A3, A4, A5);
    glue_signature!(A1, A2, A3, A4, A5, A6);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15);
    glue_signature!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16);
}
