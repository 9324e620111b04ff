// Rust glue for objects (`#[ferry::export(object)]`). Objects cross as `long` handles into
// ferry's handle registry (`ferry::objects`): an argument is looked up (cloning its `Arc`,
// so the call keeps the value alive), a result is registered as a new handle. Methods and
// associated fns are emitted by the shared function emitter as plain functions
// (see `asNativeFn`); this module supplies the object-specific pieces.

import type { CrateIr, ObjectDecl, TypeRef } from '../ir/model.js';
import { isObjectParam, objectParamName } from '../ir/objects.js';
import { jniSymbol, NATIVE_OBJECT } from '../names.js';

/** JNI parameter of an object argument (`Arc<T>` or `&T`). */
export function objectJniParam(name: string): string {
  return `${name}: jlong`;
}

/** Lifts an object argument: the `Arc<T>` behind the handle, or IllegalStateException. */
export function objectLiftParam(name: string, t: TypeRef, rustPath: (name: string) => string): string {
  const obj = objectParamName(t);
  const path = rustPath(obj);
  return `let ${name}: ::std::sync::Arc<${path}> = ::ferry::objects::get::<${path}>(${name}, "${obj}")?;`;
}

/** Writes an object (`expr: &Arc<T>`) as a new handle owning a clone of the Arc. */
export function objectEncode(expr: string): string {
  return `w.i64(::ferry::objects::register(::std::sync::Arc::clone(${expr})));`;
}

/**
 * The call expression with bare-object results (`T`, `Self`, `Result<Self, E>`) put in an
 * `Arc`, so every object result downstream is an `Arc<T>`.
 */
export function adaptObjectResult(t: TypeRef, call: string): string {
  if (t.kind === 'object' && !t.arc) return `::std::sync::Arc::new(${call})`;
  if (t.kind === 'result' && t.ok.kind === 'object' && !t.ok.arc) return `(${call}).map(::std::sync::Arc::new)`;
  return call;
}

export { isObjectParam };

/** `FerryNative.ferryReleaseObject(handle): Boolean`: releases one handle (close / Cleaner). */
export function objectRuntimeExports(ir: CrateIr): string {
  if (ir.objects.length === 0) return '';
  const symbol = jniSymbol(ir.kotlinPackage, NATIVE_OBJECT, 'ferryReleaseObject');
  return `

#[no_mangle]
pub extern "system" fn ${symbol}<'local>(mut env: JNIEnv<'local>, _class: JClass<'local>, handle: jlong) -> u8 {
    jvm::release_object(&mut env, handle)
}${ir.objects.map((o) => traitExports(ir, o)).join('')}`;
}

/** The native names of an object's standard-trait exports (see `ObjectDecl.traits`). */
export const traitNatives = (obj: ObjectDecl) => ({
  display: `ferryDisplay${obj.name}`,
  equals: `ferryEquals${obj.name}`,
  hash: `ferryHash${obj.name}`,
  compare: `ferryCompare${obj.name}`,
});

/** Exports behind the Kotlin class's toString / equals / hashCode / compareTo. */
function traitExports(ir: CrateIr, obj: ObjectDecl): string {
  const t = obj.traits;
  if (!t) return '';
  const n = traitNatives(obj);
  const sym = (m: string) => jniSymbol(ir.kotlinPackage, NATIVE_OBJECT, m);
  const get = (h: string) => `::ferry::objects::get::<${obj.rustPath}>(${h}, "${obj.name}")?`;
  const head = (m: string, params: string, ret: string) =>
    `\n\n#[no_mangle]\npub extern "system" fn ${sym(m)}<'local>(mut env: JNIEnv<'local>, _class: JClass<'local>, ${params}) -> ${ret} {`;
  let out = '';
  if (t.display) {
    out += `${head(n.display, 'handle: jlong', 'jbyteArray')}
    jvm::sync_call(&mut env, |env| { let v = ${get('handle')}; jvm::bytes_return(env, ::std::string::ToString::to_string(&*v).as_bytes()) })
}`;
  }
  if (t.eqHash) {
    out += `${head(n.equals, 'a: jlong, b: jlong', 'u8')}
    jvm::sync_call(&mut env, |_env| { let (a, b) = (${get('a')}, ${get('b')}); Ok(u8::from(*a == *b)) })
}${head(n.hash, 'handle: jlong', 'jlong')}
    jvm::sync_call(&mut env, |_env| {
        let v = ${get('handle')};
        let mut h = ::std::collections::hash_map::DefaultHasher::new();
        ::std::hash::Hash::hash(&*v, &mut h);
        Ok(::std::hash::Hasher::finish(&h) as jlong)
    })
}`;
  }
  if (t.ord) {
    out += `${head(n.compare, 'a: jlong, b: jlong', 'i32')}
    jvm::sync_call(&mut env, |_env| { let (a, b) = (${get('a')}, ${get('b')}); Ok(::std::cmp::Ord::cmp(&*a, &*b) as i32) })
}`;
  }
  return out;
}
