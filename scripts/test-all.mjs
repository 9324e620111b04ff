// `npm test`: every test of the repository, from a fresh clone.
//  1. generator tests (TypeScript: parser, checker, emitters, snapshots, bad input), and the
//     `ferry` command packed, installed into an empty project and run there; glue generated
//     before a signature changed fails the build with the instruction to regenerate
//     ... and examples/jvm-app from scratch: `ferry package --install` of its crate, then the
//     Maven app that depends only on the installed artifact runs its tests (scripts/jvm-app.mjs)
//  2. Rust runtime unit tests (the core, the JNI face, the facade and the macros), and the
//     loom models of the core's concurrency
//  3. Kotlin runtime unit tests (the common ones also on Kotlin/Native)
//  4. every fixtures/<name>/ crate with its Kotlin tests, once per Tokio flavour
//     (multi_thread, current_thread); the tests themselves cover the Kotlin dispatchers.
//     fixtures/objects runs once more with -Dferry.reclaimer=phantom: the Cleaner-less
//     fallback that Android before API 33 uses (see docs/objects.md); objects, streams and
//     faults once more under GC stress; functions, streams and frames against a ProGuard-shrunk jar
//  5. every fixture's common tests (tests/common) on Kotlin/Native, under both flavours
//  6. on Android's runtime (ART 11 on the host, CheckJNI, the app in its own PathClassLoader;
//     see docs/android.md): each fixture's common tests (tests/common) and the ART-only
//     checks; then the short soak
// Prints a closing "N passed, M failed" line and exits non-zero if anything failed.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, run, step } from './lib.mjs';
import { checkCliTarball } from './cli-tarball.mjs';
import { checkStaleGlue } from './stale-glue-check.mjs';
import { runJvmApp } from './jvm-app.mjs';
import { runFixture } from './run-fixture.mjs';
import { runArtFixture, runArtPlatformCheck } from './art-fixture.mjs';
import { runNativeFixture } from './native-fixture.mjs';
import { setup } from './setup.mjs';

const results = [];
function attempt(name, fn) {
  try {
    fn();
    results.push({ name, ok: true });
  } catch (e) {
    console.error(`\n!! ${name} failed: ${e.message}`);
    results.push({ name, ok: false, why: e.message });
  }
}

setup();
attempt('generator tests', () => { step('generator tests (cli/)'); run('npm', ['test', '-w', 'cli']); });
attempt('ferry CLI installed from its tarball', () => checkCliTarball());
attempt('stale glue fails the build', () => checkStaleGlue());
attempt('examples/jvm-app: ferry package --install, then a Maven app', () => runJvmApp());
attempt('rust runtime tests', () => { step('Rust runtime tests'); run('cargo', ['test', '-p', 'ferry-core', '-p', 'ferry-jni', '-p', 'ferry-cabi', '-p', 'ferry', '-p', 'ferry-macros']); });
// Loom model checks of the runtime's concurrency (handle table, cancellation token, call
// start/cancel, stream credit): the real code built with `--cfg ferry_loom` (see
// runtime/rust/core/src/sync.rs), in a target dir of its own so the cfg does not invalidate the
// normal build cache. The preemption bound keeps the models to seconds.
attempt('rust runtime loom models', () => {
  step('Rust runtime loom models');
  run('cargo', ['test', '-p', 'ferry-core', '--release', '--lib', 'loom_tests'], {
    env: { RUSTFLAGS: '--cfg ferry_loom', LOOM_MAX_PREEMPTIONS: '2', CARGO_TARGET_DIR: path.join(ROOT, 'target', 'loom') },
  });
});
attempt('kotlin runtime tests', () => { step('Kotlin runtime tests'); run('mvn', ['-B', '--no-transfer-progress', '-q', 'test'], { cwd: path.join(ROOT, 'runtime', 'kotlin') }); });
// The runtime's common tests (runtime/kotlin/src/commonTest) once more on Kotlin/Native linuxX64.
attempt('kotlin runtime tests (Kotlin/Native)', () => { step('Kotlin runtime tests on Kotlin/Native'); run('node', [path.join(ROOT, 'scripts', 'kotlin-native-runtime.mjs'), '--test']); });

const fixturesDir = path.join(ROOT, 'fixtures');
const only = process.env.FERRY_FIXTURES ? new Set(process.env.FERRY_FIXTURES.split(',')) : null;
const fixtures = fs.readdirSync(fixturesDir)
  .filter((d) => fs.existsSync(path.join(fixturesDir, d, 'Cargo.toml')) && (!only || only.has(d)))
  .sort();
// Objects, streams and faults once more on a small heap with a tiny young generation, so the GC
// (and with it the reclaimer) runs many times per test: a handle released too early, or an
// object the bridge forgot to keep reachable, shows up as a failure here.
const GC_STRESS = new Set(['objects', 'streams', 'faults']);
const GC_STRESS_ARGS = ['-Xmx96m', '-Xmn2m', '-XX:+UseSerialGC'];
const flavours = [
  { label: '', args: ['-Dferry.tokio.flavor=multi_thread'] },
  { label: 'current-thread', args: ['-Dferry.tokio.flavor=current_thread'] },
];
for (const fixture of fixtures) {
  for (const flavour of flavours) {
    const name = `fixture ${fixture}${flavour.label ? ` (${flavour.label})` : ''}`;
    attempt(name, () => runFixture(path.join(fixturesDir, fixture), { extraJvmArgs: flavour.args, label: flavour.label }));
  }
  if (fixture === 'objects') {
    attempt(`fixture ${fixture} (phantom reclaimer)`, () => runFixture(path.join(fixturesDir, fixture), {
      extraJvmArgs: ['-Dferry.tokio.flavor=multi_thread', '-Dferry.reclaimer=phantom'], label: 'phantom-reclaimer',
    }));
  }
  if (GC_STRESS.has(fixture)) {
    attempt(`fixture ${fixture} (GC stress)`, () => runFixture(path.join(fixturesDir, fixture), {
      extraJvmArgs: ['-Dferry.tokio.flavor=multi_thread', ...GC_STRESS_ARGS], label: 'gc-stress',
    }));
  }
}

// functions, streams and frames once more against a ProGuard-shrunk, obfuscated jar of the whole
// app configured only by the runtime jar's consumer rules (scripts/shrink.mjs,
// docs/android.md): proves a minified release build keeps what native code looks up.
const SHRUNK = ['functions', 'streams', 'frames'].filter((f) => fixtures.includes(f));
if (SHRUNK.length > 0) {
  attempt(`fixtures ${SHRUNK.join(', ')} (shrunk by ProGuard)`, () => {
    const failures = [];
    for (const fixture of SHRUNK) {
      try {
        runFixture(path.join(fixturesDir, fixture), { extraJvmArgs: ['-Dferry.tokio.flavor=multi_thread'], label: 'shrink', shrink: true });
      } catch (e) {
        failures.push(e.message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  });
}

// Every fixture with common tests on Kotlin/Native (linuxX64): one test binary per fixture,
// run under both Tokio flavours (docs/kotlin-native.md).
const withCommonTests = fixtures.filter((f) => fs.existsSync(path.join(fixturesDir, f, 'tests', 'common')));
for (const fixture of withCommonTests) {
  attempt(`fixture ${fixture} on Kotlin/Native`, () => runNativeFixture(path.join(fixturesDir, fixture), { flavours: ['multi_thread', 'current_thread'] }));
}

// Android's runtime: every fixture with common tests, `npm run fixture -- fixtures/<name> --art`,
// then the ART-only checks (`npm run art-check`: a UI thread, thread names, the reclaimer).
for (const fixture of withCommonTests) {
  attempt(`fixture ${fixture} on ART (CheckJNI)`, () => runArtFixture(path.join(fixturesDir, fixture)));
}
// The same on ART against a ProGuard-shrunk, obfuscated build (the runtime's consumer rules
// only): what a release APK ships, for calls, streams, callbacks and frame rings.
const SHRUNK_ON_ART = ['functions', 'streams', 'callbacks', 'frames'].filter((f) => withCommonTests.includes(f));
if (SHRUNK_ON_ART.length > 0) {
  attempt(`fixtures ${SHRUNK_ON_ART.join(', ')} on ART, shrunk by ProGuard`, () => {
    const failures = [];
    for (const fixture of SHRUNK_ON_ART) {
      try {
        runArtFixture(path.join(fixturesDir, fixture), { shrink: true });
      } catch (e) {
        failures.push(e.message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  });
}
attempt('ART-only checks', () => runArtPlatformCheck());

// The short soak (`npm run soak`): randomized work under both flavours, two libraries in
// one JVM, System.exit with work in flight.
attempt('soak (short)', () => { step('soak (npm run soak)'); run('node', [path.join(ROOT, 'scripts', 'soak.mjs')]); });

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log('\n==> summary');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}`);
// The reasons again at the very end: a CI log is often read from its tail only.
for (const r of results.filter((x) => !x.ok)) console.log(`\n!! ${r.name}: ${r.why}`);
console.log(`\nsuites: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
