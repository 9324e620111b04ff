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
    // Kotlin: each element registered while encoding, every argument read under the journal
    // that is sealed just before the native call.
    assertContains(out.kotlinAll, 'w.i64(dev.ferry.Callbacks.register(e0, FerrySinkDispatch, FerryNative))');
    assertContains(out.kotlinAll, `val __ferryJournal = dev.ferry.Callbacks.openJournal()
    val __ferryArg0 = __ferryJournal.guard { room.ferryHandle() }`);
    assertContains(out.kotlinAll, `    val __ferryArg3 = __ferryJournal.guard { after.ferryHandle() }
    __ferryJournal.seal()
    FerryNative.f(__ferryArg0, __ferryArg1, __ferryArg2, __ferryArg3)`);
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
    assertContains(out.kotlinAll, 'val __ferryArg0 = __ferryJournal.guard { dev.ferry.Callbacks.register(sink, FerrySinkDispatch, FerryNative) }');
    assertContains(out.kotlinAll, 'return FerryNative.f(__ferryArg0).toUInt()');
  });

  test('sync methods of numbers and booleans take the scalar path first (bits in i64s), the rest only the encoded one', async () => {
    const out = await generate(`#[ferry::export(callback)]
#[async_trait::async_trait]
pub trait Meter: Send + Sync {
    fn mix(&self, a: f32, b: f64, on: bool, n: u8) -> f64;
    fn flag(&self) -> bool;
    fn tick(&self, at: i64);
    fn five(&self, a: i32, b: i32, c: i32, d: i32, e: i32) -> i32;
    fn named(&self, s: String) -> u32;
    async fn later(&self, n: u32) -> u32;
}
#[ferry::export]
pub fn f(m: std::sync::Arc<dyn Meter>) -> f64 { m.mix(1.0, 2.0, true, 3) }
`);
    // Rust: the scalar attempt, then the encoded call as the fallback of faces without it.
    assertContains(out.rust, 'if let ::std::option::Option::Some(__bits) = self.0.call_scalar("Meter::mix", 0, [arg_a.to_bits() as i64, arg_b.to_bits() as i64, arg_on as i64, arg_n as i64]) {\n            return f64::from_bits(__bits as u64);');
    assertContains(out.rust, 'self.0.call_scalar("Meter::flag", 1, [0, 0, 0, 0]) {\n            return __bits != 0;');
    assertContains(out.rust, 'if self.0.call_scalar("Meter::tick", 2, [arg_at as i64, 0, 0, 0]).is_some() {\n            return;');
    assertContains(out.rust, 'self.0.call("Meter::mix", 0, &__args)');
    for (const m of ['five', 'named', 'later']) assert.ok(!out.rust.includes(`call_scalar("Meter::${m}"`), m);
    // Kotlin: the matching arms, and only for those methods.
    assertContains(out.kotlinAll, 'override fun callScalar(target: Any, method: Int, a0: Long, a1: Long, a2: Long, a3: Long): Long {');
    assertContains(out.kotlinAll, '0 -> __t.mix(Float.fromBits(a0.toInt()), Double.fromBits(a1), a2 != 0L, a3.toUByte()).toRawBits()');
    assertContains(out.kotlinAll, '1 -> (if (__t.flag()) 1L else 0L)');
    assertContains(out.kotlinAll, '2 -> { __t.tick(a0); 0L }');
    const scalar = out.kotlinAll.slice(out.kotlinAll.indexOf('override fun callScalar'));
    const arms = [...scalar.slice(0, scalar.indexOf('else ->')).matchAll(/^\s+(\d+) -> /gm)].map((a) => a[1]);
    assert.deepEqual(arms, ['0', '1', '2']);
  });

  test('a trait without scalar methods keeps the runtime default of callScalar', async () => {
    const out = await generate('#[ferry::export(callback)]\npub trait Names: Send + Sync {\n    fn name(&self, s: String) -> String;\n}\n#[ferry::export]\npub fn f(n: std::sync::Arc<dyn Names>) -> String { n.name("x".into()) }\n');
    assert.ok(!out.kotlinAll.includes('callScalar'), out.kotlinAll);
    assert.ok(!out.rust.includes('call_scalar'), out.rust);
  });

  test('a reply or a stream collection that registers implementations is encoded under a journal; plain ones are not', async () => {
    const out = await generate(`${TRAIT}#[ferry::export(callback)]
pub trait Pool: Send + Sync {
    fn sinks(&self) -> Vec<Arc<dyn Sink>>;
    fn size(&self) -> u32;
}
#[ferry::export]
pub fn each(all: Vec<Arc<dyn Sink>>, n: u32) -> impl futures_core::Stream<Item = u32> { futures_util::stream::empty() }
#[ferry::export]
pub fn plain(n: u32) -> u32 { n }
`);
    assertContains(out.kotlinAll, `dev.ferry.Callbacks.journaled {
                    w.i8(0)
                    w.len(__v.size);`);
    assertContains(out.kotlinAll, 'val __v = __t.size()\n                w.i8(0)\n');
    // The stream registers anew at each collection, under a journal of its own.
    assertContains(out.kotlinAll, 'val __ferryJournal = dev.ferry.Callbacks.openJournal(); val ferryAt0 = __ferryJournal.guard { ferryArg0.let');
    assertContains(out.kotlinAll, '__ferryJournal.seal(); FerryNative.each(ferrySink, ferryBatch, ferryCredit, ferryAt0, ferryArg1)');
    assertContains(out.kotlinAll, 'fun plain(n: UInt): UInt {\n    return FerryNative.plain(n.toInt()).toUInt()');
  });
});
