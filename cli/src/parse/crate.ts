// Parser: reads a crate's Rust source with tree-sitter, following `mod` declarations to
// other files, and extracts the syntax model (see syntax.ts). It reports only what it
// cannot read (missing module files, syntax errors); meaning is judged later.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { Diagnostics, Span } from '../diagnostics.js';
import { rustParser } from './tree-sitter.js';
import type {
  ExportKind, SynCrate, SynExport, SynField, SynFn, SynParam, SynType, SynVariant,
} from './syntax.js';

interface FileContext {
  file: string; // display path
  usesFerryExport: boolean; // `use ferry::export` (or a group containing it) in this file
}

export async function parseCrate(rootFile: string, displayBase: string, diags: Diagnostics): Promise<SynCrate> {
  const parser = await rustParser();
  const crate: SynCrate = { items: [], modules: [], displayImpls: new Set(), traitImpls: new Map() };
  const seen = new Set<string>();

  const parseFile = (file: string, modulePath: string[], childDir: string, declaredAt: Span | null): void => {
    const real = path.resolve(file);
    if (seen.has(real)) return;
    seen.add(real);
    let source: string;
    try {
      source = fs.readFileSync(real, 'utf8');
    } catch {
      const where = declaredAt ?? { file: display(file), line: 1, col: 1 };
      diags.error(where, `cannot read module file ${display(file)}`);
      return;
    }
    const tree = parser.parse(source);
    if (!tree) throw new Error(`tree-sitter failed on ${file}`);
    const ctx: FileContext = { file: display(file), usesFerryExport: /use\s+(::)?ferry::(export\b|\{[^}]*\bexport\b)/.test(source) };
    reportSyntaxErrors(tree.rootNode, ctx, diags);
    walkItems(tree.rootNode, ctx, modulePath, childDir, path.dirname(real));
  };

  const display = (file: string): string => path.relative(displayBase, path.resolve(file)) || file;

  // `pathBase`: where a `#[path]` on a `mod x;` here is resolved from: the directory of
  // the source file, or, inside an inline module, that module's directory (Rust reference,
  // "The path attribute").
  const walkItems = (container: Node, ctx: FileContext, modulePath: string[], childDir: string, pathBase: string): void => {
    let attrs: Node[] = [];
    for (const node of container.namedChildren) {
      if (!node) continue;
      if (node.type === 'attribute_item') {
        attrs.push(node);
        continue;
      }
      if (node.type === 'line_comment' || node.type === 'block_comment') continue;
      const itemAttrs = attrs;
      attrs = [];
      if (itemAttrs.some(isCfgTest)) continue;
      switch (node.type) {
        case 'mod_item': {
          const name = fieldText(node, 'name');
          const span = spanOf(node, ctx);
          const body = node.childForFieldName('body');
          const nested = [...modulePath, name];
          crate.modules.push({ path: nested, isPublic: hasVisibility(node), span });
          if (body) {
            walkItems(body, ctx, nested, path.join(childDir, name), path.join(childDir, name));
          } else {
            const explicit = itemAttrs.map(pathAttribute).find((p) => p !== null);
            const candidates = explicit
              ? [path.join(pathBase, explicit)]
              : [path.join(childDir, `${name}.rs`), path.join(childDir, name, 'mod.rs')];
            const found = candidates.find((c) => fs.existsSync(c));
            parseFile(found ?? candidates[0], nested, path.join(childDir, name), span);
          }
          break;
        }
        case 'function_item':
          crate.items.push({ ...base(node, itemAttrs, ctx, modulePath), kind: 'fn', fn: readFn(node, ctx) });
          break;
        case 'struct_item':
          crate.items.push({ ...base(node, itemAttrs, ctx, modulePath), kind: 'struct', ...readStructBody(node, ctx) });
          break;
        case 'enum_item':
          crate.items.push({ ...base(node, itemAttrs, ctx, modulePath), kind: 'enum', variants: readVariants(node, ctx) });
          break;
        case 'type_item':
          crate.items.push({ ...base(node, itemAttrs, ctx, modulePath), kind: 'type-alias' });
          break;
        case 'trait_item': {
          const body = node.childForFieldName('body');
          const methods = body
            ? body.namedChildren.filter((n): n is Node => !!n && (n.type === 'function_signature_item' || n.type === 'function_item')).map((n) => readFn(n, ctx))
            : [];
          crate.items.push({ ...base(node, itemAttrs, ctx, modulePath), kind: 'trait', methods });
          break;
        }
        case 'impl_item': {
          const selfNode = node.childForFieldName('type');
          const traitNode = node.childForFieldName('trait');
          if (!selfNode) break;
          const selfType = readType(selfNode, ctx);
          const traitName = traitNode ? lastSegment(traitNode.text) : null;
          if (traitName && selfType.kind === 'path') {
            const implemented = selfType.segments[selfType.segments.length - 1];
            if (traitName === 'Display') crate.displayImpls.add(implemented);
            if (!crate.traitImpls.has(implemented)) crate.traitImpls.set(implemented, new Set());
            crate.traitImpls.get(implemented)!.add(traitName);
          }
          const methods: (SynFn & { export: SynExport | null })[] = [];
          const body = node.childForFieldName('body');
          let methodAttrs: Node[] = [];
          for (const m of body?.namedChildren ?? []) {
            if (!m) continue;
            if (m.type === 'attribute_item') { methodAttrs.push(m); continue; }
            if (m.type === 'function_item') methods.push({ ...readFn(m, ctx), export: readExport(methodAttrs, ctx) });
            if (m.type !== 'line_comment' && m.type !== 'block_comment') methodAttrs = [];
          }
          const item = base(node, itemAttrs, ctx, modulePath);
          crate.items.push({ ...item, name: selfType.kind === 'path' ? selfType.segments[selfType.segments.length - 1] : selfType.text, kind: 'impl', selfType, traitName, methods });
          break;
        }
        default:
          break;
      }
    }
  };

  const base = (node: Node, attrs: Node[], ctx: FileContext, modulePath: string[]) => ({
    name: fieldText(node, 'name'),
    span: spanOf(node.childForFieldName('name') ?? node, ctx),
    modulePath,
    isPublic: hasVisibility(node),
    generics: node.childForFieldName('type_parameters')?.text ?? null,
    export: readExport(attrs, ctx),
    isRuntime: attrs.some((a) => ['ferry::runtime', '::ferry::runtime'].includes(attributePath(a))),
    derives: attrs.filter((a) => attributeName(a) === 'derive').flatMap((a) => tokenList(a)),
    hasErrorAttributes: /#\s*\[\s*error\s*\(/.test(node.text) || attrs.some((a) => attributeName(a) === 'error'),
    docs: docsOf(node),
  });

  const readExport = (attrs: Node[], ctx: FileContext): SynExport | null => {
    for (const a of attrs) {
      const name = attributePath(a);
      if (name === 'ferry::export' || name === '::ferry::export' || (name === 'export' && ctx.usesFerryExport)) {
        const words = tokenList(a);
        const known: ExportKind[] = ['object', 'error', 'callback'];
        // Modifiers say how an export runs, not what it is; they combine with any kind.
        const modifiers = ['blocking', 'thread_affine'];
        const kind = (words.find((w) => (known as string[]).includes(w)) as ExportKind | undefined) ?? 'plain';
        return {
          kind,
          unknownArgs: words.filter((w) => !(known as string[]).includes(w) && !modifiers.includes(w)),
          blocking: words.includes('blocking'),
          threadAffine: words.includes('thread_affine'),
          span: spanOf(a, ctx),
        };
      }
    }
    return null;
  };

  const rootDir = path.dirname(rootFile);
  parseFile(rootFile, [], rootDir, null);
  return crate;
}

function reportSyntaxErrors(root: Node, ctx: FileContext, diags: Diagnostics): void {
  if (!root.hasError) return;
  const visit = (n: Node): void => {
    if (n.type === 'ERROR' || n.isMissing) {
      // An unclosed delimiter makes tree-sitter wrap everything from the file's start in one
      // ERROR node: point at the delimiter itself, as rustc does, not at line 1.
      const open = n.isMissing ? null : unclosedDelimiter(n);
      if (open) diags.error(spanOf(open, ctx), `syntax error: this \`${open.type}\` is never closed`);
      else diags.error(spanOf(n, ctx), n.isMissing ? `syntax error: missing ${n.type}` : 'syntax error: cannot parse this Rust code');
      return;
    }
    for (const c of n.children) if (c && c.hasError) visit(c);
  };
  visit(root);
}

const CLOSING: Record<string, string> = { '}': '{', ')': '(', ']': '[' };

/** The innermost opening delimiter among an ERROR node's own tokens that nothing closes. */
function unclosedDelimiter(error: Node): Node | null {
  const open: Node[] = [];
  for (const c of error.children) {
    if (!c) continue;
    if (c.type === '{' || c.type === '(' || c.type === '[') open.push(c);
    else if (CLOSING[c.type] && open.length > 0 && open[open.length - 1].type === CLOSING[c.type]) open.pop();
  }
  return open.length > 0 ? open[open.length - 1] : null;
}

/** Exactly `#[cfg(test)]`: `cfg(not(test))` or `cfg(feature = "test-utils")` items are real. */
function isCfgTest(attr: Node): boolean {
  return /^#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]$/.test(attr.text);
}

function spanOf(node: Node, ctx: FileContext): Span {
  return { file: ctx.file, line: node.startPosition.row + 1, col: node.startPosition.column + 1 };
}

function fieldText(node: Node, field: string): string {
  return node.childForFieldName(field)?.text ?? '';
}

function hasVisibility(node: Node): boolean {
  return node.namedChildren.some((c) => c?.type === 'visibility_modifier');
}

function lastSegment(text: string): string {
  const clean = text.replace(/<.*$/s, '').replace(/\s+/g, '');
  const parts = clean.split('::');
  return parts[parts.length - 1];
}

/** `ferry::export` for `#[ferry::export(object)]`. */
function attributePath(attr: Node): string {
  const inner = attr.namedChildren.find((c) => c?.type === 'attribute');
  const first = inner?.namedChildren[0];
  return first ? first.text.replace(/\s+/g, '') : '';
}

function attributeName(attr: Node): string {
  return lastSegment(attributePath(attr));
}

/** The comma-separated words inside an attribute's parentheses. */
function tokenList(attr: Node): string[] {
  const inner = attr.namedChildren.find((c) => c?.type === 'attribute');
  const args = inner?.childForFieldName('arguments');
  if (!args) return [];
  return args.text.replace(/^[([{]|[)\]}]$/g, '').split(',').map((w) => lastSegment(w.trim())).filter((w) => w.length > 0);
}

function pathAttribute(attr: Node): string | null {
  if (attributeName(attr) !== 'path') return null;
  const m = /=\s*"([^"]+)"/.exec(attr.text);
  return m ? m[1] : null;
}

/**
 * The doc comments (`///` lines, or a `/**` block) right before `node` (attributes may stand between
 * them), as plain text without the comment markers; null when there are none.
 */
export function docsOf(node: Node): string | null {
  const lines: string[] = [];
  for (let n = node.previousNamedSibling; n; n = n.previousNamedSibling) {
    if (n.type === 'attribute_item') continue;
    if (n.type === 'line_comment' && /^\/\/\/(?!\/)/.test(n.text)) {
      lines.unshift(n.text.replace(/^\/\/\/ ?/, '').replace(/\s+$/, ''));
      continue;
    }
    if (n.type === 'block_comment' && /^\/\*\*(?![*/])/.test(n.text)) {
      const body = n.text.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
      lines.unshift(...body.split('\n').map((l) => l.replace(/^\s*\*? ?/, '').replace(/\s+$/, '')));
      continue;
    }
    break;
  }
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length > 0 ? lines.join('\n') : null;
}

function readFn(node: Node, ctx: FileContext): SynFn {
  const modifiers = node.namedChildren.find((c) => c?.type === 'function_modifiers')?.text ?? '';
  const paramsNode = node.childForFieldName('parameters');
  const params: SynParam[] = [];
  let selfParam: SynFn['selfParam'] = 'none';
  let index = 0;
  for (const p of paramsNode?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'self_parameter') {
      const t = p.text.replace(/\s+/g, '');
      selfParam = t.startsWith('&mut') || t.includes('&\'') && t.includes('mut') ? 'mut-ref' : t.startsWith('&') ? 'ref'
        : /^(mut)?self:(::)?(std::sync::)?Arc<Self>$/.test(t) ? 'arc' : 'value';
      continue;
    }
    if (p.type !== 'parameter') continue;
    const pattern = p.childForFieldName('pattern');
    const typeNode = p.childForFieldName('type');
    // `self: Arc<Self>` (a typed self) is a plain parameter to the grammar.
    if (pattern && /^(mut\s+)?self$/.test(pattern.text)) {
      selfParam = /^(::)?(std::sync::)?Arc<Self>$/.test((typeNode?.text ?? '').replace(/\s+/g, '')) ? 'arc' : 'value';
      continue;
    }
    let name = `arg${index}`;
    let patternOk = true;
    if (pattern?.type === 'identifier') name = pattern.text;
    else if (pattern?.type === 'mut_pattern') name = pattern.namedChildren[pattern.namedChildren.length - 1]?.text ?? name;
    else if (pattern && pattern.text !== '_') patternOk = false;
    params.push({
      name,
      patternOk,
      type: typeNode ? readType(typeNode, ctx) : { kind: 'other', what: 'missing type', span: spanOf(p, ctx), text: p.text },
      span: spanOf(p, ctx),
    });
    index++;
  }
  const ret = node.childForFieldName('return_type');
  return {
    name: fieldText(node, 'name'),
    span: spanOf(node.childForFieldName('name') ?? node, ctx),
    isAsync: /\basync\b/.test(modifiers),
    isUnsafe: /\bunsafe\b/.test(modifiers),
    isPublic: hasVisibility(node),
    generics: node.childForFieldName('type_parameters')?.text ?? null,
    selfParam,
    params,
    returns: ret ? readType(ret, ctx) : null,
    docs: docsOf(node),
  };
}

function readFields(list: Node | null, ctx: FileContext): SynField[] {
  if (!list) return [];
  if (list.type === 'field_declaration_list') {
    return list.namedChildren
      .filter((f): f is Node => !!f && f.type === 'field_declaration')
      .map((f) => ({
        name: fieldText(f, 'name'),
        type: readType(f.childForFieldName('type')!, ctx),
        isPublic: hasVisibility(f),
        span: spanOf(f, ctx),
        docs: docsOf(f),
      }));
  }
  // ordered_field_declaration_list: tuple fields
  const types = list.namedChildren.filter((c): c is Node => !!c && c.type !== 'visibility_modifier' && c.type !== 'attribute_item');
  const pub = list.namedChildren.some((c) => c?.type === 'visibility_modifier');
  return types.map((t, i) => ({ name: String(i), type: readType(t, ctx), isPublic: pub, span: spanOf(t, ctx), docs: null }));
}

function readStructBody(node: Node, ctx: FileContext): { style: 'named' | 'tuple' | 'unit'; fields: SynField[] } {
  const body = node.childForFieldName('body');
  if (!body) return { style: 'unit', fields: [] };
  return { style: body.type === 'field_declaration_list' ? 'named' : 'tuple', fields: readFields(body, ctx) };
}

function readVariants(node: Node, ctx: FileContext): SynVariant[] {
  const body = node.childForFieldName('body');
  return (body?.namedChildren ?? [])
    .filter((v): v is Node => !!v && v.type === 'enum_variant')
    .map((v) => {
      const fieldsNode = v.childForFieldName('body');
      const style = !fieldsNode ? 'unit' : fieldsNode.type === 'field_declaration_list' ? 'struct' : 'tuple';
      return { name: fieldText(v, 'name'), style, fields: readFields(fieldsNode, ctx), span: spanOf(v, ctx), docs: docsOf(v) };
    });
}

export function readType(node: Node, ctx: FileContext): SynType {
  const span = spanOf(node, ctx);
  const text = node.text;
  switch (node.type) {
    case 'primitive_type':
    case 'type_identifier':
      return { kind: 'path', segments: [text], args: [], bindings: [], span, text };
    case 'scoped_type_identifier':
      return { kind: 'path', segments: text.replace(/\s+/g, '').replace(/^::/, '').split('::'), args: [], bindings: [], span, text };
    case 'generic_type': {
      const head = readType(node.childForFieldName('type')!, ctx);
      const argsNode = node.childForFieldName('type_arguments');
      const args: SynType[] = [];
      const bindings: { name: string; type: SynType }[] = [];
      for (const a of argsNode?.namedChildren ?? []) {
        if (!a || a.type === 'lifetime') continue;
        if (a.type === 'type_binding') {
          bindings.push({ name: fieldText(a, 'name'), type: readType(a.childForFieldName('type')!, ctx) });
        } else {
          args.push(readType(a, ctx));
        }
      }
      const segments = head.kind === 'path' ? head.segments : [head.text];
      return { kind: 'path', segments, args, bindings, span, text };
    }
    case 'reference_type': {
      const mutable = node.namedChildren.some((c) => c?.type === 'mutable_specifier');
      return { kind: 'ref', mutable, inner: readType(node.childForFieldName('type')!, ctx), span, text };
    }
    case 'array_type':
      if (!node.childForFieldName('length')) return { kind: 'slice', inner: readType(node.childForFieldName('element')!, ctx), span, text };
      return { kind: 'other', what: 'a fixed-size array', span, text };
    case 'unit_type':
      return { kind: 'unit', span, text };
    case 'abstract_type': {
      const t = node.childForFieldName('trait');
      return { kind: 'impl', traits: t ? [readType(t, ctx)] : [], span, text };
    }
    case 'bounded_type': {
      // `impl Stream<Item = T> + Send + 'static`: keep the impl and its extra bounds.
      const parts = node.namedChildren.filter((c): c is Node => !!c && c.type !== 'lifetime').map((c) => readType(c, ctx));
      const impl = parts.find((p) => p.kind === 'impl');
      if (impl && impl.kind === 'impl') {
        return { kind: 'impl', traits: [...impl.traits, ...parts.filter((p) => p !== impl)], span, text };
      }
      return { kind: 'other', what: 'a bounded type', span, text };
    }
    case 'tuple_type':
      return { kind: 'other', what: 'a tuple', span, text };
    case 'dynamic_type': {
      // `dyn A + Send`: the bounds may come as one bounded_type child.
      const traits: SynType[] = [];
      const collect = (n: Node) => {
        if (n.type === 'bounded_type') for (const c of n.namedChildren) { if (c && c.type !== 'lifetime') collect(c); }
        else if (n.type !== 'lifetime') traits.push(readType(n, ctx));
      };
      for (const c of node.namedChildren) if (c) collect(c);
      return { kind: 'dyn', traits, span, text };
    }
    case 'function_type':
      return { kind: 'other', what: 'a function pointer', span, text };
    case 'pointer_type':
      return { kind: 'other', what: 'a raw pointer', span, text };
    case 'never_type':
      return { kind: 'other', what: 'the never type', span, text };
    default:
      return { kind: 'other', what: `\`${text}\``, span, text };
  }
}
