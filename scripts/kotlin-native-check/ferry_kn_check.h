/* C view of scripts/kotlin-native-check/src/lib.rs, read by cinterop (ferry_kn_check.def). */
#ifndef FERRY_KN_CHECK_H
#define FERRY_KN_CHECK_H

#include <stdint.h>

typedef void (*ferry_check_doubled_callback)(uint64_t token, int64_t doubled, uint64_t thread_tag);

int32_t ferry_check_add(int32_t a, int32_t b);

/* Returns at once; a Rust-spawned thread calls `callback(token, value * 2, its tag)` after `delay_ms`. */
void ferry_check_double_later(int64_t value, uint32_t delay_ms, uint64_t token, ferry_check_doubled_callback callback);

/* A number unique to the calling thread. */
uint64_t ferry_check_thread_tag(void);

#endif
