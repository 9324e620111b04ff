// Rust glue for objects (`#[ferry::export(object)]`). Objects cross as `long` handles into
// ferry's handle registry (`ferry::objects`): an argument is looked up (cloning its `Arc`,
// so the call keeps the value alive), a result is registered as a new handle. Methods and
// associated fns are emitted by the shared function emitter as plain functions
// (see `asNativeFn`); this module supplies the object-specific pieces.

import type { CrateIr, ObjectDecl, TypeRef } from '../ir/model.js';
import { isObjectParam, objectParamName } from '../ir/objects.js';
import { repliesHoldHandles } from '../ir/trait-objects.js';
import type { NativeExport, NativeParam } from './rust-faces.js';
import { usesFrames } from './frames.js';

/** Native parameter of an object argument (`Arc<T>` or `&T`): its handle. */
export function objectNativeParam(name: string): NativeParam {
  return { name, kind: 'prim', prim: 'i64' };
}

/**
 * Lifts an object argument: the `Arc<T>` behind the handle, or IllegalStateException. A
 * thread-affine object's handle holds an `Affine<T>` (only ever its methods' `self`),
 * whose thread must still be there.
 */
export function objectLiftParam(name: string, t: TypeRef, types: { path(name: string): string; affine: Set<string> }): string {
  const obj = objectParamName(t);
  const path = types.affine.has(obj) ? `::ferry::affine::Affine<${types.path(obj)}>` : types.path(obj);
  const check = types.affine.has(obj) ? ` ${name}.ensure_alive()?;` : '';
  return `let ${name}: ::std::sync::Arc<${path}> = ::ferry::objects::get::<${path}>(${name}, "${obj}")?;${check}`;
}

/** Writes an object (`expr: &Arc<T>`) as a new handle owning a clone of the Arc. */
export function objectEncode(expr: string): string {
  return `w.i64(::ferry::objects::register(::std::sync::Arc::clone(${expr})));`;
}

/**
 * The call expression with bare-object results (`T`, `Self`, `Result<Self, E>`) put in an
 * `Arc`, so every object result downstream is an `Arc<T>`.
 */
export function adaptObjectResult(t: TypeRef, call: string, types: { affine: Set<string> }): string {
  // A thread-affine `new` runs on the object's new thread; the handle is there at once.
  if (t.kind === 'object' && types.affine.has(t.name)) return `::std::sync::Arc::new(::ferry::affine::Affine::new("${t.name}", move || ${call}))`;
  if (t.kind === 'object' && !t.arc) return `::std::sync::Arc::new(${call})`;
  if (t.kind === 'result' && t.ok.kind === 'object' && !t.ok.arc) return `(${call}).map(::std::sync::Arc::new)`;
  return call;
}

export { isObjectParam };

/**
 * Whether results can hold handles that Kotlin releases when the result never reaches its
 * caller (a cancelled call): objects, and frame ring ends (closed through the same entry).
 */
export function resultsHoldHandles(ir: CrateIr): boolean {
  return ir.objects.length > 0 || usesFrames(ir);
}

/** The release entry, `FerryNative.ferryReleaseObject(handle): Boolean` (close / Cleaner / cancelled result). */
function releaseExport(ir: CrateIr): NativeExport[] {
  if (!resultsHoldHandles(ir)) return [];
  return [{ name: 'ferryReleaseObject', params: [{ name: 'handle', kind: 'prim', prim: 'i64' }], result: { kind: 'prim', prim: 'bool' }, body: '    face::release_object(&mut env, handle)' }];
}

/** Objects' entries: release, share, and the standard traits. */
export function objectRuntimeExports(ir: CrateIr): NativeExport[] {
  if (ir.objects.length === 0) return releaseExport(ir);
  return [
    ...releaseExport(ir),
    // A second handle to an object, which Rust takes over from a callback's reply.
    ...(repliesHoldHandles(ir) ? [{ name: 'ferryShareObject', params: [{ name: 'handle', kind: 'prim', prim: 'i64' }], result: { kind: 'prim', prim: 'i64' }, body: '    face::sync_call(&mut env, |_env| ::std::result::Result::Ok(::ferry::objects::share(handle)?))' } satisfies NativeExport] : []),
    ...ir.objects.flatMap(traitExports),
  ];
}

/** The native names of an object's standard-trait exports (see `ObjectDecl.traits`). */
export const traitNatives = (obj: ObjectDecl) => ({
  display: `ferryDisplay${obj.name}`,
  equals: `ferryEquals${obj.name}`,
  hash: `ferryHash${obj.name}`,
  compare: `ferryCompare${obj.name}`,
});

/** Exports behind the Kotlin class's toString / equals / hashCode / compareTo. */
function traitExports(obj: ObjectDecl): NativeExport[] {
  const t = obj.traits;
  if (!t) return [];
  const n = traitNatives(obj);
  const get = (h: string) => `::ferry::objects::get::<${obj.rustPath}>(${h}, "${obj.name}")?`;
  const handle: NativeParam[] = [{ name: 'handle', kind: 'prim', prim: 'i64' }];
  const pair: NativeParam[] = [{ name: 'a', kind: 'prim', prim: 'i64' }, { name: 'b', kind: 'prim', prim: 'i64' }];
  const out: NativeExport[] = [];
  if (t.display) {
    out.push({ name: n.display, params: handle, result: { kind: 'bytes' }, body: `    face::sync_call(&mut env, |env| { let v = ${get('handle')}; face::bytes_return(env, ::std::string::ToString::to_string(&*v).as_bytes()) })` });
  }
  if (t.eqHash) {
    out.push({ name: n.equals, params: pair, result: { kind: 'prim', prim: 'bool' }, body: `    face::sync_call(&mut env, |_env| { let (a, b) = (${get('a')}, ${get('b')}); Ok(u8::from(*a == *b)) })` });
    out.push({ name: n.hash, params: handle, result: { kind: 'prim', prim: 'i64' }, body: `    face::sync_call(&mut env, |_env| {
        let v = ${get('handle')};
        let mut h = ::std::collections::hash_map::DefaultHasher::new();
        ::std::hash::Hash::hash(&*v, &mut h);
        Ok(::std::hash::Hasher::finish(&h) as i64)
    })` });
  }
  if (t.ord) {
    out.push({ name: n.compare, params: pair, result: { kind: 'prim', prim: 'i32' }, body: `    face::sync_call(&mut env, |_env| { let (a, b) = (${get('a')}, ${get('b')}); Ok(::std::cmp::Ord::cmp(&*a, &*b) as i32) })` });
  }
  return out;
}
