// The `ferry` command.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostics, FatalError } from './diagnostics.js';
import { GENERATOR_VERSION } from './emit/rust.js';
import { generateInMemory, writeOutputs } from './generate.js';
import type { CrateIr, FnDecl } from './ir/model.js';
import { packageCrate } from './package.js';

const HELP = `ferry ${GENERATOR_VERSION}: call async Rust (Tokio) from Kotlin as suspend functions

Usage:
  ferry generate <crate-dir> --kotlin-out <dir>   write the Rust glue (<crate-dir>/.ferry/glue.rs,
                                                  pulled in by ferry::include_glue!()) and the
                                                  Kotlin bindings (under <dir>)
      [--native-out <dir>]                        also the Kotlin/Native layer: FerryNative over
                                                  the C face, <crate>.h and <crate>.def for
                                                  cinterop (the other Kotlin files are common)
  ferry check <crate-dir>                         report problems only; write nothing
  ferry package <crate-dir> [--out <dir>]         build one jar for the JVM: the compiled Kotlin
                                                  bindings and the crate's native library (cargo
                                                  build --release) for this platform, under
                                                  META-INF/native/<os>-<arch>/; with its POM, into
                                                  --out (default <crate-dir>/target/ferry)
      [--install]                                 also install both into the local Maven
                                                  repository (needs mvn and the installed runtime)
  ferry --help | --version

On input it cannot bridge, ferry prints every problem as
  path:line:col: error: <what and why>
exits with status 1 and writes nothing.`;

export async function main(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    out(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv.includes('--version') || argv.includes('-V')) {
    out(`ferry ${GENERATOR_VERSION}`);
    return 0;
  }
  const [command, ...rest] = argv;
  if (command !== 'generate' && command !== 'check' && command !== 'package') {
    err(`ferry: unknown command '${command}'\n\n${HELP}`);
    return 2;
  }
  let crateDir: string | undefined;
  let kotlinOut: string | undefined;
  let nativeOut: string | undefined;
  let outDir: string | undefined;
  let install = false;
  for (let i = 0; i < rest.length; i++) {
    if (command === 'package' && rest[i] === '--install') install = true;
    else if (command === 'package' && rest[i] === '--out') outDir = rest[++i];
    else if (command === 'package' && rest[i].startsWith('--out=')) outDir = rest[i].slice('--out='.length);
    else if (command !== 'package' && rest[i] === '--kotlin-out') kotlinOut = rest[++i];
    else if (command !== 'package' && rest[i].startsWith('--kotlin-out=')) kotlinOut = rest[i].slice('--kotlin-out='.length);
    else if (command !== 'package' && rest[i] === '--native-out') nativeOut = rest[++i];
    else if (command !== 'package' && rest[i].startsWith('--native-out=')) nativeOut = rest[i].slice('--native-out='.length);
    else if (rest[i].startsWith('-')) { err(`ferry: unknown option '${rest[i]}'`); return 2; }
    else if (!crateDir) crateDir = rest[i];
    else { err(`ferry: unexpected argument '${rest[i]}'`); return 2; }
  }
  if (!crateDir) { err(`ferry ${command}: missing <crate-dir>`); return 2; }
  if (command === 'generate' && !kotlinOut) { err('ferry generate: missing --kotlin-out <dir>'); return 2; }
  if (command === 'package' && (outDir === '' || (rest.includes('--out') && outDir === undefined))) { err('ferry package: --out needs a directory'); return 2; }
  const reportDiagnostics = (diagnostics: Diagnostics) => {
    err(diagnostics.format());
    const n = diagnostics.items.length;
    err(`ferry: ${n} error${n === 1 ? '' : 's'}; nothing was written`);
    return 1;
  };
  try {
    if (command === 'package') {
      const packaged = await packageCrate(crateDir, { out: outDir, install, log: out });
      if (!packaged.ok) return reportDiagnostics(packaged.diagnostics);
      const { groupId, artifactId, version } = packaged.coordinates;
      const size = (fs.statSync(packaged.jar).size / 1024 / 1024).toFixed(1);
      out(`ferry: packaged ${groupId}:${artifactId}:${version} (${size} MiB, native library ${packaged.library})`);
      out(`  ${path.relative(process.cwd(), packaged.jar)}\n  ${path.relative(process.cwd(), packaged.pom)}`);
      if (install) out('  installed into the local Maven repository');
      return 0;
    }
    const result = await generateInMemory(path.resolve(crateDir));
    if (!result.ok) return reportDiagnostics(result.diagnostics);
    if (command === 'check') {
      out(`ferry: ${crateDir} is ready to bridge: ${summarize(result.output.ir)}`);
      return 0;
    }
    const written = writeOutputs(result.output, path.resolve(kotlinOut!), nativeOut ? path.resolve(nativeOut) : undefined);
    out(`ferry: wrote ${written.length} files (Rust glue: ${path.relative(process.cwd(), result.output.rustGluePath)})`);
    return 0;
  } catch (e) {
    if (e instanceof FatalError) { err(`error: ${e.message}`); return 1; }
    throw e;
  }
}

/** What `check` found, counted per kind: "3 functions (1 async, 1 stream), 1 object with 4 methods, ...". */
export function summarize(ir: CrateIr): string {
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const fns = ir.functions;
  const detail = (list: FnDecl[]) => {
    const streams = list.filter((f) => f.returns.kind === 'stream').length;
    const async = list.filter((f) => f.isAsync && f.returns.kind !== 'stream').length;
    const parts = [async > 0 ? `${async} async` : '', streams > 0 ? count(streams, 'stream') : ''].filter(Boolean);
    return parts.length ? ` (${parts.join(', ')})` : '';
  };
  const methods = ir.objects.flatMap((o) => o.methods);
  const errors = ir.enums.filter((e) => e.isError).length;
  return [
    `${count(fns.length, 'function')}${detail(fns)}`,
    `${count(ir.objects.length, 'object')} with ${count(methods.length, 'method')}${detail(methods)}`,
    count(ir.records.length, 'record'),
    count(ir.enums.length - errors, 'enum'),
    count(errors, 'error enum'),
  ].join(', ');
}
