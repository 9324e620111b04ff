// `ferry package`: one jar a JVM project can depend on. It holds the compiled Kotlin
// bindings and the crate's native library for the host platform, at
// META-INF/native/<os>-<arch>/<library file> (with `<library file>.sha256`: its digest and
// size), where the runtime's NativeLibrary finds and extracts it. `--install` puts the jar, with a POM naming the runtime and
// kotlinx-coroutines, into the local Maven repository.
//
// Everything is built in a temporary directory; the output directory receives the jar and
// its POM only once every step has succeeded, so a failed cargo or mvn leaves nothing behind
// but the Rust glue (`<crate>/.ferry/glue.rs`, which cargo needs and `ferry generate` writes too).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCrateConfig, readManifest } from './config.js';
import { Diagnostics, FatalError } from './diagnostics.js';
import { RUNTIME_VERSION } from './emit/fingerprint.js';
import { generateInMemory, writeOutputs } from './generate.js';

/** The Kotlin and kotlinx-coroutines the bindings are compiled with, as the runtime is. */
export const KOTLIN_VERSION = '2.1.21';
export const COROUTINES_VERSION = '1.10.2';

export interface Coordinates {
  groupId: string;
  artifactId: string;
  version: string;
}

export interface PackageOptions {
  /** Where the jar and its POM go (default `<crate-dir>/target/ferry`). */
  out?: string;
  install?: boolean;
  /** The commands run; tests substitute their own. */
  cargo?: string;
  mvn?: string;
  log?: (line: string) => void;
}

export type PackageResult =
  | { ok: true; jar: string; pom: string; coordinates: Coordinates; platform: string; library: string }
  | { ok: false; diagnostics: Diagnostics };

const MAVEN_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The Maven coordinates of the packaged jar: `[package.metadata.ferry]` `group-id`,
 * `artifact-id` and `version`, by default the Kotlin package, the crate's name and the
 * crate's version.
 */
export function readCoordinates(crateDir: string): Coordinates {
  const { manifest, toml } = readManifest(crateDir);
  const { kotlinPackage, crateName } = readCrateConfig(crateDir);
  const meta = toml.package?.metadata?.ferry ?? {};
  const crateVersion = typeof toml.package?.version === 'string' ? toml.package.version : undefined;
  const coordinates: Coordinates = {
    groupId: typeof meta['group-id'] === 'string' ? meta['group-id'] : kotlinPackage,
    artifactId: typeof meta['artifact-id'] === 'string' ? meta['artifact-id'] : crateName,
    version: typeof meta.version === 'string' ? meta.version : (crateVersion ?? ''),
  };
  if (coordinates.version === '') {
    throw new FatalError(`${manifest}: no version to publish under: the crate's version is not a plain string (inherited from the workspace?); set [package.metadata.ferry] version = "..."`);
  }
  for (const [key, value] of [['group-id', coordinates.groupId], ['artifact-id', coordinates.artifactId], ['version', coordinates.version]]) {
    if (!MAVEN_NAME.test(value)) throw new FatalError(`${manifest}: [package.metadata.ferry] ${key} "${value}" is not a valid Maven ${key} (letters, digits, '.', '-', '_')`);
  }
  return coordinates;
}

/** The `<os>-<arch>` folder of a platform, as the runtime's BundledLibrary names it. */
export function platformFolder(platform: string = process.platform, arch: string = process.arch): string {
  const osName = ({ linux: 'linux', darwin: 'macos', win32: 'windows' } as Record<string, string>)[platform];
  const archName = ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[arch];
  if (!osName || !archName) {
    throw new FatalError(`ferry package: no bundled-library folder for ${platform}/${arch} (supported: linux, macos and windows on x86_64 and aarch64)`);
  }
  return `${osName}-${archName}`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A `<dependency>` element, indented for a POM's `<dependencies>`. */
const dependency = (groupId: string, artifactId: string, version: string) =>
  `    <dependency>\n      <groupId>${groupId}</groupId>\n      <artifactId>${artifactId}</artifactId>\n      <version>${version}</version>\n    </dependency>`;

/**
 * The POM published with the jar: its coordinates and what its users need at compile and
 * run time, the ferry runtime and kotlinx-coroutines (Kotlin's stdlib comes with both).
 * `build` adds what compiles the bindings; that variant is never published.
 */
export function pomXml(c: Coordinates, description: string, build?: { sources: string; resources: string; target: string }): string {
  const buildSection = build
    ? `
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <kotlin.compiler.jvmTarget>1.8</kotlin.compiler.jvmTarget>
  </properties>
  <build>
    <directory>${xml(build.target)}</directory>
    <sourceDirectory>${xml(build.sources)}</sourceDirectory>
    <resources><resource><directory>${xml(build.resources)}</directory></resource></resources>
    <plugins>
      <plugin>
        <groupId>org.jetbrains.kotlin</groupId>
        <artifactId>kotlin-maven-plugin</artifactId>
        <version>${KOTLIN_VERSION}</version>
        <executions><execution><id>compile</id><goals><goal>compile</goal></goals></execution></executions>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-jar-plugin</artifactId>
        <version>3.4.2</version>
        <!-- the descriptor would be this throwaway POM; the published one goes beside the jar -->
        <configuration><archive><addMavenDescriptor>false</addMavenDescriptor></archive></configuration>
      </plugin>
    </plugins>
  </build>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>${c.groupId}</groupId>
  <artifactId>${c.artifactId}</artifactId>
  <version>${c.version}</version>
  <packaging>jar</packaging>
  <description>${xml(description)}</description>
  <dependencies>
${dependency('dev.ferry', 'ferry-runtime', RUNTIME_VERSION)}
${dependency('org.jetbrains.kotlinx', 'kotlinx-coroutines-core', COROUTINES_VERSION)}
${dependency('org.jetbrains.kotlin', 'kotlin-stdlib', KOTLIN_VERSION)}
  </dependencies>${buildSection}
</project>
`;
}

/** Runs a tool with captured output; a failure becomes a FatalError carrying that output. */
function runTool(cmd: string, args: string[], what: string, opts: { cwd?: string; stderr?: 'inherit' | 'pipe' } = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', opts.stderr ?? 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    shell: process.platform === 'win32', // mvn is mvn.cmd there
  });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FatalError(`${what}: ${missing ? `'${cmd}' is not on PATH` : r.error.message}; nothing was packaged`);
  }
  if (r.status !== 0) {
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    let hint = '';
    if (/dev\.ferry:ferry-runtime/.test(output)) {
      hint = `\nThe ferry runtime (dev.ferry:ferry-runtime:${RUNTIME_VERSION}) is not in the local Maven repository: run \`npm --prefix <ferry checkout> run setup\` once.`;
    }
    throw new FatalError(`${what} failed (status ${r.status}); nothing was packaged${output ? `\n${output}` : ''}${hint}`);
  }
  return r.stdout ?? '';
}

/** `cargo build --release` of the crate's library; the path of the cdylib it produced. */
function buildRelease(cargo: string, crateDir: string): string {
  const manifest = path.resolve(crateDir, 'Cargo.toml');
  // rustc's messages go to the terminal as they come (stderr); stdout carries the artifacts.
  const stdout = runTool(cargo, ['build', '--release', '--lib', '--manifest-path', manifest, '--message-format=json-render-diagnostics'], 'cargo build --release', { stderr: 'inherit' });
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line);
    if (msg.reason === 'compiler-artifact' && path.resolve(msg.manifest_path) === manifest && msg.target?.kind?.includes('cdylib')) {
      const lib = (msg.filenames as string[]).find((f) => /\.(so|dylib|dll)$/.test(f));
      if (lib) return lib;
    }
  }
  throw new FatalError(`cargo built ${crateDir} but reported no native library (cdylib); nothing was packaged`);
}

/** Copies `from` to `to` through a temporary name, so `to` is either absent or complete. */
function placeFile(from: string, to: string): void {
  const tmp = `${to}.ferry-tmp`;
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}

export async function packageCrate(crateDir: string, options: PackageOptions = {}): Promise<PackageResult> {
  const log = options.log ?? (() => {});
  const crate = path.resolve(crateDir);
  const coordinates = readCoordinates(crate);
  const platform = platformFolder();
  const generated = await generateInMemory(crate);
  if (!generated.ok) return generated;
  const { ir } = generated.output;
  const out = path.resolve(options.out ?? path.join(crate, 'target', 'ferry'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-package-'));
  try {
    const sources = path.join(work, 'kotlin');
    writeOutputs(generated.output, sources);
    log(`ferry package: cargo build --release (${ir.crateName})`);
    const library = buildRelease(options.cargo ?? 'cargo', crate);
    const resources = path.join(work, 'resources');
    const bundled = path.join(resources, 'META-INF', 'native', platform, path.basename(library));
    fs.mkdirSync(path.dirname(bundled), { recursive: true });
    fs.copyFileSync(library, bundled);
    // With the digest beside it, the runtime finds its cached copy without reading and
    // hashing the library out of the jar on every start (BundledLibrary.locate).
    const content = fs.readFileSync(bundled);
    fs.writeFileSync(`${bundled}.sha256`, `${createHash('sha256').update(content).digest('hex')} ${content.length}\n`);

    const description = `Kotlin bindings of the Rust crate ${ir.crateName}, with its native library (built by ferry package)`;
    const buildPom = path.join(work, 'pom.xml');
    fs.writeFileSync(buildPom, pomXml(coordinates, description, { sources, resources, target: path.join(work, 'target') }));
    log(`ferry package: compiling the Kotlin bindings (mvn, Kotlin ${KOTLIN_VERSION})`);
    const mvn = options.mvn ?? 'mvn';
    runTool(mvn, ['-B', '-q', '--no-transfer-progress', '-f', buildPom, 'package'], 'mvn package (compiling the Kotlin bindings)', { cwd: work });
    const name = `${coordinates.artifactId}-${coordinates.version}`;
    const builtJar = path.join(work, 'target', `${name}.jar`);
    if (!fs.existsSync(builtJar)) throw new FatalError(`mvn package produced no ${name}.jar; nothing was packaged`);
    const publishPom = path.join(work, `${name}.pom`);
    fs.writeFileSync(publishPom, pomXml(coordinates, description));
    if (options.install) {
      log(`ferry package: installing ${coordinates.groupId}:${coordinates.artifactId}:${coordinates.version} into the local Maven repository`);
      runTool(mvn, ['-B', '-q', '--no-transfer-progress', 'org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file', `-Dfile=${builtJar}`, `-DpomFile=${publishPom}`], 'mvn install:install-file', { cwd: work });
    }
    fs.mkdirSync(out, { recursive: true });
    const jar = path.join(out, `${name}.jar`);
    const pom = path.join(out, `${name}.pom`);
    placeFile(builtJar, jar);
    placeFile(publishPom, pom);
    return { ok: true, jar, pom, coordinates, platform, library: `META-INF/native/${platform}/${path.basename(library)}` };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
