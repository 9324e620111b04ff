// `npm run fixture -- fixtures/<name> --native`: runs the fixture's common tests
// (`tests/common/*.kt`) on Kotlin/Native (linuxX64) against the crate's C face.
//
// The steps: ferry generate (the common Kotlin, plus the native layer: FerryNative over
// cinterop, the C header and the .def), cargo build (the crate's cdylib exports both faces),
// cinterop over the header, then one `kotlinc-native -tr` test binary from the generated
// common Kotlin, the native FerryNative and the tests, linked against the cdylib and the
// dev.ferry runtime klib. The binary runs with Tokio's flavour from FERRY_TOKIO_FLAVOR; it
// prints `N passed, N failed` and fails if a test failed, crashed, hung, or none ran.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareFixture, ROOT, run, step } from './lib.mjs';
import { ensureKotlinNative, runTestBinary } from './kotlin-native.mjs';
import { buildNativeRuntimeKlib } from './kotlin-native-runtime.mjs';

export function kotlinFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.kt')).sort().map((f) => path.join(dir, f));
}

/**
 * Compiles a Kotlin/Native program against a crate whose bindings `prepareFixture` (with
 * `native`) generated: cinterop over the crate's header, then the generated common Kotlin,
 * the native FerryNative, the runtime klib and `sources` into one binary linked against the
 * crate's cdylib. With `tests`, a `-tr` test runner; otherwise `entry` is the main function.
 * Returns the path of the executable.
 */
export function buildNativeProgram({ name, buildDir, kotlinOut, nativeOut, libPath, libName, sources, tests = false, entry = null, release = false }) {
  const kn = ensureKotlinNative();
  const runtimeKlib = buildNativeRuntimeKlib();
  step(`${name}: cinterop (the crate's C header)`);
  const def = fs.readdirSync(nativeOut).find((f) => f.endsWith('.def'));
  const interop = path.join(buildDir, 'interop.klib');
  run(kn.cinterop, ['-def', path.join(nativeOut, def), '-compiler-option', `-I${nativeOut}`, '-o', interop], { env: kn.env, capture: true });

  // The generated Kotlin is common except the JVM's FerryNative, replaced by the native one.
  const nativeLayer = kotlinFiles(nativeOut);
  const replaced = new Set(nativeLayer.map((f) => path.relative(nativeOut, f)));
  const common = kotlinFiles(kotlinOut).filter((f) => !replaced.has(path.relative(kotlinOut, f)));
  const binary = path.join(buildDir, tests ? 'tests.kexe' : 'program.kexe');
  const libDir = path.dirname(libPath);
  step(`${name}: kotlinc-native ${tests ? '-tr ' : ''}(${sources.length} source files)`);
  run(kn.kotlincNative, [...(tests ? ['-tr'] : ['-p', 'program', '-e', entry]), ...(release ? ['-opt'] : []),
    '-opt-in=kotlinx.cinterop.ExperimentalForeignApi', '-nowarn',
    '-l', interop, '-l', runtimeKlib, ...kn.klibArgs,
    '-linker-option', `-L${libDir}`, '-linker-option', `-l${libName}`, '-linker-option', `-rpath=${libDir}`,
    ...common, ...nativeLayer, ...sources, '-o', binary.replace(/\.kexe$/, '')], { env: kn.env });
  return binary;
}

/**
 * Runs one fixture's common tests on Kotlin/Native, once per entry of `flavours` (the same
 * binary, with the Tokio flavour from the environment); returns the totals.
 */
export function runNativeFixture(fixtureArg, { flavours = [null] } = {}) {
  const fixtureDir = path.resolve(fixtureArg);
  const name = `${path.basename(fixtureDir)}-native`;
  const tests = kotlinFiles(path.join(fixtureDir, 'tests', 'common'));
  if (tests.length === 0) throw new Error(`${fixtureArg}: no tests/common/*.kt (the tests that run on every target)`);
  const buildDir = path.join(ROOT, 'build', 'fixtures', path.basename(fixtureDir) + '-native');
  const { kotlinOut, nativeOut, libPath, libName } = prepareFixture(fixtureDir, buildDir, name, { native: true });

  const binary = buildNativeProgram({ name, buildDir, kotlinOut, nativeOut, libPath, libName, sources: tests, tests: true });

  const total = { passed: 0, failed: 0 };
  for (const flavour of flavours) {
    const result = runBinary(binary, `${name}${flavour ? ` (${flavour})` : ''}`, flavour ? { FERRY_TOKIO_FLAVOR: flavour } : {});
    total.passed += result.passed;
    total.failed += result.failed;
  }
  return total;
}

function runBinary(binary, name, env) {
  step(`${name}: running the tests`);
  const result = runTestBinary(binary, { env });
  console.log(`\n${name}: ${result.passed} passed, ${result.failed} failed`);
  if (result.failed > 0) throw new Error(`${name}: ${result.failed} failed`);
  if (result.passed === 0) throw new Error(`${name}: no test ran`);
  return result;
}
