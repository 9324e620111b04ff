//! Byte slices a sync call borrows from its caller's memory (`&[u8]` read in place, `&mut
//! [u8]` written in place): a pinned Kotlin/Native `ByteArray`, a direct `ByteBuffer`.
//!
//! Borrowing instead of copying means two arguments can name the same memory: the same
//! array passed twice, or two views of one buffer. Rust forbids a `&mut [u8]` that overlaps
//! any other live slice, so a call whose writable slice overlaps another argument is refused
//! before the user's fn runs (IllegalArgumentException), never handed to it.

use crate::CallError;

/// Checks that no writable slice overlaps another slice of the same call. `slices` are
/// `(address, length, writable)`; empty slices overlap nothing.
pub fn disjoint(slices: &[(usize, usize, bool)]) -> Result<(), CallError> {
    for (i, &(a, a_len, a_mut)) in slices.iter().enumerate() {
        for &(b, b_len, b_mut) in &slices[i + 1..] {
            let overlap = a_len > 0 && b_len > 0 && a < b + b_len && b < a + a_len;
            if overlap && (a_mut || b_mut) {
                return Err(CallError::InvalidArgument(
                    "a writable byte slice (&mut [u8]) overlaps another byte argument of the same call: pass separate arrays or buffers".into(),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::disjoint;

    #[test]
    fn overlapping_writable_slices_are_refused_and_reads_may_share() {
        assert!(disjoint(&[(100, 10, false), (105, 10, false)]).is_ok());
        assert!(disjoint(&[(100, 10, true), (110, 10, false)]).is_ok());
        assert!(disjoint(&[(100, 10, true), (109, 10, false)]).is_err());
        assert!(disjoint(&[(100, 10, false), (95, 6, true)]).is_err());
        assert!(disjoint(&[(100, 0, true), (100, 10, true)]).is_ok());
        assert!(disjoint(&[(100, 4, true)]).is_ok());
    }
}
