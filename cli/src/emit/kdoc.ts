// KDoc for generated Kotlin: the Rust doc comment (`///`) of the item, followed by what
// the generator adds (how the call runs, what it throws).

import type { FnDecl } from '../ir/model.js';

/** A KDoc block at `indent`, or '' when there is nothing to say. */
export function kdoc(docs: string | null | undefined, notes: string[] = [], indent = ''): string {
  const lines = [...(docs ? docs.split('\n') : [])];
  if (lines.length > 0 && notes.length > 0) lines.push('');
  lines.push(...notes);
  if (lines.length === 0) return '';
  // `*/` would end the comment early.
  const body = lines.map((l) => `${indent} *${l ? ` ${l.replace(/\*\//g, '*&#47;')}` : ''}`).join('\n');
  return `${indent}/**\n${body}\n${indent} */\n`;
}

/** Where a generated function's Rust code runs, for its KDoc. */
export function runsOn(fn: FnDecl): string {
  if (fn.affine) return 'Runs on this object\'s own thread (it is thread-affine), after the calls made before it; suspends until it is done, even when the Rust fn is sync. Cancelling the caller drops the Rust call.';
  if (fn.blocking) return 'Runs on Tokio\'s blocking pool, never on the calling thread; suspends until it returns. Cancelling the caller resumes it at once with CancellationException and cancels the Rust CancellationToken (the work stops only if it checks it).';
  return fn.isAsync
    ? 'Runs on ferry\'s Tokio runtime; suspends without blocking. Cancelling the caller drops the Rust future.'
    : 'Runs on the calling thread.';
}
