// Kotlin emitter: the `external fun`s of the native library, user-facing wrappers
// (plain `fun` for sync, `suspend fun` for async), data classes, enums, sealed classes,
// exceptions, and the wire codecs matching the Rust side.

import { callbackParam, flowParam, isRegistryParam, registersCallbacks } from '../ir/model.js';
import type { CrateIr, EnumDecl, Field, FnDecl, Prim, RecordDecl, TypeRef, Variant } from '../ir/model.js';
import { CODECS_OBJECT, JOURNAL, kotlinIdent, kotlinName, kotlinPropertyName, LIBRARY_OBJECT, NATIVE_OBJECT, screamingSnake, unraw } from '../names.js';
import { JNI_KOTLIN, kotlinFromBits, USER_KOTLIN, valueAbi, WIRE_METHOD } from './abi.js';
import { emitCHeader, GENERATOR_VERSION } from './rust.js';
import { allNativeFns, isObjectParam, valueNativeFns } from '../ir/objects.js';
import { emitObjectsFile, keepObjectsAlive, objectDecode, objectNativeArg, objectNativeDecls, valueMembers, type KotlinEmit } from './kotlin-objects.js';
import { dispatchName, emitCallbacksFile } from './kotlin-callbacks.js';
import { traitObjectName } from '../ir/trait-objects.js';
import { RELEASE_OBJECT } from './kotlin-objects.js';
import { resultsHoldHandles } from './rust-objects.js';
import { cinteropDef, decl, jvmExternal, nativeImports, nativeMember, nativeUpcalls, type NativeDecl } from './kotlin-native.js';
import { cSymbol } from './rust-faces.js';
import { STREAM_IMPORTS, STREAM_NATIVE_PARAMS, streamBody, streamDoc, streamKotlinType } from './kotlin-streams.js';
import { WireSizes } from './wire-size.js';
import { isMessageType } from '../check/check.js';
import { kdoc, runsOn } from './kdoc.js';
import { interfaceFingerprint, RUNTIME_PROTOCOL, RUNTIME_VERSION } from './fingerprint.js';
import { aliasChecks, bufferNativeDecls, sliceNote, emitBufferOverloads, hasBufferOverloads, nativeBufferStub, type BufferEmit } from './byte-views.js';
import { framesDecode, framesKotlinType, framesNativeDecls, framesOverrides, usesFrames } from './frames.js';

export interface KotlinFile {
  path: string; // relative to --kotlin-out
  content: string;
}

export function kotlinType(t: TypeRef): string {
  switch (t.kind) {
    case 'prim': return USER_KOTLIN[t.prim];
    case 'unit': return 'Unit';
    case 'string': return 'String';
    case 'bytes': return 'ByteArray';
    case 'vec': return `List<${kotlinType(t.elem)}>`;
    case 'map': return `Map<${kotlinType(t.key)}, ${kotlinType(t.value)}>`;
    case 'option': return `${kotlinType(t.inner)}?`;
    case 'duration': return 'kotlin.time.Duration';
    case 'named': return t.name;
    case 'object': return t.name;
    case 'callback': return t.name;
    case 'ref': return kotlinType(t.inner);
    case 'result': return kotlinType(t.ok);
    case 'frames': return framesKotlinType(t);
    case 'stream': return `kotlinx.coroutines.flow.Flow<${kotlinType(t.item!.kind === 'result' ? t.item!.ok : t.item!)}>`;
    default: throw new Error(`unchecked type ${t.kind} reached the Kotlin emitter`);
  }
}

function fieldName(f: Field, style: 'unit' | 'tuple' | 'struct' | 'named', count: number): string {
  return kotlinIdent(kotlinPropertyName(f.name, style, count));
}

/**
 * Statements writing `expr` to `w: WireWriter`. With `transfer` (a callback's reply, which
 * Rust keeps after Kotlin let go of it), an object crosses as a new handle that Rust takes
 * over; otherwise (an argument, kept reachable until Rust has looked it up) as its own.
 */
export function encode(t: TypeRef, expr: string, depth: number, transfer = false): string {
  switch (t.kind) {
    case 'prim': return `w.${WIRE_METHOD[t.prim]}(${expr})`;
    case 'string': return `w.string(${expr})`;
    case 'bytes': return `w.bytes(${expr})`;
    case 'duration': return `w.duration(${expr})`;
    case 'vec': return `w.len(${expr}.size); for (e${depth} in ${expr}) { ${encode(t.elem, `e${depth}`, depth + 1, transfer)} }`;
    case 'map': return `w.len(${expr}.size); for ((k${depth}, v${depth}) in ${expr}) { ${encode(t.key, `k${depth}`, depth + 1, transfer)}; ${encode(t.value, `v${depth}`, depth + 1, transfer)} }`;
    case 'option': return `${expr}?.let { o${depth} -> w.bool(true); ${encode(t.inner, `o${depth}`, depth + 1, transfer)} } ?: w.bool(false)`;
    case 'named': return `${CODECS_OBJECT}.write${t.name}(w, ${expr})`;
    case 'object': return `w.i64(${objectHandle(`${expr}.ferryHandle()`, transfer)})`;
    // Only in arguments, which the generated wrapper encodes after every other argument, and
    // in callback replies.
    case 'callback': return `w.i64(${callbackHandle(t, expr, transfer)})`;
    default: throw new Error(`cannot encode ${t.kind}`);
  }
}

function objectHandle(handle: string, transfer: boolean): string {
  return transfer ? `${NATIVE_OBJECT}.ferryShareObject(${handle})` : handle;
}

/**
 * Minimum wire sizes of the crate being emitted, for the collection counts in [decode].
 * Set by [emitKotlin] before anything is emitted (emission is synchronous, one crate at a time).
 */
let sizes: WireSizes | null = null;

/** Callback traits Rust returns (they have a Rust-implementation class); set with [sizes]. */
let withHolder = new Set<string>();

function minSize(t: TypeRef): number {
  if (!sizes) throw new Error('decode() called outside emitKotlin()');
  return sizes.of(t);
}

/** An expression reading a value from `r: WireReader`. */
export function decode(t: TypeRef, depth: number): string {
  switch (t.kind) {
    case 'prim': return `r.${WIRE_METHOD[t.prim]}()`;
    case 'string': return 'r.string()';
    case 'bytes': return 'r.bytes()';
    case 'duration': return 'r.duration()';
    case 'vec': return `r.list(${minSize(t.elem)}) { ${decode(t.elem, depth + 1)} }`;
    case 'map': return `r.map<${kotlinType(t.key)}, ${kotlinType(t.value)}>(${minSize(t.key) + minSize(t.value)}) { m${depth} -> val k${depth} = ${decode(t.key, depth + 1)}; m${depth}[k${depth}] = ${decode(t.value, depth + 1)} }`;
    case 'option': return `(if (r.bool()) ${decode(t.inner, depth + 1)} else null)`;
    case 'named': return `${CODECS_OBJECT}.read${t.name}(r)`;
    // Typed as the interface: the result may be the caller's own Kotlin object.
    case 'callback': return `dev.ferry.Callbacks.returned<${t.name}>(r.i64(), r.i64(), ${RELEASE_OBJECT}) { ${traitObjectName(t.name)}(it, dev.ferry.RustObject.Adopt) }`;
    case 'object': return objectDecode(t.name);
    case 'frames': return framesDecode(t, NATIVE_OBJECT);
    default: throw new Error(`cannot decode ${t.kind}`);
  }
}

const HEADER = (ir: CrateIr) => `// Generated by ferry ${GENERATOR_VERSION} from crate \`${ir.crateName}\`. Do not edit: run \`ferry generate\` again.
@file:Suppress("unused", "RedundantVisibilityModifier", "UNUSED_VARIABLE", "NAME_SHADOWING", "ArrayInDataClass")

package ${ir.kotlinPackage.split('.').map(kotlinIdent).join('.')}
`;

// ---------------------------------------------------------------- types

/** A class body's members (methods, `toString`, companion), or nothing. */
function body(members: string[]): string {
  return members.length > 0 ? ` {\n${members.join('\n\n')}\n}` : '';
}

function recordClass(rec: RecordDecl): string {
  const fields = rec.fields.map((f) => `${kdoc(f.docs, [], '    ')}    val ${fieldName(f, 'named', rec.fields.length)}: ${kotlinType(f.type)},`).join('\n');
  return `${kdoc(rec.docs)}data class ${rec.name}(\n${fields}\n)${body(valueMembers(rec, KOTLIN_EMIT))}`;
}

function isPlainEnum(en: EnumDecl): boolean {
  return !en.isError && en.variants.every((v) => v.style === 'unit');
}

function variantFields(v: Variant): string {
  return v.fields.map((f) => `val ${fieldName(f, v.style, v.fields.length)}: ${kotlinType(f.type)}`).join(', ');
}

function enumClass(en: EnumDecl): string {
  if (isPlainEnum(en)) {
    const members = valueMembers(en, KOTLIN_EMIT);
    const entries = en.variants.map((v) => `${kdoc(v.docs, [], '    ')}    ${screamingSnake(v.name)},`).join('\n');
    return `${kdoc(en.docs)}enum class ${en.name} {\n${entries}${members.length > 0 ? `\n    ;\n\n${members.join('\n\n')}` : ''}\n}`;
  }
  if (en.isError) {
    const variants = en.variants.map((v) => {
      const props = v.fields.map((f) => fieldName(f, v.style, v.fields.length));
      const shown = props.length === 0 ? v.name : `${v.name}(${props.map((p) => `${p.replace(/`/g, '')}=\$${p}`).join(', ')})`;
      const messageField = v.style === 'struct' ? v.fields.find((f) => f.name === 'message' && isMessageType(f.type)) : undefined;
      if (messageField) {
        // The variant's own `message` is the exception's `message` (also when it is None);
        // Rust's Display text, still sent, gives way to it.
        const fields = v.fields.map((f) => (f === messageField ? `override val message: ${kotlinType(f.type)}` : `val ${fieldName(f, v.style, v.fields.length)}: ${kotlinType(f.type)}`));
        const base = messageField.type.kind === 'string' ? 'message' : `message ?: "${shown}"`;
        return `${kdoc(v.docs, [], '    ')}    class ${v.name}(${[...fields, 'ferryDisplay: String? = null'].join(', ')}) : ${en.name}(${base})`;
      }
      const params = [variantFields(v), 'message: String? = null'].filter((s) => s.length > 0).join(', ');
      return `${kdoc(v.docs, [], '    ')}    class ${v.name}(${params}) : ${en.name}(message ?: "${shown}")`;
    }).join('\n');
    return `${kdoc(en.docs)}sealed class ${en.name}(message: String) : Exception(message) {\n${variants}\n}`;
  }
  const variants = en.variants.map((v) =>
    kdoc(v.docs, [], '    ') + (v.fields.length === 0 ? `    data object ${v.name} : ${en.name}()` : `    data class ${v.name}(${variantFields(v)}) : ${en.name}()`),
  ).join('\n');
  const members = valueMembers(en, KOTLIN_EMIT);
  return `${kdoc(en.docs)}sealed class ${en.name} {\n${variants}${members.length > 0 ? `\n\n${members.join('\n\n')}` : ''}\n}`;
}

// ---------------------------------------------------------------- codecs

function recordCodec(rec: RecordDecl): string {
  const names = rec.fields.map((f) => fieldName(f, 'named', rec.fields.length));
  const writes = rec.fields.map((f, i) => `        ${encode(f.type, `v.${names[i]}`, 0)}`).join('\n');
  const reads = rec.fields.map((f, i) => `${names[i]} = ${decode(f.type, 0)}`).join(', ');
  return `    fun write${rec.name}(w: WireWriter, v: ${rec.name}): Unit = w.nested {\n${writes}\n    }\n\n    fun read${rec.name}(r: WireReader): ${rec.name} = r.nested { ${rec.name}(${reads}) }`;
}

function enumCodec(en: EnumDecl): string {
  const count = en.variants.length;
  if (isPlainEnum(en)) {
    return `    fun write${en.name}(w: WireWriter, v: ${en.name}) = w.i32(v.ordinal)\n\n    fun read${en.name}(r: WireReader): ${en.name} = ${en.name}.entries[r.variant("${en.name}", ${count})]`; // no nesting: nothing to bound
  }
  const construct = (v: Variant, extra: string[]) => {
    const args = [...v.fields.map((f) => decode(f.type, 0)), ...extra];
    if (v.fields.length === 0 && !en.isError) return `${en.name}.${v.name}`;
    return `${en.name}.${v.name}(${args.join(', ')})`;
  };
  const readArms = en.variants.map((v, i) => `        ${i} -> ${construct(v, en.isError ? ['r.readMessage()'] : [])}`).join('\n');
  const read = `    fun read${en.name}(r: WireReader): ${en.name} = r.nested {\n        when (r.variant("${en.name}", ${count})) {\n${readArms.split('\n').map((l) => `    ${l}`).join('\n')}\n            else -> error("unreachable: variant index checked")\n        }\n    }`;
  const writeArms = en.variants.map((v, i) => {
    const head = v.fields.length === 0 && !en.isError ? `${en.name}.${v.name}` : `is ${en.name}.${v.name}`;
    const fields = v.fields.map((f) => `; ${encode(f.type, `v.${fieldName(f, v.style, v.fields.length)}`, 0)}`).join('');
    return `            ${head} -> { w.i32(${i})${fields} }`;
  }).join('\n');
  // An error thrown by a Kotlin callback: Rust reads the variant and skips the message
  // (its own value has a Display), so none is sent.
  const noMessage = en.isError ? '\n        w.bool(false)' : '';
  return `    fun write${en.name}(w: WireWriter, v: ${en.name}): Unit = w.nested {\n        when (v) {\n${writeArms}\n        }${noMessage}\n    }\n\n${read}`;
}

// ---------------------------------------------------------------- functions

function nativeParams(fn: FnDecl): string[] {
  const out: string[] = fn.returns.kind === 'stream' ? [...STREAM_NATIVE_PARAMS] : fn.isAsync ? ['__completion: Long'] : [];
  for (const p of fn.params) {
    const abi = valueAbi(p.type);
    if (abi.kind === 'token') continue;
    out.push(`${kotlinName(p.name)}: ${nativeParamType(p.type)}`);
  }
  return out;
}

/** A parameter's type in `FerryNative` (both targets: strings stay `String`, see docs/wire-format.md). */
function nativeParamType(t: TypeRef): string {
  if (isObjectParam(t) || isRegistryParam(t)) return 'Long';
  const abi = valueAbi(t);
  if (abi.kind === 'prim') return JNI_KOTLIN[abi.prim];
  return abi.kind === 'utf8' ? 'String' : 'ByteArray';
}

function nativeReturn(fn: FnDecl): string {
  if (fn.isAsync || fn.returns.kind === 'stream') return 'Long';
  if (fn.returns.kind === 'result') return 'ByteArray';
  const abi = valueAbi(fn.returns);
  if (abi.kind === 'unit') return 'Unit';
  if (abi.kind === 'prim') return JNI_KOTLIN[abi.prim];
  return abi.kind === 'utf8' ? 'String' : 'ByteArray';
}

/**
 * The handle a Kotlin implementation crosses as: a new registration that Rust's proxy owns
 * and releases. A Rust implementation Kotlin got back goes back as its own handle (Rust gets
 * the same Arc); a Box cannot share it, so there it is called through a registration.
 */
function callbackHandle(callback: { name: string; boxed: boolean }, v: string, transfer = false): string {
  const plain = `dev.ferry.Callbacks.register(${v}, ${dispatchName(callback.name)}, ${NATIVE_OBJECT})`;
  if (!withHolder.has(callback.name) || callback.boxed) return plain;
  return `((${v} as? ${traitObjectName(callback.name)})?.let { ${objectHandle('it.ferryHandle()', transfer)} or (1L shl 62) } ?: ${plain})`;
}

export function nativeArg(name: string, t: TypeRef): string | null {
  if (isObjectParam(t)) return objectNativeArg(name);
  // Registered last-minute: from here Rust owns the entry (its proxy releases it).
  const callback = callbackParam(t);
  if (callback) return callback.optional ? `(${name}?.let { ${callbackHandle(callback, 'it')} } ?: 0L)` : callbackHandle(callback, name);
  const flow = flowParam(t);
  if (flow) {
    // Registered as the call starts; Rust's stream owns the entry from then on.
    return `dev.ferry.Callbacks.register(dev.ferry.FlowSource(${name}) { w, __v -> ${encode(flow.item!, '__v', 0)} }, dev.ferry.FlowSourceDispatch, ${NATIVE_OBJECT})`;
  }
  const abi = valueAbi(t);
  switch (abi.kind) {
    case 'token': return null;
    case 'prim': {
      const kotlinUser = USER_KOTLIN[abi.prim];
      return kotlinUser === JNI_KOTLIN[abi.prim] ? name : `${name}.to${JNI_KOTLIN[abi.prim]}()`;
    }
    case 'utf8': return name;
    case 'raw-bytes': return name;
    // The value is bound first so the writer's `w` cannot shadow a parameter named `w`.
    case 'wire': return `${name}.let { __v -> WireWriter().also { w -> ${encode(abi.type, '__v', 0)} }.toByteArray() }`;
    case 'unit': throw new Error('unit param');
  }
}

/**
 * The native arguments of a call and the lines to run before it. A registration belongs to
 * Rust once made, so every argument that can still throw (reading a closed object's handle)
 * must be evaluated before the first one that registers: those after it are bound first.
 */
export function nativeArguments(params: FnDecl['params']): { prelude: string[]; args: string[] } {
  const all = params.flatMap((p, i) => {
    const arg = nativeArg(kotlinName(p.name), p.type);
    // A primitive, a String or a ByteArray is passed as it is (at most converted): reading
    // it can neither throw nor register anything.
    const plain = !isObjectParam(p.type) && !registersCallbacks(p.type) && ['prim', 'utf8', 'raw-bytes'].includes(valueAbi(p.type).kind);
    return arg === null ? [] : [{ i, arg, plain }];
  });
  const aliases = aliasChecks(params);
  if (!params.some((p) => registersCallbacks(p.type))) return { prelude: aliases, args: all.map((a) => a.arg) };
  // Registering hands an entry to Rust only once the call is made. Every other argument is
  // read under a journal of this thread's registrations, sealed just before the call: one
  // that throws half-way (a closed object, a value too deep) releases the entries made so far.
  return {
    prelude: [
      ...aliases,
      `val ${JOURNAL} = dev.ferry.Callbacks.openJournal()`,
      ...all.filter((a) => !a.plain).map((a) => `val __ferryArg${a.i} = ${JOURNAL}.guard { ${a.arg} }`),
      `${JOURNAL}.seal()`,
    ],
    args: all.map((a) => (a.plain ? a.arg : `__ferryArg${a.i}`)),
  };
}

/** Lines that turn a wire reader positioned at the value into the return statement. */
function returnFromReader(t: TypeRef): string[] {
  if (t.kind === 'unit') return ['r.finish()'];
  return [`val value = ${decode(t, 0)}`, 'r.finish()', 'return value'];
}

export function syncBody(fn: FnDecl, call: string): string[] {
  const t = fn.returns;
  if (t.kind === 'result') {
    const err = (t.err as { name: string }).name;
    return [`val r = WireReader(${call})`, `if (r.bool()) throw ${CODECS_OBJECT}.read${err}(r)`, ...returnFromReader(t.ok)];
  }
  const abi = valueAbi(t);
  switch (abi.kind) {
    case 'unit': return [call];
    case 'prim': {
      const user = USER_KOTLIN[abi.prim];
      return [user === JNI_KOTLIN[abi.prim] ? `return ${call}` : `return ${call}.to${user}()`];
    }
    case 'utf8': return [`return ${call}`];
    case 'raw-bytes': return [`return ${call}`];
    case 'wire': return [`val r = WireReader(${call})`, ...returnFromReader(t)];
    case 'token': throw new Error('token return');
  }
}

function asyncValue(t: TypeRef): string[] {
  const abi = valueAbi(t);
  switch (abi.kind) {
    case 'unit': return [];
    case 'prim': return [`return ${kotlinFromBits(abi.prim, 'raw as Long')}`];
    case 'utf8': return ['return (raw as ByteArray).decodeToString()'];
    case 'raw-bytes': return ['return raw as ByteArray'];
    case 'wire': return ['val r = WireReader(raw as ByteArray)', ...returnFromReader(t)];
    case 'token': throw new Error('token return');
  }
}

/**
 * The `dev.ferry.ValueKind` in which the runtime resumes the caller of an infallible async
 * fn returning `t`, when it can: then the wrapper returns the call's result unchanged (a
 * tail call, which needs no continuation object of its own). Unsigned values keep the raw
 * path: they are inline classes, which the runtime cannot box as the caller expects.
 */
const VALUE_KIND: Partial<Record<Prim, string>> = {
  bool: 'BOOLEAN', i8: 'BYTE', i16: 'SHORT', i32: 'INT', i64: 'LONG', f32: 'FLOAT', f64: 'DOUBLE',
};

function directValueKind(t: TypeRef): string | undefined {
  const abi = valueAbi(t);
  if (abi.kind === 'unit') return 'UNIT';
  return abi.kind === 'prim' ? VALUE_KIND[abi.prim] : undefined;
}

export function asyncBody(fn: FnDecl, call: string): string[] {
  const t = fn.returns;
  const direct = t.kind === 'result' ? undefined : directValueKind(t);
  if (direct !== undefined) {
    return [`return dev.ferry.ferryCallValue<${kotlinType(t)}>(${NATIVE_OBJECT}, dev.ferry.ValueKind.${direct}) { __completion -> ${call} }`];
  }
  const lines = [`val raw = ferryCall(${NATIVE_OBJECT}) { __completion -> ${call} }`];
  if (t.kind === 'result') {
    lines.push(`if (raw is RustError) throw ${CODECS_OBJECT}.read${(t.err as { name: string }).name}(raw.reader())`);
    lines.push(...asyncValue(t.ok));
  } else {
    lines.push(...asyncValue(t));
  }
  return lines;
}

/** A parameter of a generated Kotlin function; an `Option<T>` one defaults to `null`. */
export function userParam(p: FnDecl['params'][number]): string {
  const name = kotlinName(p.name);
  const t = p.type.kind === 'ref' ? p.type.inner : p.type;
  return `${name}: ${kotlinType(p.type)}${t.kind === 'option' ? ' = null' : ''}`;
}

function wrapper(fn: FnDecl): string {
  const userParams = fn.params.filter((p) => p.type.kind !== 'token').map((p) => userParam(p));
  const { prelude, args } = nativeArguments(fn.params);
  const nativeName = kotlinIdent(unraw(fn.name));
  if (fn.returns.kind === 'stream') {
    const h = { kotlinType, decode, nativeArg };
    const body = streamBody(fn, h, nativeName);
    return `${streamDoc(fn)}\nfun ${kotlinName(fn.name)}(${userParams.join(', ')}): ${streamKotlinType(fn, h)} {\n${body.map((l) => `    ${l}`).join('\n')}\n}`;
  }
  const call = `${NATIVE_OBJECT}.${nativeName}(${[...(fn.isAsync ? ['__completion'] : []), ...args].join(', ')})`;
  const ret = kotlinType(fn.returns);
  const body = keepObjectsAlive(fn, [...prelude, ...(fn.isAsync ? asyncBody(fn, call) : syncBody(fn, call))]);
  const kind = fn.isAsync ? 'suspend fun' : 'fun';
  const retDecl = ret === 'Unit' ? '' : `: ${ret}`;
  const throws = fn.returns.kind === 'result' ? [`@throws ${(fn.returns.err as { name: string }).name} when Rust returns \`Err\`.`] : [];
  const runsNote = runsOn(fn);
  const doc = kdoc(fn.docs, [`Calls Rust \`${fn.rustPath}\`. ${runsNote}`, ...sliceNote(fn), ...throws]);
  return `${doc}${kind} ${kotlinName(fn.name)}(${userParams.join(', ')})${retDecl} {\n${body.map((l) => `    ${l}`).join('\n')}\n}`;
}

/** Every member of `FerryNative`: the runtime's entry points, then the crate's own. */
function nativeDecls(ir: CrateIr): { runtime: NativeDecl[]; crate: NativeDecl[] } {
  const runtime: NativeDecl[] = [
    decl('ferryFingerprint', [], 'Long'),
    decl('ferryCancelCall', ['call: Long'], 'Unit'),
    decl('ferryShutdown', ['timeoutMillis: Long'], 'Boolean'),
    decl('ferryPendingCalls', [], 'Long'),
    decl('ferryLiveObjects', [], 'Long'),
    decl('ferryOpenStreams', [], 'Long'),
    decl('ferryStreamRequest', ['stream: Long', 'n: Long'], 'Unit'),
    decl('ferryStreamClose', ['stream: Long'], 'Unit'),
    decl('ferryCallbackDone', ['call: Long', 'reply: ByteArray'], 'Unit'),
  ];
  const user = allNativeFns(ir).map((fn) => decl(unraw(fn.name), nativeParams(fn), nativeReturn(fn)));
  return { runtime: [...runtime, ...framesNativeDecls(ir)], crate: [...objectNativeDecls(ir), ...user] };
}

function nativeObject(ir: CrateIr, face: 'jvm' | 'native'): string {
  const decls = nativeDecls(ir);
  const render = (d: NativeDecl) => (face === 'jvm' ? jvmExternal(d) : nativeMember(d, ir.crateName));
  const runtime = decls.runtime.map(render).join('\n');
  const user = [...decls.crate, ...(face === 'jvm' ? bufferNativeDecls(ir, nativeParams, nativeReturn) : [])].map(render).join('\n');
  const kind = face === 'jvm' ? 'raw JNI entry points' : 'its C functions, through cinterop';
  const setUp = face === 'jvm' ? '' : `        // Rust reaches Kotlin through these two C functions, from any thread.
        ${cSymbol(ir.crateName, 'ferryInit')}(
            null,
            staticCFunction(::ferryCompleteUpcall).toLong(),
            staticCFunction(::ferryDeliverUpcall).toLong(),
            staticCFunction(::ferryCallbackCallUpcall).toLong(),
            staticCFunction(::ferryCallbackCallAsyncUpcall).toLong(),
            staticCFunction(::ferryCallbackCancelUpcall).toLong(),
            staticCFunction(::ferryCallbackReleaseUpcall).toLong(),
        )
`;
  const header = face === 'jvm' ? HEADER(ir) : HEADER(ir).replace('@file:Suppress(', '@file:OptIn(kotlinx.cinterop.ExperimentalForeignApi::class)\n@file:Suppress(');
  return `${header}${face === 'native' ? nativeImports(ir) : ''}
import dev.ferry.Bindings
import dev.ferry.NativeLibrary
import dev.ferry.NativeRuntime
import dev.ferry.NativeStreams
${usesFrames(ir) ? 'import dev.ferry.NativeFrames\n' : ''}
/** The native library \`${ir.libName}\`: ${kind}. Use the wrappers instead. */
internal object ${NATIVE_OBJECT} : NativeRuntime, NativeStreams${usesFrames(ir) ? ', NativeFrames' : ''} {
    init {
${setUp}        // The library must report the interface these bindings were generated for.
        NativeLibrary.load("${ir.libName}", this, Bindings(0x${interfaceFingerprint(ir)}uL.toLong(), "${GENERATOR_VERSION}", "${RUNTIME_VERSION}", ${RUNTIME_PROTOCOL}))
    }

${runtime}

    override fun fingerprint(): Long = ferryFingerprint()
    override fun cancelCall(call: Long) = ferryCancelCall(call)
    override fun pendingCalls(): Long = ferryPendingCalls()
    override fun liveObjects(): Long = ferryLiveObjects()
    override fun openStreams(): Long = ferryOpenStreams()
    override fun requestStream(stream: Long, n: Long) = ferryStreamRequest(stream, n)
    override fun closeStream(stream: Long) = ferryStreamClose(stream)
    override fun completeCallback(call: Long, reply: ByteArray) = ferryCallbackDone(call, reply)
${framesOverrides(ir)}${resultsHoldHandles(ir) ? '    override fun releaseObject(handle: Long) {\n        ferryReleaseObject(handle)\n    }\n' : ''}${user ? `\n${user}\n` : ''}}
${face === 'native' ? nativeUpcalls(ir) : ''}`;
}

/** The library's public controls: `FerryLibrary.shutdown`. */
function libraryObject(ir: CrateIr): string {
  return `${HEADER(ir)}
import dev.ferry.Callbacks
import kotlinx.coroutines.CoroutineDispatcher
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** The native library \`${ir.libName}\` (crate \`${ir.crateName}\`) as a whole. */
object ${LIBRARY_OBJECT} {
    /**
     * Shuts the library down, for good: calls to its async functions and Flows throw
     * IllegalStateException from now on; calls running now resume with CancellationException
     * and open Flows end with it; the Tokio runtime's threads stop (and detach from the VM)
     * on a thread of their own, waiting at most [timeout] for blocking work. Returns at once,
     * without waiting; false when the library was already shut down. Sync functions that do
     * not need the runtime keep working.
     */
    fun shutdown(timeout: Duration = 5.seconds): Boolean = ${NATIVE_OBJECT}.ferryShutdown(timeout.inWholeMilliseconds)

    /**
     * Where this library's async callback methods run and the Kotlin Flows passed to it are
     * collected; \`null\` (the default) means \`dev.ferry.Callbacks.dispatcher\`, the global
     * choice (\`Dispatchers.Default\` unless set). Applies to the calls that start after it.
     */
    var callbackDispatcher: CoroutineDispatcher?
        get() = Callbacks.dispatcherOrNull(${NATIVE_OBJECT})
        set(value) = Callbacks.setDispatcher(${NATIVE_OBJECT}, value)
}
`;
}

function pascal(name: string): string {
  return name.split(/[-_]/).filter((p) => p).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/**
 * The Kotlin/Native layer: \`FerryNative\` over the C face (same members as the JVM's, so
 * every other generated file is common Kotlin), the C header and the cinterop definition.
 */
export function emitKotlinNative(ir: CrateIr): KotlinFile[] {
  const dir = ir.kotlinPackage.split('.').join('/');
  return [
    { path: `${dir}/${NATIVE_OBJECT}.kt`, content: nativeObject(ir, 'native') },
    ...(hasBufferOverloads(ir) ? [{ path: `${dir}/${pascal(ir.crateName)}ByteBuffers.kt`, content: nativeBufferStub(HEADER(ir)) }] : []),
    { path: `${ir.crateName}.h`, content: emitCHeader(ir) },
    { path: `${ir.crateName}.def`, content: cinteropDef(ir) },
  ];
}

/** The emit helpers the members of objects, records and enums are written with. */
const KOTLIN_EMIT: KotlinEmit = { header: '', kotlinType, userParam, decode, nativeArg, nativeArguments, syncBody, asyncBody };

/** The helpers the JVM's ByteBuffer overloads are written with (see byte-views.ts). */
const BUFFER_EMIT = (ir: CrateIr): BufferEmit => ({ header: HEADER(ir), kotlinType, userParam, nativeArguments, syncBody, keepObjectsAlive });

export function emitKotlin(ir: CrateIr): KotlinFile[] {
  sizes = new WireSizes(ir);
  withHolder = new Set(ir.objects.flatMap((o) => (o.implementsTrait ? [o.implementsTrait] : [])));
  const dir = ir.kotlinPackage.split('.').join('/');
  const base = pascal(ir.crateName);
  const files: KotlinFile[] = [
    { path: `${dir}/${NATIVE_OBJECT}.kt`, content: nativeObject(ir, 'jvm') },
    { path: `${dir}/${LIBRARY_OBJECT}.kt`, content: libraryObject(ir) },
  ];

  const typeDecls = [...ir.records.map(recordClass), ...ir.enums.map(enumClass)];
  if (typeDecls.length > 0) {
    // Records' and enums' members call Rust like the wrappers do.
    const values = valueNativeFns(ir);
    const imports = values.length === 0 ? '' : `\n${[
      'dev.ferry.RustError', 'dev.ferry.WireReader', 'dev.ferry.WireWriter', 'dev.ferry.ferryCall',
      ...(values.some((f) => f.returns.kind === 'stream') ? STREAM_IMPORTS : []),
    ].map((i) => `import ${i}\n`).join('')}`;
    files.push({ path: `${dir}/${base}Types.kt`, content: `${HEADER(ir)}${imports}\n${typeDecls.join('\n\n')}\n` });
  }
  const codecs = [...ir.records.map(recordCodec), ...ir.enums.map(enumCodec)];
  const hasErrors = ir.enums.some((e) => e.isError);
  files.push({
    path: `${dir}/${CODECS_OBJECT}.kt`,
    content: `${HEADER(ir)}
import dev.ferry.WireReader
import dev.ferry.WireWriter

/** Wire codecs for the exported types, mirroring the Rust glue. */
internal object ${CODECS_OBJECT} {
${codecs.join('\n\n')}${hasErrors ? `${codecs.length ? '\n\n' : ''}    /** The Rust error's Display text, when the crate defines one. */\n    private fun WireReader.readMessage(): String? = if (bool()) string() else null` : ''}
}
`,
  });
  const callbacksFile = emitCallbacksFile(ir, { header: HEADER(ir), kotlinType, decode, encode });
  if (callbacksFile) files.push({ path: `${dir}/${base}Callbacks.kt`, content: callbacksFile });
  const objectsFile = emitObjectsFile(ir, { ...KOTLIN_EMIT, header: HEADER(ir) });
  if (objectsFile) files.push({ path: `${dir}/${base}Objects.kt`, content: objectsFile });
  const buffers = emitBufferOverloads(ir, BUFFER_EMIT(ir));
  if (buffers) files.push({ path: `${dir}/${base}ByteBuffers.kt`, content: buffers });
  if (ir.functions.length > 0) {
    files.push({
      path: `${dir}/${base}.kt`,
      content: `${HEADER(ir)}
import dev.ferry.RustError
import dev.ferry.WireReader
import dev.ferry.WireWriter
import dev.ferry.ferryCall
${ir.functions.some((f) => f.returns.kind === 'stream') ? STREAM_IMPORTS.map((i) => `import ${i}\n`).join('') : ''}
${ir.functions.map(wrapper).join('\n\n')}
`,
    });
  }
  return files;
}
