// The fewest bytes a value of each type takes on the wire (docs/wire-format.md). Decoders
// on both sides use it to check a collection's count against the bytes that remain, so a
// forged count fails at once and never makes them reserve memory the input cannot fill.

import type { CrateIr, TypeRef } from '../ir/model.js';

const PRIM_BYTES: Record<string, number> = {
  bool: 1, i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8, f64: 8,
};

export class WireSizes {
  private readonly fields = new Map<string, TypeRef[][]>(); // per named type: its variants' fields
  private readonly enums = new Set<string>();
  private readonly errors = new Set<string>();
  private readonly known = new Map<string, number>();

  constructor(ir: CrateIr) {
    for (const r of ir.records) this.fields.set(r.name, [r.fields.map((f) => f.type)]);
    for (const e of ir.enums) {
      this.fields.set(e.name, e.variants.map((v) => v.fields.map((f) => f.type)));
      this.enums.add(e.name);
      if (e.isError) this.errors.add(e.name);
    }
  }

  /** A lower bound of the encoded size of any value of `t`. */
  of(t: TypeRef): number {
    return this.size(t, new Set());
  }

  private size(t: TypeRef, visiting: Set<string>): number {
    switch (t.kind) {
      case 'prim': return PRIM_BYTES[t.prim];
      case 'string': case 'bytes': case 'vec': case 'map': return 4; // the length or count
      case 'option': return 1; // the tag
      case 'duration': return 12;
      case 'object': return 8; // a handle
    case 'frames': return 8; // a handle
      case 'callback': return 8; // a handle (a returned one also carries Kotlin's)
      case 'ref': return this.size(t.inner, visiting);
      case 'named': return this.named(t.name, visiting);
      default: return 0;
    }
  }

  private named(name: string, visiting: Set<string>): number {
    const cached = this.known.get(name);
    if (cached !== undefined) return cached;
    // A type that contains itself (through a Vec or Option) counts 0 for the inner
    // occurrence: still a lower bound, since that occurrence may be absent.
    if (visiting.has(name) || !this.fields.has(name)) return 0;
    visiting.add(name);
    const variants = this.fields.get(name)!.map((fs) => fs.reduce((sum, f) => sum + this.size(f, visiting), 0));
    visiting.delete(name);
    let bytes = variants.length > 0 ? Math.min(...variants) : 0;
    if (this.enums.has(name)) bytes += 4; // the variant index
    if (this.errors.has(name)) bytes += 1; // the message tag
    if (visiting.size === 0) this.known.set(name, bytes);
    return bytes;
  }
}
