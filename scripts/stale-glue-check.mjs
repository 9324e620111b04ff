// Glue generated before a Rust signature changed must not build quietly into a library
// that takes other arguments: the build fails on the glue's signature check, whose name
// says the glue is out of date and to run `ferry generate`. This builds a small crate,
// changes a signature without regenerating, and checks cargo's error. Part of `npm test`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateBindings, ROOT, run, step } from './lib.mjs';

const LIB = (params) => `ferry::include_glue!();

#[ferry::export]
pub fn greet(${params}) -> String {
    format!("hello {name}")
}
`;

export function checkStaleGlue() {
  const crate = path.join(ROOT, 'build', 'stale-glue', 'crate');
  fs.rmSync(crate, { recursive: true, force: true });
  fs.mkdirSync(path.join(crate, 'src'), { recursive: true });
  // Its own workspace, the repository's lock and target dir: the dependencies are the ones
  // the fixtures already built, so only this crate compiles.
  fs.writeFileSync(path.join(crate, 'Cargo.toml'), `[package]
name = "stale_glue_check"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
ferry = { path = ${JSON.stringify(path.join(ROOT, 'runtime', 'rust'))} }

[workspace]
`);
  fs.copyFileSync(path.join(ROOT, 'Cargo.lock'), path.join(crate, 'Cargo.lock'));
  fs.writeFileSync(path.join(crate, 'src', 'lib.rs'), LIB('name: String'));
  const cargo = () => spawnSync('cargo', ['build', '--lib', '--manifest-path', path.join(crate, 'Cargo.toml')], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, CARGO_TARGET_DIR: path.join(ROOT, 'target') },
  });

  step('stale glue: generate and build a crate');
  generateBindings(crate, path.join(crate, 'kotlin'), { capture: true });
  const fresh = cargo();
  if (fresh.status !== 0) throw new Error(`the freshly generated crate did not build:\n${fresh.stderr}`);

  step('stale glue: change a signature without regenerating, build again');
  fs.writeFileSync(path.join(crate, 'src', 'lib.rs'), LIB('name: String, excited: bool'));
  const stale = cargo();
  if (stale.status === 0) throw new Error('a crate whose glue is out of date built without an error');
  if (!stale.stderr.includes('if_this_fails_the_glue_is_out_of_date_run_ferry_generate')) {
    throw new Error(`the build failed without saying the glue is out of date:\n${stale.stderr}`);
  }
  process.stdout.write('stale glue: the build fails on the check whose name says the glue is out of date and to run ferry generate\n');
  fs.rmSync(path.dirname(crate), { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    checkStaleGlue();
  } catch (e) {
    console.error(`\nstale glue check failed: ${e.message}`);
    process.exit(1);
  }
}
