// `npm run demo`: generates the demo's bindings, builds its Rust library and Kotlin
// program, and runs it on the JVM; `npm run demo -- --native` runs the same Kotlin program
// on Kotlin/Native (linuxX64). Everything it needs is installed by setup first.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildNativeLibrary, generateBindings, ROOT, run, step } from './lib.mjs';
import { setup } from './setup.mjs';

const demo = path.join(ROOT, 'examples', 'demo');
const build = path.join(ROOT, 'build', 'demo');

setup();
if (process.argv.includes('--native')) {
  // The same program on Kotlin/Native (linuxX64): the demo's Kotlin is common code.
  const { buildNativeProgram, kotlinFiles } = await import('./native-fixture.mjs');
  const nativeBuild = path.join(build, 'native-build');
  fs.mkdirSync(nativeBuild, { recursive: true });
  step('ferry generate examples/demo (with the Kotlin/Native layer)');
  generateBindings(demo, path.join(nativeBuild, 'kotlin'), { fresh: true, nativeOut: path.join(nativeBuild, 'native') });
  step('cargo build (the Rust library)');
  const lib = buildNativeLibrary(demo, { release: true });
  const program = buildNativeProgram({
    name: 'demo (Kotlin/Native)', buildDir: nativeBuild, kotlinOut: path.join(nativeBuild, 'kotlin'), nativeOut: path.join(nativeBuild, 'native'),
    ...lib, sources: kotlinFiles(path.join(demo, 'kotlin')), entry: 'dev.ferry.demo.main', release: true,
  });
  step('running the demo on Kotlin/Native');
  const r = run(program, [], { allowFail: true, env: { RUST_BACKTRACE: '0' } });
  process.exit(r.status ?? 1);
}
step('ferry generate examples/demo');
generateBindings(demo, path.join(build, 'kotlin'));
step('cargo build (the Rust library)');
const { libPath, libName } = buildNativeLibrary(demo, { release: true });
step('mvn compile (the Kotlin program)');
const classpathFile = path.join(build, 'classpath.txt');
run('mvn', ['-B', '-q', '--no-transfer-progress', '-f', path.join(demo, 'pom.xml'), 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`]);
const classpath = [path.join(build, 'maven', 'classes'), fs.readFileSync(classpathFile, 'utf8').trim()].join(path.delimiter);
step('running the demo');
const r = run('java', ['-Xcheck:jni', `-Dferry.lib.${libName}=${libPath}`, '-cp', classpath, 'dev.ferry.demo.MainKt'], { allowFail: true, env: { RUST_BACKTRACE: '0' } });
process.exit(r.status ?? 1);
