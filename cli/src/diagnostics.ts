// Diagnostics: every problem the generator finds, with its location. The pipeline
// collects all of them and writes nothing when there is at least one.

export interface Span {
  file: string; // path as given to the user (relative to the working directory)
  line: number; // 1-based
  col: number; // 1-based
}

export interface Diagnostic {
  span: Span;
  message: string;
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(span: Span, message: string): void {
    this.items.push({ span, message });
  }

  get hasErrors(): boolean {
    return this.items.length > 0;
  }

  /** `path:line:col: error: message`, sorted by location, one per line. */
  format(): string {
    return [...this.items]
      .sort((a, b) => a.span.file.localeCompare(b.span.file) || a.span.line - b.span.line || a.span.col - b.span.col)
      .map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: error: ${d.message}`)
      .join('\n');
  }
}

/** Thrown for problems that stop the pipeline before checking (bad Cargo.toml, I/O). */
export class FatalError extends Error {}
