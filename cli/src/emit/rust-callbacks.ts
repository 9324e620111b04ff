// Rust glue for callback traits (`#[ferry::export(callback)]`): a proxy struct per trait
// that implements it by calling the Kotlin object behind a `ferry::callbacks::Foreign`.
// Each method encodes its arguments, makes one upcall (sync: on the calling thread; async:
// a coroutine in Kotlin whose reply completes the future) and decodes the reply. The
// proxies are face-neutral: the face that lifted the handle is inside the `Foreign`.

import { isScalarCallback, SCALAR_CALLBACK_ARGS } from '../ir/model.js';
import type { CallbackDecl, MethodDecl, Prim, TypeRef } from '../ir/model.js';
import { unraw } from '../names.js';
import { decode, encode, RustTypes, rustArg } from './rust.js';
import { traitHolderPath } from '../ir/trait-objects.js';

/** The proxy struct of a callback trait (inside the glue module). */
export function proxyName(cb: CallbackDecl): string {
  return `__FerryCallback${cb.name}`;
}

/** Set in a callback argument's handle when it names a Rust implementation Kotlin got back. */
const RUST_VALUE_FLAG = '(1i64 << 62)';

/**
 * Lifts a callback argument: the handle becomes a proxy owning it, as `Arc<dyn T>` or
 * `Box<dyn T>`; for `Option<..>`, handle 0 is `None` (Kotlin's registry never issues 0).
 * For a trait Rust also returns, a Rust implementation coming back is the same `Arc`, and
 * each proxy is remembered so that Rust returning it gives Kotlin its own object.
 */
export function callbackLiftParam(name: string, t: Extract<TypeRef, { kind: 'callback' }> & { optional: boolean }, types: RustTypes): string {
  const type = callbackRustType(t, types);
  const wrap = callbackFromHandle(name, t, types);
  if (t.optional) return `let ${name}: ::std::option::Option<${type}> = if ${name} == 0 { ::std::option::Option::None } else { ::std::option::Option::Some(${wrap}) };`;
  return `let ${name}: ${type} = ${wrap};`;
}

function callbackRustType(t: { name: string; boxed: boolean }, types: RustTypes): string {
  return `${t.boxed ? '::std::boxed::Box' : '::std::sync::Arc'}<dyn ${types.path(t.name)}>`;
}

/**
 * A block turning the i64 `handle` (a plain local) into the `Arc<dyn T>`/`Box<dyn T>` that owns
 * it: a proxy over the Kotlin object, or for a trait Rust also returns, the same `Arc` when it
 * is a Rust implementation coming back (each proxy is remembered so that Rust returning it
 * gives Kotlin its own object).
 */
export function callbackFromHandle(handle: string, t: { name: string; boxed: boolean }, types: RustTypes, take = false): string {
  const type = callbackRustType(t, types);
  // In a reply (`take`), the face is the one of the proxy whose method is decoding it.
  const foreign = take ? `self.0.sibling(${handle})` : `face::callbacks::foreign(${handle})`;
  const proxy = `${t.boxed ? '::std::boxed::Box' : '::std::sync::Arc'}::new(__FerryCallback${t.name}(${foreign}))`;
  // Typed, so that inside a collection the proxy is coerced to the trait object.
  if (!types.withHolder.has(t.name) || t.boxed) return `{ let __p: ${type} = ${proxy}; __p }`;
  return `{ if ${handle} & ${RUST_VALUE_FLAG} != 0 { ::std::sync::Arc::clone(&::ferry::objects::${take ? 'take' : 'get'}::<${traitHolderPath(t.name)}>(${handle} & !${RUST_VALUE_FLAG}, "${t.name}")?.0) } else { let __p: ${type} = ${proxy}; ::ferry::callbacks::remember_proxy(::std::sync::Arc::as_ptr(&__p) as *const (), ${handle}); __p } }`;
}

/**
 * Writes a returned `Arc<dyn T>` (`expr: &Arc<dyn T>`): a new object handle holding it, then
 * the Kotlin handle behind it (0 unless it is a Kotlin implementation coming back).
 */
export function traitObjectEncode(trait: string, expr: string): string {
  return `w.i64(::ferry::objects::register(::std::sync::Arc::new(${traitHolderPath(trait)}(::std::sync::Arc::clone(${expr}))))); w.i64(::ferry::callbacks::kotlin_handle(::std::sync::Arc::as_ptr(${expr}) as *const ()));`;
}

/** The holder of a Rust implementation that Kotlin holds by handle, with forwarding methods. */
export function traitHolder(cb: CallbackDecl, types: RustTypes): string {
  const methods = cb.methods.map((m) => {
    const params = m.params.map((p) => `${rustArg(p.name)}: ${paramType(p.type, types)}`);
    const ret = m.returns.kind === 'unit' ? '' : ` -> ${returnType(m.returns, types)}`;
    const call = `self.0.${m.name}(${m.params.map((p) => rustArg(p.name)).join(', ')})${m.isAsync ? '.await' : ''}`;
    return `    pub(crate) ${m.isAsync ? 'async ' : ''}fn ${m.name}(&self${params.map((p) => `, ${p}`).join('')})${ret} {\n        ${call}\n    }`;
  }).join('\n\n');
  return `/// A Rust implementation of \`${cb.rustPath}\` that Kotlin holds by handle.
pub(crate) struct __FerryRust${cb.name}(pub(crate) ::std::sync::Arc<dyn ${cb.rustPath}>);

impl __FerryRust${cb.name} {
${methods}
}`;
}

/** Lifts a Flow argument: the handle becomes a Rust stream that pulls from Kotlin. */
export function flowLiftParam(name: string, item: TypeRef, types: RustTypes, decodeItem: string): string {
  return `let ${name} = ::ferry::callbacks::ForeignStream::<${types.owned(item)}>::new(face::callbacks::foreign(${name}), "Flow argument ${name.replace(/^arg_/, '')}", |r: &mut Reader| -> WireResult<${types.owned(item)}> { ::std::result::Result::Ok(${decodeItem}) });`;
}

/** A parameter's type as the trait declares it, with crate-rooted paths. */
function paramType(t: TypeRef, types: RustTypes): string {
  if (t.kind !== 'ref') return types.owned(t);
  if (t.inner.kind === 'string') return '&str';
  if (t.inner.kind === 'bytes') return '&[u8]';
  return `&${types.owned(t.inner)}`;
}

function returnType(t: TypeRef, types: RustTypes): string {
  if (t.kind === 'result') return `::std::result::Result<${types.owned(t.ok)}, ${types.path((t.err as { name: string }).name)}>`;
  return types.owned(t);
}

/** Statements decoding `__reply` (tag, then payload) into the method's result. */
function decodeReply(m: MethodDecl, label: string, types: RustTypes): string {
  const t = m.returns;
  const value = (ok: TypeRef) => (ok.kind === 'unit' ? '()' : decode(ok, types, 0, true));
  const body = t.kind === 'result'
    ? `match __reply[0] { 0 => ::std::result::Result::Ok(${value(t.ok)}), _ => ::std::result::Result::Err(read_${(t.err as { name: string }).name}(r)?) }`
    : value(t);
  return `        let __decoded = (|| -> ::std::result::Result<${returnType(t, types)}, ::ferry::CallError> {
            let mut __r = Reader::new(&__reply[1..]);
            let r = &mut __r;
            let __v = ${body};
            __r.finish()?;
            Ok(__v)
        })();
        __decoded.unwrap_or_else(|e| panic!("ferry: the Kotlin callback ${label} sent a reply Rust cannot take: {e}"))`;
}

/** A number or boolean as the bits of an `i64` (the scalar upcall's argument). */
function scalarBits(prim: Prim, expr: string): string {
  return prim === 'f32' || prim === 'f64' ? `${expr}.to_bits() as i64` : `${expr} as i64`;
}

/** The value of type `prim` whose bits are the `i64` `expr` (the scalar upcall's result). */
function scalarValue(prim: Prim, expr: string): string {
  if (prim === 'bool') return `${expr} != 0`;
  if (prim === 'f32') return `f32::from_bits(${expr} as u32)`;
  if (prim === 'f64') return `f64::from_bits(${expr} as u64)`;
  return `${expr} as ${prim}`;
}

/**
 * The scalar fast path of a sync method of numbers and booleans (the JVM face has one; the C
 * face answers `None` and the encoded call below runs instead).
 */
function scalarAttempt(m: MethodDecl, label: string, index: number): string {
  if (!isScalarCallback(m)) return '';
  const bits = m.params.map((p) => scalarBits((p.type as { prim: Prim }).prim, rustArg(p.name)));
  while (bits.length < SCALAR_CALLBACK_ARGS) bits.push('0');
  const call = `self.0.call_scalar("${label}", ${index}, [${bits.join(', ')}])`;
  if (m.returns.kind !== 'prim') return `        if ${call}.is_some() {
            return;
        }
`;
  return `        if let ::std::option::Option::Some(__bits) = ${call} {
            return ${scalarValue(m.returns.prim, '__bits')};
        }
`;
}

function proxyMethod(cb: CallbackDecl, m: MethodDecl, index: number, types: RustTypes): string {
  const label = `${cb.name}::${unraw(m.name)}`;
  const params = m.params.map((p) => `${rustArg(p.name)}: ${paramType(p.type, types)}`);
  const writes = m.params.map((p) => {
    const arg = rustArg(p.name);
    return p.type.kind === 'ref' ? encode(p.type.inner, arg, 0) : encode(p.type, `&${arg}`, 0);
  }).join(' ');
  const ret = m.returns.kind === 'unit' ? '' : ` -> ${returnType(m.returns, types)}`;
  const call = m.isAsync
    ? `self.0.call_async("${label}", ${index}, __args).await`
    : `self.0.call("${label}", ${index}, &__args)`;
  return `    ${m.isAsync ? 'async ' : ''}fn ${m.name}(&self${params.map((p) => `, ${p}`).join('')})${ret} {
${scalarAttempt(m, label, index)}        let __args = { let mut __w = Writer::new(); let w = &mut __w; ${writes} __w.into_bytes() };
        let __reply = ${call};
${decodeReply(m, label, types)}
    }`;
}

/** The proxy struct and its impl of the user's trait. */
export function callbackProxy(cb: CallbackDecl, types: RustTypes): string {
  const anyAsync = cb.methods.some((m) => m.isAsync);
  const methods = cb.methods.map((m, i) => proxyMethod(cb, m, i, types)).join('\n\n');
  return `/// A Kotlin implementation of \`${cb.rustPath}\`, held through Kotlin's callback registry.
pub(super) struct ${proxyName(cb)}(pub(super) ::ferry::callbacks::Foreign);

${anyAsync ? '#[::ferry::__private::async_trait]\n' : ''}impl ${cb.rustPath} for ${proxyName(cb)} {
${methods}
}`;
}
