// Callback traits that Rust returns (`-> Arc<dyn Name>`): the Rust value is held by handle
// like an object, so the generator adds one object per such trait before emitting. Its Rust
// type is a holder in the glue (\`__FerryRust<Name>\`) with one forwarding method per trait
// method; its Kotlin class (\`FerryRust<Name>\`) implements the trait's interface. Everything
// else (exports, handles, closing, the reclaimer) is the objects' machinery.

import { typeContains, type CallbackDecl, type CrateIr, type ObjectDecl } from './model.js';

export function traitObjectName(trait: string): string {
  return `FerryRust${trait}`;
}

export function traitHolderPath(trait: string): string {
  return `crate::__ferry_glue::__FerryRust${trait}`;
}

/**
 * The callback traits Rust hands to Kotlin: returned by an exported function or method, or
 * passed to a Kotlin implementation as a callback method's argument.
 */
export function returnedTraits(ir: CrateIr): CallbackDecl[] {
  const fns = [...ir.functions, ...[...ir.objects, ...ir.records, ...ir.enums].flatMap((o) => o.methods)];
  const toKotlin = [...fns.map((f) => f.returns), ...ir.callbacks.flatMap((c) => c.methods.flatMap((m) => m.params.map((p) => p.type)))];
  return ir.callbacks.filter((cb) => toKotlin.some((t) => typeContains(t, (x) => x.kind === 'callback' && x.name === cb.name)));
}

/**
 * Whether some Kotlin implementation's reply can hold an object or a Rust implementation:
 * then Kotlin needs `ferryShareObject` to give Rust a handle of its own.
 */
export function repliesHoldHandles(ir: CrateIr): boolean {
  return ir.callbacks.some((c) => c.methods.some((m) => typeContains(m.returns, (t) => t.kind === 'object' || t.kind === 'callback')));
}

/** The IR the emitters see: the crate's, plus an object per returned callback trait. */
export function withTraitObjects(ir: CrateIr): CrateIr {
  const added: ObjectDecl[] = returnedTraits(ir).map((cb) => ({
    name: traitObjectName(cb.name),
    rustPath: traitHolderPath(cb.name),
    span: cb.span,
    docs: `A Rust implementation of [${cb.name}], held through a handle.`,
    generics: null,
    visibleFromRoot: true,
    implementsTrait: cb.name,
    methods: cb.methods.map((m) => ({ ...m, rustPath: `${traitHolderPath(cb.name)}::${m.name}`, receiver: 'ref' as const })),
  }));
  return added.length === 0 ? ir : { ...ir, objects: [...ir.objects, ...added] };
}
