/* Channels-last float32 rows (W pass over W*C interleaved values, AxisPlan.expand): the
 * periodic interior of a down2-like table, where one period is one output pixel of C = 3 or 4
 * channels advancing two input pixels, and every channel reads the same pixel taps with the
 * same weights:
 *
 *     d[C m + f] = (((s[b[0] + f + 2C m] * w[0]) + s[b[1] + f + 2C m] * w[1]) + ...)
 *
 * in tap order, one multiply and one add per tap, exactly as the table loop computes it (the
 * module is compiled without floating-point contraction), so the results are bit-identical.
 * The compiler vectorises the table loop with emulated stride-2C gathers; here four output
 * pixels come from two 16-float loads per tap and one two-register permute (AVX-512).
 *
 * b[k] is the float offset of tap k for channel 0 and period 0; the caller has checked (the
 * polyphase table) that every tap of every period m < M lies inside the row. The wide loads
 * read up to 31 floats past b[k] + 2C m0, which stays inside the taps of the last period
 * while m0 <= M - 1 - ceil((32 - C) / 2C); later periods are left to the caller.
 *
 * Returns how many periods (from m = 0) it computed: 0 without AVX-512.
 */
#ifndef CYR_CLSIMD_H
#define CYR_CLSIMD_H

#include <stdint.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

static inline int64_t cyr_cl_down2_f32(const float* s, float* d, int64_t M, int C, const int64_t* b,
                                       const float* w, int64_t K) {
#if defined(__AVX512F__)
    const int64_t Q = 2 * (int64_t)C;
    const int64_t last = M - 1 - (32 - C + Q - 1) / Q;  /* the last m0 whose loads stay in range */
    /* lane j of the result: channel j % C of output pixel j / C, which is float
     * 2C (j / C) + j % C of the two loaded registers (32 floats) */
    const __m512i pick = C == 4
        ? _mm512_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27)
        : _mm512_setr_epi32(0, 1, 2, 6, 7, 8, 12, 13, 14, 18, 19, 20, 0, 0, 0, 0);
    const __mmask16 keep = C == 4 ? (__mmask16)0xFFFF : (__mmask16)0x0FFF;
    int64_t m0 = 0, k;
    if (C != 3 && C != 4)
        return 0;
    for (; m0 + 4 <= M && m0 <= last; m0 += 4) {
        __m512 acc = _mm512_setzero_ps();
        for (k = 0; k < K; k++) {
            const float* p = s + b[k] + Q * m0;
            const __m512 px = _mm512_permutex2var_ps(_mm512_loadu_ps(p), pick, _mm512_loadu_ps(p + 16));
            const __m512 prod = _mm512_mul_ps(px, _mm512_set1_ps(w[k]));
            acc = k == 0 ? prod : _mm512_add_ps(acc, prod);
        }
        _mm512_mask_storeu_ps(d + C * m0, keep, acc);
    }
    return m0;
#else
    (void)s;
    (void)d;
    (void)M;
    (void)C;
    (void)b;
    (void)w;
    (void)K;
    return 0;
#endif
}

#endif /* CYR_CLSIMD_H */
