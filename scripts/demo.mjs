// `npm run demo`: generates the demo's bindings, builds its Rust library and Kotlin
// program, and runs it. Everything it needs is installed by setup first.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildNativeLibrary, generateBindings, ROOT, run, step } from './lib.mjs';
import { setup } from './setup.mjs';

const demo = path.join(ROOT, 'examples', 'demo');
const build = path.join(ROOT, 'build', 'demo');

setup();
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
