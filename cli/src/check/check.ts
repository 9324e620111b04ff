// Checker: decides what the IR may contain and reports every problem with its location.
// Rules live here and only here; the emitters assume a checked IR.

import { Diagnostics, Span } from '../diagnostics.js';
import { byteSlice, callbackParam, flowParam, slicesInPlace, typeContains } from '../ir/model.js';
import type { CallbackDecl, CrateIr, EnumDecl, Field, FnDecl, MethodDecl, ObjectDecl, RecordDecl, TypeRef } from '../ir/model.js';
import { isObjectParam, methodRole } from '../ir/objects.js';
import { camelCase, CODECS_OBJECT, kotlinPropertyName, LIBRARY_OBJECT, NATIVE_OBJECT, screamingSnake, unraw } from '../names.js';

type Position = 'param' | 'return' | 'field' | 'inner';

export function checkIr(ir: CrateIr, diags: Diagnostics): void {
  for (const r of ir.rejected) diags.error(r.span, r.message);
  for (const fn of ir.functions) checkFn(fn, diags);
  for (const rec of ir.records) checkRecord(rec, diags);
  for (const en of ir.enums) checkEnum(en, diags);
  for (const obj of ir.objects) checkObject(obj, diags);
  for (const cb of ir.callbacks) checkCallback(cb, diags);
  checkThreadAffine(ir, diags);
  checkNameClashes(ir, diags);
}

/** The objects the generator writes into the crate's package. */
const GENERATED_OBJECTS = new Set([NATIVE_OBJECT, CODECS_OBJECT, LIBRARY_OBJECT]);

/** Root packages the generated Kotlin refers to by qualified name inside wrappers. */
const GENERATED_CODE_PACKAGES = new Set(['dev', 'kotlin', 'kotlinx', 'java']);

function checkFn(fn: FnDecl, diags: Diagnostics): void {
  const what = `function \`${fn.name}\``;
  if (fn.generics) diags.error(fn.span, `${what} is generic (${fn.generics}): exported functions need concrete types`);
  if (fn.isUnsafe) diags.error(fn.span, `${what} is \`unsafe\`: the bridge cannot uphold its safety contract; export a safe wrapper`);
  if (!fn.visibleFromRoot) diags.error(fn.span, `${what} is not visible from the crate root: make it (and its modules) \`pub\` or \`pub(crate)\``);
  if (fn.blocking && fn.declaredAsync) diags.error(fn.span, `${what} is \`async\` and marked \`blocking\`: blocking is for sync fns that would block a Tokio worker (they run on the blocking pool); drop one of the two`);
  if (fn.blocking && fn.returns.kind === 'stream') diags.error(fn.span, `${what} returns a stream and is marked \`blocking\`: a stream is polled on the runtime; use tokio::task::spawn_blocking inside it instead`);
  let tokens = 0;
  for (const p of fn.params) {
    if (!p.patternOk) diags.error(p.span, `parameter of ${what} uses a pattern: bind it to a plain name`);
    const kotlinName = camelCase(p.name);
    if (GENERATED_CODE_PACKAGES.has(kotlinName)) {
      diags.error(p.span, `parameter \`${p.name}\` of ${what} would hide the Kotlin package \`${kotlinName}\` that the generated code names (\`${kotlinName}.…\`): rename it`);
    }
    if (p.type.kind === 'token') {
      tokens++;
      if (!fn.isAsync && fn.returns.kind !== 'stream') diags.error(p.type.span, `ferry::CancellationToken can only be a parameter of an \`async fn\` (or of a function returning \`impl Stream\`): a sync call cannot be cancelled`);
      if (tokens === 2) diags.error(p.type.span, `${what} takes more than one CancellationToken`);
      continue;
    }
    if (callbackParam(p.type)) continue;
    if (flowParam(p.type)) {
      checkFlowParam(p.type as Extract<TypeRef, { kind: 'stream' }>, diags);
      continue;
    }
    if (containsCallback(p.type)) {
      checkCallbackContainer(p.type, diags);
      continue;
    }
    if (byteSlice(p.type) === 'out') {
      // Written in place while the caller waits: a call that outlives the caller's frame
      // would write into an array or buffer the caller has moved on from.
      if (!slicesInPlace(fn)) diags.error(p.type.span, `\`${p.type.text}\` in ${what}: a caller-supplied buffer is written while the caller waits, so only a sync fn can take it (an async, blocking or thread-affine fn, or one returning a stream, outlives the call): return a Vec<u8> instead`);
      continue;
    }
    checkType(p.type, 'param', diags);
    // Objects inside Vec, Option and HashMap values cross as handles (Arc<T>, each element
    // looked up when the call starts); a bare T or a key cannot.
    if (!isObjectParam(p.type) && containsObject(p.type) && !objectsOnlyAsArcValues(p.type)) {
      diags.error(p.type.span, `\`${p.type.text}\`: inside Vec, Option or HashMap values an object is passed as Arc<T>, and it cannot be a map key`);
    }
  }
  checkReturn(fn.returns, diags);
  const nestedReturn = fn.returns.kind === 'result' ? fn.returns.ok : fn.returns;
  if (nestedReturn.kind === 'stream' && containsObject(nestedReturn)) {
    // Items already sent but never collected (a cancelled collector) would leak their handles.
    diags.error(nestedReturn.span, `\`${nestedReturn.text}\`: objects cannot be stream items yet: return a stream of ids or records and look the objects up with a method`);
  } else if (nestedReturn.kind !== 'object' && containsObject(nestedReturn, true)) {
    diags.error(nestedReturn.span, `\`${nestedReturn.text}\`: inside Vec, Option, HashMap or a stream an object must be returned as Arc<T> (each element becomes its own handle)`);
  }
}

/**
 * A parameter holding Kotlin callbacks inside Vec, Option or HashMap values (each element
 * crosses as its own registration); anything else around them would have to be copied.
 */
function checkCallbackContainer(t: TypeRef, diags: Diagnostics): void {
  switch (t.kind) {
    case 'callback': return;
    case 'vec': return checkCallbackContainer(t.elem, diags);
    case 'option': return checkCallbackContainer(t.inner, diags);
    case 'map':
      checkMapShape(t, diags);
      return checkCallbackContainer(t.value, diags);
    default:
      diags.error(t.span, `\`${t.text}\`: a Kotlin callback is passed as Arc<dyn Trait> or Box<dyn Trait>, directly or inside Vec, Option or HashMap values`);
  }
}

/** A HashMap's hasher and key (its value is checked by the caller). */
function checkMapShape(t: Extract<TypeRef, { kind: 'map' }>, diags: Diagnostics): void {
  if (t.extraArgs > 0) diags.error(t.span, 'a HashMap with a custom hasher cannot cross the bridge: use HashMap<K, V>');
  const k = t.key;
  const keyOk = (k.kind === 'prim' && k.prim !== 'f32' && k.prim !== 'f64') || k.kind === 'string';
  if (!keyOk) diags.error(k.span, `map key \`${k.text}\` is not supported: keys must be integers, bool or String`);
  else checkType(k, 'inner', diags);
}

/**
 * Objects and callbacks in a callback method's signature: `Arc<T>` and trait objects, directly
 * or inside Vec, Option and HashMap values. Rust passes an `Arc` (a Kotlin implementation
 * Rust hands back must be shared); Kotlin's reply may also give Rust a `Box<dyn T>`.
 */
function checkHandles(t: TypeRef, way: 'param' | 'reply', diags: Diagnostics): void {
  switch (t.kind) {
    case 'ref':
    case 'object': {
      const obj = t.kind === 'ref' ? t.inner : t;
      if (obj.kind === 'object' && (t.kind === 'ref' || !obj.arc)) {
        diags.error(t.span, `\`${t.text}\`: in a callback method an object crosses as Arc<${obj.name}> (each side then holds its own reference)`);
        return;
      }
      if (t.kind === 'ref') diags.error(t.span, `\`${t.text}\`: objects and trait objects cross as Arc<T> / Arc<dyn T>, directly or inside Vec, Option or HashMap values`);
      return;
    }
    case 'callback':
      if (t.boxed && way === 'param') diags.error(t.span, `\`${t.text}\`: Rust passes a trait object to Kotlin as Arc<dyn ${t.name}> (Kotlin holds it by a shared handle)`);
      return;
    case 'vec': return checkHandles(t.elem, way, diags);
    case 'option': return checkHandles(t.inner, way, diags);
    case 'map':
      checkMapShape(t, diags);
      return checkHandles(t.value, way, diags);
    default:
      if (containsObject(t) || containsCallback(t)) diags.error(t.span, `\`${t.text}\`: objects and trait objects cross as Arc<T> / Arc<dyn T>, directly or inside Vec, Option or HashMap values`);
      else checkType(t, 'inner', diags);
  }
}

function containsCallback(t: TypeRef): boolean {
  return typeContains(t, (x) => x.kind === 'callback');
}

/** Every object inside `t` is an `Arc<T>` in a Vec, an Option or a HashMap value. */
function objectsOnlyAsArcValues(t: TypeRef): boolean {
  switch (t.kind) {
    case 'object': return t.arc;
    case 'vec': return objectsOnlyAsArcValues(t.elem);
    case 'option': return objectsOnlyAsArcValues(t.inner);
    case 'map': return !containsObject(t.key) && objectsOnlyAsArcValues(t.value);
    default: return !containsObject(t);
  }
}

/** Whether `t` holds an object somewhere (with `bareOnly`, a bare `T`, not `Arc<T>`). */
function containsObject(t: TypeRef, bareOnly = false): boolean {
  return typeContains(t, (x) => x.kind === 'object' && (!bareOnly || !x.arc));
}

function checkReturn(t: TypeRef, diags: Diagnostics): void {
  if (t.kind === 'result') {
    if (t.ok.kind === 'stream') diags.error(t.ok.span, '`Result<impl Stream, E>` is not supported: return `impl Stream<Item = Result<T, E>>` (the Flow throws E when that item arrives)');
    else checkType(t.ok, 'return', diags);
    if (t.err.kind !== 'named' || t.err.target !== 'error') {
      const name = t.err.kind === 'named' ? `\`${t.err.name}\`` : `\`${t.err.text}\``;
      diags.error(t.err.span, `the error type of a Result must be an enum marked #[ferry::export(error)]; ${name} is not`);
    }
    return;
  }
  if (t.kind === 'stream') {
    checkStreamItem(t, diags);
    return;
  }
  checkType(t, 'return', diags);
}

/** A returned stream: `Item = T` (any returnable T but `()`) or `Item = Result<T, E>`. */
function checkStreamItem(t: Extract<TypeRef, { kind: 'stream' }>, diags: Diagnostics): void {
  const item = t.item;
  if (!item) {
    diags.error(t.span, `\`${t.text}\` does not name its item type: write \`impl Stream<Item = T>\``);
    return;
  }
  const one = (v: TypeRef) => {
    if (containsCallback(v)) diags.error(v.span, `\`${v.text}\`: trait objects cannot be stream items yet`);
    else if (v.kind === 'unit') diags.error(v.span, 'a stream of `()` carries no data: use a stream of a value (e.g. u64)');
    else if (v.kind === 'stream') diags.error(v.span, 'a stream of streams cannot cross the bridge: flatten it in Rust');
    else if (v.kind === 'frames') diags.error(v.span, `\`${v.text}\`: a frame ring end cannot be a stream item: return it from a function`);
    else checkType(v, 'return', diags);
  };
  if (item.kind === 'result') {
    one(item.ok);
    if (item.err.kind !== 'named' || item.err.target !== 'error') {
      const name = item.err.kind === 'named' ? `\`${item.err.name}\`` : `\`${item.err.text}\``;
      diags.error(item.err.span, `the error type of a stream's Result items must be an enum marked #[ferry::export(error)]; ${name} is not`);
    }
    return;
  }
  one(item);
}

function checkType(t: TypeRef, pos: Position, diags: Diagnostics): void {
  switch (t.kind) {
    case 'prim':
    case 'string':
    case 'bytes':
    case 'duration':
      return;
    case 'unit':
      if (pos !== 'return') diags.error(t.span, '`()` can only be a return type');
      return;
    case 'vec':
      checkType(t.elem, 'inner', diags);
      return;
    case 'option':
      if (t.inner.kind === 'option') diags.error(t.span, '`Option<Option<T>>` has no Kotlin equivalent (`T??` is `T?`): use an enum');
      checkType(t.inner, 'inner', diags);
      return;
    case 'map':
      checkMapShape(t, diags);
      checkType(t.value, 'inner', diags);
      return;
    case 'named':
      switch (t.target) {
        case 'record':
        case 'enum':
          return;
        case 'error':
          diags.error(t.span, `error enum \`${t.name}\` can only be used as the E of Result<T, E>`);
          return;
        case 'object':
          diags.error(t.span, `object \`${t.name}\` cannot be passed: objects are not supported by this version of ferry yet`);
          return;
        case 'callback':
          diags.error(t.span, `callback trait \`${t.name}\` is passed as a trait object: take Arc<dyn ${t.name}> or Box<dyn ${t.name}>`);
          return;
        case 'alias':
          diags.error(t.span, `type alias \`${t.name}\` is not followed: write the type it stands for`);
          return;
        case 'unexported':
          diags.error(t.span, `type \`${t.name}\` is not exported: add #[ferry::export] to its declaration`);
          return;
        case 'unknown':
          diags.error(t.span, `unknown type \`${t.name}\`: only the types of the type table (README, "Type mapping") and types exported from this crate can cross the bridge`);
          return;
      }
      return;
    case 'object':
      if (pos === 'param' && !t.arc) diags.error(t.span, `object \`${t.name}\` cannot be taken by value (Kotlin keeps owning it): take Arc<${t.name}> or &${t.name}`);
      if (pos === 'field') diags.error(t.span, `object \`${t.name}\` cannot be a field of an exported record or enum (those are copied across; objects live behind handles): pass the object separately`);
      return;
    case 'ref':
      if (pos !== 'param') {
        diags.error(t.span, pos === 'return'
          ? `a borrowed return type (\`${t.text}\`) cannot outlive the call: return an owned value`
          : `a borrowed type (\`${t.text}\`) cannot be stored here: use an owned type`);
        return;
      }
      if (t.mutable) {
        diags.error(t.span, `\`${t.text}\`: a mutable borrow cannot cross the bridge: take the value and return the result (only \`&mut [u8]\`, as a parameter of a sync exported fn, is written into the caller's buffer)`);
        return;
      }
      // `&Record` / `&Enum` borrow the copy the glue decoded for the call (as `&self` does).
      if (t.inner.kind === 'named') {
        checkType(t.inner, 'param', diags);
      } else if (t.inner.kind !== 'string' && t.inner.kind !== 'bytes' && t.inner.kind !== 'object') {
        diags.error(t.span, `\`${t.text}\`: only &str, &[u8], exported records and enums and objects can be borrowed as arguments: take the value by value`);
      }
      return;
    case 'result':
      diags.error(t.span, 'Result can only be the outermost return type');
      return;
    case 'token':
      diags.error(t.span, 'ferry::CancellationToken can only be a direct parameter of an async fn');
      return;
    case 'stream':
      diags.error(t.span, '`impl Stream` can only be a return type');
      return;
    case 'frames':
      if (pos !== 'return') diags.error(t.span, `\`${t.text}\`: a frame ring end can only be returned (directly or as the Ok of a Result): Kotlin gets it as a ${t.end === 'reader' ? 'FrameReader' : 'FrameWriter'}`);
      return;
    case 'callback':
      // Reached only from results (parameters are handled before): a Rust implementation
      // returned to Kotlin is held by handle, which needs the shared Arc.
      if (pos === 'field') diags.error(t.span, `\`${t.text}\`: a trait object cannot be a field of an exported record or enum: pass it separately`);
      else if (t.boxed) diags.error(t.span, `\`${t.text}\`: return Arc<dyn ${t.name}> (Kotlin holds the returned value by handle, which shares the Arc)`);
      return;
    case 'unsupported':
      diags.error(t.span, `${t.what} cannot cross the bridge${t.hint ? `: ${t.hint}` : ''}`);
      return;
  }
}

/** A Flow argument: `impl Stream<Item = T>` with a plain value item (no Result, objects or callbacks). */
function checkFlowParam(t: Extract<TypeRef, { kind: 'stream' }>, diags: Diagnostics): void {
  const item = t.item;
  if (!item) {
    diags.error(t.span, `\`${t.text}\` does not name its item type: write \`impl Stream<Item = T>\``);
    return;
  }
  if (item.kind === 'unit' || item.kind === 'result' || item.kind === 'stream' || item.kind === 'ref' || containsObject(item) || containsCallback(item)) {
    diags.error(item.span, `\`${item.text}\` cannot be the item of a Kotlin Flow argument: use a value of the type table (a Flow's exception reaches Rust as a panic)`);
    return;
  }
  checkType(item, 'inner', diags);
}

/** Names every Kotlin interface already has (Any) or that the dispatch reserves. */
const CALLBACK_MEMBERS = new Set(['toString', 'hashCode', 'equals', 'getClass']);

function checkCallback(cb: CallbackDecl, diags: Diagnostics): void {
  const what = `callback trait \`${cb.name}\``;
  if (cb.generics) diags.error(cb.span, `${what} is generic (${cb.generics}): a Kotlin interface needs concrete types`);
  if (!cb.visibleFromRoot) diags.error(cb.span, `${what} is not visible from the crate root: make it (and its modules) \`pub\``);
  if (cb.methods.length === 0) diags.error(cb.span, `${what} has no methods: there is nothing for Kotlin to implement`);
  const names = new Map<string, string>();
  for (const m of cb.methods) {
    const full = `${cb.name}::${m.name}`;
    if (m.receiver !== 'ref') {
      diags.error(m.span, `method \`${full}\` must take \`&self\`: Rust may call a Kotlin implementation from any thread, and it stays owned by Kotlin's registry`);
    }
    if (m.generics) diags.error(m.span, `method \`${full}\` is generic (${m.generics}): Kotlin implements concrete methods`);
    if (m.isUnsafe) diags.error(m.span, `method \`${full}\` is \`unsafe\`: the bridge cannot uphold its contract`);
    for (const p of m.params) {
      if (!p.patternOk) diags.error(p.span, `parameter of \`${full}\` uses a pattern: bind it to a plain name`);
      if (p.type.kind === 'token' || p.type.kind === 'stream') {
        diags.error(p.type.span, `\`${p.type.text}\` cannot be a parameter of a callback method: it belongs to an exported function's own call`);
        continue;
      }
      if (byteSlice(p.type) === 'out') {
        diags.error(p.type.span, `\`${p.type.text}\` cannot be a parameter of a callback method: Kotlin would write into a copy Rust never sees; return a Vec<u8> instead`);
        continue;
      }
      // Rust hands Kotlin a reference of its own: an Arc (a new handle, or Kotlin's own object).
      if (containsObject(p.type) || containsCallback(p.type)) checkHandles(p.type, 'param', diags);
      else checkType(p.type, 'param', diags);
    }
    const r = m.returns;
    const ok = r.kind === 'result' ? r.ok : r;
    if (ok.kind === 'stream') {
      diags.error(r.span, `\`${r.text}\` cannot be returned by a callback method: return a value, or take a Flow from Kotlin as an argument of an exported function`);
    } else if (containsObject(ok) || containsCallback(ok)) {
      checkHandles(ok, 'reply', diags);
      if (r.kind === 'result') checkReturn({ ...r, ok: { kind: 'unit', span: r.ok.span, text: '()' } }, diags);
    } else {
      checkReturn(r, diags);
    }
    const kotlin = camelCase(m.name);
    if (CALLBACK_MEMBERS.has(kotlin)) diags.error(m.span, `method \`${full}\` becomes Kotlin \`${kotlin}\`, which every Kotlin object already has: rename it`);
    if (unraw(m.name).startsWith('ferry')) diags.error(m.span, `method \`${full}\`: names starting with \`ferry\` are reserved for the bridge`);
    const prior = names.get(kotlin);
    if (prior) diags.error(m.span, `\`${full}\` becomes Kotlin \`${kotlin}\`, as does \`${cb.name}::${prior}\``);
    names.set(kotlin, m.name);
  }
}

function checkFields(owner: string, fields: Field[], diags: Diagnostics, reserved: Set<string>): void {
  for (const f of fields) {
    if (f.type.kind !== 'object' && containsObject(f.type)) diags.error(f.type.span, `\`${f.type.text}\`: a field of an exported record or enum cannot hold an object (those are copied across; objects live behind handles)`);
    if (f.type.kind === 'token') diags.error(f.type.span, 'ferry::CancellationToken cannot be a field');
    else if (f.type.kind === 'stream') diags.error(f.type.span, '`impl Stream` cannot be a field');
    else checkType(f.type, 'field', diags);
    if (!f.visibleFromRoot) diags.error(f.span, `field \`${f.name}\` of ${owner} is private to its module: make it \`pub\` or \`pub(crate)\``);
    if (reserved.has(camelCase(f.name))) diags.error(f.span, `field \`${f.name}\` of ${owner} clashes with Kotlin's \`${camelCase(f.name)}\`: rename it`);
  }
}

function checkRecord(rec: RecordDecl, diags: Diagnostics): void {
  const what = `record \`${rec.name}\``;
  if (rec.generics) diags.error(rec.span, `${what} is generic (${rec.generics}): exported types need concrete fields`);
  if (rec.style !== 'named') diags.error(rec.span, `${what} is a ${rec.style} struct: a record needs named fields (or mark it #[ferry::export(object)])`);
  if (!rec.visibleFromRoot) diags.error(rec.span, `${what} is not visible from the crate root: make it (and its modules) \`pub\``);
  checkFields(what, rec.fields, diags, new Set());
  checkValueMethods(rec, rec.fields.map((f) => camelCase(f.name)), DATA_CLASS_MEMBERS, diags);
}

/** Members Kotlin gives every data class (and `Any`); `componentN` is matched separately. */
const DATA_CLASS_MEMBERS = new Set(['copy', 'equals', 'hashCode', 'toString', 'getClass']);
/** Members every Kotlin enum class has (`Enum`, its generated statics). */
const ENUM_CLASS_MEMBERS = new Set(['name', 'ordinal', 'compareTo', 'equals', 'hashCode', 'toString', 'getClass', 'getName', 'getOrdinal', 'getDeclaringClass', 'values', 'valueOf', 'entries', 'getEntries']);

/**
 * Methods of a record or enum. Kotlin sends a copy of the value for each call, so a method
 * sees `&self` or `self`; its Kotlin name must not hide a member the class already has
 * (`reserved`, `componentN`) or a property (`x` or its JVM getter `getX`).
 */
function checkValueMethods(owner: RecordDecl | EnumDecl, properties: string[], reserved: Set<string>, diags: Diagnostics): void {
  const kind = 'fields' in owner ? 'record' : 'enum';
  const aKind = kind === 'record' ? 'a record' : 'an enum';
  const kotlinNames = new KotlinMethodNames(owner.name, diags);
  const getters = new Map(properties.map((p) => [`get${p.charAt(0).toUpperCase()}${p.slice(1)}`, p]));
  for (const m of owner.methods) {
    const full = `${owner.name}::${m.name}`;
    if (m.receiver === 'mut-ref') {
      diags.error(m.span, `method \`${full}\` takes \`&mut self\`: ${aKind} crosses the bridge as a copy (Kotlin encodes the value, Rust decodes a new one for the call), so a change made in place would be lost; take \`&self\` or \`self\` and return the new value`);
    } else if (m.receiver === 'arc') {
      diags.error(m.span, `method \`${full}\` takes \`self: Arc<Self>\`: ${aKind} is copied across, not shared behind a handle; take \`&self\` or \`self\` (or make \`${owner.name}\` an object)`);
    }
    checkFn({ ...m, name: full }, diags);
    const kotlin = camelCase(m.name);
    const member = m.receiver !== 'none';
    if (reservedForTheBridge(full, m, diags)) {
      // that error is enough: the clashes below would only repeat it in other words
    } else if (member && (reserved.has(kotlin) || /^component\d+$/.test(kotlin))) {
      diags.error(m.span, `method \`${full}\` becomes Kotlin \`${kotlin}\`, which the ${kind === 'record' ? 'data' : 'enum'} class \`${owner.name}\` already has: rename it`);
    } else if (member && properties.includes(kotlin)) {
      diags.error(m.span, `method \`${full}\` becomes Kotlin \`${kotlin}()\`, next to the property \`${kotlin}\` of \`${owner.name}\`: rename the method or the field`);
    } else if (member && getters.has(kotlin)) {
      diags.error(m.span, `method \`${full}\` becomes Kotlin \`${kotlin}()\`, the JVM getter of the property \`${getters.get(kotlin)}\` of \`${owner.name}\`: rename it`);
    } else if (!member && reserved.has(kotlin) && kind === 'enum') {
      diags.error(m.span, `associated fn \`${full}\` becomes Kotlin \`${owner.name}.${kotlin}\`, which the enum class already has: rename it`);
    }
    kotlinNames.claim(m, member ? 'member' : 'companion');
  }
}

/** Reports a method named `ferry…`, a prefix the bridge keeps for itself; true if it was. */
function reservedForTheBridge(full: string, m: MethodDecl, diags: Diagnostics): boolean {
  if (!unraw(m.name).startsWith('ferry')) return false;
  diags.error(m.span, `method \`${full}\`: names starting with \`ferry\` are reserved for the bridge`);
  return true;
}

/**
 * The Kotlin names an owner's methods take, on the class (`member`) or its companion: a
 * second method with the same Kotlin name on the same side is reported naming the first.
 */
class KotlinMethodNames {
  private readonly taken = new Map<string, string>();

  constructor(private readonly owner: string, private readonly diags: Diagnostics) {}

  /** Takes `m`'s Kotlin name on `side`; `report: false` takes it without reporting a clash. */
  claim(m: MethodDecl, side: 'member' | 'companion', report = true): void {
    const kotlin = camelCase(m.name);
    const key = `${side} ${kotlin}`;
    const prior = this.taken.get(key);
    if (prior && report) this.diags.error(m.span, `\`${this.owner}::${m.name}\` becomes Kotlin \`${kotlin}\`, as does \`${this.owner}::${prior}\``);
    this.taken.set(key, m.name);
  }
}

function checkEnum(en: EnumDecl, diags: Diagnostics): void {
  const what = `${en.isError ? 'error enum' : 'enum'} \`${en.name}\``;
  if (en.generics) diags.error(en.span, `${what} is generic (${en.generics}): exported types need concrete fields`);
  if (!en.visibleFromRoot) diags.error(en.span, `${what} is not visible from the crate root: make it (and its modules) \`pub\``);
  if (en.variants.length === 0) diags.error(en.span, `${what} has no variants: it can never be constructed`);
  // An exception already has `cause` and the rest; a field by that name would hide them.
  // A `message` field becomes the exception's message, so it must be text.
  const reserved = en.isError ? new Set(['cause', 'stackTrace', 'suppressed', 'localizedMessage']) : new Set<string>();
  if (en.isError) {
    for (const v of en.variants) {
      const m = v.style === 'struct' ? v.fields.find((f) => f.name === 'message') : undefined;
      if (m && !isMessageType(m.type)) {
        diags.error(m.span, `field \`message\` of variant \`${en.name}::${v.name}\` becomes the Kotlin exception's \`message\`, so it must be a String or Option<String>`);
      }
    }
  }
  const constants = new Map<string, string>();
  for (const v of en.variants) {
    checkFields(`variant \`${en.name}::${v.name}\``, v.fields, diags, reserved);
    const kotlin = screamingSnake(v.name);
    const other = constants.get(kotlin);
    if (other) diags.error(v.span, `variants \`${other}\` and \`${v.name}\` of ${what} both become Kotlin \`${kotlin}\``);
    constants.set(kotlin, v.name);
  }
  // A plain enum is an enum class; one with data a sealed class whose variants are data
  // classes (which inherit the methods next to their own properties).
  const plain = en.variants.every((v) => v.style === 'unit');
  const properties = en.variants.flatMap((v) => v.fields.map((f) => kotlinPropertyName(f.name, v.style, v.fields.length)));
  checkValueMethods(en, properties, plain ? ENUM_CLASS_MEMBERS : DATA_CLASS_MEMBERS, diags);
}

/** Whether a field can be an exception's `message` (`String` or `Option<String>`). */
export function isMessageType(t: TypeRef): boolean {
  return t.kind === 'string' || (t.kind === 'option' && t.inner.kind === 'string');
}

/** Members every generated object class already has (RustObject, Any). */
const OBJECT_MEMBERS = new Set(['close', 'isClosed', 'ferryHandle', 'toString', 'hashCode', 'equals', 'getClass']);

function checkObject(obj: ObjectDecl, diags: Diagnostics): void {
  const what = `object \`${obj.name}\``;
  if (obj.generics) diags.error(obj.span, `${what} is generic (${obj.generics}): exported objects need concrete types`);
  if (!obj.visibleFromRoot) diags.error(obj.span, `${what} is not visible from the crate root: make it (and its modules) \`pub\``);
  const kotlinNames = new KotlinMethodNames(obj.name, diags);
  for (const m of obj.methods) {
    const full = `${obj.name}::${m.name}`;
    if (m.receiver === 'mut-ref') {
      diags.error(m.span, `method \`${full}\` takes \`&mut self\`: a Kotlin object is shared between threads (Rust holds it in an Arc), so methods take \`&self\`; use interior mutability (Mutex, atomics)`);
    } else if (m.receiver === 'value') {
      diags.error(m.span, `method \`${full}\` takes \`self\` by value: a call cannot consume a Kotlin-owned object; take \`&self\` or \`self: Arc<Self>\``);
    }
    checkFn({ ...m, name: full }, diags);
    const role = methodRole(m);
    if (role === 'constructor') {
      if (m.isAsync) diags.error(m.span, `\`${full}\` is ${m.blocking ? 'blocking' : 'async'}, but \`new\` becomes the Kotlin constructor, which cannot suspend: make it sync, or give it another name (an async associated fn becomes a suspend fun on the companion object)`);
      const r = m.returns;
      const ok = r.kind === 'result' ? r.ok : r;
      if (ok.kind !== 'object' || ok.name !== obj.name) {
        diags.error(r.span, `\`${full}\` becomes the Kotlin constructor, so it must return Self, Arc<Self> or Result<Self, E> (it returns \`${r.text}\`); give other constructors another name`);
      }
    }
    const kotlin = camelCase(m.name);
    if (role === 'method' && OBJECT_MEMBERS.has(kotlin)) diags.error(m.span, `method \`${full}\` becomes Kotlin \`${kotlin}\`, which every object class already has (AutoCloseable / RustObject): rename it`);
    if (role === 'method' && kotlin === 'compareTo' && obj.traits?.ord) diags.error(m.span, `method \`${full}\` becomes Kotlin \`compareTo\`, which \`${obj.name}\` already has from Rust's \`Ord\` (it is Comparable): rename it`);
    reservedForTheBridge(full, m, diags);
    kotlinNames.claim(m, role === 'method' ? 'member' : 'companion', role !== 'constructor');
  }
}

/**
 * A thread-affine value never leaves its thread: it is only `self` of its own methods and
 * what its `new` makes (a bare `Self`, which the glue builds on the new thread).
 */
function checkThreadAffine(ir: CrateIr, diags: Diagnostics): void {
  const affine = new Set(ir.objects.filter((o) => o.threadAffine).map((o) => o.name));
  if (affine.size === 0) return;
  const mentions = (t: TypeRef) => typeContains(t, (x) => x.kind === 'object' && affine.has(x.name));
  const fns: { fn: FnDecl; full: string; ownNew: boolean }[] = [
    ...ir.functions.map((fn) => ({ fn, full: fn.name, ownNew: false })),
    ...ir.objects.flatMap((o) => o.methods.map((m) => ({ fn: m as FnDecl, full: `${o.name}::${m.name}`, ownNew: !!o.threadAffine && methodRole(m) === 'constructor' }))),
  ];
  for (const { fn, full, ownNew } of fns) {
    for (const p of fn.params) {
      if (mentions(p.type)) diags.error(p.type.span, `\`${full}\` takes \`${p.type.text}\`: a thread-affine object stays on its own thread, so only its own methods can use it`);
    }
    if (ownNew) {
      if (fn.returns.kind !== 'object' || fn.returns.arc) diags.error(fn.returns.span, `\`${full}\` of a thread-affine object must return \`Self\` (it runs on the object's new thread while the Kotlin constructor returns; a failure there makes later calls throw IllegalStateException)`);
    } else if (mentions(fn.returns)) {
      diags.error(fn.returns.span, `\`${full}\` returns \`${fn.returns.text}\`: a thread-affine object is made only by its \`new\`, on its own thread`);
    }
  }
  for (const o of ir.objects.filter((x) => x.threadAffine)) {
    for (const m of o.methods.filter((x) => x.affine && x.returns.kind === 'stream')) {
      diags.error(m.returns.span, `method \`${o.name}::${m.name}\` of a thread-affine object returns a stream: a stream is polled on ferry's runtime, not on the object's thread (return the items, or use a plain object)`);
    }
    for (const m of o.methods.filter((x) => x.receiver === 'arc')) {
      diags.error(m.span, `method \`${o.name}::${m.name}\` takes \`self: Arc<Self>\`: a thread-affine value is not held in an Arc; take \`&self\``);
    }
  }
}

function checkNameClashes(ir: CrateIr, diags: Diagnostics): void {
  const types = new Map<string, Span>();
  for (const t of [...ir.records, ...ir.enums, ...ir.objects, ...ir.callbacks]) {
    const prior = types.get(t.name);
    if (prior) diags.error(t.span, `type \`${t.name}\` is exported twice (also at ${prior.file}:${prior.line}:${prior.col}): Kotlin names must be unique`);
    if (GENERATED_OBJECTS.has(t.name)) diags.error(t.span, `type \`${t.name}\`: the generated code has an object of that name in the crate's package; rename it`);
    types.set(t.name, t.span);
  }
  const fns = new Map<string, FnDecl>();
  for (const fn of ir.functions) {
    const kotlin = camelCase(fn.name);
    const prior = fns.get(kotlin);
    if (prior) diags.error(fn.span, `function \`${fn.name}\` becomes Kotlin \`${kotlin}\`, as does \`${prior.name}\` (${prior.span.file}:${prior.span.line}:${prior.span.col})`);
    fns.set(kotlin, fn);
    if (unraw(fn.name).startsWith('ferry')) diags.error(fn.span, `function \`${fn.name}\`: names starting with \`ferry\` are reserved for the bridge`);
  }
}
