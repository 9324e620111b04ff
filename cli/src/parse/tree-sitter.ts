// Loads the Rust grammar once (WebAssembly build of tree-sitter: no native add-on, so it
// installs on any machine npm reaches).

import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

let parser: Parser | null = null;

export async function rustParser(): Promise<Parser> {
  if (parser) return parser;
  const require = createRequire(import.meta.url);
  await Parser.init();
  const rust = await Language.load(require.resolve('tree-sitter-rust/tree-sitter-rust.wasm'));
  parser = new Parser();
  parser.setLanguage(rust);
  return parser;
}
