/* The Kotlin/Native floor of bench/ (crate ferry_bench_rawc): hand-written C ABI. */
#ifndef FERRY_BENCH_RAWC_H
#define FERRY_BENCH_RAWC_H

#include <stdint.h>

/* Called from a Tokio worker when an async call ends: the caller's token and the value. */
typedef void (*rawc_complete_fn)(int64_t token, int64_t value);
/* Callbacks into Kotlin: `inc` on the calling thread; `start_inc_later` from a Tokio worker,
   answered later by rawc_callback_reply(reply, value). `ctx` identifies the Kotlin object. */
typedef int32_t (*rawc_inc_fn)(void *ctx, int32_t x);
typedef void (*rawc_start_inc_later_fn)(void *ctx, int64_t reply, int32_t x);

/* Once, before any async call or callback. */
void rawc_init(rawc_complete_fn complete, rawc_inc_fn inc, rawc_start_inc_later_fn start_inc_later);

int32_t rawc_add(int32_t a, int32_t b);
/* UTF-8 in; a Rust buffer out (length in *out_len), released with rawc_free. */
uint8_t *rawc_echo(const uint8_t *ptr, int64_t len, int64_t *out_len);
void rawc_free(uint8_t *ptr, int64_t len);

/* Spawn onto Tokio; complete(token, value) when done. */
void rawc_ready_start(int64_t token, int32_t x);
void rawc_hop_start(int64_t token, int32_t x);
void rawc_spawn_hop_start(int64_t token, int32_t x);

/* count(n): polled inline, one call per item. 0: item in *out; 1: done; 2: pending
   (then rawc_stream_wait completes `token` with the item, or INT64_MIN at the end). */
void *rawc_stream_open(uint64_t n);
int32_t rawc_stream_next(void *stream, uint64_t *out);
void rawc_stream_wait(void *stream, int64_t token);
void rawc_stream_close(void *stream);

/* callbacks: a Rust sync fn calling inc(ctx, x) once; a Rust async fn awaiting
   start_inc_later(ctx, ..) once, then completing `token`. */
int32_t rawc_call_sync(void *ctx, int32_t x);
void rawc_call_async_start(void *ctx, int64_t token, int32_t x);
void rawc_callback_reply(int64_t reply, int32_t value);

#endif
