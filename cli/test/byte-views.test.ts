// Byte slices in the generator: a sync fn's `&[u8]` / `&mut [u8]` borrow the caller's memory
// (the C face's pinned array; on the JVM a copy of a ByteArray, or a direct ByteBuffer
// through a second, JNI-only entry point and a JVM-only Kotlin overload); async fns copy,
// and `&mut [u8]` anywhere but a sync fn's parameter is refused with its location.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertContains, assertNotContains, diagnose, generate } from './helpers.js';

const E = (line: number, col: number, msg: string) => `src/lib.rs:${line}:${col}: error: ${msg}`;

const LIB = `#[ferry::export]
pub fn sum(data: &[u8]) -> u64 { 0 }
#[ferry::export]
pub fn copy_into(src: &[u8], out: &mut [u8]) -> u32 { 0 }
#[ferry::export]
pub async fn later(data: &[u8]) -> u64 { 0 }
#[ferry::export(object)]
pub struct Store;
#[ferry::export]
impl Store {
    pub fn read_into(&self, out: &mut [u8]) -> u64 { 0 }
    pub fn count(data: &[u8]) -> u64 { 0 }
}
`;

describe('byte slices: generated glue', () => {
  test('the Rust glue borrows on the C face, copies a byte[] and reads a direct buffer on the JNI face', async () => {
    const out = await generate(LIB);
    // Both faces share the body: the face decides whether it is a copy.
    assertContains(out.rust, 'let arg_data = face::bytes_view(env, &arg_data)?;');
    assertContains(out.rust, 'let mut arg_out = face::bytes_out(env, &arg_out)?;');
    assertContains(out.rust, 'let __result = crate::copy_into(&arg_src, &mut *arg_out);\n                arg_out.commit(env)?;');
    // A writable slice next to another one is checked for overlap before the call.
    assertContains(out.rust, '::ferry::byte_views::disjoint(&[(arg_src.as_ptr() as usize, arg_src.len(), false), (arg_out.as_ptr() as usize, arg_out.len(), true)])?;');
    assertNotContains(out.rust, 'disjoint(&[(arg_data');
    // The JNI-only ByteBuffer entry point.
    assertContains(out.rust, "fn Java_ferry_demo_FerryNative_copy_1into_1_1buffers<'local>(mut env: JNIEnv<'local>, _class: JClass<'local>, arg_src: ::ferry::__private::jni::objects::JByteBuffer<'local>, arg_src__at: jint, arg_src__len: jint, arg_out: ::ferry::__private::jni::objects::JByteBuffer<'local>, arg_out__at: jint, arg_out__len: jint) -> i32");
    assertContains(out.rust, 'let mut arg_out = face::buffer_out(env, &arg_out, arg_out__at, arg_out__len)?;');
    assertNotContains(out.rust, 'ferry_demo_copy_into__buffers');
    // The C face: a writable pointer for `&mut [u8]`.
    assertContains(out.rust, 'pub unsafe extern "C" fn ferry_demo_copy_into(__status: *mut i64, arg_src_ptr: *const u8, arg_src_len: i64, arg_out_ptr: *mut u8, arg_out_len: i64) -> i32');
    const header = out.output.kotlinNative.find((f) => f.path.endsWith('.h'))?.content ?? '';
    assertContains(header, 'int32_t ferry_demo_copy_into(int64_t *status, const int8_t *arg_src_ptr, int64_t arg_src_len, int8_t *arg_out_ptr, int64_t arg_out_len);');
    assertNotContains(header, '__buffers');
    // The signature check names the mutable slice.
    assertContains(out.rust, "type Params = (&'static [u8], &'static mut [u8]);");
  });

  test('async fns copy their bytes and get no ByteBuffer form', async () => {
    const out = await generate(LIB);
    assertContains(out.rust, 'let arg_data: ::std::vec::Vec<u8> = face::bytes_arg(env, &arg_data)?;');
    assertNotContains(out.rust, 'later__buffers');
    assertNotContains(out.kotlinAll, 'fun later(data: java.nio.ByteBuffer)');
  });

  test('Kotlin: a ByteArray form everywhere, a ByteBuffer overload on the JVM only', async () => {
    const out = await generate(LIB);
    assertContains(out.kotlinAll, 'fun copyInto(src: ByteArray, out: ByteArray): UInt {');
    assertContains(out.kotlinAll, 'kotlin.require(src !== out) { "the same bytes cannot be passed as both `src` and `out`: a &mut [u8] must not overlap another byte argument" }');
    const buffers = out.output.kotlin.find((f) => f.path.endsWith('DemoByteBuffers.kt'))?.content ?? '';
    assertContains(buffers, 'fun copyInto(src: java.nio.ByteBuffer, out: java.nio.ByteBuffer): UInt {');
    assertContains(buffers, 'if (out.isReadOnly) throw java.nio.ReadOnlyBufferException()');
    assertContains(buffers, 'FerryNative.copy_into__buffers(src, src.position(), src.remaining(), out, out.position(), out.remaining())');
    assertContains(buffers, 'fun Store.readInto(out: java.nio.ByteBuffer): ULong {');
    assertContains(buffers, 'fun Store.Companion.count(data: java.nio.ByteBuffer): ULong {');
    assertContains(out.kotlinAll, '@JvmStatic external fun copy_into__buffers(src: java.nio.ByteBuffer, src__at: Int, src__len: Int, out: java.nio.ByteBuffer, out__at: Int, out__len: Int): Int');
    // Kotlin/Native: the same path holds nothing (no java.nio), and FerryNative has no buffer members.
    const native = out.output.kotlinNative.find((f) => f.path.endsWith('DemoByteBuffers.kt'))?.content ?? '';
    assert.ok(native.length > 0 && !native.includes('java.nio'), native);
    const nativeObject = out.output.kotlinNative.find((f) => f.path.endsWith('FerryNative.kt'))?.content ?? '';
    assertNotContains(nativeObject, '__buffers');
    assertContains(nativeObject, 'fun copy_into(src: ByteArray, out: ByteArray): Int = CFace.call(::ferryFree) { __status -> ferry_demo_copy_into(__status, CFace.ref(src), src.size.toLong(), CFace.ref(out), out.size.toLong()) }');
  });

  test('a crate without byte slices has no ByteBuffer file', async () => {
    const out = await generate('#[ferry::export]\npub fn f(v: Vec<u8>) -> Vec<u8> { v }\n');
    assert.ok(!out.output.kotlin.some((f) => f.path.endsWith('ByteBuffers.kt')));
    assert.ok(!out.output.kotlinNative.some((f) => f.path.endsWith('ByteBuffers.kt')));
  });

  test('parameters named like the glue and the overloads use compile-safe names', async () => {
    const out = await generate(`#[ferry::export]
pub fn f(env: &[u8], buffer: &mut [u8], w: &[u8], r#in: &mut [u8]) -> u32 { 0 }
`);
    assertContains(out.rust, 'let mut arg_buffer = face::buffer_out(env, &arg_buffer, arg_buffer__at, arg_buffer__len)?;');
    assertContains(out.kotlinAll, 'fun f(env: java.nio.ByteBuffer, buffer: java.nio.ByteBuffer, w: java.nio.ByteBuffer, `in`: java.nio.ByteBuffer): UInt {');
    assertContains(out.kotlinAll, '@JvmStatic external fun f__buffers(env: java.nio.ByteBuffer, env__at: Int, env__len: Int, buffer: java.nio.ByteBuffer, buffer__at: Int, buffer__len: Int, w: java.nio.ByteBuffer, w__at: Int, w__len: Int, `in`: java.nio.ByteBuffer, in__at: Int, in__len: Int): Int');
    assertContains(out.kotlinAll, 'FerryNative.f__buffers(env, env.position(), env.remaining(), buffer, buffer.position(), buffer.remaining(), w, w.position(), w.remaining(), `in`, `in`.position(), `in`.remaining())');
  });
});

describe('byte slices: refused positions', () => {
  test('&mut [u8] outside a sync fn parameter is an error with its location', async () => {
    const lines = await diagnose(`#[ferry::export]
pub async fn a(out: &mut [u8]) {}
#[ferry::export(blocking)]
pub fn b(out: &mut [u8]) {}
#[ferry::export]
pub fn c(out: &mut [u8]) -> impl futures_core::Stream<Item = u8> { todo!() }
#[ferry::export(callback)]
pub trait Sink: Send + Sync { fn fill(&self, out: &mut [u8]); }
#[ferry::export]
pub struct R { pub out: &'static mut [u8] }
#[ferry::export]
pub fn d(out: Option<&mut [u8]>) {}
#[ferry::export]
pub fn e(out: &mut String) {}
`);
    const inFn = (what: string) => `\`&mut [u8]\` in function \`${what}\`: a caller-supplied buffer is written while the caller waits, so only a sync fn can take it (an async, blocking or thread-affine fn, or one returning a stream, outlives the call): return a Vec<u8> instead`;
    assert.deepEqual(lines, [
      E(2, 21, inFn('a')),
      E(4, 15, inFn('b')),
      E(6, 15, inFn('c')),
      E(8, 51, '`&mut [u8]` cannot be a parameter of a callback method: Kotlin would write into a copy Rust never sees; return a Vec<u8> instead'),
      E(10, 25, "a borrowed type (`&'static mut [u8]`) cannot be stored here: use an owned type"),
      E(12, 22, 'a borrowed type (`&mut [u8]`) cannot be stored here: use an owned type'),
      E(14, 15, "`&mut String`: a mutable borrow cannot cross the bridge: take the value and return the result (only `&mut [u8]`, as a parameter of a sync exported fn, is written into the caller's buffer)"),
    ]);
  });

  test('a thread-affine object method cannot take &mut [u8]', async () => {
    const lines = await diagnose(`#[ferry::export(object, thread_affine)]
pub struct A;
#[ferry::export]
impl A {
    pub fn new() -> Self { A }
    pub fn read(&self, out: &mut [u8]) -> u32 { 0 }
}
`);
    assert.deepEqual(lines, [E(6, 29, '`&mut [u8]` in function `A::read`: a caller-supplied buffer is written while the caller waits, so only a sync fn can take it (an async, blocking or thread-affine fn, or one returning a stream, outlives the call): return a Vec<u8> instead')]);
  });
});
