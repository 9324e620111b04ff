// Reads what the generator needs from the crate's Cargo.toml.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { FatalError } from './diagnostics.js';
import type { CrateMeta } from './ir/build.js';

export interface CrateConfig extends CrateMeta {
  crateDir: string;
  libRoot: string; // absolute path of the library's root source file
}

const PACKAGE_RE = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$/;

/** The crate's Cargo.toml, parsed; `manifest` is its path, for messages. */
export function readManifest(crateDir: string): { manifest: string; toml: Record<string, any> } {
  const manifest = path.join(crateDir, 'Cargo.toml');
  let text: string;
  try {
    text = fs.readFileSync(manifest, 'utf8');
  } catch {
    throw new FatalError(`${manifest}: cannot read Cargo.toml (is ${crateDir} a crate directory?)`);
  }
  try {
    return { manifest, toml: parseToml(text) as Record<string, any> };
  } catch (e) {
    throw new FatalError(`${manifest}: invalid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function readCrateConfig(crateDir: string): CrateConfig {
  const { manifest, toml } = readManifest(crateDir);
  const crateName = toml.package?.name;
  if (typeof crateName !== 'string') throw new FatalError(`${manifest}: no [package] name`);
  const libName: string = typeof toml.lib?.name === 'string' ? toml.lib.name : crateName.replace(/-/g, '_');
  const libRoot = path.resolve(crateDir, typeof toml.lib?.path === 'string' ? toml.lib.path : 'src/lib.rs');
  const configured = toml.package?.metadata?.ferry?.['kotlin-package'];
  const kotlinPackage: string = typeof configured === 'string' ? configured : `ferry.${crateName.replace(/-/g, '_')}`;
  if (!PACKAGE_RE.test(kotlinPackage)) {
    throw new FatalError(`${manifest}: [package.metadata.ferry] kotlin-package "${kotlinPackage}" is not a valid Kotlin package name`);
  }
  const crateTypes: unknown = toml.lib?.['crate-type'];
  if (!Array.isArray(crateTypes) || !crateTypes.includes('cdylib')) {
    throw new FatalError(`${manifest}: the crate must build a native library for the JVM to load: add [lib] crate-type = ["cdylib"]`);
  }
  const allowPanicAbort = toml.package?.metadata?.ferry?.['allow-panic-abort'] === true;
  return { crateDir, crateName, libName, kotlinPackage, libRoot, allowPanicAbort };
}
