// IR builder: resolves the syntax model's types into TypeRefs and collects the exported
// declarations. It never reports: anything odd is kept in the IR (as `unsupported`,
// `ref`, an `unexported` name, ...) for the checker to judge with its location.

import type { SynCrate, SynItem, SynType } from '../parse/syntax.js';
import type { CrateIr, EnumDecl, NamedTarget, Prim, RecordDecl, TypeRef } from './model.js';
import { buildFn } from './functions.js';
import { buildObjects } from './objects.js';

const PRIMS = new Set(['bool', 'i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64']);

const UNSUPPORTED_PRIMS: Record<string, string> = {
  usize: 'use u64 (or u32): its width differs between targets',
  isize: 'use i64 (or i32): its width differs between targets',
  u128: 'use two u64 fields or a String',
  i128: 'use two u64 fields or a String',
  char: 'use a String',
};

export interface CrateMeta {
  crateName: string;
  libName: string;
  kotlinPackage: string;
  /** `[package.metadata.ferry] allow-panic-abort = true`: the user accepts that a panic aborts. */
  allowPanicAbort?: boolean;
}

export function buildIr(crate: SynCrate, meta: CrateMeta): CrateIr {
  const exportedKinds = new Map<string, NamedTarget>();
  const declared = new Map<string, NamedTarget>();
  for (const item of crate.items) {
    if (item.kind === 'struct') {
      declared.set(item.name, 'unexported');
      if (item.export) exportedKinds.set(item.name, item.export.kind === 'object' ? 'object' : 'record');
    } else if (item.kind === 'enum') {
      declared.set(item.name, 'unexported');
      if (item.export) exportedKinds.set(item.name, item.export.kind === 'error' ? 'error' : 'enum');
    } else if (item.kind === 'type-alias') {
      declared.set(item.name, 'alias');
    } else if (item.kind === 'trait') {
      declared.set(item.name, 'unexported');
      if (item.export) exportedKinds.set(item.name, 'callback');
    }
  }
  const moduleVisibility = new Map(crate.modules.map((m) => [m.path.join('::'), m.isPublic]));
  const reachable = (modulePath: string[], itemPublic: boolean): boolean => {
    if (modulePath.length === 0) return true;
    // The glue lives at the crate root: a root-level module is visible from there, deeper
    // modules and the item itself need a `pub` of some kind.
    for (let i = 2; i <= modulePath.length; i++) {
      if (!moduleVisibility.get(modulePath.slice(0, i).join('::'))) return false;
    }
    return itemPublic;
  };

  const resolve = (t: SynType): TypeRef => resolveType(t, exportedKinds, declared);
  const rustPath = (item: SynItem) => ['crate', ...item.modulePath, item.name].join('::');

  const ir: CrateIr = { ...meta, functions: [], records: [], enums: [], objects: [], callbacks: [], rejected: [] };
  for (const item of crate.items) {
    const exp = item.export;
    if (exp && exp.unknownArgs.length > 0) {
      ir.rejected.push({ span: exp.span, message: `unknown argument \`${exp.unknownArgs.join(', ')}\` to #[ferry::export]: expected nothing, \`object\`, \`error\`, \`callback\`, \`blocking\` or \`thread_affine\`` });
    }
    if (exp?.threadAffine && item.kind !== 'impl' && !(item.kind === 'struct' && exp.kind === 'object')) {
      ir.rejected.push({ span: exp.span, message: '`thread_affine` marks an object: #[ferry::export(object, thread_affine)] on its struct, or #[ferry::export(thread_affine)] on its impl block' });
    }
    if (item.isRuntime) runtimeProvider(item, rustPath(item), reachable(item.modulePath, item.isPublic), ir);
    switch (item.kind) {
      case 'fn':
        if (exp) ir.functions.push(buildFn(item.fn, rustPath(item), reachable(item.modulePath, item.isPublic), resolve, exp.blocking ? 'blocking' : null));
        break;
      case 'struct':
        if (!exp) break;
        if (exp.kind === 'object') {
          // collected by buildObjects
        } else if (exp.kind !== 'plain') {
          ir.rejected.push({ span: exp.span, message: `#[ferry::export(${exp.kind})] does not apply to a struct: use #[ferry::export] (record) or #[ferry::export(object)]` });
        } else {
          ir.records.push(buildRecord(item, rustPath(item), reachable(item.modulePath, item.isPublic), crate, resolve));
        }
        break;
      case 'enum':
        if (!exp) break;
        if (exp.kind === 'object' || exp.kind === 'callback') {
          ir.rejected.push({ span: exp.span, message: `#[ferry::export(${exp.kind})] does not apply to an enum: use #[ferry::export] or #[ferry::export(error)]` });
        } else {
          ir.enums.push(buildEnum(item, rustPath(item), reachable(item.modulePath, item.isPublic), crate, resolve));
        }
        break;
      case 'impl':
        break; // exported impl blocks: see buildObjects
      case 'trait':
        if (!exp) break;
        if (exp.kind !== 'callback') {
          ir.rejected.push({ span: exp.span, message: `a trait is exported with #[ferry::export(callback)] (Kotlin implements it, Rust calls it)` });
        } else {
          const path = rustPath(item);
          ir.callbacks.push({
            name: item.name,
            rustPath: path,
            span: item.span,
            docs: item.docs,
            generics: item.generics,
            visibleFromRoot: reachable(item.modulePath, item.isPublic),
            methods: item.methods.map((m) => ({ ...buildFn(m, `${path}::${m.name}`, true, resolve), receiver: m.selfParam })),
          });
        }
        break;
      case 'type-alias':
        if (exp) ir.rejected.push({ span: item.span, message: `type alias \`${item.name}\` cannot be exported: export the type it names` });
        break;
    }
  }
  // After the records and enums: their impl blocks give them methods.
  ir.objects = buildObjects(crate, resolve, reachable, ir.rejected, [...ir.records, ...ir.enums]);
  return ir;
}

/** Records the crate's `#[ferry::runtime]` fn, or why it cannot be one. */
function runtimeProvider(item: SynItem, path: string, visible: boolean, ir: CrateIr): void {
  const reject = (message: string): void => { ir.rejected.push({ span: item.span, message: `#[ferry::runtime] \`${item.name}\`: ${message}` }); };
  if (item.kind !== 'fn') return reject('the attribute marks a fn returning ferry::RuntimeConfig');
  if (ir.runtimeProvider) return reject(`a crate has one runtime fn, and \`${ir.runtimeProvider}\` is one already`);
  if (item.fn.isAsync) return reject('it runs before the runtime exists, so it cannot be async');
  if (item.fn.params.length > 0 || item.fn.selfParam !== 'none' || item.fn.generics) return reject('it takes no parameters: ferry calls it as `fn() -> ferry::RuntimeConfig`');
  if (!visible) return reject('it is not visible from the crate root: make it (and its modules) `pub` or `pub(crate)`');
  ir.runtimeProvider = path;
}

function buildRecord(item: Extract<SynItem, { kind: 'struct' }>, rustPath: string, visible: boolean, crate: SynCrate, resolve: (t: SynType) => TypeRef): RecordDecl {
  return {
    name: item.name,
    rustPath,
    span: item.span,
    style: item.style,
    generics: item.generics,
    fields: item.fields.map((f) => ({ name: f.name, type: resolve(f.type), span: f.span, visibleFromRoot: item.modulePath.length === 0 || f.isPublic, docs: f.docs })),
    visibleFromRoot: visible,
    docs: item.docs,
    hasDisplay: item.derives.includes('Display') || (crate.traitImpls.get(item.name)?.has('Display') ?? false),
    methods: [],
  };
}

function buildEnum(item: Extract<SynItem, { kind: 'enum' }>, rustPath: string, visible: boolean, crate: SynCrate, resolve: (t: SynType) => TypeRef): EnumDecl {
  const isError = item.export?.kind === 'error';
  return {
    name: item.name,
    rustPath,
    span: item.span,
    generics: item.generics,
    isError,
    hasDisplay: crate.displayImpls.has(item.name) || item.derives.includes('Display') || (item.hasErrorAttributes && item.derives.includes('Error')),
    variants: item.variants.map((v) => ({
      name: v.name,
      style: v.style,
      span: v.span,
      fields: v.fields.map((f) => ({ name: f.name, type: resolve(f.type), span: f.span, visibleFromRoot: true, docs: f.docs })),
      docs: v.docs,
    })),
    visibleFromRoot: visible,
    docs: item.docs,
    methods: [],
  };
}

function lastOf(segments: string[]): string {
  return segments[segments.length - 1];
}

/** Matches `std::x::Y`, `x::Y`, `Y` and the `core`/`alloc` spellings. */
function isStd(segments: string[], ...paths: string[][]): boolean {
  const joined = segments.join('::');
  return paths.some((p) => {
    for (let i = 0; i < p.length; i++) {
      if (joined === p.slice(i).join('::')) return true;
    }
    return false;
  });
}

export function resolveType(t: SynType, exported: Map<string, NamedTarget>, declared: Map<string, NamedTarget>): TypeRef {
  const at = { span: t.span, text: t.text };
  const again = (x: SynType) => resolveType(x, exported, declared);
  switch (t.kind) {
    case 'unit':
      return { kind: 'unit', ...at };
    case 'ref': {
      // `&str` and `&[u8]` borrow the owned String / Vec<u8> the glue lifts.
      const inner = t.inner;
      if (inner.kind === 'path' && inner.segments.length === 1 && inner.segments[0] === 'str') {
        return { kind: 'ref', mutable: t.mutable, inner: { kind: 'string', span: inner.span, text: inner.text }, ...at };
      }
      if (inner.kind === 'slice' && inner.inner.kind === 'path' && inner.inner.segments.join('::') === 'u8') {
        return { kind: 'ref', mutable: t.mutable, inner: { kind: 'bytes', span: inner.span, text: inner.text }, ...at };
      }
      return { kind: 'ref', mutable: t.mutable, inner: again(inner), ...at };
    }
    case 'slice':
      return { kind: 'unsupported', what: 'an unsized slice', hint: 'take Vec<T>', ...at };
    case 'impl': {
      const stream = t.traits.find((tr) => tr.kind === 'path' && lastOf(tr.segments) === 'Stream');
      if (stream && stream.kind === 'path') {
        const item = stream.bindings.find((b) => b.name === 'Item');
        return { kind: 'stream', item: item ? again(item.type) : null, ...at };
      }
      return { kind: 'unsupported', what: `\`${t.text}\``, hint: 'only `impl Stream<Item = T>` can be returned', ...at };
    }
    case 'dyn':
      return { kind: 'unsupported', what: `\`${t.text}\``, hint: 'a Kotlin implementation crosses as Arc<dyn Trait> or Box<dyn Trait> of a #[ferry::export(callback)] trait', ...at };
    case 'other':
      return { kind: 'unsupported', what: t.what, hint: t.what === 'a tuple' ? 'use an exported record struct' : t.what === 'a fixed-size array' ? 'use Vec<T>' : null, ...at };
    case 'path':
      break;
  }
  const segs = t.segments;
  const name = lastOf(segs);
  const args = t.args;
  const arity = (n: number): TypeRef | null =>
    args.length === n ? null : { kind: 'unsupported', what: `\`${t.text}\``, hint: `${name} takes ${n} type argument${n === 1 ? '' : 's'} here`, ...at };
  if (segs.length === 1 && PRIMS.has(name)) return { kind: 'prim', prim: name as Prim, ...at };
  if (segs.length === 1 && name in UNSUPPORTED_PRIMS) return { kind: 'unsupported', what: `\`${name}\``, hint: UNSUPPORTED_PRIMS[name], ...at };
  if (segs.length === 1 && name === 'str') return { kind: 'unsupported', what: 'an unsized `str`', hint: 'take &str or String', ...at };
  if (isStd(segs, ['std', 'string', 'String'], ['alloc', 'string', 'String'])) return { kind: 'string', ...at };
  if (isStd(segs, ['std', 'vec', 'Vec'], ['alloc', 'vec', 'Vec'])) {
    const bad = arity(1);
    if (bad) return bad;
    const elem = again(args[0]);
    if (elem.kind === 'prim' && elem.prim === 'u8') return { kind: 'bytes', ...at };
    return { kind: 'vec', elem, ...at };
  }
  if (isStd(segs, ['std', 'option', 'Option'], ['core', 'option', 'Option'])) {
    return arity(1) ?? { kind: 'option', inner: again(args[0]), ...at };
  }
  if (isStd(segs, ['std', 'result', 'Result'], ['core', 'result', 'Result'])) {
    if (args.length !== 2) {
      const hint = declared.get('Result') === 'alias' || args.length === 1
        ? 'a `Result` alias with one argument is not followed: write Result<T, E> with the exported error enum'
        : 'write Result<T, E>';
      return { kind: 'unsupported', what: `\`${t.text}\``, hint, ...at };
    }
    return { kind: 'result', ok: again(args[0]), err: again(args[1]), ...at };
  }
  if (isStd(segs, ['std', 'collections', 'HashMap'], ['std', 'collections', 'hash_map', 'HashMap'])) {
    if (args.length < 2) return arity(2)!;
    return { kind: 'map', key: again(args[0]), value: again(args[1]), extraArgs: args.length - 2, ...at };
  }
  if (isStd(segs, ['std', 'time', 'Duration'], ['core', 'time', 'Duration'], ['tokio', 'time', 'Duration'])) return { kind: 'duration', ...at };
  if (isStd(segs, ['ferry', 'CancellationToken'])) return { kind: 'token', ...at };
  if (!declared.has(name) && isStd(segs, ['ferry', 'frames', 'FrameConsumer'])) return { kind: 'frames', end: 'reader', ...at };
  if (!declared.has(name) && isStd(segs, ['ferry', 'frames', 'FrameProducer'])) return { kind: 'frames', end: 'writer', ...at };
  if (isStd(segs, ['std', 'sync', 'Arc'], ['std', 'boxed', 'Box'], ['std', 'rc', 'Rc'])) {
    const dyn = args.length === 1 && args[0].kind === 'dyn' ? args[0] : null;
    if (dyn && (name === 'Arc' || name === 'Box')) {
      const first = dyn.traits[0];
      const traitName = first && first.kind === 'path' ? lastOf(first.segments) : null;
      const extra = dyn.traits.slice(1).every((b) => b.kind === 'path' && ['Send', 'Sync'].includes(lastOf(b.segments)));
      if (traitName && exported.get(traitName) === 'callback' && extra) return { kind: 'callback', name: traitName, boxed: name === 'Box', ...at };
      const hint = traitName && declared.has(traitName)
        ? `mark trait \`${traitName}\` #[ferry::export(callback)] so Kotlin can implement it`
        : 'only traits marked #[ferry::export(callback)] cross the bridge as trait objects';
      return { kind: 'unsupported', what: `\`${t.text}\``, hint, ...at };
    }
    if (name === 'Arc' && args.length === 1) {
      const inner = again(args[0]);
      if (inner.kind === 'object' && !inner.arc) return { kind: 'object', name: inner.name, arc: true, ...at };
    }
    return { kind: 'unsupported', what: `\`${t.text}\``, hint: name === 'Arc' ? 'Arc<T> can only wrap an object (a struct marked #[ferry::export(object)])' : `pass the value itself, not a ${name}`, ...at };
  }
  if (args.length > 0 && exported.has(name)) {
    return { kind: 'unsupported', what: `\`${t.text}\``, hint: 'exported types cannot be generic', ...at };
  }
  const target = exported.get(name) ?? declared.get(name) ?? 'unknown';
  if (target === 'object') return { kind: 'object', name, arc: false, ...at };
  return { kind: 'named', name, target, ...at };
}
