// Parser unit tests: what parseCrate extracts from the Rust source.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SynCrate, SynFn, SynItem, SynType } from '../src/parse/syntax.js';
import { parse } from './helpers.js';

const exported = (c: SynCrate) => c.items.filter((i) => i.export !== null);
const names = (c: SynCrate) => exported(c).map((i) => `${[...i.modulePath, i.name].join('::')}`);
const item = (c: SynCrate, name: string): SynItem => {
  const it = c.items.find((i) => i.name === name);
  assert.ok(it, `no item ${name}; have ${c.items.map((i) => i.name).join(', ')}`);
  return it;
};
const fnOf = (c: SynCrate, name: string): SynFn => {
  const it = item(c, name);
  assert.equal(it.kind, 'fn');
  return (it as Extract<SynItem, { kind: 'fn' }>).fn;
};

describe('parse: finding exported items', () => {
  test('root, inline mod, nested inline mod', async () => {
    const { crate, diagnostics } = await parse(`
#[ferry::export]
pub fn top() {}
fn not_exported() {}
pub mod a {
    #[ferry::export]
    pub fn in_a() {}
    pub mod b {
        #[ferry::export]
        pub struct Deep { pub x: i32 }
    }
}
`);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(names(crate), ['top', 'a::in_a', 'a::b::Deep']);
    assert.ok(crate.items.some((i) => i.name === 'not_exported' && i.export === null));
    assert.deepEqual(crate.modules.map((m) => m.path.join('::')), ['a', 'a::b']);
  });

  test('`mod x;` from x.rs and x/mod.rs, nested files', async () => {
    const { crate, diagnostics } = await parse({
      lib: 'mod net;\npub mod store;\n',
      files: {
        'net.rs': '#[ferry::export]\npub fn fetch() {}\npub mod http;\n',
        'net/http.rs': '#[ferry::export]\npub fn get() {}\n',
        'store/mod.rs': '#[ferry::export]\npub fn put() {}\nmod disk;\n',
        'store/disk.rs': '#[ferry::export]\npub fn flush() {}\n',
      },
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(names(crate).sort(), ['net::fetch', 'net::http::get', 'store::disk::flush', 'store::put']);
    const get = item(crate, 'get');
    assert.equal(get.span.file, 'src/net/http.rs');
    assert.equal(get.span.line, 2);
    assert.equal(get.span.col, 8);
    assert.equal(crate.modules.find((m) => m.path.join('::') === 'net')!.isPublic, false);
    assert.equal(crate.modules.find((m) => m.path.join('::') === 'store')!.isPublic, true);
  });

  test('#[path = "..."] in a non-mod-rs file is relative to that file\'s directory', async () => {
    const { crate, diagnostics } = await parse({
      lib: 'pub mod net;\n',
      files: { 'net.rs': '#[path = "other_place.rs"]\npub mod inner;\n', 'other_place.rs': '#[ferry::export]\npub fn via_path() {}\n' },
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(names(crate), ['net::inner::via_path']);
    assert.equal(item(crate, 'via_path').span.file, 'src/other_place.rs');
  });

  test('#[path = "..."] in lib.rs is relative to src/', async () => {
    const { crate, diagnostics } = await parse({
      lib: '#[path = "elsewhere/impl_file.rs"]\npub mod api;\n',
      files: { 'elsewhere/impl_file.rs': '#[ferry::export]\npub fn via_path() {}\n' },
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(names(crate), ['api::via_path']);
    assert.equal(item(crate, 'via_path').span.file, 'src/elsewhere/impl_file.rs');
  });

  test('#[cfg(test)] modules (inline and file) are skipped', async () => {
    const { crate, diagnostics } = await parse(`
#[ferry::export]
pub fn real() {}
#[cfg(test)]
mod tests {
    #[ferry::export]
    pub fn only_in_tests() {}
}
#[cfg(test)]
mod missing_test_file;
`);
    assert.deepEqual(diagnostics, [], 'a #[cfg(test)] mod file is not even read');
    assert.deepEqual(names(crate), ['real']);
  });

  test('#[cfg(not(test))] modules are NOT skipped', async () => {
    const { crate } = await parse('#[cfg(not(test))]\npub mod live {\n    #[ferry::export]\n    pub fn f() {}\n}\n');
    assert.deepEqual(names(crate), ['live::f']);
  });

  test('missing module file is reported at the `mod` declaration', async () => {
    const { diagnostics } = await parse('// header\npub mod gone;\n');
    assert.deepEqual(diagnostics, ['src/lib.rs:2:1: error: cannot read module file src/gone.rs']);
  });

  test('syntax errors are reported with their location', async () => {
    const { diagnostics } = await parse('#[ferry::export]\npub fn broken(a: i32 -> i32 { a }\n');
    assert.ok(diagnostics.length >= 1);
    for (const d of diagnostics) assert.match(d, /^src\/lib\.rs:\d+:\d+: error: syntax error/);
  });
});

describe('parse: export attributes', () => {
  test('kinds: plain, object, error, callback; unknown args kept', async () => {
    const { crate } = await parse(`
#[ferry::export]
pub struct Rec { pub a: i32 }
#[ferry::export(object)]
pub struct Obj { inner: i32 }
#[ferry::export(error)]
pub enum Err { A }
#[ferry::export(callback)]
pub trait Cb { fn call(&self); }
#[ferry::export(frobnicate, object)]
pub struct Weird;
#[::ferry::export]
pub fn abs_path() {}
`);
    const kinds = Object.fromEntries(exported(crate).map((i) => [i.name, i.export!.kind]));
    assert.deepEqual(kinds, { Rec: 'plain', Obj: 'object', Err: 'error', Cb: 'callback', Weird: 'object', abs_path: 'plain' });
    assert.deepEqual(item(crate, 'Weird').export!.unknownArgs, ['frobnicate']);
    assert.deepEqual(item(crate, 'Rec').export!.unknownArgs, []);
    const cb = item(crate, 'Cb');
    assert.equal(cb.kind, 'trait');
    assert.deepEqual((cb as Extract<SynItem, { kind: 'trait' }>).methods.map((m) => m.name), ['call']);
  });

  test('bare #[export] needs `use ferry::export` (or a group containing it)', async () => {
    const without = await parse('#[export]\npub fn f() {}\n');
    assert.deepEqual(names(without.crate), []);
    const direct = await parse('use ferry::export;\n#[export]\npub fn f() {}\n');
    assert.deepEqual(names(direct.crate), ['f']);
    const group = await parse('use ferry::{include_glue, export};\n#[export(error)]\npub enum E { A }\n');
    assert.deepEqual(names(group.crate), ['E']);
    assert.equal(item(group.crate, 'E').export!.kind, 'error');
  });

  test('other attributes between the export and the item are fine; derives recorded', async () => {
    const { crate } = await parse('#[ferry::export]\n#[derive(Debug, Clone)]\n/// doc\npub struct S { pub a: i32 }\n');
    assert.deepEqual(names(crate), ['S']);
    assert.deepEqual(item(crate, 'S').derives, ['Debug', 'Clone']);
  });

  test('impl blocks: methods with their own export attributes and self kinds', async () => {
    const { crate } = await parse(`
pub struct Obj;
#[ferry::export]
impl Obj {
    pub fn new() -> Self { Obj }
    pub fn get(&self) -> i32 { 0 }
    pub fn set(&mut self, v: i32) {}
    pub fn consume(self) {}
    #[ferry::export]
    pub fn marked(&self) {}
}
impl std::fmt::Display for Obj { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { Ok(()) } }
`);
    const impl = crate.items.find((i) => i.kind === 'impl' && i.export) as Extract<SynItem, { kind: 'impl' }>;
    assert.ok(impl);
    assert.equal(impl.name, 'Obj');
    assert.deepEqual(impl.methods.map((m) => [m.name, m.selfParam, m.export !== null]), [
      ['new', 'none', false], ['get', 'ref', false], ['set', 'mut-ref', false], ['consume', 'value', false], ['marked', 'ref', true],
    ]);
    assert.ok(crate.displayImpls.has('Obj'));
  });
});

describe('parse: functions', () => {
  test('async, unsafe, pub, generics, params, patterns', async () => {
    const { crate } = await parse(`
#[ferry::export]
pub async fn a(x: i32, mut y: String, _: u8) -> u64 { 0 }
#[ferry::export]
pub unsafe fn u() {}
#[ferry::export]
fn private_generic<T: Clone>(t: T) {}
#[ferry::export]
pub fn destructure((a, b): (i32, i32)) {}
`);
    const a = fnOf(crate, 'a');
    assert.equal(a.isAsync, true);
    assert.equal(a.isUnsafe, false);
    assert.equal(a.isPublic, true);
    assert.deepEqual(a.params.map((p) => [p.name, p.patternOk]), [['x', true], ['y', true], ['arg2', true]]);
    assert.equal(a.returns?.text, 'u64');
    const u = fnOf(crate, 'u');
    assert.equal(u.isUnsafe, true);
    assert.equal(u.returns, null);
    const g = fnOf(crate, 'private_generic');
    assert.equal(g.isPublic, false);
    assert.equal(g.generics, '<T: Clone>');
    assert.equal(fnOf(crate, 'destructure').params[0].patternOk, false);
  });

  test('parameter and return spans', async () => {
    const { crate } = await parse('#[ferry::export]\npub fn f(first: i32,\n         second: &str) -> String { todo!() }\n');
    const f = fnOf(crate, 'f');
    assert.deepEqual(f.span, { file: 'src/lib.rs', line: 2, col: 8 });
    assert.deepEqual(f.params[1].span, { file: 'src/lib.rs', line: 3, col: 10 });
    assert.deepEqual(f.params[1].type.span, { file: 'src/lib.rs', line: 3, col: 18 });
    assert.deepEqual(f.returns!.span, { file: 'src/lib.rs', line: 3, col: 27 });
  });
});

describe('parse: type shapes', () => {
  const typeOf = async (rust: string): Promise<SynType> => {
    const { crate } = await parse(`#[ferry::export]\npub fn f(v: ${rust}) {}\n`);
    return fnOf(crate, 'f').params[0].type;
  };
  const retOf = async (rust: string): Promise<SynType> => {
    const { crate } = await parse(`#[ferry::export]\npub fn f() -> ${rust} { todo!() }\n`);
    return fnOf(crate, 'f').returns!;
  };

  test('primitive and simple path', async () => {
    const t = await typeOf('u32');
    assert.equal(t.kind, 'path');
    assert.deepEqual((t as any).segments, ['u32']);
    assert.deepEqual((t as any).args, []);
  });

  test('scoped path, leading :: dropped', async () => {
    assert.deepEqual(((await typeOf('std::string::String')) as any).segments, ['std', 'string', 'String']);
    assert.deepEqual(((await typeOf('::std::time::Duration')) as any).segments, ['std', 'time', 'Duration']);
  });

  test('generic with nested args', async () => {
    const t = (await typeOf('HashMap<String, Vec<Option<i64>>>')) as any;
    assert.deepEqual(t.segments, ['HashMap']);
    assert.equal(t.args.length, 2);
    assert.deepEqual(t.args[1].segments, ['Vec']);
    assert.deepEqual(t.args[1].args[0].segments, ['Option']);
    assert.deepEqual(t.args[1].args[0].args[0].segments, ['i64']);
    const scoped = (await typeOf('std::collections::HashMap<u8, u8>')) as any;
    assert.deepEqual(scoped.segments, ['std', 'collections', 'HashMap']);
  });

  test('references: shared, mutable, lifetimes, slices', async () => {
    const r = (await typeOf('&str')) as any;
    assert.equal(r.kind, 'ref');
    assert.equal(r.mutable, false);
    assert.deepEqual(r.inner.segments, ['str']);
    const m = (await typeOf("&'a mut Vec<u8>")) as any;
    assert.equal(m.kind, 'ref');
    assert.equal(m.mutable, true);
    const s = (await typeOf('&[u8]')) as any;
    assert.equal(s.inner.kind, 'slice');
    assert.deepEqual(s.inner.inner.segments, ['u8']);
  });

  test('tuple, array, unit, fn pointer, trait object, raw pointer', async () => {
    assert.deepEqual([(await typeOf('(i32, i32)')).kind, ((await typeOf('(i32, i32)')) as any).what], ['other', 'a tuple']);
    assert.equal(((await typeOf('[u8; 4]')) as any).what, 'a fixed-size array');
    assert.equal((await retOf('()')).kind, 'unit');
    assert.equal(((await typeOf('fn(i32) -> i32')) as any).what, 'a function pointer');
    assert.equal(((await typeOf('Box<dyn Fn()>')) as any).args[0].kind, 'dyn');
    assert.equal(((await typeOf('*const u8')) as any).what, 'a raw pointer');
  });

  test('impl Stream with Item binding and extra bounds', async () => {
    const t = (await retOf("impl futures::Stream<Item = Result<u32, MyErr>> + Send + 'static")) as any;
    assert.equal(t.kind, 'impl');
    assert.deepEqual(t.traits[0].segments, ['futures', 'Stream']);
    assert.equal(t.traits[0].bindings[0].name, 'Item');
    assert.deepEqual(t.traits[0].bindings[0].type.segments, ['Result']);
    assert.deepEqual(t.traits.slice(1).map((x: any) => x.text), ['Send']);
    const plain = (await retOf('impl Stream<Item = u8>')) as any;
    assert.equal(plain.kind, 'impl');
    assert.equal(plain.traits.length, 1);
  });

  test('record fields, tuple structs, unit structs, enum variants', async () => {
    const { crate } = await parse(`
#[ferry::export]
pub struct Named { pub a: i32, b: String }
#[ferry::export]
pub struct Tup(pub i32, pub String);
#[ferry::export]
pub struct Unit;
#[ferry::export]
pub enum E { U, T(i32, String), S { x: f64 } }
`);
    const named = item(crate, 'Named') as Extract<SynItem, { kind: 'struct' }>;
    assert.equal(named.style, 'named');
    assert.deepEqual(named.fields.map((f) => [f.name, f.isPublic]), [['a', true], ['b', false]]);
    const tup = item(crate, 'Tup') as Extract<SynItem, { kind: 'struct' }>;
    assert.equal(tup.style, 'tuple');
    assert.deepEqual(tup.fields.map((f) => f.name), ['0', '1']);
    assert.equal((item(crate, 'Unit') as Extract<SynItem, { kind: 'struct' }>).style, 'unit');
    const e = item(crate, 'E') as Extract<SynItem, { kind: 'enum' }>;
    assert.deepEqual(e.variants.map((v) => [v.name, v.style, v.fields.length]), [['U', 'unit', 0], ['T', 'tuple', 2], ['S', 'struct', 1]]);
  });

  test('type aliases and generics on types', async () => {
    const { crate } = await parse('#[ferry::export]\npub type Id = u64;\n#[ferry::export]\npub struct G<T> { pub t: T }\n');
    assert.equal(item(crate, 'Id').kind, 'type-alias');
    assert.equal(item(crate, 'G').generics, '<T>');
  });
});
