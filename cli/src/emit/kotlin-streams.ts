// Kotlin wrappers for functions returning `impl Stream` (docs/streams.md): a plain `fun`
// returning a cold `Flow<T>`. Arguments are converted (and byte arrays copied) when the
// function is called; every collection opens a new Rust stream with them.

import type { FnDecl } from '../ir/model.js';
import { registersCallbacks } from '../ir/model.js';
import { CODECS_OBJECT, JOURNAL, kotlinName, NATIVE_OBJECT } from '../names.js';
import { valueAbi } from './abi.js';
import { isObjectParam } from '../ir/objects.js';
import { kdoc } from './kdoc.js';
import { streamItem } from './rust-streams.js';

/** The leading parameters of a stream function's `external fun`. */
export const STREAM_NATIVE_PARAMS = ['ferrySink: Long', 'ferryBatch: Int', 'ferryCredit: Int'];

export interface KotlinHelpers {
  kotlinType: (t: FnDecl['returns']) => string;
  decode: (t: FnDecl['returns'], depth: number) => string;
  nativeArg: (name: string, t: FnDecl['returns']) => string | null;
}

/**
 * The body lines of a stream wrapper. `target` is the receiver of the native call
 * (`FerryNative`), `leading` native arguments that come before the user's (e.g. an
 * object handle), already evaluated.
 */
export function streamBody(fn: FnDecl, h: KotlinHelpers, nativeName: string, leading: string[] = []): string[] {
  const { ok, err } = streamItem(fn);
  const lines: string[] = [];
  // The native arguments: each either a value converted once, when the function is called
  // (`ferryArg<i>`), or an expression evaluated at each collection (handles, registrations).
  const args: { expr: string; atCollect: boolean }[] = leading.map((expr) => ({ expr, atCollect: true }));
  const objects: string[] = [];
  fn.params.forEach((p, i) => {
    const name = kotlinName(p.name);
    const arg = h.nativeArg(name, p.type);
    if (arg === null) return;
    if (isObjectParam(p.type)) {
      // The Flow holds the object itself, not its handle: a handle alone would let the
      // reclaimer release it before a later collection. Its handle is read when each
      // collection starts and the object is kept reachable until Rust has looked it up.
      lines.push(`val ferryArg${i} = ${name}`);
      args.push({ expr: h.nativeArg(`ferryArg${i}`, p.type)!, atCollect: true });
      objects.push(`ferryArg${i}`);
      return;
    }
    if (registersCallbacks(p.type)) {
      // Registered anew at each collection: Rust's stream owns (and releases) each entry.
      lines.push(`val ferryArg${i} = ${name}`);
      args.push({ expr: h.nativeArg(`ferryArg${i}`, p.type)!, atCollect: true });
      return;
    }
    // A ByteArray is copied now: later changes by the caller must not reach the stream.
    const value = valueAbi(p.type).kind === 'raw-bytes' ? `${name}.copyOf()` : arg;
    lines.push(`val ferryArg${i} = ${value}`);
    args.push({ expr: `ferryArg${i}`, atCollect: false });
  });
  // With registrations among them, the collection-time arguments are read under a journal
  // sealed just before the call (see `nativeArguments`): one that throws releases the rest.
  const atCollect: string[] = [];
  if (fn.params.some((p) => registersCallbacks(p.type))) {
    atCollect.push(`val ${JOURNAL} = dev.ferry.Callbacks.openJournal()`);
    args.forEach((a, n) => {
      if (!a.atCollect) return;
      atCollect.push(`val ferryAt${n} = ${JOURNAL}.guard { ${a.expr} }`);
      a.expr = `ferryAt${n}`;
    });
    atCollect.push(`${JOURNAL}.seal()`);
  }
  let call = `${NATIVE_OBJECT}.${nativeName}(${['ferrySink', 'ferryBatch', 'ferryCredit', ...args.map((a) => a.expr)].join(', ')})`;
  if (objects.length > 0) call = `try { ${call} } finally { ${objects.map((o) => `dev.ferry.keepAlive(${o})`).join('; ')} }`;
  const error = err ? `{ r -> ${CODECS_OBJECT}.read${err}(r) }` : 'null';
  const start = [...atCollect, call].join('; ');
  lines.push(`return ferryFlow(${NATIVE_OBJECT}, { ferrySink, ferryBatch, ferryCredit -> ${start} }, ${error}) { r -> ${h.decode(ok, 0)} }`);
  return lines;
}

export function streamKotlinType(fn: FnDecl, h: KotlinHelpers): string {
  return `Flow<${h.kotlinType(streamItem(fn).ok)}>`;
}

export function streamDoc(fn: FnDecl): string {
  const { err } = streamItem(fn);
  const notes = [
    `Streams Rust \`${fn.rustPath}\` as a cold Flow: each collection runs the Rust function again.`,
    'Rust produces items only as fast as the collector consumes them (see FerryStreams for the',
    'bound); cancelling the collector drops the Rust stream.',
  ];
  if (err) notes.push(`The Flow throws ${err} when Rust yields \`Err\`, and ends there.`);
  return kdoc(fn.docs, notes).trimEnd();
}

export const STREAM_IMPORTS = ['dev.ferry.ferryFlow', 'kotlinx.coroutines.flow.Flow'];
