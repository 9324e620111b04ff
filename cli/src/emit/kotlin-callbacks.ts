// Kotlin for callback traits (`#[ferry::export(callback)]`): an `interface` the user
// implements (async methods are `suspend fun`s), and a dispatch object through which Rust's
// calls reach an implementation: it decodes the arguments, calls the method, and encodes
// the result, or a thrown variant of the method's error type. Any other exception is the
// runtime's business (`dev.ferry.Callbacks`): it becomes a panic in the Rust caller.

import { isScalarCallback, registersCallbacks, SCALAR_CALLBACK_ARGS } from '../ir/model.js';
import type { CallbackDecl, CrateIr, MethodDecl, Prim } from '../ir/model.js';
import { CODECS_OBJECT, kotlinName } from '../names.js';
import { kdoc } from './kdoc.js';
import { kotlinFromBits, kotlinToBits } from './abi.js';

export interface CallbackHelpers {
  header: string;
  kotlinType: (t: MethodDecl['returns']) => string;
  decode: (t: MethodDecl['returns'], depth: number) => string;
  encode: (t: MethodDecl['returns'], expr: string, depth: number, transfer?: boolean) => string;
}

/** The Kotlin object that dispatches Rust's calls to implementations of `cb`. */
export function dispatchName(name: string): string {
  return `Ferry${name}Dispatch`;
}

function interfaceMember(m: MethodDecl, h: CallbackHelpers): string {
  const params = m.params.map((p) => `${kotlinName(p.name)}: ${h.kotlinType(p.type)}`);
  const ret = m.returns.kind === 'unit' || (m.returns.kind === 'result' && m.returns.ok.kind === 'unit') ? '' : `: ${h.kotlinType(m.returns)}`;
  const throws = m.returns.kind === 'result' ? [`@throws ${(m.returns.err as { name: string }).name} to return Rust's \`Err\``] : [];
  return `${kdoc(m.docs ?? null, throws, '    ')}    ${m.isAsync ? 'suspend ' : ''}fun ${kotlinName(m.name)}(${params.join(', ')})${ret}`;
}

/**
 * The `when` branch running method `index` on `__t`, reading `r`. A sync method writes its
 * reply to `w` at once; an async one decodes its arguments now and returns the coroutine's
 * work, which writes the reply (see `CallbackDispatch.prepareSuspend`).
 */
function dispatchArm(cb: CallbackDecl, m: MethodDecl, index: number, h: CallbackHelpers): string {
  const reads = m.params.map((p, i) => `                val __a${i} = ${h.decode(p.type.kind === 'ref' ? p.type.inner : p.type, 0)}`);
  const call = `__t.${kotlinName(m.name)}(${m.params.map((_, i) => `__a${i}`).join(', ')})`;
  const r = m.returns;
  const ok = r.kind === 'result' ? r.ok : r;
  const exit = m.isAsync ? 'return@ferryReply' : 'return';
  const invoke = r.kind === 'result'
    ? `try { ${call} } catch (__e: ${(r.err as { name: string }).name}) { w.i8(1); ${CODECS_OBJECT}.write${(r.err as { name: string }).name}(w, __e); ${exit} }`
    : call;
  // The reply owns what it holds: objects and Rust implementations get a handle of Rust's own.
  const write = ok.kind === 'unit' ? '' : `\n                ${h.encode(ok, '__v', 0, true)}`;
  // A reply registering Kotlin implementations is encoded under a journal: if it fails
  // half-way (a closed object further on), the entries made so far are released.
  const reply = registersCallbacks(ok)
    ? `dev.ferry.Callbacks.journaled {\n                    w.i8(0)${write.replace('\n                ', '\n                    ')}\n                }`
    : `w.i8(0)${write}`;
  const run = `                ${ok.kind === 'unit' ? '' : 'val __v = '}${invoke}
                ${reply}`;
  if (!m.isAsync) {
    return `            ${index} -> {
${[...reads, '                r.finish()'].join('\n')}
${run}
            }`;
  }
  return `            ${index} -> {
${[...reads, '                r.finish()'].join('\n')}
                return ferryReply@{ w ->
${run.split('\n').map((l) => `    ${l}`).join('\n')}
                }
            }`;
}

function dispatchFun(cb: CallbackDecl, async: boolean, h: CallbackHelpers): string {
  const arms = cb.methods.map((m, i) => (m.isAsync === async ? dispatchArm(cb, m, i, h) : null)).filter((a): a is string => a !== null);
  const head = async
    ? '    override fun prepareSuspend(target: Any, method: Int, r: WireReader): suspend (WireWriter) -> Unit'
    : '    override fun call(target: Any, method: Int, r: WireReader, w: WireWriter)';
  if (arms.length === 0) return `${head} {\n        throw IllegalStateException("ferry: ${cb.name} has no ${async ? 'async' : 'sync'} method $method")\n    }`;
  return `${head} {
        val __t = target as ${cb.name}
        when (method) {
${arms.join('\n')}
            else -> throw IllegalStateException("ferry: ${cb.name} has no ${async ? 'async' : 'sync'} method $method")
        }
    }`;
}

/**
 * `callScalar`: the JVM's fast path for sync methods of numbers and booleans (see
 * `CallbackDispatch.callScalar`); absent when the trait has none, so the default refuses.
 */
function scalarFun(cb: CallbackDecl): string | null {
  const arms = cb.methods.flatMap((m, i) => {
    if (!isScalarCallback(m)) return [];
    const call = `__t.${kotlinName(m.name)}(${m.params.map((p, j) => kotlinFromBits((p.type as { prim: Prim }).prim, `a${j}`)).join(', ')})`;
    return [`            ${i} -> ${m.returns.kind === 'prim' ? kotlinToBits(m.returns.prim, call) : `{ ${call}; 0L }`}`];
  });
  if (arms.length === 0) return null;
  const params = Array.from({ length: SCALAR_CALLBACK_ARGS }, (_, j) => `a${j}: Long`).join(', ');
  return `    override fun callScalar(target: Any, method: Int, ${params}): Long {
        val __t = target as ${cb.name}
        return when (method) {
${arms.join('\n')}
            else -> throw IllegalStateException("ferry: ${cb.name} has no scalar method $method")
        }
    }`;
}

function callbackDecls(cb: CallbackDecl, h: CallbackHelpers): string {
  const iface = `${kdoc(cb.docs ?? null, [`Implemented in Kotlin, called by Rust (\`${cb.rustPath}\`). Rust may call it from any thread; async methods run on \`dev.ferry.Callbacks.dispatcher\`.`])}interface ${cb.name} {
${cb.methods.map((m) => interfaceMember(m, h)).join('\n\n')}
}`;
  const dispatch = `/** Runs Rust's calls of [${cb.name}] methods on a Kotlin implementation. */
internal object ${dispatchName(cb.name)} : CallbackDispatch {
${[dispatchFun(cb, false, h), dispatchFun(cb, true, h), scalarFun(cb)].filter((f) => f !== null).join('\n\n')}
}`;
  return `${iface}\n\n${dispatch}`;
}

/** The file of callback interfaces, or null when the crate has none. */
export function emitCallbacksFile(ir: CrateIr, h: CallbackHelpers): string | null {
  if (ir.callbacks.length === 0) return null;
  return `${h.header}
import dev.ferry.CallbackDispatch
import dev.ferry.WireReader
import dev.ferry.WireWriter

${ir.callbacks.map((c) => callbackDecls(c, h)).join('\n\n')}
`;
}
