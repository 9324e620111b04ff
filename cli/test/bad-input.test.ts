// The bad-input suite: every problem the generator must refuse, with its exact
// `path:line:col: error: ...` line; one crate with many problems; and the real CLI.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_DIR, cargoToml, diagnose, makeCrate, tempDir } from './helpers.js';

const E = (line: number, col: number, msg: string, file = 'src/lib.rs') => `${file}:${line}:${col}: error: ${msg}`;
const TOKEN_SYNC = 'ferry::CancellationToken can only be a parameter of an `async fn` (or of a function returning `impl Stream`): a sync call cannot be cancelled';
const UNKNOWN = (name: string) => `unknown type \`${name}\`: only the types of the type table (README, "Type mapping") and types exported from this crate can cross the bridge`;

interface Case {
  name: string;
  lib: string;
  files?: Record<string, string>;
  expected: string[];
}

const cases: Case[] = [
  // ------------------------------------------------------------ unsupported types
  { name: 'usize', lib: '#[ferry::export]\npub fn f(v: usize) {}\n',
    expected: [E(2, 13, '`usize` cannot cross the bridge: use u64 (or u32): its width differs between targets')] },
  { name: 'isize return', lib: '#[ferry::export]\npub fn f() -> isize { 0 }\n',
    expected: [E(2, 15, '`isize` cannot cross the bridge: use i64 (or i32): its width differs between targets')] },
  { name: 'u128', lib: '#[ferry::export]\npub fn f() -> u128 { 0 }\n',
    expected: [E(2, 15, '`u128` cannot cross the bridge: use two u64 fields or a String')] },
  { name: 'char in a Vec', lib: '#[ferry::export]\npub fn f(v: Vec<char>) {}\n',
    expected: [E(2, 17, '`char` cannot cross the bridge: use a String')] },
  { name: 'tuple', lib: '#[ferry::export]\npub fn f(v: (i32, i32)) {}\n',
    expected: [E(2, 13, 'a tuple cannot cross the bridge: use an exported record struct')] },
  { name: 'fixed-size array', lib: '#[ferry::export]\npub fn f(v: [u8; 4]) {}\n',
    expected: [E(2, 13, 'a fixed-size array cannot cross the bridge: use Vec<T>')] },
  { name: '&mut', lib: '#[ferry::export]\npub fn f(v: &mut String) {}\n',
    expected: [E(2, 13, "`&mut String`: a mutable borrow cannot cross the bridge: take the value and return the result (only `&mut [u8]`, as a parameter of a sync exported fn, is written into the caller's buffer)")] },
  { name: 'Box', lib: '#[ferry::export]\npub fn f(v: Box<i32>) {}\n',
    expected: [E(2, 13, '`Box<i32>` cannot cross the bridge: pass the value itself, not a Box')] },
  { name: 'unsized str', lib: '#[ferry::export]\npub struct R { pub s: Box<str> }\n',
    expected: [E(2, 23, '`Box<str>` cannot cross the bridge: pass the value itself, not a Box')] },
  { name: 'unit as a parameter', lib: '#[ferry::export]\npub fn f(v: ()) {}\n',
    expected: [E(2, 13, '`()` can only be a return type')] },
  { name: 'Result nested in a Vec', lib: '#[ferry::export(error)]\npub enum E { A }\n#[ferry::export]\npub fn f() -> Vec<Result<i32, E>> { todo!() }\n',
    expected: [E(4, 19, 'Result can only be the outermost return type')] },

  // ------------------------------------------------------------ generics, borrows, names
  { name: 'generic fn', lib: '#[ferry::export]\npub fn f<T>(v: T) {}\n',
    expected: [E(2, 8, 'function `f` is generic (<T>): exported functions need concrete types'), E(2, 16, UNKNOWN('T'))] },
  { name: 'generic struct', lib: "#[ferry::export]\npub struct G<'a> { pub name: &'a str }\n",
    expected: [
      E(2, 12, "record `G` is generic (<'a>): exported types need concrete fields"),
      E(2, 30, "a borrowed type (`&'a str`) cannot be stored here: use an owned type"),
    ] },
  { name: 'generic exported type used with arguments', lib: '#[ferry::export]\npub struct G<T> { pub t: Vec<T> }\n#[ferry::export]\npub fn f(g: G<i32>) {}\n',
    expected: [
      E(2, 12, 'record `G` is generic (<T>): exported types need concrete fields'),
      E(2, 30, UNKNOWN('T')),
      E(4, 13, '`G<i32>` cannot cross the bridge: exported types cannot be generic'),
    ] },
  { name: 'borrowed return &str', lib: "#[ferry::export]\npub fn f() -> &'static str { \"\" }\n",
    expected: [E(2, 15, "a borrowed return type (`&'static str`) cannot outlive the call: return an owned value")] },
  { name: 'reference to an un-exported type', lib: 'pub struct Plain { pub a: i32 }\n#[ferry::export]\npub fn f(v: &Plain) {}\n',
    expected: [E(3, 14, 'type `Plain` is not exported: add #[ferry::export] to its declaration')] },
  { name: 'reference to a collection', lib: '#[ferry::export]\npub fn f(v: &Vec<i32>) {}\n',
    expected: [E(2, 13, '`&Vec<i32>`: only &str, &[u8], exported records and enums and objects can be borrowed as arguments: take the value by value')] },
  { name: 'un-exported type', lib: 'pub struct Plain { pub a: i32 }\n#[ferry::export]\npub fn f(v: Option<Plain>) {}\n',
    expected: [E(3, 20, 'type `Plain` is not exported: add #[ferry::export] to its declaration')] },
  { name: 'parameter hiding a package the generated code names', lib: '#[ferry::export]\npub fn f(dev: i32, kotlin: bool) -> i32 { dev }\n',
    expected: ['src/lib.rs:2:10: error: parameter `dev` of function `f` would hide the Kotlin package `dev` that the generated code names (`dev.…`): rename it',
      'src/lib.rs:2:20: error: parameter `kotlin` of function `f` would hide the Kotlin package `kotlin` that the generated code names (`kotlin.…`): rename it'] },
  { name: 'unknown type', lib: '#[ferry::export]\npub fn f() -> Vec<Foo> { todo!() }\n',
    expected: [E(2, 19, UNKNOWN('Foo'))] },
  { name: 'type alias used', lib: 'pub type Id = u64;\n#[ferry::export]\npub fn f(id: Id) {}\n',
    expected: [E(3, 14, 'type alias `Id` is not followed: write the type it stands for')] },
  { name: 'type alias exported', lib: '#[ferry::export]\npub type Id = u64;\n',
    expected: [E(2, 10, 'type alias `Id` cannot be exported: export the type it names')] },
  { name: 'Result alias with one argument', lib: 'pub type Result<T> = std::result::Result<T, String>;\n#[ferry::export]\npub fn f() -> Result<i32> { Ok(1) }\n',
    expected: [E(3, 15, '`Result<i32>` cannot cross the bridge: a `Result` alias with one argument is not followed: write Result<T, E> with the exported error enum')] },

  // ------------------------------------------------------------ errors
  { name: 'Result with String as E', lib: '#[ferry::export]\npub fn f() -> Result<i32, String> { Ok(1) }\n',
    expected: [E(2, 27, 'the error type of a Result must be an enum marked #[ferry::export(error)]; `String` is not')] },
  { name: 'Result with a plain exported enum as E', lib: '#[ferry::export]\npub enum Level { Low }\n#[ferry::export]\npub fn f() -> Result<(), Level> { Ok(()) }\n',
    expected: [E(4, 26, 'the error type of a Result must be an enum marked #[ferry::export(error)]; `Level` is not')] },
  { name: 'error enum used as a plain value', lib: '#[ferry::export(error)]\npub enum MyErr { A }\n#[ferry::export]\npub fn f(e: MyErr) {}\n',
    expected: [E(4, 13, 'error enum `MyErr` can only be used as the E of Result<T, E>')] },
  { name: 'error enum as a record field', lib: '#[ferry::export(error)]\npub enum MyErr { A }\n#[ferry::export]\npub struct R { pub e: MyErr }\n',
    expected: [E(4, 23, 'error enum `MyErr` can only be used as the E of Result<T, E>')] },
  { name: 'error field named `message` that is not text', lib: '#[ferry::export(error)]\npub enum E {\n    Bad { message: u32 },\n}\n',
    expected: [E(3, 11, 'field `message` of variant `E::Bad` becomes the Kotlin exception\'s `message`, so it must be a String or Option<String>')] },
  { name: 'error field named `cause`', lib: '#[ferry::export(error)]\npub enum E {\n    Bad { code: i32, cause: String },\n}\n',
    expected: [E(3, 22, 'field `cause` of variant `E::Bad` clashes with Kotlin\'s `cause`: rename it')] },
  { name: 'enum without variants', lib: '#[ferry::export]\npub enum Never {}\n',
    expected: [E(2, 10, 'enum `Never` has no variants: it can never be constructed')] },
  { name: 'export(error) on a struct', lib: '#[ferry::export(error)]\npub struct S { pub a: i32 }\n',
    expected: [E(1, 1, '#[ferry::export(error)] does not apply to a struct: use #[ferry::export] (record) or #[ferry::export(object)]')] },
  { name: 'export(object) on an enum', lib: '#[ferry::export(object)]\npub enum S { A }\n',
    expected: [E(1, 1, '#[ferry::export(object)] does not apply to an enum: use #[ferry::export] or #[ferry::export(error)]')] },

  // ------------------------------------------------------------ tokens
  { name: 'token in a sync fn', lib: '#[ferry::export]\npub fn f(t: ferry::CancellationToken) {}\n',
    expected: [E(2, 13, TOKEN_SYNC)] },
  { name: 'two tokens', lib: 'use ferry::CancellationToken;\n#[ferry::export]\npub async fn f(a: CancellationToken, b: CancellationToken) {}\n',
    expected: [E(3, 41, 'function `f` takes more than one CancellationToken')] },
  { name: 'token nested in Option', lib: '#[ferry::export]\npub async fn f(a: Option<ferry::CancellationToken>) {}\n',
    expected: [E(2, 26, 'ferry::CancellationToken can only be a direct parameter of an async fn')] },
  { name: 'token as a field', lib: '#[ferry::export]\npub struct R { pub t: ferry::CancellationToken }\n',
    expected: [E(2, 23, 'ferry::CancellationToken cannot be a field')] },

  // ------------------------------------------------------------ options and maps
  { name: 'nested Option', lib: '#[ferry::export]\npub fn f() -> Option<Option<i32>> { None }\n',
    expected: [E(2, 15, '`Option<Option<T>>` has no Kotlin equivalent (`T??` is `T?`): use an enum')] },
  { name: 'float map key', lib: 'use std::collections::HashMap;\n#[ferry::export]\npub fn f(m: HashMap<f64, String>) {}\n',
    expected: [E(3, 21, 'map key `f64` is not supported: keys must be integers, bool or String')] },
  { name: 'record map key', lib: 'use std::collections::HashMap;\n#[ferry::export]\npub struct K { pub a: i32 }\n#[ferry::export]\npub fn f(m: HashMap<K, String>) {}\n',
    expected: [E(5, 21, 'map key `K` is not supported: keys must be integers, bool or String')] },
  { name: 'custom hasher', lib: 'use std::collections::HashMap;\n#[ferry::export]\npub fn f(m: HashMap<String, i32, std::hash::RandomState>) {}\n',
    expected: [E(3, 13, 'a HashMap with a custom hasher cannot cross the bridge: use HashMap<K, V>')] },

  // ------------------------------------------------------------ visibility
  { name: 'private fn in a module', lib: 'mod a {\n    #[ferry::export]\n    fn f() {}\n}\n',
    expected: [E(3, 8, 'function `f` is not visible from the crate root: make it (and its modules) `pub` or `pub(crate)`')] },
  { name: 'pub fn in a private nested module', lib: 'mod a {\n    mod b {\n        #[ferry::export]\n        pub fn g() {}\n    }\n}\n',
    expected: [E(4, 16, 'function `g` is not visible from the crate root: make it (and its modules) `pub` or `pub(crate)`')] },
  { name: 'private fn in a module file', lib: 'mod net;\n', files: { 'net.rs': '#[ferry::export]\nasync fn fetch() {}\n' },
    expected: [E(2, 10, 'function `fetch` is not visible from the crate root: make it (and its modules) `pub` or `pub(crate)`', 'src/net.rs')] },
  { name: 'private record in a module', lib: 'mod m {\n    #[ferry::export]\n    struct R { pub a: i32 }\n}\n',
    expected: [E(3, 12, 'record `R` is not visible from the crate root: make it (and its modules) `pub`')] },
  { name: 'private field of a record in a module', lib: 'pub mod m {\n    #[ferry::export]\n    pub struct R {\n        pub a: i32,\n        b: i32,\n    }\n}\n',
    expected: [E(5, 9, 'field `b` of record `R` is private to its module: make it `pub` or `pub(crate)`')] },
  { name: 'tuple struct record', lib: '#[ferry::export]\npub struct T(pub i32);\n',
    expected: [E(2, 12, 'record `T` is a tuple struct: a record needs named fields (or mark it #[ferry::export(object)])')] },
  { name: 'unit struct record', lib: '#[ferry::export]\npub struct U;\n',
    expected: [E(2, 12, 'record `U` is a unit struct: a record needs named fields (or mark it #[ferry::export(object)])')] },

  // ------------------------------------------------------------ markers and names
  { name: 'unknown export argument', lib: '#[ferry::export(frobnicate)]\npub fn f() {}\n',
    expected: [E(1, 1, 'unknown argument `frobnicate` to #[ferry::export]: expected nothing, `object`, `error`, `callback`, `blocking` or `thread_affine`')] },
  { name: 'blocking async fn', lib: '#[ferry::export(blocking)]\npub async fn f() {}\n',
    expected: [E(2, 14, 'function `f` is `async` and marked `blocking`: blocking is for sync fns that would block a Tokio worker (they run on the blocking pool); drop one of the two')] },
  { name: 'blocking constructor', lib: '#[ferry::export(object)]\npub struct O;\n#[ferry::export]\nimpl O {\n    #[ferry::export(blocking)]\n    pub fn new() -> Self { O }\n}\n',
    expected: [E(6, 12, '`O::new` is blocking, but `new` becomes the Kotlin constructor, which cannot suspend: make it sync, or give it another name (an async associated fn becomes a suspend fun on the companion object)')] },
  { name: 'async runtime fn', lib: '#[ferry::runtime]\nasync fn rt() -> ferry::RuntimeConfig { todo!() }\n',
    expected: [E(2, 10, '#[ferry::runtime] `rt`: it runs before the runtime exists, so it cannot be async')] },
  { name: 'runtime fn with parameters', lib: '#[ferry::runtime]\nfn rt(n: u32) -> ferry::RuntimeConfig { todo!() }\n',
    expected: [E(2, 4, '#[ferry::runtime] `rt`: it takes no parameters: ferry calls it as `fn() -> ferry::RuntimeConfig`')] },
  { name: 'two runtime fns', lib: '#[ferry::runtime]\nfn a() -> ferry::RuntimeConfig { todo!() }\n#[ferry::runtime]\nfn b() -> ferry::RuntimeConfig { todo!() }\n',
    expected: [E(4, 4, '#[ferry::runtime] `b`: a crate has one runtime fn, and `crate::a` is one already')] },
  { name: 'thread_affine on a function', lib: '#[ferry::export(thread_affine)]\npub fn f() {}\n',
    expected: [E(1, 1, '`thread_affine` marks an object: #[ferry::export(object, thread_affine)] on its struct, or #[ferry::export(thread_affine)] on its impl block')] },
  { name: 'thread-affine object passed to a function', lib: '#[ferry::export(object, thread_affine)]\npub struct S;\n#[ferry::export]\nimpl S {\n    pub fn new() -> Self { S }\n}\n#[ferry::export]\npub fn f(s: &S) {}\n',
    expected: [E(8, 13, '`f` takes `&S`: a thread-affine object stays on its own thread, so only its own methods can use it')] },
  { name: 'thread-affine constructor returning Result', lib: '#[ferry::export(object)]\npub struct S;\n#[ferry::export(error)]\npub enum E { A }\n#[ferry::export(thread_affine)]\nimpl S {\n    pub fn new() -> Result<Self, E> { Ok(S) }\n    pub fn m(self: std::sync::Arc<Self>) {}\n}\n',
    expected: [
      E(7, 21, '`S::new` of a thread-affine object must return `Self` (it runs on the object\'s new thread while the Kotlin constructor returns; a failure there makes later calls throw IllegalStateException)'),
      E(8, 12, 'method `S::m` takes `self: Arc<Self>`: a thread-affine value is not held in an Arc; take `&self`'),
    ] },
  { name: 'a type named like a generated object', lib: '#[ferry::export]\npub struct FerryLibrary { pub a: i32 }\n',
    expected: [E(2, 12, 'type `FerryLibrary`: the generated code has an object of that name in the crate\'s package; rename it')] },
  { name: 'two fns with the same camelCase name', lib: '#[ferry::export]\npub fn load_all() {}\npub mod m {\n    #[ferry::export]\n    pub fn load_all() {}\n}\n',
    expected: [E(5, 12, 'function `load_all` becomes Kotlin `loadAll`, as does `load_all` (src/lib.rs:2:8)')] },
  { name: 'snake and non-snake spellings clash', lib: '#[ferry::export]\npub fn get_x() {}\n#[ferry::export]\n#[allow(non_snake_case)]\npub fn getX() {}\n',
    expected: [E(5, 8, 'function `getX` becomes Kotlin `getX`, as does `get_x` (src/lib.rs:2:8)')] },
  { name: 'two variants with the same SCREAMING_SNAKE name', lib: '#[ferry::export]\npub enum Kind {\n    HttpError,\n    HTTPError,\n}\n',
    expected: [E(4, 5, 'variants `HttpError` and `HTTPError` of enum `Kind` both become Kotlin `HTTP_ERROR`')] },
  { name: 'type exported twice', lib: '#[ferry::export]\npub struct R { pub a: i32 }\npub mod m {\n    #[ferry::export]\n    pub enum R { A }\n}\n',
    expected: [E(5, 14, 'type `R` is exported twice (also at src/lib.rs:2:12): Kotlin names must be unique')] },
  { name: 'reserved ferry prefix', lib: '#[ferry::export]\npub fn ferry_init() {}\n',
    expected: [E(2, 8, 'function `ferry_init`: names starting with `ferry` are reserved for the bridge')] },
  { name: 'unsafe fn', lib: '#[ferry::export]\npub unsafe fn f() {}\n',
    expected: [E(2, 15, 'function `f` is `unsafe`: the bridge cannot uphold its safety contract; export a safe wrapper')] },
  { name: 'destructuring parameter', lib: '#[ferry::export]\npub fn f(R { a }: R) {}\n#[ferry::export]\npub struct R { pub a: i32 }\n',
    expected: [E(2, 10, 'parameter of function `f` uses a pattern: bind it to a plain name')] },

  // ------------------------------------------------------------ unreadable input
  { name: 'missing module file', lib: '#[ferry::export]\npub fn ok() {}\nmod gone;\n',
    expected: [E(3, 1, 'cannot read module file src/gone.rs')] },
  { name: 'missing nested module file', lib: 'pub mod a;\n', files: { 'a.rs': 'pub mod b;\n' },
    expected: [E(1, 1, 'cannot read module file src/a/b.rs', 'src/a.rs')] },
];

describe('bad input: one problem each, exact diagnostics', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const lines = await diagnose({ lib: c.lib, files: c.files });
      assert.deepEqual(lines, c.expected);
    });
  }

  test('syntax error', async () => {
    const lines = await diagnose({ lib: '#[ferry::export]\npub fn ok() {}\n\npub fn broken( {\n', exactLib: true });
    assert.ok(lines.length >= 1, 'at least one diagnostic');
    for (const l of lines) assert.match(l, /^src\/lib\.rs:4:\d+: error: syntax error/);
  });

  test('an unclosed brace is reported where it opens, not at the start of the file', async () => {
    const lib = '#[ferry::export]\npub fn ok() {}\n\n#[ferry::export]\npub async fn open(n: u32) -> u32 {\n    let m = n + 1;\n    m\n\n#[ferry::export]\npub fn after() {}\n';
    const lines = await diagnose({ lib, exactLib: true });
    assert.deepEqual(lines, ['src/lib.rs:5:34: error: syntax error: this `{` is never closed']);
  });

  test('syntax error in a module file', async () => {
    const lines = await diagnose({ lib: 'pub mod m;\n', files: { 'm.rs': 'pub struct S {\n    a: i32,,\n}\n' } });
    assert.ok(lines.length >= 1);
    for (const l of lines) assert.match(l, /^src\/m\.rs:2:\d+: error: syntax error/);
  });
});

describe('bad input: every problem of a crate is reported', () => {
  test('many problems across files, sorted by location', async () => {
    const lib = [
      'use std::collections::HashMap;', // 1
      'mod inner;', // 2
      'mod gone;', // 3
      '#[ferry::export]', // 4
      'pub fn a(v: usize, w: (u8, u8)) -> &\'static str { "" }', // 5
      '#[ferry::export]', // 6
      'pub fn b<T>(m: HashMap<f32, i32>) -> Option<Option<u8>> { None }', // 7
      '#[ferry::export]', // 8
      'pub fn c(t: ferry::CancellationToken) -> Result<i32, String> { Ok(1) }', // 9
      '#[ferry::export(error)]', // 10
      'pub enum Oops { Bad { message: i64 }, Worse }', // 11
      '#[ferry::export]', // 12
      'pub fn d(o: Oops, x: Unknown) {}', // 13
      '#[ferry::export(whatever)]', // 14
      'pub struct Tup(pub i32);', // 15
      '#[ferry::export]', // 16
      'pub unsafe fn load_it() {}', // 17
      '#[ferry::export]', // 18
      'pub enum Kind { HttpError, HTTPError }', // 19
      '',
    ].join('\n');
    const inner = [
      '#[ferry::export]', // 1
      'fn load_it() {}', // 2
      '#[ferry::export]', // 3
      'pub struct Rec { pub a: char, b: i32 }', // 4
      '',
    ].join('\n');
    const lines = await diagnose({ lib, files: { 'inner.rs': inner } });
    // Sorted by file, then position. `mod inner;` is read when it is declared, so its
    // `load_it` comes first and the clash is reported on the root one.
    assert.deepEqual(lines, [
      E(2, 4, 'function `load_it` is not visible from the crate root: make it (and its modules) `pub` or `pub(crate)`', 'src/inner.rs'),
      E(4, 25, '`char` cannot cross the bridge: use a String', 'src/inner.rs'),
      E(4, 31, 'field `b` of record `Rec` is private to its module: make it `pub` or `pub(crate)`', 'src/inner.rs'),
      E(3, 1, 'cannot read module file src/gone.rs'),
      E(5, 13, '`usize` cannot cross the bridge: use u64 (or u32): its width differs between targets'),
      E(5, 23, 'a tuple cannot cross the bridge: use an exported record struct'),
      E(5, 36, "a borrowed return type (`&'static str`) cannot outlive the call: return an owned value"),
      E(7, 8, 'function `b` is generic (<T>): exported functions need concrete types'),
      E(7, 24, 'map key `f32` is not supported: keys must be integers, bool or String'),
      E(7, 38, '`Option<Option<T>>` has no Kotlin equivalent (`T??` is `T?`): use an enum'),
      E(9, 13, TOKEN_SYNC),
      E(9, 54, 'the error type of a Result must be an enum marked #[ferry::export(error)]; `String` is not'),
      E(11, 23, 'field `message` of variant `Oops::Bad` becomes the Kotlin exception\'s `message`, so it must be a String or Option<String>'),
      E(13, 13, 'error enum `Oops` can only be used as the E of Result<T, E>'),
      E(13, 22, UNKNOWN('Unknown')),
      E(14, 1, 'unknown argument `whatever` to #[ferry::export]: expected nothing, `object`, `error`, `callback`, `blocking` or `thread_affine`'),
      E(15, 12, 'record `Tup` is a tuple struct: a record needs named fields (or mark it #[ferry::export(object)])'),
      E(17, 15, 'function `load_it` is `unsafe`: the bridge cannot uphold its safety contract; export a safe wrapper'),
      E(17, 15, 'function `load_it` becomes Kotlin `loadIt`, as does `load_it` (src/inner.rs:2:4)'),
      E(19, 28, 'variants `HttpError` and `HTTPError` of enum `Kind` both become Kotlin `HTTP_ERROR`'),
    ]);
  });
});

// ---------------------------------------------------------------- the real CLI

const FERRY = path.join(CLI_DIR, 'bin', 'ferry.js');

function ferry(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [FERRY, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

describe('CLI', () => {
  test('bad crate: exit 1, every diagnostic on stderr, nothing written', () => {
    const dir = makeCrate({
      lib: 'mod m;\n#[ferry::export]\npub fn a(v: usize) {}\n#[ferry::export]\npub fn ok(v: i32) -> i32 { v }\n',
      files: { 'm.rs': '#[ferry::export]\npub fn b() -> &\'static str { "" }\n' },
    });
    const out = path.join(tempDir(), 'kotlin');
    const r = ferry(['generate', '.', '--kotlin-out', out], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.deepEqual(lines, [
      'src/lib.rs:3:13: error: `usize` cannot cross the bridge: use u64 (or u32): its width differs between targets',
      "src/m.rs:2:15: error: a borrowed return type (`&'static str`) cannot outlive the call: return an owned value",
      'ferry: 2 errors; nothing was written',
    ]);
    assert.equal(fs.existsSync(path.join(dir, '.ferry', 'glue.rs')), false, 'no Rust glue');
    assert.equal(fs.existsSync(path.join(dir, '.ferry')), false, 'no .ferry dir');
    assert.deepEqual(listFiles(out), [], 'no Kotlin output');
  });

  test('bad crate keeps earlier outputs untouched', () => {
    const dir = makeCrate('#[ferry::export]\npub fn ok(v: i32) -> i32 { v }\n');
    const out = path.join(tempDir(), 'kotlin');
    assert.equal(ferry(['generate', dir, '--kotlin-out', out], dir).code, 0);
    const glue = path.join(dir, '.ferry', 'glue.rs');
    const before = fs.readFileSync(glue, 'utf8');
    const kotlinBefore = listFiles(out).map((f) => [f, fs.readFileSync(f, 'utf8')]);
    fs.writeFileSync(path.join(dir, 'src', 'lib.rs'), '#[ferry::export]\npub fn ok(v: u128) {}\n');
    const r = ferry(['generate', dir, '--kotlin-out', out], dir);
    assert.equal(r.code, 1);
    assert.equal(fs.readFileSync(glue, 'utf8'), before);
    assert.deepEqual(listFiles(out).map((f) => [f, fs.readFileSync(f, 'utf8')]), kotlinBefore);
  });

  test('good crate: exit 0 and both glues written', () => {
    const dir = makeCrate({ lib: '#[ferry::export]\npub fn add(a: i32, b: i32) -> i32 { a + b }\n', kotlinPackage: 'com.example.calc' });
    const out = path.join(tempDir(), 'kotlin');
    const r = ferry(['generate', dir, `--kotlin-out=${out}`], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^ferry: wrote \d+ files/);
    assert.ok(fs.readFileSync(path.join(dir, '.ferry', 'glue.rs'), 'utf8').includes('Java_com_example_calc_FerryNative_add'));
    const kt = listFiles(out).map((f) => path.relative(out, f)).sort();
    assert.ok(kt.includes(path.join('com', 'example', 'calc', 'FerryNative.kt')), kt.join(', '));
    assert.ok(kt.every((f) => f.startsWith(path.join('com', 'example', 'calc'))), kt.join(', '));
    assert.ok(kt.some((f) => fs.readFileSync(path.join(out, f), 'utf8').includes('fun add(a: Int, b: Int): Int')));
  });

  test('check: reports but writes nothing', () => {
    const dir = makeCrate('#[ferry::export]\npub fn ok(v: i32) -> i32 { v }\n');
    const r = ferry(['check', dir], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(dir, '.ferry')), false);
    const bad = makeCrate('#[ferry::export]\npub fn ok(v: char) {}\n');
    const rb = ferry(['check', '.'], bad);
    assert.equal(rb.code, 1);
    assert.match(rb.stderr, /^src\/lib\.rs:2:14: error: `char` cannot cross the bridge/);
  });

  test('--help and --version', () => {
    const cwd = tempDir();
    const help = ferry(['--help'], cwd);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /ferry generate <crate-dir> --kotlin-out <dir>/);
    const version = ferry(['--version'], cwd);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^ferry \d+\.\d+\.\d+/);
  });

  test('missing or bad arguments exit 2', () => {
    const cwd = tempDir();
    assert.equal(ferry([], cwd).code, 2);
    const noOut = ferry(['generate', cwd], cwd);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /missing --kotlin-out/);
    const noDir = ferry(['generate'], cwd);
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /missing <crate-dir>/);
    const unknownCmd = ferry(['frob'], cwd);
    assert.equal(unknownCmd.code, 2);
    assert.match(unknownCmd.stderr, /unknown command 'frob'/);
    const unknownOpt = ferry(['generate', cwd, '--kotlin-out', 'x', '--frob'], cwd);
    assert.equal(unknownOpt.code, 2);
    assert.match(unknownOpt.stderr, /unknown option '--frob'/);
  });

  test('not a crate, invalid TOML, missing cdylib, bad kotlin-package: clear errors, exit 1', () => {
    const out = path.join(tempDir(), 'kotlin');
    const empty = tempDir();
    const r0 = ferry(['generate', empty, '--kotlin-out', out], empty);
    assert.equal(r0.code, 1);
    assert.match(r0.stderr, /cannot read Cargo\.toml/);

    const lib = '#[ferry::export]\npub fn f() {}\n';
    const badToml = makeCrate({ lib, cargoToml: '[package\nname = "x"\n' });
    const r1 = ferry(['generate', badToml, '--kotlin-out', out], badToml);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /Cargo\.toml: invalid TOML/);

    const noCdylib = makeCrate({ lib, cargoToml: '[package]\nname = "x"\nversion = "0.1.0"\n' });
    const r2 = ferry(['generate', noCdylib, '--kotlin-out', out], noCdylib);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /crate-type = \["cdylib"\]/);

    const badPkg = makeCrate({ lib, cargoToml: cargoToml('x', 'com.9bad') });
    const r3 = ferry(['generate', badPkg, '--kotlin-out', out], badPkg);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /kotlin-package "com\.9bad" is not a valid Kotlin package name/);

    for (const d of [noCdylib, badToml, badPkg]) assert.equal(fs.existsSync(path.join(d, '.ferry')), false);
    assert.deepEqual(listFiles(out), []);
  });
});
