//! The C ABI the Kotlin/Native smoke check calls through cinterop: a plain function, and one
//! that answers later from a thread Rust spawned, which is the shape every ferry async call
//! will have on Kotlin/Native (Rust finishes on a thread Kotlin never created).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Called with the caller's token, the doubled value and the tag of the calling thread.
pub type DoubledCallback = extern "C" fn(token: u64, doubled: i64, thread_tag: u64);

#[no_mangle]
pub extern "C" fn ferry_check_add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// Returns at once; a new Rust thread sleeps `delay_ms`, then calls `callback(token, value * 2, tag)`.
#[no_mangle]
pub extern "C" fn ferry_check_double_later(value: i64, delay_ms: u32, token: u64, callback: DoubledCallback) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(u64::from(delay_ms)));
        callback(token, value.wrapping_mul(2), current_thread_tag());
    });
}

/// A number unique to the calling thread, so Kotlin can tell which thread a callback came from
/// (common Kotlin has no thread identity of its own).
#[no_mangle]
pub extern "C" fn ferry_check_thread_tag() -> u64 {
    current_thread_tag()
}

fn current_thread_tag() -> u64 {
    static NEXT_TAG: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TAG: u64 = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    }
    TAG.with(|tag| *tag)
}
