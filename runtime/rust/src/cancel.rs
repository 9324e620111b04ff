//! `ferry::CancellationToken`: the cooperative half of cancellation.
//!
//! Cancelling a Kotlin caller drops the Rust future at its next await point. Work that
//! does not await (a blocking loop, `spawn_blocking`, CPU work) takes a token as a
//! parameter and checks it; the bridge cancels the token before dropping the future.

/// Cancelled when the Kotlin coroutine that made the call is cancelled.
#[derive(Clone, Debug, Default)]
pub struct CancellationToken(tokio_util::sync::CancellationToken);

impl CancellationToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// True once the Kotlin caller was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Completes when the Kotlin caller is cancelled.
    pub async fn cancelled(&self) {
        self.0.cancelled().await
    }

    /// Cancels the token. The bridge calls this; user code may too, to stop its own work.
    pub fn cancel(&self) {
        self.0.cancel()
    }
}
