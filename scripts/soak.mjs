// `npm run soak` (short: 100,000 calls per soak) and `npm run soak -- --long` (1,000,000).
//
// Builds soak/ (its own Cargo workspace: soak/crate = ferry_soak, soak/crate2 =
// ferry_soak_two; the Kotlin program in soak/kotlin) and runs, each in its own JVM with
// -Xcheck:jni, under both Tokio flavours:
//  - the soak: randomized, seeded work on one long-lived scope until the call budget is met;
//    fails on a counter left above 0, an unexpected exception, or growth beyond BOUNDS;
//  - two libraries in one JVM: calls, cancellations and diagnostics reach the right library;
//  - System.exit with work in flight: a child JVM with ~1,000 calls, Flows and objects in
//    flight calls System.exit(0) and must exit with status 0 within 10 s, without a crash.
// A JNI warning from -Xcheck:jni, or a Rust panic the soak did not cause on purpose, fails
// the part. Prints a closing "soak: N passed, M failed" line; exits non-zero on a failure.
//
// Options: --long, --seed N (default 1), --calls N (calls per soak run).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildNativeLibrary, generateBindings, installedRuntimeJar, newestMtime, ROOT, run, step } from './lib.mjs';
import { setup } from './setup.mjs';

const argv = process.argv.slice(2);
const valueOf = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const LONG = argv.includes('--long');
const SEED = valueOf('--seed') ?? '1';
const CALLS = Number(valueOf('--calls') ?? (LONG ? 1_000_000 : 100_000));
// Calls before the first memory sample: the JIT, malloc's arenas and the pools settle first.
const WARMUP = Math.round(CALLS / (LONG ? 10 : 4));

// Growth allowed between the sample after the warm-up and the one at the end (both taken
// when no work is in flight, after full collections and malloc_trim). Measured on the
// 2-core build VM, JDK 17, G1 with a fixed 256 MiB heap, both flavours:
//   heap used: +0.01 to +0.03 MiB (short and long runs)
//   RSS:       -3.5 to +15 MiB in short runs (JIT code still growing after the warm-up),
//              -18 to -6 MiB in long runs
//   threads:   +0 (JVM-visible threads; OS threads, reported too, also +0)
// A long-lived coroutine must also keep < 32 bytes of heap per call it makes (measured 0;
// a cancellation handler left on its Job per call keeps about 96): see soak/kotlin Soak.kt.
const BOUNDS = { heapMiB: 8, rssMiB: 64, threads: 2 };

const EXIT_RUNS = LONG ? 10 : 3; // child JVMs per Tokio flavour
const EXIT_WITHIN_MS = 10_000;

const SOAK = path.join(ROOT, 'soak');
const KOTLIN = path.join(SOAK, 'kotlin');
const BUILD = path.join(ROOT, 'build', 'soak');
const CRATES = [
  { dir: path.join(SOAK, 'crate'), out: path.join(BUILD, 'generated', 'one') },
  { dir: path.join(SOAK, 'crate2'), out: path.join(BUILD, 'generated', 'two') },
];

const JNI_WARNING = /WARNING in native method|FATAL ERROR in native method/;
const CRASH = /hs_err|SIGSEGV|SIGBUS|SIGABRT|FATAL|A fatal error has been detected|panicked/;
// What the soak's own panics print on stderr (Rust's panic hook, as usual for Rust).
const PANIC_LINE = /^thread '.*'( \(\d+\))? panicked at /;
const INTENDED_PANIC = /^soak (sync panic|async panic|Display panic): |^soak stream panic after \d+ items$/;

// ---------------------------------------------------------------- build

function generate(crate) {
  const glue = path.join(crate.dir, '.ferry', 'glue.rs');
  const generatedAt = fs.existsSync(glue) && fs.existsSync(crate.out) ? fs.statSync(glue).mtimeMs : 0;
  const inputs = Math.max(newestMtime(path.join(crate.dir, 'src')), fs.statSync(path.join(crate.dir, 'Cargo.toml')).mtimeMs, newestMtime(path.join(ROOT, 'cli', 'dist')));
  // Regenerating rewrites glue.rs, which makes cargo rebuild the crate: only when stale.
  if (generatedAt > inputs) return;
  generateBindings(crate.dir, crate.out);
}

function buildHarness() {
  const jar = path.join(KOTLIN, 'target', 'ferry-soak.jar');
  const runtimeJar = installedRuntimeJar();
  const inputs = Math.max(
    newestMtime(path.join(KOTLIN, 'src')),
    fs.statSync(path.join(KOTLIN, 'pom.xml')).mtimeMs,
    ...CRATES.map((c) => newestMtime(c.out)),
    fs.existsSync(runtimeJar) ? fs.statSync(runtimeJar).mtimeMs : Date.now(),
  );
  if (fs.existsSync(jar) && fs.statSync(jar).mtimeMs > inputs) return;
  run('mvn', ['-q', '-B', '--no-transfer-progress', 'clean', 'package',
    `-Dsoak.generated.one=${CRATES[0].out}`, `-Dsoak.generated.two=${CRATES[1].out}`], { cwd: KOTLIN });
}

// ---------------------------------------------------------------- running JVMs

/**
 * Runs one JVM, echoing its stdout as it comes and its stderr without the soak's intended
 * panic messages. Resolves with what the checks need; kills the JVM after `timeoutMs`.
 */
function runJvm(jvmArgs, { timeoutMs, env = {}, echo = true, onLine = () => {} }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('java', jvmArgs, { cwd: BUILD, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '', intendedPanics: 0, unexpectedPanics: [], timedOut: false };
    let pendingPanic = null;
    const lines = (stream, handle) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop();
        parts.forEach(handle);
      });
      stream.on('end', () => { if (rest) handle(rest); });
    };
    lines(child.stdout, (line) => {
      out.stdout += `${line}\n`;
      onLine(line, Date.now());
      if (echo) process.stdout.write(`${line}\n`);
    });
    lines(child.stderr, (line) => {
      out.stderr += `${line}\n`;
      if (pendingPanic !== null) {
        if (INTENDED_PANIC.test(line)) out.intendedPanics++;
        else {
          out.unexpectedPanics.push(`${pendingPanic} ${line}`);
          process.stdout.write(`[stderr] ${pendingPanic}\n[stderr] ${line}\n`);
        }
        pendingPanic = null;
      } else if (PANIC_LINE.test(line)) {
        pendingPanic = line;
      } else if (line.trim() !== '' && !line.startsWith('note: run with `RUST_BACKTRACE=1`')) {
        process.stdout.write(`[stderr] ${line}\n`);
      }
    });
    const timer = setTimeout(() => {
      out.timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (pendingPanic !== null) out.unexpectedPanics.push(pendingPanic);
      resolve({ ...out, status, signal, ms: Date.now() - started, ended: Date.now() });
    });
  });
}

function baseJvmArgs(libs, flavor) {
  const cp = [path.join(KOTLIN, 'target', 'ferry-soak.jar'), path.join(KOTLIN, 'target', 'lib', '*')].join(path.delimiter);
  return [
    '-Xcheck:jni',
    // A fixed, pre-touched heap: heap growth then cannot show up as RSS growth.
    '-Xms256m', '-Xmx256m', '-XX:+AlwaysPreTouch',
    `-XX:ErrorFile=${path.join(BUILD, 'hs_err_pid%p.log')}`,
    `-Dferry.tokio.flavor=${flavor}`,
    ...libs.map((l) => `-Dferry.lib.${l.libName}=${l.libPath}`),
    '-cp', cp, 'soak.MainKt',
  ];
}

/** Problems common to every part: JNI warnings and panics nobody asked for. */
function commonProblems(r) {
  const problems = [];
  if (JNI_WARNING.test(r.stdout) || JNI_WARNING.test(r.stderr)) problems.push('-Xcheck:jni reported a JNI misuse (see the output above)');
  if (r.unexpectedPanics.length) problems.push(`${r.unexpectedPanics.length} Rust panic(s) the soak did not cause on purpose: ${r.unexpectedPanics[0]}`);
  if (r.timedOut) problems.push(`killed after ${Math.round(r.ms / 1000)} s (a hang?)`);
  return problems;
}

async function programPart(libs, flavor, mode, args, timeoutMs) {
  // The soak panics thousands of times on purpose: no backtrace for each.
  const r = await runJvm([...baseJvmArgs(libs, flavor), mode, ...args], { timeoutMs, env: { RUST_BACKTRACE: '0' } });
  const problems = commonProblems(r);
  if (!r.timedOut && r.status !== 0) problems.push(`the JVM exited with status ${r.status}${r.signal ? ` (${r.signal})` : ''}`);
  if (!new RegExp(`^result: ${mode} passed$`, 'm').test(r.stdout)) problems.push('no "passed" result line');
  if (r.intendedPanics) console.log(`(${r.intendedPanics.toLocaleString('en-US')} intended Rust panic messages on stderr not shown)`);
  return problems;
}

async function exitPart(libs, flavor) {
  const problems = [];
  const timings = [];
  for (let i = 1; i <= EXIT_RUNS; i++) {
    let exitCalledAt = null;
    const r = await runJvm([...baseJvmArgs(libs, flavor), 'exit-child'], {
      timeoutMs: 60_000,
      echo: i === 1,
      onLine: (line, at) => { if (line.startsWith('exit-child: work in flight')) exitCalledAt = at; },
    });
    const run = `run ${i}/${EXIT_RUNS}`;
    problems.push(...commonProblems(r).map((p) => `${run}: ${p}`));
    if (exitCalledAt === null) problems.push(`${run}: the child never put its work in flight (status ${r.status})\n${r.stdout}${r.stderr}`);
    else {
      const afterExit = r.ended - exitCalledAt;
      timings.push(afterExit);
      if (afterExit > EXIT_WITHIN_MS) problems.push(`${run}: exited ${afterExit} ms after System.exit(0) (bound ${EXIT_WITHIN_MS} ms)`);
    }
    if (r.status !== 0) problems.push(`${run}: exit status ${r.status}${r.signal ? ` (${r.signal})` : ''}, expected 0`);
    const crash = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => CRASH.test(l));
    if (crash) problems.push(`${run}: crash output: ${crash}`);
  }
  const dumps = fs.readdirSync(BUILD).filter((f) => f.startsWith('hs_err_pid'));
  if (dumps.length) problems.push(`JVM crash reports in ${path.relative(ROOT, BUILD)}: ${dumps.join(', ')}`);
  if (timings.length) console.log(`${timings.length} child JVMs exited with status 0 ${Math.min(...timings)}-${Math.max(...timings)} ms after System.exit(0) (bound ${EXIT_WITHIN_MS} ms)`);
  return problems;
}

// ---------------------------------------------------------------- main

async function main() {
  setup({ quiet: true });
  fs.mkdirSync(BUILD, { recursive: true });
  for (const f of fs.readdirSync(BUILD).filter((f) => f.startsWith('hs_err_pid'))) fs.rmSync(path.join(BUILD, f));

  step('soak: ferry generate, cargo build --release (soak/crate, soak/crate2), Kotlin program');
  CRATES.forEach(generate);
  const libs = CRATES.map((c) => buildNativeLibrary(c.dir, { release: true }));
  buildHarness();

  const soakArgs = [
    '--calls', String(CALLS), '--seed', SEED, '--warmup', String(WARMUP),
    '--max-heap-growth-mib', String(BOUNDS.heapMiB), '--max-rss-growth-mib', String(BOUNDS.rssMiB),
    '--max-thread-growth', String(BOUNDS.threads), '--deadline-s', String(LONG ? 3_000 : 300),
  ];
  const soakTimeout = (LONG ? 3_300 : 360) * 1000;
  const parts = [];
  for (const flavor of ['multi_thread', 'current_thread']) {
    parts.push({ name: `soak, ${CALLS.toLocaleString('en-US')} calls (${flavor})`, fn: () => programPart(libs, flavor, 'soak', soakArgs, soakTimeout) });
  }
  for (const flavor of ['multi_thread', 'current_thread']) {
    const mixed = String(LONG ? 200_000 : 20_000);
    parts.push({ name: `two libraries in one JVM (${flavor})`, fn: () => programPart(libs, flavor, 'two-libraries', ['--seed', SEED, '--calls', mixed], 180_000) });
  }
  for (const flavor of ['multi_thread', 'current_thread']) {
    parts.push({ name: `System.exit with work in flight, ${EXIT_RUNS} child JVMs (${flavor})`, fn: () => exitPart(libs, flavor) });
  }

  const results = [];
  for (const part of parts) {
    step(part.name);
    const started = Date.now();
    let problems;
    try {
      problems = await part.fn();
    } catch (e) {
      problems = [e.message];
    }
    for (const p of problems) console.log(`!! ${p}`);
    results.push({ name: part.name, ok: problems.length === 0, seconds: (Date.now() - started) / 1000 });
  }

  const passed = results.filter((r) => r.ok).length;
  console.log('\n==> soak summary');
  for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)} s)`);
  console.log(`\nsoak: ${passed} passed, ${results.length - passed} failed`);
  process.exit(passed === results.length ? 0 : 1);
}

main().catch((e) => {
  console.error(`\nsoak failed: ${e.message}`);
  console.log('\nsoak: 0 passed, 1 failed');
  process.exit(1);
});
