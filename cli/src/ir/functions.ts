// A Rust fn (free function, associated function or method) as an IR FnDecl.

import type { SynFn, SynType } from '../parse/syntax.js';
import type { FnDecl, TypeRef } from './model.js';

/**
 * `blocking`: the fn was exported with `#[ferry::export(blocking)]`. It is recorded as async
 * (a suspend fun in Kotlin, a completion in the glue) only when it is sync; an async fn
 * marked blocking keeps `isAsync` and `blocking` both, and the checker reports it.
 */
export function buildFn(fn: SynFn, rustPath: string, visible: boolean, resolve: (t: SynType) => TypeRef, runs: 'blocking' | 'affine' | null = null): FnDecl {
  return {
    name: fn.name,
    rustPath,
    span: fn.span,
    isAsync: fn.isAsync || runs !== null,
    ...(runs ? { [runs]: true, declaredAsync: fn.isAsync } : {}),
    isUnsafe: fn.isUnsafe,
    generics: fn.generics,
    params: fn.params.map((p) => ({ name: p.name, type: resolve(p.type), span: p.span, patternOk: p.patternOk })),
    returns: fn.returns ? resolve(fn.returns) : { kind: 'unit', span: fn.span, text: '()' },
    visibleFromRoot: visible,
    docs: fn.docs,
  };
}
