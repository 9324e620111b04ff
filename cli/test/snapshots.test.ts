// Snapshot tests: every crate under fixtures/*, examples/* and examples/*/* (discovered at run time) is
// generated in memory and compared with cli/test/__snapshots__/<folder>/.
//
//   UPDATE_SNAPSHOTS=1 npm test -w cli     (re)writes every snapshot
//
// A crate without snapshots gets them written and passes with a note, so adding a fixture
// never fails CI; a differing output fails with the first differing line.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateInMemory } from '../src/generate.js';
import { REPO_ROOT, TEST_SRC_DIR } from './helpers.js';

const SNAPSHOT_DIR = path.join(TEST_SRC_DIR, '__snapshots__');
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1' || process.env.UPDATE_SNAPSHOTS === 'true';

interface CrateDir {
  dir: string;
  snapshotName: string;
}

function discover(): CrateDir[] {
  const found: { dir: string; group: string; name: string }[] = [];
  for (const group of ['fixtures', 'examples']) {
    const root = path.join(REPO_ROOT, group);
    if (!fs.existsSync(root)) continue;
    const isCrate = (dir: string) => fs.existsSync(path.join(dir, 'Cargo.toml')) && fs.existsSync(path.join(dir, 'src', 'lib.rs'));
    for (const name of fs.readdirSync(root).sort()) {
      const dir = path.join(root, name);
      if (isCrate(dir)) found.push({ dir, group, name });
      // An example that is an app around a crate (examples/jvm-app/kvstore): that crate.
      else if (group === 'examples' && fs.statSync(dir).isDirectory()) {
        for (const inner of fs.readdirSync(dir).sort()) if (isCrate(path.join(dir, inner))) found.push({ dir: path.join(dir, inner), group, name: inner });
      }
    }
  }
  // `<folder-name>`, or `<group>-<folder-name>` when a fixture and an example share a name.
  const counts = new Map<string, number>();
  for (const f of found) counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
  return found.map((f) => ({ dir: f.dir, snapshotName: counts.get(f.name)! > 1 ? `${f.group}-${f.name}` : f.name }));
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function diffHint(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (lines: string[], sign: string) => lines.slice(i, i + 3).map((l) => `  ${sign} ${l}`).join('\n') || `  ${sign} <end of file>`;
  return `first difference at line ${i + 1} (snapshot ${a.length} lines, generated ${b.length} lines):\n${show(a, '-')}\n${show(b, '+')}`;
}

const crates = discover();

describe('snapshots', () => {
  test('fixtures and examples were discovered', () => {
    assert.ok(crates.length > 0, `no crates under ${REPO_ROOT}/fixtures or /examples`);
  });

  for (const c of crates) {
    test(`${path.relative(REPO_ROOT, c.dir)} matches __snapshots__/${c.snapshotName}`, async (t) => {
      const r = await generateInMemory(c.dir, REPO_ROOT);
      if (!r.ok) assert.fail(`generation failed:\n${r.diagnostics.format()}`);
      const files: Record<string, string> = { 'glue.rs': r.output.rustGlue };
      for (const k of r.output.kotlin) files[`kotlin/${k.path}`] = k.content;
      for (const k of r.output.kotlinNative) files[`native/${k.path}`] = k.content;

      const dir = path.join(SNAPSHOT_DIR, c.snapshotName);
      const existing = listFiles(dir);
      if (UPDATE || existing.length === 0) {
        fs.rmSync(dir, { recursive: true, force: true });
        for (const [rel, content] of Object.entries(files)) {
          const file = path.join(dir, rel);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, content);
        }
        if (!UPDATE) t.diagnostic(`note: wrote new snapshots to ${path.relative(REPO_ROOT, dir)}; commit them`);
        return;
      }
      const problems: string[] = [];
      for (const [rel, content] of Object.entries(files)) {
        const file = path.join(dir, rel);
        if (!fs.existsSync(file)) {
          problems.push(`${rel}: generated, but no snapshot`);
          continue;
        }
        const expected = fs.readFileSync(file, 'utf8');
        if (expected !== content) problems.push(`${rel}: ${diffHint(expected, content)}`);
      }
      for (const rel of existing) if (!(rel in files)) problems.push(`${rel}: snapshot exists, but the file is no longer generated`);
      if (problems.length > 0) {
        assert.fail(`generated output differs from __snapshots__/${c.snapshotName} ` +
          `(if the change is intended, run \`UPDATE_SNAPSHOTS=1 npm test -w cli\`):\n${problems.join('\n')}`);
      }
    });
  }
});
