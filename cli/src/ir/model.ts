// The typed IR: one description of what crosses the bridge, from which both glues are
// emitted. Built from the syntax model without judgement; check/ decides what is valid.

import type { Span } from '../diagnostics.js';

export type Prim = 'bool' | 'i8' | 'i16' | 'i32' | 'i64' | 'u8' | 'u16' | 'u32' | 'u64' | 'f32' | 'f64';

export type NamedTarget = 'record' | 'enum' | 'error' | 'object' | 'callback' | 'unexported' | 'alias' | 'unknown';

export type TypeRef = (
  | { kind: 'prim'; prim: Prim }
  | { kind: 'unit' }
  | { kind: 'string' }
  | { kind: 'bytes' }
  | { kind: 'vec'; elem: TypeRef }
  | { kind: 'map'; key: TypeRef; value: TypeRef; extraArgs: number }
  | { kind: 'option'; inner: TypeRef }
  | { kind: 'duration' }
  | { kind: 'named'; name: string; target: NamedTarget }
  | { kind: 'result'; ok: TypeRef; err: TypeRef }
  | { kind: 'token' }
  | { kind: 'ref'; mutable: boolean; inner: TypeRef }
  | { kind: 'stream'; item: TypeRef | null }
  /** `ferry::frames::FrameConsumer` (Kotlin reads: `reader`) or `FrameProducer` (Kotlin writes: `writer`). */
  | { kind: 'frames'; end: 'reader' | 'writer' }
  /** An exported object: `Arc<T>` (`arc`) or the bare `T` / `Self` (constructors, `&T`). */
  | { kind: 'object'; name: string; arc: boolean }
  /** A Kotlin implementation of an exported callback trait: `Arc<dyn Name>` or `Box<dyn Name>`. */
  | { kind: 'callback'; name: string; boxed: boolean }
  | { kind: 'unsupported'; what: string; hint: string | null }
) & { span: Span; text: string };

export interface Param {
  name: string;
  type: TypeRef;
  span: Span;
  patternOk: boolean;
}

export interface FnDecl {
  name: string;
  rustPath: string; // `crate::net::fetch`
  span: Span;
  /** True for `async fn`, and for a `blocking` sync fn (Kotlin suspends on it as on an async one). */
  isAsync: boolean;
  /**
   * `#[ferry::export(blocking)]`: a sync fn run on Tokio's blocking pool (`spawn_blocking`)
   * behind a suspend fun; `isAsync` is set too, so everything downstream treats it as async.
   */
  blocking?: boolean;
  /**
   * A method of a thread-affine object: it runs on the object's thread, and is async to
   * Kotlin (`isAsync`) even when it is a sync fn in Rust.
   */
  affine?: boolean;
  /** With `blocking` or `affine`: whether the Rust fn itself is an `async fn`. */
  declaredAsync?: boolean;
  isUnsafe: boolean;
  generics: string | null;
  params: Param[];
  returns: TypeRef;
  visibleFromRoot: boolean;
  /** The Rust doc comment (`///`), markers stripped; becomes KDoc. */
  docs?: string | null;
}

export interface Field {
  name: string; // tuple fields: "0", "1", ...
  type: TypeRef;
  span: Span;
  visibleFromRoot: boolean;
  docs?: string | null;
}

export interface Variant {
  name: string;
  style: 'unit' | 'tuple' | 'struct';
  fields: Field[];
  span: Span;
  docs?: string | null;
}

export interface RecordDecl {
  name: string;
  rustPath: string;
  span: Span;
  style: 'named' | 'tuple' | 'unit';
  generics: string | null;
  fields: Field[];
  visibleFromRoot: boolean;
  docs?: string | null;
  /** The record has a `Display` impl (or derive): Kotlin's `toString()` calls it. */
  hasDisplay: boolean;
  /** Exported fns of its `#[ferry::export] impl` blocks: data class members and companion fns. */
  methods: MethodDecl[];
}

export interface EnumDecl {
  name: string;
  rustPath: string;
  span: Span;
  docs?: string | null;
  generics: string | null;
  isError: boolean;
  /** The error has a `Display` impl (or thiserror's `#[error]`): its text is the message. */
  hasDisplay: boolean;
  variants: Variant[];
  visibleFromRoot: boolean;
  /** Exported fns of its `#[ferry::export] impl` blocks (never on error enums). */
  methods: MethodDecl[];
}

/** Something marked for export that this version cannot bridge yet, or a bad marker. */
export interface Rejected {
  span: Span;
  message: string;
}

/** An exported fn of an object's impl block; `receiver` is how it takes `self`. */
export interface MethodDecl extends FnDecl {
  /** `arc` is `self: Arc<Self>` (the method may keep or spawn with `self`). */
  receiver: 'none' | 'ref' | 'mut-ref' | 'value' | 'arc';
}

/** `#[ferry::export(object)]` struct with the exported fns of its impl blocks. */
export interface ObjectDecl {
  name: string;
  rustPath: string;
  span: Span;
  docs?: string | null;
  /**
   * Standard traits the Rust type has (derived or implemented), which the Kotlin class
   * mirrors: Display → toString, PartialEq + Hash → equals/hashCode, Ord → Comparable.
   */
  traits?: { display: boolean; eqHash: boolean; ord: boolean };
  /**
   * Set on the object the generator adds for a callback trait that Rust returns: a Rust
   * implementation held by handle, whose Kotlin class implements the trait's interface.
   */
  implementsTrait?: string;
  /**
   * `thread_affine` (on the struct or an impl block): the value lives on a thread of its own
   * that runs all its methods, so it may be `!Send`/`!Sync`.
   */
  threadAffine?: boolean;
  generics: string | null;
  visibleFromRoot: boolean;
  methods: MethodDecl[];
}

/** `#[ferry::export(callback)]` trait: Kotlin implements it, Rust calls it. */
export interface CallbackDecl {
  name: string;
  rustPath: string;
  span: Span;
  docs?: string | null;
  generics: string | null;
  visibleFromRoot: boolean;
  methods: MethodDecl[];
}

export interface CrateIr {
  crateName: string; // Cargo package name
  libName: string; // the native library's name (lib<libName>.so)
  kotlinPackage: string;
  allowPanicAbort?: boolean;
  /** The crate's `#[ferry::runtime]` fn (a path from the crate root), registered when the library loads. */
  runtimeProvider?: string;
  functions: FnDecl[];
  records: RecordDecl[];
  enums: EnumDecl[];
  objects: ObjectDecl[];
  callbacks: CallbackDecl[];
  rejected: Rejected[];
}

/** Whether `t`, or a type nested in it (element, key, value, inner, ok, err, item), satisfies `test`. */
export function typeContains(t: TypeRef, test: (t: TypeRef) => boolean): boolean {
  if (test(t)) return true;
  switch (t.kind) {
    case 'vec': return typeContains(t.elem, test);
    case 'option': return typeContains(t.inner, test);
    case 'ref': return typeContains(t.inner, test);
    case 'map': return typeContains(t.key, test) || typeContains(t.value, test);
    case 'result': return typeContains(t.ok, test) || typeContains(t.err, test);
    case 'stream': return t.item !== null && typeContains(t.item, test);
    default: return false;
  }
}

/** A Kotlin callback parameter: `Arc<dyn T>`/`Box<dyn T>`, or `Option` of one (null crosses as handle 0). */
export function callbackParam(t: TypeRef): (Extract<TypeRef, { kind: 'callback' }> & { optional: boolean }) | null {
  if (t.kind === 'callback') return { ...t, optional: false };
  if (t.kind === 'option' && t.inner.kind === 'callback') return { ...t.inner, optional: true };
  return null;
}

/** A Kotlin `Flow` passed where Rust takes `impl Stream<Item = T>`. */
export function flowParam(t: TypeRef): Extract<TypeRef, { kind: 'stream' }> | null {
  return t.kind === 'stream' ? t : null;
}

/** Parameters that cross as a handle into Kotlin's callback registry (lifted first). */
export function isRegistryParam(t: TypeRef): boolean {
  return callbackParam(t) !== null || flowParam(t) !== null;
}

/**
 * Whether passing the argument registers Kotlin objects that Rust is then to own: a callback
 * or a Flow, directly or (callbacks) inside a Vec, Option or HashMap value.
 */
export function registersCallbacks(t: TypeRef): boolean {
  return isRegistryParam(t) || typeContains(t, (x) => x.kind === 'callback');
}

/**
 * A byte-slice parameter: `&[u8]` (`view`) or `&mut [u8]` (`out`). A sync call borrows the
 * caller's memory for them where the face can (docs/reference.md, "Byte slices").
 */
export function byteSlice(t: TypeRef): 'view' | 'out' | null {
  if (t.kind !== 'ref' || t.inner.kind !== 'bytes') return null;
  return t.mutable ? 'out' : 'view';
}

/**
 * Whether a fn's byte slices are borrowed in place: only a sync call, which returns before
 * the caller can touch its array or buffer again. An async call (and a stream) outlives the
 * caller's frame, so its `&[u8]` is copied, and it cannot take `&mut [u8]` (the checker).
 */
export function slicesInPlace(fn: { isAsync: boolean; returns: TypeRef }): boolean {
  return !fn.isAsync && fn.returns.kind !== 'stream';
}

export function isUnitType(t: TypeRef): boolean {
  return t.kind === 'unit';
}

/** How many arguments a callback's scalar upcall carries (the runtimes' `SCALAR_ARGS`). */
export const SCALAR_CALLBACK_ARGS = 4;

/**
 * Whether a callback method takes the scalar fast path where the face offers one: sync, at
 * most {@link SCALAR_CALLBACK_ARGS} parameters, every parameter a number or boolean and the
 * result one too or unit (no `Result`: an error variant needs the encoded reply).
 */
export function isScalarCallback(m: { isAsync: boolean; params: { type: TypeRef }[]; returns: TypeRef }): boolean {
  return !m.isAsync
    && m.params.length <= SCALAR_CALLBACK_ARGS
    && m.params.every((p) => p.type.kind === 'prim')
    && (m.returns.kind === 'prim' || m.returns.kind === 'unit');
}
