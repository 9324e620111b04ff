// `ferry package`: coordinates, platform folders, the published POM, and the sequence of
// tools with stand-ins for cargo and mvn (the real build runs in scripts/jvm-app.mjs):
// a failing tool leaves no output, a succeeding run places the jar and its POM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FatalError } from '../src/diagnostics.js';
import { main } from '../src/main.js';
import { packageCrate, platformFolder, pomXml, readCoordinates } from '../src/package.js';
import { assertContains, assertNotContains, cargoToml, makeCrate, tempDir } from './helpers.js';

const LIB = '#[ferry::export]\npub fn add(a: u32, b: u32) -> u32 { a + b }\n';

const withMetadata = (extra: string) => `${cargoToml('kv_store', 'com.example.kv')}${extra}\n`;

test('package: coordinates default to the Kotlin package, crate name and version', () => {
  const dir = makeCrate({ lib: LIB, name: 'kv_store', kotlinPackage: 'com.example.kv' });
  assert.deepEqual(readCoordinates(dir), { groupId: 'com.example.kv', artifactId: 'kv_store', version: '0.1.0' });
});

test('package: coordinates from [package.metadata.ferry]', () => {
  const dir = makeCrate({ lib: LIB, cargoToml: withMetadata('group-id = "org.acme"\nartifact-id = "kv-android"\nversion = "2.0.0-rc1"') });
  assert.deepEqual(readCoordinates(dir), { groupId: 'org.acme', artifactId: 'kv-android', version: '2.0.0-rc1' });
});

test('package: an invalid coordinate is refused naming the key', () => {
  const dir = makeCrate({ lib: LIB, cargoToml: withMetadata('artifact-id = "kv store"') });
  assert.throws(() => readCoordinates(dir), (e: Error) => e instanceof FatalError && /artifact-id "kv store" is not a valid Maven artifact-id/.test(e.message));
});

test('package: a version inherited from the workspace needs an explicit one', () => {
  const toml = cargoToml('kv_store', 'com.example.kv').replace('version = "0.1.0"', 'version.workspace = true');
  const dir = makeCrate({ lib: LIB, cargoToml: toml });
  assert.throws(() => readCoordinates(dir), /set \[package\.metadata\.ferry\] version/);
});

test('package: platform folders follow the runtime scheme', () => {
  assert.equal(platformFolder('linux', 'x64'), 'linux-x86_64');
  assert.equal(platformFolder('linux', 'arm64'), 'linux-aarch64');
  assert.equal(platformFolder('darwin', 'arm64'), 'macos-aarch64');
  assert.equal(platformFolder('darwin', 'x64'), 'macos-x86_64');
  assert.equal(platformFolder('win32', 'x64'), 'windows-x86_64');
  assert.equal(platformFolder('win32', 'arm64'), 'windows-aarch64');
  assert.throws(() => platformFolder('freebsd', 'x64'), /no bundled-library folder for freebsd\/x64/);
  assert.throws(() => platformFolder('linux', 'riscv64'), /no bundled-library folder/);
});

test('package: the published POM names the runtime and kotlinx-coroutines, and no build', () => {
  const pom = pomXml({ groupId: 'com.example', artifactId: 'kv', version: '1.0' }, 'bindings of <kv> & more');
  assertContains(pom, '<groupId>com.example</groupId>\n  <artifactId>kv</artifactId>\n  <version>1.0</version>');
  assertContains(pom, '<groupId>dev.ferry</groupId>\n      <artifactId>ferry-runtime</artifactId>\n      <version>0.1.0</version>');
  assertContains(pom, '<groupId>org.jetbrains.kotlinx</groupId>\n      <artifactId>kotlinx-coroutines-core</artifactId>');
  assertContains(pom, 'bindings of &lt;kv&gt; &amp; more');
  assertNotContains(pom, '<build>');
  const build = pomXml({ groupId: 'com.example', artifactId: 'kv', version: '1.0' }, 'x', { sources: '/s', resources: '/r', target: '/t' });
  assertContains(build, '<sourceDirectory>/s</sourceDirectory>');
  assertContains(build, '<resources><resource><directory>/r</directory></resource></resources>');
  assertContains(build, '<artifactId>kotlin-maven-plugin</artifactId>');
});

/** A stand-in tool: a Node script that records its arguments, then does `body`. */
function fakeTool(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/usr/bin/env node
const fs = require('node:fs'); const path = require('node:path');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(path.join(dir, `${name}.log`))}, JSON.stringify(args) + '\\n');
${body}
`);
  fs.chmodSync(file, 0o755);
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
  return file;
}

/** A cargo that "builds" `lib<crate>.so` and reports it as cargo's JSON messages do. */
function fakeCargo(dir: string, crateDir: string, crate: string): string {
  const lib = path.join(dir, `lib${crate}.so`);
  const artifact = { reason: 'compiler-artifact', manifest_path: path.join(crateDir, 'Cargo.toml'), target: { kind: ['cdylib'] }, filenames: [lib] };
  return fakeTool(dir, 'cargo', `fs.writeFileSync(${JSON.stringify(lib)}, 'ELF');\nconsole.log(${JSON.stringify(JSON.stringify(artifact))});`);
}

const fakeMvnPackaging = (dir: string) => fakeTool(dir, 'mvn', `
if (args.includes('package')) {
  const pom = args[args.indexOf('-f') + 1];
  // What the jar would hold besides the classes: every file of the resources folder.
  const resources = /<resource><directory>([^<]+)<\\/directory>/.exec(fs.readFileSync(pom, 'utf8'))[1];
  const seen = [];
  const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else seen.push(path.relative(resources, p) + (p.endsWith('.sha256') ? ': ' + fs.readFileSync(p, 'utf8') : '\\n')); } };
  walk(resources);
  fs.writeFileSync(path.join(__dirname, 'resources-seen.txt'), seen.join(''));
  const target = path.join(path.dirname(pom), 'target');
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, 'kv_store-0.1.0.jar'), 'PK');
}`);

function packagingCrate() {
  const crate = makeCrate({ lib: LIB, name: 'kv_store', kotlinPackage: 'com.example.kv' });
  const tools = tempDir('ferry-tools-');
  return { crate, tools, out: path.join(tempDir('ferry-out-'), 'dist') };
}

test('package: a failing cargo build leaves no output', async () => {
  const { crate, tools, out } = packagingCrate();
  const cargo = fakeTool(tools, 'cargo', "console.error('error[E0308]: mismatched types'); process.exit(101);");
  await assert.rejects(packageCrate(crate, { out, cargo, mvn: fakeMvnPackaging(tools) }),
    (e: Error) => e instanceof FatalError && /cargo build --release failed \(status 101\); nothing was packaged/.test(e.message));
  assert.equal(fs.existsSync(out), false);
  assert.equal(fs.existsSync(path.join(tools, 'mvn.log')), false, 'mvn must not run after cargo failed');
});

test('package: a failing mvn leaves no output and shows what mvn said', async () => {
  const { crate, tools, out } = packagingCrate();
  const mvn = fakeTool(tools, 'mvn', "console.log('[ERROR] Failed to execute goal: dev.ferry:ferry-runtime:jar:0.1.0 was not found'); process.exit(1);");
  await assert.rejects(packageCrate(crate, { out, cargo: fakeCargo(tools, crate, 'kv_store'), mvn }), (e: Error) => {
    assertContains(e.message, 'mvn package (compiling the Kotlin bindings) failed (status 1); nothing was packaged');
    assertContains(e.message, 'ferry-runtime:jar:0.1.0 was not found');
    assertContains(e.message, 'run setup` once');
    return true;
  });
  assert.equal(fs.existsSync(out), false);
});

test('package: a missing tool is named', async () => {
  const { crate, out } = packagingCrate();
  await assert.rejects(packageCrate(crate, { out, cargo: '/nonexistent/cargo' }), /'\/nonexistent\/cargo' is not on PATH; nothing was packaged/);
  assert.equal(fs.existsSync(out), false);
});

test('package: the jar and its POM land in --out; --install runs install-file with that POM', async () => {
  const { crate, tools, out } = packagingCrate();
  const result = await packageCrate(crate, { out, install: true, cargo: fakeCargo(tools, crate, 'kv_store'), mvn: fakeMvnPackaging(tools) });
  assert.ok(result.ok);
  assert.equal(result.jar, path.join(out, 'kv_store-0.1.0.jar'));
  assert.equal(result.library, `META-INF/native/${platformFolder()}/libkv_store.so`);
  assert.deepEqual(fs.readdirSync(out).sort(), ['kv_store-0.1.0.jar', 'kv_store-0.1.0.pom']);
  assertContains(fs.readFileSync(result.pom, 'utf8'), '<artifactId>ferry-runtime</artifactId>');
  // The resources the build POM hands to the jar: the library and its digest (of 'ELF', 3 bytes).
  const folder = `META-INF/native/${platformFolder()}`;
  assert.equal(fs.readFileSync(path.join(tools, 'resources-seen.txt'), 'utf8'),
    `${folder}/libkv_store.so\n${folder}/libkv_store.so.sha256: 706abe3c90152075e656b661079730facf323f3ebccda7547ee1935c90845a09 3\n`);
  const calls = fs.readFileSync(path.join(tools, 'mvn.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
  assert.equal(calls.length, 2);
  assert.ok(calls[0].includes('package'));
  assert.ok(calls[1].some((a) => a.endsWith(':install-file')));
  assert.ok(calls[1].some((a) => a.startsWith('-DpomFile=') && a.endsWith('kv_store-0.1.0.pom')));
  const cargoArgs = JSON.parse(fs.readFileSync(path.join(tools, 'cargo.log'), 'utf8').trim()) as string[];
  assert.ok(cargoArgs.includes('--release'));
  assert.ok(fs.existsSync(path.join(crate, '.ferry', 'glue.rs')), 'cargo needs the glue');
});

test('package: bad input is reported like generate, before any tool runs', async () => {
  const { tools, out } = packagingCrate();
  const crate = makeCrate({ lib: '#[ferry::export]\npub fn f(x: *const u8) {}\n', name: 'kv_store' });
  const result = await packageCrate(crate, { out, cargo: fakeCargo(tools, crate, 'kv_store') });
  assert.equal(result.ok, false);
  assert.equal(fs.existsSync(path.join(tools, 'cargo.log')), false);
  assert.equal(fs.existsSync(out), false);
});

test('package: command line', async () => {
  const quiet = process.stderr.write;
  process.stderr.write = () => true;
  try {
    assert.equal(await main(['package']), 2);
    assert.equal(await main(['package', 'x', '--kotlin-out', 'k']), 2);
    assert.equal(await main(['package', 'x', '--out']), 2);
    assert.equal(await main(['generate', 'x', '--install']), 2);
  } finally {
    process.stderr.write = quiet;
  }
});
