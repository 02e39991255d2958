/* Non-temporal ("streaming") stores for large outputs.
 *
 * A plain store to a line that is not in the cache first reads the line from memory
 * (read-for-ownership): writing a large output costs twice its size in memory traffic.
 * Streaming stores write whole lines without reading them. Used only for outputs too
 * large to stay in the caches, where the caller gains nothing from finding them there
 * (docs/design.md, "Streaming stores"). The bytes written are the same either way.
 *
 * cyr_stream_copy(d, s, n): copies n bytes from s (any alignment, normally an L1 block
 * buffer) to d; the vector-aligned body of d with streaming stores, the ends with memcpy.
 * cyr_stream_fence(): orders the streaming stores before what follows (they are weakly
 * ordered); called once at the end of every kernel work item that used them. */
#ifndef CYR_STREAM_H
#define CYR_STREAM_H
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define CYR_STREAM_VEC 64
#define CYR_STREAM_ONE(d, s) _mm512_stream_si512((void*)(d), _mm512_loadu_si512((const void*)(s)))
#elif defined(__AVX__)
#include <immintrin.h>
#define CYR_STREAM_VEC 32
#define CYR_STREAM_ONE(d, s) _mm256_stream_si256((__m256i*)(d), _mm256_loadu_si256((const __m256i*)(s)))
#elif defined(__SSE2__)
#include <emmintrin.h>
#define CYR_STREAM_VEC 16
#define CYR_STREAM_ONE(d, s) _mm_stream_si128((__m128i*)(d), _mm_loadu_si128((const __m128i*)(s)))
#else
#define CYR_STREAM_VEC 0
#endif

static inline void cyr_stream_copy(char* d, const char* s, int64_t n) {
#if CYR_STREAM_VEC
    int64_t head = (int64_t)((-(uintptr_t)d) & (CYR_STREAM_VEC - 1));
    if (head > n)
        head = n;
    memcpy(d, s, (size_t)head);
    d += head;
    s += head;
    n -= head;
    for (; n >= CYR_STREAM_VEC; n -= CYR_STREAM_VEC, d += CYR_STREAM_VEC, s += CYR_STREAM_VEC)
        CYR_STREAM_ONE(d, s);
#endif
    memcpy(d, s, (size_t)n);
}

static inline void cyr_stream_fence(void) {
#if CYR_STREAM_VEC
    _mm_sfence();
#endif
}
#endif
