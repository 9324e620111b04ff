// Codegen for exported types: records, enums, data enums, errors — Kotlin declarations,
// Kotlin codecs and the matching Rust codecs.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertContains, assertNotContains, generate, type Outputs } from './helpers.js';

const types = (out: Outputs): string => {
  const f = Object.entries(out.kotlin).find(([p]) => p.endsWith('Types.kt'));
  assert.ok(f, `no *Types.kt among ${Object.keys(out.kotlin).join(', ')}`);
  return f[1];
};
const codecs = (out: Outputs): string => {
  const f = Object.entries(out.kotlin).find(([p]) => p.endsWith('FerryCodecs.kt'));
  assert.ok(f, `no FerryCodecs.kt among ${Object.keys(out.kotlin).join(', ')}`);
  return f[1];
};

describe('codegen: records', () => {
  test('data class with camelCase fields in declaration order; Rust codecs by field', async () => {
    const out = await generate(`use std::collections::HashMap;
#[ferry::export]
pub struct UserProfile {
    pub user_name: String,
    pub age_years: u8,
    pub tags: Vec<String>,
    pub scores: HashMap<String, f64>,
    pub avatar: Option<Vec<u8>>,
    pub zzz_last: bool,
}
#[ferry::export]
pub fn load() -> UserProfile { todo!() }
#[ferry::export]
pub fn save(p: UserProfile) {}
`);
    assertContains(types(out), `data class UserProfile(
    val userName: String,
    val ageYears: UByte,
    val tags: List<String>,
    val scores: Map<String, Double>,
    val avatar: ByteArray?,
    val zzzLast: Boolean,
)`);
    const kc = codecs(out);
    assertContains(kc, 'fun writeUserProfile(w: WireWriter, v: UserProfile): Unit = w.nested {');
    assertContains(kc, 'fun readUserProfile(r: WireReader): UserProfile = r.nested { UserProfile(userName = r.string(), ageYears = r.u8(),');
    assert.ok(kc.indexOf('w.string(v.userName)') < kc.indexOf('w.u8(v.ageYears)'), 'writes in declaration order');
    assertContains(out.rust, 'pub(super) fn write_UserProfile(w: &mut Writer, v: &crate::UserProfile) {');
    assertContains(out.rust, 'pub(super) fn read_UserProfile(r: &mut Reader) -> WireResult<crate::UserProfile> {');
    assertContains(out.rust, 'w.str(&v.user_name);');
    assertContains(out.rust, 'let v = crate::UserProfile { user_name: r.string()?, age_years: r.u8()?,');
    assert.ok(out.rust.indexOf('w.str(&v.user_name);') < out.rust.indexOf('w.u8(*&v.age_years)') || out.rust.includes('w.u8(*&v.age_years);'));
  });

  test('records in modules use their crate path in Rust, plain name in Kotlin', async () => {
    const out = await generate({ lib: 'pub mod model;\n', files: { 'model.rs': '#[ferry::export]\npub struct Point { pub x: i32, pub y: i32 }\n#[ferry::export]\npub fn origin() -> Point { todo!() }\n' } });
    assertContains(out.rust, 'v: &crate::model::Point');
    assertContains(types(out), 'data class Point(');
  });

  test('records nest records and enums', async () => {
    const out = await generate(`#[ferry::export]
pub struct Inner { pub v: i32 }
#[ferry::export]
pub enum Level { Low, High }
#[ferry::export]
pub struct Outer { pub inner: Inner, pub items: Vec<Inner>, pub level: Option<Level> }
#[ferry::export]
pub fn echo(o: Outer) -> Outer { o }
`);
    assertContains(types(out), 'val inner: Inner,');
    assertContains(types(out), 'val items: List<Inner>,');
    assertContains(types(out), 'val level: Level?,');
    assertContains(codecs(out), 'FerryCodecs.writeInner(w, v.inner)');
    assertContains(out.rust, 'write_Inner(w, &v.inner);');
    assertContains(out.rust, 'read_Inner(r)?');
  });

  test('Kotlin keywords as field names are escaped; raw Rust idents are unwrapped', async () => {
    const out = await generate('#[ferry::export]\npub struct Weird { pub object: i32, pub r#in: String, pub when_done: bool, pub r#type: u8 }\n#[ferry::export]\npub fn echo(w: Weird) -> Weird { w }\n');
    assertContains(types(out), 'val `object`: Int,');
    assertContains(types(out), 'val `in`: String,');
    assertContains(types(out), 'val whenDone: Boolean,');
    assertContains(types(out), 'val type: UByte,');
    assertContains(codecs(out), 'w.i32(v.`object`)');
    assertContains(codecs(out), '`object` = r.i32()');
    assertContains(out.rust, '&v.r#in');
    assertContains(out.rust, 'r#in: r.string()?');
  });
});

describe('codegen: enums', () => {
  test('plain enum: enum class with SCREAMING_SNAKE constants in order, ordinal on the wire', async () => {
    const out = await generate('#[ferry::export]\npub enum Level { Low, HighPriority, HTTPError, V2 }\n#[ferry::export]\npub fn echo(l: Level) -> Level { l }\n');
    assertContains(types(out), 'enum class Level {\n    LOW,\n    HIGH_PRIORITY,\n    HTTP_ERROR,\n    V2,\n}');
    assertContains(codecs(out), 'fun writeLevel(w: WireWriter, v: Level) = w.i32(v.ordinal)');
    assertContains(codecs(out), 'Level.entries[r.variant("Level", 4)]');
    assertContains(out.rust, 'crate::Level::HighPriority => { w.u32(1);');
    assertContains(out.rust, '3 => crate::Level::V2,');
  });

  test('data enum: sealed class with nested data class / data object', async () => {
    const out = await generate('#[ferry::export]\npub enum Shape { Circle { radius_m: f64 }, Empty, Pair(i32, String), Single(u8) }\n#[ferry::export]\npub fn echo(s: Shape) -> Shape { s }\n');
    assertContains(types(out), `sealed class Shape {
    data class Circle(val radiusM: Double) : Shape()
    data object Empty : Shape()
    data class Pair(val v0: Int, val v1: String) : Shape()
    data class Single(val value: UByte) : Shape()
}`);
    const kc = codecs(out);
    assertContains(kc, 'is Shape.Circle -> { w.i32(0); w.f64(v.radiusM) }');
    assertContains(kc, 'Shape.Empty -> { w.i32(1) }');
    assertContains(kc, '2 -> Shape.Pair(r.i32(), r.string())');
    assertContains(out.rust, 'crate::Shape::Circle { radius_m: f0 } => { w.u32(0); w.f64(*f0); }');
    assertContains(out.rust, 'crate::Shape::Pair(f0, f1) => { w.u32(2); w.i32(*f0); w.str(f1); }');
    assertContains(out.rust, '2 => crate::Shape::Pair(r.i32()?, r.string()?),');
  });
});

describe('codegen: errors', () => {
  test('error enum: sealed class extends Exception, variants carry fields and a message', async () => {
    const out = await generate(`#[ferry::export(error)]
pub enum VaultError { NotFound { key_name: String }, Locked, Io(String) }
#[ferry::export]
pub fn open() -> Result<(), VaultError> { Ok(()) }
`);
    const t = types(out);
    assertContains(t, 'sealed class VaultError(message: String) : Exception(message) {');
    assertContains(t, 'class NotFound(val keyName: String, message: String? = null) : VaultError(message ?: "NotFound(keyName=$keyName)")');
    assertContains(t, 'class Locked(message: String? = null) : VaultError(message ?: "Locked")');
    assertContains(t, 'class Io(val value: String, message: String? = null) : VaultError(message ?: "Io(value=$value)")');
    assertNotContains(t, 'data class NotFound');
    const kc = codecs(out);
    assertContains(kc, 'fun readVaultError(r: WireReader): VaultError =');
    assertContains(kc, '0 -> VaultError.NotFound(r.string(), r.readMessage())');
    // Kotlin writes errors too: a callback implementation throws them back to Rust.
    assertContains(kc, 'fun writeVaultError');
    // Without Display the Rust side sends no message.
    assertContains(out.rust, 'pub(super) fn write_VaultError(w: &mut Writer, v: &crate::VaultError) {');
    assertContains(out.rust, 'w.u8(0);\n    }');
    assertNotContains(out.rust, 'fn read_VaultError');
  });

  test('an error with Display (or thiserror) sends its text as the message', async () => {
    const display = await generate(`#[ferry::export(error)]
pub enum E { Bad }
impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "bad") }
}
#[ferry::export]
pub fn fail() -> Result<(), E> { Ok(()) }
`);
    assertContains(display.rust, 'w.u8(1);\n        w.str(&::std::string::ToString::to_string(v));');
    const thiserror = await generate(`#[ferry::export(error)]
#[derive(Debug, thiserror::Error)]
pub enum E {
    #[error("bad thing {0}")]
    Bad(String),
}
#[ferry::export]
pub fn fail() -> Result<(), E> { Ok(()) }
`);
    assertContains(thiserror.rust, '::std::string::ToString::to_string(v)');
  });
});

describe('codegen: files', () => {
  test('a crate with only types has no wrapper file; a crate with only fns has no Types file', async () => {
    const onlyTypes = await generate('#[ferry::export]\npub struct R { pub a: i32 }\n');
    assert.deepEqual(Object.keys(onlyTypes.kotlin).sort(), ['ferry/demo/DemoTypes.kt', 'ferry/demo/FerryCodecs.kt', 'ferry/demo/FerryLibrary.kt', 'ferry/demo/FerryNative.kt']);
    const onlyFns = await generate('#[ferry::export]\npub fn f() {}\n');
    assert.ok(!Object.keys(onlyFns.kotlin).some((p) => p.endsWith('Types.kt')), Object.keys(onlyFns.kotlin).join(', '));
    assert.ok(onlyFns.kotlin['ferry/demo/Demo.kt']);
  });

  test('generation is deterministic', async () => {
    const lib = '#[ferry::export]\npub struct R { pub a: i32 }\n#[ferry::export]\npub async fn f(r: R) -> R { r }\n';
    const a = await generate(lib);
    const b = await generate(lib);
    assert.equal(a.rust, b.rust);
    assert.deepEqual(a.kotlin, b.kotlin);
  });

  test('an error variant\'s message field is the exception\'s message', async () => {
    const out = await generate(`#[ferry::export(error)]
pub enum ApiError { Rejected { code: u16, message: String }, Gone { message: Option<String> }, Other }
#[ferry::export]
pub fn f() -> Result<(), ApiError> { Ok(()) }
`);
    const t = types(out);
    assertContains(t, 'class Rejected(val code: UShort, override val message: String, ferryDisplay: String? = null) : ApiError(message)');
    assertContains(t, 'class Gone(override val message: String?, ferryDisplay: String? = null) : ApiError(message ?: "Gone(message=$message)")');
    assertContains(t, 'class Other(message: String? = null) : ApiError(message ?: "Other")');
  });

  test('Rust doc comments become KDoc on functions, records, fields, enums, variants, objects and methods', async () => {
    const out = await generate(`/// A point on the map.
#[ferry::export]
#[derive(Debug)]
pub struct Point {
    /// East-west, in metres.
    pub x: i32,
    pub y: i32,
}
/// How loud.
#[ferry::export]
pub enum Level {
    /// Barely.
    Low,
    High,
}
/** A counter
 * shared by threads. */
#[ferry::export(object)]
pub struct Counter {}
#[ferry::export]
impl Counter {
    pub fn new() -> Self { Counter {} }
    /// Adds one; a comment that says */ safely.
    pub fn bump(&self) -> u32 { 1 }
}
/// Moves \`p\` one step.
///
/// Second paragraph.
#[ferry::export]
pub fn step(p: Point) -> Point { p }
// A plain comment is not documentation.
#[ferry::export]
pub fn plain() {}
`);
    const t = types(out);
    assertContains(t, '/**\n * A point on the map.\n */\ndata class Point(\n    /**\n     * East-west, in metres.\n     */\n    val x: Int,\n    val y: Int,');
    assertContains(t, '/**\n * How loud.\n */\nenum class Level {\n    /**\n     * Barely.\n     */\n    LOW,\n    HIGH,');
    const objects = Object.entries(out.kotlin).find(([p]) => p.endsWith('Objects.kt'))![1];
    assertContains(objects, '/**\n * A counter\n * shared by threads.\n *\n * Rust object `crate::Counter`');
    assertContains(objects, '    /**\n     * Adds one; a comment that says *&#47; safely.\n     *\n     * Calls Rust `crate::Counter::bump`.');
    const fns = Object.entries(out.kotlin).find(([p]) => p.endsWith('Demo.kt'))![1];
    assertContains(fns, '/**\n * Moves `p` one step.\n *\n * Second paragraph.\n *\n * Calls Rust `crate::step`. Runs on the calling thread.\n */\nfun step(p: Point): Point {');
    assertContains(fns, '/**\n * Calls Rust `crate::plain`. Runs on the calling thread.\n */\nfun plain() {');
  });

  test('only the codecs the glue uses are emitted: no dead code in the user\'s build', async () => {
    const out = await generate(`#[ferry::export]
pub struct Inner { pub v: i32 }
#[ferry::export]
pub struct Sent { pub inner: Inner }
#[ferry::export]
pub struct Returned { pub n: u8 }
#[ferry::export]
pub struct Unused { pub n: u8 }
#[ferry::export]
pub fn put(s: Sent) -> Returned { Returned { n: 0 } }
`);
    assertContains(out.rust, 'fn read_Sent(');
    assertContains(out.rust, 'fn read_Inner(', 'reached through a field');
    assertNotContains(out.rust, 'fn write_Sent(');
    assertContains(out.rust, 'fn write_Returned(');
    assertNotContains(out.rust, 'fn read_Returned(');
    assertNotContains(out.rust, '_Unused(');
  });
});
