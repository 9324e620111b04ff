//! Why a call did not return normally, in the core's own terms. Each face maps these to
//! its platform's errors (the JNI face: `RustPanicException`, `IllegalArgumentException`,
//! `IllegalStateException`).

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// Rust code panicked; the panic message.
    Panic(String),
    /// An argument could not be lifted (malformed wire data, invalid UTF-8, a null array).
    InvalidArgument(String),
    /// The call cannot run in this state (a closed object, a stale or wrong-type handle).
    InvalidState(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Panic(message) => write!(f, "panicked: {message}"),
            CallError::InvalidArgument(message) | CallError::InvalidState(message) => f.write_str(message),
        }
    }
}

impl From<WireError> for CallError {
    fn from(e: WireError) -> Self {
        CallError::InvalidArgument(e.to_string())
    }
}
