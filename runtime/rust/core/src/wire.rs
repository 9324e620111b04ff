//! The wire format for compound values (see docs/wire-format.md).
//!
//! Little-endian, no self-description: both sides are generated from one IR, so the
//! shape is known. Primitives are fixed width, lengths and counts are `u32`, strings are
//! UTF-8, options a `u8` tag, enums a `u32` variant index followed by the fields.

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed value from Kotlin: {}", self.0)
    }
}

impl std::error::Error for WireError {}

pub type WireResult<T> = Result<T, WireError>;

/// How deeply records and enums may nest inside one value, on every side and in both
/// directions. A bound keeps a malicious or accidental input (a `Tree` nested a million
/// levels deep) from overflowing the stack of whichever thread decodes it.
pub const MAX_DEPTH: u32 = 128;

/// Most elements in one collection of values that encode to no bytes at all.
pub const MAX_EMPTY_ELEMENTS: usize = 1 << 20;

#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
    depth: u32,
}

macro_rules! put_fixed {
    ($($name:ident: $t:ty),*) => {$(
        #[inline]
        pub fn $name(&mut self, v: $t) { self.buf.extend_from_slice(&v.to_le_bytes()); }
    )*};
}

macro_rules! get_fixed {
    ($($name:ident: $t:ty),*) => {$(
        #[inline]
        pub fn $name(&mut self) -> WireResult<$t> {
            let bytes = self.take(std::mem::size_of::<$t>())?;
            Ok(<$t>::from_le_bytes(bytes.try_into().expect("length checked by take")))
        }
    )*};
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(bytes: usize) -> Self {
        Self { buf: Vec::with_capacity(bytes), depth: 0 }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Entering a record or enum value. Panics (caught at the bridge, so the call throws
    /// `RustPanicException`) beyond [`MAX_DEPTH`]: Kotlin would refuse such a value.
    #[inline]
    pub fn enter(&mut self) {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth = 0;
            panic!("ferry: the value nests records or enums more than {MAX_DEPTH} levels deep, which cannot cross to Kotlin");
        }
    }

    #[inline]
    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    put_fixed!(u8: u8, i8: i8, u16: u16, i16: i16, u32: u32, i32: i32, u64: u64, i64: i64, f32: f32, f64: f64);

    pub fn bool(&mut self, v: bool) {
        self.buf.push(v as u8);
    }

    /// A length or count. Values crossing the bridge are bounded by JVM array sizes.
    pub fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("ferry: collection longer than u32::MAX"));
    }

    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.buf.extend_from_slice(b);
    }

    pub fn duration(&mut self, d: Duration) {
        self.u64(d.as_secs());
        self.u32(d.subsec_nanos());
    }
}

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0, depth: 0 }
    }

    /// Entering a record or enum value; an error beyond [`MAX_DEPTH`].
    #[inline]
    pub fn enter(&mut self) -> WireResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(WireError(format!("records or enums nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    #[inline]
    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    fn take(&mut self, n: usize) -> WireResult<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| {
            WireError(format!("needed {n} bytes at offset {}, have {}", self.pos, self.buf.len() - self.pos))
        })?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    get_fixed!(u8: u8, i8: i8, u16: u16, i16: i16, u32: u32, i32: i32, u64: u64, i64: i64, f32: f32, f64: f64);

    pub fn bool(&mut self) -> WireResult<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(WireError(format!("bool byte {b}"))),
        }
    }

    pub fn len(&mut self) -> WireResult<usize> {
        Ok(self.u32()? as usize)
    }

    /// The element count of a collection whose elements take at least `min_size` encoded
    /// bytes each: an error when the remaining input cannot hold that many, so a forged
    /// count fails at once instead of after a long loop.
    /// Elements that may take no bytes (records without fields) are limited to
    /// [`MAX_EMPTY_ELEMENTS`].
    pub fn count(&mut self, min_size: usize) -> WireResult<usize> {
        let n = self.len()?;
        let remaining = self.buf.len() - self.pos;
        let fits = if min_size == 0 { n <= MAX_EMPTY_ELEMENTS } else { n.saturating_mul(min_size) <= remaining };
        if !fits {
            return Err(WireError(format!("{n} elements of at least {min_size} bytes, but {remaining} bytes remain")));
        }
        Ok(n)
    }

    /// A capacity to preallocate for `n` elements of at least `min_size` bytes: never more
    /// than the remaining input can hold, so a forged count cannot make us reserve absurd
    /// amounts (elements that may take no bytes get a small fixed allowance).
    pub fn capacity_hint(&self, n: usize, min_size: usize) -> usize {
        let remaining = self.buf.len() - self.pos;
        n.min(if min_size == 0 { 1024 } else { remaining / min_size })
    }

    pub fn string(&mut self) -> WireResult<String> {
        let bytes = self.byte_vec()?;
        String::from_utf8(bytes).map_err(|e| WireError(format!("invalid UTF-8: {e}")))
    }

    pub fn byte_vec(&mut self) -> WireResult<Vec<u8>> {
        let n = self.len()?;
        Ok(self.take(n)?.to_vec())
    }

    pub fn duration(&mut self) -> WireResult<Duration> {
        let secs = self.u64()?;
        let nanos = self.u32()?;
        if nanos >= 1_000_000_000 {
            return Err(WireError(format!("duration nanos {nanos}")));
        }
        Ok(Duration::new(secs, nanos))
    }

    pub fn variant(&mut self, type_name: &str, count: u32) -> WireResult<u32> {
        let v = self.u32()?;
        if v < count {
            Ok(v)
        } else {
            Err(WireError(format!("{type_name} has no variant {v}")))
        }
    }

    /// Every byte must be consumed: trailing bytes mean the two sides disagree.
    pub fn finish(&self) -> WireResult<()> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(WireError(format!("{} trailing bytes", self.buf.len() - self.pos)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut w = Writer::new();
        w.i64(i64::MIN);
        w.f64(f64::NAN);
        w.str("a\0😀é");
        w.bool(true);
        w.duration(Duration::new(u64::MAX, 999_999_999));
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.i64().unwrap(), i64::MIN);
        assert!(r.f64().unwrap().is_nan());
        assert_eq!(r.string().unwrap(), "a\0😀é");
        assert!(r.bool().unwrap());
        assert_eq!(r.duration().unwrap(), Duration::new(u64::MAX, 999_999_999));
        r.finish().unwrap();
    }

    #[test]
    fn forged_counts_and_depths_are_errors() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4]);
        assert!(r.count(8).is_err(), "2^31 u64s cannot fit in 4 bytes");
        let r = Reader::new(&[0; 64]);
        assert_eq!(r.capacity_hint(usize::MAX, 8), 8);
        assert_eq!(r.capacity_hint(usize::MAX, 0), 1024);
        let mut r = Reader::new(&[]);
        for _ in 0..MAX_DEPTH {
            r.enter().unwrap();
        }
        assert!(r.enter().is_err());
        let mut w = Writer::new();
        for _ in 0..MAX_DEPTH {
            w.enter();
        }
        assert!(crate::panics::catch(move || w.enter()).is_err());
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let mut r = Reader::new(&[5, 0, 0, 0, b'a']);
        assert!(r.string().is_err());
        let mut r = Reader::new(&[2]);
        assert!(r.bool().is_err());
    }
}
