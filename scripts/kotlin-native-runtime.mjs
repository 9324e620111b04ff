// The Kotlin runtime (runtime/kotlin, package dev.ferry) for Kotlin/Native linuxX64.
//
// runtime/kotlin/src/commonMain holds the sources the JVM and Kotlin/Native share,
// src/nativeMain the Kotlin/Native side of the platform declarations they use (src/jvmMain is
// the JVM's; Maven builds that one). `buildNativeRuntimeKlib()` compiles commonMain +
// nativeMain with `kotlinc-native -p library` against kotlinx-coroutines and atomicfu into
// build/kotlin-native/ferry-runtime.klib, only when a source or the toolchain changed.
// `node scripts/kotlin-native-runtime.mjs --test` also compiles src/commonTest into a test binary
// (`-tr`) against that klib and runs it, closing with "N passed, M failed".

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, run, step } from './lib.mjs';
import { ensureKotlinNative, runTestBinary } from './kotlin-native.mjs';

const SOURCES = path.join(ROOT, 'runtime', 'kotlin', 'src');
const BUILD = path.join(ROOT, 'build', 'kotlin-native');

/** The .kt files under runtime/kotlin/src/<set>/kotlin, sorted. */
function kotlinSources(...sets) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.kt')) found.push(p);
    }
  };
  for (const set of sets) walk(path.join(SOURCES, set, 'kotlin'));
  return found.sort();
}

function mtime(file) {
  try { return fs.statSync(file).mtimeMs; } catch { return 0; }
}

/**
 * Writes `content` to `file` unless it already holds it, so the file's mtime marks the last
 * change: of the toolchain, or of the list of sources (a deleted source leaves no newer file).
 */
function stamp(file, content) {
  let old = null;
  try { old = fs.readFileSync(file, 'utf8'); } catch { /* first build */ }
  if (old !== content) fs.writeFileSync(file, content);
  return file;
}

/** Runs `build` when `output` is missing or older than one of `inputs`. */
function buildIfOutdated(output, inputs, build) {
  const built = mtime(output);
  if (built === 0 || inputs.some((i) => mtime(i) > built)) build();
}

/**
 * Compiles the runtime for linuxX64 if needed; returns the path of
 * build/kotlin-native/ferry-runtime.klib. Link it (`-l`) into a program together with
 * `ensureKotlinNative().klibArgs`.
 */
export function buildNativeRuntimeKlib() {
  const kn = ensureKotlinNative();
  fs.mkdirSync(BUILD, { recursive: true });
  const sources = kotlinSources('commonMain', 'nativeMain');
  const inputs = stamp(path.join(BUILD, 'runtime-inputs.txt'), [kn.home, ...kn.klibs, ...sources].join('\n') + '\n');
  const klib = path.join(BUILD, 'ferry-runtime.klib');
  buildIfOutdated(klib, [...sources, inputs], () => {
    step('kotlinc-native -p library (the dev.ferry runtime for Kotlin/Native)');
    run(kn.kotlincNative, ['-p', 'library', '-module-name', 'ferry-runtime', ...kn.klibArgs, ...sources,
      '-o', klib.replace(/\.klib$/, '')], { env: kn.env });
  });
  return klib;
}

/**
 * Builds the runtime and its common tests (src/commonTest, a `-tr` test binary that sees the
 * runtime's internals as a friend module), runs them and returns `{ passed, failed }`.
 */
export function runNativeRuntimeTests() {
  const klib = buildNativeRuntimeKlib();
  const kn = ensureKotlinNative();
  const sources = kotlinSources('commonTest');
  const inputs = stamp(path.join(BUILD, 'runtime-test-inputs.txt'), [...sources].join('\n') + '\n');
  const testBinary = path.join(BUILD, 'ferry-runtime-test.kexe');
  buildIfOutdated(testBinary, [...sources, inputs, klib], () => {
    step('kotlinc-native -tr (the runtime\'s common tests)');
    run(kn.kotlincNative, ['-tr', '-l', klib, '-friend-modules', klib, ...kn.klibArgs, ...sources,
      '-o', testBinary.replace(/\.kexe$/, '')], { env: kn.env });
  });

  step('running the runtime\'s common tests on Kotlin/Native');
  return runTestBinary(testBinary);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--test')) {
    console.error('usage: node scripts/kotlin-native-runtime.mjs [--test]');
    process.exit(2);
  }
  if (!args.includes('--test')) {
    console.log(buildNativeRuntimeKlib());
    process.exit(0);
  }
  let result;
  try {
    result = runNativeRuntimeTests();
  } catch (e) {
    console.error(`\n!! ${e.message}`);
    result = { passed: 0, failed: 1 };
  }
  console.log(`\nkotlin-native runtime tests: ${result.passed} passed, ${result.failed} failed`);
  process.exit(result.failed === 0 && result.passed > 0 ? 0 : 1);
}
