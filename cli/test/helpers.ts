// Test helpers: throwaway crates in temp dirs, run through the in-memory pipeline.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Diagnostics } from '../src/diagnostics.js';
import { generateInMemory, type Generated } from '../src/generate.js';
import { parseCrate } from '../src/parse/crate.js';
import type { SynCrate } from '../src/parse/syntax.js';

/** /work/main/cli (tests run from cli/dist/test). */
export const CLI_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_ROOT = path.resolve(CLI_DIR, '..');
export const TEST_SRC_DIR = path.join(CLI_DIR, 'test');

export interface CrateSpec {
  /** Contents of src/lib.rs. */
  lib: string;
  /** Extra files, relative to src/ (e.g. `net.rs`, `net/mod.rs`). */
  files?: Record<string, string>;
  /** Package name (default `demo`). */
  name?: string;
  /** kotlin-package in [package.metadata.ferry]; omitted when undefined. */
  kotlinPackage?: string;
  /** Replaces the whole Cargo.toml. */
  cargoToml?: string;
  /**
   * Leave `lib` as written. By default `ferry::include_glue!();` is appended (after the
   * last line, so reported line numbers stay as written) unless `lib` already names it.
   */
  exactLib?: boolean;
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'ferry-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

export function cargoToml(name = 'demo', kotlinPackage?: string): string {
  return `[package]
name = "${name}"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
ferry = { path = "../../runtime/rust" }
${kotlinPackage !== undefined ? `\n[package.metadata.ferry]\nkotlin-package = "${kotlinPackage}"\n` : ''}`;
}

/** Writes the crate to a fresh temp dir and returns the dir. */
export function makeCrate(spec: CrateSpec | string): string {
  const s: CrateSpec = typeof spec === 'string' ? { lib: spec } : spec;
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), s.cargoToml ?? cargoToml(s.name, s.kotlinPackage));
  fs.mkdirSync(path.join(dir, 'src'));
  const lib = s.exactLib || s.lib.includes('include_glue') ? s.lib : `${s.lib}\nferry::include_glue!();\n`;
  fs.writeFileSync(path.join(dir, 'src', 'lib.rs'), lib);
  for (const [rel, content] of Object.entries(s.files ?? {})) {
    const file = path.join(dir, 'src', rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

export type Outcome = { ok: true; output: Generated; dir: string } | { ok: false; diagnostics: string; lines: string[]; dir: string };

/** Generates in memory with displayBase = the crate dir (paths look like `src/lib.rs`). */
export async function run(spec: CrateSpec | string): Promise<Outcome> {
  const dir = makeCrate(spec);
  const r = await generateInMemory(dir, dir);
  if (r.ok) return { ok: true, output: r.output, dir };
  const text = r.diagnostics.format();
  return { ok: false, diagnostics: text, lines: text.split('\n'), dir };
}

/** The diagnostic lines of a crate that must fail. */
export async function diagnose(spec: CrateSpec | string): Promise<string[]> {
  const r = await run(spec);
  if (r.ok) assert.fail('expected diagnostics, but generation succeeded');
  return r.lines;
}

export interface Outputs {
  output: Generated;
  rust: string;
  /** Kotlin files by path relative to --kotlin-out. */
  kotlin: Record<string, string>;
  /** All Kotlin files concatenated. */
  kotlinAll: string;
}

/** The outputs of a crate that must generate cleanly. */
export async function generate(spec: CrateSpec | string): Promise<Outputs> {
  const r = await run(spec);
  if (!r.ok) assert.fail(`expected success, got diagnostics:\n${r.diagnostics}`);
  const kotlin: Record<string, string> = {};
  for (const f of r.output.kotlin) kotlin[f.path] = f.content;
  return { output: r.output, rust: r.output.rustGlue, kotlin, kotlinAll: Object.values(kotlin).join('\n') };
}

/** Parses only (no IR/check), returning the syntax model and parse diagnostics. */
export async function parse(spec: CrateSpec | string): Promise<{ crate: SynCrate; diagnostics: string[] }> {
  const dir = makeCrate(spec);
  const diags = new Diagnostics();
  const crate = await parseCrate(path.join(dir, 'src', 'lib.rs'), dir, diags);
  return { crate, diagnostics: diags.items.length ? diags.format().split('\n') : [] };
}

/** Collapses runs of whitespace so assertions survive formatting changes. */
export function squash(s: string): string {
  return s.replace(/\s+/g, ' ');
}

/** Asserts `haystack` contains `needle` modulo whitespace, with a readable failure. */
export function assertContains(haystack: string, needle: string, what = 'output'): void {
  if (!squash(haystack).includes(squash(needle))) {
    assert.fail(`${what} does not contain:\n  ${needle}\n--- ${what} ---\n${haystack}`);
  }
}

export function assertNotContains(haystack: string, needle: string, what = 'output'): void {
  if (squash(haystack).includes(squash(needle))) {
    assert.fail(`${what} unexpectedly contains:\n  ${needle}\n--- ${what} ---\n${haystack}`);
  }
}

/** Asserts a regexp matches, with a readable failure. */
export function assertMatches(haystack: string, re: RegExp, what = 'output'): RegExpMatchArray {
  const m = haystack.match(re);
  if (!m) assert.fail(`${what} does not match ${re}\n--- ${what} ---\n${haystack}`);
  return m;
}

/** The Rust export fn for a symbol: its full `pub extern "system" fn ...{` header line. */
export function rustExportHeader(rust: string, symbol: string): string {
  const line = rust.split('\n').find((l) => l.includes(`fn ${symbol}<`) || l.includes(`fn ${symbol}(`));
  if (!line) assert.fail(`Rust glue has no fn ${symbol}\n--- glue ---\n${rust}`);
  return line.trim();
}

/** The line of a Kotlin file that declares `fun name(`. */
export function kotlinFunLine(kotlin: string, name: string, external = false): string {
  const line = kotlin.split('\n').find((l) => (external ? l.includes('external fun ') : !l.includes('external fun ')) && new RegExp(`\\bfun ${name}\\(`).test(l));
  if (!line) assert.fail(`Kotlin has no ${external ? 'external ' : ''}fun ${name}(\n--- kotlin ---\n${kotlin}`);
  return line.trim();
}

/** The body of the Kotlin wrapper function `name` (from its `fun` line up to the closing `}`). */
export function kotlinFunBody(kotlin: string, name: string): string {
  const lines = kotlin.split('\n');
  const start = lines.findIndex((l) => !l.includes('external fun ') && new RegExp(`^(suspend )?fun ${name}\\(`).test(l));
  if (start < 0) assert.fail(`Kotlin has no top-level fun ${name}(\n--- kotlin ---\n${kotlin}`);
  const end = lines.findIndex((l, i) => i > start && l === '}');
  return lines.slice(start, end + 1).join('\n');
}

/** The body of a Rust export fn (header to the closing brace at the same indentation). */
export function rustFnBody(rust: string, symbol: string): string {
  const lines = rust.split('\n');
  const start = lines.findIndex((l) => l.includes(`fn ${symbol}<`) || l.includes(`fn ${symbol}(`));
  if (start < 0) assert.fail(`Rust glue has no fn ${symbol}`);
  const indent = /^\s*/.exec(lines[start])![0];
  const end = lines.findIndex((l, i) => i > start && l === `${indent}}`);
  return lines.slice(start, end + 1).join('\n');
}
