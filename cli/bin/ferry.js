#!/usr/bin/env node
// The `ferry` command. Builds the generator on first use when the compiled output is
// missing (a fresh clone where only `npm ci` ran), so `npx ferry` always works.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(cli, 'dist', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('ferry: building the generator (first use)...\n');
  const tsc = spawnSync('npx', ['tsc', '-p', join(cli, 'tsconfig.json')], { stdio: 'inherit', cwd: cli });
  if (tsc.status !== 0) {
    process.stderr.write('ferry: could not build the generator; run `npm ci` at the repository root first\n');
    process.exit(1);
  }
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
