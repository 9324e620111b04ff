#!/usr/bin/env node
// ferry's side-by-side benchmark: `npm run bench` (full) or `npm run bench -- --quick`.
//
// 1. builds bench/'s own Cargo workspace in release (raw JNI floor, UniFFI crate, uniffi-bindgen)
// 2. generates UniFFI's Kotlin bindings (library mode)
// 3. if ferry's generator is built (cli/dist/main.js): `ferry generate bench/ferry`, builds
//    the ferry crate; any failure here only makes the ferry column null
// 4. builds the JVM harness (bench/kotlin, Maven; -Pferry when the ferry bindings exist)
// 5. runs the harness once, all columns in one JVM, and writes bench/results/latest.json,
//    latest.md and one SVG chart per case, after moving the previous run to results/history/
//
// Options: --quick, --no-build (reuse the last build), --only id,id (some cases),
//          --columns key,key (some columns), --no-ferry (skip the ferry column).
//
// --native: instead of the JVM, Kotlin/Native (linuxX64): ferry's C face (bench/ferry), the
// hand-written C-ABI floor (bench/rawc) and pure Kotlin/Native in one release program
// (bench/native/src), written to bench/results/latest-native.json and latest-native.md.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const TARGET = path.join(BENCH, 'target');
const RELEASE = path.join(TARGET, 'release');
const GENERATED = path.join(BENCH, 'generated');
const RESULTS = path.join(BENCH, 'results');
const KOTLIN = path.join(BENCH, 'kotlin');

const argv = process.argv.slice(2);
const opt = {
  quick: argv.includes('--quick'),
  native: argv.includes('--native'),
  build: !argv.includes('--no-build'),
  ferry: !argv.includes('--no-ferry'),
  only: valueOf('--only'),
  columns: valueOf('--columns'),
};
function valueOf(flag) {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : null;
}

export const CASES = [
  { id: 'sync_noop', unit: 'ns/call', better: 'lower', title: 'sync fn(i32, i32) -> i32',
    measures: 'Wall-clock time per call of a sync `add(i32, i32) -> i32` in a tight loop on one thread (calls divided by elapsed time).',
    excludes: 'No allocation, no thread switch; Kotlin has no baseline here (the JIT would inline a pure Kotlin call away).' },
  { id: 'sync_string_echo', unit: 'ns/call', better: 'lower', title: 'sync fn(String) -> String, 64 chars, non-ASCII',
    measures: 'Time per call of a sync `echo(String) -> String` with a 64-code-point string holding 2-, 3- and 4-byte UTF-8 characters, including both conversions.',
    excludes: 'No thread switch; raw_jni passes UTF-8 `byte[]` (its Kotlin side encodes and decodes), so JNI\'s modified-UTF-8 string functions are not used; ferry passes the `String` itself and transcodes its UTF-16 in Rust (one `GetStringRegion` in, one `NewString` out: docs/wire-format.md).' },
  { id: 'async_ready', unit: 'ns/call', better: 'lower', title: 'async fn that returns without awaiting',
    measures: 'Time per call of an `async fn` that returns without awaiting, awaited in a loop from one coroutine (runBlocking), including any thread hand-off the bridge makes.',
    excludes: 'No concurrency; raw_jni always spawns onto Tokio and resumes through the upcall (no inline fast path), while kotlin_baseline resumes before suspending (it never suspends) and UniFFI polls the future on the calling thread (no thread hop).' },
  { id: 'async_hop_p50', unit: 'µs', better: 'lower', title: 'async fn awaiting yield_now() once, median',
    measures: 'Median latency of one sequential call of an `async fn` that awaits `tokio::task::yield_now()` once, from the call to the coroutine running again.',
    excludes: 'No contention (one call in flight); kotlin_baseline hands the resume to a 2-thread pool instead of Tokio. Not the same work in every column: UniFFI polls the future on the calling thread and yield_now wakes it at once, so its figure never leaves the calling thread (no thread hop, only its FFI calls); async_spawn_hop_p50 is the like-for-like hop.' },
  { id: 'async_hop_p99', unit: 'µs', better: 'lower', title: 'async fn awaiting yield_now() once, 99th percentile',
    measures: '99th percentile of the same sequential calls (the tail: thread wake-ups, GC, scheduling).',
    excludes: 'No contention; the percentile is taken per round and the median over rounds is reported.' },
  { id: 'async_spawn_hop_p50', unit: 'µs', better: 'lower', title: 'async fn awaiting one spawned Tokio task, median',
    measures: 'Median latency of one sequential call of an `async fn` that awaits `tokio::spawn(async move { x })` once: the spawned task runs on a Tokio worker and its completion wakes the caller\'s future from that thread, a real cross-thread wake in every column (UniFFI included), then the Kotlin coroutine resumes.',
    excludes: 'No contention (one call in flight); kotlin_baseline is a coroutine that hops to another dispatcher\'s thread (a 2-thread pool) and back with `withContext`, no Rust.' },
  { id: 'async_throughput', unit: 'calls/s', better: 'higher', title: '10,000 coroutines in flight on Dispatchers.Default',
    measures: 'Completed calls per second of the same hop fn with 10,000 coroutines on `Dispatchers.Default`, each calling it repeatedly.',
    excludes: 'Includes launching the 10,000 coroutines; the 2-core machine is shared by the JVM dispatcher and Tokio\'s workers.' },
  { id: 'inflight_memory', unit: 'bytes/call', better: 'lower', title: '100,000 calls suspended in a long Rust sleep',
    measures: 'Memory per suspended call with 100,000 calls parked in a 1-hour Tokio sleep: growth of the JVM heap used (after GC) plus growth of the process RSS (native memory; the heap is pre-touched so it does not count twice), divided by 100,000.',
    excludes: 'Excludes memory already held before the calls (runtime start-up, thread stacks of existing threads); malloc is trimmed before the baseline reading, but allocator caching can still hide or add a little.' },
  { id: 'cancel_latency_p50', unit: 'µs', better: 'lower', title: 'Job.cancel() to the Rust future\'s Drop',
    measures: 'Median time from `Job.cancel()` to the moment the Rust future\'s `Drop` runs (both read on CLOCK_MONOTONIC, the clock of `System.nanoTime()`).',
    excludes: 'Excludes the time for the cancelled coroutine to finish; kotlin_baseline\'s figure is the time to its `invokeOnCancellation` handler.' },
  { id: 'stream_items', unit: 'items/s', better: 'higher', title: 'Flow<ULong> of 10,000,000 items summed',
    measures: 'Items per second of a `Flow<ULong>` counting up from 0, collected to a sum in one coroutine (10,000,000 items; 2,000,000 with --quick).',
    excludes: 'UniFFI has no streams (null); raw_jni polls the stream inline with one sync JNI call per item (spawn + upcall only when it is Pending, which this always-ready stream never is); kotlin_baseline is a `channelFlow` fed from a Dispatchers.IO coroutine.' },
  { id: 'bulk_bytes', unit: 'GB/s', better: 'higher', title: '64 MiB ByteArray echoed by an async fn',
    measures: 'Bytes in plus bytes out per second (2 x 64 MiB per call, GB = 10^9 bytes) for an `async fn echo_bytes(Vec<u8>) -> Vec<u8>` awaited from a coroutine.',
    excludes: 'Excludes producing the input array (made once); kotlin_baseline is one `copyOf` on another thread.' },
  { id: 'bytes_view', unit: 'GB/s', better: 'higher', title: 'sync fn summing a 1 MiB &[u8] from a ByteArray',
    measures: 'Buffer bytes per second (GB = 10^9 bytes) of sync calls of `fn sum_bytes(data: &[u8]) -> u64`, each passing one 1 MiB ByteArray (the sum checked).',
    excludes: 'ferry copies the array on the JVM (the ByteArray form; a pinned array would forbid JNI calls while the user fn runs) and reads it in place on Kotlin/Native (pinned); raw_jni pins it with GetPrimitiveArrayCritical (the floor, which no callback could run under); kotlin_baseline is a Kotlin loop over the array; the sum itself (about 5 GB/s) bounds every column.' },
  { id: 'bytes_view_direct', unit: 'GB/s', better: 'higher', title: 'the same sum from a direct ByteBuffer',
    measures: 'The same calls through the ByteBuffer overload: a direct buffer read in place between its position and limit.',
    excludes: 'JVM only; raw_jni reads the buffer through GetDirectBufferAddress.' },
  { id: 'bytes_view_copied', unit: 'GB/s', better: 'higher', title: 'the same sum through a Vec<u8> parameter',
    measures: 'The same calls of `fn sum_bytes_copied(data: Vec<u8>) -> u64`: the glue copies the array into a Vec, what every `&[u8]` cost before sync calls borrowed them.',
    excludes: 'ferry only: the before figure for bytes_view.' },
  { id: 'bytes_into', unit: 'GB/s', better: 'higher', title: 'sync fn filling a caller\'s 1 MiB ByteArray (&mut [u8])',
    measures: 'Buffer bytes per second of sync calls of `fn fill_bytes(out: &mut [u8], seed: u8) -> u32` into one reused 1 MiB ByteArray (the last byte checked).',
    excludes: 'ferry copies the array in and back on the JVM and writes it in place on Kotlin/Native (pinned); raw_jni pins it with GetPrimitiveArrayCritical; kotlin_baseline is `ByteArray.fill`.' },
  { id: 'bytes_into_direct', unit: 'GB/s', better: 'higher', title: 'the same fill into a direct ByteBuffer',
    measures: 'The same calls through the ByteBuffer overload: the direct buffer written in place.',
    excludes: 'JVM only; raw_jni writes through GetDirectBufferAddress.' },
  { id: 'bytes_return', unit: 'GB/s', better: 'higher', title: 'sync fn returning a new 1 MiB Vec<u8>',
    measures: 'Buffer bytes per second of sync calls of `fn new_bytes(len: u32, seed: u8) -> Vec<u8>`: a new array per call, how a result came back before `&mut [u8]` (the before figure for bytes_into).',
    excludes: 'raw_jni builds the array with byte_array_from_slice; kotlin_baseline allocates and fills a ByteArray.' },
  { id: 'callback_sync', unit: 'ns/call', better: 'lower', title: 'Rust sync fn calling a Kotlin fn(i32) -> i32 once',
    measures: 'Time per call of a Rust sync fn (a method of an object holding the Kotlin implementation) that calls a Kotlin-implemented `inc(x) = x + 1` once on the calling thread, in a tight loop: Kotlin → Rust → Kotlin → Rust → Kotlin, the Rust call\'s own cost included.',
    excludes: 'Excludes handing the implementation to Rust (done once, before timing); raw_jni calls the Kotlin method through a cached method id with the caller\'s JNIEnv; kotlin_baseline is null (a Kotlin call would be inlined away).' },
  { id: 'callback_async_p50', unit: 'µs', better: 'lower', title: 'Rust async fn awaiting a Kotlin suspend fun once, median',
    measures: 'Median latency of one sequential call of a Rust `async fn` (an object method) that awaits a Kotlin-implemented `suspend fun incLater(x) = x + 1` (which returns at once) once: the Rust future starts the Kotlin coroutine, the coroutine\'s reply completes the Rust future, which completes the Kotlin caller.',
    excludes: 'No contention (one call in flight); raw_jni spawns onto Tokio, upcalls a Kotlin method that launches the suspend fun on Dispatchers.Default, and gets the value back through a native call completing a oneshot; kotlin_baseline is the suspend fun run by `withContext(Dispatchers.Default)` (the hop to the callback dispatcher and back, no Rust).' },
  { id: 'affine_calls', unit: 'calls/s', better: 'higher', title: 'thread-affine object method, 64 coroutines',
    measures: 'Calls per second of `bump()` (a sync Rust method adding 1 to a `Cell<u64>`) on one `#[ferry::export(object, thread_affine)]` object, from 64 coroutines on Dispatchers.Default at once: each call is a suspend fun sent to the object\'s own thread, run there, and resumed through a Tokio worker.',
    excludes: 'ferry only (the other bridges have no thread-affine objects); compare with affine_calls_mutex, the same method on a Mutex-guarded object.' },
  { id: 'affine_calls_mutex', unit: 'calls/s', better: 'higher', title: 'the same method on a Mutex-guarded object, 64 coroutines',
    measures: 'Calls per second of the same `bump()` on a plain `#[ferry::export(object)]` whose counter is in a `std::sync::Mutex`, from 64 coroutines on Dispatchers.Default: a sync call on the caller\'s thread, contending for the lock.',
    excludes: 'ferry only; the baseline for affine_calls (no thread hop, but the lock is taken on the callers\' threads).' },
  { id: 'frames_small', unit: 'frames/s', better: 'higher', title: '64-byte frames from Rust, first 8 bytes read',
    measures: 'Frames per second of 64-byte frames produced by Rust (frame i holds i in its first 8 bytes) and consumed in Kotlin, which reads each frame\'s first 8 bytes (10,000,000 frames; 2,000,000 with --quick; UniFFI a twentieth of that, the rate compared).',
    excludes: 'ferry reads the slots of its zero-copy ring in place (4,096 slots; a Flow<Frame>, each frame released when its collect block returns); raw_jni copies batches of 1,024 frames into one reused byte[]; kotlin_baseline is a channelFlow of ByteArray made on Dispatchers.IO; UniFFI calls a fn returning Vec<u8> once per frame.' },
  { id: 'frames_large', unit: 'GB/s', better: 'higher', title: '1 MiB frames from Rust, first and last 8 bytes read',
    measures: 'Frame bytes handed over per second (GB = 10^9 bytes) of 1 MiB frames produced by Rust, each written once by the producer (filled, then its number in the first and last 8 bytes), consumed in Kotlin, which reads each frame\'s first and last 8 bytes (10,000 frames; 2,000 with --quick; UniFFI a twentieth).',
    excludes: 'ferry: a ring of 8 one-MiB slots read in place; raw_jni copies each frame into one reused byte[]; kotlin_baseline allocates and fills a ByteArray per frame on Dispatchers.IO (no Rust); UniFFI returns a new Vec<u8> per frame.' },
];

export const COLUMNS = [
  { key: 'ferry', label: 'ferry', color: '#d9480f', what: 'the call through ferry\'s generated bindings (bench/ferry)' },
  { key: 'raw_jni', label: 'raw JNI (floor)', color: '#495057', what: 'hand-written JNI: `extern "system"` fns, a Tokio spawn and one static upcall on a permanently attached worker (bench/rawjni)' },
  { key: 'kotlin_baseline', label: 'Kotlin baseline', color: '#1c7ed6', what: 'pure Kotlin doing the same hand-off: `suspendCancellableCoroutine` resumed from another thread, `channelFlow` fed from another thread' },
  { key: 'uniffi', label: 'UniFFI', color: '#2f9e44', what: 'the same Rust functions exported with UniFFI (crates.io `uniffi`), its Kotlin bindings over JNA (bench/uniffi)' },
];

// The --native run: the cases that apply on Kotlin/Native (no JVM heap or JNA there; the
// ids and definitions are the JVM's) and its columns.
export const NATIVE_CASE_IDS = ['sync_noop', 'sync_string_echo', 'async_ready', 'async_hop_p50', 'async_hop_p99',
  'async_spawn_hop_p50', 'async_throughput', 'stream_items', 'callback_sync', 'callback_async_p50',
  'bytes_view', 'bytes_view_copied', 'bytes_into', 'bytes_return'];

export const NATIVE_COLUMNS = [
  { key: 'ferry', label: 'ferry', what: 'ferry\'s generated bindings for bench/ferry over its C face (cinterop of the generated header), the generated common Kotlin, the native FerryNative and the dev.ferry runtime klib' },
  { key: 'raw_c', label: 'raw C ABI (floor)', what: 'hand-written `extern "C"` fns (bench/rawc, header `rawc.h`, cinterop): one multi-thread Tokio runtime; an async call is a `spawn` plus one call of a C function pointer `complete(token, value)` registered once, the token a `StableRef` to the waiting continuation; strings as UTF-8 pointer + length; the stream polled inline, one C call per item; callbacks through C function pointers with a `StableRef` as context, the async one answered by `rawc_callback_reply` completing a Tokio oneshot' },
  { key: 'kotlin_baseline', label: 'Kotlin/Native baseline', what: 'pure Kotlin/Native doing the same hand-off: `suspendCancellableCoroutine` resumed from a 2-thread pool (`newFixedThreadPoolContext`), a `channelFlow` fed from a Dispatchers.IO coroutine, the callback\'s suspend fun run by `withContext(Dispatchers.Default)`; sync cases are null' },
];

function log(msg) {
  process.stdout.write(`[bench] ${msg}\n`);
}

function run(cmd, args, { cwd = ROOT, env = {}, allowFail = false, quiet = false } = {}) {
  log(`$ ${cmd} ${args.join(' ')}${cwd !== ROOT ? `   (in ${path.relative(ROOT, cwd) || '.'})` : ''}`);
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
  });
  const ok = r.status === 0;
  if (!ok) {
    if (quiet) process.stdout.write((r.stdout || '') + (r.stderr || ''));
    const why = r.error ? r.error.message : `exit ${r.status}`;
    if (!allowFail) {
      log(`failed: ${cmd} (${why})`);
      process.exit(1);
    }
    log(`(failed: ${why})`);
  }
  return ok;
}

function capture(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}` : '';
}

const cargoEnv = { CARGO_TARGET_DIR: TARGET };

// ---- 1. the Cargo workspace ------------------------------------------------------------
function buildCargo() {
  log('step 1/5: cargo build --release (raw JNI floor, UniFFI crate, uniffi-bindgen)');
  run('cargo', ['build', '--release', '--manifest-path', path.join(BENCH, 'Cargo.toml')], { env: cargoEnv });
}

// ---- 2. UniFFI bindings ----------------------------------------------------------------
function uniffiBindgen() {
  log('step 2/5: uniffi-bindgen generate --library (Kotlin)');
  const out = path.join(GENERATED, 'uniffi');
  fs.rmSync(out, { recursive: true, force: true });
  run(path.join(RELEASE, 'uniffi-bindgen'), [
    'generate', '--library', path.join(RELEASE, 'libferry_bench_uniffi.so'),
    '--language', 'kotlin', '--no-format', '--out-dir', out,
  ], { cwd: BENCH });
}

// ---- 3. ferry --------------------------------------------------------------------------
/** The generator's entry: the `ferry` bin (cli/bin/ferry.js) once cli/dist is built. */
function ferryCli() {
  const dist = [path.join(ROOT, 'cli', 'dist', 'src', 'main.js'), path.join(ROOT, 'cli', 'dist', 'main.js')];
  if (!dist.some((f) => fs.existsSync(f))) return null;
  const bin = path.join(ROOT, 'cli', 'bin', 'ferry.js');
  if (fs.existsSync(bin)) return bin;
  return dist.find((f) => fs.existsSync(f));
}

function buildFerry() {
  log('step 3/5: ferry generate + build (the ferry column)');
  if (!opt.ferry) {
    log('  --no-ferry: ferry column will be null');
    return { ok: false, why: 'skipped with --no-ferry' };
  }
  let cli = ferryCli();
  if (!cli) {
    const canBuild = fs.existsSync(path.join(ROOT, 'cli', 'package.json')) && fs.existsSync(path.join(ROOT, 'node_modules'));
    if (canBuild) {
      log('  the ferry generator is not built: trying `npm run build -w cli`');
      run('npm', ['run', 'build', '-w', 'cli'], { allowFail: true });
      cli = ferryCli();
    }
    if (!cli) {
      log('  ferry generator not built (run `npm install && npm run build -w cli` at the root): ferry column will be null');
      return { ok: false, why: 'the generator (cli/dist) is not built' };
    }
  }
  if (!fs.existsSync(path.join(ROOT, 'runtime', 'rust', 'Cargo.toml'))) {
    log('  runtime/rust missing: ferry column will be null');
    return { ok: false, why: 'runtime/rust is missing' };
  }
  const out = path.join(GENERATED, 'ferry');
  const attempt = (crate, label) => {
    fs.rmSync(out, { recursive: true, force: true });
    const rel = path.relative(ROOT, crate);
    if (!run('node', [cli, 'generate', rel, '--kotlin-out', path.relative(ROOT, out)], { allowFail: true })) {
      return `\`ferry generate ${label}\` failed`;
    }
    if (!run('cargo', ['build', '--release', '--manifest-path', path.join(crate, 'Cargo.toml')], { env: cargoEnv, allowFail: true })) {
      return `cargo build of ${label} failed`;
    }
    return null;
  };
  const why = attempt(path.join(BENCH, 'ferry'), 'bench/ferry');
  return why ? { ok: false, why } : { ok: true };
}

// ---- 4. the harness --------------------------------------------------------------------
function buildHarness(withFerry) {
  log(`step 4/5: mvn package (JVM harness${withFerry ? ', with the ferry column' : ''})`);
  const mvn = ['-q', '-B', 'package'];
  const ferryRuntime = path.join(ROOT, 'runtime', 'kotlin', 'src', 'commonMain', 'kotlin');
  if (withFerry) {
    const args = [...mvn, '-Pferry'];
    if (!fs.existsSync(ferryRuntime)) args.push(`-Dferry.runtime.kotlin=${path.join(GENERATED, 'ferry')}`, `-Dferry.runtime.jvm=${path.join(GENERATED, 'ferry')}`);
    if (run('mvn', args, { cwd: KOTLIN, allowFail: true })) return true;
    log('  the harness did not compile with the ferry column; building it without (ferry = null)');
  }
  // A FerryColumn.class left from an earlier build with -Pferry would be stale: clean then.
  const stale = fs.existsSync(path.join(KOTLIN, 'target', 'classes', 'bench', 'FerryColumn.class'));
  run('mvn', stale ? ['clean', ...mvn] : mvn, { cwd: KOTLIN });
  return false;
}

// ---- 5. run and report -----------------------------------------------------------------
function runHarness(outFile) {
  log(`step 5/5: running the harness (${opt.quick ? 'quick' : 'full'}); all columns in one JVM`);
  const cp = [path.join(KOTLIN, 'target', 'ferry-bench.jar'), path.join(KOTLIN, 'target', 'lib', '*')].join(path.delimiter);
  const args = [
    '-Xms2g', '-Xmx2g', '-XX:+AlwaysPreTouch', '-XX:+UseG1GC',
    `-Djna.library.path=${RELEASE}`, `-Djava.library.path=${RELEASE}`,
    // e.g. FERRY_BENCH_JVM_ARGS="-Dferry.spinMicros=0" to compare ferry's settings
    ...(process.env.FERRY_BENCH_JVM_ARGS ? process.env.FERRY_BENCH_JVM_ARGS.split(/\s+/).filter(Boolean) : []),
    '-cp', cp, 'bench.MainKt', '--out', outFile, '--lib-dir', RELEASE,
  ];
  if (opt.quick) args.push('--quick');
  if (opt.only) args.push('--only', opt.only);
  if (opt.columns) args.push('--columns', opt.columns);
  run('java', args, { cwd: KOTLIN });
}

function machine(jvm) {
  const rustc = (capture('rustc', ['--version']).match(/rustc (\S+)/) || [])[1] || null;
  let uniffi = null;
  try {
    const lock = fs.readFileSync(path.join(BENCH, 'Cargo.lock'), 'utf8');
    uniffi = (lock.match(/name = "uniffi"\nversion = "([^"]+)"/) || [])[1] || null;
  } catch { /* no lock file */ }
  const cpu = os.cpus()[0];
  return {
    cpus: os.cpus().length,
    jvm: jvm || null,
    rustc,
    uniffi,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu_model: cpu ? cpu.model.trim() : null,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.versions.node,
  };
}

function stampOf(date) {
  return date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
}

/** Moves the previous run's files to results/history/<its date>/ (never deletes them). */
function archivePrevious() {
  archiveFiles('latest.json', '', (f) => f === 'latest.json' || f === 'latest.md' || f.endsWith('.svg'));
}

function archiveFiles(latest, suffix, belongs) {
  const prev = path.join(RESULTS, latest);
  if (!fs.existsSync(prev)) return;
  let stamp;
  try { stamp = stampOf(JSON.parse(fs.readFileSync(prev, 'utf8')).date); } catch { stamp = null; }
  if (!stamp) stamp = stampOf(fs.statSync(prev).mtime.toISOString());
  stamp += suffix;
  let dir = path.join(RESULTS, 'history', stamp);
  for (let i = 2; fs.existsSync(dir); i++) dir = path.join(RESULTS, 'history', `${stamp}-${i}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(RESULTS)) {
    if (belongs(f)) fs.renameSync(path.join(RESULTS, f), path.join(dir, f));
  }
  log(`previous run kept in ${path.relative(ROOT, dir)}/`);
}

/** `{ column: [min, max] }` over the rounds, for the columns that have a figure. */
function spreadOf(spread, columns) {
  const out = {};
  for (const col of columns) {
    const s = spread && spread[col.key];
    if (Array.isArray(s) && s.length === 2 && s.every((x) => typeof x === 'number')) out[col.key] = s;
  }
  return out;
}

/** A median with its spread over the rounds: `398 (390–412)`. */
export function fmtCell(c, key) {
  const v = fmtNum(c[key]);
  const s = c.spread && c.spread[key];
  return s && typeof c[key] === 'number' ? `${v} (${fmtNum(s[0])}–${fmtNum(s[1])})` : v;
}

export function fmtNum(v) {
  if (v === null || v === undefined) return '—';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)} M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)} k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A hand-written horizontal bar chart: one bar per column, null columns shown as n/a. */
export function svgChart(c, quick) {
  const W = 640, rowH = 34, top = 58, left = 150, right = 110;
  const H = top + COLUMNS.length * rowH + 34;
  const vals = COLUMNS.map((col) => c[col.key]);
  const present = vals.filter((v) => typeof v === 'number' && v > 0);
  const max = present.length ? Math.max(...present) : 1;
  const min = present.length ? Math.min(...present) : 1;
  const log = present.length > 1 && max / min > 30;
  const span = W - left - right;
  const lo = log ? Math.pow(10, Math.floor(Math.log10(min)) ) : 0;
  const scale = (v) => {
    if (!log) return (v / max) * span;
    const l = Math.log10(v / lo), m = Math.log10(max / lo) || 1;
    return Math.max(2, (l / m) * span);
  };
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="24" font-size="16" font-weight="bold" fill="#212529">${esc(c.id)}</text>`);
  out.push(`<text x="16" y="44" fill="#495057">${esc(c.title || '')} — ${esc(c.unit)}, ${esc(c.better)} is better${log ? ' (log scale)' : ''}${quick ? ' — quick run' : ''}</text>`);
  COLUMNS.forEach((col, i) => {
    const y = top + i * rowH;
    const v = c[col.key];
    out.push(`<text x="${left - 10}" y="${y + 20}" text-anchor="end" fill="#212529">${esc(col.label)}</text>`);
    if (typeof v === 'number') {
      const w = v > 0 ? scale(v) : 0;
      out.push(`<rect x="${left}" y="${y + 6}" width="${w.toFixed(1)}" height="${rowH - 12}" rx="3" fill="${col.color}"/>`);
      out.push(`<text x="${(left + w + 8).toFixed(1)}" y="${y + 20}" fill="#212529">${esc(fmtCell(c, col.key))} ${esc(c.unit)}</text>`);
    } else {
      out.push(`<text x="${left + 4}" y="${y + 20}" fill="#868e96" font-style="italic">n/a (does not apply or not built)</text>`);
    }
  });
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + COLUMNS.length * rowH}" stroke="#adb5bd"/>`);
  out.push(`<text x="16" y="${H - 12}" font-size="11" fill="#868e96">median (min–max) of ${c.rounds} rounds after warm-up; ${esc(CASES.find((k) => k.id === c.id)?.excludes ? 'see latest.md for what it excludes' : '')}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The harness's core-to-core line transfer, one way, at the start and the end of the run (ns). */
function coreToCore(h) {
  const pair = Array.isArray(h.core_to_core_ns) ? h.core_to_core_ns : [];
  return { start: typeof pair[0] === 'number' ? pair[0] : null, end: typeof pair[1] === 'number' ? pair[1] : null };
}

function markdown(result, notes) {
  const L = [];
  const m = result.machine;
  L.push(`# ferry benchmark — ${result.date}${result.quick ? ' (quick)' : ''}`);
  L.push('');
  L.push(`Machine: ${m.cpus} CPUs (${m.cpu_model || 'unknown CPU'}), ${m.memory_gib} GiB, ${m.os}; JVM ${m.jvm}, rustc ${m.rustc}, UniFFI ${m.uniffi}, Node ${m.node}.`);
  if (m.core_to_core_ns) {
    const ns = (v) => (typeof v === 'number' ? `${v.toFixed(0)} ns` : 'not measured');
    L.push(`Core-to-core: a cache line moved between two threads in ${ns(m.core_to_core_ns.start)} one way at the start of the run and ${ns(m.core_to_core_ns.end)} at the end. The cases that cross threads move with it (on a VM it changes when the host moves the vCPUs), so compare runs only when these agree.`);
  }
  L.push('Each figure is the median over the rounds after warm-up, followed by (min–max) over those rounds: two runs whose ranges overlap do not show a change. The columns are measured in one JVM, interleaved round by round. `—` means the column does not apply (or was not built), never a guess. *ferry cost vs floor* is ferry ÷ raw JNI for lower-is-better cases and raw JNI ÷ ferry for higher-is-better ones: above 1× ferry costs more than the floor, below 1× it beats it.');
  L.push('');
  L.push('| case | unit | better | ferry | raw JNI (floor) | Kotlin baseline | UniFFI | ferry cost vs floor | rounds |');
  L.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of result.cases) {
    let ratio = '—';
    if (typeof c.ferry === 'number' && typeof c.raw_jni === 'number' && c.ferry > 0 && c.raw_jni > 0) {
      // > 1 always means ferry is slower / costlier than the floor, whichever way is better.
      const r = c.better === 'lower' ? c.ferry / c.raw_jni : c.raw_jni / c.ferry;
      ratio = `${r.toFixed(2)}×`;
    }
    L.push(`| \`${c.id}\` | ${c.unit} | ${c.better} | ${fmtCell(c, 'ferry')} | ${fmtCell(c, 'raw_jni')} | ${fmtCell(c, 'kotlin_baseline')} | ${fmtCell(c, 'uniffi')} | ${ratio} | ${c.rounds} |`);
  }
  L.push('');
  L.push('## What each case measures (and what it does not include)');
  L.push('');
  for (const k of CASES) {
    L.push(`- **\`${k.id}\`** (${k.unit}, ${k.better} is better): ${k.measures} ${k.excludes} ![${k.id}](${k.id}.svg)`);
  }
  L.push('');
  L.push('## Columns');
  L.push('');
  for (const col of COLUMNS) L.push(`- **${col.key}**: ${col.what}.`);
  L.push('');
  if (notes.length) {
    L.push('## Notes on this run');
    L.push('');
    for (const n of notes) L.push(`- ${n}`);
    L.push('');
  }
  L.push('A benchmark is not a test: nothing fails on a time. Re-run with `npm run bench` (or `-- --quick`).');
  return L.join('\n') + '\n';
}

// ---- --native: Kotlin/Native ------------------------------------------------------------
async function mainNative() {
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const t0 = Date.now();
  log(`ferry benchmark on Kotlin/Native (${opt.quick ? 'quick' : 'full'}) — ${date}`);
  // The repository's Kotlin/Native tooling (offline K/N 2.2.21, the runtime klib, cinterop).
  const { generateBindings, buildNativeLibrary } = await import('../scripts/lib.mjs');
  const { buildNativeProgram, kotlinFiles } = await import('../scripts/native-fixture.mjs');
  const { ensureKotlinNative, KOTLIN_NATIVE_VERSION } = await import('../scripts/kotlin-native.mjs');
  const buildDir = path.join(TARGET, 'native');
  const program = path.join(buildDir, 'program.kexe');
  if (opt.build) {
    process.env.CARGO_TARGET_DIR = TARGET; // buildNativeLibrary's cargo inherits it
    fs.mkdirSync(buildDir, { recursive: true });
    const kotlinOut = path.join(GENERATED, 'native', 'kotlin');
    const nativeOut = path.join(GENERATED, 'native', 'c');
    log('step 1/4: ferry generate bench/ferry (common Kotlin + the native layer)');
    generateBindings(path.join(BENCH, 'ferry'), kotlinOut, { fresh: true, nativeOut });
    log('step 2/4: cargo build --release of bench/ferry and of the C-ABI floor bench/rawc');
    const ferryLib = buildNativeLibrary(path.join(BENCH, 'ferry'), { release: true });
    const rawcLib = buildNativeLibrary(path.join(BENCH, 'rawc'), { release: true });
    if (path.dirname(rawcLib.libPath) !== path.dirname(ferryLib.libPath)) throw new Error('bench/ferry and bench/rawc built into different folders');
    log('step 3/4: cinterop of bench/rawc/rawc.h');
    const kn = ensureKotlinNative();
    const rawcKlib = path.join(buildDir, 'rawc.klib');
    run(kn.cinterop, ['-def', path.join(BENCH, 'rawc', 'rawc.def'), '-compiler-option', `-I${path.join(BENCH, 'rawc')}`, '-o', rawcKlib], { env: kn.env });
    log('step 4/4: kotlinc-native -opt (the benchmark program; takes minutes)');
    // buildNativeProgram hands `sources` to kotlinc-native as they are, so the floor's klib
    // rides along with them (its .def links -lferry_bench_rawc from the same folder).
    buildNativeProgram({
      name: 'bench-native', buildDir, kotlinOut, nativeOut, ...ferryLib,
      sources: [...kotlinFiles(path.join(BENCH, 'native', 'src')), '-l', rawcKlib],
      entry: 'benchkn.main', release: true,
    });
  } else if (!fs.existsSync(program)) {
    log(`--no-build: ${path.relative(ROOT, program)} does not exist`);
    process.exit(1);
  }
  log(`build done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const out = path.join(buildDir, 'native-result.json');
  fs.rmSync(out, { force: true });
  const args = ['--out', out];
  if (opt.quick) args.push('--quick');
  if (opt.only) args.push('--only', opt.only);
  if (opt.columns) args.push('--columns', opt.columns);
  const t1 = Date.now();
  log(`running the program (${opt.quick ? 'quick' : 'full'}); all columns in one process`);
  run(program, args);
  const h = JSON.parse(fs.readFileSync(out, 'utf8'));
  log(`program done in ${((Date.now() - t1) / 1000).toFixed(0)} s`);

  const byId = new Map(h.cases.map((c) => [c.id, c]));
  const cases = NATIVE_CASE_IDS.filter((id) => byId.has(id) || !opt.only).map((id) => {
    const k = CASES.find((x) => x.id === id);
    const r = byId.get(id) || {};
    const row = { id, unit: k.unit, better: k.better };
    for (const col of NATIVE_COLUMNS) row[col.key] = typeof r[col.key] === 'number' ? r[col.key] : null;
    row.spread = spreadOf(r.spread, NATIVE_COLUMNS);
    row.rounds = r.rounds ?? 0;
    return row;
  });
  const m = machine(null);
  delete m.jvm;
  delete m.uniffi;
  const result = { date, quick: opt.quick, machine: { ...m, kotlin_native: KOTLIN_NATIVE_VERSION, target: 'linuxX64' }, cases };

  const partial = Boolean(opt.only || opt.columns);
  const dir = partial ? path.join(RESULTS, 'partial') : RESULTS;
  fs.mkdirSync(dir, { recursive: true });
  if (!partial) archiveFiles('latest-native.json', '-native', (f) => f === 'latest-native.json' || f === 'latest-native.md');
  const md = markdownNative(result, h);
  fs.writeFileSync(path.join(dir, 'latest-native.json'), JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'latest-native.md'), md);
  log(`wrote ${path.relative(ROOT, dir)}/latest-native.json and latest-native.md${partial ? ' (partial run)' : ''}`);
  console.log('');
  console.log(md.split('\n').filter((l) => l.startsWith('|')).join('\n'));
  log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

function markdownNative(result, h) {
  const L = [];
  const m = result.machine;
  L.push(`# ferry benchmark on Kotlin/Native (${m.target}) — ${result.date}${result.quick ? ' (quick)' : ''}`);
  L.push('');
  L.push(`Machine: ${m.cpus} CPUs (${m.cpu_model || 'unknown CPU'}), ${m.memory_gib} GiB, ${m.os}; Kotlin/Native ${m.kotlin_native} (\`-opt\`), rustc ${m.rustc}, Node ${m.node}.`);
  L.push('Each figure is the median over the rounds after warm-up, followed by (min–max) over those rounds (timing: `kotlin.time.TimeSource.Monotonic`); the columns run in one process, interleaved round by round. The case definitions are the JVM\'s (latest.md); `—` means the column does not apply. *ferry cost vs floor* is ferry ÷ raw C for lower-is-better cases and raw C ÷ ferry for higher-is-better ones.');
  L.push('');
  L.push('| case | unit | better | ferry | raw C ABI (floor) | Kotlin/Native baseline | ferry cost vs floor | rounds |');
  L.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of result.cases) {
    let ratio = '—';
    if (typeof c.ferry === 'number' && typeof c.raw_c === 'number' && c.ferry > 0 && c.raw_c > 0) {
      ratio = `${(c.better === 'lower' ? c.ferry / c.raw_c : c.raw_c / c.ferry).toFixed(2)}×`;
    }
    L.push(`| \`${c.id}\` | ${c.unit} | ${c.better} | ${fmtCell(c, 'ferry')} | ${fmtCell(c, 'raw_c')} | ${fmtCell(c, 'kotlin_baseline')} | ${ratio} | ${c.rounds} |`);
  }
  L.push('');
  L.push('## Columns');
  L.push('');
  for (const col of NATIVE_COLUMNS) L.push(`- **${col.key}**: ${col.what}.`);
  L.push('');
  L.push(`Sizes: ${Object.entries(h.sizes).map(([k, v]) => `${k} = ${v.toLocaleString('en-US')}`).join(', ')}.`);
  L.push('');
  L.push('A benchmark is not a test: nothing fails on a time. Re-run with `npm run bench -- --native` (or `-- --native --quick`).');
  return L.join('\n') + '\n';
}

async function main() {
  if (opt.native) return mainNative();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const t0 = Date.now();
  log(`ferry benchmark (${opt.quick ? 'quick' : 'full'}) — ${date}`);
  let ferry = { ok: false, why: 'not built (--no-build)' };
  if (opt.build) {
    buildCargo();
    uniffiBindgen();
    ferry = buildFerry();
    const built = buildHarness(ferry.ok);
    if (ferry.ok && !built) ferry = { ok: false, why: 'the harness did not compile against the generated ferry bindings' };
    if (!ferry.ok && !ferry.why) ferry.why = 'harness did not compile against the ferry bindings';
  } else {
    ferry.ok = fs.existsSync(path.join(KOTLIN, 'target', 'classes', 'bench', 'FerryColumn.class'));
  }
  log(`build done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  fs.mkdirSync(RESULTS, { recursive: true });
  const harnessOut = path.join(TARGET, 'harness-result.json');
  fs.rmSync(harnessOut, { force: true });
  const t1 = Date.now();
  runHarness(harnessOut);
  const h = JSON.parse(fs.readFileSync(harnessOut, 'utf8'));
  log(`harness done in ${((Date.now() - t1) / 1000).toFixed(0)} s`);

  const byId = new Map(h.cases.map((c) => [c.id, c]));
  const cases = CASES.filter((k) => byId.has(k.id) || !opt.only).map((k) => {
    const r = byId.get(k.id) || {};
    const row = { id: k.id, unit: k.unit, better: k.better };
    for (const col of COLUMNS) row[col.key] = typeof r[col.key] === 'number' ? r[col.key] : null;
    row.spread = spreadOf(r.spread, COLUMNS);
    row.rounds = r.rounds ?? 0;
    return row;
  });
  const result = { date, quick: opt.quick, machine: { ...machine(h.jvm), core_to_core_ns: coreToCore(h) }, cases };

  const notes = [];
  if (!h.columns.includes('ferry')) notes.push(`The ferry column is null: ${ferry.why || 'it did not load'}.`);
  notes.push(`Sizes: ${Object.entries(h.sizes).map(([k, v]) => `${k} = ${v.toLocaleString('en-US')}`).join(', ')}.`);

  // A partial run (--only / --columns) never replaces the last complete one.
  const partial = Boolean(opt.only || opt.columns);
  const dir = partial ? path.join(RESULTS, 'partial') : RESULTS;
  if (partial) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
  } else {
    archivePrevious();
  }
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'latest.md'), markdown(result, notes));
  for (const c of cases) {
    const k = CASES.find((x) => x.id === c.id);
    fs.writeFileSync(path.join(dir, `${c.id}.svg`), svgChart({ ...c, title: k.title }, opt.quick));
  }
  log(`wrote ${path.relative(ROOT, dir)}/latest.json, latest.md and ${cases.length} SVG charts${partial ? ' (partial run: latest results left alone)' : ''}`);
  console.log('');
  console.log(markdown(result, notes).split('\n').filter((l) => l.startsWith('|')).join('\n'));
  log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
