// Kotlin classes for objects (`#[ferry::export(object)]`), see docs/objects.md, and the
// members records and enums get from their exported impl blocks (`valueMembers`): both
// are written by `member`, which differs only in how `this` crosses (a handle, or a copy).
//
// `class Name : RustObject, AutoCloseable`: `new` is the constructor, other associated fns
// live on the companion object, `&self` methods are members (`suspend` when async). An
// object crosses as a `Long` handle; the Kotlin object owning it is kept reachable
// (`dev.ferry.keepAlive`: `Reference.reachabilityFence` where the runtime has it, an
// equivalent on older Android) until Rust has looked the handle up, so the reclaimer can
// never release a handle a call is about to use.

import { decl, type NativeDecl } from './kotlin-native.js';
import { callbackParam, typeContains } from '../ir/model.js';
import type { CrateIr, FnDecl, MethodDecl, ObjectDecl, TypeRef } from '../ir/model.js';
import { asNativeFn, asValueNativeFn, displayNativeFn, isObjectParam, methodRole, SELF_PARAM, valueHasDisplay, type ValueOwner } from '../ir/objects.js';
import { camelCase, CODECS_OBJECT, kotlinIdent, kotlinName, NATIVE_OBJECT } from '../names.js';
import { STREAM_IMPORTS, streamBody, streamDoc, streamKotlinType } from './kotlin-streams.js';
import { kdoc, runsOn } from './kdoc.js';
import { sliceNote } from './byte-views.js';
import { resultsHoldHandles, traitNatives } from './rust-objects.js';
import { repliesHoldHandles } from '../ir/trait-objects.js';

export interface KotlinEmit {
  header: string;
  kotlinType: (t: TypeRef) => string;
  userParam: (p: FnDecl['params'][number]) => string;
  decode: (t: TypeRef, depth: number) => string;
  nativeArg: (name: string, t: TypeRef) => string | null;
  nativeArguments: (params: FnDecl['params']) => { prelude: string[]; args: string[] };
  syncBody: (fn: FnDecl, call: string) => string[];
  asyncBody: (fn: FnDecl, call: string) => string[];
}

/** The generated `HandleRelease` of this library (used by every object class). */
export const RELEASE_OBJECT = 'FerryObjectRelease';

/** `FerryNative` members for objects: release, and the standard traits' natives. */
export function objectNativeDecls(ir: CrateIr): NativeDecl[] {
  const out = resultsHoldHandles(ir) ? [decl('ferryReleaseObject', ['handle: Long'], 'Boolean')] : [];
  if (repliesHoldHandles(ir)) out.push(decl('ferryShareObject', ['handle: Long'], 'Long'));
  for (const o of ir.objects) {
    const n = traitNatives(o);
    if (o.traits?.display) out.push(decl(n.display, ['handle: Long'], 'ByteArray'));
    if (o.traits?.eqHash) out.push(decl(n.equals, ['a: Long', 'b: Long'], 'Boolean'), decl(n.hash, ['handle: Long'], 'Long'));
    if (o.traits?.ord) out.push(decl(n.compare, ['a: Long', 'b: Long'], 'Int'));
  }
  return out;
}

/**
 * Members mirroring the Rust type's standard traits. A closed object falls back to what
 * any object has (its class name, identity), so these never throw except `compareTo`, which
 * has no fallback and throws IllegalStateException like any method of a closed object.
 */
function traitMembers(obj: ObjectDecl): string[] {
  const t = obj.traits;
  if (!t) return [];
  const n = traitNatives(obj);
  const out: string[] = [];
  if (t.display) {
    out.push(`    /** Rust's \`Display\` text; a closed object shows as \`${obj.name}(closed)\`. */
    override fun toString(): String = try {
        ${NATIVE_OBJECT}.${n.display}(ferryHandle()).decodeToString()
    } catch (_: IllegalStateException) {
        super.toString()
    } finally {
        dev.ferry.keepAlive(this)
    }`);
  }
  if (t.eqHash) {
    out.push(`    /** Rust's \`PartialEq\`; a closed object equals only itself. */
    override fun equals(other: Any?): Boolean {
        if (this === other) return true
        if (other !is ${obj.name}) return false
        return try {
            ${NATIVE_OBJECT}.${n.equals}(ferryHandle(), other.ferryHandle())
        } catch (_: IllegalStateException) {
            false
        } finally {
            dev.ferry.keepAlive(this)
            dev.ferry.keepAlive(other)
        }
    }

    @kotlin.concurrent.Volatile
    private var ferryHashCode: Int? = null

    /** Rust's \`Hash\`, computed once (so it stays the same after close). */
    override fun hashCode(): Int = ferryHashCode ?: (try {
        ${NATIVE_OBJECT}.${n.hash}(ferryHandle()).let { (it xor (it ushr 32)).toInt() }
    } catch (_: IllegalStateException) {
        super.hashCode() // identity, as for any object
    } finally {
        dev.ferry.keepAlive(this)
    }).also { ferryHashCode = it }`);
  }
  if (t.ord) {
    out.push(`    /** Rust's \`Ord\`. @throws IllegalStateException when either object is closed. */
    override fun compareTo(other: ${obj.name}): Int = try {
        ${NATIVE_OBJECT}.${n.compare}(ferryHandle(), other.ferryHandle())
    } finally {
        dev.ferry.keepAlive(this)
        dev.ferry.keepAlive(other)
    }`);
  }
  return out;
}

/** A handle argument (`Arc<T>` / `&T`): read when the call starts. */
export function objectNativeArg(name: string): string {
  return `${name}.ferryHandle()`;
}

/** A value of object type read from the wire (a fresh handle Rust registered for us). */
export function objectDecode(name: string): string {
  return `${name}(r.i64(), dev.ferry.RustObject.Adopt)`;
}

/**
 * Wraps body lines so every object argument stays reachable until the native call has
 * looked its handle up (otherwise the JIT may consider it dead after `ferryHandle()` and
 * its reclaimer could release the handle first). `dev.ferry.keepAlive` rather than
 * `Reference.reachabilityFence`, which Android only has from API 28.
 */
export function keepObjectsAlive(fn: FnDecl, body: string[]): string[] {
  // Objects inside a Vec, Option or Map argument are kept by the collection itself.
  const objects = fn.params.filter((p) => isObjectParam(p.type) || typeContains(p.type, (t) => t.kind === 'object') || callbackParam(p.type)).map((p) => kotlinName(p.name));
  if (objects.length === 0) return body;
  return [
    'try {',
    ...body.map((l) => `    ${l}`),
    '} finally {',
    ...objects.map((o) => `    dev.ferry.keepAlive(${o})`),
    '}',
  ];
}

function indent(lines: string[], by: string): string {
  return lines.map((l) => (l.length > 0 ? `${by}${l}` : l)).join('\n');
}

function userParams(fn: FnDecl, k: KotlinEmit): string {
  return fn.params
    .filter((p) => p.type.kind !== 'token' && p.name !== SELF_PARAM)
    .map((p) => k.userParam(p))
    .join(', ');
}

/** The native call and the lines that must run before it (see `nativeArguments`). */
function nativeCall(native: FnDecl, k: KotlinEmit): { prelude: string[]; call: string } {
  const { prelude, args } = k.nativeArguments(native.params);
  return { prelude, call: `${NATIVE_OBJECT}.${kotlinIdent(native.name)}(${[...(native.isAsync ? ['__completion'] : []), ...args].join(', ')})` };
}

/** Whose members [member] emits: an object (held by handle) or a record or enum (copied). */
export interface MemberOwner {
  name: string;
  rustPath: string;
  implementsTrait?: string;
  /** The method as a native function (the receiver, if any, its first parameter). */
  native: (m: MethodDecl) => FnDecl;
  /** An object behind a handle; otherwise a value Kotlin encodes from `this` for each call. */
  byHandle: boolean;
}

export function objectOwner(obj: ObjectDecl): MemberOwner {
  return { name: obj.name, rustPath: obj.rustPath, implementsTrait: obj.implementsTrait, native: (m) => asNativeFn(obj, m), byHandle: true };
}

function doc(owner: MemberOwner, m: MethodDecl): string {
  const runs = runsOn(m);
  const t = m.returns;
  const overload = !owner.implementsTrait && !(owner.byHandle && methodRole(m) === 'constructor');
  const notes = [`Calls Rust \`${owner.rustPath}::${m.name}\`. ${runs}`, ...sliceNote(m, overload)];
  if (t.kind === 'result') notes.push(`@throws ${(t.err as { name: string }).name} when Rust returns \`Err\`.`);
  if (m.receiver !== 'none' && owner.byHandle) notes.push('@throws IllegalStateException when this object is closed.');
  return kdoc(m.docs, notes, '    ').trimEnd();
}

/** A member or companion function (sync, async or stream). */
export function member(owner: MemberOwner, m: MethodDecl, k: KotlinEmit): string {
  const native = owner.native(m);
  const name = kotlinName(m.name);
  // A trait's implementation overrides the interface's members, which cannot take defaults.
  const params = owner.implementsTrait ? userParams(native, k).replace(/ = null/g, '') : userParams(native, k);
  const override = owner.implementsTrait ? 'override ' : '';
  if (m.returns.kind === 'stream') {
    // The handle (or the value) is read at each collection; the Flow keeps this reachable.
    const h = { kotlinType: k.kotlinType, decode: k.decode, nativeArg: k.nativeArg };
    const forStream = { ...native, params: native.params.filter((p) => p.name !== SELF_PARAM) };
    const self = `this@${owner.name}`;
    const leading = m.receiver === 'none' ? [] : [owner.byHandle ? `${self}.ferryHandle()` : k.nativeArg(self, native.params[0].type)!];
    const body = streamBody(forStream, h, kotlinIdent(native.name), leading);
    const d = streamDoc(native).split('\n').map((l) => `    ${l}`).join('\n');
    return `${d}\n    fun ${name}(${params}): ${streamKotlinType(native, h)} {\n${indent(body, '        ')}\n    }`;
  }
  const { prelude, call } = nativeCall(native, k);
  let body = [...prelude, ...(m.isAsync ? k.asyncBody(native, call) : k.syncBody(native, call))];
  if (m.receiver !== 'none') body = [`val ${camelCase(SELF_PARAM)} = this`, ...keepObjectsAlive(native, body)];
  else body = keepObjectsAlive(native, body);
  const ret = k.kotlinType(m.returns);
  return `${doc(owner, m)}\n    ${override}${m.isAsync ? 'suspend fun' : 'fun'} ${name}(${params})${ret === 'Unit' ? '' : `: ${ret}`} {\n${indent(body, '        ')}\n    }`;
}

/** Companion-object members, indented one level more than class members. */
function companionObject(members: string[]): string {
  return `    companion object${members.length > 0 ? ` {\n${members.map((m) => m.split('\n').map((l) => (l.length > 0 ? `    ${l}` : l)).join('\n')).join('\n\n')}\n    }` : ''}`;
}

/**
 * The members a record's data class, or an enum's enum class or sealed class, gets: its
 * methods (each call sends a copy of `this`), `toString()` from Rust's `Display`, and its
 * associated fns on the companion object. Empty when it has none of these.
 */
export function valueMembers(owner: ValueOwner, k: KotlinEmit): string[] {
  const o: MemberOwner = { name: owner.name, rustPath: owner.rustPath, native: (m) => asValueNativeFn(owner, m), byHandle: false };
  const members = owner.methods.filter((m) => m.receiver !== 'none').map((m) => member(o, m, k));
  const companion = owner.methods.filter((m) => m.receiver === 'none').map((m) => member(o, m, k));
  if (valueHasDisplay(owner)) {
    const native = displayNativeFn(owner);
    const { prelude, call } = nativeCall(native, k);
    const body = [`val ${camelCase(SELF_PARAM)} = this`, ...prelude, ...k.syncBody(native, call)];
    // A sealed class's toString is final, so its data class and data object variants do
    // not generate their own over it.
    const final = 'variants' in owner && owner.variants.some((v) => v.style !== 'unit') ? 'final ' : '';
    members.push(`    /** Rust's \`Display\` text (\`${owner.rustPath}\`); it runs on the calling thread. */\n    ${final}override fun toString(): String {\n${indent(body, '        ')}\n    }`);
  }
  if (members.length === 0 && companion.length === 0) return [];
  return [...members, ...(companion.length > 0 ? [companionObject(companion)] : [])];
}

/** `new` as a secondary constructor plus the private companion helper that calls Rust. */
function constructor(obj: ObjectDecl, m: MethodDecl, k: KotlinEmit): { ctor: string; helper: string } {
  const native = asNativeFn(obj, m);
  const params = userParams(native, k);
  const argNames = native.params.filter((p) => p.type.kind !== 'token').map((p) => kotlinName(p.name)).join(', ');
  const t = m.returns;
  // Rust writes the new handle as an i64 on the wire (led by the Ok/Err tag for Result).
  const { prelude, call } = nativeCall(native, k);
  const lines = [...prelude, `val r = WireReader(${call})`];
  if (t.kind === 'result') lines.push(`if (r.bool()) throw ${CODECS_OBJECT}.read${(t.err as { name: string }).name}(r)`);
  lines.push('val handle = r.i64()', 'r.finish()', 'return handle');
  const helper = `    private fun ferryNew(${params}): Long {\n${indent(keepObjectsAlive(native, lines), '        ')}\n    }`;
  const ctor = `${doc(objectOwner(obj), m)}\n    constructor(${params}) : this(ferryNew(${argNames}), RustObject.Adopt)`;
  return { ctor, helper };
}

function objectClass(obj: ObjectDecl, k: KotlinEmit): string {
  const members: string[] = [];
  const companion: string[] = [];
  let ctor: string | null = null;
  for (const m of obj.methods) {
    const role = methodRole(m);
    if (role === 'constructor') {
      const c = constructor(obj, m, k);
      ctor = c.ctor;
      companion.push(c.helper);
    } else if (role === 'companion') {
      companion.push(member(objectOwner(obj), m, k));
    } else {
      members.push(member(objectOwner(obj), m, k));
    }
  }
  const parts = [
    ...(ctor ? [ctor] : []),
    ...members,
    ...traitMembers(obj),
    companionObject(companion),
  ];
  return `${kdoc(obj.docs, [
    `Rust object \`${obj.rustPath}\`, owned through a handle. Call [close] (or use \`use { }\`)`,
    'when done; an object never closed is released by a Cleaner once unreachable. Methods of',
    'a closed object throw IllegalStateException; a call already running keeps the Rust value',
    'alive until it ends.',
  ])}${obj.implementsTrait ? 'internal ' : ''}class ${obj.name} internal constructor(
    ferryHandle: Long,
    @Suppress("UNUSED_PARAMETER") ferryAdopt: RustObject.Adopt,
) : RustObject(ferryHandle, ${RELEASE_OBJECT})${obj.traits?.ord ? `, Comparable<${obj.name}>` : ''}${obj.implementsTrait ? `, ${obj.implementsTrait}` : ''} {
${parts.join('\n\n')}
}`;
}

export function emitObjectsFile(ir: CrateIr, k: KotlinEmit): string | null {
  if (ir.objects.length === 0) return null;
  const streams = ir.objects.some((o) => o.methods.some((m) => m.returns.kind === 'stream'));
  return `${k.header}
import dev.ferry.RustError
import dev.ferry.RustObject
import dev.ferry.WireReader
import dev.ferry.WireWriter
import dev.ferry.ferryCall
${streams ? STREAM_IMPORTS.map((i) => `import ${i}\n`).join('') : ''}
/** Releases handles of this library's objects (close() and the Cleaner). */
internal object ${RELEASE_OBJECT} : RustObject.HandleRelease {
    override fun release(handle: Long) {
        ${NATIVE_OBJECT}.ferryReleaseObject(handle)
    }
}

${ir.objects.map((o) => objectClass(o, k)).join('\n\n')}
`;
}
