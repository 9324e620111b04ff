//! `String` arguments and results of the JNI face, as `java.lang.String` itself.
//!
//! A Java string is UTF-16. Kotlin encoding it to a UTF-8 `byte[]` for Rust, and decoding
//! the result array back, costs more than the call: two arrays and two transcodings in the
//! JVM each way. Instead one JNI copy moves the string's UTF-16 units into a buffer here
//! (`GetStringRegion`), Rust transcodes them, and a result goes back through `NewString`.
//! JNI's own UTF-8 functions are not used: they speak modified UTF-8 (U+0000 as two bytes,
//! characters outside the BMP as two 3-byte surrogates), which is not Rust's UTF-8.
//!
//! A lone surrogate, which a Kotlin `String` can hold and UTF-8 cannot, becomes U+FFFD, as
//! Kotlin/Native's `encodeToByteArray` does on the other face.

use crate::Throw;
use jni::objects::JString;
use jni::sys::{jchar, jsize, jstring};
use jni::JNIEnv;

/// Strings up to this many UTF-16 units cross through a buffer on the stack, not the heap.
const STACK_UNITS: usize = 256;

/// A `String` argument, from the Java string's UTF-16 units.
pub fn string_arg(env: &mut JNIEnv, s: &JString) -> Result<String, Throw> {
    if s.is_null() {
        return Err(Throw::IllegalArgument("null string".into()));
    }
    let raw = env.get_raw();
    // SAFETY: `raw` is this thread's JNIEnv and `s` a live, non-null local reference to a
    // java.lang.String; the region read is the whole string, so it cannot be out of range.
    unsafe {
        let len = ((**raw).GetStringLength.expect("JNI GetStringLength"))(raw, s.as_raw()).max(0) as usize;
        let region = (**raw).GetStringRegion.expect("JNI GetStringRegion");
        Ok(with_units(len, |units| {
            region(raw, s.as_raw(), 0, len as jsize, units.as_mut_ptr());
            utf16_to_string(units)
        }))
    }
}

/// A new `java.lang.String` holding `s`, returned to Kotlin.
pub fn string_return(env: &mut JNIEnv, s: &str) -> Result<jstring, Throw> {
    // A string never has more UTF-16 units than UTF-8 bytes.
    with_units(s.len(), |units| {
        let n = utf8_to_utf16(s, units);
        new_string(env, &units[..n])
    })
}

/// Runs `f` on a buffer of exactly `len` UTF-16 units: on the stack up to [`STACK_UNITS`],
/// on the heap beyond.
fn with_units<R>(len: usize, f: impl FnOnce(&mut [jchar]) -> R) -> R {
    if len <= STACK_UNITS {
        let mut units = [0 as jchar; STACK_UNITS];
        f(&mut units[..len])
    } else {
        f(&mut vec![0; len])
    }
}

fn new_string(env: &mut JNIEnv, units: &[jchar]) -> Result<jstring, Throw> {
    let raw = env.get_raw();
    // SAFETY: `raw` is this thread's JNIEnv; the pointer and length describe `units`, which
    // the JVM copies before returning.
    let string = unsafe { ((**raw).NewString.expect("JNI NewString"))(raw, units.as_ptr(), units.len() as jsize) };
    // Null only when the JVM could not allocate it; its OutOfMemoryError is pending.
    if string.is_null() {
        Err(Throw::Pending)
    } else {
        Ok(string)
    }
}

/// UTF-16 to UTF-8; a lone surrogate becomes U+FFFD (what `String::from_utf16_lossy` gives,
/// without its per-character iterator on the common ASCII units).
fn utf16_to_string(units: &[u16]) -> String {
    let mut bytes = Vec::with_capacity(units.len() + units.len() / 2);
    let mut i = 0;
    while i < units.len() {
        let unit = units[i];
        if unit < 0x80 {
            bytes.push(unit as u8);
            i += 1;
            continue;
        }
        let next = units.get(i + 1).copied();
        let (c, used) = match (unit, next) {
            (0xD800..=0xDBFF, Some(low @ 0xDC00..=0xDFFF)) => {
                let scalar = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                (char::from_u32(scalar).unwrap_or(char::REPLACEMENT_CHARACTER), 2)
            }
            (0xD800..=0xDFFF, _) => (char::REPLACEMENT_CHARACTER, 1),
            _ => (char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER), 1),
        };
        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        i += used;
    }
    // SAFETY: every byte pushed is an ASCII byte or part of a whole `char::encode_utf8`.
    unsafe { String::from_utf8_unchecked(bytes) }
}

/// Writes `s` as UTF-16 into `out` (at least `s.len()` units) and returns the units written.
fn utf8_to_utf16(s: &str, out: &mut [u16]) -> usize {
    if s.is_ascii() {
        for (slot, byte) in out.iter_mut().zip(s.bytes()) {
            *slot = u16::from(byte);
        }
        return s.len();
    }
    let mut n = 0;
    for (slot, unit) in out.iter_mut().zip(s.encode_utf16()) {
        *slot = unit;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator: no dependency, the same cases every run.
    fn units(seed: u64, len: usize) -> Vec<u16> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let r = (x >> 33) as u16;
                // Mostly the interesting ranges: ASCII, 2- and 3-byte, and surrogates of both halves.
                match r % 6 {
                    0 | 1 => r % 0x80,
                    2 => 0x80 + r % 0x780,
                    3 => 0x800 + r % 0xD000,
                    4 => 0xD800 + r % 0x400,
                    _ => 0xDC00 + r % 0x400,
                }
            })
            .collect()
    }

    #[test]
    fn utf16_to_utf8_matches_std_lossy_decoding_on_every_kind_of_unit() {
        for seed in 0..2000 {
            let u = units(seed, (seed % 40) as usize);
            assert_eq!(utf16_to_string(&u), String::from_utf16_lossy(&u), "units {u:x?}");
        }
        let pair = [0xD83E, 0xDD80]; // U+1F980
        assert_eq!(utf16_to_string(&pair), "\u{1F980}");
        assert_eq!(utf16_to_string(&[0xDD80, 0xD83E]), "\u{FFFD}\u{FFFD}", "a reversed pair is two lone surrogates");
        assert_eq!(utf16_to_string(&[0x41, 0xD83E]), "A\u{FFFD}", "a high surrogate at the end");
        assert_eq!(utf16_to_string(&[0, 0x7F, 0x80, 0xFFFF]), "\u{0}\u{7F}\u{80}\u{FFFF}");
    }

    #[test]
    fn utf8_to_utf16_round_trips_and_never_needs_more_units_than_bytes() {
        for s in ["", "ascii only", "Fähre über den Fluß → ferry 渡し船 🦀 crab ⛴", "\u{0}\u{10FFFF}", "🦀🦀🦀"] {
            let mut out = vec![0u16; s.len()];
            let n = utf8_to_utf16(s, &mut out);
            assert_eq!(&out[..n], s.encode_utf16().collect::<Vec<_>>().as_slice());
            assert_eq!(String::from_utf16(&out[..n]).unwrap(), s);
        }
        for seed in 0..500 {
            let s = String::from_utf16_lossy(&units(seed, 64));
            let mut out = vec![0u16; s.len()];
            let n = utf8_to_utf16(&s, &mut out);
            assert_eq!(utf16_to_string(&out[..n]), s);
        }
    }
}
