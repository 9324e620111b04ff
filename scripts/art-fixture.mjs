// `npm run fixture -- fixtures/<name> --art`: a fixture's common tests (tests/common/*.kt), and
// its tests of the JVM API Android shares (tests/android/*.kt), on Android's runtime, ART 11
// on the host (scripts/art.mjs sets it up; see docs/android.md).
//
// The tests are compiled for the JVM with the fixture's generated bindings, the dev.ferry
// runtime, kotlin-stdlib, kotlinx-coroutines and kotlin-test (scripts/art/app-pom.xml), dexed
// by d8 and run under -Xcheck:jni by the runner in scripts/art/runner/, loaded by their own
// PathClassLoader as an app's classes are; the fixture's library is loaded by
// System.loadLibrary from that loader's library directory, as on a device. The run fails if a
// test or one of the runner's own ART checks fails, no test ran, ART or CheckJNI reported an
// error, or the VM did not finish in time.
//
// `node scripts/art-fixture.mjs` alone (`npm run art-check`) runs the ART-only checks of
// scripts/art/checks/platform: the things common tests cannot see (a UI thread, thread names,
// the reclaimer after GC), on a crate of their own.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEPENDENCY_PLUGIN, dexJars, ensureArt, runOnArt } from './art.mjs';
import { prepareFixture, ROOT, run, step } from './lib.mjs';
import { setup } from './setup.mjs';
import { JUNIT_ENTRY_POINTS, shrinkApp } from './shrink.mjs';

const HERE = path.join(ROOT, 'scripts', 'art');
const RUNNER_SOURCES = path.join(HERE, 'runner');
const RUNNER_MAIN = 'dev.ferry.arttest.ArtTestRunnerKt';
const RUNNER_PACKAGE_DIR = path.join('dev', 'ferry', 'arttest');
export const PLATFORM_CHECK = path.join(HERE, 'checks', 'platform');
// The interpreter is slow; a test that takes this long is taken to hang (it fails with its stack).
const TEST_DEADLINE_MS = 120_000;
// A VM that hangs as a whole (a deadlock in the runtime, an abort that does not exit) is killed.
const RUN_TIMEOUT_MS = 20 * 60 * 1000;
// The runner is an entry point of its own (main), and one of its ART checks reads which
// reclaimer the runtime chose by reflection: those names are the test harness's, not rules
// an app would need.
const ART_RUNNER_ENTRY_POINTS = `# Written by scripts/art-fixture.mjs: the ART test runner.
-keep class ${RUNNER_MAIN} { public static void main(java.lang.String[]); }
-keep class dev.ferry.Reclaimers { public static final dev.ferry.Reclaimers INSTANCE; public *** getDEFAULT(); }
-keepnames class dev.ferry.CleanerReclaimer, dev.ferry.PhantomReclaimer
-dontwarn org.junit.**
`;

const kotlinFiles = (dir) => fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.kt')) : [];

/** The class files under `dir` as binary class names, the runner's own left out. */
function classNames(dir) {
  const names = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.class')) {
        const rel = path.relative(dir, p);
        if (!rel.startsWith(RUNNER_PACKAGE_DIR + path.sep)) names.push(rel.slice(0, -'.class'.length).split(path.sep).join('.'));
      }
    }
  };
  walk(dir);
  return names.sort();
}

/**
 * Runs a fixture's tests on ART; `testsDir` defaults to `<fixture>/tests/common`. Returns the
 * counts; throws when the run failed.
 */
export function runArtFixture(fixtureArg, { testsDir, vmOptions = [], label = '', shrink = false } = {}) {
  const fixtureDir = path.resolve(fixtureArg);
  const name = path.basename(fixtureDir) + (label ? `-${label}` : shrink ? '-shrunk' : '');
  if (!fs.existsSync(path.join(fixtureDir, 'Cargo.toml'))) throw new Error(`${fixtureArg}: no Cargo.toml (a fixture is a crate folder)`);
  const tests = testsDir ?? path.join(fixtureDir, 'tests', 'common');
  if (kotlinFiles(tests).length === 0) throw new Error(`${fixtureArg}: no ${path.relative(fixtureDir, tests)}/*.kt to run on ART`);
  // tests/android: tests of the JVM-only API (java.nio buffers) that Android apps use too;
  // they run on the JVM with the fixture's other tests and here with its common ones.
  const androidTests = path.join(fixtureDir, 'tests', 'android');
  const t0 = Date.now();
  setup({ quiet: true });
  const art = ensureArt();

  const buildDir = path.join(ROOT, 'build', 'art', name);
  const { kotlinOut, libPath, libName } = prepareFixture(fixtureDir, buildDir, name);
  // The app's library directory: System.loadLibrary("<crate>") finds lib<crate>.so here.
  const appLibDir = path.join(buildDir, 'lib');
  fs.rmSync(appLibDir, { recursive: true, force: true });
  fs.mkdirSync(appLibDir, { recursive: true });
  fs.copyFileSync(libPath, path.join(appLibDir, `lib${libName}.so`));

  step(`${name}: Kotlin (bindings, tests, ART runner) to JVM bytecode`);
  const mavenDir = path.join(buildDir, 'maven');
  const depsDir = path.join(buildDir, 'deps');
  fs.rmSync(mavenDir, { recursive: true, force: true });
  fs.rmSync(depsDir, { recursive: true, force: true });
  const noAndroidTests = path.join(buildDir, 'no-android-tests');
  fs.mkdirSync(noAndroidTests, { recursive: true });
  const androidSources = !testsDir && fs.existsSync(androidTests) ? androidTests : noAndroidTests;
  run('mvn', ['-B', '-q', '--no-transfer-progress', '-f', path.join(HERE, 'app-pom.xml'), 'test-compile', `${DEPENDENCY_PLUGIN}:copy-dependencies`,
    `-Dferry.generated=${kotlinOut}`, `-Dferry.tests=${tests}`, `-Dferry.androidTests=${androidSources}`, `-Dferry.runner=${RUNNER_SOURCES}`, `-Dferry.buildDir=${mavenDir}`,
    '-DincludeScope=test', `-DoutputDirectory=${depsDir}`], { capture: true });
  // Two jars: each output folder has its own META-INF/*.kotlin_module of the same name.
  const appJars = ['classes', 'test-classes'].map((dir) => {
    const jar = path.join(buildDir, `${dir}.jar`);
    fs.rmSync(jar, { force: true });
    run('jar', ['cf', jar, '-C', path.join(mavenDir, dir), '.']);
    return jar;
  });
  const classList = path.join(buildDir, 'test-classes.txt');
  fs.writeFileSync(classList, classNames(path.join(mavenDir, 'test-classes')).join('\n') + '\n');
  const jars = fs.readdirSync(depsDir).filter((f) => f.endsWith('.jar')).sort().map((f) => path.join(depsDir, f));
  // The ferry runtime changes with the repository; the other libraries (kotlin-stdlib,
  // kotlinx-coroutines, kotlin-test, JUnit's annotations) rarely: those are dexed once for
  // all fixtures and reused while they stay the same.
  const runtimeJars = jars.filter((j) => path.basename(j).startsWith('ferry-runtime-'));
  const libraryJars = jars.filter((j) => !runtimeJars.includes(j));

  let librariesDex;
  let appDex;
  if (shrink) {
    // As a release build ships: the whole app (bindings, tests, runner, the dev.ferry runtime,
    // kotlin-stdlib, kotlinx-coroutines, kotlin-test) shrunk, optimised and obfuscated by
    // ProGuard under the runtime jar's consumer rules; JUnit's annotations stay a library.
    const junitJars = libraryJars.filter((j) => /^(junit|hamcrest)/.test(path.basename(j)));
    step(`${name}: ProGuard (shrink, optimise, obfuscate)`);
    const shrunkJar = shrinkApp({
      name, shrinkDir: path.join(buildDir, 'shrink'), runtimeJar: runtimeJars[0],
      inputs: [path.join(mavenDir, 'classes'), path.join(mavenDir, 'test-classes'), ...runtimeJars, ...libraryJars.filter((j) => !junitJars.includes(j))],
      libraryJars: junitJars,
      entryRules: `${JUNIT_ENTRY_POINTS}\n${ART_RUNNER_ENTRY_POINTS}`,
    });
    // Only the test classes keep their names; the runner looks for those.
    const kept = new Set(run('jar', ['tf', shrunkJar], { capture: true }).stdout.split('\n')
      .filter((l) => l.endsWith('.class')).map((l) => l.slice(0, -'.class'.length).split('/').join('.')));
    fs.writeFileSync(classList, fs.readFileSync(classList, 'utf8').split('\n').filter((c) => kept.has(c)).join('\n') + '\n');
    step(`${name}: d8`);
    librariesDex = dexJars(art, junitJars, path.join(ROOT, 'build', 'art', 'junit.dex.jar'));
    appDex = dexJars(art, [shrunkJar], path.join(buildDir, 'app.dex.jar'), { classpath: junitJars });
  } else {
    step(`${name}: d8`);
    librariesDex = dexJars(art, libraryJars, path.join(ROOT, 'build', 'art', 'test-libraries.dex.jar'));
    appDex = dexJars(art, [...appJars, ...runtimeJars], path.join(buildDir, 'app.dex.jar'), { classpath: libraryJars });
  }
  const buildSeconds = (Date.now() - t0) / 1000;

  step(`${name}: ${path.relative(fixtureDir, tests)} on ART 11 (-Xcheck:jni, interpreter)`);
  const { output, problems, seconds } = runOnArt(art, {
    appDex: [appDex, librariesDex], appLibDir, mainClass: RUNNER_MAIN, args: [classList, String(TEST_DEADLINE_MS)],
    vmOptions, cwd: buildDir, timeoutMs: RUN_TIMEOUT_MS,
  });
  process.stdout.write(`\n(build ${buildSeconds.toFixed(1)} s, ART run ${seconds.toFixed(1)} s)\n`);
  const summary = [...output.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
  if (!summary) problems.push('no closing "N passed, M failed" line');
  else if (Number(summary[2]) > 0) problems.push(`${summary[2]} failed`);
  if (/^no test ran/m.test(output)) problems.push('no test ran');
  if (problems.length) throw new Error(`${name} on ART: ${problems.join('; ')}`);
  process.stdout.write(`\n${name} on ART: ${summary[1]} passed, 0 failed\n`);
  return { passed: Number(summary[1]), failed: 0, seconds: buildSeconds + seconds };
}

/** The ART-only checks: scripts/art/checks/platform, its tests in tests/ (JVM APIs allowed). */
export function runArtPlatformCheck({ vmOptions = [] } = {}) {
  // The crate is a workspace of its own; built into the repository's target directory, it
  // reuses the dependencies the fixtures already compiled.
  const targetDir = process.env.CARGO_TARGET_DIR;
  process.env.CARGO_TARGET_DIR = targetDir ?? path.join(ROOT, 'target');
  try {
    // A long spin makes a spinning caller visible: a UI thread that spun would stall its loop.
    return runArtFixture(PLATFORM_CHECK, { testsDir: path.join(PLATFORM_CHECK, 'tests'), vmOptions: ['-Dferry.spinMicros=200000', ...vmOptions] });
  } finally {
    if (targetDir === undefined) delete process.env.CARGO_TARGET_DIR;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Anything after `--` is passed to the VM as is (e.g. -Dferry.tokio.flavor=current_thread).
  const args = process.argv.slice(2);
  const dashes = args.indexOf('--');
  const ours = dashes < 0 ? args : args.slice(0, dashes);
  const vmOptions = dashes < 0 ? [] : args.slice(dashes + 1);
  if (ours.length > 1 || ours.some((a) => a.startsWith('-'))) {
    console.error('usage: node scripts/art-fixture.mjs [fixtures/<name>] [-- <VM options>]   (no fixture: the ART-only checks)');
    process.exit(2);
  }
  try {
    if (ours.length === 0) runArtPlatformCheck({ vmOptions });
    else runArtFixture(ours[0], { vmOptions });
  } catch (e) {
    console.error(`\nART run failed: ${e.message}`);
    process.exit(1);
  }
}
