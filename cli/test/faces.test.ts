// The two faces of every entry point, checked in every output language: each member of the
// JVM's FerryNative has a JNI export, each member of the native FerryNative calls a C export
// that the Rust glue defines and the header declares with the same parameters, and the
// other generated Kotlin files are the same for both targets.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { generateInMemory, type Generated } from '../src/generate.js';
import { REPO_ROOT } from './helpers.js';

async function generated(fixture: string): Promise<Generated> {
  const r = await generateInMemory(path.join(REPO_ROOT, 'fixtures', fixture), REPO_ROOT);
  if (!r.ok) assert.fail(r.diagnostics.format());
  return r.output;
}

function file(files: { path: string; content: string }[], suffix: string): string {
  const f = files.find((k) => k.path.endsWith(suffix));
  assert.ok(f, `no generated file ending in ${suffix}`);
  return f.content;
}

/** `name -> ABI parameter count` of the members of a FerryNative (a ByteArray counts twice on the C face). */
function members(kotlin: string, declaration: RegExp): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of kotlin.matchAll(declaration)) out.set(m[1], m[2] ? m[2].split(', ').map((p) => p.split(': ')[1]) : []);
  return out;
}

for (const fixture of ['functions', 'objects', 'streams', 'frames']) {
  describe(`faces: fixtures/${fixture}`, () => {
    test('the native FerryNative has exactly the members of the JVM one, with the same signatures', async () => {
      const out = await generated(fixture);
      const jvm = members(file(out.kotlin, '/FerryNative.kt'), /external fun (\w+)\(([^)]*)\): ([\w.]+)/g);
      const native = members(file(out.kotlinNative, '/FerryNative.kt'), /^ {4}fun (\w+)\(([^)]*)\): ([\w.]+)(?: =| \{$)/gm);
      assert.ok(jvm.size > 8, 'the JVM FerryNative lists its externals');
      // Less the JVM's ByteBuffer entry points (Kotlin/Native has no java.nio; see byte-views.ts).
      const common = [...jvm.entries()].filter(([name]) => !name.endsWith('__buffers'));
      assert.deepEqual([...native.entries()].sort(), common.sort());
    });

    test('every native member calls a C function the header declares and the glue defines, with matching parameters', async () => {
      const out = await generated(fixture);
      const header = file(out.kotlinNative, '.h');
      const kotlin = file(out.kotlinNative, '/FerryNative.kt');
      const declared = new Map<string, number>();
      for (const m of header.matchAll(/^[\w ]+?\*?\s*(ferry_\w+)\(([^)]*)\);$/gm)) declared.set(m[1], m[2].split(', ').length);
      const calls = [...kotlin.matchAll(/__status -> (ferry_\w+)\(([^)]*(?:\([^)]*\))?[^)]*)\)/g)];
      assert.ok(calls.length > 8);
      for (const [, symbol] of calls) {
        assert.ok(declared.has(symbol), `${symbol} is called but not declared in the header`);
        assert.match(out.rustGlue, new RegExp(`pub unsafe extern "C" fn ${symbol}\\(__status: \\*mut i64`), `${symbol} has no C export in the glue`);
      }
      for (const symbol of declared.keys()) {
        assert.match(out.rustGlue, new RegExp(`extern "C" fn ${symbol}\\(`), `${symbol} is declared but not exported`);
      }
    });

    test('each native member has a JNI export too', async () => {
      const out = await generated(fixture);
      const jvm = members(file(out.kotlin, '/FerryNative.kt'), /external fun (\w+)\(([^)]*)\): ([\w.]+)/g);
      for (const name of jvm.keys()) {
        const mangled = name.replace(/_/g, '_1');
        assert.match(out.rustGlue, new RegExp(`extern "system" fn Java_\\w+_FerryNative_${mangled}<`), `${name} has no JNI export`);
      }
    });

    test('the public Kotlin API is written once: only FerryNative and the ByteBuffer overloads differ between the targets', async () => {
      const out = await generated(fixture);
      const nativeKotlin = out.kotlinNative.filter((k) => k.path.endsWith('.kt')).map((k) => path.basename(k.path));
      const jvmOnly = out.kotlin.filter((k) => k.path.endsWith('ByteBuffers.kt')).map((k) => path.basename(k.path));
      assert.deepEqual(nativeKotlin, ['FerryNative.kt', ...jvmOnly]);
      for (const k of out.kotlin) {
        if (k.path.endsWith('/FerryNative.kt') || k.path.endsWith('ByteBuffers.kt')) continue;
        assert.doesNotMatch(k.content, /\bjava\.|@Jvm|System\.|javaClass/, `${k.path} must be common Kotlin`);
      }
    });
  });
}
