// The interface fingerprint: a 64-bit hash of everything that decides how values cross
// (functions and methods with their parameter and result types, records' fields in
// order, enums' variants in order). The Rust glue exports it and the Kotlin bindings
// check it when the library loads, so bindings and a library generated from different
// versions of the crate fail with "bindings out of date" instead of passing arguments a
// native method does not expect. Docs and comments do not count: they change no call.

import type { CrateIr, FnDecl, MethodDecl, TypeRef } from '../ir/model.js';
import { GENERATOR_VERSION } from './rust.js';

/** The runtime version the generated code is written against (runtime/rust, runtime/kotlin). */
export const RUNTIME_VERSION = '0.1.0';

/**
 * The runtime protocol the generated code speaks (how calls start, complete and cancel, and
 * how results are encoded); `PROTOCOL` in runtime/rust/core and `FERRY_PROTOCOL` in
 * runtime/kotlin must equal it (test/runtime-pairing.test.ts reads both). The Rust glue
 * checks it at compile time, the Kotlin bindings when they load, and it is part of the
 * fingerprint, so both halves of one generation name the same protocol.
 */
export const RUNTIME_PROTOCOL = 6;

function typeShape(t: TypeRef): unknown {
  switch (t.kind) {
    case 'prim': return t.prim;
    case 'vec': return ['vec', typeShape(t.elem)];
    case 'map': return ['map', typeShape(t.key), typeShape(t.value)];
    case 'option': return ['option', typeShape(t.inner)];
    case 'ref': return ['ref', typeShape(t.inner)];
    case 'result': return ['result', typeShape(t.ok), typeShape(t.err)];
    case 'stream': return ['stream', t.item ? typeShape(t.item) : null];
    case 'named': return ['named', t.name];
    case 'object': return ['object', t.name, t.arc];
    case 'frames': return ['frames', t.end];
    default: return t.kind;
  }
}

function fnShape(f: FnDecl & { receiver?: string }): unknown {
  return [f.name, f.isAsync, f.receiver ?? null, f.params.map((p) => typeShape(p.type)), typeShape(f.returns)];
}

/** A record's or enum's methods and its `toString` native; nothing when it has neither (older fingerprints stay). */
function members(v: { methods: MethodDecl[]; hasDisplay: boolean; isError?: boolean }): unknown[] {
  const display = v.hasDisplay && !v.isError;
  return v.methods.length > 0 || display ? [v.methods.map(fnShape), display] : [];
}

/** FNV-1a, 64 bits: small, dependency-free and the same on every platform. */
function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** The fingerprint as 16 hex digits (Rust writes `0x..u64 as i64`, Kotlin `0x..uL.toLong()`). */
export function interfaceFingerprint(ir: CrateIr): string {
  const shape = {
    generator: GENERATOR_VERSION,
    runtime: RUNTIME_VERSION,
    protocol: RUNTIME_PROTOCOL,
    package: ir.kotlinPackage,
    functions: ir.functions.map(fnShape),
    records: ir.records.map((r) => [r.name, r.fields.map((f) => [f.name, typeShape(f.type)]), ...members(r)]),
    enums: ir.enums.map((e) => [e.name, e.isError, e.hasDisplay, e.variants.map((v) => [v.name, v.style, v.fields.map((f) => [f.name, typeShape(f.type)])]), ...members(e)]),
    objects: ir.objects.map((o) => [o.name, o.methods.map(fnShape)]),
  };
  return fnv1a64(JSON.stringify(shape)).toString(16).padStart(16, '0');
}
