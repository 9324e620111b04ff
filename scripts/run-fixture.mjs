// `npm run fixture -- fixtures/<name>`: generates the fixture's bindings, builds its
// native library, compiles its Kotlin tests against them and runs them with -Xcheck:jni.
// Exits non-zero if a test fails, none ran, or the JVM reported a JNI misuse.
// With `--native`, the fixture's common tests run on Kotlin/Native instead (scripts/native-fixture.mjs).
// With `--shrink`, the tests run against a ProGuard-shrunk and obfuscated jar of the whole
// app instead, configured only by the runtime jar's consumer rules (see scripts/shrink.mjs).
// With `--art`, the fixture's tests/common/*.kt run on Android's runtime, ART 11 with CheckJNI,
// instead (see scripts/art-fixture.mjs and docs/android.md); `--art --shrink` runs them against
// a ProGuard-shrunk build of the app, as a release APK would ship it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkMavenTests, prepareFixture, ROOT, run, step } from './lib.mjs';
import { setup } from './setup.mjs';
import { runShrunkFixture } from './shrink.mjs';
import { runArtFixture } from './art-fixture.mjs';

export function runFixture(fixtureArg, { extraJvmArgs = [], label = '', shrink = false } = {}) {
  const fixtureDir = path.resolve(fixtureArg);
  const name = path.basename(fixtureDir) + (label ? `-${label}` : '');
  if (!fs.existsSync(path.join(fixtureDir, 'Cargo.toml'))) throw new Error(`${fixtureArg}: no Cargo.toml (a fixture is a crate folder)`);
  const testsDir = path.join(fixtureDir, 'tests');
  if (!fs.existsSync(testsDir)) throw new Error(`${fixtureArg}: no tests/ folder with Kotlin tests`);
  const buildDir = path.join(ROOT, 'build', 'fixtures', name);
  const { kotlinOut, libPath, libName } = prepareFixture(fixtureDir, buildDir, name);

  if (shrink) {
    return runShrunkFixture({ name, buildDir, kotlinOut, testsDir, jvmArgs: [`-Dferry.lib.${libName}=${libPath}`, ...extraJvmArgs] });
  }

  step(`${name}: Kotlin tests (-Xcheck:jni)`);
  const jvmArgs = [`-Dferry.lib.${libName}=${libPath}`, ...extraJvmArgs].join(' ');
  const r = run('mvn', ['-B', '--no-transfer-progress', '-f', path.join(ROOT, 'scripts', 'fixture-pom.xml'), 'test',
    `-Dferry.generated=${kotlinOut}`, `-Dferry.tests=${testsDir}`, `-Dferry.buildDir=${path.join(buildDir, 'maven')}`, `-Dferry.jvmArgs=${jvmArgs}`,
  ], { capture: true, allowFail: true });
  const total = checkMavenTests(name, r, path.join(buildDir, 'maven', 'surefire-reports'));
  process.stdout.write(`\n${name}: ${total} tests passed\n`);
  return total;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const shrink = args.includes('--shrink');
  const art = args.includes('--art');
  const native = args.includes('--native');
  const fixture = args.find((a) => !a.startsWith('--'));
  // --art --shrink: the common tests on ART against a ProGuard-shrunk build.
  const modes = [shrink && !art, art, native].filter(Boolean).length;
  if (!fixture || args.some((a) => a.startsWith('--') && !['--shrink', '--art', '--native'].includes(a)) || modes > 1) {
    console.error('usage: npm run fixture -- fixtures/<name> [--shrink | --art [--shrink] | --native]');
    process.exit(2);
  }
  try {
    setup({ quiet: true });
    if (art) runArtFixture(fixture, { shrink });
    else if (native) (await import('./native-fixture.mjs')).runNativeFixture(fixture);
    else runFixture(fixture, shrink ? { label: 'shrink', shrink } : {});
  } catch (e) {
    console.error(`\nfixture failed: ${e.message}`);
    process.exit(1);
  }
}
