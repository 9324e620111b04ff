//! Generation-checked handle tables.
//!
//! A handle is `generation << 32 | slot`. A slot's generation changes every time it is
//! freed, so a stale, double-freed or forged handle never reaches another value: it is
//! reported as `None`, which the JNI layer turns into an exception. Generation 0 is never
//! issued, so the handle 0 (Kotlin's "no handle") is always invalid. Generations use 31
//! bits, so a handle is never negative as an `i64`: the top bit is free for a tag
//! ([`crate::objects::track`] marks the ring ends a result holds with it).

use crate::sync::{Mutex, MutexGuard};

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

pub struct HandleTable<T> {
    inner: Mutex<Inner<T>>,
}

struct Inner<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    live: usize,
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> HandleTable<T> {
    #[cfg(not(ferry_loom))]
    pub const fn new() -> Self {
        Self { inner: Mutex::new(Inner { slots: Vec::new(), free: Vec::new(), live: 0 }) }
    }

    /// Under loom: not const (loom's `Mutex::new` is not), see [`crate::sync`].
    #[cfg(ferry_loom)]
    pub fn new() -> Self {
        Self { inner: Mutex::new(Inner { slots: Vec::new(), free: Vec::new(), live: 0 }) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // A panic while holding the lock cannot leave a slot half-written (every update is
        // a single assignment), so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn insert(&self, value: T) -> u64 {
        let mut inner = self.lock();
        inner.live += 1;
        if let Some(index) = inner.free.pop() {
            let slot = &mut inner.slots[index as usize];
            slot.value = Some(value);
            return handle(slot.generation, index);
        }
        let index = inner.slots.len() as u32;
        inner.slots.push(Slot { generation: 1, value: Some(value) });
        handle(1, index)
    }

    /// Runs `f` on the value behind `handle`, or returns `None` for an invalid handle.
    pub fn with<R>(&self, handle: u64, f: impl FnOnce(&T) -> R) -> Option<R> {
        let inner = self.lock();
        let (generation, index) = split(handle);
        match inner.slots.get(index as usize) {
            Some(slot) if slot.generation == generation => slot.value.as_ref().map(f),
            _ => None,
        }
    }

    /// Removes and returns the value; `None` if the handle is stale, forged or freed.
    pub fn remove(&self, handle: u64) -> Option<T> {
        let mut inner = self.lock();
        let (generation, index) = split(handle);
        let slot = inner.slots.get_mut(index as usize)?;
        if slot.generation != generation || slot.value.is_none() {
            return None;
        }
        let value = slot.value.take();
        // Wraps within 31 bits (see the module doc) and skips 0, so a handle is never 0.
        slot.generation = (slot.generation.wrapping_add(1) & MAX_GENERATION).max(1);
        inner.free.push(index);
        inner.live -= 1;
        value
    }

    /// The live handles, at one moment (for closing everything at shutdown).
    pub fn handles(&self) -> Vec<u64> {
        let inner = self.lock();
        inner.slots.iter().enumerate().filter(|(_, s)| s.value.is_some()).map(|(i, s)| handle(s.generation, i as u32)).collect()
    }

    pub fn len(&self) -> usize {
        self.lock().live
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The largest generation: 31 bits, so the handle's top bit stays clear.
const MAX_GENERATION: u32 = u32::MAX >> 1;

fn handle(generation: u32, index: u32) -> u64 {
    (u64::from(generation) << 32) | u64::from(index)
}

fn split(handle: u64) -> (u32, u32) {
    ((handle >> 32) as u32, handle as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_and_forged_handles_are_rejected() {
        let table = HandleTable::new();
        let a = table.insert("a");
        assert_eq!(table.with(a, |v| *v), Some("a"));
        assert_eq!(table.remove(a), Some("a"));
        assert_eq!(table.remove(a), None, "double free");
        let b = table.insert("b");
        assert_ne!(a, b, "slot reuse changes the handle");
        assert_eq!(table.with(a, |v| *v), None, "stale handle");
        assert_eq!(table.with(0, |v| *v), None, "zero handle");
        assert_eq!(table.with(b ^ (1 << 40), |v| *v), None, "forged generation");
        assert_eq!(table.with(12345, |v| *v), None, "forged slot");
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn generations_wrap_within_31_bits_and_skip_zero() {
        let table = HandleTable::new();
        let a = table.insert(1);
        table.lock().slots[0].generation = MAX_GENERATION;
        let oldest = handle(MAX_GENERATION, 0);
        assert!((oldest as i64) > 0, "the last generation leaves the top bit clear");
        assert_eq!(table.remove(oldest), Some(1));
        let b = table.insert(2);
        assert_eq!(split(b), (1, 0), "after the last generation comes 1, never 0");
        assert_ne!(a, oldest);
        assert_eq!(table.with(oldest, |v| *v), None, "the wrapped slot rejects the old handle");
    }
}

/// Model checks (see [`crate::sync`]): every interleaving of concurrent table operations.
#[cfg(all(test, ferry_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two threads free the same handle (a double `close()`), a third inserts a new value,
    /// which may land in the freed slot, while the main thread looks the old handle up.
    #[test]
    fn a_removed_handle_never_reaches_a_later_value_in_its_slot() {
        loom::model(|| {
            let table = Arc::new(HandleTable::new());
            let first = table.insert("first");
            let removers: Vec<_> = (0..2)
                .map(|_| {
                    let table = Arc::clone(&table);
                    thread::spawn(move || table.remove(first))
                })
                .collect();
            let inserter = {
                let table = Arc::clone(&table);
                thread::spawn(move || {
                    let second = table.insert("second");
                    assert_eq!(table.with(second, |v| *v), Some("second"));
                    let live = table.len();
                    assert!((1..=2).contains(&live), "len() {live} right after an insert");
                    second
                })
            };

            let seen = table.with(first, |v| *v);
            assert!(matches!(seen, None | Some("first")), "the old handle reached {seen:?}");
            let live = table.len();
            assert!(live <= 2, "len() {live} with at most two values ever inserted");

            let removed: Vec<_> = removers.into_iter().map(|r| r.join().unwrap()).collect();
            let second = inserter.join().unwrap();
            assert_eq!(removed.iter().flatten().collect::<Vec<_>>(), [&"first"], "exactly one remove wins: {removed:?}");
            assert_ne!(second, first, "a reused slot gets a new handle");
            assert_eq!(table.with(first, |v| *v), None);
            assert_eq!(table.with(second, |v| *v), Some("second"));
            assert_eq!(table.len(), 1);
            assert_eq!(table.remove(second), Some("second"));
            assert!(table.is_empty());
        });
    }
}
