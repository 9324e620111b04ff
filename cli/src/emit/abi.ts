// How each IR type crosses JNI. Both emitters ask this module, so the Rust and Kotlin
// sides of every call agree by construction (see docs/wire-format.md).
//
// Arguments: primitives as JNI primitives; strings as `java.lang.String` (UTF-8 bytes on the
// C face); byte vectors as `byte[]`; everything else as one wire-encoded `byte[]`.
// Returns (sync): unit as void; primitives as JNI primitives; strings as `java.lang.String`
// (UTF-8 on the C face); bytes as raw `byte[]`; compound values as wire `byte[]`; `Result` as a wire `byte[]` led by a tag
// byte (0 = Ok, 1 = Err). Returns (async): the same split, carried by the completion upcall
// (value in a `long`, or bytes, or error bytes).

import type { Prim, TypeRef } from '../ir/model.js';

export type Abi =
  | { kind: 'unit' }
  | { kind: 'prim'; prim: Prim }
  | { kind: 'utf8' }
  | { kind: 'raw-bytes' }
  | { kind: 'wire'; type: TypeRef }
  | { kind: 'token' };

export function valueAbi(t: TypeRef): Abi {
  const inner = t.kind === 'ref' ? t.inner : t;
  switch (inner.kind) {
    case 'unit': return { kind: 'unit' };
    case 'prim': return { kind: 'prim', prim: inner.prim };
    case 'string': return { kind: 'utf8' };
    case 'bytes': return { kind: 'raw-bytes' };
    case 'token': return { kind: 'token' };
    default: return { kind: 'wire', type: inner };
  }
}

/** The JNI-level Rust type of a primitive (jboolean is u8, unsigned ride as signed). */
export const JNI_RUST: Record<Prim, string> = {
  bool: 'u8', i8: 'i8', i16: 'i16', i32: 'i32', i64: 'i64', u8: 'i8', u16: 'i16', u32: 'i32', u64: 'i64', f32: 'f32', f64: 'f64',
};

/** The Kotlin type of a primitive in an `external fun` signature. */
export const JNI_KOTLIN: Record<Prim, string> = {
  bool: 'Boolean', i8: 'Byte', i16: 'Short', i32: 'Int', i64: 'Long', u8: 'Byte', u16: 'Short', u32: 'Int', u64: 'Long', f32: 'Float', f64: 'Double',
};

/** The Kotlin type a user sees for a primitive. */
export const USER_KOTLIN: Record<Prim, string> = {
  bool: 'Boolean', i8: 'Byte', i16: 'Short', i32: 'Int', i64: 'Long', u8: 'UByte', u16: 'UShort', u32: 'UInt', u64: 'ULong', f32: 'Float', f64: 'Double',
};

/** WireReader / WireWriter method for a primitive. */
export const WIRE_METHOD: Record<Prim, string> = {
  bool: 'bool', i8: 'i8', i16: 'i16', i32: 'i32', i64: 'i64', u8: 'u8', u16: 'u16', u32: 'u32', u64: 'u64', f32: 'f32', f64: 'f64',
};

/**
 * The Kotlin value of type `prim` whose bits are the `Long` `bits` (Rust's `as i64` or
 * `to_bits`): how scalar callback arguments and plain async results arrive.
 */
export function kotlinFromBits(prim: Prim, bits: string): string {
  // `bits` is a name or an expression such as `raw as Long`, which needs parentheses
  // before a member call.
  const receiver = /^\w+$/.test(bits) ? bits : `(${bits})`;
  switch (prim) {
    case 'bool': return `${receiver} != 0L`;
    case 'i64': return bits;
    case 'f32': return `Float.fromBits(${receiver}.toInt())`;
    case 'f64': return `Double.fromBits(${bits})`;
    default: return `${receiver}.to${USER_KOTLIN[prim]}()`;
  }
}

/** The bits of the Kotlin value `expr` of type `prim`, as a `Long`. */
export function kotlinToBits(prim: Prim, expr: string): string {
  switch (prim) {
    case 'bool': return `(if (${expr}) 1L else 0L)`;
    case 'f32': return `${expr}.toRawBits().toLong()`;
    case 'f64': return `${expr}.toRawBits()`;
    default: return `${expr}.toLong()`;
  }
}
