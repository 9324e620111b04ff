// The `--shrink` variant of a fixture run (`npm run fixture -- fixtures/<name> --shrink`):
// proves that the consumer keep rules shipped in the runtime jar
// (runtime/kotlin/src/jvmMain/resources/META-INF/proguard/ferry-runtime.pro) are all a
// minified release build needs.
//
// The fixture's bindings and tests are compiled as usual, then ProGuard shrinks, optimises
// and obfuscates the whole app (bindings + tests + dev.ferry runtime + kotlin-stdlib +
// kotlinx-coroutines + kotlin-test) into one jar, configured only with
//   - the consumer rules read from the runtime jar, as R8 or ProGuard in a real build would;
//   - rules keeping the JUnit test classes, the app's own entry points;
//   - the platform (JDK modules, JUnit) as library jars, which are never renamed.
// The fixture's JUnit tests then run against that jar with -Xcheck:jni. Anything native
// code or reflection needs and the rules do not keep gets renamed or removed, and the
// tests fail (UnsatisfiedLinkError, a failed JNI_OnLoad, NoSuchMethodError, ...).
//
// ProGuard and the JUnit console launcher come from Maven Central through Maven (cached in
// ~/.m2), like every other Java dependency of the repository.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, run, step } from './lib.mjs';

const PROGUARD_VERSION = '7.7.0';
const JUNIT_PLATFORM_VERSION = '1.11.4'; // the platform release of JUnit Jupiter 5.11.4 (scripts/fixture-pom.xml)
const JNI_WARNING = /WARNING in native method|FATAL ERROR in native method/;
// A backstop: every test has its own deadline, so a run this long means the JVM hung.
const TEST_RUN_TIMEOUT_MS = 8 * 60 * 1000;

// Jars that stay outside the app: the test runner itself. They are on the test classpath
// unshrunk (inside the console launcher), so ProGuard sees them as library jars.
const TEST_RUNNER_JAR = /[\\/]org[\\/](junit|opentest4j|apiguardian)[\\/]/;

/**
 * Resolves ProGuard and the JUnit console launcher (with their dependencies) through Maven
 * and returns their class paths. The small pom written here lives in build/, like any
 * other build output.
 */
function tools() {
  const dir = path.join(ROOT, 'build', 'shrink-tools');
  const pom = path.join(dir, 'pom.xml');
  const classpathFile = (id) => path.join(dir, `${id}.classpath`);
  const pomText = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/shrink.mjs to resolve its tools from Maven Central. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.ferry.build</groupId>
  <artifactId>shrink-tools</artifactId>
  <version>0.1.0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>com.guardsquare</groupId><artifactId>proguard-base</artifactId><version>${PROGUARD_VERSION}</version></dependency>
    <dependency><groupId>org.junit.platform</groupId><artifactId>junit-platform-console-standalone</artifactId><version>${JUNIT_PLATFORM_VERSION}</version></dependency>
  </dependencies>
</project>
`;
  const upToDate = fs.existsSync(pom) && fs.readFileSync(pom, 'utf8') === pomText && fs.existsSync(classpathFile('all'))
    && fs.readFileSync(classpathFile('all'), 'utf8').trim().split(path.delimiter).every((jar) => fs.existsSync(jar));
  if (!upToDate) {
    step(`resolving ProGuard ${PROGUARD_VERSION} and the JUnit console launcher (Maven)`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(pom, pomText);
    run('mvn', ['-B', '-q', '--no-transfer-progress', '-f', pom, 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath',
      `-Dmdep.outputFile=${classpathFile('all')}`]);
  }
  const jars = fs.readFileSync(classpathFile('all'), 'utf8').trim().split(path.delimiter);
  const console_ = jars.find((j) => path.basename(j).startsWith('junit-platform-console-standalone-'));
  if (!console_) throw new Error('the JUnit console launcher was not resolved');
  return { proguardClasspath: jars.filter((j) => j !== console_).join(path.delimiter), consoleLauncher: console_ };
}

/** Extracts `META-INF/proguard/*.pro` from a jar, as R8 and ProGuard do for a library dependency. */
function consumerRules(jar, outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const listing = run('jar', ['tf', jar], { capture: true }).stdout.split('\n').map((l) => l.trim());
  const entries = listing.filter((e) => /^META-INF\/proguard\/[^/]+\.pro$/.test(e));
  if (entries.length > 0) run('jar', ['xf', jar, ...entries], { cwd: outDir, capture: true });
  return entries.map((e) => path.join(outDir, e));
}

/** A ProGuard class-path entry with a filter; ProGuard wants quotes around paths with spaces. */
function entry(file, filter) {
  const quoted = /[\s()]/.test(file) ? `"${file}"` : file;
  return filter ? `${quoted}(${filter})` : quoted;
}

// The app's own rules when tests are the app: JUnit finds the test classes and their
// annotated methods by reflection, so they are the entry points (as an Android app keeps its
// Activities). Everything they reach is what the shrinker keeps; no other class is named.
export const JUNIT_ENTRY_POINTS = `# Written by scripts/shrink.mjs: the app's own entry points, the JUnit test classes.
# JUnit reads @Test, @AfterEach, @ParameterizedTest, @ValueSource, ... at run time.
-keepattributes RuntimeVisible*Annotations,AnnotationDefault
# Test classes by name, with every JUnit-annotated method...
-keepclasseswithmembers class * {
    @org.junit.** <methods>;
}
# ...and the constructor JUnit instantiates them with.
-if class * {
    @org.junit.** <methods>;
}
-keep class <1> {
    <init>();
}
# Readable stack traces when a test fails (names stay obfuscated: see mapping.txt).
-keepattributes SourceFile,LineNumberTable

# Warnings that do not concern the app. JUnit's Kotlin helpers (AssertionsKt and its
# lambdas) are compiled against kotlin-stdlib, which this app contains and renames; the
# tests do not call them (a test that did would fail here, loudly).
-dontwarn org.junit.jupiter.api.AssertionsKt*
# Annotations kotlinx-coroutines carries for its own build tooling and for Android lint;
# no code loads them at run time.
-dontwarn org.codehaus.mojo.animal_sniffer.IgnoreJRERequirement
-dontwarn android.annotation.SuppressLint
`;

/**
 * Shrinks, optimises and obfuscates `inputs` (class folders and jars) into one jar with
 * ProGuard, configured only by the runtime jar's consumer rules and the app's own
 * `entryRules`, against the JDK's modules and `libraryJars` (never renamed). Returns the
 * shrunk jar; ProGuard's log, mapping and removed members stay in `shrinkDir`.
 */
export function shrinkApp({ name, shrinkDir, runtimeJar, inputs, libraryJars, entryRules }) {
  const { proguardClasspath } = tools();
  fs.mkdirSync(shrinkDir, { recursive: true });
  const shippedRules = consumerRules(runtimeJar, path.join(shrinkDir, 'consumer-rules'));
  process.stdout.write(`consumer rules read from ${path.basename(runtimeJar)}: ${shippedRules.length ? shippedRules.map((r) => path.basename(r)).join(', ') : 'none'}\n`);
  const entryPoints = path.join(shrinkDir, 'entry-points.pro');
  fs.writeFileSync(entryPoints, entryRules);
  // The JDK of the `java` that runs the tests (its settings go to stderr).
  const settings = run('java', ['-XshowSettings:properties', '-version'], { capture: true }).stderr;
  const javaHome = settings.match(/^\s*java\.home = (.+)$/m)?.[1]?.trim();
  if (!javaHome) throw new Error('cannot tell where the JDK is (java -XshowSettings:properties printed no java.home)');
  const jmods = path.join(javaHome, 'jmods');
  if (!fs.existsSync(path.join(jmods, 'java.base.jmod'))) throw new Error(`${jmods}: no java.base.jmod (ProGuard needs the JDK's jmods as library jars)`);
  const shrunkJar = path.join(shrinkDir, 'app-shrunk.jar');
  // The app becomes one plain jar: no multi-release or module descriptors, and no copies of
  // the files every input carries (manifests, Kotlin module maps, the libraries' rules).
  const inputFilter = '!META-INF/versions/**,!module-info.class,!META-INF/MANIFEST.MF,!META-INF/*.kotlin_module,!META-INF/proguard/**,!META-INF/com.android.tools/**';
  const config = [
    '# Written by scripts/shrink.mjs.',
    ...inputs.map((j) => `-injars ${entry(j, inputFilter)}`),
    `-outjars ${entry(shrunkJar)}`,
    // The platform: JDK modules the app's jars reference, and the test runner.
    ...['java.base', 'java.management', 'java.instrument', 'jdk.unsupported']
      .map((m) => `-libraryjars ${entry(path.join(jmods, `${m}.jmod`), '!**.jar,!module-info.class')}`),
    ...libraryJars.map((j) => `-libraryjars ${entry(j, '!module-info.class,!META-INF/versions/**')}`),
    `-printmapping ${entry(path.join(shrinkDir, 'mapping.txt'))}`,
    `-printusage ${entry(path.join(shrinkDir, 'removed.txt'))}`,
    '-dontnote',
    // Shrinking, optimisation and obfuscation all on, as in a release build, except one
    // optimisation: ProGuard's parameter-type specialisation miscompiles kotlinx-coroutines
    // (JobKt.invokeOnCompletion passes a Function1 where it narrowed the interface method's
    // parameter to one lambda class: a VerifyError at the first cancellation), a ProGuard
    // defect unrelated to ferry.
    '-optimizations !method/specialization/**',
    ...shippedRules.map((r) => `-include ${entry(r)}`),
    `-include ${entry(entryPoints)}`,
  ].join('\n');
  const configFile = path.join(shrinkDir, 'proguard.pro');
  fs.writeFileSync(configFile, `${config}\n`);

  step(`${name}: ProGuard (shrink, optimise, obfuscate)`);
  const proguard = run('java', ['-Xmx1g', '-cp', proguardClasspath, 'proguard.ProGuard', `@${configFile}`], { capture: true, allowFail: true });
  const proguardLog = path.join(shrinkDir, 'proguard.log');
  fs.writeFileSync(proguardLog, `${proguard.stdout}${proguard.stderr}`);
  if (proguard.status !== 0) {
    process.stdout.write(`${proguard.stdout}${proguard.stderr}`);
    throw new Error(`${name}: ProGuard failed (configuration: ${configFile})`);
  }
  const countClasses = (jar) => run('jar', ['tf', jar], { capture: true }).stdout.split('\n').filter((l) => l.endsWith('.class')).length;
  const inputClasses = inputs.map((i) => (fs.statSync(i).isDirectory()
    ? fs.readdirSync(i, { recursive: true }).filter((f) => f.endsWith('.class')).length
    : countClasses(i))).reduce((a, b) => a + b, 0);
  process.stdout.write(`ProGuard: ${inputClasses} classes in, ${countClasses(shrunkJar)} out (${(fs.statSync(shrunkJar).size / 1024).toFixed(0)} KiB); `
    + `log, mapping and removed members in ${path.relative(ROOT, shrinkDir)}/\n`);
  return shrunkJar;
}

/**
 * Compiles the fixture (bindings and tests), shrinks it with ProGuard and runs its tests
 * against the shrunk jar. Returns the number of tests that ran; throws if one failed,
 * none ran, or -Xcheck:jni complained.
 */
export function runShrunkFixture({ name, buildDir, kotlinOut, testsDir, jvmArgs }) {
  const { consoleLauncher } = tools();
  const seconds = (from, to = Date.now()) => ((to - from) / 1000).toFixed(0);
  const started = Date.now();
  const mavenDir = path.join(buildDir, 'maven');
  const shrinkDir = path.join(buildDir, 'shrink');
  fs.rmSync(shrinkDir, { recursive: true, force: true });
  fs.mkdirSync(shrinkDir, { recursive: true });

  step(`${name}: compiling bindings and tests (Maven)`);
  const testClasspathFile = path.join(shrinkDir, 'test.classpath');
  run('mvn', ['-B', '-q', '--no-transfer-progress', '-f', path.join(ROOT, 'scripts', 'fixture-pom.xml'),
    'test-compile', 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath',
    `-Dferry.generated=${kotlinOut}`, `-Dferry.tests=${testsDir}`, `-Dferry.buildDir=${mavenDir}`,
    '-Dmdep.includeScope=test', `-Dmdep.outputFile=${testClasspathFile}`]);
  const compiled = Date.now();
  const dependencies = fs.readFileSync(testClasspathFile, 'utf8').trim().split(path.delimiter);
  const appJars = dependencies.filter((j) => !TEST_RUNNER_JAR.test(j));
  const runnerJars = dependencies.filter((j) => TEST_RUNNER_JAR.test(j));
  const runtimeJar = appJars.find((j) => /[\\/]dev[\\/]ferry[\\/]ferry-runtime[\\/]/.test(j));
  if (!runtimeJar) throw new Error('dev.ferry:ferry-runtime is not on the fixture class path');

  const shrunkJar = shrinkApp({
    name, shrinkDir, runtimeJar,
    inputs: [path.join(mavenDir, 'classes'), path.join(mavenDir, 'test-classes'), ...appJars],
    libraryJars: runnerJars,
    entryRules: JUNIT_ENTRY_POINTS,
  });
  const shrunk = Date.now();

  step(`${name}: Kotlin tests against the shrunk jar (-Xcheck:jni)`);
  // `ferry.test.shrunk` tells the few tests that read the compiler's own class files (not
  // behaviour) that those names are obfuscated here.
  const r = spawnSync('java', ['-Xcheck:jni', '-Dferry.test.shrunk=true', ...jvmArgs, '-jar', consoleLauncher, 'execute',
    '--class-path', shrunkJar, '--scan-class-path', shrunkJar, '--include-classname', '.*',
    '--disable-banner', '--disable-ansi-colors', '--details=testfeed', '--fail-if-no-tests'],
  { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: TEST_RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  process.stdout.write(output);
  if (r.error?.code === 'ETIMEDOUT') throw new Error(`${name}: the tests did not finish within ${TEST_RUN_TIMEOUT_MS / 60000} minutes`);
  if (r.error) throw r.error;
  const count = (label) => Number(output.match(new RegExp(`\\[\\s*(\\d+) tests ${label}\\s*\\]`))?.[1] ?? 0);
  const succeeded = count('successful');
  const failed = count('failed');
  if (r.status !== 0 || failed > 0) throw new Error(`${name}: ${failed} tests failed against the shrunk jar`);
  if (succeeded === 0) throw new Error(`${name}: no test ran`);
  if (JNI_WARNING.test(output)) throw new Error(`${name}: -Xcheck:jni reported a JNI misuse (see the output above)`);
  process.stdout.write(`\n${name}: ${succeeded} tests passed against the shrunk jar `
    + `(compile ${seconds(started, compiled)} s, ProGuard ${seconds(compiled, shrunk)} s, tests ${seconds(shrunk)} s)\n`);
  return succeeded;
}
