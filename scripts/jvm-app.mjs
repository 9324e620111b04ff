// `npm run jvm-app`: examples/jvm-app from scratch, as a team outside this repository would
// use ferry. Part of `npm test`.
//  1. removes what an earlier run left: the installed com.example:kvstore artifact, the
//     app's target/ and the extraction cache of step 4;
//  2. `ferry package examples/jvm-app/kvstore --install`: one jar with the compiled Kotlin
//     bindings and libkvstore for this platform, installed into the local Maven repository;
//  3. `mvn -f examples/jvm-app/pom.xml verify`: the app, which depends on that artifact only
//     (and through its POM on dev.ferry:ferry-runtime and kotlinx-coroutines), runs its JUnit
//     tests under -Xcheck:jni; the library is loaded from the jar, no -Dferry.lib.* is set;
//  4. the app's main three times, starting with an empty extraction cache: the first run
//     extracts the library, the second finds it, the third loads the extracted file by
//     -Dferry.lib.kvstore; each prints how long loading took.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkMavenTests, JNI_WARNING, localMavenRepository, ROOT, run, step } from './lib.mjs';
import { setup } from './setup.mjs';

const APP = path.join(ROOT, 'examples', 'jvm-app');
const CRATE = path.join(APP, 'kvstore');
const MVN = ['-B', '--no-transfer-progress', '-f', path.join(APP, 'pom.xml')];

export function runJvmApp() {
  const work = path.join(ROOT, 'build', 'jvm-app');
  const dist = path.join(work, 'dist');
  const cache = path.join(work, 'native-cache');
  step('jvm-app: removing the installed com.example:kvstore, the app build and the extraction cache');
  for (const dir of [path.join(localMavenRepository(), 'com', 'example', 'kvstore'), path.join(APP, 'target'), work]) {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  step('jvm-app: ferry package examples/jvm-app/kvstore --install');
  run('node', [path.join(ROOT, 'cli', 'bin', 'ferry.js'), 'package', CRATE, '--install', '--out', dist]);
  const jar = path.join(dist, 'kvstore-0.1.0.jar');
  const listing = run('jar', ['tf', jar], { capture: true }).stdout;
  for (const entry of ['META-INF/native/linux-x86_64/libkvstore.so', 'META-INF/native/linux-x86_64/libkvstore.so.sha256', 'com/example/kvstore/Store.class']) {
    if (!listing.split('\n').includes(entry)) throw new Error(`jvm-app: ${jar} has no ${entry}`);
  }

  step('jvm-app: mvn verify (the app\'s tests against the installed artifact, -Xcheck:jni)');
  const tests = run('mvn', [...MVN, 'verify'], { capture: true, allowFail: true });
  const total = checkMavenTests('jvm-app', tests, path.join(APP, 'target', 'surefire-reports'));

  step('jvm-app: the app\'s main: extracting the library, from the cache, by -Dferry.lib.kvstore');
  const classpathFile = path.join(work, 'classpath.txt');
  run('mvn', [...MVN, '-q', 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`], { capture: true });
  const classpath = [path.join(APP, 'target', 'classes'), fs.readFileSync(classpathFile, 'utf8').trim()].join(path.delimiter);
  // The third run names the extracted file with -Dferry.lib.kvstore: no jar lookup at all, the
  // baseline the other two are compared with.
  const extractedLibrary = () => fs.readdirSync(cache).map((d) => path.join(cache, d, 'libkvstore.so'))[0];
  const runs = [['extracting', () => []], ['cached', () => []], ['-Dferry.lib', () => [`-Dferry.lib.kvstore=${extractedLibrary()}`]]];
  const loads = runs.map(([label, extra]) => {
    const r = run('java', ['-Xcheck:jni', `-Dferry.native.cache=${cache}`, ...extra(), '-cp', classpath, 'com.example.app.MainKt'], { capture: true });
    const output = `${r.stdout}${r.stderr}`;
    process.stdout.write(output);
    if (JNI_WARNING.test(output)) throw new Error(`jvm-app: -Xcheck:jni reported a JNI misuse in the ${label}`);
    const ms = /library loaded and first object created in (\d+) ms/.exec(output);
    if (!ms || !output.includes('all calls, objects and streams closed')) throw new Error(`jvm-app: unexpected output of the ${label}`);
    return `${label} ${ms[1]} ms`;
  });
  const extracted = fs.readdirSync(cache);
  if (extracted.length !== 1) throw new Error(`jvm-app: expected one extracted library under ${cache}, found ${extracted.length}`);
  const size = (fs.statSync(jar).size / 1024 / 1024).toFixed(1);
  process.stdout.write(`\njvm-app: ${total} tests passed; jar ${size} MiB; loading: ${loads.join(', ')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    setup({ quiet: true });
    runJvmApp();
  } catch (e) {
    console.error(`\njvm-app failed: ${e.message}`);
    process.exit(1);
  }
}
