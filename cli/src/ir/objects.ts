// IR for objects (`#[ferry::export(object)]` structs and their `#[ferry::export] impl`
// blocks), and for the impl blocks of exported records and enums, whose methods become
// members of the Kotlin data class / enum class / sealed class. Like build.ts it never
// reports: it records what it finds (receivers, generics, impl blocks for things that are
// not exported) and the checker judges.

import type { SynCrate, SynFn, SynItem, SynType } from '../parse/syntax.js';
import type { CrateIr, EnumDecl, FnDecl, MethodDecl, ObjectDecl, RecordDecl, Rejected, TypeRef } from './model.js';
import { buildFn } from './functions.js';

type Resolve = (t: SynType) => TypeRef;

/** `Self` in a method signature means the impl's type. */
export function substituteSelf(t: SynType, name: string): SynType {
  switch (t.kind) {
    case 'path':
      return {
        ...t,
        segments: t.segments.length === 1 && t.segments[0] === 'Self' ? [name] : t.segments,
        args: t.args.map((a) => substituteSelf(a, name)),
        bindings: t.bindings.map((b) => ({ ...b, type: substituteSelf(b.type, name) })),
      };
    case 'ref':
    case 'slice':
      return { ...t, inner: substituteSelf(t.inner, name) };
    case 'impl':
      return { ...t, traits: t.traits.map((x) => substituteSelf(x, name)) };
    default:
      return t;
  }
}

/** What an impl block's methods attach to: an object, a record or an enum. */
type MethodOwner = Pick<ObjectDecl, 'name' | 'rustPath' | 'visibleFromRoot' | 'methods'> & { threadAffine?: boolean };

function buildMethod(fn: SynFn, owner: MethodOwner, visible: boolean, resolve: Resolve, blocking: boolean): MethodDecl {
  const r = (t: SynType) => resolve(substituteSelf(t, owner.name));
  // Every method of a thread-affine object runs on its thread (associated fns, which have
  // no value to run with, run as they would anywhere).
  const runs = owner.threadAffine && fn.selfParam !== 'none' ? 'affine' : blocking ? 'blocking' : null;
  return { ...buildFn(fn, `${owner.rustPath}::${fn.name}`, visible, r, runs), receiver: fn.selfParam };
}

/**
 * Collects the exported objects and the exported fns of their impl blocks. A fn is
 * exported when its impl block carries `#[ferry::export]` or the fn itself does.
 */
function standardTraits(item: SynItem, crate: SynCrate): { display: boolean; eqHash: boolean; ord: boolean } {
  const has = (t: string) => item.derives.includes(t) || (crate.traitImpls.get(item.name)?.has(t) ?? false);
  return { display: has('Display'), eqHash: has('PartialEq') && has('Hash'), ord: has('Ord') };
}

export function buildObjects(
  crate: SynCrate,
  resolve: Resolve,
  reachable: (modulePath: string[], itemPublic: boolean) => boolean,
  rejected: Rejected[],
  values: (RecordDecl | EnumDecl)[],
): ObjectDecl[] {
  const valueOwners = new Map(values.map((v) => [v.name, v]));
  const objects = new Map<string, ObjectDecl>();
  const structs = new Map<string, SynItem>();
  for (const item of crate.items) {
    if (item.kind !== 'struct') continue;
    structs.set(item.name, item);
    if (item.export?.kind !== 'object') continue;
    objects.set(item.name, {
      name: item.name,
      rustPath: ['crate', ...item.modulePath, item.name].join('::'),
      span: item.span,
      generics: item.generics,
      visibleFromRoot: reachable(item.modulePath, item.isPublic),
      methods: [],
      docs: item.docs,
      // Display, Eq, Hash and Ord would run on the caller's thread: not for a thread-affine value.
      traits: item.export.threadAffine ? undefined : standardTraits(item, crate),
      ...(item.export.threadAffine ? { threadAffine: true } : {}),
    });
  }
  // `thread_affine` may sit on any impl block of the object: it holds for all its methods.
  for (const item of crate.items) {
    const owner = item.kind === 'impl' && item.export?.threadAffine ? objects.get(item.name) : undefined;
    if (owner) {
      owner.threadAffine = true;
      owner.traits = undefined;
    }
  }
  for (const item of crate.items) {
    if (item.kind !== 'impl') continue;
    const marked = item.methods.filter((m) => m.export);
    if (!item.export && marked.length === 0) continue;
    const at = item.export?.span ?? marked[0].span;
    if (item.export && item.export.kind !== 'plain') {
      rejected.push({ span: item.export.span, message: `#[ferry::export(${item.export.kind})] does not apply to an impl block: use #[ferry::export]` });
      continue;
    }
    const value = valueOwners.get(item.name);
    const owner: MethodOwner | undefined = objects.get(item.name) ?? value;
    if (item.traitName) {
      rejected.push({ span: at, message: `\`impl ${item.traitName} for ${item.name}\`: only inherent impl blocks (\`impl ${item.name} { .. }\`) can be exported` });
      continue;
    }
    if (!owner) {
      const what = structs.has(item.name) ? `\`${item.name}\` is not marked #[ferry::export] or #[ferry::export(object)]` : `\`${item.name}\` is not an exported struct or enum of this crate`;
      rejected.push({ span: at, message: `impl block for \`${item.name}\`: ${what}; only exported objects, records and enums have exported methods` });
      continue;
    }
    if (value && 'isError' in value && value.isError) {
      rejected.push({ span: at, message: `impl block for error enum \`${item.name}\`: an error crosses as a Kotlin exception and cannot have exported methods (yet); export a free function taking the error instead` });
      continue;
    }
    if (item.generics) {
      rejected.push({ span: at, message: `impl block for \`${item.name}\` is generic (${item.generics}): exported methods need concrete types` });
      continue;
    }
    // An exported impl block exports its `pub` methods; private helpers stay Rust-only
    // (unless marked one by one with #[ferry::export]).
    const fns = item.export ? item.methods.filter((m) => m.isPublic || m.export) : marked;
    // `blocking` on the impl block applies to each of its fns; on a fn, to that fn.
    const blockingImpl = item.export?.blocking ?? false;
    for (const m of fns) {
      // A method is callable from the glue (a child of the crate root) when it is `pub`,
      // or when the impl lives in the root module (privacy is per module).
      const visible = owner.visibleFromRoot && (item.modulePath.length === 0 || m.isPublic);
      owner.methods.push(buildMethod(m, owner, visible, resolve, blockingImpl || (m.export?.blocking ?? false)));
    }
  }
  return [...objects.values()];
}

// ---------------------------------------------------------------- shared by the emitters

export type MethodRole = 'constructor' | 'companion' | 'method';

export function methodRole(m: MethodDecl): MethodRole {
  if (m.receiver !== 'none') return 'method';
  return m.name === 'new' ? 'constructor' : 'companion';
}

/** Name of the `FerryNative` entry point (and JNI symbol) of an object's fn. */
export function nativeName(obj: { name: string }, m: MethodDecl): string {
  return `${obj.name}_${m.name.replace(/^r#/, '')}`;
}

export const SELF_PARAM = 'ferry_self';

/**
 * An object's fn as a plain function for the shared emitters: methods get the receiver as
 * a first `&T` parameter (`T::method(&this, ..)` is the same call as `this.method(..)`).
 */
export function asNativeFn(obj: ObjectDecl, m: MethodDecl): FnDecl {
  const params = [...m.params];
  if (m.receiver !== 'none') {
    // `self: Arc<Self>` takes the handle's Arc itself (a clone), `&self` borrows it.
    const self: TypeRef = m.receiver === 'arc'
      ? { kind: 'object', name: obj.name, arc: true, span: m.span, text: `Arc<${obj.name}>` }
      : { kind: 'ref', mutable: false, inner: { kind: 'object', name: obj.name, arc: false, span: m.span, text: obj.name }, span: m.span, text: `&${obj.name}` };
    params.unshift({ name: SELF_PARAM, type: self, span: m.span, patternOk: true });
  }
  return { ...m, name: nativeName(obj, m), params };
}

/** Every object fn as a native function, in emission order. */
export function objectNativeFns(objects: ObjectDecl[]): FnDecl[] {
  return objects.flatMap((o) => o.methods.map((m) => asNativeFn(o, m)));
}

/** A record or an enum with exported methods: a value Kotlin copies to Rust for each call. */
export type ValueOwner = RecordDecl | EnumDecl;

/** The value type itself as a TypeRef (the record or enum crosses with its wire codec). */
export function valueType(owner: ValueOwner, at: MethodDecl | ValueOwner): TypeRef {
  return { kind: 'named', name: owner.name, target: 'fields' in owner ? 'record' : 'enum', span: at.span, text: owner.name };
}

/**
 * A record's or enum's fn as a plain function: methods get the receiver as a first
 * parameter, `&T` for `&self` and `T` for `self`, which Kotlin encodes from `this`
 * (`T::method(&value, ..)` is the same call as `value.method(..)`).
 */
export function asValueNativeFn(owner: ValueOwner, m: MethodDecl): FnDecl {
  const params = [...m.params];
  if (m.receiver !== 'none') {
    const value = valueType(owner, m);
    const self: TypeRef = m.receiver === 'value' ? value : { kind: 'ref', mutable: false, inner: value, span: m.span, text: `&${owner.name}` };
    params.unshift({ name: SELF_PARAM, type: self, span: m.span, patternOk: true });
  }
  return { ...m, name: nativeName(owner, m), params };
}

/** The native behind a record's or enum's `toString()`: Rust's `Display` through `ToString`. */
export function displayNativeFn(owner: ValueOwner): FnDecl {
  const self: TypeRef = { kind: 'ref', mutable: false, inner: valueType(owner, owner), span: owner.span, text: `&${owner.name}` };
  return {
    name: `ferryDisplay${owner.name}`,
    rustPath: `<${owner.rustPath} as ::std::string::ToString>::to_string`,
    span: owner.span,
    isAsync: false,
    isUnsafe: false,
    generics: null,
    params: [{ name: SELF_PARAM, type: self, span: owner.span, patternOk: true }],
    returns: { kind: 'string', span: owner.span, text: 'String' },
    visibleFromRoot: true,
  };
}

/** Records and enums that get Kotlin members (methods, or `toString` from `Display`). */
export function valueOwners(ir: CrateIr): ValueOwner[] {
  return [...ir.records, ...ir.enums.filter((e) => !e.isError)];
}

/** Whether a value type's Kotlin class mirrors its `Display` as `toString()`. */
export function valueHasDisplay(owner: ValueOwner): boolean {
  return !('isError' in owner && owner.isError) && owner.hasDisplay;
}

/** Every record and enum fn (and `Display`) as a native function, in emission order. */
export function valueNativeFns(ir: CrateIr): FnDecl[] {
  return valueOwners(ir).flatMap((v) => [...v.methods.map((m) => asValueNativeFn(v, m)), ...(valueHasDisplay(v) ? [displayNativeFn(v)] : [])]);
}

/** Every native function of the crate: free functions, then objects', records' and enums' fns. */
export function allNativeFns(ir: CrateIr): FnDecl[] {
  return [...ir.functions, ...objectNativeFns(ir.objects), ...valueNativeFns(ir)];
}

/** `Arc<T>` or `&T` of an object: crosses as a `long` handle. */
export function isObjectParam(t: TypeRef): boolean {
  return t.kind === 'object' || (t.kind === 'ref' && t.inner.kind === 'object');
}

export function objectParamName(t: TypeRef): string {
  const inner = t.kind === 'ref' ? t.inner : t;
  return (inner as { name: string }).name;
}
