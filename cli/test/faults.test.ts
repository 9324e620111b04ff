// Codegen for the fault paths (docs/reliability.md), checked in both output languages:
// bounded collection counts and nesting depth in every decoder, handle tracking for sync
// results holding objects, Flows keeping object arguments reachable, the panic = "abort"
// guard, and glue that compiles whatever the user's field names are.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertContains, assertNotContains, cargoToml, diagnose, generate, run, type Outputs } from './helpers.js';
import { RUNTIME_PROTOCOL } from '../src/emit/fingerprint.js';

const kotlinFile = (out: Outputs, suffix: string): string => {
  const f = Object.entries(out.kotlin).find(([p]) => p.endsWith(suffix));
  assert.ok(f, `no *${suffix} among ${Object.keys(out.kotlin).join(', ')}`);
  return f[1];
};

describe('codegen: fault bounds', () => {
  test('collection counts are checked against the smallest encoding of an element', async () => {
    const out = await generate(`use std::collections::HashMap;
#[ferry::export]
pub struct Tree { pub label: String, pub children: Vec<Tree> }
#[ferry::export]
pub enum Shape { Dot, Circle { r: f64 } }
#[ferry::export]
pub struct Bag { pub ids: Vec<u64>, pub names: Vec<String>, pub trees: Vec<Tree>, pub shapes: Vec<Shape>, pub by: HashMap<u16, Option<bool>> }
#[ferry::export]
pub fn echo(b: Bag) -> Bag { b }
`);
    // u64: 8; String: a 4-byte length; Tree: 4 (label) + 4 (children count); Shape: 4 (variant);
    // a u16 key (2) with an Option tag (1).
    assertContains(out.rust, 'r.count(8)?');
    assertContains(out.rust, 'r.capacity_hint(n0, 8)');
    assertContains(out.rust, 'r.count(4)?');
    assertContains(out.rust, 'Vec::with_capacity(r.capacity_hint(n0, 8)); for _ in 0..n0 { v0.push(read_Tree(r)?); }');
    assertContains(out.rust, 'HashMap::with_capacity(r.capacity_hint(n0, 3))');
    const codecs = kotlinFile(out, 'FerryCodecs.kt');
    assertContains(codecs, 'ids = r.list(8) { r.u64() }');
    assertContains(codecs, 'trees = r.list(8) { FerryCodecs.readTree(r) }');
    assertContains(codecs, 'shapes = r.list(4) { FerryCodecs.readShape(r) }');
    assertContains(codecs, 'by = r.map<UShort, Boolean?>(3) {');
  });

  test('records and data enums count a nesting level on both sides; plain enums do not', async () => {
    const out = await generate(`#[ferry::export]
pub struct Tree { pub children: Vec<Tree>, pub kind: Kind, pub level: Level }
#[ferry::export]
pub enum Kind { Leaf, Node(u32) }
#[ferry::export]
pub enum Level { Low, High }
#[ferry::export]
pub fn echo(t: Tree) -> Tree { t }
`);
    assertContains(out.rust, 'pub(super) fn write_Tree(w: &mut Writer, v: &crate::Tree) {\n        w.enter();');
    assertContains(out.rust, 'pub(super) fn read_Tree(r: &mut Reader) -> WireResult<crate::Tree> {\n        r.enter()?;');
    assertContains(out.rust, 'pub(super) fn read_Kind(r: &mut Reader) -> WireResult<crate::Kind> {\n        r.enter()?;');
    assertContains(out.rust, 'pub(super) fn read_Level(r: &mut Reader) -> WireResult<crate::Level> {\n        let v = match');
    const codecs = kotlinFile(out, 'FerryCodecs.kt');
    assertContains(codecs, 'fun writeTree(w: WireWriter, v: Tree): Unit = w.nested {');
    assertContains(codecs, 'fun readTree(r: WireReader): Tree = r.nested {');
    assertContains(codecs, 'fun readKind(r: WireReader): Kind = r.nested {');
    assertContains(codecs, 'fun writeLevel(w: WireWriter, v: Level) = w.i32(v.ordinal)');
  });

  test('a sync function whose result holds objects releases them if it fails afterwards', async () => {
    const out = await generate(`use std::sync::Arc;
#[ferry::export(object)]
pub struct Conn {}
#[ferry::export]
impl Conn { pub fn new() -> Self { Conn {} } }
#[ferry::export]
pub fn open_all(n: u32) -> Vec<Arc<Conn>> { todo!() }
#[ferry::export]
pub fn count(n: u32) -> u32 { n }
`);
    assert.match(out.rust, /fn Java_\w+_open_1all[^{]+\{\n\s+face::sync_call_tracked\(/);
    assert.match(out.rust, /fn Java_\w+_count[^{]+\{\n\s+face::sync_call\(/);
    assertContains(out.rust, 'face::release_object(&mut env, handle)');
  });

  test('a Flow keeps its object arguments, not their handles, and reads the handle per collection', async () => {
    const out = await generate(`use std::sync::Arc;
use futures_core::Stream;
#[ferry::export(object)]
pub struct Feed {}
#[ferry::export]
impl Feed { pub fn new() -> Self { Feed {} } }
#[ferry::export]
pub fn watch(feed: Arc<Feed>, from: u32) -> impl Stream<Item = u32> { todo!() }
`);
    const kotlin = kotlinFile(out, 'Demo.kt');
    assertContains(kotlin, 'val ferryArg0 = feed\n');
    assertNotContains(kotlin, 'val ferryArg0 = feed.ferryHandle()');
    assertContains(kotlin, 'try { FerryNative.watch(ferrySink, ferryBatch, ferryCredit, ferryArg0.ferryHandle(), ferryArg1) } finally { dev.ferry.keepAlive(ferryArg0) }');
  });

  test('the glue refuses panic = "abort" unless the crate accepts aborts', async () => {
    const guarded = await generate('#[ferry::export]\npub fn f() {}\n');
    assertContains(guarded.rust, '#[cfg(panic = "abort")]\ncompile_error!("ferry: this crate is built with panic = \\"abort\\"');
    const accepted = await generate({
      lib: '#[ferry::export]\npub fn f() {}\n',
      cargoToml: `${cargoToml('demo')}\n[package.metadata.ferry]\nallow-panic-abort = true\n`,
    });
    assertNotContains(accepted.rust, 'compile_error!');
  });

  test("data-enum fields named like the glue's locals are bound under glue names", async () => {
    const out = await generate(`#[ferry::export]
pub enum Shape { Rect { w: u32, h: u32 }, Named { v: String, r: u8 } }
#[ferry::export]
pub fn echo(s: Shape) -> Shape { s }
`);
    assertContains(out.rust, 'crate::Shape::Rect { w: f0, h: f1 } => { w.u32(0); w.u32(*f0); w.u32(*f1); }');
    assertContains(out.rust, 'crate::Shape::Named { v: f0, r: f1 } => { w.u32(1); w.str(f0); w.u8(*f1); }');
  });

  test('a crate root without ferry::include_glue!() is reported, also when it is only in a comment', async () => {
    const missing = await diagnose({ lib: '#[ferry::export]\npub fn f() {}\n', exactLib: true });
    assert.deepEqual(missing, ['src/lib.rs:1:1: error: the crate root never calls `ferry::include_glue!()`: without it the library exports nothing to Kotlin and the first call fails with UnsatisfiedLinkError; add `ferry::include_glue!();` at the top level of this file']);
    const commented = await diagnose({ lib: '// ferry::include_glue!();\n/* include_glue!() */\n#[ferry::export]\npub fn f() {}\n', exactLib: true });
    assert.equal(commented.length, 1);
    const viaUse = await run({ lib: 'use ferry::include_glue;\ninclude_glue! {}\n#[ferry::export]\npub fn f() {}\n', exactLib: true });
    assert.ok(viaUse.ok, 'named through a use');
  });

  test('the glue exports the interface fingerprint the Kotlin bindings check; only the interface changes it', async () => {
    const fingerprint = (out: Outputs) => {
      const rust = /0x([0-9a-f]{16})u64 as i64/.exec(out.rust)![1];
      const kotlin = /Bindings\(0x([0-9a-f]{16})uL\.toLong\(\), "0\.1\.0", "0\.1\.0", (\d+)\)/.exec(out.kotlinAll)!;
      assert.equal(Number(kotlin[2]), RUNTIME_PROTOCOL, 'the bindings name the runtime protocol they speak');
      assert.match(out.rust, new RegExp(`differ_in_version::<${RUNTIME_PROTOCOL}>\\(\\);`), 'the glue checks the ferry crate speaks it');
      assert.equal(rust, kotlin[1], 'both sides carry the same fingerprint');
      return rust;
    };
    const base = fingerprint(await generate('#[ferry::export]\npub fn f(a: u32) -> u32 { a }\n'));
    assert.equal(fingerprint(await generate('/// Docs change no call.\n#[ferry::export]\npub fn f(a: u32) -> u32 { a + 1 }\n')), base);
    assert.notEqual(fingerprint(await generate('#[ferry::export]\npub fn f(a: u32, b: bool) -> u32 { a }\n')), base, 'a parameter added');
    assert.notEqual(fingerprint(await generate('#[ferry::export]\npub fn f(a: u64) -> u32 { 0 }\n')), base, 'a parameter type changed');
    assert.notEqual(fingerprint(await generate('#[ferry::export]\npub async fn f(a: u32) -> u32 { a }\n')), base, 'made async');
    const rec = (fields: string) => generate(`#[ferry::export]\npub struct R { ${fields} }\n#[ferry::export]\npub fn f(r: R) {}\n`);
    assert.notEqual(fingerprint(await rec('pub a: u8, pub b: u16')), fingerprint(await rec('pub b: u16, pub a: u8')), 'fields reordered');
  });

  test('each export first checks that the user function still takes the parameters the glue was generated for', async () => {
    const out = await generate(`use std::sync::Arc;
#[ferry::export(object)]
pub struct Conn {}
#[ferry::export]
impl Conn {
    pub fn new() -> Self { Conn {} }
    pub async fn send(&self, data: &[u8], token: ferry::CancellationToken) -> u32 { 0 }
}
#[ferry::export]
pub fn greet(name: &str, conn: Arc<Conn>) -> String { String::new() }
`);
    assertContains(out.rust, "type Params = (&'static str, ::std::sync::Arc<crate::Conn>);\n        ::ferry::__private::if_this_fails_the_glue_is_out_of_date_run_ferry_generate::<Params, _>(crate::greet);");
    assertContains(out.rust, "type Params = (&'static crate::Conn, &'static [u8], ::ferry::CancellationToken);\n        ::ferry::__private::if_this_fails_the_glue_is_out_of_date_run_ferry_generate::<Params, _>(crate::Conn::send);");
  });
});
