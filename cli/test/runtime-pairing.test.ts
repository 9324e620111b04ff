// The numbers the generator shares with the two runtimes, read from the runtimes' sources:
// the generated code is only right if the generator, the Rust runtime and the Kotlin runtime
// agree on them, and nothing else ties them together (each is written once per language).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUNTIME_PROTOCOL } from '../src/emit/fingerprint.js';
import { SCALAR_CALLBACK_ARGS } from '../src/ir/model.js';
import { REPO_ROOT } from './helpers.js';

function source(relative: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

/** The one capture of [pattern] in [text]; fails naming the file when it is missing. */
function capture(text: string, pattern: RegExp, where: string): string {
  const m = text.match(pattern);
  assert.ok(m, `${where}: ${pattern} not found`);
  return m[1];
}

describe('runtime pairing', () => {
  test('the runtime protocol is the same number in the generator and both runtimes', () => {
    const rust = capture(source('runtime/rust/core/src/lib.rs'), /pub const PROTOCOL: u32 = (\d+);/, 'runtime/rust/core/src/lib.rs');
    const kotlinFile = 'runtime/kotlin/src/commonMain/kotlin/dev/ferry/Bindings.kt';
    const kotlin = capture(source(kotlinFile), /const val FERRY_PROTOCOL: Int = (\d+)/, kotlinFile);
    assert.equal(Number(rust), RUNTIME_PROTOCOL, 'Rust runtime PROTOCOL vs the generator');
    assert.equal(Number(kotlin), RUNTIME_PROTOCOL, 'Kotlin runtime FERRY_PROTOCOL vs the generator');
  });

  test('the scalar callback arity is the same in the generator, the Rust core, the JNI face and the Kotlin runtime', () => {
    const core = capture(source('runtime/rust/core/src/callbacks.rs'), /pub const SCALAR_ARGS: usize = (\d+);/, 'core callbacks.rs');
    assert.equal(Number(core), SCALAR_CALLBACK_ARGS, 'core SCALAR_ARGS vs the generator');

    // The JNI descriptor: the target handle, the method index, then one long per argument.
    const descriptor = capture(source('runtime/rust/jni/src/callbacks.rs'), /"callScalar",\s*"\(JI(J*)\)J"/, 'jni callbacks.rs');
    assert.equal(descriptor.length, SCALAR_CALLBACK_ARGS, 'JNI callScalar descriptor vs the generator');

    // Both Kotlin `callScalar`s (the registry's static upcall and the dispatch object's
    // override) take the same arguments after `method`.
    const kotlin = source('runtime/kotlin/src/commonMain/kotlin/dev/ferry/Callbacks.kt');
    const signatures = [...kotlin.matchAll(/fun callScalar\([^)]*method: Int((?:, a\d+: Long)*)\)/g)];
    assert.equal(signatures.length, 2, 'two callScalar declarations in Callbacks.kt');
    for (const s of signatures) assert.equal(s[1].split(',').length - 1, SCALAR_CALLBACK_ARGS, `Kotlin ${s[0]} vs the generator`);
  });

  test('every upcall the JNI face resolves by name has a consumer keep rule, with the same parameters', () => {
    const rules = source('runtime/kotlin/src/jvmMain/resources/META-INF/proguard/ferry-runtime.pro');
    const jniDir = 'runtime/rust/jni/src';
    const upcalls: { cls: string; name: string; descriptor: string }[] = [];
    for (const file of fs.readdirSync(path.join(REPO_ROOT, jniDir)).filter((f) => f.endsWith('.rs'))) {
      const text = source(`${jniDir}/${file}`);
      // `Upcall::resolve(env, "dev/ferry/X", "name", "(..)R")`, or with the class in a local
      // `let class = "dev/ferry/X";` first.
      const local = /let class = "(dev\/ferry\/\w+)";/.exec(text)?.[1];
      for (const m of text.matchAll(/Upcall::resolve\([^,]+,\s*(?:"([\w/]+)"|class),\s*"(\w+)",\s*"([^"]+)"\)/g)) {
        const cls = m[1] ?? local;
        assert.ok(cls, `${file}: the class of upcall ${m[2]} is not a literal or a \`let class\``);
        upcalls.push({ cls, name: m[2], descriptor: m[3] });
      }
    }
    assert.ok(upcalls.length >= 9, `found only ${upcalls.length} upcalls`);
    const javaType: Record<string, string> = { J: 'long', I: 'int', Z: 'boolean', V: 'void', '[B': 'byte[]', '[J': 'long[]' };
    const types = (descriptor: string) => [...descriptor.matchAll(/\[?[JIZVB]|L[\w/]+;/g)].map((t) => javaType[t[0]] ?? t[0].slice(1, -1).replaceAll('/', '.'));
    for (const u of upcalls) {
      const params = types(u.descriptor.slice(1, u.descriptor.indexOf(')'))).join(', ');
      const ret = types(u.descriptor.slice(u.descriptor.indexOf(')') + 1))[0];
      const cls = u.cls.replaceAll('/', '.');
      const block = new RegExp(`-keep class ${cls.replaceAll('.', '\\.')} \\{([^}]*)\\}`).exec(rules)?.[1] ?? '';
      assert.ok(block.includes(`public static ${ret} ${u.name}(${params});`), `no keep rule for ${cls}.${u.name}(${params}): ${ret} in ferry-runtime.pro`);
    }
  });
});
