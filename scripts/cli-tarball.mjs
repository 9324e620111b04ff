// The `ferry` command as a user installs it outside this repository: packs cli/ into a
// tarball (`npm pack`), installs that into an empty project (its dependencies come from
// the npm registry, never from this checkout's node_modules) and runs it there: `--version`,
// `check` and `generate` on a fixture, and that `package` is there. Part of `npm test`.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, run, step } from './lib.mjs';

export function checkCliTarball() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-cli-'));
  try {
    step('ferry CLI: npm pack cli/');
    const packed = run('npm', ['pack', path.join(ROOT, 'cli'), '--pack-destination', work, '--silent'], { capture: true });
    const tarball = path.join(work, packed.stdout.trim().split('\n').pop());
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'ferry-user', private: true }));
    step('ferry CLI: npm install <tarball> into an empty project');
    run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, capture: true });
    const ferry = path.join(app, 'node_modules', '.bin', 'ferry');
    const version = run(ferry, ['--version'], { cwd: app, capture: true }).stdout.trim();
    if (!/^ferry \d+\.\d+\.\d+$/.test(version)) throw new Error(`unexpected --version output: ${version}`);
    // `package` is the command a user outside the repository builds a jar with; its full run
    // is scripts/jvm-app.mjs, against this checkout's ferry.
    const help = run(ferry, ['--help'], { cwd: app, capture: true }).stdout;
    if (!help.includes('ferry package <crate-dir>')) throw new Error('the installed ferry has no package command');
    const fixture = path.join(ROOT, 'fixtures', 'functions');
    const checked = run(ferry, ['check', fixture], { cwd: app, capture: true }).stdout;
    if (!checked.includes('is ready to bridge')) throw new Error(`unexpected check output: ${checked}`);
    // Generate into the temp project only: the fixture's own .ferry/ glue stays as it is.
    const copy = path.join(work, 'crate');
    fs.cpSync(fixture, copy, { recursive: true, filter: (p) => !p.includes(`${path.sep}.ferry`) });
    const kotlinOut = path.join(work, 'kotlin');
    run(ferry, ['generate', copy, '--kotlin-out', kotlinOut], { cwd: app, capture: true });
    const native = path.join(kotlinOut, 'fixtures', 'functions', 'FerryNative.kt');
    if (!fs.existsSync(path.join(copy, '.ferry', 'glue.rs')) || !fs.existsSync(native)) throw new Error('generate wrote no glue or no Kotlin');
    process.stdout.write(`ferry CLI from its tarball: ${version}, check and generate work outside the repository\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    checkCliTarball();
  } catch (e) {
    console.error(`\ncli tarball check failed: ${e.message}`);
    process.exit(1);
  }
}
