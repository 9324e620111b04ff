// Callback traits (`#[ferry::export(callback)]`): the checker's rules, located, and the
// shape of both glues (Rust proxy and lifting, Kotlin interface and dispatch). The runtime
// behaviour is proven from Kotlin by fixtures/callbacks, on the JVM and Kotlin/Native.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertContains, diagnose, generate } from './helpers.js';

const TRAIT = `use std::sync::Arc;
#[ferry::export(callback)]
pub trait Sink: Send + Sync {
    fn put(&self, v: u32) -> u32;
}
`; // lines 1-5

const E = (line: number, col: number, msg: string) => `src/lib.rs:${line}:${col}: error: ${msg}`;

describe('callbacks: checker', () => {
  test('a method must take &self', async () => {
    const lines = await diagnose('#[ferry::export(callback)]\npub trait T: Send + Sync {\n    fn f(&mut self);\n}\n');
    assert.ok(lines.some((l) => /^src\/lib\.rs:3:\d+: error: method `T::f` must take `&self`/.test(l)), lines.join('\n'));
  });

  test('callbacks inside Vec, Option and HashMap values cross as one registration each, lifted before any other argument', async () => {
    const out = await generate(`${TRAIT}#[ferry::export(object)]\npub struct Room;\n#[ferry::export]\npub fn f(room: Arc<Room>, all: Vec<Arc<dyn Sink>>, by: HashMap<String, Option<Box<dyn Sink>>>, after: Arc<Room>) {}\n`);
    // Kotlin: each element registered while encoding; the object after them is read first.
    assertContains(out.kotlinAll, 'val __ferryArg3 = after.ferryHandle()');
    assertContains(out.kotlinAll, 'w.i64(dev.ferry.Callbacks.register(e0, FerrySinkDispatch, FerryNative))');
    // Rust: the callback arguments are lifted (and own their registrations) before the objects.
    const lift = (name: string) => out.rust.indexOf(`let arg_${name}`);
    assert.ok(lift('all') < lift('room') && lift('by') < lift('room'), out.rust);
    assertContains(out.rust, '{ let __h = r.i64()?; { let __p: ::std::boxed::Box<dyn crate::Sink> = ::std::boxed::Box::new(__FerryCallbackSink(face::callbacks::foreign(__h))); __p } }');
  });

  test('a callback inside anything but Vec, Option or HashMap values is reported', async () => {
    const lines = await diagnose(`${TRAIT}#[ferry::export]\npub fn f(all: &Vec<Arc<dyn Sink>>) {}\n`);
    assert.deepEqual(lines, [E(7, 15, '`&Vec<Arc<dyn Sink>>`: a Kotlin callback is passed as Arc<dyn Trait> or Box<dyn Trait>, directly or inside Vec, Option or HashMap values')]);
  });

  test('returning a Box<dyn T> is reported (Kotlin holds returned trait objects by a shared Arc)', async () => {
    const lines = await diagnose(`${TRAIT}#[ferry::export]\npub fn f() -> Box<dyn Sink> { todo!() }\n`);
    assert.deepEqual(lines, [E(7, 15, '`Box<dyn Sink>`: return Arc<dyn Sink> (Kotlin holds the returned value by handle, which shares the Arc)')]);
  });

  test('a returned trait object gets a holder, a Kotlin class implementing the interface, and identity both ways', async () => {
    const out = await generate(`${TRAIT}#[ferry::export]\npub fn f() -> Arc<dyn Sink> { todo!() }\n#[ferry::export]\npub fn g(s: Arc<dyn Sink>) -> Arc<dyn Sink> { s }\n`);
    assertContains(out.rust, 'pub(crate) struct __FerryRustSink(pub(crate) ::std::sync::Arc<dyn crate::Sink>);');
    assertContains(out.rust, 'w.i64(::ferry::callbacks::kotlin_handle(::std::sync::Arc::as_ptr(&__result) as *const ()));');
    assertContains(out.rust, '::ferry::callbacks::remember_proxy(');
    assertContains(out.kotlinAll, 'internal class FerryRustSink internal constructor(');
    assertContains(out.kotlinAll, ') : RustObject(ferryHandle, FerryObjectRelease), Sink {');
    assertContains(out.kotlinAll, 'override fun put(v: UInt): UInt');
    assertContains(out.kotlinAll, '((s as? FerryRustSink)?.let { it.ferryHandle() or (1L shl 62) } ?: dev.ferry.Callbacks.register(s, FerrySinkDispatch, FerryNative))');
  });

  test('a trait object of an unexported trait names the fix', async () => {
    const lines = await diagnose('use std::sync::Arc;\npub trait Plain: Send + Sync {}\n#[ferry::export]\npub fn f(p: Arc<dyn Plain>) {}\n');
    assert.deepEqual(lines, [E(4, 13, '`Arc<dyn Plain>` cannot cross the bridge: mark trait `Plain` #[ferry::export(callback)] so Kotlin can implement it')]);
  });

  test('objects and trait objects in callback methods cross as Arc (Kotlin may reply with a Box), and never by reference', async () => {
    await generate(`${TRAIT}#[ferry::export(object)]\npub struct O;\n#[ferry::export(callback)]\npub trait T: Send + Sync {\n    fn f(&self, o: Arc<O>, all: Vec<Arc<O>>, s: Option<Arc<dyn Sink>>) -> Vec<Box<dyn Sink>>;\n    fn g(&self) -> std::collections::HashMap<String, Arc<O>>;\n}\n`);
    const lines = await diagnose(`${TRAIT}#[ferry::export(object)]\npub struct O;\n#[ferry::export(callback)]\npub trait T: Send + Sync {\n    fn f(&self, o: &O, s: Box<dyn Sink>);\n}\n`);
    assert.deepEqual(lines, [
      E(10, 20, '`&O`: in a callback method an object crosses as Arc<O> (each side then holds its own reference)'),
      E(10, 27, '`Box<dyn Sink>`: Rust passes a trait object to Kotlin as Arc<dyn Sink> (Kotlin holds it by a shared handle)'),
    ]);
  });

  test('a callback reply hands Rust handles of its own: Kotlin shares, Rust takes', async () => {
    const out = await generate(`${TRAIT}#[ferry::export(object)]\npub struct O;\n#[ferry::export(callback)]\npub trait T: Send + Sync {\n    fn f(&self, o: Arc<O>, s: Arc<dyn Sink>) -> Option<Arc<O>>;\n}\n`);
    assertContains(out.kotlinAll, '__v?.let { o0 -> w.bool(true); w.i64(FerryNative.ferryShareObject(o0.ferryHandle())) } ?: w.bool(false)');
    assertContains(out.rust, '::ferry::objects::take::<crate::O>(r.i64()?, "O")?');
    // Rust passes the sink as a trait object Kotlin holds by handle (its own object if it is one).
    assertContains(out.rust, 'pub(crate) struct __FerryRustSink(');
    assertContains(out.kotlinAll, 'dev.ferry.Callbacks.returned<Sink>(r.i64(), r.i64(), FerryObjectRelease)');
  });
});

describe('callbacks: both glues', () => {
  test('Rust: a proxy implements the trait through the Foreign handle; arguments lift callbacks first', async () => {
    const out = await generate(`${TRAIT}#[ferry::export]\npub fn f(label: String, sink: Arc<dyn Sink>, boxed: Box<dyn Sink>) -> u32 { sink.put(1) + boxed.put(2) }\n`);
    assertContains(out.rust, 'pub(super) struct __FerryCallbackSink(pub(super) ::ferry::callbacks::Foreign);');
    assertContains(out.rust, 'impl crate::Sink for __FerryCallbackSink {');
    assertContains(out.rust, 'let __reply = self.0.call("Sink::put", 0, &__args);');
    assertContains(out.rust, 'let arg_sink: ::std::sync::Arc<dyn crate::Sink> = { let __p: ::std::sync::Arc<dyn crate::Sink> = ::std::sync::Arc::new(__FerryCallbackSink(face::callbacks::foreign(arg_sink))); __p };');
    assertContains(out.rust, 'let arg_boxed: ::std::boxed::Box<dyn crate::Sink> = { let __p: ::std::boxed::Box<dyn crate::Sink> = ::std::boxed::Box::new(__FerryCallbackSink(face::callbacks::foreign(arg_boxed))); __p };');
    const body = out.rust.slice(out.rust.indexOf('fn Java_ferry_demo_FerryNative_f<'));
    assert.ok(body.indexOf('arg_boxed: ::std::boxed') < body.indexOf('arg_label: ::std::string::String'), 'callbacks are lifted before other arguments');
  });

  test('an Option<Arc<dyn T>> crosses as handle 0 for None', async () => {
    const out = await generate(`${TRAIT}#[ferry::export]\npub fn f(sink: Option<Arc<dyn Sink>>) -> bool { sink.is_some() }\n`);
    assertContains(out.rust, 'let arg_sink: ::std::option::Option<::std::sync::Arc<dyn crate::Sink>> = if arg_sink == 0 { ::std::option::Option::None } else { ::std::option::Option::Some({ let __p: ::std::sync::Arc<dyn crate::Sink> = ::std::sync::Arc::new(__FerryCallbackSink(face::callbacks::foreign(arg_sink))); __p }) };');
    assertContains(out.kotlinAll, 'fun f(sink: Sink? = null): Boolean');
    assertContains(out.kotlinAll, '(sink?.let { dev.ferry.Callbacks.register(it, FerrySinkDispatch, FerryNative) } ?: 0L)');
  });

  test('Rust: async methods go through async_trait and call_async', async () => {
    const out = await generate('#[ferry::export(callback)]\n#[async_trait::async_trait]\npub trait A: Send + Sync {\n    async fn go(&self, v: String) -> u64;\n}\n#[ferry::export]\npub async fn f(a: std::sync::Arc<dyn A>) -> u64 { a.go("x".into()).await }\n');
    assertContains(out.rust, '#[::ferry::__private::async_trait]\nimpl crate::A for __FerryCallbackA {');
    assertContains(out.rust, 'let __reply = self.0.call_async("A::go", 0, __args).await;');
  });

  test('Kotlin: an interface, a dispatch object, and registration at the call', async () => {
    const out = await generate(`${TRAIT}#[ferry::export]\npub fn f(sink: Arc<dyn Sink>) -> u32 { sink.put(1) }\n`);
    assertContains(out.kotlinAll, 'interface Sink {');
    assertContains(out.kotlinAll, 'fun put(v: UInt): UInt');
    assertContains(out.kotlinAll, 'internal object FerrySinkDispatch : CallbackDispatch {');
    assertContains(out.kotlinAll, 'FerryNative.f(dev.ferry.Callbacks.register(sink, FerrySinkDispatch, FerryNative))');
  });
});
