// A Rust fn (free function, associated function or method) as an IR FnDecl.

import type { SynFn, SynType } from '../parse/syntax.js';
import type { FnDecl, TypeRef } from './model.js';

export function buildFn(fn: SynFn, rustPath: string, visible: boolean, resolve: (t: SynType) => TypeRef): FnDecl {
  return {
    name: fn.name,
    rustPath,
    span: fn.span,
    isAsync: fn.isAsync,
    isUnsafe: fn.isUnsafe,
    generics: fn.generics,
    params: fn.params.map((p) => ({ name: p.name, type: resolve(p.type), span: p.span, patternOk: p.patternOk })),
    returns: fn.returns ? resolve(fn.returns) : { kind: 'unit', span: fn.span, text: '()' },
    visibleFromRoot: visible,
    docs: fn.docs,
  };
}
