// The two faces of every native entry point. The Rust emitters describe each entry point
// once (`NativeExport`: its native name, its parameters and result at the ABI level, and a
// body written against `face::`), and this module renders it twice:
//   - the JNI face: `Java_<package>_FerryNative_<name>(env, class, ...)`, for the JVM and
//     Android, with `byte[]` as `JByteArray` and byte results as `jbyteArray`;
//   - the C face: `ferry_<crate>_<name>(status, ...)`, for Kotlin/Native through cinterop,
//     with bytes as a pointer plus a length and byte results as a length-prefixed buffer.
// Both bodies are the same text: the JNI export binds `face` to `ferry::jvm`, the C export
// to `ferry::cabi`, whose helpers have the same names. The C header (`emitCHeader`) is
// written from the same descriptions, so the Rust and C sides agree by construction.

import { jniSymbol, NATIVE_OBJECT } from '../names.js';

/** A primitive at the ABI level: the Rust type both faces use and its C spelling. */
export type AbiPrim = 'bool' | 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';

/**
 * `bytes`: a `byte[]` to the JVM, a pointer and a length to C; `bytes-out` the same, but C's
 * pointer is writable (a `&mut [u8]` written in place); `buffer`: a direct `ByteBuffer` with
 * its position and remaining length (JNI only, see byte-views.ts); `string`: a
 * `java.lang.String` to the JVM (its UTF-16 read by the face), UTF-8 bytes to C.
 */
export type NativeParam =
  | { name: string; kind: 'prim'; prim: AbiPrim }
  | { name: string; kind: 'bytes' | 'bytes-out' | 'buffer' | 'string' };

/**
 * `memory`: a frame ring's memory, a direct ByteBuffer to the JVM and an address to C;
 * `string`: a new `java.lang.String` to the JVM, a UTF-8 buffer to C.
 */
export type NativeResult = { kind: 'unit' } | { kind: 'prim'; prim: AbiPrim } | { kind: 'bytes' } | { kind: 'memory' } | { kind: 'string' };

/** The JNI return type of a non-unit result. */
function jniResultType(r: Exclude<NativeResult, { kind: 'unit' }>): string {
  switch (r.kind) {
    case 'prim': return RUST_PRIM[r.prim];
    case 'memory': return '::ferry::__private::jni::sys::jobject';
    case 'string': return '::ferry::__private::jni::sys::jstring';
    case 'bytes': return 'jbyteArray';
  }
}

/** The C face's Rust return type of a non-unit result (a length-prefixed buffer for bytes and strings). */
function cResultType(r: Exclude<NativeResult, { kind: 'unit' }>): string {
  switch (r.kind) {
    case 'prim': return RUST_PRIM[r.prim];
    case 'memory': return 'i64';
    case 'string':
    case 'bytes': return 'face::Buffer';
  }
}

/** The same result as the C header spells it. */
function cHeaderResultType(r: NativeResult): string {
  switch (r.kind) {
    case 'unit': return 'void';
    case 'prim': return C_PRIM[r.prim];
    case 'memory': return 'int64_t';
    case 'string':
    case 'bytes': return 'int8_t *';
  }
}

/** Whether a C parameter is a pointer and a length (bytes, and strings as UTF-8). */
const isCBytes = (p: NativeParam): boolean => p.kind === 'bytes' || p.kind === 'bytes-out' || p.kind === 'string';

export interface NativeExport {
  /** The member name in Kotlin's `FerryNative`; also the tail of both symbols. */
  name: string;
  params: NativeParam[];
  result: NativeResult;
  /** Statements over the parameters (bound under their names) and `env`. */
  body: string;
  /** Only one face has it (JNI_OnLoad, the C face's init and free). */
  only?: 'jni' | 'c';
  /** The symbol, when it is not derived from `name` (JNI_OnLoad). */
  symbol?: string;
}

/** Rust type of a primitive at the ABI (JNI's jboolean is a u8; so is a C bool). */
const RUST_PRIM: Record<AbiPrim, string> = { bool: 'u8', i8: 'i8', i16: 'i16', i32: 'i32', i64: 'i64', f32: 'f32', f64: 'f64' };
const C_PRIM: Record<AbiPrim, string> = { bool: 'bool', i8: 'int8_t', i16: 'int16_t', i32: 'int32_t', i64: 'int64_t', f32: 'float', f64: 'double' };

/** The C symbol of an entry point of the crate's library. */
export function cSymbol(crateName: string, name: string): string {
  return `ferry_${crateName.replace(/[^A-Za-z0-9_]/g, '_')}_${name}`;
}

export function renderJni(e: NativeExport, kotlinPackage: string): string {
  const params = e.params.map((p) => {
    if (p.kind === 'prim') return `${p.name}: ${RUST_PRIM[p.prim]}`;
    if (p.kind === 'buffer') return `${p.name}: ::ferry::__private::jni::objects::JByteBuffer<'local>, ${p.name}__at: jint, ${p.name}__len: jint`;
    if (p.kind === 'string') return `${p.name}: ::ferry::__private::jni::objects::JString<'local>`;
    return `${p.name}: JByteArray<'local>`;
  });
  const ret = e.result.kind === 'unit' ? '' : ` -> ${jniResultType(e.result)}`;
  const symbol = e.symbol ?? jniSymbol(kotlinPackage, NATIVE_OBJECT, e.name);
  return `#[no_mangle]
pub extern "system" fn ${symbol}<'local>(mut env: JNIEnv<'local>, _class: JClass<'local>${params.map((p) => `, ${p}`).join('')})${ret} {
${e.body}
}`;
}

export function renderC(e: NativeExport, crateName: string): string {
  const params = e.params.map((p) => {
    if (p.kind === 'prim') return `${p.name}: ${RUST_PRIM[p.prim]}`;
    if (p.kind === 'buffer') throw new Error('a ByteBuffer parameter has no C form');
    return `${p.name}_ptr: *${p.kind === 'bytes-out' ? 'mut' : 'const'} u8, ${p.name}_len: i64`;
  });
  const ret = e.result.kind === 'unit' ? '' : ` -> ${cResultType(e.result)}`;
  const bytes = e.params.filter(isCBytes)
    .map((p) => `    let ${p.name} = face::Bytes::new(${p.name}_ptr${p.kind === 'bytes-out' ? ' as *const u8' : ''}, ${p.name}_len);\n`).join('');
  return `#[no_mangle]
pub unsafe extern "C" fn ${e.symbol ?? cSymbol(crateName, e.name)}(__status: *mut i64${params.map((p) => `, ${p}`).join('')})${ret} {
    let mut env = face::Status::new(__status);
${bytes}${e.body}
}`;
}

/** The C declaration of an entry point, for the header cinterop reads. */
export function cDeclaration(e: NativeExport, crateName: string): string {
  const params = ['int64_t *status', ...e.params.map((p) => (p.kind === 'prim' ? `${C_PRIM[p.prim]} ${p.name}` : `${p.kind === 'bytes-out' ? '' : 'const '}int8_t *${p.name}_ptr, int64_t ${p.name}_len`))];
  return `${cHeaderResultType(e.result)} ${e.symbol ?? cSymbol(crateName, e.name)}(${params.join(', ')});`;
}
