// Rust glue emitter: JNI exports that lift arguments, call the user's function (spawning
// async ones on ferry's runtime), and lower results; plus wire codecs for exported types.

import type { CrateIr, EnumDecl, FnDecl, RecordDecl, TypeRef } from '../ir/model.js';
import { unraw } from '../names.js';
import { cDeclaration, cSymbol, renderC, renderJni, type AbiPrim, type NativeExport, type NativeParam, type NativeResult } from './rust-faces.js';
import { JNI_RUST, valueAbi, WIRE_METHOD } from './abi.js';
import { callbackParam, flowParam, isRegistryParam, registersCallbacks, typeContains, type Prim } from '../ir/model.js';
import { allNativeFns, SELF_PARAM } from '../ir/objects.js';
import { adaptObjectResult, isObjectParam, objectEncode, objectLiftParam, objectNativeParam, objectRuntimeExports } from './rust-objects.js';
import { callbackFromHandle, callbackLiftParam, callbackProxy, flowLiftParam, traitHolder, traitObjectEncode } from './rust-callbacks.js';
import { returnedTraits } from '../ir/trait-objects.js';
import { STREAM_NATIVE_PARAMS, streamExportBody, streamRuntimeExports } from './rust-streams.js';
import { WireSizes } from './wire-size.js';
import { interfaceFingerprint, RUNTIME_PROTOCOL } from './fingerprint.js';
import { framesEncode, framesRuntimeExports } from './frames.js';
import { bufferFormName, bufferParam, commits, disjointCheck, hasBufferForm, inPlaceSlice, sliceLift } from './byte-views.js';

export const GENERATOR_VERSION = '0.1.0';

export class RustTypes {
  private readonly paths = new Map<string, string>();
  readonly sizes: WireSizes;
  /** Callback traits that Rust returns, which have a holder object (see ir/trait-objects.ts). */
  readonly withHolder: Set<string>;
  /** Thread-affine objects: their handles hold a `ferry::affine::Affine<T>`. */
  readonly affine: Set<string>;
  constructor(ir: CrateIr) {
    this.affine = new Set(ir.objects.filter((o) => o.threadAffine).map((o) => o.name));
    this.withHolder = new Set(ir.objects.flatMap((o) => (o.implementsTrait ? [o.implementsTrait] : [])));
    for (const t of [...ir.records, ...ir.enums, ...ir.objects, ...ir.callbacks]) this.paths.set(t.name, t.rustPath);
    this.sizes = new WireSizes(ir);
  }

  path(name: string): string {
    return this.paths.get(name)!;
  }

  /** The owned Rust type a lifted value has. */
  owned(t: TypeRef): string {
    switch (t.kind) {
      case 'prim': return t.prim;
      case 'unit': return '()';
      case 'string': return '::std::string::String';
      case 'bytes': return '::std::vec::Vec<u8>';
      case 'vec': return `::std::vec::Vec<${this.owned(t.elem)}>`;
      case 'map': return `::std::collections::HashMap<${this.owned(t.key)}, ${this.owned(t.value)}>`;
      case 'option': return `::std::option::Option<${this.owned(t.inner)}>`;
      case 'duration': return '::std::time::Duration';
      case 'named': return this.path(t.name);
      case 'object': return `::std::sync::Arc<${this.path(t.name)}>`;
      case 'callback': return `${t.boxed ? '::std::boxed::Box' : '::std::sync::Arc'}<dyn ${this.path(t.name)}>`;
      case 'ref': return this.owned(t.inner);
      default: throw new Error(`unchecked type ${t.kind} reached the Rust emitter`);
    }
  }
}

/** Statements writing `expr` (an expression of type `&T`) to `w: &mut Writer`. */
export function encode(t: TypeRef, expr: string, depth: number): string {
  switch (t.kind) {
    case 'prim': return `w.${WIRE_METHOD[t.prim]}(*${expr});`;
    case 'string': return `w.str(${expr});`;
    case 'bytes': return `w.bytes(${expr});`;
    case 'duration': return `w.duration(*${expr});`;
    case 'vec': return `{ let s${depth} = ${expr}; w.len(s${depth}.len()); for e${depth} in s${depth}.iter() { ${encode(t.elem, `e${depth}`, depth + 1)} } }`;
    case 'map': return `{ let m${depth} = ${expr}; w.len(m${depth}.len()); for (k${depth}, v${depth}) in m${depth}.iter() { ${encode(t.key, `k${depth}`, depth + 1)} ${encode(t.value, `v${depth}`, depth + 1)} } }`;
    case 'option': return `match ${expr} { ::std::option::Option::None => w.u8(0), ::std::option::Option::Some(x${depth}) => { w.u8(1); ${encode(t.inner, `x${depth}`, depth + 1)} } }`;
    case 'named': return `write_${t.name}(w, ${expr});`;
    case 'object': return objectEncode(expr);
    case 'callback': return traitObjectEncode(t.name, expr);
    case 'frames': return framesEncode(t, expr);
    default: throw new Error(`cannot encode ${t.kind}`);
  }
}

/**
 * An expression reading a `T` from `r: &mut Reader`; `?` propagates wire errors. With `take`
 * (a callback's reply), object handles were made for Rust (`ferryShareObject`) and are taken
 * over; otherwise (an argument, which Kotlin keeps reachable) they are looked up.
 */
export function decode(t: TypeRef, types: RustTypes, depth: number, take = false): string {
  switch (t.kind) {
    case 'prim': return `r.${WIRE_METHOD[t.prim]}()?`;
    case 'string': return 'r.string()?';
    case 'bytes': return 'r.byte_vec()?';
    case 'duration': return 'r.duration()?';
    case 'vec': {
      const min = types.sizes.of(t.elem);
      return `{ let n${depth} = r.count(${min})?; let mut v${depth} = ::std::vec::Vec::with_capacity(r.capacity_hint(n${depth}, ${min})); for _ in 0..n${depth} { v${depth}.push(${decode(t.elem, types, depth + 1, take)}); } v${depth} }`;
    }
    case 'map': {
      const min = types.sizes.of(t.key) + types.sizes.of(t.value);
      return `{ let n${depth} = r.count(${min})?; let mut m${depth} = ::std::collections::HashMap::with_capacity(r.capacity_hint(n${depth}, ${min})); for _ in 0..n${depth} { let k${depth} = ${decode(t.key, types, depth + 1, take)}; m${depth}.insert(k${depth}, ${decode(t.value, types, depth + 1, take)}); } m${depth} }`;
    }
    case 'option': return `match r.u8()? { 0 => ::std::option::Option::None, 1 => ::std::option::Option::Some(${decode(t.inner, types, depth + 1, take)}), tag => return ::std::result::Result::Err(WireError(format!("option tag {tag}")).into()) }`;
    case 'named': return `read_${t.name}(r)?`;
    // Only in an argument's lifting or a callback's reply (objects are never record fields):
    // a closed or stale handle fails the call with IllegalStateException, as a direct object
    // argument does.
    case 'object': return `::ferry::objects::${take ? 'take' : 'get'}::<${types.path(t.name)}>(r.i64()?, "${t.name}")?`;
    // In an argument's lifting (which runs before any other argument's) or a callback's
    // reply: from here the proxy owns the registration Kotlin made while encoding.
    case 'callback': return `{ let __h = r.i64()?; ${callbackFromHandle('__h', t, types, take)} }`;
    default: throw new Error(`cannot decode ${t.kind}`);
  }
}

export function wireBytes(body: string): string {
  return `{ let mut __w = Writer::new(); let w = &mut __w; ${body} __w.into_bytes() }`;
}

/**
 * Which exported types the glue reads (reachable from a parameter) and writes (reachable
 * from a result, an error or a stream item). Only those codecs are emitted, so the user's
 * build shows no dead-code warning from the glue (and `#![deny(warnings)]` crates build).
 */
export interface CodecUse {
  reads: Set<string>;
  writes: Set<string>;
}

export function codecUse(ir: CrateIr): CodecUse {
  const fields = new Map<string, TypeRef[]>();
  for (const r of ir.records) fields.set(r.name, r.fields.map((f) => f.type));
  for (const e of ir.enums) fields.set(e.name, e.variants.flatMap((v) => v.fields.map((f) => f.type)));
  const use: CodecUse = { reads: new Set(), writes: new Set() };
  const mark = (t: TypeRef | null, into: Set<string>): void => {
    if (!t) return;
    switch (t.kind) {
      case 'named':
        if (into.has(t.name)) return;
        into.add(t.name);
        for (const f of fields.get(t.name) ?? []) mark(f, into);
        return;
      case 'vec': return mark(t.elem, into);
      case 'option': return mark(t.inner, into);
      case 'ref': return mark(t.inner, into);
      case 'map': mark(t.key, into); return mark(t.value, into);
      case 'result': mark(t.ok, into); return mark(t.err, into);
      case 'stream': return mark(t.item, into);
      default: return;
    }
  };
  for (const fn of allNativeFns(ir)) {
    for (const p of fn.params) mark(p.type, use.reads);
    mark(fn.returns, use.writes);
  }
  // Callbacks run the other way: Rust writes the arguments and reads the result.
  for (const m of ir.callbacks.flatMap((c) => c.methods)) {
    for (const p of m.params) mark(p.type, use.writes);
    mark(m.returns, use.reads);
  }
  return use;
}

function recordCodecs(rec: RecordDecl, types: RustTypes, use: CodecUse): string {
  const path = types.path(rec.name);
  const writes = rec.fields.map((f) => `    ${encode(f.type, `&v.${f.name}`, 0)}`).join('\n');
  const reads = rec.fields.map((f) => `${f.name}: ${decode(f.type, types, 0)}`).join(', ');
  const out: string[] = [];
  if (use.writes.has(rec.name)) {
    out.push(`pub(super) fn write_${rec.name}(w: &mut Writer, v: &${path}) {
    w.enter();
${writes}
    w.leave();
}`);
  }
  if (use.reads.has(rec.name)) {
    out.push(`pub(super) fn read_${rec.name}(r: &mut Reader) -> WireResult<${path}> {
    r.enter()?;
    let v = ${path} { ${reads} };
    r.leave();
    Ok(v)
}`);
  }
  return out.join('\n\n');
}

function variantPattern(path: string, v: EnumDecl['variants'][number]): string {
  if (v.style === 'unit') return `${path}::${v.name}`;
  if (v.style === 'tuple') return `${path}::${v.name}(${v.fields.map((_, i) => `f${i}`).join(', ')})`;
  return `${path}::${v.name} { ${v.fields.map((f, j) => `${f.name}: f${j}`).join(', ')} }`;
}

function enumCodecs(en: EnumDecl, types: RustTypes, use: CodecUse): string {
  const path = types.path(en.name);
  const writeArms = en.variants.map((v, i) => {
    // Fields are bound as f0, f1, ... in both styles: a field named like the glue's own
    // locals (`w`, `v`) cannot shadow them.
    const fields = v.fields.map((f, j) => encode(f.type, `f${j}`, 0)).join(' ');
    return `        ${variantPattern(path, v)} => { w.u32(${i}); ${fields} }`;
  }).join('\n');
  // Errors carry their Display text (when the crate defines one) as the Kotlin message.
  const message = en.isError
    ? (en.hasDisplay ? '\n    w.u8(1);\n    w.str(&::std::string::ToString::to_string(v));' : '\n    w.u8(0);')
    : '';
  // Enums with data count as a nesting level (as in the Kotlin codecs); plain ones hold
  // nothing, so neither side counts them.
  const plain = !en.isError && en.variants.every((v) => v.style === 'unit');
  const [enter, leave, readEnter, readLeave] = plain ? ['', '', '', ''] : ['\n    w.enter();', '\n    w.leave();', '\n    r.enter()?;', '\n    r.leave();'];
  const out: string[] = [];
  if (use.writes.has(en.name)) {
    out.push(`pub(super) fn write_${en.name}(w: &mut Writer, v: &${path}) {${enter}
    match v {
${writeArms}
    }${message}${leave}
}`);
  }
  if (use.reads.has(en.name)) {
    const readArms = en.variants.map((v, i) => {
      let value: string;
      if (v.style === 'unit') value = `${path}::${v.name}`;
      else if (v.style === 'tuple') value = `${path}::${v.name}(${v.fields.map((f) => decode(f.type, types, 0)).join(', ')})`;
      else value = `${path}::${v.name} { ${v.fields.map((f) => `${f.name}: ${decode(f.type, types, 0)}`).join(', ')} }`;
      return `        ${i} => ${value},`;
    }).join('\n');
    // An error from Kotlin (a callback's typed exception) may carry a message: Rust's
    // value has its own Display, so the text is read and dropped.
    const skipMessage = en.isError ? '\n    if r.bool()? { let _ = r.string()?; }' : '';
    out.push(`pub(super) fn read_${en.name}(r: &mut Reader) -> WireResult<${path}> {${readEnter}
    let v = match r.variant("${en.name}", ${en.variants.length})? {
${readArms}
        _ => unreachable!("variant index checked by Reader::variant"),
    };${skipMessage}${readLeave}
    Ok(v)
}`);
  }
  return out.join('\n\n');
}

/** The native parameter of one user parameter (tokens have none). */
function nativeParam(name: string, t: TypeRef): NativeParam | null {
  if (isObjectParam(t) || isRegistryParam(t)) return objectNativeParam(name);
  const abi = valueAbi(t);
  switch (abi.kind) {
    case 'token': return null;
    case 'prim': return { name, kind: 'prim', prim: abiPrim(abi.prim) };
    case 'utf8': return { name, kind: 'string' };
    case 'unit': throw new Error('unit parameter');
    default: return { name, kind: 'bytes' };
  }
}

/** Statement turning the native value of a parameter into the owned Rust value. */
function liftParam(name: string, t: TypeRef, types: RustTypes): string | null {
  if (isObjectParam(t)) return objectLiftParam(name, t, types);
  const callback = callbackParam(t);
  if (callback) return callbackLiftParam(name, callback, types);
  const flow = flowParam(t);
  if (flow) return flowLiftParam(name, flow.item!, types, decode(flow.item!, types, 0));
  const abi = valueAbi(t);
  switch (abi.kind) {
    case 'token': return null;
    case 'prim':
      if (abi.prim === 'bool') return `let ${name}: bool = ${name} != 0;`;
      return `let ${name}: ${abi.prim} = ${name} as ${abi.prim};`;
    case 'utf8': return `let ${name}: ::std::string::String = face::string_arg(env, &${name})?;`;
    case 'raw-bytes': return `let ${name}: ::std::vec::Vec<u8> = face::bytes_arg(env, &${name})?;`;
    case 'wire': {
      const inner = t.kind === 'ref' ? t.inner : t;
      return `let ${name}: ${types.owned(inner)} = { let __bytes = face::bytes_arg(env, &${name})?; let mut __r = Reader::new(&__bytes); let r = &mut __r; let __v = ${decode(inner, types, 0)}; __r.finish()?; __v };`;
    }
    case 'unit': throw new Error('unit parameter');
  }
}

/**
 * The local name of a user parameter inside a JNI export. Prefixed, so no user name can
 * collide with the glue's own (`env`, `completion`, `token`, `r`, `w`, `__result`, ...).
 */
export function rustArg(name: string): string {
  return `arg_${unraw(name)}`;
}

function callArgs(fn: FnDecl): string {
  return fn.params.map((p) => {
    if (p.type.kind === 'token') return 'token.clone()';
    // A thread-affine method gets its value on the object's thread (see `functionNative`).
    if (fn.affine && p.name === SELF_PARAM) return '&__this';
    // A `&mut [u8]` is the face's BytesOut (a copy or the caller's memory), which derefs to it.
    if (inPlaceSlice(fn, p.type) === 'out') return `&mut *${rustArg(p.name)}`;
    return p.type.kind === 'ref' ? `&${rustArg(p.name)}` : rustArg(p.name);
  }).join(', ');
}

function primToJni(prim: string, expr: string): string {
  if (prim === 'bool') return `${expr} as u8`;
  const jni = JNI_RUST[prim as keyof typeof JNI_RUST];
  return jni === prim ? expr : `${expr} as ${jni}`;
}

/** Sync return: the native result and an expression of type Result<_, _> giving it, given `__result`. */
function syncReturn(t: TypeRef): { result: NativeResult; expr: string } {
  if (t.kind === 'result') {
    const ok = t.ok.kind === 'unit' ? '' : encode(t.ok, 'v', 0);
    const body = `match &__result { ::std::result::Result::Ok(v) => { w.u8(0); ${ok} } ::std::result::Result::Err(e) => { w.u8(1); write_${(t.err as { name: string }).name}(w, e); } }`;
    return { result: { kind: 'bytes' }, expr: `{ let __bytes = ${wireBytes(body)}; face::bytes_return(env, &__bytes) }` };
  }
  const abi = valueAbi(t);
  switch (abi.kind) {
    case 'unit': return { result: { kind: 'unit' }, expr: 'Ok(())' };
    case 'prim': return { result: { kind: 'prim', prim: abiPrim(abi.prim) }, expr: `Ok(${primToJni(abi.prim, '__result')})` };
    case 'utf8': return { result: { kind: 'string' }, expr: 'face::string_return(env, &__result)' };
    case 'raw-bytes': return { result: { kind: 'bytes' }, expr: 'face::bytes_return(env, &__result)' };
    case 'wire': return { result: { kind: 'bytes' }, expr: `{ let __bytes = ${wireBytes(encode(t, '&__result', 0))}; face::bytes_return(env, &__bytes) }` };
    case 'token': throw new Error('token return');
  }
}

/** Async return: an expression of type Outcome, given `value` (the Ok value or plain result). */
function asyncOutcome(t: TypeRef, value: string): string {
  const abi = valueAbi(t);
  switch (abi.kind) {
    case 'unit': return 'Outcome::Value(0)';
    case 'prim':
      if (abi.prim === 'f32' || abi.prim === 'f64') return `Outcome::Value(${value}.to_bits() as i64)`;
      return `Outcome::Value(${value} as i64)`;
    case 'utf8': return `Outcome::Bytes(${value}.into_bytes())`;
    case 'raw-bytes': return `Outcome::Bytes(${value})`;
    case 'wire': return `Outcome::Bytes(${wireBytes(encode(t, `&${value}`, 0))})`;
    case 'token': throw new Error('token return');
  }
}

/** Whether a value of `t` can hold object handles. */
function registersHandles(t: TypeRef): boolean {
  // A returned trait object is registered as a handle too, and a frame ring end is tracked
  // like one (closed if the result never reaches Kotlin).
  return typeContains(t, (x) => x.kind === 'object' || x.kind === 'callback' || x.kind === 'frames');
}

/** A parameter's type as the user's function declares it (references are `'static`). */
function signatureType(t: TypeRef, types: RustTypes): string {
  if (t.kind === 'token') return '::ferry::CancellationToken';
  if (t.kind !== 'ref') return types.owned(t);
  switch (t.inner.kind) {
    case 'string': return "&'static str";
    case 'bytes': return t.mutable ? "&'static mut [u8]" : "&'static [u8]";
    case 'object': return `&'static ${types.path(t.inner.name)}`;
    default: return `&'static ${types.owned(t.inner)}`;
  }
}

/**
 * Asks that the user's function still takes the parameters this glue was generated for.
 * When it does not, rustc reports the call, whose name says the glue is out of date and
 * how to fix it (see `ferry::__private::GlueSignature`).
 */
function signatureCheck(fn: FnDecl, symbol: string, types: RustTypes): string {
  // An `impl Stream` parameter makes the function generic: no single type to check against.
  if (fn.params.length > 16 || fn.params.some((p) => flowParam(p.type))) return '';
  const sig = fn.params.map((p) => signatureType(p.type, types));
  return `#[allow(dead_code)]
fn __signature_${symbol}() {
    type Params = (${sig.join(', ')}${sig.length === 1 ? ',' : ''});
    ::ferry::__private::if_this_fails_the_glue_is_out_of_date_run_ferry_generate::<Params, _>(${fn.rustPath});
}

`;
}

function functionExport(fn: FnDecl, ir: CrateIr, types: RustTypes): { check: string; native: NativeExport; buffers: NativeExport | null } {
  const name = unraw(fn.name);
  const buffers = hasBufferForm(fn) ? { ...functionNative(fn, types, bufferFormName(name), true), only: 'jni' as const } : null;
  return { check: signatureCheck(fn, name, types), native: functionNative(fn, types, name), buffers };
}

/** With `buffers`, the JNI entry point taking each byte slice as a direct ByteBuffer. */
function functionNative(fn: FnDecl, types: RustTypes, name: string, buffers = false): NativeExport {
  const params = fn.params.map((p) => {
    const slice = inPlaceSlice(fn, p.type);
    if (slice && buffers) return bufferParam(rustArg(p.name));
    if (slice === 'out') return { name: rustArg(p.name), kind: 'bytes-out' as const };
    return nativeParam(rustArg(p.name), p.type);
  }).filter((p): p is NativeParam => p !== null);
  // Callbacks first: once wrapped, a handle is released even when a later argument fails.
  const ordered = [...fn.params.filter((p) => registersCallbacks(p.type)), ...fn.params.filter((p) => !registersCallbacks(p.type))];
  const lifts = ordered.map((p) => {
    const slice = inPlaceSlice(fn, p.type);
    return slice ? sliceLift(rustArg(p.name), slice, buffers) : liftParam(rustArg(p.name), p.type, types);
  }).filter((l): l is string => l !== null);
  const call = `${fn.rustPath}(${callArgs(fn)})`;
  const liftLines = lifts.map((l) => `        ${l}\n`).join('');
  if (fn.returns.kind === 'stream') {
    return { name, params: [...STREAM_NATIVE_PARAMS, ...params], result: { kind: 'prim', prim: 'i64' }, body: streamExportBody(fn, types, liftLines, call) };
  }
  if (!fn.isAsync) {
    const ret = syncReturn(fn.returns);
    // A result holding objects or ring ends registers handles; if the call fails
    // afterwards, the tracked variant releases them.
    const runner = registersHandles(fn.returns) ? 'sync_call_tracked' : 'sync_call';
    return { name, params, result: ret.result, body: `    face::${runner}(&mut env, |env| {
${liftLines}${disjointCheck(fn, rustArg)}        let __result = ${adaptObjectResult(fn.returns, call, types)};
${commits(fn, rustArg)}        ${ret.expr}
    })` };
  }
  // A blocking fn is sync: it runs on Tokio's blocking pool and the call awaits it there
  // (its arguments move into the closure; a panic comes back out as this future's). Its
  // first poll is not made on the caller's thread: that poll would only hand the work to
  // the pool, and may start a pool thread, which a UI thread should not wait for.
  // A thread-affine method runs on its object's thread: the call hands it there (with the
  // value, as `__this`) and awaits the result.
  const awaited = fn.blocking ? `::ferry::calls::blocking(move || ${call}).await`
    : fn.affine ? `${rustArg(SELF_PARAM)}.call(move |__this| async move { ${call}${fn.declaredAsync ? '.await' : ''} }).await`
    : `${call}.await`;
  const completion = fn.blocking ? 'completion | ::ferry::completion::NO_INLINE_POLL' : 'completion';
  const r = fn.returns;
  const outcome = r.kind === 'result'
    ? `match __result { ::std::result::Result::Ok(__ok) => ${asyncOutcome(r.ok, '__ok')}, ::std::result::Result::Err(__err) => Outcome::Error(${wireBytes(`write_${(r.err as { name: string }).name}(w, &__err);`)}) }`
    : asyncOutcome(r, '__result');
  return { name, params: [{ name: 'completion', kind: 'prim', prim: 'i64' }, ...params], result: { kind: 'prim', prim: 'i64' }, body: `    face::sync_call(&mut env, |env| {
${RUNNING_CHECK}${liftLines}        Ok(face::spawn_call(${completion}, move |token| async move {
            let __result = ${adaptObjectResult(fn.returns, awaited, types)};
            ${outcome}
        }))
    })` };
}

/**
 * First statement of an export that needs the runtime (an async call, a stream): after
 * `FerryLibrary.shutdown` it throws IllegalStateException before lifting anything.
 */
export const RUNNING_CHECK = '        ::ferry::runtime::ensure_running()?;\n';

/** The entry points every library has, besides the user's: loading, counters, cancel. */
function runtimeExports(ir: CrateIr): NativeExport[] {
  const counter = (name: string, f: string): NativeExport => ({ name, params: [], result: { kind: 'prim', prim: 'i64' }, body: `    ::ferry::diagnostics::${f}() as i64` });
  const i64 = (name: string): NativeParam => ({ name, kind: 'prim', prim: 'i64' });
  const provider = runtimeProviderLine(ir);
  return [
    { name: 'JNI_OnLoad', only: 'jni', symbol: 'JNI_OnLoad', params: [], result: { kind: 'prim', prim: 'i32' }, body: '' },
    // The C face's set-up: the bindings register their upcalls before the first call.
    { name: 'ferryInit', only: 'c', params: ['complete', 'deliver', 'call', 'callAsync', 'cancelAsync', 'release'].map(i64), result: { kind: 'unit' }, body: `${provider}    face::init_raw(complete, deliver, call, callAsync, cancelAsync, release)` },
    // Kotlin's replies to callbacks: an async method's result, a sync method's (C face).
    { name: 'ferryCallbackDone', params: [i64('call'), { name: 'reply', kind: 'bytes' }], result: { kind: 'unit' }, body: '    face::sync_call(&mut env, |env| face::callbacks::complete(env, call, &reply))' },
    { name: 'ferryCallbackReply', only: 'c', params: [i64('slot'), { name: 'reply', kind: 'bytes' }], result: { kind: 'unit' }, body: '    face::sync_call(&mut env, |env| face::callbacks::reply(env, slot, &reply))' },
    { name: 'ferryFree', only: 'c', params: [i64('buffer')], result: { kind: 'unit' }, body: '    face::free_buffer(buffer as face::Buffer)' },
    // The interface fingerprint these bindings were generated with (see FerryNative's check).
    { name: 'ferryFingerprint', params: [], result: { kind: 'prim', prim: 'i64' }, body: `    0x${interfaceFingerprint(ir)}u64 as i64` },
    { name: 'ferryCancelCall', params: [i64('call')], result: { kind: 'unit' }, body: '    face::cancel_call(call)' },
    // FerryLibrary.shutdown: returns at once, the runtime stops on a thread of its own.
    { name: 'ferryShutdown', params: [i64('timeoutMillis')], result: { kind: 'prim', prim: 'bool' }, body: '    u8::from(::ferry::completion::shutdown(::std::time::Duration::from_millis(timeoutMillis.max(0) as u64)))' },
    counter('ferryPendingCalls', 'pending_calls'),
    counter('ferryLiveObjects', 'live_objects'),
    counter('ferryOpenStreams', 'open_streams'),
    ...streamRuntimeExports(),
    ...objectRuntimeExports(ir),
    ...framesRuntimeExports(ir),
  ];
}

/**
 * Registers the crate's `#[ferry::runtime]` fn when the library loads (JNI_OnLoad, the C
 * face's init): before any call, so the first call builds the crate's runtime.
 */
function runtimeProviderLine(ir: CrateIr): string {
  return ir.runtimeProvider ? `    ::ferry::runtime::set_provider(${ir.runtimeProvider});\n` : '';
}

function indent(text: string): string {
  return text.split('\n').map((l) => (l.length > 0 ? `    ${l}` : l)).join('\n');
}

/** The C header cinterop reads: one declaration per C export of \`emitRust\`. */
export function emitCHeader(ir: CrateIr): string {
  const types = new RustTypes(ir);
  const exported = allNativeFns(ir).map((f) => functionExport(f, ir, types).native);
  const natives = [...runtimeExports(ir), ...exported].filter((n) => n.only !== 'jni');
  const guard = `FERRY_${ir.crateName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_H`;
  return `/* Generated by ferry ${GENERATOR_VERSION} from crate \`${ir.crateName}\`. Do not edit: run \`ferry generate\` again. */
/* The C face of the crate's library, for Kotlin/Native's cinterop. Every function takes
   \`status\` first: two int64_t the caller zeroes; on failure Rust writes a code (1 panic,
   2 invalid argument, 3 invalid state) and a message buffer. Returned buffers start with
   their int64_t length and are freed with ${cSymbol(ir.crateName, 'ferryFree')}. */
#ifndef ${guard}
#define ${guard}

#include <stdbool.h>
#include <stdint.h>

${natives.map((n) => cDeclaration(n, ir.crateName)).join('\n')}

#endif
`;
}

export function emitRust(ir: CrateIr): string {
  const types = new RustTypes(ir);
  const use = codecUse(ir);
  const exported = allNativeFns(ir).map((f) => functionExport(f, ir, types));
  const natives = [...runtimeExports(ir), ...exported.flatMap((e) => (e.buffers ? [e.native, e.buffers] : [e.native]))];
  const onLoad = `pub extern "system" fn JNI_OnLoad(vm: ::ferry::__private::jni::JavaVM, _reserved: *mut ::std::ffi::c_void) -> jint {\n${runtimeProviderLine(ir)}    face::on_load(vm)\n}`;
  const jni = natives.filter((n) => n.only !== 'c')
    .map((n) => (n.symbol === 'JNI_OnLoad' ? `#[no_mangle]\n${onLoad}` : renderJni(n, ir.kotlinPackage))).join('\n\n');
  const c = natives.filter((n) => n.only !== 'jni').map((n) => renderC(n, ir.crateName)).join('\n\n');
  const sections = [
    ...ir.records.map((r) => recordCodecs(r, types, use)),
    ...ir.enums.map((e) => enumCodecs(e, types, use)),
    ...ir.callbacks.map((c) => callbackProxy(c, types)),
    ...returnedTraits(ir).map((c) => traitHolder(c, types)),
    ...exported.map((e) => e.check),
    `/// The JNI face: the JVM and Android load these through \`System.loadLibrary\`.
pub(super) mod jni {
    use super::*;
    use ::ferry::__private::jni::objects::{JByteArray, JClass};
    use ::ferry::__private::jni::sys::{jbyteArray, jint};
    use ::ferry::__private::jni::JNIEnv;
    use ::ferry::jvm as face;

${indent(jni)}
}`,
    `/// The C face: Kotlin/Native calls these through cinterop (see the generated header).
pub(super) mod c {
    use super::*;
    use ::ferry::cabi as face;

${indent(c)}
}`,
  ].filter((s) => s.length > 0);
  const body = sections.join('\n\n').split('\n').map((l) => (l.length > 0 ? `    ${l}` : l)).join('\n');
  return `// Generated by ferry ${GENERATOR_VERSION} from crate \`${ir.crateName}\`. Do not edit: run \`ferry generate\` again.
// Pulled into the crate root by \`ferry::include_glue!()\`.

${ir.allowPanicAbort ? '' : `// Catching panics at the bridge needs unwinding: with panic = "abort" a panic would kill
// the app instead of throwing RustPanicException.
#[cfg(panic = "abort")]
compile_error!("ferry: this crate is built with panic = \\"abort\\", so a Rust panic would abort the process instead of reaching Kotlin as RustPanicException. Build with panic = \\"unwind\\" (the default), or accept aborts with \`allow-panic-abort = true\` under [package.metadata.ferry] in Cargo.toml and run ferry generate again.");

`}// The runtime protocol this glue speaks: a \`ferry\` crate of another release fails here.
const _: () = ::ferry::__private::if_this_fails_the_ferry_cli_and_the_ferry_crate_differ_in_version::<${RUNTIME_PROTOCOL}>();

#[doc(hidden)]
#[allow(non_snake_case, unused_mut, unused_variables, unused_braces, unused_imports, unused_unsafe, clippy::all)]
mod __ferry_glue {
    use ::ferry::calls::Outcome;
    use ::ferry::wire::{Reader, WireError, WireResult, Writer};

${body}
}
`;
}

/** The ABI primitive a Rust primitive crosses as (unsigned ride as signed, bool as a byte). */
function abiPrim(prim: Prim): AbiPrim {
  if (prim === 'bool') return 'bool';
  return JNI_RUST[prim] as AbiPrim;
}
