// Android's runtime (ART 11) on the host, without an Android SDK, device or emulator.
//
// Debian packages ART's runtime library (android-libart 11.0.0+r48) but none of what a device
// boots it with: no `dalvikvm`, no boot class path (libcore dex jars), no boot image, no dex2oat
// and no JIT compiler. This script supplies the rest:
//   - the boot class path, compiled from Debian's Android 10 libcore *source* package with a
//     small patch that lets it start on the Android 11 runtime (scripts/art/libcore10-on-art11.patch),
//   - the three native libraries ART loads at start-up (libjavacore, libopenjdk, libicu_jni),
//     built from the same source (a subset of it) plus small helpers in scripts/art/native/,
//   - a launcher that stands in for `dalvikvm` (scripts/art/native/launcher.c),
//   - d8 from Maven Central, to turn JVM bytecode into dex.
// The VM then runs from dex alone, interpreter only (no image, no JIT).
//
// `ensureArt()` installs whatever is missing and is a fast no-op once everything is in place:
// each stage leaves a stamp holding a hash of its inputs, so editing the patch or a helper
// rebuilds exactly the stages that use it. Everything lives under
// ${XDG_CACHE_HOME:-~/.cache}/ferry/art/.
//
// `runOnArt()` runs a dexed app on it under -Xcheck:jni, loaded by its own PathClassLoader as an
// APK's classes are; `dexJars()` turns its jars into dex. `node scripts/art.mjs` only sets up;
// scripts/art-fixture.mjs (`npm run fixture -- fixtures/<name> --art`) runs a fixture's tests on it.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, run, step } from './lib.mjs';

const HERE = path.join(ROOT, 'scripts', 'art');
const NATIVE_HELPERS = path.join(HERE, 'native');
const PATCH = path.join(HERE, 'libcore10-on-art11.patch');

const LIBCORE_PACKAGE = 'android-platform-libcore';
const LIBCORE_VERSION = '10.0.0+r36';
const LIBCORE_TARBALL = `${LIBCORE_PACKAGE}_${LIBCORE_VERSION}.orig.tar.gz`;
// d8 is part of R8; this release reads class files up to Java 21 and writes dex for API 30.
const R8 = { coords: 'com.android.tools:r8:8.5.35', jar: 'r8-8.5.35.jar' };
// Robolectric's android-all 11 jar, for two things the libcore source package lacks: the
// android.icu.* classes libcore compiles against, and libcore.util.FP16, which ART 11 treats
// as an intrinsic class (its start-up checks the class exists with the methods it expects).
const ANDROID_ALL = { coords: 'org.robolectric:android-all:11-robolectric-6757853', jar: 'android-all-11-robolectric-6757853.jar' };
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
// What d8 targets: the probe of this set-up used 30 for both the boot classes and the app.
const MIN_API = '30';

const MULTIARCH_LIB = '/usr/lib/x86_64-linux-gnu';
const ART_LIB = `${MULTIARCH_LIB}/android`;
const DEBIAN_PACKAGES = [
  // the runtime and the libraries it links against
  'android-libart', 'android-libbacktrace', 'android-libbase', 'android-liblog', 'android-libziparchive',
  'android-libnativeloader', 'android-libnativebridge', 'android-libnativehelper',
  // headers and link libraries for building libcore's natives and the launcher
  'android-libnativehelper-dev', 'android-liblog-dev', 'android-libbase-dev',
  'liblz4-dev', 'libcap-dev', 'libicu-dev', 'zlib1g-dev', 'gcc', 'g++', 'patch', 'unzip',
];
// Debian's libcore source package is only reachable through a deb-src entry.
const DEB_SRC_LIST = '/etc/apt/sources.list.d/ferry-art-src.sources';
const DEB_SRC_ENTRY = [
  'Types: deb-src',
  'URIs: http://deb.debian.org/debian',
  'Suites: bookworm',
  'Components: main',
  'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
  '',
].join('\n');

// libcore's luni natives compiled into libjavacore.so (registered by native/javacore_onload.cc).
// Left out: crypto (BoringSSL), XML (expat), java.net and NativeBN, which Debian cannot build here.
const JAVACORE_SOURCES = [
  'AsynchronousCloseMonitor', 'ExecStrings', 'JniConstants', 'JniException', 'NetworkUtilities',
  'android_system_OsConstants', 'java_lang_invoke_MethodHandle', 'java_lang_invoke_VarHandle',
  'libcore_io_AsynchronousCloseMonitor', 'libcore_io_Linux', 'libcore_io_Memory',
  'libcore_util_NativeAllocationRegistry', 'sun_misc_Unsafe', 'valueOf', 'IcuUtilities', 'libcore_icu_ICU',
  'libcore_icu_NativeConverter', 'java_util_regex_Pattern', 'java_util_regex_Matcher',
].map((f) => `${f}.cpp`);
// libcore's ojluni natives compiled into libopenjdk.so (registered by native/openjdk_onload.cc).
const OPENJDK_C_SOURCES = [
  'System.c', 'Runtime.c', 'FileDescriptor_md.c', 'FileInputStream.c', 'FileOutputStream_md.c', 'io_util.c',
  'io_util_md.c', 'UnixFileSystem_md.c', 'canonicalize_md.c', 'jni_util.c', 'jni_util_md.c', 'Double.c', 'Float.c',
  'Math.c', 'ZipFile.c', 'zip_util.c', 'Inflater.c', 'Deflater.c', 'CRC32.c', 'Adler32.c',
];
const OPENJDK_CPP_SOURCES = ['linux_close.cpp', 'JniConstants.cpp'];

// Bumped when a stage changes in a way its hashed inputs do not show (e.g. a compiler flag
// in this file), so an existing cache is rebuilt instead of trusted.
const RECIPE_REVISION = 1;

export function artCacheDir() {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'ferry', 'art');
}

function javaHome() {
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  // javac lives in <home>/bin; the JDK's jni.h is what the C helpers compile against.
  const javac = run('sh', ['-c', 'readlink -f "$(command -v javac)"'], { capture: true }).stdout.trim();
  if (!javac) throw new Error('no javac on PATH: the ART set-up needs a JDK (17+)');
  return path.dirname(path.dirname(javac));
}

/** A cheap identity of a large file (a jar, a tarball): path, size and modification time. */
const fingerprint = (file) => {
  const st = fs.statSync(file);
  return `${file}:${st.size}:${st.mtimeMs}`;
};

/** A hash of small input files (read whole) and plain strings. */
const hashOf = (...parts) => {
  const h = createHash('sha256');
  h.update(String(RECIPE_REVISION));
  for (const p of parts) h.update(fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p) : String(p));
  return h.digest('hex').slice(0, 16);
};

/** Runs `build` unless `stamp` already records `key`; records it after a successful build. */
function stage(stamp, key, label, build) {
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key) return false;
  step(`ART set-up: ${label}`);
  build();
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, key);
  return true;
}

function missingDebianPackages() {
  const r = run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...DEBIAN_PACKAGES], { capture: true, allowFail: true });
  const installed = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]));
  return DEBIAN_PACKAGES.filter((p) => !installed.has(p));
}

function asRoot(cmd, args, opts = {}) {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? run(cmd, args, opts) : run('sudo', ['-n', cmd, ...args], opts);
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  step(`ART set-up: Debian packages (${missing.join(' ')})`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  asRoot('apt-get', ['update', '-q'], { env, capture: true });
  asRoot('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env, capture: true });
}

/** Downloads Debian's libcore source tarball (the .orig tarball is the AOSP tree as released). */
function ensureLibcoreSource(cache) {
  const srcDir = path.join(cache, 'src');
  const tarball = path.join(srcDir, LIBCORE_TARBALL);
  if (fs.existsSync(tarball)) return tarball;
  step(`ART set-up: ${LIBCORE_PACKAGE} ${LIBCORE_VERSION} source (apt-get source)`);
  fs.mkdirSync(srcDir, { recursive: true });
  let updated = false;
  if (!fs.existsSync(DEB_SRC_LIST)) {
    const tmp = path.join(cache, 'ferry-art-src.sources');
    fs.writeFileSync(tmp, DEB_SRC_ENTRY);
    asRoot('install', ['-m', '644', tmp, DEB_SRC_LIST]);
    asRoot('apt-get', ['update', '-q'], { capture: true });
    updated = true;
  }
  const fetch = () => run('apt-get', ['source', '-q', '--download-only', LIBCORE_PACKAGE], { cwd: srcDir, capture: true, allowFail: true });
  let r = fetch();
  if (r.status !== 0 && !updated) {
    // The entry existed but the package lists may be stale (or were never fetched for it).
    asRoot('apt-get', ['update', '-q'], { capture: true });
    r = fetch();
  }
  if (!fs.existsSync(tarball)) throw new Error(`apt-get source ${LIBCORE_PACKAGE} did not produce ${LIBCORE_TARBALL}:\n${r.stdout}${r.stderr}`);
  return tarball;
}

function mavenCopy(artifact, dir, jarName) {
  const jar = path.join(dir, jarName);
  if (fs.existsSync(jar)) return jar;
  step(`ART set-up: ${artifact} (Maven Central)`);
  fs.mkdirSync(dir, { recursive: true });
  run('mvn', ['-B', '-q', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`], { capture: true });
  if (!fs.existsSync(jar)) throw new Error(`Maven did not produce ${jar}`);
  return jar;
}

/**
 * The Java files of AOSP's core-oj and core-libart modules, read from the .bp lists that ship
 * in the source: exactly what a device's boot class path holds (minus the test-only Java 9
 * language-feature file, which javac -source 8 cannot compile).
 */
function libcoreFileList(libcore) {
  const bp = fs.readFileSync(path.join(libcore, 'openjdk_java_files.bp'), 'utf8');
  const group = (name) => {
    const start = bp.indexOf(`name: "${name}"`);
    if (start < 0) throw new Error(`openjdk_java_files.bp has no ${name}`);
    const end = bp.indexOf('\n}', start);
    return bp.slice(start, end);
  };
  const ojGroups = ['openjdk_javadoc_files', 'openjdk_mmodule_extra_files', 'openjdk_internal_files', 'openjdk_lambda_stub_files'];
  const files = ojGroups.flatMap((g) => [...group(g).matchAll(/"([^"]+\.java)"/g)].map((m) => m[1]));
  const nonOj = fs.readFileSync(path.join(libcore, 'non_openjdk_java_files.bp'), 'utf8');
  const libart = [...new Set([...nonOj.matchAll(/"([^"]+\.java)"/g)].map((m) => m[1]))].filter((f) => !f.includes('Java9LanguageFeatures'));
  return [...files, ...libart.sort()];
}

/** Unpacks and patches the libcore source (shared by the Java and the native stages). */
function preparedLibcore(cache, tarball) {
  const libcore = path.join(cache, 'libcore');
  stage(path.join(cache, 'stamps', 'libcore-source'), hashOf(fingerprint(tarball), PATCH), 'unpacking and patching libcore', () => {
    fs.rmSync(libcore, { recursive: true, force: true });
    fs.mkdirSync(libcore, { recursive: true });
    run('tar', ['xzf', tarball, '-C', libcore]);
    run('patch', ['-p1', '-s', '-i', PATCH], { cwd: libcore });
  });
  return libcore;
}

function buildBootClassPath(cache, libcore, r8Jar, androidAllJar) {
  const boot = path.join(cache, 'boot');
  const classesJar = path.join(boot, 'core-classes.jar');
  const dexJar = path.join(boot, 'core.jar');
  const key = hashOf(path.join(cache, 'stamps', 'libcore-source'), fingerprint(androidAllJar), fingerprint(r8Jar));
  stage(path.join(cache, 'stamps', 'boot'), key, 'boot class path: javac libcore (about 2,100 files), then d8', () => {
    const work = path.join(cache, 'boot-build');
    fs.rmSync(work, { recursive: true, force: true });
    const icuClasses = path.join(work, 'android-all');
    const classes = path.join(work, 'classes');
    const empty = path.join(work, 'empty');
    for (const d of [icuClasses, classes, empty, boot]) fs.mkdirSync(d, { recursive: true });
    // Only what libcore needs from android-all: ICU4J's Android copy (android.icu.*, and the
    // packages it references) to compile against, and FP16 to ship.
    run('unzip', ['-q', '-o', androidAllJar, 'android/icu/*', 'com/android/icu/*', 'com/android/org/*',
      'android/compat/*', 'android/annotation/*', 'libcore/util/FP16*', '-d', icuClasses], { capture: true, allowFail: true });
    const list = path.join(work, 'files.txt');
    fs.writeFileSync(list, libcoreFileList(libcore).join('\n') + '\n');
    // -bootclasspath <empty dir>: libcore *is* java.lang; the host JDK's classes must not leak in.
    const javac = run('nice', ['javac', '-J-Xmx3g', '-nowarn', '-source', '8', '-target', '8', '-encoding', 'UTF-8',
      '-bootclasspath', empty, '-cp', icuClasses, '-d', classes, `@${list}`], { cwd: libcore, capture: true, allowFail: true });
    if (javac.status !== 0) {
      process.stderr.write(javac.stderr.split('\n').filter((l) => !/^(warning|Note|\d+ warnings?)/.test(l)).join('\n'));
      throw new Error('javac of libcore failed');
    }
    fs.mkdirSync(path.join(classes, 'libcore', 'util'), { recursive: true });
    for (const f of fs.readdirSync(path.join(icuClasses, 'libcore', 'util'))) {
      fs.copyFileSync(path.join(icuClasses, 'libcore', 'util', f), path.join(classes, 'libcore', 'util', f));
    }
    fs.rmSync(classesJar, { force: true });
    run('jar', ['cf', classesJar, '-C', classes, '.']);
    fs.rmSync(dexJar, { force: true });
    // --release: a boot class path without debug info is smaller and faster to interpret.
    run('nice', ['java', '-Xmx3g', '-cp', r8Jar, 'com.android.tools.r8.D8', '--release', '--min-api', MIN_API,
      '--thread-count', '1', '--output', dexJar, classesJar], { capture: true });
    fs.rmSync(work, { recursive: true, force: true });
  });
  return { classesJar, dexJar };
}

function buildNativeLibs(cache, libcore, jdk) {
  const out = path.join(cache, 'native');
  const helpers = ['javacore_onload.cc', 'openjdk_onload.cc', 'jvm_shim.cc', 'empty_onload.c', 'icu/ureslocs.h', 'icu/ustrenum.h'];
  const key = hashOf(path.join(cache, 'stamps', 'libcore-source'), ...helpers.map((h) => path.join(NATIVE_HELPERS, h)));
  stage(path.join(cache, 'stamps', 'native'), key, 'libjavacore, libopenjdk, libicu_jni (libcore natives for Debian ICU 72)', () => {
    const objects = path.join(cache, 'native-build');
    fs.rmSync(objects, { recursive: true, force: true });
    fs.mkdirSync(path.join(objects, 'javacore'), { recursive: true });
    fs.mkdirSync(path.join(objects, 'openjdk'), { recursive: true });
    fs.mkdirSync(out, { recursive: true });
    const luni = path.join(libcore, 'luni', 'src', 'main', 'native');
    const ojluni = path.join(libcore, 'ojluni', 'src', 'main', 'native');
    const jni = [`-I${jdk}/include`, `-I${jdk}/include/linux`];
    const android = ['-I/usr/include/android', '-I/usr/include/android/nativehelper'];
    const cc = (compiler, args) => run('nice', [compiler, '-fPIC', '-O1', '-w', ...args], { capture: true });

    // ART aborts at start-up unless it can load libicu_jni.so; Android 10 keeps nothing in it.
    cc('gcc', ['-shared', ...jni, path.join(NATIVE_HELPERS, 'empty_onload.c'), '-o', path.join(out, 'libicu_jni.so')]);

    // libjavacore: string.h is forced in (Android's bionic headers pull it in where glibc's do
    // not); the two ICU macros restore names ICU 72 no longer defines by default.
    const javacoreFlags = ['-std=gnu++17', '-include', 'string.h', '-DU_USING_ICU_NAMESPACE=1', '-DU_DEFINE_FALSE_AND_TRUE=1',
      `-I${luni}`, `-I${path.join(NATIVE_HELPERS, 'icu')}`, ...android];
    for (const f of JAVACORE_SOURCES) {
      cc('g++', ['-c', ...javacoreFlags, path.join(luni, f), '-o', path.join(objects, 'javacore', f.replace(/\.cpp$/, '.o'))]);
    }
    cc('g++', ['-c', '-std=gnu++17', `-I${luni}`, ...android, path.join(NATIVE_HELPERS, 'javacore_onload.cc'), '-o', path.join(objects, 'javacore', 'onload.o')]);
    const javacoreObjects = fs.readdirSync(path.join(objects, 'javacore')).map((f) => path.join(objects, 'javacore', f));
    // -Bsymbolic: libjavacore and libopenjdk both define JniConstants; each must use its own.
    run('g++', ['-shared', '-Wl,-Bsymbolic', '-o', path.join(out, 'libjavacore.so'), ...javacoreObjects,
      `-L${ART_LIB}`, `-Wl,-rpath,${ART_LIB}`, '-lnativehelper', '-llog', '-lbase', '-lcap', '-lz', '-licuuc', '-licui18n']);

    const ojFlags = ['-D_GNU_SOURCE', '-DLINUX', `-I${ojluni}`, ...android];
    for (const f of OPENJDK_C_SOURCES) {
      cc('gcc', ['-c', ...ojFlags, '-D_LARGEFILE64_SOURCE', '-DUSE_MMAP', ...jni, path.join(ojluni, f), '-o', path.join(objects, 'openjdk', f.replace(/\.c$/, '.o'))]);
    }
    for (const f of OPENJDK_CPP_SOURCES) {
      cc('g++', ['-c', '-std=gnu++17', ...ojFlags, `-I${luni}`, path.join(ojluni, f), '-o', path.join(objects, 'openjdk', f.replace(/\.cpp$/, '.o'))]);
    }
    for (const f of ['jvm_shim.cc', 'openjdk_onload.cc']) {
      cc('g++', ['-c', '-std=gnu++17', ...jni, path.join(NATIVE_HELPERS, f), '-o', path.join(objects, 'openjdk', f.replace(/\.cc$/, '.o'))]);
    }
    const openjdkObjects = fs.readdirSync(path.join(objects, 'openjdk')).map((f) => path.join(objects, 'openjdk', f));
    // -lart: the JVM shim's JVM_NativeLoad calls into the runtime (see jvm_shim.cc).
    run('g++', ['-shared', '-Wl,-Bsymbolic', '-o', path.join(out, 'libopenjdk.so'), ...openjdkObjects,
      `-L${out}`, '-ljavacore', `-L${ART_LIB}`, `-Wl,-rpath,${ART_LIB}`, '-lart', '-lnativehelper', '-llog', '-lm', '-ldl', '-lz']);
    fs.rmSync(objects, { recursive: true, force: true });
  });
  return out;
}

function buildLauncher(cache, jdk) {
  const launcher = path.join(cache, 'bin', 'ferry-art-launcher');
  const source = path.join(NATIVE_HELPERS, 'launcher.c');
  stage(path.join(cache, 'stamps', 'launcher'), hashOf(source), 'launcher (stands in for dalvikvm)', () => {
    fs.mkdirSync(path.dirname(launcher), { recursive: true });
    // --no-as-needed: libsigchain must be loaded (it interposes signal handling for ART) even
    // though the launcher calls none of its functions; the same for the other runtime libraries.
    run('gcc', ['-O1', '-g', '-w', `-I${jdk}/include`, `-I${jdk}/include/linux`, source, '-o', launcher,
      `-L${ART_LIB}`, `-Wl,-rpath,${ART_LIB}`, '-Wl,--no-as-needed', '-lsigchain', '-lart', '-lnativeloader',
      '-lnativebridge', '-lbacktrace', '-lbase', '-llog', '-lziparchive', '-llz4', '-ldl', '-lpthread'], { capture: true });
  });
  return launcher;
}

/** Installs what is missing; returns the paths a run needs. Fast when all is in place. */
export function ensureArt() {
  const cache = artCacheDir();
  fs.mkdirSync(cache, { recursive: true });
  ensureDebianPackages();
  const jdk = javaHome();
  const tarball = ensureLibcoreSource(cache);
  const r8Jar = mavenCopy(R8.coords, path.join(cache, 'tools'), R8.jar);
  const androidAllJar = mavenCopy(ANDROID_ALL.coords, path.join(cache, 'tools'), ANDROID_ALL.jar);
  const libcore = preparedLibcore(cache, tarball);
  const { classesJar, dexJar } = buildBootClassPath(cache, libcore, r8Jar, androidAllJar);
  const nativeLibs = buildNativeLibs(cache, libcore, jdk);
  const launcher = buildLauncher(cache, jdk);
  // ART wants these to exist (dalvik-cache for any dex it would optimise, the roots for
  // module paths); they stay empty since the VM runs imageless and interpreted.
  const androidData = path.join(cache, 'android-data');
  const androidRoot = path.join(cache, 'android-root');
  fs.mkdirSync(path.join(androidData, 'dalvik-cache'), { recursive: true });
  fs.mkdirSync(androidRoot, { recursive: true });
  return { cache, r8Jar, bootClassesJar: classesJar, bootDexJar: dexJar, nativeLibs, launcher, androidData, androidRoot };
}

/** The environment and leading VM options of an imageless, interpreted ART run. */
function artCommand(art, { appDex, appLibDir, vmOptions = [] }) {
  const env = {
    ANDROID_DATA: art.androidData,
    ANDROID_ROOT: art.androidRoot,
    ANDROID_ART_ROOT: art.androidRoot,
    ANDROID_I18N_ROOT: art.androidRoot,
    ANDROID_TZDATA_ROOT: art.androidRoot,
    // The start-up libraries are found by name through the dynamic loader.
    LD_LIBRARY_PATH: [art.nativeLibs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
  const args = [
    `-Xbootclasspath:${art.bootDexJar}`, `-Xbootclasspath-locations:${art.bootDexJar}`,
    // No boot image exists and none can be made (Debian has no dex2oat): run from dex, interpreted.
    '-Xnoimage-dex2oat', '-Xusejit:false', '-Xint',
    `-Djava.library.path=${appLibDir}`,
    ...vmOptions,
    '--app', appDex.join(':'), '--app-lib', appLibDir,
  ];
  return { env, args };
}

/**
 * d8 of jars into one dex jar (for API MIN_API), redone only when an input changed. `classpath`:
 * jars the inputs link against that are dexed separately (the app's libraries).
 */
export function dexJars(art, inputs, output, { classpath = [] } = {}) {
  const key = hashOf(...[...inputs, ...classpath, art.r8Jar, art.bootClassesJar].map(fingerprint));
  const stamp = `${output}.stamp`;
  if (fs.existsSync(output) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key) return output;
  fs.rmSync(output, { force: true });
  fs.mkdirSync(path.dirname(output), { recursive: true });
  // --lib: the boot classes are the platform the app links against (as android.jar is).
  run('nice', ['java', '-Xmx2g', '-cp', art.r8Jar, 'com.android.tools.r8.D8', '--min-api', MIN_API, '--thread-count', '2',
    '--lib', art.bootClassesJar, ...classpath.flatMap((c) => ['--classpath', c]), '--output', output, ...inputs], { capture: true });
  fs.writeFileSync(stamp, key);
  return output;
}

// What ART prints when CheckJNI or the runtime gives up; any of them fails the run.
const ART_FAILURE = /JNI DETECTED ERROR IN APPLICATION|JNI WARNING|Runtime aborting|FATAL EXCEPTION|UnsatisfiedLinkError/;
// Expected start-up noise of an imageless host run, left out of the printed output.
const ART_NOISE = /image_space\.cc|hidden_api\.cc|parsed_options\.cc/;

/**
 * Runs `mainClass` on ART 11 under -Xcheck:jni, the `appDex` jars loaded by their own
 * PathClassLoader (parent: the boot class loader) as an APK's classes are, with `appLibDir` as
 * that loader's library directory (System.loadLibrary looks there). Prints the output (without
 * the start-up noise) and returns it with the problems seen: a timeout (the VM is killed), a
 * signal, a non-zero exit, or an error reported by ART or CheckJNI.
 */
export function runOnArt(art, { appDex, appLibDir, mainClass, args = [], vmOptions = [], cwd, timeoutMs }) {
  const command = artCommand(art, { appDex, appLibDir, vmOptions: ['-Xcheck:jni', ...vmOptions] });
  const t0 = Date.now();
  const r = spawnSync(art.launcher, [...command.args, mainClass, ...args], {
    cwd, env: { ...process.env, ...command.env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutMs, killSignal: 'SIGKILL',
  });
  const seconds = (Date.now() - t0) / 1000;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  process.stdout.write(output.split('\n').filter((l) => !ART_NOISE.test(l)).join('\n'));
  const problems = [];
  if (r.error?.code === 'ETIMEDOUT') problems.push(`ART did not finish within ${timeoutMs / 1000} s (killed)`);
  else if (r.error) problems.push(`cannot run the launcher: ${r.error.message}`);
  if (r.signal) problems.push(`ART ended by signal ${r.signal}`);
  else if (r.status !== 0) problems.push(`ART exited with status ${r.status}`);
  if (ART_FAILURE.test(output)) problems.push(`ART reported: ${output.match(ART_FAILURE)[0]}`);
  return { output, problems, seconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.length > 2) {
    console.error('usage: node scripts/art.mjs   (sets ART up; to run tests on it: npm run fixture -- fixtures/<name> --art)');
    process.exit(2);
  }
  try {
    const t0 = Date.now();
    const art = ensureArt();
    console.log(`ferry: ART set-up complete in ${((Date.now() - t0) / 1000).toFixed(1)} s (${art.cache})`);
  } catch (e) {
    console.error(`\nART set-up failed: ${e.message}`);
    process.exit(1);
  }
}
