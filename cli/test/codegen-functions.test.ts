// Codegen for top-level functions: both outputs (Rust JNI glue and Kotlin) for each feature.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertContains, assertMatches, assertNotContains, generate, kotlinFunBody, kotlinFunLine, rustExportHeader, rustFnBody,
} from './helpers.js';

const PKG = 'com.example.app';
const SYM = (name: string) => `Java_com_example_app_FerryNative_${name}`;

describe('codegen: sync functions with primitives', () => {
  test('symbol mangling, JNI params, external fun and wrapper', async () => {
    const out = await generate({ lib: '#[ferry::export]\npub fn add_two(a: i32, flag: bool, big: u64, ratio: f32) -> u16 { 0 }\n', kotlinPackage: PKG });
    // Rust: `_` in the function name is mangled to `_1`.
    const header = rustExportHeader(out.rust, SYM('add_1two'));
    assert.equal(header,
      `pub extern "system" fn ${SYM('add_1two')}<'local>(mut env: JNIEnv<'local>, _class: JClass<'local>, arg_a: i32, arg_flag: u8, arg_big: i64, arg_ratio: f32) -> i16 {`);
    const body = rustFnBody(out.rust, SYM('add_1two'));
    assertContains(body, 'let arg_flag: bool = arg_flag != 0;');
    assertContains(body, 'let arg_big: u64 = arg_big as u64;');
    assertContains(body, 'crate::add_two(arg_a, arg_flag, arg_big, arg_ratio)');
    assertContains(out.rust, '#[no_mangle]');
    // Kotlin: external fun uses JNI types, wrapper uses user types.
    const native = out.kotlin['com/example/app/FerryNative.kt'];
    assert.ok(native, Object.keys(out.kotlin).join(', '));
    assert.equal(kotlinFunLine(native, 'add_two', true), '@JvmStatic external fun add_two(a: Int, flag: Boolean, big: Long, ratio: Float): Short');
    assertContains(native, 'package com.example.app');
    assertContains(native, 'NativeLibrary.load("demo", this, Bindings(0x');
    const wrapper = kotlinFunBody(out.kotlinAll, 'addTwo');
    assert.match(wrapper, /^fun addTwo\(a: Int, flag: Boolean, big: ULong, ratio: Float\): UShort \{/);
    assertContains(wrapper, 'return FerryNative.add_two(a, flag, big.toLong(), ratio).toUShort()');
  });

  test('unit return: no JNI return type, Kotlin fun without return type', async () => {
    const out = await generate({ lib: '#[ferry::export]\npub fn ping() {}\n', kotlinPackage: PKG });
    assert.equal(rustExportHeader(out.rust, SYM('ping')), `pub extern "system" fn ${SYM('ping')}<'local>(mut env: JNIEnv<'local>, _class: JClass<'local>) {`);
    assert.equal(kotlinFunLine(out.kotlinAll, 'ping', true), '@JvmStatic external fun ping(): Unit');
    assert.match(kotlinFunBody(out.kotlinAll, 'ping'), /^fun ping\(\) \{\n {4}FerryNative\.ping\(\)\n\}/);
  });

  test('functions in modules are called by their crate path', async () => {
    const out = await generate({ lib: 'pub mod net;\n', files: { 'net.rs': 'pub mod http {\n    #[ferry::export]\n    pub fn get_page() -> i32 { 0 }\n}\n' }, kotlinPackage: PKG });
    assertContains(rustFnBody(out.rust, SYM('get_1page')), 'crate::net::http::get_page()');
    assertContains(out.kotlinAll, 'Calls Rust `crate::net::http::get_page`');
    assert.match(kotlinFunLine(out.kotlinAll, 'getPage'), /^fun getPage\(\): Int \{/);
  });

  test('package segments with underscores are mangled too', async () => {
    const out = await generate({ lib: '#[ferry::export]\npub fn f() {}\n', kotlinPackage: 'com.my_app.v2' });
    rustExportHeader(out.rust, 'Java_com_my_1app_v2_FerryNative_f');
    rustExportHeader(out.rust, 'Java_com_my_1app_v2_FerryNative_ferryCancelCall');
    assert.ok(out.kotlin['com/my_app/v2/FerryNative.kt']);
  });
});

describe('codegen: async functions', () => {
  test('completion param, spawn_call, suspend fun, ferryCall', async () => {
    const out = await generate({ lib: '#[ferry::export]\npub async fn slow_add(a: i64, b: i64) -> i64 { a + b }\n', kotlinPackage: PKG });
    assert.equal(rustExportHeader(out.rust, SYM('slow_1add')),
      `pub extern "system" fn ${SYM('slow_1add')}<'local>(mut env: JNIEnv<'local>, _class: JClass<'local>, completion: i64, arg_a: i64, arg_b: i64) -> i64 {`);
    const body = rustFnBody(out.rust, SYM('slow_1add'));
    assertContains(body, 'face::spawn_call(completion, move |token| async move {');
    assertContains(body, 'crate::slow_add(arg_a, arg_b).await');
    assertContains(body, 'Outcome::Value(__result as i64)');
    assert.equal(kotlinFunLine(out.kotlinAll, 'slow_add', true), '@JvmStatic external fun slow_add(__completion: Long, a: Long, b: Long): Long');
    const wrapper = kotlinFunBody(out.kotlinAll, 'slowAdd');
    assert.match(wrapper, /^suspend fun slowAdd\(a: Long, b: Long\): Long \{/);
    // A plain value comes back already typed: the wrapper's only suspending call is its tail.
    assertContains(wrapper, 'return dev.ferry.ferryCallValue<Long>(FerryNative, dev.ferry.ValueKind.LONG) { __completion -> FerryNative.slow_add(__completion, a, b) }');
  });

  test('floats travel as bits, bool as non-zero; the runtime converts them for the tail call', async () => {
    const out = await generate('#[ferry::export]\npub async fn half(v: f64) -> f64 { v }\n#[ferry::export]\npub async fn neg(v: bool) -> bool { v }\n#[ferry::export]\npub async fn third(v: f32) -> f32 { v }\n');
    assertContains(out.rust, 'Outcome::Value(__result.to_bits() as i64)');
    assertContains(kotlinFunBody(out.kotlinAll, 'half'), 'ferryCallValue<Double>(FerryNative, dev.ferry.ValueKind.DOUBLE)');
    assertContains(kotlinFunBody(out.kotlinAll, 'third'), 'ferryCallValue<Float>(FerryNative, dev.ferry.ValueKind.FLOAT)');
    assertContains(kotlinFunBody(out.kotlinAll, 'neg'), 'ferryCallValue<Boolean>(FerryNative, dev.ferry.ValueKind.BOOLEAN)');
  });

  test('unsigned and fallible plain results keep the raw Long and convert it in the wrapper', async () => {
    const out = await generate('#[ferry::export]\npub async fn big(v: u32) -> u32 { v }\n#[ferry::export(error)]\npub enum Oops { Bad }\n#[ferry::export]\npub async fn maybe(v: i32) -> Result<i32, Oops> { Ok(v) }\n');
    const big = kotlinFunBody(out.kotlinAll, 'big');
    assertContains(big, 'val raw = ferryCall(FerryNative) { __completion -> FerryNative.big(__completion, v.toInt()) }');
    assertContains(big, 'return (raw as Long).toUInt()');
    assertContains(kotlinFunBody(out.kotlinAll, 'maybe'), 'val raw = ferryCall(FerryNative)');
  });

  test('unit-returning async fn', async () => {
    const out = await generate('#[ferry::export]\npub async fn tick() {}\n');
    assertContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_tick'), 'Outcome::Value(0)');
    assert.match(kotlinFunLine(out.kotlinAll, 'tick'), /^suspend fun tick\(\) \{$/);
    assertContains(kotlinFunBody(out.kotlinAll, 'tick'), 'return dev.ferry.ferryCallValue<Unit>(FerryNative, dev.ferry.ValueKind.UNIT)');
  });

  test('CancellationToken: absent from Kotlin, supplied by the bridge in Rust', async () => {
    const out = await generate('use ferry::CancellationToken;\n#[ferry::export]\npub async fn work(n: u32, token: CancellationToken) -> u32 { n }\n#[ferry::export]\npub async fn work2(cancel: ferry::CancellationToken) {}\n');
    const header = rustExportHeader(out.rust, 'Java_ferry_demo_FerryNative_work');
    assert.ok(header.endsWith('completion: i64, arg_n: i32) -> i64 {'), header);
    assertContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_work'), 'crate::work(arg_n, token.clone()).await');
    assertContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_work2'), 'crate::work2(token.clone()).await');
    assert.equal(kotlinFunLine(out.kotlinAll, 'work', true), '@JvmStatic external fun work(__completion: Long, n: Int): Long');
    assert.match(kotlinFunLine(out.kotlinAll, 'work'), /^suspend fun work\(n: UInt\): UInt \{/);
    assert.match(kotlinFunLine(out.kotlinAll, 'work2'), /^suspend fun work2\(\) \{/);
    assertNotContains(out.kotlinAll, 'CancellationToken');
  });
});

describe('codegen: blocking functions', () => {
  test('a sync fn marked blocking: a suspend fun whose Rust runs on the blocking pool, first poll off the caller', async () => {
    const out = await generate('use ferry::CancellationToken;\n#[ferry::export(blocking)]\npub fn crunch(data: &str, token: CancellationToken) -> u32 { 0 }\n');
    const body = rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_crunch');
    assertContains(body, 'face::spawn_call(completion | ::ferry::completion::NO_INLINE_POLL, move |token| async move {');
    assertContains(body, '::ferry::calls::blocking(move || crate::crunch(&arg_data, token.clone())).await');
    assert.equal(kotlinFunLine(out.kotlinAll, 'crunch', true), '@JvmStatic external fun crunch(__completion: Long, data: String): Long');
    assert.match(kotlinFunLine(out.kotlinAll, 'crunch'), /^suspend fun crunch\(data: String\): UInt \{/);
    assertContains(out.kotlinAll, 'Runs on Tokio\'s blocking pool, never on the calling thread');
  });

  test('blocking on an impl block applies to its methods, on a method to that method', async () => {
    const out = await generate('#[ferry::export(object)]\npub struct Db;\n#[ferry::export]\nimpl Db {\n    pub fn new() -> Self { Db }\n    #[ferry::export(blocking)]\n    pub fn query(&self, q: String) -> u64 { 0 }\n    pub fn name(&self) -> String { String::new() }\n}\n');
    assertContains(out.rust, '::ferry::calls::blocking(move || crate::Db::query(&arg_ferry_self, arg_q)).await');
    assertContains(out.kotlinAll, 'suspend fun query(q: String): ULong');
    assertContains(out.kotlinAll, 'fun name(): String');
    assertNotContains(out.kotlinAll, 'suspend fun name(');
  });
});

describe('codegen: thread-affine objects', () => {
  test('new builds the value on its own thread; every method, sync or async, is a suspend fun run there', async () => {
    const out = await generate('use std::rc::Rc;\n#[ferry::export(object, thread_affine)]\npub struct Ui { n: Rc<u32> }\n#[ferry::export]\nimpl Ui {\n    pub fn new(n: u32) -> Self { Ui { n: Rc::new(n) } }\n    pub fn get(&self) -> u32 { *self.n }\n    pub async fn later(&self, s: String) -> u32 { 0 }\n    pub fn make(n: u32) -> u32 { n }\n}\n');
    assertContains(out.rust, 'let __result = ::std::sync::Arc::new(::ferry::affine::Affine::new("Ui", move || crate::Ui::new(arg_n)));');
    assertContains(out.rust, 'let arg_ferry_self: ::std::sync::Arc<::ferry::affine::Affine<crate::Ui>> = ::ferry::objects::get::<::ferry::affine::Affine<crate::Ui>>(arg_ferry_self, "Ui")?; arg_ferry_self.ensure_alive()?;');
    assertContains(out.rust, 'arg_ferry_self.call(move |__this| async move { crate::Ui::get(&__this) }).await');
    assertContains(out.rust, 'arg_ferry_self.call(move |__this| async move { crate::Ui::later(&__this, arg_s).await }).await');
    assertContains(out.kotlinAll, 'suspend fun get(): UInt');
    assertContains(out.kotlinAll, 'suspend fun later(s: String): UInt');
    // An associated fn has no value to run with: it stays a plain call.
    assertContains(out.kotlinAll, 'fun make(n: UInt): UInt');
    assertNotContains(out.kotlinAll, 'suspend fun make(');
    assertContains(out.kotlinAll, 'Runs on this object\'s own thread (it is thread-affine)');
  });
});

describe('codegen: shutdown', () => {
  test('FerryLibrary.shutdown in the crate\'s package; async calls and streams check the runtime first, sync calls do not', async () => {
    const out = await generate('#[ferry::export]\npub async fn a() -> u32 { 0 }\n#[ferry::export]\npub fn s() -> u32 { 0 }\n#[ferry::export]\npub fn t() -> impl futures::Stream<Item = u32> { futures::stream::empty() }\n');
    const lib = out.kotlin['ferry/demo/FerryLibrary.kt'];
    assertContains(lib, 'object FerryLibrary {');
    assertContains(lib, 'fun shutdown(timeout: Duration = 5.seconds): Boolean = FerryNative.ferryShutdown(timeout.inWholeMilliseconds)');
    assertContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_a'), '::ferry::runtime::ensure_running()?;');
    assertContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_t'), '::ferry::runtime::ensure_running()?;');
    assertNotContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_s'), 'ensure_running');
    assertContains(out.rust, '::ferry::completion::shutdown(::std::time::Duration::from_millis(timeoutMillis.max(0) as u64))');
  });
});

describe('codegen: the crate\'s runtime', () => {
  test('#[ferry::runtime] is registered in JNI_OnLoad and the C face\'s init, before the face starts', async () => {
    const out = await generate('pub mod rt {\n    #[ferry::runtime]\n    pub fn runtime() -> ferry::RuntimeConfig { ferry::RuntimeConfig::current_thread() }\n}\n#[ferry::export]\npub fn f() {}\n');
    assertContains(out.rust, '    ::ferry::runtime::set_provider(crate::rt::runtime);\n    face::on_load(vm)');
    assertContains(out.rust, '    ::ferry::runtime::set_provider(crate::rt::runtime);\n    face::init_raw(');
    assertNotContains(out.kotlinAll, 'set_provider');
  });

  test('without one, nothing is registered', async () => {
    const out = await generate('#[ferry::export]\npub fn f() {}\n');
    assertNotContains(out.rust, 'set_provider');
  });
});

describe('codegen: strings and bytes', () => {
  test('String / &str / Vec<u8> / &[u8] arguments and returns, sync', async () => {
    const out = await generate('#[ferry::export]\npub fn greet(name: &str, owned: String, data: Vec<u8>, view: &[u8]) -> String { todo!() }\n#[ferry::export]\npub fn raw() -> Vec<u8> { vec![] }\n');
    const sym = 'Java_ferry_demo_FerryNative_greet';
    // Strings cross JNI as java.lang.String (the face reads their UTF-16), bytes as byte[].
    assert.ok(rustExportHeader(out.rust, sym).includes("arg_name: ::ferry::__private::jni::objects::JString<'local>, arg_owned: ::ferry::__private::jni::objects::JString<'local>, arg_data: JByteArray<'local>, arg_view: JByteArray<'local>) -> ::ferry::__private::jni::sys::jstring {"));
    const body = rustFnBody(out.rust, sym);
    assertContains(body, 'let arg_name: ::std::string::String = face::string_arg(env, &arg_name)?;');
    assertContains(body, 'let arg_owned: ::std::string::String = face::string_arg(env, &arg_owned)?;');
    assertContains(body, 'let arg_data: ::std::vec::Vec<u8> = face::bytes_arg(env, &arg_data)?;');
    assertContains(body, 'crate::greet(&arg_name, arg_owned, arg_data, &arg_view)');
    assertContains(body, 'face::string_return(env, &__result)');
    assertContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_raw'), 'face::bytes_return(env, &__result)');
    assert.equal(kotlinFunLine(out.kotlinAll, 'greet', true), '@JvmStatic external fun greet(name: String, owned: String, data: ByteArray, view: ByteArray): String');
    // The common wrapper (the JVM's ByteBuffer overload of `view` is in DemoByteBuffers.kt).
    const wrapper = kotlinFunBody(out.kotlin['ferry/demo/Demo.kt'], 'greet');
    assert.match(wrapper, /^fun greet\(name: String, owned: String, data: ByteArray, view: ByteArray\): String \{/);
    assertContains(wrapper, 'return FerryNative.greet(name, owned, data, view)');
    // The C face takes UTF-8: Kotlin/Native's FerryNative encodes, and decodes the result.
    const native = out.output.kotlinNative.find((f) => f.path.endsWith('FerryNative.kt'))?.content ?? '';
    assertContains(native, 'fun greet(name: String, owned: String, data: ByteArray, view: ByteArray): String {\n        val __ferryUtf80 = name.encodeToByteArray()\n        val __ferryUtf81 = owned.encodeToByteArray()\n');
    assertContains(native, 'CFace.ref(__ferryUtf80), __ferryUtf80.size.toLong(), CFace.ref(__ferryUtf81), __ferryUtf81.size.toLong(), CFace.ref(data)');
    assertContains(native, ', ::ferryFree).decodeToString()\n    }');
    const cBody = out.rust.slice(out.rust.indexOf('fn ferry_demo_greet('));
    assertContains(cBody, 'let arg_name = face::Bytes::new(arg_name_ptr, arg_name_len);');
    assertContains(cBody, ') -> face::Buffer {');
    assert.match(kotlinFunLine(out.kotlinAll, 'raw'), /^fun raw\(\): ByteArray \{/);
  });

  test('async string return', async () => {
    const out = await generate('#[ferry::export]\npub async fn shout(s: String) -> String { s }\n');
    assertContains(out.rust, 'Outcome::Bytes(__result.into_bytes())');
    assertContains(kotlinFunBody(out.kotlinAll, 'shout'), 'return (raw as ByteArray).decodeToString()');
  });
});

describe('codegen: compound values and errors in signatures', () => {
  test('Vec / Option / HashMap / Duration go through the wire format', async () => {
    const out = await generate('use std::collections::HashMap;\nuse std::time::Duration;\n#[ferry::export]\npub fn mix(v: Vec<i32>, o: Option<String>, m: HashMap<String, u8>, d: Duration) -> Option<Vec<String>> { None }\n');
    const body = rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_mix');
    assertContains(body, 'let arg_v: ::std::vec::Vec<i32> = { let __bytes = face::bytes_arg(env, &arg_v)?;');
    assertContains(body, 'let arg_d: ::std::time::Duration =');
    assertContains(body, 'r.duration()?');
    const wrapper = kotlinFunBody(out.kotlinAll, 'mix');
    assert.match(wrapper, /^fun mix\(v: List<Int>, o: String\? = null, m: Map<String, UByte>, d: kotlin\.time\.Duration\): List<String>\? \{/);
    assertContains(wrapper, 'v.let { __v -> WireWriter().also { w -> w.len(__v.size); for (e0 in __v) { w.i32(e0) } }.toByteArray() }');
    assertContains(wrapper, 'w.duration(__v)');
    assertContains(wrapper, 'val r = WireReader(');
    assertContains(wrapper, 'r.finish()');
  });

  test('Result<T, E>: tag byte in sync, Outcome::Error in async, Kotlin throws', async () => {
    const out = await generate(`#[ferry::export(error)]
pub enum AppError { NotFound { id: u64 }, Denied }
#[ferry::export]
pub fn find(id: u64) -> Result<String, AppError> { todo!() }
#[ferry::export]
pub async fn find_async(id: u64) -> Result<(), AppError> { todo!() }
`);
    const sync = rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_find');
    assertContains(sync, '::std::result::Result::Ok(v) => { w.u8(0); w.str(v); }');
    assertContains(sync, '::std::result::Result::Err(e) => { w.u8(1); write_AppError(w, e); }');
    const asyncBody = rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_find_1async');
    assertContains(asyncBody, 'Outcome::Error(');
    assertContains(asyncBody, 'write_AppError(w, &__err);');
    const find = kotlinFunBody(out.kotlinAll, 'find');
    assertContains(out.kotlinAll, '@throws AppError when Rust returns `Err`.');
    assertContains(find, 'if (r.bool()) throw FerryCodecs.readAppError(r)');
    assert.equal(kotlinFunLine(out.kotlinAll, 'find', true), '@JvmStatic external fun find(id: Long): ByteArray');
    const findAsync = kotlinFunBody(out.kotlinAll, 'findAsync');
    assert.match(findAsync, /^suspend fun findAsync\(id: ULong\) \{/m);
    assertContains(findAsync, 'if (raw is RustError) throw FerryCodecs.readAppError(raw.reader())');
  });
});

describe('codegen: names', () => {
  test('snake_case params and functions become camelCase; keywords are escaped', async () => {
    const out = await generate('#[ferry::export]\npub fn object(user_id: u32, r#in: String, is_ok: bool) {}\n');
    assert.equal(kotlinFunLine(out.kotlinAll, '`object`', true), '@JvmStatic external fun `object`(userId: Int, `in`: String, isOk: Boolean): Unit');
    const wrapper = kotlinFunBody(out.kotlinAll, '`object`');
    assert.match(wrapper, /^fun `object`\(userId: UInt, `in`: String, isOk: Boolean\) \{/);
    assertContains(wrapper, 'FerryNative.`object`(userId.toInt(), `in`, isOk)');
    rustExportHeader(out.rust, 'Java_ferry_demo_FerryNative_object');
  });

  test('raw identifier function name', async () => {
    const out = await generate('#[ferry::export]\npub fn r#type() -> i32 { 0 }\n');
    rustExportHeader(out.rust, 'Java_ferry_demo_FerryNative_type');
    assertNotContains(out.kotlinAll, 'fun r#type');
    assertContains(out.kotlinAll, '@JvmStatic external fun type(): Int');
  });

  test('parameter named like a JNI glue parameter (`env`)', async () => {
    const out = await generate('#[ferry::export]\npub fn f(env: i32) -> i32 { env }\n');
    const header = rustExportHeader(out.rust, 'Java_ferry_demo_FerryNative_f');
    assert.equal((header.match(/\benv:/g) ?? []).length, 1, header);
  });

  test('async parameters named `completion` / `token`', async () => {
    const out = await generate('#[ferry::export]\npub async fn f(completion: i32, token: i32) -> i32 { 0 }\n');
    const header = rustExportHeader(out.rust, 'Java_ferry_demo_FerryNative_f');
    assert.equal((header.match(/\bcompletion:/g) ?? []).length, 1, header);
    assertNotContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_f'), 'crate::f(completion, token)');
    assertContains(rustFnBody(out.rust, 'Java_ferry_demo_FerryNative_f'), 'crate::f(arg_completion, arg_token)');
    assertContains(kotlinFunBody(out.kotlinAll, 'f'), 'FerryNative.f(__completion, completion, token)');
    assertNotContains(kotlinFunBody(out.kotlinAll, 'f'), '{ completion -> FerryNative.f(completion, completion, token) }');
  });

  test('wire-encoded parameter named `w`', async () => {
    const out = await generate('#[ferry::export]\npub fn f(w: Vec<i32>) {}\n');
    assertNotContains(kotlinFunBody(out.kotlinAll, 'f'), 'w.len(w.size)');
    assertContains(kotlinFunBody(out.kotlinAll, 'f'), 'w.let { __v -> WireWriter().also { w -> w.len(__v.size)');
  });
});

describe('codegen: Kotlin package and files', () => {
  test('default package is ferry.<crate_name> (dashes become underscores)', async () => {
    const out = await generate({ lib: '#[ferry::export]\npub fn f() {}\n', name: 'my-cool-crate' });
    assert.ok(out.kotlin['ferry/my_cool_crate/FerryNative.kt'], Object.keys(out.kotlin).join(', '));
    assertContains(out.kotlinAll, 'package ferry.my_cool_crate');
    rustExportHeader(out.rust, 'Java_ferry_my_1cool_1crate_FerryNative_f');
    assertContains(out.kotlinAll, 'NativeLibrary.load("my_cool_crate", this, Bindings(0x');
    for (const p of Object.keys(out.kotlin)) assert.ok(p.startsWith('ferry/my_cool_crate/'), p);
  });

  test('kotlin-package from [package.metadata.ferry]', async () => {
    const out = await generate({ lib: '#[ferry::export]\npub fn f() {}\n', kotlinPackage: 'com.example.vault' });
    for (const [p, content] of Object.entries(out.kotlin)) {
      assert.ok(p.startsWith('com/example/vault/'), p);
      assert.ok(content.includes('package com.example.vault\n'), p);
    }
  });

  test('kotlin package segments that are Kotlin keywords are escaped', async () => {
    const out = await generate({ lib: '#[ferry::export]\npub fn f() {}\n', kotlinPackage: 'com.example.object' });
    assertContains(out.kotlinAll, 'package com.example.`object`');
  });

  test('every output is marked generated; glue path is <crate>/.ferry/glue.rs', async () => {
    const out = await generate('#[ferry::export]\npub fn f() {}\n');
    assertMatches(out.rust, /^\/\/ Generated by ferry /);
    for (const [p, content] of Object.entries(out.kotlin)) assert.match(content, /^\/\/ Generated by ferry /, p);
    assert.match(out.output.rustGluePath.replace(/\\/g, '/'), /\/\.ferry\/glue\.rs$/);
  });

  test('the runtime entry points are always present', async () => {
    const out = await generate('#[ferry::export]\npub fn f() {}\n');
    for (const m of ['ferryCancelCall', 'ferryPendingCalls', 'ferryLiveObjects', 'ferryOpenStreams']) {
      rustExportHeader(out.rust, `Java_ferry_demo_FerryNative_${m}`);
      kotlinFunLine(out.kotlinAll, m, true);
    }
    assertContains(out.rust, 'pub extern "system" fn JNI_OnLoad(');
  });
});
