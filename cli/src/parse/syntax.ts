// The syntax model: what the parser extracts from the crate's Rust source. Plain data,
// no tree-sitter types, so the IR builder and the tests do not depend on the parser.

import type { Span } from '../diagnostics.js';

export type SynType =
  | { kind: 'path'; segments: string[]; args: SynType[]; bindings: SynBinding[]; span: Span; text: string }
  | { kind: 'ref'; mutable: boolean; inner: SynType; span: Span; text: string }
  | { kind: 'slice'; inner: SynType; span: Span; text: string }
  | { kind: 'unit'; span: Span; text: string }
  | { kind: 'impl'; traits: SynType[]; span: Span; text: string }
  /** `dyn Trait + Send + ...`: the traits, in order. */
  | { kind: 'dyn'; traits: SynType[]; span: Span; text: string }
  | { kind: 'other'; what: string; span: Span; text: string };

/** `Item = T` inside generic arguments (`Stream<Item = T>`). */
export interface SynBinding {
  name: string;
  type: SynType;
}

export type ExportKind = 'plain' | 'object' | 'error' | 'callback';

export interface SynExport {
  kind: ExportKind;
  /** Unknown words inside `#[ferry::export(...)]`, reported by the checker. */
  unknownArgs: string[];
  /** `#[ferry::export(blocking)]`: a sync fn that runs on Tokio's blocking pool. */
  blocking: boolean;
  /** `thread_affine` on an object's struct or impl block: it lives on a thread of its own. */
  threadAffine: boolean;
  span: Span;
}

export interface SynParam {
  name: string; // `_` or a pattern become `arg<index>`
  patternOk: boolean; // false for destructuring patterns
  type: SynType;
  span: Span;
}

export interface SynFn {
  name: string;
  span: Span;
  isAsync: boolean;
  isUnsafe: boolean;
  isPublic: boolean;
  generics: string | null; // text of `<...>` when present
  selfParam: 'none' | 'ref' | 'mut-ref' | 'value' | 'arc';
  params: SynParam[];
  returns: SynType | null;
  /** `///` doc comments, markers stripped. */
  docs: string | null;
}

export interface SynField {
  name: string;
  type: SynType;
  isPublic: boolean;
  span: Span;
  docs: string | null;
}

export interface SynVariant {
  name: string;
  style: 'unit' | 'tuple' | 'struct';
  fields: SynField[]; // tuple fields are named `0`, `1`, ...
  span: Span;
  docs: string | null;
}

interface SynItemBase {
  name: string;
  span: Span;
  modulePath: string[]; // [] at the crate root
  isPublic: boolean;
  generics: string | null;
  export: SynExport | null;
  /** Derives listed in `#[derive(...)]`, last path segment only. */
  derives: string[];
  /** `#[ferry::runtime]`: the crate's fn returning the `ferry::RuntimeConfig` to use. */
  isRuntime: boolean;
  /** True when the item carries `#[error("...")]` style attributes (thiserror). */
  hasErrorAttributes: boolean;
  docs: string | null;
}

export type SynItem =
  | (SynItemBase & { kind: 'fn'; fn: SynFn })
  | (SynItemBase & { kind: 'struct'; style: 'named' | 'tuple' | 'unit'; fields: SynField[] })
  | (SynItemBase & { kind: 'enum'; variants: SynVariant[] })
  | (SynItemBase & { kind: 'impl'; selfType: SynType; traitName: string | null; methods: (SynFn & { export: SynExport | null })[] })
  | (SynItemBase & { kind: 'trait'; methods: SynFn[] })
  | (SynItemBase & { kind: 'type-alias' });

export interface SynModule {
  path: string[];
  isPublic: boolean;
  span: Span;
}

export interface SynCrate {
  items: SynItem[];
  modules: SynModule[];
  /** Types with a `Display` impl anywhere in the crate (last path segment). */
  displayImpls: Set<string>;
  /** Traits implemented by hand (`impl Trait for Type`), by type (last path segments). */
  traitImpls: Map<string, Set<string>>;
}
