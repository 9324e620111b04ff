// Methods of records and enums (`#[ferry::export] impl Point`), and `Display` as their
// `toString()`: the IR, the checker's rules (located), and the shape of both glues. The
// runtime behaviour is proven from Kotlin by fixtures/records.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertContains, assertNotContains, diagnose, generate, parse } from './helpers.js';
import { buildIr } from '../src/ir/build.js';

const E = (line: number, col: number, msg: string) => `src/lib.rs:${line}:${col}: error: ${msg}`;

const POINT = '#[ferry::export]\npub struct Point { pub x: f64, pub y: f64 }\n'; // lines 1-2

const LIB = `${POINT}#[ferry::export(error)]
pub enum Bad { No }
impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{},{}", self.x, self.y) }
}
#[ferry::export]
impl Point {
    pub fn origin() -> Self { Point { x: 0.0, y: 0.0 } }
    pub fn parse(s: &str) -> Result<Self, Bad> { Err(Bad::No) }
    pub fn distance(&self, other: &Point) -> f64 { 0.0 }
    pub fn moved(self, dx: f64) -> Point { self }
    pub async fn later(&self) -> u32 { 1 }
}
#[ferry::export]
pub enum Dir { Up, Down }
#[ferry::export]
impl Dir {
    pub fn flip(&self) -> Dir { Dir::Up }
}
#[ferry::export]
pub enum Shape { Dot, Circle { r: f64 } }
impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("s") }
}
#[ferry::export]
impl Shape {
    pub fn area(&self) -> f64 { 0.0 }
    pub fn unit() -> Shape { Shape::Dot }
}
`;

describe('records and enums: IR', () => {
  test('impl blocks attach their methods, with receivers; Display is recorded', async () => {
    const { crate } = await parse(LIB);
    const ir = buildIr(crate, { crateName: 'demo', libName: 'demo', kotlinPackage: 'ferry.demo' });
    assert.deepEqual(ir.rejected, []);
    const point = ir.records.find((r) => r.name === 'Point')!;
    assert.deepEqual(point.methods.map((m) => [m.name, m.receiver, m.isAsync]), [
      ['origin', 'none', false], ['parse', 'none', false], ['distance', 'ref', false], ['moved', 'value', false], ['later', 'ref', true],
    ]);
    assert.equal(point.hasDisplay, true);
    assert.equal(point.methods[0].rustPath, 'crate::Point::origin');
    assert.equal(point.methods[0].returns.kind, 'named', '`Self` is the record');
    assert.deepEqual(ir.enums.find((e) => e.name === 'Dir')!.methods.map((m) => m.name), ['flip']);
    assert.equal(ir.enums.find((e) => e.name === 'Shape')!.hasDisplay, true);
    assert.equal(ir.objects.length, 0);
  });
});

describe('records and enums: checker', () => {
  const cases: { name: string; body: string; expected: string[] }[] = [
    { name: '&mut self', body: 'pub fn grow(&mut self) {}',
      expected: [E(5, 12, 'method `Point::grow` takes `&mut self`: a record crosses the bridge as a copy (Kotlin encodes the value, Rust decodes a new one for the call), so a change made in place would be lost; take `&self` or `self` and return the new value')] },
    { name: 'self: Arc<Self>', body: 'pub fn keep(self: std::sync::Arc<Self>) {}',
      expected: [E(5, 12, 'method `Point::keep` takes `self: Arc<Self>`: a record is copied across, not shared behind a handle; take `&self` or `self` (or make `Point` an object)')] },
    { name: 'copy', body: 'pub fn copy(&self) -> Point { Point { x: self.x, y: self.y } }',
      expected: [E(5, 12, 'method `Point::copy` becomes Kotlin `copy`, which the data class `Point` already has: rename it')] },
    { name: 'component1', body: 'pub fn component1(&self) -> f64 { self.x }',
      expected: [E(5, 12, 'method `Point::component1` becomes Kotlin `component1`, which the data class `Point` already has: rename it')] },
    { name: 'to_string', body: 'pub fn to_string(&self) -> String { String::new() }',
      expected: [E(5, 12, 'method `Point::to_string` becomes Kotlin `toString`, which the data class `Point` already has: rename it')] },
    { name: 'hash_code', body: 'pub fn hash_code(&self) -> i32 { 0 }',
      expected: [E(5, 12, 'method `Point::hash_code` becomes Kotlin `hashCode`, which the data class `Point` already has: rename it')] },
    { name: 'a field', body: 'pub fn x(&self) -> f64 { self.x }',
      expected: [E(5, 12, 'method `Point::x` becomes Kotlin `x()`, next to the property `x` of `Point`: rename the method or the field')] },
    { name: 'a field\'s JVM getter', body: 'pub fn get_y(&self) -> f64 { self.y }',
      expected: [E(5, 12, 'method `Point::get_y` becomes Kotlin `getY()`, the JVM getter of the property `y` of `Point`: rename it')] },
    { name: 'ferry prefix', body: 'pub fn ferry_thing(&self) {}',
      expected: [E(5, 12, 'method `Point::ferry_thing`: names starting with `ferry` are reserved for the bridge')] },
    { name: 'two methods, one Kotlin name', body: 'pub fn do_it(&self) {}\n    pub fn doIt(&self) {}',
      expected: [E(6, 12, '`Point::doIt` becomes Kotlin `doIt`, as does `Point::do_it`')] },
    { name: 'a bad parameter type', body: 'pub fn f(&self, v: usize) {}',
      expected: [E(5, 24, '`usize` cannot cross the bridge: use u64 (or u32): its width differs between targets')] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      assert.deepEqual(await diagnose(`${POINT}#[ferry::export]\nimpl Point {\n    ${c.body}\n}\n`), c.expected);
    });
  }

  test('enum class members and statics', async () => {
    const lib = '#[ferry::export]\npub enum Dir { Up, Down }\n#[ferry::export]\nimpl Dir {\n    pub fn ordinal(&self) -> i32 { 0 }\n    pub fn values() -> Vec<Dir> { vec![] }\n    pub fn grow(&mut self) {}\n}\n';
    assert.deepEqual(await diagnose(lib), [
      E(5, 12, 'method `Dir::ordinal` becomes Kotlin `ordinal`, which the enum class `Dir` already has: rename it'),
      E(6, 12, 'associated fn `Dir::values` becomes Kotlin `Dir.values`, which the enum class already has: rename it'),
      E(7, 12, 'method `Dir::grow` takes `&mut self`: an enum crosses the bridge as a copy (Kotlin encodes the value, Rust decodes a new one for the call), so a change made in place would be lost; take `&self` or `self` and return the new value'),
    ]);
  });

  test('a data enum\'s method next to a variant\'s property', async () => {
    const lib = '#[ferry::export]\npub enum S { Circle { radius: f64 }, Dot }\n#[ferry::export]\nimpl S {\n    pub fn get_radius(&self) -> f64 { 0.0 }\n}\n';
    assert.deepEqual(await diagnose(lib), [E(5, 12, 'method `S::get_radius` becomes Kotlin `getRadius()`, the JVM getter of the property `radius` of `S`: rename it')]);
  });

  test('impl block of an error enum', async () => {
    const lib = '#[ferry::export(error)]\npub enum Bad { No }\n#[ferry::export]\nimpl Bad {\n    pub fn code(&self) -> i32 { 1 }\n}\n';
    assert.deepEqual(await diagnose(lib), [E(3, 1, 'impl block for error enum `Bad`: an error crosses as a Kotlin exception and cannot have exported methods (yet); export a free function taking the error instead')]);
  });

  test('a borrowed record argument lends the decoded copy', async () => {
    const out = await generate(`${POINT}#[ferry::export]\npub fn f(p: &Point) -> f64 { p.x }\n`);
    assertContains(out.rust, 'crate::f(&arg_p)');
    assertContains(out.kotlinAll, 'fun f(p: Point): Double {');
  });
});

describe('records and enums: codegen', () => {
  test('Rust: the value is decoded and the method called on it, on both faces', async () => {
    const out = await generate(LIB);
    assertContains(out.rust, 'crate::Point::distance(&arg_ferry_self, &arg_other)');
    assertContains(out.rust, 'crate::Point::moved(arg_ferry_self, arg_dx)');
    assertContains(out.rust, 'crate::Point::later(&arg_ferry_self).await');
    assertContains(out.rust, 'let arg_ferry_self: crate::Point = { let __bytes = face::bytes_arg(env, &arg_ferry_self)?;');
    assertContains(out.rust, 'Java_ferry_demo_FerryNative_Point_1distance<');
    assertContains(out.rust, 'fn ferry_demo_Point_distance(__status: *mut i64, arg_ferry_self_ptr: *const u8, arg_ferry_self_len: i64, arg_other_ptr: *const u8, arg_other_len: i64) -> f64');
    assertContains(out.rust, '<crate::Point as ::std::string::ToString>::to_string(&arg_ferry_self)');
    assertContains(out.rust, 'Java_ferry_demo_FerryNative_ferryDisplayShape<');
    assertNotContains(out.rust, 'ferryDisplayDir', 'no Display, no native');
    assertContains(out.rust, 'type Params = (&\'static crate::Point, &\'static crate::Point);');
  });

  test('Kotlin: members in the data class, enum class and sealed class; companion fns; toString', async () => {
    const out = await generate(LIB);
    const k = out.kotlin['ferry/demo/DemoTypes.kt'];
    assert.ok(k, Object.keys(out.kotlin).join(', '));
    assertContains(k, 'import dev.ferry.ferryCall');
    assertContains(k, 'data class Point(\n    val x: Double,\n    val y: Double,\n) {\n');
    assertContains(k, '    fun distance(other: Point): Double {\n        val ferrySelf = this\n');
    assertContains(k, 'FerryNative.Point_distance(ferrySelf.let { __v -> WireWriter().also { w -> FerryCodecs.writePoint(w, __v) }.toByteArray() }');
    assertContains(k, '    fun moved(dx: Double): Point {');
    assertContains(k, '    suspend fun later(): UInt {');
    assertContains(k, '    override fun toString(): String {');
    assertContains(k, '    companion object {\n');
    assertContains(k, '        fun origin(): Point {');
    assertContains(k, '        fun parse(s: String): Point {');
    assertContains(k, 'if (r.bool()) throw FerryCodecs.readBad(r)');
    assertContains(k, 'enum class Dir {\n    UP,\n    DOWN,\n    ;\n\n    /**');
    assertContains(k, '    fun flip(): Dir {');
    assertContains(k, '    final override fun toString(): String {', 'a sealed class\'s toString is final, so its data variants keep it');
    assertContains(k, '        fun unit(): Shape {');
    assertContains(out.kotlinAll, '@JvmStatic external fun Point_distance(ferrySelf: ByteArray, other: ByteArray): Double');
    assertContains(out.kotlinAll, '@JvmStatic external fun ferryDisplayPoint(ferrySelf: ByteArray): String');
    assert.equal((k.match(/override fun toString/g) ?? []).length, 2, 'Point and Shape (Dir has no Display)');
  });

  test('Kotlin/Native: the same members over the C face', async () => {
    const out = await generate(LIB);
    const header = out.output.kotlinNative.find((f) => f.path.endsWith('.h'))!.content;
    assertContains(header, 'double ferry_demo_Point_distance(int64_t *status, const int8_t *arg_ferry_self_ptr, int64_t arg_ferry_self_len, const int8_t *arg_other_ptr, int64_t arg_other_len);');
    const ferryNative = out.output.kotlinNative.find((f) => f.path.endsWith('FerryNative.kt'))!.content;
    assertContains(ferryNative, 'fun Point_distance(ferrySelf: ByteArray, other: ByteArray): Double = CFace.call(::ferryFree)');
  });

  test('records and enums without methods or Display are unchanged: no class body, no imports', async () => {
    const out = await generate(`${POINT}#[ferry::export]\npub enum Dir { Up }\n#[ferry::export]\npub fn f(p: Point, d: Dir) {}\n`);
    const k = out.kotlin['ferry/demo/DemoTypes.kt'];
    assertContains(k, 'data class Point(\n    val x: Double,\n    val y: Double,\n)\n');
    assertContains(k, 'enum class Dir {\n    UP,\n}');
    assertNotContains(k, 'import dev.ferry');
  });
});
