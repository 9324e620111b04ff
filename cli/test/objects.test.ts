// Objects (`#[ferry::export(object)]`): the checker's rules, located, and the shape of
// both glues. The runtime behaviour is proven from Kotlin by fixtures/objects.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertContains, diagnose, generate } from './helpers.js';

const E = (line: number, col: number, msg: string) => `src/lib.rs:${line}:${col}: error: ${msg}`;

const OBJECT = '#[ferry::export(object)]\npub struct Thing { v: u32 }\n'; // lines 1-2

describe('objects: in containers as arguments', () => {
  test('each element is looked up by its handle when the call starts', async () => {
    const out = await generate(`${OBJECT}#[ferry::export]\npub fn count(all: Vec<std::sync::Arc<Thing>>, one: Option<std::sync::Arc<Thing>>) -> u32 { 0 }\n`);
    assertContains(out.rust, '::ferry::objects::get::<crate::Thing>(r.i64()?, "Thing")?');
    assertContains(out.kotlinAll, 'fun count(all: List<Thing>, one: Thing? = null): UInt');
    assertContains(out.kotlinAll, 'w.i64(e0.ferryHandle())');
    assertContains(out.kotlinAll, 'dev.ferry.keepAlive(all)');
  });
});

describe('objects: self: Arc<Self>', () => {
  test('the method receives the Arc behind the handle', async () => {
    const out = await generate(`${OBJECT}#[ferry::export]\nimpl Thing {\n    pub async fn spawn_keep(self: std::sync::Arc<Self>, n: u32) -> u32 { n }\n}\n`);
    assertContains(out.rust, 'let arg_ferry_self: ::std::sync::Arc<crate::Thing> = ::ferry::objects::get::<crate::Thing>(arg_ferry_self, "Thing")?;');
    assertContains(out.rust, 'crate::Thing::spawn_keep(arg_ferry_self, arg_n).await');
    assertContains(out.kotlinAll, 'suspend fun spawnKeep(n: UInt): UInt');
  });
});

describe('objects: checker', () => {
  const cases: { name: string; body: string; expected: string[] }[] = [
    { name: '&mut self', body: 'pub fn bump(&mut self) {}',
      expected: [E(5, 12, 'method `Thing::bump` takes `&mut self`: a Kotlin object is shared between threads (Rust holds it in an Arc), so methods take `&self`; use interior mutability (Mutex, atomics)')] },
    { name: 'self by value', body: 'pub fn consume(self) {}',
      expected: [E(5, 12, 'method `Thing::consume` takes `self` by value: a call cannot consume a Kotlin-owned object; take `&self` or `self: Arc<Self>`')] },
    { name: 'generic method', body: 'pub fn g<T: Copy>(&self, v: u32) {}',
      expected: [E(5, 12, 'function `Thing::g` is generic (<T: Copy>): exported functions need concrete types')] },
    { name: 'async new', body: 'pub async fn new() -> Self { Thing { v: 0 } }',
      expected: [E(5, 18, '`Thing::new` is async, but `new` becomes the Kotlin constructor, which cannot suspend: make it sync, or give it another name (an async associated fn becomes a suspend fun on the companion object)')] },
    { name: 'new returning something else', body: 'pub fn new() -> u32 { 0 }',
      expected: [E(5, 21, '`Thing::new` becomes the Kotlin constructor, so it must return Self, Arc<Self> or Result<Self, E> (it returns `u32`); give other constructors another name')] },
    { name: 'object by value', body: 'pub fn take(&self, other: Thing) {}',
      expected: [E(5, 31, 'object `Thing` cannot be taken by value (Kotlin keeps owning it): take Arc<Thing> or &Thing')] },
    { name: 'bare object inside a Vec argument', body: 'pub fn take(&self, others: Vec<Thing>) {}',
      expected: [E(5, 32, '`Vec<Thing>`: inside Vec, Option or HashMap values an object is passed as Arc<T>, and it cannot be a map key')] },
    { name: 'bare object inside a Vec result', body: 'pub fn give(&self) -> Vec<Thing> { vec![] }',
      expected: [E(5, 27, '`Vec<Thing>`: inside Vec, Option, HashMap or a stream an object must be returned as Arc<T> (each element becomes its own handle)')] },
    { name: 'method named close', body: 'pub fn close(&self) {}',
      expected: [E(5, 12, 'method `Thing::close` becomes Kotlin `close`, which every object class already has (AutoCloseable / RustObject): rename it')] },
    { name: 'method named ferry…', body: 'pub fn ferry_state(&self) {}',
      expected: [E(5, 12, 'method `Thing::ferry_state`: names starting with `ferry` are reserved for the bridge')] },
    { name: 'two methods, one Kotlin name', body: 'pub fn do_it(&self) {}\n    pub fn doIt(&self) {}',
      expected: [E(6, 12, '`Thing::doIt` becomes Kotlin `doIt`, as does `Thing::do_it`')] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const lines = await diagnose(`${OBJECT}#[ferry::export]\nimpl Thing {\n    ${c.body}\n}\n`);
      assert.deepEqual(lines, c.expected);
    });
  }

  test('impl block of a type that is not an object', async () => {
    assert.deepEqual(await diagnose('pub struct P;\n#[ferry::export]\nimpl P { pub fn f(&self) {} }\n'),
      [E(2, 1, 'impl block for `P`: `P` is not marked #[ferry::export] or #[ferry::export(object)]; only exported objects, records and enums have exported methods')]);
  });

  test('trait impl', async () => {
    assert.deepEqual(await diagnose(`${OBJECT}#[ferry::export]\nimpl Clone for Thing { fn clone(&self) -> Self { Thing { v: self.v } } }\n`),
      [E(3, 1, '`impl Clone for Thing`: only inherent impl blocks (`impl Thing { .. }`) can be exported')]);
  });

  test('object as a record field', async () => {
    assert.deepEqual(await diagnose(`${OBJECT}#[ferry::export]\npub struct R { pub t: std::sync::Arc<Thing> }\n`),
      [E(4, 23, 'object `Thing` cannot be a field of an exported record or enum (those are copied across; objects live behind handles): pass the object separately')]);
  });
});

describe('objects: codegen', () => {
  const lib = `use std::sync::Arc;
#[ferry::export(error)]
pub enum E { Bad }
#[ferry::export(object)]
pub struct Thing { v: u32 }
#[ferry::export]
impl Thing {
    pub fn new(v: u32) -> Result<Self, E> { Ok(Thing { v }) }
    pub fn shared() -> Arc<Self> { Arc::new(Thing { v: 0 }) }
    pub fn get(&self) -> u32 { self.v }
    pub async fn later(&self, other: &Thing) -> Vec<Arc<Thing>> { vec![] }
}
#[ferry::export]
pub fn pick(a: Arc<Thing>) -> Option<Arc<Thing>> { Some(a) }
`;

  test('Kotlin class: constructor, companion, members, handles', async () => {
    const out = await generate(lib);
    const k = out.kotlin['ferry/demo/DemoObjects.kt'];
    assert.ok(k, Object.keys(out.kotlin).join(', '));
    assertContains(k, 'class Thing internal constructor(');
    assertContains(k, ') : RustObject(ferryHandle, FerryObjectRelease) {');
    assertContains(k, 'constructor(v: UInt) : this(ferryNew(v), RustObject.Adopt)');
    assertContains(k, 'if (r.bool()) throw FerryCodecs.readE(r)');
    assertContains(k, 'fun shared(): Thing {');
    assertContains(k, 'fun get(): UInt {');
    assertContains(k, 'suspend fun later(other: Thing): List<Thing> {');
    assertContains(k, 'FerryNative.Thing_later(__completion, ferrySelf.ferryHandle(), other.ferryHandle())');
    assertContains(k, 'dev.ferry.keepAlive(other)');
    assert.ok(!k.includes('reachabilityFence'), 'generated code must not call reachabilityFence (Android API 28+)');
    assertContains(out.kotlinAll, '@JvmStatic external fun Thing_get(ferrySelf: Long): Int');
    assertContains(out.kotlinAll, '@JvmStatic external fun ferryReleaseObject(handle: Long): Boolean');
    assertContains(out.kotlinAll, 'fun pick(a: Thing): Thing? {');
  });

  test('Rust glue: lookups, registrations, release', async () => {
    const out = await generate(lib);
    assertContains(out.rust, 'let arg_ferry_self: ::std::sync::Arc<crate::Thing> = ::ferry::objects::get::<crate::Thing>(arg_ferry_self, "Thing")?;');
    assertContains(out.rust, 'crate::Thing::new(arg_v)).map(::std::sync::Arc::new)');
    assertContains(out.rust, 'w.i64(::ferry::objects::register(::std::sync::Arc::clone(');
    assertContains(out.rust, 'Java_ferry_demo_FerryNative_ferryReleaseObject');
    assertContains(out.rust, 'crate::Thing::later(&arg_ferry_self, &arg_other).await');
  });

  test('no object machinery without objects', async () => {
    const out = await generate('#[ferry::export]\npub fn f() {}\n');
    assert.ok(!out.rust.includes('ferryReleaseObject'));
    assert.ok(!out.kotlinAll.includes('ferryReleaseObject'));
  });

  test('an exported impl block exports its pub methods only; private helpers stay Rust-only', async () => {
    const out = await generate(`use std::collections::HashSet;
#[ferry::export(object)]
pub struct Store { keys: HashSet<String> }
#[ferry::export]
impl Store {
    pub fn new() -> Self { Store { keys: HashSet::new() } }
    pub fn size(&self) -> u32 { self.helper(&self.keys) }
    fn helper(&self, keys: &HashSet<String>) -> u32 { keys.len() as u32 }
    pub(crate) fn internal(&self) {}
}
`);
    assert.ok(out.kotlinAll.includes('fun size(): UInt'), 'pub method crosses');
    assert.ok(!out.kotlinAll.includes('helper'), 'a private helper (with a type ferry cannot bridge) is not exported');
    assert.ok(!out.rust.includes('helper'));
    assert.ok(out.kotlinAll.includes('fun internal()'), 'pub(crate) is pub to the glue, which lives in the crate');
  });

  test('ferry check summarises functions, objects, methods, streams, records and enums', async () => {
    const { summarize } = await import('../src/main.js');
    const out = await generate(`use std::sync::Arc;
use futures_core::Stream;
#[ferry::export(object)]
pub struct Feed {}
#[ferry::export]
impl Feed {
    pub fn new() -> Self { Feed {} }
    pub async fn next(&self) -> u32 { 0 }
    pub fn items(&self) -> impl Stream<Item = u32> { todo!() }
}
#[ferry::export]
pub struct Point { pub x: i32 }
#[ferry::export(error)]
pub enum Oops { Bad }
#[ferry::export]
pub async fn ping() -> Result<Point, Oops> { todo!() }
#[ferry::export]
pub fn one() -> u32 { 1 }
`);
    assert.equal(summarize(out.output.ir), '2 functions (1 async), 1 object with 3 methods (1 async, 1 stream), 1 record, 0 enums, 1 error enum');
  });

  test("an object's Display, PartialEq + Hash and Ord become toString, equals/hashCode and Comparable", async () => {
    const out = await generate(`#[ferry::export(object)]
#[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version { major: u32 }
#[ferry::export]
impl Version { pub fn new(major: u32) -> Self { Version { major } } }
impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "v{}", self.major) }
}
#[ferry::export(object)]
#[derive(PartialEq)]
pub struct OnlyEq {}
#[ferry::export]
impl OnlyEq { pub fn new() -> Self { OnlyEq {} } }
`);
    assertContains(out.kotlinAll, 'class Version internal constructor(');
    assertContains(out.kotlinAll, ') : RustObject(ferryHandle, FerryObjectRelease), Comparable<Version> {');
    assertContains(out.kotlinAll, 'override fun toString(): String = try {\n        FerryNative.ferryDisplayVersion(ferryHandle()).decodeToString()');
    assertContains(out.kotlinAll, 'FerryNative.ferryEqualsVersion(ferryHandle(), other.ferryHandle())');
    assertContains(out.kotlinAll, 'override fun compareTo(other: Version): Int = try {');
    assertContains(out.rust, '::ferry::objects::get::<crate::Version>(a, "Version")?, ::ferry::objects::get::<crate::Version>(b, "Version")?); Ok(u8::from(*a == *b))');
    assertContains(out.rust, 'Ok(::std::cmp::Ord::cmp(&*a, &*b) as i32)');
    // PartialEq alone would break Kotlin's equals/hashCode contract: nothing is generated.
    assert.ok(!out.kotlinAll.includes('ferryEqualsOnlyEq'));
    assert.ok(!out.rust.includes('ferryEqualsOnlyEq'));
  });

  test('a method named compare_to on an Ord object is reported (the class is Comparable)', async () => {
    const lines = await diagnose('#[ferry::export(object)]\n#[derive(PartialEq, Eq, PartialOrd, Ord)]\npub struct V { n: u32 }\n#[ferry::export]\nimpl V {\n    pub fn compare_to(&self, n: u32) -> i32 { 0 }\n}\n');
    assert.deepEqual(lines, [E(6, 12, 'method `V::compare_to` becomes Kotlin `compareTo`, which `V` already has from Rust\'s `Ord` (it is Comparable): rename it')]);
  });
});
