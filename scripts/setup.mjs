// Set-up shared by every command: installs npm packages, builds the generator and
// installs the Kotlin runtime into the local Maven repository. Each step is skipped when
// its output is newer than its inputs, so calling this before every command is cheap.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { installedRuntimeJar, newestMtime, ROOT, run, step } from './lib.mjs';

function checkTools() {
  const missing = [];
  for (const [tool, args] of [['cargo', ['--version']], ['java', ['-version']], ['mvn', ['-v']]]) {
    try { run(tool, args, { capture: true }); } catch { missing.push(tool); }
  }
  if (missing.length) {
    throw new Error(`missing tools: ${missing.join(', ')}. ferry needs Rust (rustup), a JDK 17+ and Maven on PATH.`);
  }
}

export function setup({ quiet = false } = {}) {
  checkTools();
  const nodeModules = path.join(ROOT, 'node_modules');
  if (!fs.existsSync(path.join(nodeModules, 'web-tree-sitter')) || newestMtime(nodeModules, (p) => p.endsWith('.package-lock.json')) < fs.statSync(path.join(ROOT, 'package-lock.json')).mtimeMs) {
    step('npm ci (generator dependencies)');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  const cli = path.join(ROOT, 'cli');
  const built = newestMtime(path.join(cli, 'dist'));
  if (built === 0 || newestMtime(path.join(cli, 'src')) > built || newestMtime(path.join(cli, 'test')) > built) {
    if (!quiet) step('building the generator (cli/)');
    run('npx', ['tsc', '-p', 'cli/tsconfig.json']);
  }
  const runtimeJar = installedRuntimeJar();
  const kotlinRuntime = path.join(ROOT, 'runtime', 'kotlin');
  const jarTime = fs.existsSync(runtimeJar) ? fs.statSync(runtimeJar).mtimeMs : 0;
  if (jarTime === 0 || newestMtime(kotlinRuntime) > jarTime) {
    step('building and installing the Kotlin runtime (runtime/kotlin)');
    run('mvn', ['-B', '-q', 'install', '-DskipTests'], { cwd: kotlinRuntime });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setup();
  console.log('ferry: set-up complete');
}
