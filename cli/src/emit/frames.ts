// Frame rings (docs/frames.md) in the glue. A returned `FrameConsumer` / `FrameProducer`
// crosses as a wire-encoded handle, read by Kotlin as a `dev.ferry.FrameReader` /
// `FrameWriter`; a library that returns any gets the ring entry points below, on both
// faces, and its `FerryNative` implements `dev.ferry.NativeFrames` with them.

import { typeContains, type CrateIr, type FnDecl, type TypeRef } from '../ir/model.js';
import type { NativeExport, NativeParam } from './rust-faces.js';
import { decl, type NativeDecl } from './kotlin-native.js';

type FramesType = Extract<TypeRef, { kind: 'frames' }>;

const KOTLIN_CLASS: Record<FramesType['end'], string> = { reader: 'dev.ferry.FrameReader', writer: 'dev.ferry.FrameWriter' };

export function framesKotlinType(t: FramesType): string {
  return KOTLIN_CLASS[t.end];
}

/** Kotlin: the handle becomes the reader or writer (it owns the handle from here). */
export function framesDecode(t: FramesType, nativeObject: string): string {
  return `${KOTLIN_CLASS[t.end]}(${nativeObject}, r.i64())`;
}

/** Rust: `expr` is a `&FrameConsumer` / `&FrameProducer`; its side now belongs to Kotlin. */
export function framesEncode(t: FramesType, expr: string): string {
  return `w.i64(::ferry::frames::hand_over_${t.end}(${expr}) as i64);`;
}

function allFns(ir: CrateIr): FnDecl[] {
  return [...ir.functions, ...ir.objects.flatMap((o) => o.methods), ...ir.records.flatMap((r) => r.methods), ...ir.enums.flatMap((e) => e.methods)];
}

export function usesFrames(ir: CrateIr): boolean {
  return allFns(ir).some((fn) => typeContains(fn.returns, (t) => t.kind === 'frames'));
}

const i64 = (name: string): NativeParam => ({ name, kind: 'prim', prim: 'i64' });

/** The ring entry points (Rust side, both faces). */
export function framesRuntimeExports(ir: CrateIr): NativeExport[] {
  if (!usesFrames(ir)) return [];
  return [
    { name: 'ferryOpenRings', params: [], result: { kind: 'prim', prim: 'i64' }, body: '    ::ferry::diagnostics::open_rings() as i64' },
    { name: 'ferryFrameOpen', params: [i64('ring')], result: { kind: 'bytes' }, body: '    face::frames::open(&mut env, ring)' },
    { name: 'ferryFrameMemory', params: [i64('ring')], result: { kind: 'memory' }, body: '    face::frames::memory(&mut env, ring)' },
    { name: 'ferryFrameUnpin', params: [i64('pin')], result: { kind: 'unit' }, body: '    face::frames::unpin(&mut env, pin)' },
    { name: 'ferryFrameSync', params: [i64('ring'), i64('sink'), i64('position'), i64('seen')], result: { kind: 'prim', prim: 'i64' }, body: '    face::frames::sync(&mut env, ring, sink, position, seen)' },
    { name: 'ferryFrameFailure', params: [i64('ring')], result: { kind: 'bytes' }, body: '    face::frames::failure(&mut env, ring)' },
    { name: 'ferryFrameClose', params: [i64('ring')], result: { kind: 'unit' }, body: '    face::frames::close(&mut env, ring)' },
  ];
}

/** The same entry points as `FerryNative` members. */
export function framesNativeDecls(ir: CrateIr): NativeDecl[] {
  if (!usesFrames(ir)) return [];
  return [
    decl('ferryOpenRings', [], 'Long'),
    decl('ferryFrameOpen', ['ring: Long'], 'ByteArray'),
    decl('ferryFrameMemory', ['ring: Long'], 'dev.ferry.FrameMemory'),
    decl('ferryFrameUnpin', ['pin: Long'], 'Unit'),
    decl('ferryFrameSync', ['ring: Long', 'sink: Long', 'position: Long', 'seen: Long'], 'Long'),
    decl('ferryFrameFailure', ['ring: Long'], 'ByteArray'),
    decl('ferryFrameClose', ['ring: Long'], 'Unit'),
  ];
}

/** `FerryNative`'s `NativeFrames` implementation, or nothing. */
export function framesOverrides(ir: CrateIr): string {
  if (!usesFrames(ir)) return '';
  return `    override fun openRings(): Long = ferryOpenRings()
    override fun frameOpen(ring: Long): ByteArray = ferryFrameOpen(ring)
    override fun frameMemory(ring: Long): dev.ferry.FrameMemory = ferryFrameMemory(ring)
    override fun frameUnpin(pin: Long) = ferryFrameUnpin(pin)
    override fun frameSync(ring: Long, sink: Long, position: Long, seen: Long): Long = ferryFrameSync(ring, sink, position, seen)
    override fun frameFailure(ring: Long): ByteArray = ferryFrameFailure(ring)
    override fun frameClose(ring: Long) = ferryFrameClose(ring)
`;
}
