// KDoc for generated Kotlin: the Rust doc comment (`///`) of the item, followed by what
// the generator adds (how the call runs, what it throws).

/** A KDoc block at `indent`, or '' when there is nothing to say. */
export function kdoc(docs: string | null | undefined, notes: string[] = [], indent = ''): string {
  const lines = [...(docs ? docs.split('\n') : [])];
  if (lines.length > 0 && notes.length > 0) lines.push('');
  lines.push(...notes);
  if (lines.length === 0) return '';
  // `*/` would end the comment early.
  const body = lines.map((l) => `${indent} *${l ? ` ${l.replace(/\*\//g, '*&#47;')}` : ''}`).join('\n');
  return `${indent}/**\n${body}\n${indent} */\n`;
}
