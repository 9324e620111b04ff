// Shared helpers for the repository scripts: running commands, locating things.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command with inherited output; throws on failure unless `allowFail`. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: { ...process.env, ...(opts.env ?? {}) }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0 && !opts.allowFail) {
    if (opts.capture) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`${cmd} ${args.join(' ')} failed with status ${r.status}`);
  }
  return r;
}

// The installed runtime jar, in the local Maven repository that `mvn` itself uses: ~/.m2, or the
// one named by `-Dmaven.repo.local=` in MAVEN_OPTS (what a second checkout on the same machine
// uses, so its `mvn install` of the runtime cannot replace the jar another checkout compiles with).
export function localMavenRepository() {
  const custom = /-Dmaven\.repo\.local=(\S+)/.exec(process.env.MAVEN_OPTS ?? '');
  return custom ? custom[1] : path.join(os.homedir(), '.m2', 'repository');
}

export function installedRuntimeJar() {
  return path.join(localMavenRepository(), 'dev', 'ferry', 'ferry-runtime', '0.1.0', 'ferry-runtime-0.1.0.jar');
}

/** What -Xcheck:jni prints on a JNI misuse. */
export const JNI_WARNING = /WARNING in native method|FATAL ERROR in native method/;

/**
 * Judges a captured `mvn test`/`verify` run (`run(..., { capture: true, allowFail: true })`)
 * whose tests ran with -Xcheck:jni: prints its output and throws if it failed, ran no test,
 * or the JVM reported a JNI misuse (in the output or in surefire's dump files under
 * `reportsDir`). Returns how many tests ran.
 */
export function checkMavenTests(name, r, reportsDir) {
  const output = `${r.stdout}${r.stderr}`;
  process.stdout.write(output);
  const summaries = [...output.matchAll(/^\[\w+\] Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)$/gm)];
  const total = summaries.length ? Number(summaries[summaries.length - 1][1]) : 0;
  const dumps = fs.existsSync(reportsDir) ? fs.readdirSync(reportsDir).filter((f) => f.endsWith('.dumpstream') || f.endsWith('-output.txt')) : [];
  const jniProblems = [output, ...dumps.map((f) => fs.readFileSync(path.join(reportsDir, f), 'utf8'))].some((t) => JNI_WARNING.test(t));
  if (r.status !== 0) throw new Error(`${name}: Kotlin tests failed${describeFailures(reportsDir)}`);
  if (total === 0) throw new Error(`${name}: no test ran`);
  if (jniProblems) throw new Error(`${name}: -Xcheck:jni reported a JNI misuse (see the output above)`);
  return total;
}

/** The failed tests in Surefire's XML reports, one line each with the first line of its message. */
function describeFailures(reportsDir) {
  if (!fs.existsSync(reportsDir)) return '';
  const lines = [];
  for (const f of fs.readdirSync(reportsDir).filter((n) => n.startsWith('TEST-') && n.endsWith('.xml'))) {
    const xml = fs.readFileSync(path.join(reportsDir, f), 'utf8');
    for (const m of xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*>\s*<(failure|error)(?: message="([^"]*)")?(?: type="([^"]*)")?/g)) {
      const message = (m[4] ?? '').replace(/&#10;/g, '\n').split('\n')[0].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      lines.push(`    ${m[2]}.${m[1]}: ${m[5] ?? m[3]}: ${message.slice(0, 300)}`);
    }
  }
  return lines.length ? `:\n${lines.join('\n')}` : '';
}

export function step(message) {
  process.stdout.write(`\n==> ${message}\n`);
}

/** Newest modification time of any file under `dir` (0 when missing). */
export function newestMtime(dir, filter = () => true) {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (e.name !== 'target' && e.name !== 'node_modules') walk(p); }
      else if (filter(p)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/** Builds a cdylib crate and returns the path of the native library it produced. */
export function buildNativeLibrary(crateDir, { release = false } = {}) {
  const args = ['build', '--manifest-path', path.join(crateDir, 'Cargo.toml'), '--lib', '--message-format=json-render-diagnostics'];
  if (release) args.push('--release');
  const r = spawnSync('cargo', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cargo build of ${crateDir} failed`);
  const manifest = path.resolve(crateDir, 'Cargo.toml');
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line);
    if (msg.reason === 'compiler-artifact' && path.resolve(msg.manifest_path) === manifest && msg.target.kind.includes('cdylib')) {
      const lib = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
      if (lib) return { libPath: lib, libName: msg.target.name };
    }
  }
  throw new Error(`cargo built ${crateDir} but produced no cdylib (is crate-type = ["cdylib"] set?)`);
}

/**
 * Runs `ferry generate` on a crate: its Rust glue into `<crate>/.ferry/`, its Kotlin into
 * `kotlinOut` (emptied first with `fresh`, so no file of an earlier run survives).
 */
export function generateBindings(crateDir, kotlinOut, { fresh = false, capture = false, nativeOut = null } = {}) {
  if (fresh) fs.rmSync(kotlinOut, { recursive: true, force: true });
  if (fresh && nativeOut) fs.rmSync(nativeOut, { recursive: true, force: true });
  const native = nativeOut ? ['--native-out', nativeOut] : [];
  return run('node', [path.join(ROOT, 'cli', 'bin', 'ferry.js'), 'generate', crateDir, '--kotlin-out', kotlinOut, ...native], { capture });
}

/**
 * A fixture's fresh bindings under `<buildDir>/kotlin` and its native library (debug build).
 * With `native`, also the Kotlin/Native layer under `<buildDir>/native` (`nativeOut`).
 */
export function prepareFixture(fixtureDir, buildDir, name, { native = false } = {}) {
  const kotlinOut = path.join(buildDir, 'kotlin');
  const nativeOut = native ? path.join(buildDir, 'native') : null;
  step(`${name}: ferry generate`);
  generateBindings(fixtureDir, kotlinOut, { fresh: true, nativeOut });
  step(`${name}: cargo build`);
  return { kotlinOut, nativeOut, ...buildNativeLibrary(fixtureDir) };
}
