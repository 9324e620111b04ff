// Rust glue for functions returning `impl Stream` (docs/streams.md): one export per
// function that lifts the arguments, then opens the stream for the collecting Kotlin sink.
// The user function runs inside the stream's task, so nothing runs before `collect`.

import type { FnDecl, TypeRef } from '../ir/model.js';
import { encode, RUNNING_CHECK, RustTypes, wireBytes } from './rust.js';
import type { NativeExport, NativeParam } from './rust-faces.js';

/** The item type of a stream return and, for `Item = Result<T, E>`, the error enum. */
export function streamItem(fn: FnDecl): { ok: TypeRef; err: string | null } {
  const t = fn.returns;
  if (t.kind !== 'stream' || !t.item) throw new Error(`${fn.name} does not return a checked stream`);
  if (t.item.kind === 'result') return { ok: t.item.ok, err: (t.item.err as { name: string }).name };
  return { ok: t.item, err: null };
}

export function returnsStream(fn: FnDecl): boolean {
  return fn.returns.kind === 'stream';
}

/**
 * The body of a stream function's export (both faces): `liftLines` the statements lifting
 * the parameters, `call` the expression calling the user function (`.await` added for async).
 */
export function streamExportBody(fn: FnDecl, types: RustTypes, liftLines: string, call: string): string {
  const { ok, err } = streamItem(fn);
  const okType = types.owned(ok);
  const itemType = err ? `::std::result::Result<${okType}, ${types.path(err)}>` : okType;
  const encodeOk = (v: string) => `{ let v = &${v}; ${encode(ok, 'v', 0)} }`;
  const body = err
    ? `match __item { ::std::result::Result::Ok(__ok) => { ${encodeOk('__ok')} ::std::result::Result::Ok(()) } ::std::result::Result::Err(__err) => ::std::result::Result::Err(${wireBytes(`write_${err}(w, &__err);`)}) }`
    : `${encodeOk('__item')} ::std::result::Result::Ok(())`;
  const made = fn.isAsync ? `${call}.await` : call;
  return `    face::sync_call(&mut env, |env| {
${RUNNING_CHECK}${liftLines}        Ok(face::streams::open_for_sink(__sink, __batch, __credit,
            move |token| async move { ${made} },
            |w: &mut Writer, __item: ${itemType}| -> ::std::result::Result<(), ::std::vec::Vec<u8>> { ${body} },
        ))
    })`;
}

/** The leading native parameters of a stream export, before the user's. */
export const STREAM_NATIVE_PARAMS: NativeParam[] = [
  { name: '__sink', kind: 'prim', prim: 'i64' },
  { name: '__batch', kind: 'prim', prim: 'i32' },
  { name: '__credit', kind: 'prim', prim: 'i32' },
];

/** The runtime exports every library has (request credit, close). */
export function streamRuntimeExports(): NativeExport[] {
  const i64 = (name: string): NativeParam => ({ name, kind: 'prim', prim: 'i64' });
  return [
    { name: 'ferryStreamRequest', params: [i64('stream'), i64('n')], result: { kind: 'unit' }, body: '    face::streams::request(stream, n)' },
    { name: 'ferryStreamClose', params: [i64('stream')], result: { kind: 'unit' }, body: '    face::streams::close(stream)' },
  ];
}
