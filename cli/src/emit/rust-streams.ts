// Rust glue for functions returning `impl Stream` (docs/streams.md): one JNI export per
// function that lifts the arguments, then opens the stream for the collecting Kotlin sink.
// The user function runs inside the stream's task, so nothing runs before `collect`.

import type { FnDecl, TypeRef } from '../ir/model.js';
import { encode, RustTypes, wireBytes } from './rust.js';

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
 * The JNI export of a stream function. `head` is the `extern "system" fn` line up to the
 * user parameters (the caller adds symbol and receiver), `lifts` the statements lifting
 * them, `call` the expression calling the user function (`.await` added for async).
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
  return `    jvm::sync_call(&mut env, |env| {
${liftLines}        Ok(::ferry::jvm::streams::open_for_sink(__sink, __batch, __credit,
            move |token| async move { ${made} },
            |w: &mut Writer, __item: ${itemType}| -> ::std::result::Result<(), ::std::vec::Vec<u8>> { ${body} },
        ))
    })`;
}

/** The leading JNI parameters of a stream export, after env and class/receiver. */
export const STREAM_JNI_PARAMS = '__sink: jlong, __batch: jint, __credit: jint';

/** The runtime exports every library has (request credit, close). */
export function streamRuntimeExports(sym: (m: string) => string): string {
  return `#[no_mangle]
pub extern "system" fn ${sym('ferryStreamRequest')}<'local>(_env: JNIEnv<'local>, _class: JClass<'local>, stream: jlong, n: jlong) {
    ::ferry::jvm::streams::request_jni(stream, n)
}

#[no_mangle]
pub extern "system" fn ${sym('ferryStreamClose')}<'local>(_env: JNIEnv<'local>, _class: JClass<'local>, stream: jlong) {
    ::ferry::jvm::streams::close_jni(stream)
}`;
}
