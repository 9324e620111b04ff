// The Kotlin/Native toolchain (linuxX64) for ferry's future native target, set up offline.
//
// Kotlin/Native normally downloads its "native dependencies" (an LLVM build, a GCC sysroot,
// libffi) from JetBrains' CDN on first use, and the Kotlin Gradle Plugin downloads the compiler.
// Neither is reachable here: only Maven Central, Debian, crates.io and npm are. So:
//   - the compiler distribution comes from Maven Central (kotlin-native-prebuilt, a tar.gz),
//   - LLVM comes from Debian (clang-19/lld-19/libclang1-19, plus clang-22, see writeClangWrapper),
//   - the sysroot is the host itself (Debian 12: glibc 2.36, gcc 12),
// and a hand-made $KONAN_DATA_DIR/dependencies tree makes the compiler find all of it under the
// names it expects, marked as already extracted so it never tries to download anything.
//
// `ensureKotlinNative()` installs whatever is missing and is a fast no-op (a few stat calls and one
// `gcc -dumpversion`) once everything is in place. `node scripts/kotlin-native.mjs` sets up the
// toolchain; with `--check` it also builds and runs the smoke check in scripts/kotlin-native-check/.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, run, step } from './lib.mjs';

export const KOTLIN_NATIVE_VERSION = '2.2.21';
// kotlinx-coroutines 1.10.2 was compiled by Kotlin 2.1, so K/N 2.2 reads its klib; a later
// coroutines release may need a newer compiler. atomicfu is the version coroutines depends on.
const COROUTINES_VERSION = '1.10.2';
const ATOMICFU_VERSION = '0.26.1';
// K/N 2.2.x embeds LLVM 19 (konan.properties: llvm.linux_x64.user = llvm-19-...).
const LLVM_MAJOR = '19';
// The newer clang that can read the bitcode K/N's own LLVM writes (see writeClangWrapper).
const IR_CLANG_MAJOR = '22';
// A pinned plugin version, so the download does not depend on Maven's default binding.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
// Bumped whenever the dependencies tree or the properties overrides change shape, so an
// existing cache is brought up to date instead of being trusted.
const LAYOUT_REVISION = 1;

const MULTIARCH_LIB = '/usr/lib/x86_64-linux-gnu';

// Debian package -> a file it installs, so "is it installed?" is one stat, not a dpkg query.
const DEBIAN_PACKAGES = [
  ['clang-19', `/usr/lib/llvm-${LLVM_MAJOR}/bin/clang`],
  ['lld-19', `/usr/lib/llvm-${LLVM_MAJOR}/bin/ld.lld`],
  ['libclang1-19', `${MULTIARCH_LIB}/libclang-${LLVM_MAJOR}.so.${LLVM_MAJOR}`],
  // bookworm-security; the bitcode -> object step needs it (see writeClangWrapper).
  ['clang-22', `/usr/lib/llvm-${IR_CLANG_MAJOR}/bin/clang`],
  // crt1.o, crtbegin.o, libgcc: the host toolchain stands in for K/N's GCC sysroot.
  ['gcc', '/usr/bin/gcc'],
  ['libc6-dev', `${MULTIARCH_LIB}/crt1.o`],
];

const KLIBS = [
  `org.jetbrains.kotlinx:kotlinx-coroutines-core-linuxx64:${COROUTINES_VERSION}:klib`,
  `org.jetbrains.kotlinx:atomicfu-linuxx64:${ATOMICFU_VERSION}:klib`,
  // atomicfu's native locks are a cinterop library of their own; coroutines links against it.
  `org.jetbrains.kotlinx:atomicfu-linuxx64:${ATOMICFU_VERSION}:klib:cinterop-interop`,
];

export function kotlinNativeCacheDir() {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'ferry', 'kotlin-native', KOTLIN_NATIVE_VERSION);
}

/**
 * Installs the Kotlin/Native toolchain if anything is missing and describes it:
 * `{ env, kotlincNative, cinterop, klibs, klibArgs, home }`. Run `kotlincNative` and `cinterop` with
 * `env` (merged over process.env, as lib.mjs's `run` does); pass `klibArgs` (`-l <klib>` for each of
 * `klibs`) to compile against kotlinx-coroutines.
 */
export function ensureKotlinNative() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`ferry's Kotlin/Native set-up supports Linux x86_64 hosts only (this is ${process.platform}/${process.arch})`);
  }
  const cache = kotlinNativeCacheDir();
  const home = path.join(cache, 'dist');
  const konanData = path.join(cache, 'konan-data');
  const klibDir = path.join(cache, 'klibs');
  const klibs = KLIBS.map((coordinates) => path.join(klibDir, klibFileName(coordinates)));

  const missingPackages = DEBIAN_PACKAGES.filter(([, file]) => !fs.existsSync(file)).map(([pkg]) => pkg);
  const gccVersion = hostGccVersion(missingPackages);
  const stampWanted = JSON.stringify({ layout: LAYOUT_REVISION, version: KOTLIN_NATIVE_VERSION, gcc: gccVersion });
  const stampFile = path.join(cache, 'setup-complete.json');
  const complete = missingPackages.length === 0
    && fs.existsSync(path.join(home, 'bin', 'kotlinc-native'))
    && readIfExists(stampFile) === stampWanted
    && klibs.every((k) => fs.existsSync(k));

  if (!complete) {
    withCacheLock(cache, () => {
      installDebianPackages(DEBIAN_PACKAGES.filter(([, file]) => !fs.existsSync(file)).map(([pkg]) => pkg));
      const gcc = hostGccVersion([]);
      installDistribution(cache, home);
      applyPropertyOverrides(home, gcc);
      buildDependenciesTree(home, konanData);
      fetchKlibs(cache, klibDir, klibs);
      fs.writeFileSync(stampFile, JSON.stringify({ layout: LAYOUT_REVISION, version: KOTLIN_NATIVE_VERSION, gcc }));
    });
  }

  const llvmLib = path.join(konanData, 'dependencies', readProperty(home, `llvm.linux_x64.user`), 'lib');
  const env = {
    KONAN_DATA_DIR: konanData,
    // cinterop's libclangstubs.so is linked against the soname libclang.so.19.1, which only our
    // dependencies tree provides (see buildDependenciesTree).
    LD_LIBRARY_PATH: [llvmLib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    PATH: [path.join(home, 'bin'), process.env.PATH].filter(Boolean).join(':'),
  };
  return {
    home,
    env,
    kotlincNative: path.join(home, 'bin', 'kotlinc-native'),
    cinterop: path.join(home, 'bin', 'cinterop'),
    klibs,
    klibArgs: klibs.flatMap((k) => ['-l', k]),
  };
}

function klibFileName(coordinates) {
  const [, artifact, version, , classifier] = coordinates.split(':');
  return `${artifact}-${version}${classifier ? `-${classifier}` : ''}.klib`;
}

function readIfExists(file) {
  try { return fs.readFileSync(file, 'utf8'); } catch { return null; }
}

function hostGccVersion(missingPackages) {
  if (missingPackages.includes('gcc')) return null;
  return run('gcc', ['-dumpversion'], { capture: true }).stdout.trim();
}

// One set-up at a time per cache: two engineers (or two scripts) starting at once must not both
// extract 750 MB into the same folder. A lock folder is created atomically; one whose owner process
// is gone is taken over.
function withCacheLock(cache, fn) {
  fs.mkdirSync(path.dirname(cache), { recursive: true });
  const lock = `${cache}.lock`;
  const deadline = Date.now() + 30 * 60 * 1000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number(readIfExists(path.join(lock, 'pid')));
      if (owner && !processAlive(owner)) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`${lock} is held by process ${owner || '?'} for 30 minutes; remove it if that process is gone`);
      sleepMs(1000);
    }
  }
  try { return fn(); } finally { fs.rmSync(lock, { recursive: true, force: true }); }
}

function processAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function installDebianPackages(packages) {
  if (packages.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const sudo = !asRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!asRoot && !sudo) {
    throw new Error(`Kotlin/Native needs these Debian packages: ${packages.join(' ')}. Install them (apt-get install --no-install-recommends ${packages.join(' ')}) or run this as root.`);
  }
  // dpkg's progress is noise; `run` prints the captured output if apt-get fails.
  const aptOptions = { capture: true, env: { DEBIAN_FRONTEND: 'noninteractive' } };
  const apt = (args) => (sudo ? run('sudo', ['-n', 'apt-get', ...args], aptOptions) : run('apt-get', args, aptOptions));
  step(`apt-get install ${packages.join(' ')} (Kotlin/Native's LLVM and sysroot)`);
  // The package lists are refreshed only now that something is really installed.
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

function installDistribution(cache, home) {
  if (fs.existsSync(path.join(home, 'bin', 'kotlinc-native'))) return;
  const downloads = path.join(cache, 'downloads');
  fs.mkdirSync(downloads, { recursive: true });
  const archiveName = `kotlin-native-prebuilt-${KOTLIN_NATIVE_VERSION}-linux-x86_64.tar.gz`;
  const archive = path.join(downloads, archiveName);
  if (!fs.existsSync(archive)) {
    step(`fetching Kotlin/Native ${KOTLIN_NATIVE_VERSION} with Maven (about 210 MB from Maven Central unless ~/.m2 has it)`);
    mavenCopy(`org.jetbrains.kotlin:kotlin-native-prebuilt:${KOTLIN_NATIVE_VERSION}:tar.gz:linux-x86_64`, downloads, cache);
  }
  step(`unpacking Kotlin/Native ${KOTLIN_NATIVE_VERSION} into ${home}`);
  // Unpacked beside the final place and renamed at the end, so an interrupted run leaves no
  // half-extracted distribution that the fast path would take for a complete one.
  const partial = path.join(cache, `dist.partial-${process.pid}`);
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial);
  run('tar', ['xzf', archive, '-C', partial]);
  const [top] = fs.readdirSync(partial);
  fs.rmSync(home, { recursive: true, force: true });
  fs.renameSync(path.join(partial, top), home);
  fs.rmSync(partial, { recursive: true, force: true });
  // Maven's local repository keeps the archive, so dropping our copy never costs a download.
  fs.rmSync(archive, { force: true });
}

// `dependency:copy` needs no project: it resolves one artifact through ~/.m2 (downloading it from
// Maven Central only if the local repository lacks it) and copies it to `outputDirectory`.
function mavenCopy(coordinates, outputDirectory, cwd) {
  run('mvn', ['-B', '-q', '--no-transfer-progress', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=${coordinates}`, `-DoutputDirectory=${outputDirectory}`], { cwd, capture: true });
}

// konan.properties is a Java properties file whose values may continue over lines ending in a
// backslash and refer to other keys as `$key`. The last occurrence of a key wins, as in the compiler.
function readProperties(home) {
  const lines = fs.readFileSync(path.join(home, 'konan', 'konan.properties'), 'utf8').split('\n');
  const raw = new Map();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i].trim()}`;
    const m = line.match(/^([^=:\s]+)\s*[=:]?\s*(.*)$/);
    if (m) raw.set(m[1], m[2].trim());
  }
  const resolve = (value, depth = 0) => (depth > 16 ? value
    : value.replace(/\$([A-Za-z0-9_.-]+)/g, (ref, key) => (raw.has(key) ? resolve(raw.get(key), depth + 1) : ref)));
  return (key) => {
    if (!raw.has(key)) throw new Error(`${key} is not set in ${home}/konan/konan.properties`);
    return resolve(raw.get(key));
  };
}

function readProperty(home, key) {
  return readProperties(home)(key);
}

const OVERRIDES_MARKER = '# ferry: offline Debian overrides (written by scripts/kotlin-native.mjs)';

// konan.properties describes JetBrains' GCC 8.3 sysroot. Our "sysroot" is the host's "/" (see
// buildDependenciesTree), which has Debian's multiarch layout instead, so the paths the linker
// searches are pointed at it. Keys appended at the end override the originals (the last one wins).
function applyPropertyOverrides(home, gccVersion) {
  const file = path.join(home, 'konan', 'konan.properties');
  const original = fs.readFileSync(file, 'utf8');
  const markerAt = original.indexOf(OVERRIDES_MARKER);
  const base = markerAt >= 0 ? original.slice(0, markerAt).trimEnd() : original.trimEnd();
  const block = [
    OVERRIDES_MARKER,
    // Fail instead of downloading if a dependency were still missing: nothing may come from the CDN.
    'airplaneMode = true',
    // crtbegin.o, crtend.o and libgcc of the host gcc (the sysroot's lib/gcc/<triple>/8.3.0 otherwise).
    `libGcc.linux_x64 = usr/lib/gcc/x86_64-linux-gnu/${gccVersion}`,
    // glibc's libraries and start files live under the multiarch folders on Debian.
    'abiSpecificLibraries.linux_x64 = lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu',
    'crtFilesLocation.linux_x64 = usr/lib/x86_64-linux-gnu',
  ].join('\n');
  const wanted = `${base}\n\n${block}\n`;
  if (wanted !== original) fs.writeFileSync(file, wanted);
}

// Fills $KONAN_DATA_DIR/dependencies with the folders konan.properties names, made of links to the
// Debian packages, and lists them in `.extracted`, which is how the compiler knows a dependency is
// already there.
function buildDependenciesTree(home, konanData) {
  const deps = path.join(konanData, 'dependencies');
  fs.mkdirSync(deps, { recursive: true });
  const property = readProperties(home);
  const llvmName = property('llvm.linux_x64.user');
  const toolchainName = property('toolchainDependency.linux_x64');
  const libffiName = property('libffiDir.linux_x64');
  const wanted = new Set(property('dependencies.linux_x64').split(/\s+/).filter(Boolean));
  for (const name of [llvmName, toolchainName, libffiName]) wanted.add(name);

  // LLVM: every Debian llvm-19 tool under the name the compiler calls it by.
  const llvm = path.join(deps, llvmName);
  const llvmBin = path.join(llvm, 'bin');
  const llvmLib = path.join(llvm, 'lib');
  fs.mkdirSync(llvmBin, { recursive: true });
  fs.mkdirSync(llvmLib, { recursive: true });
  const debianLlvm = `/usr/lib/llvm-${LLVM_MAJOR}`;
  for (const tool of fs.readdirSync(path.join(debianLlvm, 'bin'))) {
    if (tool === 'clang' || tool === 'clang++') continue;
    symlink(path.join(debianLlvm, 'bin', tool), path.join(llvmBin, tool));
  }
  for (const tool of ['clang', 'clang++']) writeClangWrapper(path.join(llvmBin, tool), tool);
  // cinterop loads libclang through libclangstubs.so, whose DT_NEEDED is the soname of JetBrains'
  // build, libclang.so.<major>.<minor>; Debian names the same library libclang-19.so.19.
  const debianLibclang = `${MULTIARCH_LIB}/libclang-${LLVM_MAJOR}.so.${LLVM_MAJOR}`;
  const jetbrainsSoname = needLibclangSoname(home) ?? `libclang.so.${LLVM_MAJOR}.1`;
  symlink(debianLibclang, path.join(llvmLib, jetbrainsSoname));
  symlink(debianLibclang, path.join(llvmLib, 'libclang.so'));
  // The compiler points clang at <llvm>/lib/clang/<version>/include for the built-in headers
  // (stddef.h, stdarg.h, ...); the link makes that path real rather than silently missing.
  symlink(path.join(debianLlvm, 'lib', 'clang'), path.join(llvmLib, 'clang'));

  // The GCC toolchain. The compiler hands clang `--sysroot=<toolchain>/x86_64-unknown-linux-gnu/sysroot`,
  // which becomes the host's "/" (glibc headers and libraries), and `--gcc-toolchain=<toolchain>`,
  // under which clang's driver looks for lib/gcc/<triple>/<version>: the host gcc's folder.
  const toolchain = path.join(deps, toolchainName);
  fs.mkdirSync(path.join(toolchain, 'x86_64-unknown-linux-gnu'), { recursive: true });
  fs.mkdirSync(path.join(toolchain, 'lib'), { recursive: true });
  symlink('/', path.join(toolchain, 'x86_64-unknown-linux-gnu', 'sysroot'));
  symlink('/usr/lib/gcc', path.join(toolchain, 'lib', 'gcc'));

  // libffi and lldb are listed as dependencies, but building and running linux_x64 executables
  // (the smoke check included) never opens them: a placeholder folder satisfies the presence check.
  for (const name of wanted) {
    if (name === llvmName || name === toolchainName) continue;
    fs.mkdirSync(path.join(deps, name), { recursive: true });
    fs.writeFileSync(path.join(deps, name, 'README'), 'Placeholder written by ferry (scripts/kotlin-native.mjs): not needed for linux_x64 executables.\n');
  }
  // Written last: once a name is listed, the compiler trusts the folder and downloads nothing.
  fs.writeFileSync(path.join(deps, '.extracted'), `${[...wanted].join('\n')}\n`);
}

// The soname libclangstubs.so asks for, read from its dynamic section (binutils' readelf).
function needLibclangSoname(home) {
  const stubs = path.join(home, 'konan', 'nativelib', 'libclangstubs.so');
  if (!fs.existsSync(stubs)) return null;
  const r = run('readelf', ['--dynamic', stubs], { capture: true, allowFail: true });
  const m = r.status === 0 ? r.stdout.match(/\(NEEDED\)\s+Shared library: \[(libclang\.so[^\]]*)\]/) : null;
  return m ? m[1] : null;
}

function symlink(target, link) {
  try {
    if (fs.readlinkSync(link) === target) return;
  } catch { /* missing or not a link */ }
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(target, link);
}

// Why two clangs: the LLVM inside Kotlin/Native (libllvmstubs.so, JetBrains' 19.1.x build from the
// Apple fork) writes debug-info records in a newer layout than upstream LLVM 19 (DICompositeType with
// 24 operands, DIBasicType with 8). When the compiler turns its bitcode into an object file it runs
// `clang++ -cc1 -emit-obj ... -x ir out.bc`, and Debian's clang-19 stops there with "Invalid record".
// clang-22 reads that layout, so that one step goes to clang-22. Everything else stays on clang-19:
// in particular cinterop's stub bitcode, which K/N's LLVM 19 must read back and could not if a
// newer clang wrote it.
function writeClangWrapper(file, tool) {
  const script = `#!/bin/sh
# Written by ferry (scripts/kotlin-native.mjs). Kotlin/Native's own bitcode (-cc1 ... -x ir) needs
# clang-${IR_CLANG_MAJOR} to be read; everything else must be compiled by clang-${LLVM_MAJOR}, the LLVM K/N embeds.
case " $* " in
  *" -cc1 "*" -x ir "*) exec /usr/lib/llvm-${IR_CLANG_MAJOR}/bin/${tool} "$@" ;;
  *) exec /usr/lib/llvm-${LLVM_MAJOR}/bin/${tool} "$@" ;;
esac
`;
  if (readIfExists(file) === script && !fs.lstatSync(file).isSymbolicLink()) return;
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, script, { mode: 0o755 });
}

function fetchKlibs(cache, klibDir, klibs) {
  fs.mkdirSync(klibDir, { recursive: true });
  KLIBS.forEach((coordinates, i) => {
    if (fs.existsSync(klibs[i])) return;
    step(`fetching ${coordinates} with Maven`);
    mavenCopy(coordinates, klibDir, cache);
  });
}

// ---- the smoke check -----------------------------------------------------------------------

const CHECK_DIR = path.join(ROOT, 'scripts', 'kotlin-native-check');
const CHECK_BUILD = path.join(ROOT, 'build', 'kotlin-native-check');
// A hung test binary fails the check instead of blocking it (each test also has its own deadline).
const TEST_BINARY_TIMEOUT_MS = 5 * 60 * 1000;

function mtime(file) {
  try { return fs.statSync(file).mtimeMs; } catch { return 0; }
}

function outdated(output, inputs) {
  const built = mtime(output);
  return built === 0 || inputs.some((i) => mtime(i) > built);
}

/**
 * Builds the Rust staticlib, binds it with cinterop, compiles the kotlin.test sources with
 * `kotlinc-native -tr` and runs the test binary. Returns `{ passed, failed }`.
 */
export function runKotlinNativeCheck() {
  const kn = ensureKotlinNative();
  fs.mkdirSync(CHECK_BUILD, { recursive: true });
  // Outputs built by another toolchain are stale even when older inputs say otherwise.
  const toolchainStamp = path.join(CHECK_BUILD, 'toolchain.txt');
  const toolchainId = `${kn.home}\n${kn.klibs.join('\n')}\n`;
  if (readIfExists(toolchainStamp) !== toolchainId) fs.writeFileSync(toolchainStamp, toolchainId);

  step('kotlin-native check: cargo build (Rust staticlib)');
  const targetDir = path.join(CHECK_BUILD, 'target');
  run('cargo', ['build', '--release', '--quiet', '--manifest-path', path.join(CHECK_DIR, 'Cargo.toml'), '--target-dir', targetDir]);
  const staticLib = path.join(targetDir, 'release', 'libferry_kn_check.a');

  const def = path.join(CHECK_DIR, 'ferry_kn_check.def');
  const header = path.join(CHECK_DIR, 'ferry_kn_check.h');
  const bindings = path.join(CHECK_BUILD, 'ferry_kn_check.klib');
  if (outdated(bindings, [def, header, staticLib, toolchainStamp])) {
    step('kotlin-native check: cinterop (C header -> Kotlin bindings, staticlib embedded in the klib)');
    run(kn.cinterop, ['-def', def, '-compiler-option', `-I${CHECK_DIR}`,
      '-libraryPath', path.dirname(staticLib), '-staticLibrary', path.basename(staticLib),
      '-o', bindings], { env: kn.env });
  }

  const sourcesDir = path.join(CHECK_DIR, 'kotlin');
  const sources = fs.readdirSync(sourcesDir).filter((f) => f.endsWith('.kt')).sort().map((f) => path.join(sourcesDir, f));
  const testBinary = path.join(CHECK_BUILD, 'kn-check.kexe');
  if (outdated(testBinary, [...sources, bindings, toolchainStamp])) {
    step('kotlin-native check: kotlinc-native -tr (test binary)');
    run(kn.kotlincNative, ['-tr', '-opt-in=kotlinx.cinterop.ExperimentalForeignApi',
      '-l', bindings, ...kn.klibArgs, ...sources, '-o', testBinary.replace(/\.kexe$/, '')], { env: kn.env });
  }

  step('kotlin-native check: running the tests');
  return runTestBinary(testBinary);
}

/**
 * Runs a `kotlinc-native -tr` test binary under a time limit, echoes its log and counts its
 * verdicts (see parseTestOutput); a timeout or a crash after the last verdict counts as one
 * failure more. Returns `{ passed, failed }`.
 */
export function runTestBinary(testBinary, { env = {} } = {}) {
  const r = spawnSync(testBinary, ['--ktest_logger=GTEST'], {
    encoding: 'utf8', timeout: TEST_BINARY_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  process.stdout.write(output);
  const result = parseTestOutput(output);
  if (r.error?.code === 'ETIMEDOUT') {
    console.error(`\n!! the test binary did not finish within ${TEST_BINARY_TIMEOUT_MS / 1000} s`);
    result.failed += 1;
  } else if (r.status !== 0 && result.failed === 0) {
    // A crash (signal, abort, uncaught exception on a foreign thread) after the last verdict.
    console.error(`\n!! the test binary exited with ${r.status ?? r.signal} without reporting a failed test`);
    result.failed += 1;
  }
  return result;
}

/**
 * Counts verdicts in the GTest-style log of a Kotlin/Native test binary. A test that started
 * (`[ RUN      ] name`) but has no verdict crashed the binary: it counts as failed.
 */
export function parseTestOutput(output) {
  const started = new Set();
  const passed = new Set();
  const failed = new Set();
  for (const line of output.split('\n')) {
    let m;
    if ((m = line.match(/^\[ RUN {6}\] (\S+)\s*$/))) started.add(m[1]);
    else if ((m = line.match(/^\[ {7}OK \] (\S+) \(\d+ ms\)/))) passed.add(m[1]);
    // Verdict lines carry a duration; the closing summary repeats failed names without one.
    else if ((m = line.match(/^\[ {2}FAILED {2}\] (\S+) \(\d+ ms\)/))) failed.add(m[1]);
  }
  for (const name of started) if (!passed.has(name) && !failed.has(name)) failed.add(name);
  return { passed: passed.size, failed: failed.size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--check')) {
    console.error('usage: node scripts/kotlin-native.mjs [--check]');
    process.exit(2);
  }
  if (!args.includes('--check')) {
    const kn = ensureKotlinNative();
    console.log(`Kotlin/Native ${KOTLIN_NATIVE_VERSION} ready: ${kn.kotlincNative}`);
    for (const [k, v] of Object.entries(kn.env)) console.log(`  ${k}=${v}`);
    process.exit(0);
  }
  let result;
  try {
    result = runKotlinNativeCheck();
  } catch (e) {
    console.error(`\n!! ${e.message}`);
    result = { passed: 0, failed: 1 };
  }
  console.log(`\nkotlin-native check: ${result.passed} passed, ${result.failed} failed`);
  process.exit(result.failed === 0 && result.passed > 0 ? 0 : 1);
}
