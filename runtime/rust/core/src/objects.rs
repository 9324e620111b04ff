//! Objects passed to Kotlin by handle (`#[ferry::export(object)]`).
//!
//! Every object handed to Kotlin gets its own handle: a slot in one generation-checked
//! table holding a type-erased `Arc<dyn Any + Send + Sync>`. Two handles to the same Rust
//! value hold two `Arc`s, so closing one never frees what the other still owns.
//!
//! - A call clones the `Arc` out of the table when it starts ([`get`]), so a call in
//!   flight keeps the value alive even if Kotlin closes the handle meanwhile; the Rust
//!   value drops when its last `Arc` (handle or call) is gone.
//! - A stale, forged, double-freed or wrong-type handle is an error
//!   (`IllegalStateException` in Kotlin), never undefined behaviour: the table checks the
//!   generation and [`get`] checks the type with a downcast.
//! - [`live`] is the number of handles not yet released (`FerryDiagnostics.liveObjects()`).

use crate::handles::HandleTable;
use crate::error::CallError;
use std::any::Any;
use std::sync::Arc;

type Erased = Arc<dyn Any + Send + Sync>;

crate::sync::model_static! {
    static OBJECTS: HandleTable<Erased> = HandleTable::new();
}

/// Registers a new handle owning one `Arc` of `value`. Never returns 0.
pub fn register<T: Any + Send + Sync>(value: Arc<T>) -> i64 {
    let handle = OBJECTS.insert(value as Erased) as i64;
    note_tracked(handle);
    handle
}

/// Marks a frame ring end among a result's tracked handles. Handles never set the top bit
/// (their generations use 31 bits, see [`crate::handles`]), so the tag cannot be an object's.
const RING_END: i64 = i64::MIN;

/// A ring end handed to Kotlin inside a result ([`crate::frames::hand_over_reader`]): like an
/// object, it must be closed if the result never reaches its caller (a cancelled call).
pub(crate) fn track_ring_end(handle: u64) {
    note_tracked(handle as i64 | RING_END);
}

fn note_tracked(handle: i64) {
    TRACKED.with(|t| {
        if let Some(list) = t.borrow_mut().as_mut() {
            list.push(handle);
        }
    });
}

thread_local! {
    static TRACKED: std::cell::RefCell<Option<Vec<i64>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` and returns the handles it registered: the objects (and frame ring ends) inside
/// a result, which must be released if the result never reaches its Kotlin caller. Nests,
/// and restores the outer tracking even if `f` unwinds. Pass the handles to [`release_all`]
/// in Rust or to [`release`] from Kotlin (`releaseObject`), which tell the two kinds apart.
pub fn track<R>(f: impl FnOnce() -> R) -> (R, Vec<i64>) {
    struct Restore(Option<Option<Vec<i64>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                TRACKED.with(|t| *t.borrow_mut() = outer);
            }
        }
    }
    let mut restore = Restore(Some(TRACKED.with(|t| t.borrow_mut().replace(Vec::new()))));
    let result = f();
    let outer = restore.0.take().expect("set above");
    let handles = TRACKED.with(|t| std::mem::replace(&mut *t.borrow_mut(), outer)).unwrap_or_default();
    (result, handles)
}

/// Releases the handles of a result that will never reach Kotlin (the call failed or was
/// cancelled after the result was built). A panicking `Drop` neither stops the loop nor
/// escapes: Rust's panic hook has already reported it, and there is no caller to tell.
pub fn release_all(handles: &[i64]) {
    for &handle in handles {
        let _ = release(handle);
    }
}

/// The value behind `handle` if it is live and holds a `T`.
pub fn lookup<T: Any + Send + Sync>(handle: i64) -> Result<Arc<T>, LookupError> {
    let erased = OBJECTS.with(handle as u64, Arc::clone).ok_or(LookupError::Closed)?;
    erased.downcast::<T>().map_err(|_| LookupError::WrongType)
}

/// Why a handle did not resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupError {
    /// Released (closed or cleaned), never issued, or forged.
    Closed,
    /// A live handle of another object type.
    WrongType,
}

/// [`lookup`] for the generated glue: failures are [`CallError::InvalidState`] (each face
/// turns that into its platform's error, `IllegalStateException` on the JVM).
pub fn get<T: Any + Send + Sync>(handle: i64, type_name: &str) -> Result<Arc<T>, CallError> {
    lookup::<T>(handle).map_err(|e| match e {
        LookupError::Closed => CallError::InvalidState(format!("{type_name} is closed (or the handle is invalid)")),
        LookupError::WrongType => CallError::InvalidState(format!("handle does not refer to a {type_name}")),
    })
}

/// A second handle to the value behind `handle` (one more `Arc` of it): how Kotlin hands an
/// object it holds to Rust when Rust is to own the reference (a callback's result), so the
/// Kotlin object may be collected at once. Rust takes the new handle with [`take`].
pub fn share(handle: i64) -> Result<i64, CallError> {
    let erased = OBJECTS.with(handle as u64, Arc::clone).ok_or_else(|| CallError::InvalidState("the object is closed (or the handle is invalid)".into()))?;
    Ok(OBJECTS.insert(erased) as i64)
}

/// Removes `handle` and returns its value: the owning counterpart of [`get`], for handles
/// made for Rust by [`share`]. A wrong-type handle is released all the same.
pub fn take<T: Any + Send + Sync>(handle: i64, type_name: &str) -> Result<Arc<T>, CallError> {
    let erased = OBJECTS.remove(handle as u64).ok_or_else(|| CallError::InvalidState(format!("{type_name} is closed (or the handle is invalid)")))?;
    match erased.downcast::<T>() {
        Ok(value) => Ok(value),
        Err(other) => {
            let _ = crate::panics::catch(move || drop(other));
            Err(CallError::InvalidState(format!("handle does not refer to a {type_name}")))
        }
    }
}

/// Releases a handle: `Ok(false)` if it was already released or never valid. A tracked
/// ring end (see [`track`]) is closed instead. The Rust
/// value drops here (on the calling thread) when this was its last `Arc`, outside the
/// table's lock, so a `Drop` may itself use objects. A panic in that `Drop` is caught and
/// returned as `Err(message)`; the handle is released all the same.
pub fn release(handle: i64) -> Result<bool, String> {
    if handle & RING_END != 0 {
        // Closing a ring end runs no user code: it marks the side closed and wakes the other.
        return Ok(crate::frames::close(handle & !RING_END));
    }
    let removed = OBJECTS.remove(handle as u64);
    let released = removed.is_some();
    crate::panics::catch(move || drop(removed))?;
    Ok(released)
}

/// Handles not yet released.
pub fn live() -> usize {
    OBJECTS.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    struct Tracked;
    impl Drop for Tracked {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn handles_own_arcs_and_reject_misuse() {
        let value = Arc::new(Tracked);
        let a = register(Arc::clone(&value));
        let b = register(value);
        assert_ne!(a, b);
        assert!(lookup::<Tracked>(a).is_ok());
        assert_eq!(lookup::<String>(a).err(), Some(LookupError::WrongType));
        let in_flight = lookup::<Tracked>(b).unwrap();
        assert_eq!(release(a), Ok(true));
        assert_eq!(release(a), Ok(false), "double free is reported, not UB");
        assert_eq!(lookup::<Tracked>(a).err(), Some(LookupError::Closed));
        assert_eq!(release(b), Ok(true));
        assert_eq!(DROPS.load(Ordering::SeqCst), 0, "a call in flight keeps the value");
        drop(in_flight);
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
        assert_eq!(lookup::<Tracked>(0).err(), Some(LookupError::Closed));
    }

    #[test]
    fn a_ring_end_inside_a_result_is_tracked_and_closed_when_the_result_is_dropped() {
        for from_kotlin in [false, true] {
            let (mut producer, consumer) = crate::frames::ring(8, 2);
            let (handle, tracked) = track(|| crate::frames::hand_over_reader(&consumer));
            drop(consumer); // handed over: its drop no longer closes the reading side
            assert_eq!(tracked.len(), 1);
            assert!(tracked[0] < 0, "a ring end is tagged, never taken for an object");
            assert!(producer.try_reserve().is_ok(), "Kotlin's side is open until released");
            if from_kotlin {
                assert_eq!(release(tracked[0]), Ok(true), "releaseObject closes a tagged ring end");
            } else {
                release_all(&tracked);
            }
            assert!(producer.try_reserve().is_err(), "the producer sees the close");
            assert!(!crate::frames::close(handle as i64), "the handle is gone");
            assert_eq!(release(tracked[0]), Ok(false), "a second release finds nothing");
        }
    }

    #[test]
    fn a_shared_handle_is_taken_once_and_survives_the_original() {
        let value = Arc::new(7u32);
        let original = register(Arc::clone(&value));
        let shared = share(original).unwrap();
        assert_ne!(original, shared);
        assert_eq!(release(original), Ok(true), "Kotlin may drop its object at once");
        let taken = take::<u32>(shared, "Seven").unwrap();
        assert!(Arc::ptr_eq(&taken, &value));
        assert!(take::<u32>(shared, "Seven").is_err(), "taken once");
        assert!(share(original).is_err(), "a released handle cannot be shared");
        let byte = register(Arc::new(1u8));
        let wrong = share(byte).unwrap();
        assert!(matches!(take::<u32>(wrong, "Seven"), Err(CallError::InvalidState(_))));
        assert!(lookup::<u8>(wrong).is_err(), "a wrong-type take still releases the handle");
        assert_eq!(release(byte), Ok(true));
    }
}
