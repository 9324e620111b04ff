// Frame rings in the generator: a returned `FrameConsumer`/`FrameProducer` becomes a Kotlin
// `FrameReader`/`FrameWriter` on both faces, only libraries returning one get the ring entry
// points, and every other position is refused with its location.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertContains, assertNotContains, diagnose, generate } from './helpers.js';

const E = (line: number, col: number, msg: string) => `src/lib.rs:${line}:${col}: error: ${msg}`;
const ONLY_RETURNED = (text: string, kotlin: string) => `\`${text}\`: a frame ring end can only be returned (directly or as the Ok of a Result): Kotlin gets it as a ${kotlin}`;

describe('frames: generated glue', () => {
  test('a returned FrameConsumer is a FrameReader on the JVM and on Kotlin/Native', async () => {
    const out = await generate(`use ferry::frames::FrameConsumer;
#[ferry::export]
pub fn video(n: u64) -> FrameConsumer { todo!() }
#[ferry::export]
pub async fn later() -> ferry::frames::FrameProducer { todo!() }
`);
    assertContains(out.kotlinAll, 'fun video(n: ULong): dev.ferry.FrameReader');
    assertContains(out.kotlinAll, 'dev.ferry.FrameReader(FerryNative, r.i64())');
    assertContains(out.kotlinAll, 'suspend fun later(): dev.ferry.FrameWriter');
    assertContains(out.kotlinAll, 'internal object FerryNative : NativeRuntime, NativeStreams, NativeFrames {');
    assertContains(out.kotlinAll, '@JvmStatic external fun ferryFrameMemory(ring: Long): dev.ferry.FrameMemory');
    assertContains(out.rust, 'w.i64(::ferry::frames::hand_over_reader(&__result) as i64);');
    assertContains(out.rust, 'w.i64(::ferry::frames::hand_over_writer(&');
    assertContains(out.rust, '-> ::ferry::__private::jni::sys::jobject {\n    face::frames::memory(&mut env, ring)');
    const header = out.output.kotlinNative.find((f) => f.path.endsWith('.h'))?.content ?? '';
    assertContains(header, 'int64_t ferry_demo_ferryFrameMemory(int64_t *status, int64_t ring);');
    // A ring end in a result nobody receives (a cancelled caller) is closed through the
    // release entry, which a library with rings and no objects gets too.
    assertContains(out.kotlinAll, 'override fun releaseObject(handle: Long) {\n        ferryReleaseObject(handle)');
    assertContains(out.rust, 'face::release_object(&mut env, handle)');
    assertContains(header, 'ferry_demo_ferryReleaseObject(');
    // A sync call whose result holds a ring end closes it if the call fails afterwards.
    assertContains(out.rust, 'face::sync_call_tracked(&mut env, |env| {');
  });

  test('Result<FrameConsumer, E> and object methods return rings', async () => {
    const out = await generate(`use ferry::frames::FrameConsumer;
#[ferry::export(error)]
pub enum Bad { No }
#[ferry::export]
pub fn maybe() -> Result<FrameConsumer, Bad> { todo!() }
#[ferry::export(object)]
pub struct Cam;
#[ferry::export]
impl Cam {
    pub fn rows(&self) -> FrameConsumer { todo!() }
}
`);
    assertContains(out.kotlinAll, 'fun maybe(): dev.ferry.FrameReader');
    assertContains(out.kotlinAll, 'fun rows(): dev.ferry.FrameReader');
  });

  test('a library without rings has no ring entry points', async () => {
    const out = await generate('#[ferry::export]\npub fn f() -> u32 { 1 }\n');
    assertNotContains(out.kotlinAll, 'NativeFrames');
    assertNotContains(out.rust, 'ferryFrame');
  });
});

describe('frames: refused positions', () => {
  test('an argument, a field, a stream item and a Vec element are errors with their location', async () => {
    const lines = await diagnose(`use ferry::frames::{FrameConsumer, FrameProducer};
#[ferry::export]
pub fn take(c: FrameConsumer) {}
#[ferry::export]
pub struct R { pub p: FrameProducer }
#[ferry::export]
pub fn many() -> Vec<FrameConsumer> { todo!() }
#[ferry::export]
pub fn items() -> impl futures_core::Stream<Item = FrameConsumer> { todo!() }
`);
    assert.deepEqual(lines, [
      E(3, 16, ONLY_RETURNED('FrameConsumer', 'FrameReader')),
      E(5, 23, ONLY_RETURNED('FrameProducer', 'FrameWriter')),
      E(7, 22, ONLY_RETURNED('FrameConsumer', 'FrameReader')),
      E(9, 52, '`FrameConsumer`: a frame ring end cannot be a stream item: return it from a function'),
    ]);
  });
});
