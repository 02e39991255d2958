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
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__AVX512F__) || defined(__AVX2__)
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

/* Any periodic interior (AVX-512): d[P m + f] = (((s[b[f, 0] + Q m] * w[f, 0]) +
 * s[b[f, 1] + Q m] * w[f, 1]) + ...), the same operations in the same order as the table
 * loop. A step computes S = 16 / P periods (S P lanes): two 16-float loads from the lowest
 * tap of its periods, then per tap one two-register permute (the lanes' tap positions,
 * the same for every step) and one multiply and add with the lanes' weights. The taps of S
 * periods must span at most 32 floats (P <= 16, K <= CYR_CL_MAX_TAPS): else it returns 0.
 * The loads are masked to the floats up to the last tap of period M - 1 (the caller checked
 * that these lie inside the row). A store writes whole registers while they end inside
 * period M - 1 (their extra lanes are the next step's outputs, rewritten by it), and is
 * masked to its periods after that. Returns M (all periods computed), or 0. Channels-last up2 rows (P = 2C outputs from Q = C floats) are
 * the case that needs it: the compiler's loop over them emulates stride-C gathers. AVX2 runs
 * the same with 8 lanes (P <= 8) and a 16-float window. */
#define CYR_CL_MAX_TAPS 8

/* cyr_cl_poly_f32's per-row tables for `lanes` lanes and a window of 2 lanes floats: the
 * periods per step S = lanes / P, each lane's tap positions pos[k][l] (from lo, the lowest
 * tap) and weights wl[k][l] (0 for lanes past S P), and lo and end (one past the last tap
 * of period M - 1). Returns S, or 0 where the kernel does not apply. */
static inline int64_t cyr_cl_poly_table(int64_t lanes, int64_t M, int64_t P, int64_t Q, const int64_t* b,
                                        const float* w, int64_t K, int32_t pos[][16], float wl[][16],
                                        int64_t* lo_out, int64_t* end_out) {
    int64_t S, lo, hi, j, k, l;
    if (P < 1 || P > lanes || K < 1 || K > CYR_CL_MAX_TAPS || M < 1)
        return 0;
    S = lanes / P;
    lo = hi = b[0];
    for (j = 1; j < P * K; j++) {
        lo = b[j] < lo ? b[j] : lo;
        hi = b[j] > hi ? b[j] : hi;
    }
    if (hi - lo + Q * (S - 1) + 1 > 2 * lanes)
        return 0;
    for (k = 0; k < K; k++)
        for (l = 0; l < lanes; l++) {
            const int64_t f = l % P;
            pos[k][l] = l < S * P ? (int32_t)(b[f * K + k] - lo + Q * (l / P)) : 0;
            wl[k][l] = l < S * P ? w[f * K + k] : 0.0f;
        }
    *lo_out = lo;
    *end_out = hi + Q * (M - 1) + 1;
    return S;
}

/* The vector operations cyr_cl_poly_f32 needs, in the widest form this build has: the lane
 * count, whole and first-n-lanes loads and stores, and the gather of lanes from a window of
 * two registers at positions fixed per tap (AVX-512: one two-register permute; AVX2: two
 * one-register permutes and a blend on bit 3 of the position). */
#if defined(__AVX512F__)
#define CYR_CL_LANES 16
typedef __m512 cyr_cl_vf;
typedef struct { __m512i ix; } cyr_cl_taps;
static inline __mmask16 cyr_cl_first(int64_t n) {
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}
static inline cyr_cl_taps cyr_cl_taps_load(const int32_t* pos) {
    cyr_cl_taps t;
    t.ix = _mm512_loadu_si512((const void*)pos);
    return t;
}
static inline cyr_cl_vf cyr_cl_gather(cyr_cl_vf x0, cyr_cl_vf x1, cyr_cl_taps t) {
    return _mm512_permutex2var_ps(x0, t.ix, x1);
}
#define cyr_cl_loadu _mm512_loadu_ps
#define cyr_cl_storeu _mm512_storeu_ps
#define cyr_cl_mul _mm512_mul_ps
#define cyr_cl_add _mm512_add_ps
#define cyr_cl_load_n(p, n) _mm512_maskz_loadu_ps(cyr_cl_first(n), (p))
#define cyr_cl_store_n(p, n, v) _mm512_mask_storeu_ps((p), cyr_cl_first(n), (v))
#elif defined(__AVX2__)
#define CYR_CL_LANES 8
typedef __m256 cyr_cl_vf;
typedef struct { __m256i ix; __m256 hi; } cyr_cl_taps;
static const int32_t cyr_cl_keep[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
static inline __m256i cyr_cl_first(int64_t n) {  /* cyr_cl_keep + 8 - n: the first n lanes */
    return _mm256_loadu_si256((const __m256i*)(cyr_cl_keep + 8 - (n >= 8 ? 8 : n <= 0 ? 0 : n)));
}
static inline cyr_cl_taps cyr_cl_taps_load(const int32_t* pos) {
    cyr_cl_taps t;
    t.ix = _mm256_loadu_si256((const __m256i*)pos);
    t.hi = _mm256_castsi256_ps(_mm256_slli_epi32(t.ix, 28));  /* sign bit = bit 3 */
    return t;
}
static inline cyr_cl_vf cyr_cl_gather(cyr_cl_vf x0, cyr_cl_vf x1, cyr_cl_taps t) {
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(x0, t.ix), _mm256_permutevar8x32_ps(x1, t.ix), t.hi);
}
#define cyr_cl_loadu _mm256_loadu_ps
#define cyr_cl_storeu _mm256_storeu_ps
#define cyr_cl_mul _mm256_mul_ps
#define cyr_cl_add _mm256_add_ps
#define cyr_cl_load_n(p, n) _mm256_maskload_ps((p), cyr_cl_first(n))
#define cyr_cl_store_n(p, n, v) _mm256_maskstore_ps((p), cyr_cl_first(n), (v))
#endif

static inline int64_t cyr_cl_poly_f32(const float* s, float* d, int64_t M, int64_t P, int64_t Q,
                                      const int64_t* b, const float* w, int64_t K) {
#if defined(CYR_CL_LANES)
    const int64_t L = CYR_CL_LANES;
    int32_t pos[CYR_CL_MAX_TAPS][16];
    float wl[CYR_CL_MAX_TAPS][16];
    cyr_cl_taps taps[CYR_CL_MAX_TAPS];
    cyr_cl_vf wv[CYR_CL_MAX_TAPS];
    int64_t lo, end, k, m0;
    const int64_t S = cyr_cl_poly_table(L, M, P, Q, b, w, K, pos, wl, &lo, &end);
    if (S == 0)
        return 0;
    for (k = 0; k < K; k++) {
        taps[k] = cyr_cl_taps_load(pos[k]);
        wv[k] = cyr_cl_loadu(wl[k]);
    }
    for (m0 = 0; m0 < M; m0 += S) {
        const float* p = s + lo + Q * m0;
        const int64_t rem = end - (lo + Q * m0), nper = M - m0 < S ? M - m0 : S;
        cyr_cl_vf x0, x1, acc;
        if (rem >= 2 * L) {
            x0 = cyr_cl_loadu(p);
            x1 = cyr_cl_loadu(p + L);
        } else {  /* masked to the rem floats left */
            x0 = cyr_cl_load_n(p, rem);
            x1 = cyr_cl_load_n(p + L, rem - L);
        }
        acc = cyr_cl_mul(cyr_cl_gather(x0, x1, taps[0]), wv[0]);
        for (k = 1; k < K; k++)
            acc = cyr_cl_add(acc, cyr_cl_mul(cyr_cl_gather(x0, x1, taps[k]), wv[k]));
        if (P * m0 + L <= P * M)  /* lanes past the step's periods: the next periods' outputs, written next */
            cyr_cl_storeu(d + P * m0, acc);
        else
            cyr_cl_store_n(d + P * m0, nper * P, acc);
    }
    return M;
#else
    (void)s; (void)d; (void)M; (void)P; (void)Q; (void)b; (void)w; (void)K;
    return 0;
#endif
}

/* The nearest modes' gather of 4-byte (and, with AVX-512 BW, 2-byte) elements along a
 * contiguous source row (any dtype of that size; permutes move bits, never convert them):
 * d[j] = s[x[j]] for j < L, x[j] the element index (byte offset / element size).
 * cyr_gather_plan splits the outputs into groups of `lanes` whose indices lie in a window of
 * 2 lanes elements: base[g] is the group's lowest index, span[g] the window's length (0:
 * the group is copied one element at a time), pos (int32 for 4-byte elements, int16 for
 * 2-byte ones) the lanes' positions in it. cyr_gather_elements_plan returns the number of
 * groups, or -1 where this build has no such permutes. cyr_gather_lanes_row and
 * cyr_gather16_row then
 * fill a row from the windows (masked loads: only elements base[g] .. base[g] + span[g] - 1
 * are read, all between two indices of the group) with one two-register permute per
 * group. Upscaling (each index twice) and down2 (every other index) rows are such groups. */
static inline int64_t cyr_gather_plan(const int64_t* off, int64_t L, int64_t esize, int64_t lanes, int32_t* pos32,
                                      int16_t* pos16, int64_t* base, int64_t* span) {
    const int64_t ng = L / lanes;
    int64_t g, l;
    for (g = 0; g < ng; g++) {
        const int64_t* o = off + g * lanes;
        int64_t lo = o[0] / esize, hi = lo;
        for (l = 1; l < lanes; l++) {
            lo = o[l] / esize < lo ? o[l] / esize : lo;
            hi = o[l] / esize > hi ? o[l] / esize : hi;
        }
        base[g] = lo;
        span[g] = hi - lo < 2 * lanes ? hi - lo + 1 : 0;
        for (l = 0; l < lanes; l++) {
            const int64_t at = span[g] ? o[l] / esize - lo : 0;
            if (pos32 && esize == 8) {  /* the element's two 4-byte halves */
                pos32[2 * (g * lanes + l)] = (int32_t)(2 * at);
                pos32[2 * (g * lanes + l) + 1] = (int32_t)(2 * at + 1);
            } else if (pos32) {
                pos32[g * lanes + l] = (int32_t)at;
            } else {
                pos16[g * lanes + l] = (int16_t)at;
            }
        }
    }
    return ng;
}

/* cyr_gather_plan for elements of esize bytes with this build's permutes: 4-byte elements
 * CYR_CL_LANES to a group, 8-byte ones half as many (two 4-byte lanes each, pos holding two
 * int32 entries per output), 2-byte ones 32 (AVX-512 BW; int16 pos). -1 where the build has
 * none for that size. */
static inline int64_t cyr_gather_elements_plan(const int64_t* off, int64_t L, int64_t esize, void* pos,
                                               int64_t* base, int64_t* span) {
#if defined(CYR_CL_LANES)
    if (esize == 4 || esize == 8)
        return cyr_gather_plan(off, L, esize, CYR_CL_LANES * 4 / esize, (int32_t*)pos, NULL, base, span);
#endif
#if defined(__AVX512BW__)
    if (esize == 2)
        return cyr_gather_plan(off, L, 2, 32, NULL, (int16_t*)pos, base, span);
#endif
    (void)off; (void)L; (void)esize; (void)pos; (void)base; (void)span;
    return -1;
}

static inline void cyr_gather16_row(const char* s, char* d, int64_t L, const int64_t* off, const int16_t* pos,
                                    const int64_t* base, const int64_t* span) {
    int64_t j = 0;
#if defined(__AVX512BW__)
    const int16_t* sh = (const int16_t*)s;
    int16_t* dh = (int16_t*)d;
    int64_t g, l;
    for (g = 0; j + 32 <= L; g++, j += 32) {
        if (span[g]) {
            const int16_t* p = sh + base[g];
            const int64_t n0 = span[g] >= 32 ? 32 : span[g], n1 = span[g] - n0;
            const __m512i x0 = _mm512_maskz_loadu_epi16((__mmask32)(n0 >= 32 ? 0xFFFFFFFFu : (1u << n0) - 1), p);
            const __m512i x1 = n1 > 0 ? _mm512_maskz_loadu_epi16(
                (__mmask32)(n1 >= 32 ? 0xFFFFFFFFu : (1u << n1) - 1), p + 32) : x0;
            _mm512_storeu_si512((void*)(dh + j),
                                _mm512_permutex2var_epi16(x0, _mm512_loadu_si512((const void*)(pos + j)), x1));
        } else {
            for (l = 0; l < 32; l++)
                memcpy(d + 2 * (j + l), s + off[j + l], 2);
        }
    }
#else
    (void)pos; (void)base; (void)span;
#endif
    for (; j < L; j++)
        memcpy(d + 2 * j, s + off[j], 2);
}

/* A row of 4-byte (esize 4) or 8-byte (esize 8: two 4-byte lanes each) elements from the
 * groups of cyr_gather_elements_plan */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void cyr_gather_lanes_row(const char* s, char* d, int64_t L, int64_t esize, const int64_t* off,
                                        const int32_t* pos, const int64_t* base, const int64_t* span) {
    int64_t j = 0, l;
#if defined(CYR_CL_LANES)
    const float* sf = (const float*)s;
    float* df = (float*)d;
    const int64_t u = esize / 4, lanes = CYR_CL_LANES / u;  /* 4-byte lanes per element; outputs per group */
    int64_t g;
    for (g = 0; j + lanes <= L; g++, j += lanes) {
        if (span[g]) {
            const float* p = sf + u * base[g];
            const int64_t n = u * span[g];
            const cyr_cl_vf x0 = cyr_cl_load_n(p, n);
            const cyr_cl_vf x1 = n > CYR_CL_LANES ? cyr_cl_load_n(p + CYR_CL_LANES, n - CYR_CL_LANES) : x0;
            cyr_cl_storeu(df + u * j, cyr_cl_gather(x0, x1, cyr_cl_taps_load(pos + u * j)));
        } else {
            for (l = 0; l < lanes; l++)
                memcpy(d + esize * (j + l), s + off[j + l], (size_t)esize);
        }
    }
#else
    (void)pos; (void)base; (void)span;
#endif
    for (; j < L; j++)
        memcpy(d + esize * j, s + off[j], (size_t)esize);
    (void)l;
}

/* One RGBA float32 pixel of the channels-last product kernel (_pointwise.pxi.tp): the four
 * channels of ((a*wa + b*wb) + c*wc) + d*wd in one 128-bit vector, each lane with the scalar
 * loop's multiplies and adds in its order (contraction is off, spec §3.2). */
static inline void cyr_product4_f32(const float* a, const float* b, const float* c, const float* d, float wa,
                                    float wb, float wc, float wd, float* o) {
#if defined(__SSE2__)
    __m128 acc = _mm_mul_ps(_mm_loadu_ps(a), _mm_set1_ps(wa));
    acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(b), _mm_set1_ps(wb)));
    acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(c), _mm_set1_ps(wc)));
    acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(d), _mm_set1_ps(wd)));
    _mm_storeu_ps(o, acc);
#else
    int k;
    for (k = 0; k < 4; k++)
        o[k] = ((a[k] * wa + b[k] * wb) + c[k] * wc) + d[k] * wd;
#endif
}

#endif /* CYR_CLSIMD_H */
