// Byte slices borrowed in place by sync calls (docs/reference.md, "Byte slices"). A sync
// fn's `&[u8]` and `&mut [u8]` parameters borrow the caller's memory where the face can:
//   - the C face (Kotlin/Native): the ByteArray is pinned for the call (`CFace.ref`), and
//     Rust reads (`&[u8]`) or writes (`&mut [u8]`) it in place;
//   - the JNI face: a `byte[]` is copied in (and, for `&mut [u8]`, back after the call), since
//     pinning it would forbid JNI calls (Kotlin callbacks) while the user's fn runs; so each
//     such fn gets a second JNI entry point (`<name>__buffers`, JVM only) taking a direct
//     `ByteBuffer` per slice, read and written in place between its position and limit, and
//     Kotlin gets an overload taking `java.nio.ByteBuffer` there (a JVM-only file, which the
//     Kotlin/Native layer replaces with an empty one).
// Async fns and streams copy `&[u8]` as before (the bytes must outlive the caller's frame)
// and cannot take `&mut [u8]` (the checker refuses it).

import { byteSlice, slicesInPlace, type CrateIr, type FnDecl, type TypeRef } from '../ir/model.js';
import type { NativeParam } from './rust-faces.js';
import type { NativeDecl } from './kotlin-native.js';
import { decl } from './kotlin-native.js';
import { allNativeFns, asNativeFn, asValueNativeFn, methodRole, SELF_PARAM } from '../ir/objects.js';
import { camelCase, kotlinIdent, kotlinName, NATIVE_OBJECT, unraw } from '../names.js';
import { kdoc } from './kdoc.js';

/** The slice a parameter of `fn` is borrowed as in place, or null (copied, or not bytes). */
export function inPlaceSlice(fn: FnDecl, t: TypeRef): 'view' | 'out' | null {
  return slicesInPlace(fn) ? byteSlice(t) : null;
}

/** Whether `fn` gets the JVM's ByteBuffer entry point: a sync fn with a byte slice. */
export function hasBufferForm(fn: FnDecl): boolean {
  return slicesInPlace(fn) && fn.params.some((p) => byteSlice(p.type) !== null);
}

/** The JNI-only entry point's name: `__` never comes out of a Rust name in snake case. */
export function bufferFormName(nativeName: string): string {
  return `${nativeName}__buffers`;
}

// ---------------------------------------------------------------- Rust

/**
 * The statement lifting a slice parameter `name` (already bound to the face's native value)
 * in a sync call; `buffer` for the ByteBuffer entry point, whose `name__at` and `name__len`
 * are the buffer's position and remaining bytes.
 */
export function sliceLift(name: string, slice: 'view' | 'out', buffer: boolean): string {
  const mut = slice === 'out' ? 'mut ' : '';
  if (buffer) return `let ${mut}${name} = face::buffer_${slice}(env, &${name}, ${name}__at, ${name}__len)?;`;
  return `let ${mut}${name} = face::bytes_${slice}(env, &${name})?;`;
}

/** The native parameter of a slice in the ByteBuffer entry point (JNI face only). */
export function bufferParam(name: string): NativeParam {
  return { name, kind: 'buffer' };
}

/**
 * Before the call: a writable slice must not overlap another slice argument (the same array
 * passed twice is two borrows of one memory, which Rust forbids for `&mut`).
 */
export function disjointCheck(fn: FnDecl, argName: (p: string) => string): string {
  const slices = fn.params.map((p) => ({ name: argName(p.name), slice: inPlaceSlice(fn, p.type) })).filter((s) => s.slice !== null);
  if (slices.length < 2 || !slices.some((s) => s.slice === 'out')) return '';
  const entries = slices.map((s) => `(${s.name}.as_ptr() as usize, ${s.name}.len(), ${s.slice === 'out'})`);
  return `        ::ferry::byte_views::disjoint(&[${entries.join(', ')}])?;\n`;
}

/** After the call returned: each `&mut [u8]` written back where it was a copy. */
export function commits(fn: FnDecl, argName: (p: string) => string): string {
  return fn.params.filter((p) => inPlaceSlice(fn, p.type) === 'out').map((p) => `        ${argName(p.name)}.commit(env)?;\n`).join('');
}

// ---------------------------------------------------------------- Kotlin

/**
 * The KDoc line saying how a fn's byte slices cross (nothing when it has none); `overload`:
 * whether it has a ByteBuffer overload (constructors and a returned trait's methods do not).
 */
export function sliceNote(fn: FnDecl, overload = true): string[] {
  const slices = fn.params.filter((p) => byteSlice(p.type));
  if (slices.length === 0) return [];
  const names = slices.map((p) => `[${kotlinName(p.name)}]`).join(', ');
  if (!slicesInPlace(fn)) return [`${names}: copied for the call, which outlives this frame.`];
  const writes = slices.some((p) => byteSlice(p.type) === 'out');
  const jvm = `copied ${writes ? 'in and back ' : ''}on the JVM${overload ? ', where the overload taking a direct ByteBuffer avoids the copy' : ''}`;
  return [`${names}: used in place on Kotlin/Native (pinned); ${jvm}.`];
}

/**
 * Lines refusing the same array (or buffer) passed as a `&mut [u8]` and as another slice of
 * the call, on every face alike: Kotlin/Native would hand Rust two overlapping borrows (the
 * C face refuses those too), the JVM's copies would hide it. Only sync fns take `&mut [u8]`.
 */
export function aliasChecks(params: FnDecl['params']): string[] {
  const slices = params.filter((p) => byteSlice(p.type)).map((p) => ({ name: kotlinName(p.name), out: byteSlice(p.type) === 'out' }));
  const lines: string[] = [];
  slices.forEach((a, i) => slices.slice(i + 1).filter((b) => a.out || b.out).forEach((b) => {
    lines.push(`kotlin.require(${a.name} !== ${b.name}) { "the same bytes cannot be passed as both \`${a.name}\` and \`${b.name}\`: a &mut [u8] must not overlap another byte argument" }`);
  }));
  return lines;
}

/** The JVM's `FerryNative` members of the ByteBuffer entry points. */
export function bufferNativeDecls(ir: CrateIr, nativeParams: (fn: FnDecl) => string[], nativeReturn: (fn: FnDecl) => string): NativeDecl[] {
  return allNativeFns(ir).filter(hasBufferForm).map((fn) => {
    const params = nativeParams(fn).flatMap((p) => {
      const name = p.split(': ')[0];
      const param = fn.params.find((q) => kotlinName(q.name) === name);
      // A keyword parameter is `in` in backticks; `in__at` needs none.
      const bare = name.replace(/`/g, '');
      return param && byteSlice(param.type) ? [`${name}: java.nio.ByteBuffer`, `${bare}__at: Int`, `${bare}__len: Int`] : [p];
    });
    return decl(bufferFormName(unraw(fn.name)), params, nativeReturn(fn));
  });
}

/** How the overloads are written: the same helpers the ByteArray forms use. */
export interface BufferEmit {
  header: string;
  kotlinType: (t: TypeRef) => string;
  userParam: (p: FnDecl['params'][number]) => string;
  nativeArguments: (params: FnDecl['params']) => { prelude: string[]; args: string[] };
  syncBody: (fn: FnDecl, call: string) => string[];
  keepObjectsAlive: (fn: FnDecl, body: string[]) => string[];
}

/** One overload: `receiver` is `Type.` (a method), `Type.Companion.` or '' (a free fn). */
function overload(fn: FnDecl, userName: string, receiver: string, k: BufferEmit): string {
  const params = fn.params.filter((p) => p.name !== SELF_PARAM);
  const userParams = params.map((p) => (byteSlice(p.type) ? `${kotlinName(p.name)}: java.nio.ByteBuffer` : k.userParam(p)));
  const { prelude, args } = k.nativeArguments(fn.params);
  // A sync fn has no token parameter, so the native arguments follow the parameters one to one.
  const native = fn.params.flatMap((p, i) => {
    if (!byteSlice(p.type)) return [args[i]];
    const name = kotlinName(p.name);
    return [name, `${name}.position()`, `${name}.remaining()`];
  });
  // A read-only buffer is refused as java.nio does for a write (before Rust sees it).
  const readOnly = params.filter((p) => byteSlice(p.type) === 'out').map((p) => kotlinName(p.name))
    .map((n) => `if (${n}.isReadOnly) throw java.nio.ReadOnlyBufferException()`);
  const call = `${NATIVE_OBJECT}.${kotlinIdent(bufferFormName(unraw(fn.name)))}(${native.join(', ')})`;
  let body = [...readOnly, ...prelude, ...k.syncBody(fn, call)];
  body = fn.params[0]?.name === SELF_PARAM ? [`val ${camelCase(SELF_PARAM)} = this`, ...k.keepObjectsAlive(fn, body)] : k.keepObjectsAlive(fn, body);
  const ret = k.kotlinType(fn.returns);
  const slices = params.filter((p) => byteSlice(p.type)).map((p) => `[${kotlinName(p.name)}]`);
  const doc = kdoc(null, [
    `[${userName}] with ${slices.join(', ')} as direct ByteBuffer${slices.length > 1 ? 's' : ''}, read${fn.params.some((p) => byteSlice(p.type) === 'out') ? ' and written' : ''} in place (no copy)`,
    'from position to limit; neither moves. Runs on the calling thread.',
    '@throws IllegalArgumentException for a heap (non-direct) buffer: pass its bytes as a ByteArray.',
    ...(readOnly.length > 0 ? ['@throws java.nio.ReadOnlyBufferException for a read-only buffer to write.'] : []),
  ]);
  return `${doc}fun ${receiver}${userName}(${userParams.join(', ')})${ret === 'Unit' ? '' : `: ${ret}`} {\n${body.map((l) => (l ? `    ${l}` : l)).join('\n')}\n}`;
}

/**
 * The fns that get a ByteBuffer overload: `receiver` is `Type.` (a method), `Type.Companion.`
 * or '' (a free fn). Constructors keep their ByteArray form only (a constructor cannot be
 * an extension), and so do a returned trait's holder objects (their members implement an
 * interface).
 */
function overloadFns(ir: CrateIr): { native: FnDecl; userName: string; receiver: string }[] {
  const methods = [
    ...ir.objects.filter((o) => !o.implementsTrait).flatMap((o) => o.methods.filter((m) => methodRole(m) !== 'constructor').map((m) => ({ owner: o.name, m, native: asNativeFn(o, m) }))),
    ...[...ir.records, ...ir.enums].flatMap((v) => v.methods.map((m) => ({ owner: v.name, m, native: asValueNativeFn(v, m) }))),
  ];
  return [
    ...ir.functions.filter(hasBufferForm).map((fn) => ({ native: fn, userName: kotlinName(fn.name), receiver: '' })),
    ...methods.filter(({ m }) => hasBufferForm(m)).map(({ owner, m, native }) => ({ native, userName: kotlinName(m.name), receiver: m.receiver === 'none' ? `${owner}.Companion.` : `${owner}.` })),
  ];
}

/** Whether the crate has ByteBuffer overloads (and so the JVM-only file). */
export function hasBufferOverloads(ir: CrateIr): boolean {
  return overloadFns(ir).length > 0;
}

/** The JVM-only file of ByteBuffer overloads (extensions for methods, so the classes stay common Kotlin), or null. */
export function emitBufferOverloads(ir: CrateIr, k: BufferEmit): string | null {
  const out = overloadFns(ir).map((f) => overload(f.native, f.userName, f.receiver, k));
  if (out.length === 0) return null;
  return `${k.header}
import dev.ferry.RustError
import dev.ferry.WireReader
import dev.ferry.WireWriter

// The JVM's zero-copy forms: each fn taking a byte slice also takes a direct ByteBuffer
// there. Kotlin/Native has no java.nio; its ByteArray forms are pinned, not copied.

${out.join('\n\n')}
`;
}

/** The Kotlin/Native layer's replacement of the overloads file (same path, nothing in it). */
export function nativeBufferStub(header: string): string {
  return `${header}
// Kotlin/Native has no ByteBuffer: the ByteArray forms of byte-slice parameters
// are pinned for the call and read or written in place, so there is nothing to add here.
`;
}
