/* uint8 fixed-point window kernels (spec §2.7), SIMD along the row.
 *
 * Each output is clamp((2^(shift-1) + sum_k w16[k] * s[x0 + k]) >> shift, 0, 255) over a
 * window of contiguous taps with int16 weights, as in PyTorch's uint8 kernels. The sum is
 * exact int32 arithmetic, so any grouping of the products gives the same bits: the SIMD
 * forms below (pmaddwd pairs, 4-tap groups, lane reductions) equal the scalar loop exactly.
 *
 * Every load stays inside the row it reads: windows are read up to their own size, and the
 * wide loads are used only where the whole load lies inside the row (checked per output).
 *
 * Variants: AVX2 when the module is compiled with it, SSE2 on any x86-64, scalar elsewhere.
 */
#ifndef CYR_U8SIMD_H
#define CYR_U8SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) || defined(_M_X64)
#define CYR_U8_SSE2 1
#include <emmintrin.h>
#endif
#if defined(__AVX2__)
#define CYR_U8_AVX2 1
#include <immintrin.h>
#endif
#if defined(__AVX512BW__)
#define CYR_U8_AVX512 1
#endif

/* image rows per register in cyr_u8_hrow_px_rows (which takes four rows at a time in two
 * registers with AVX2) */
#if defined(CYR_U8_AVX512)
#define CYR_U8_ROW_LANES 4
#elif defined(CYR_U8_AVX2)
#define CYR_U8_ROW_LANES 2
#else
#define CYR_U8_ROW_LANES 1
#endif

static inline uint8_t cyr_u8_round(int32_t acc, int shift) {
    int32_t v = acc >> shift;
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

static inline int32_t cyr_u8_bias(int shift) {
    return shift > 0 ? ((int32_t)1 << (shift - 1)) : 0;
}

#ifdef CYR_U8_SSE2
/* (acc >> shift) clamped to 0..255, four int32 lanes to the low four bytes */
static inline uint32_t cyr_u8_pack4(__m128i acc, __m128i shift) {
    __m128i v = _mm_sra_epi32(acc, shift);
    v = _mm_packs_epi32(v, v);
    v = _mm_packus_epi16(v, v);
    return (uint32_t)_mm_cvtsi128_si32(v);
}

/* an int16 weight pair (w0, w1) in every 32-bit lane, for pmaddwd */
static inline __m128i cyr_u8_wpair(int16_t w0, int16_t w1) {
    return _mm_set1_epi32((int32_t)(((uint32_t)(uint16_t)w1 << 16) | (uint16_t)w0));
}

/* the sum of the four lanes of each of a, b, c, d, as the lanes of one vector */
static inline __m128i cyr_u8_hsum4(__m128i a, __m128i b, __m128i c, __m128i d) {
    __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

/* partial sums (4 lanes) of sum_{k<Kp} w[k] * s[k]; Kp is a multiple of 8 */
static inline __m128i cyr_u8_dot_c1(const uint8_t* s, const int16_t* w, int64_t Kp) {
    const __m128i zero = _mm_setzero_si128();
    __m128i acc = zero;
    int64_t c = 0;
#ifdef CYR_U8_AVX2
    __m256i acc8 = _mm256_setzero_si256();
    for (; c + 16 <= Kp; c += 16) {
        __m256i px = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i*)(s + c)));
        acc8 = _mm256_add_epi32(acc8, _mm256_madd_epi16(px, _mm256_loadu_si256((const __m256i*)(w + c))));
    }
    acc = _mm_add_epi32(_mm256_castsi256_si128(acc8), _mm256_extracti128_si256(acc8, 1));
#endif
    for (; c < Kp; c += 8) {
        __m128i px = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i*)(s + c)), zero);
        acc = _mm_add_epi32(acc, _mm_madd_epi16(px, _mm_loadu_si128((const __m128i*)(w + c))));
    }
    return acc;
}

/* one pixel of C (3 or 4) bytes in the low 32 bits; the pixel at the end of a C == 3 row
 * is read byte by byte so that nothing past the row is touched */
static inline __m128i cyr_u8_pixel(const uint8_t* p, int C, int at_end) {
    uint32_t v;
    if (C == 4 || !at_end) {
        memcpy(&v, p, 4);
    } else {
        v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
    }
    return _mm_cvtsi32_si128((int32_t)v);
}
#endif

#ifdef CYR_U8_AVX2
/* Byte shuffles (per 128-bit lane) that spread 16 bytes of C-byte pixels (C = 3 or 4;
 * pixels 0..3) to int16 tap pairs for pmaddwd: pixels (0, 1) -> [c0 of p0, c0 of p1, c1 of
 * p0, c1 of p1, ...], and pixels (2, 3) likewise. -1 zeroes a byte (the high byte of each
 * int16; for C == 3 the fourth channel pair too, so that lane sums to 0). */
static inline __m256i cyr_u8_spread01(int C) {
    return C == 4 ? _mm256_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1,
                                     0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1)
                  : _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
                                     0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
}

static inline __m256i cyr_u8_spread23(int C) {
    return C == 4 ? _mm256_setr_epi8(8, -1, 12, -1, 9, -1, 13, -1, 10, -1, 14, -1, 11, -1, 15, -1,
                                     8, -1, 12, -1, 9, -1, 13, -1, 10, -1, 14, -1, 11, -1, 15, -1)
                  : _mm256_setr_epi8(6, -1, 9, -1, 7, -1, 10, -1, 8, -1, 11, -1, -1, -1, -1, -1,
                                     6, -1, 9, -1, 7, -1, 10, -1, 8, -1, 11, -1, -1, -1, -1, -1);
}
#endif

/* One row, one channel: d[o] for o < n_out from s[xmin[o] .. xmin[o] + xsize[o]). w has Kp
 * (a multiple of 8) int16 weights per output, zero past xsize[o]. */
static inline void cyr_u8_hrow_c1(const uint8_t* s, uint8_t* d, int64_t n_in, int64_t n_out,
                                  const int64_t* xmin, const int64_t* xsize, const int16_t* w,
                                  int64_t Kp, int shift) {
    const int32_t bias = cyr_u8_bias(shift);
    int64_t o = 0, k;
#ifdef CYR_U8_SSE2
    const __m128i vshift = _mm_cvtsi32_si128(shift), vbias = _mm_set1_epi32(bias);
    for (; o + 4 <= n_out; o += 4) {
        /* the wide loads read Kp bytes from each window start: only inside the row */
        if (xmin[o] + Kp > n_in || xmin[o + 1] + Kp > n_in || xmin[o + 2] + Kp > n_in ||
            xmin[o + 3] + Kp > n_in)
            break;
        __m128i a = cyr_u8_dot_c1(s + xmin[o], w + o * Kp, Kp);
        __m128i b = cyr_u8_dot_c1(s + xmin[o + 1], w + (o + 1) * Kp, Kp);
        __m128i c = cyr_u8_dot_c1(s + xmin[o + 2], w + (o + 2) * Kp, Kp);
        __m128i e = cyr_u8_dot_c1(s + xmin[o + 3], w + (o + 3) * Kp, Kp);
        uint32_t v = cyr_u8_pack4(_mm_add_epi32(cyr_u8_hsum4(a, b, c, e), vbias), vshift);
        memcpy(d + o, &v, 4);
    }
#endif
    for (; o < n_out; o++) {
        const uint8_t* sp = s + xmin[o];
        const int16_t* wp = w + o * Kp;
        int32_t acc = bias;
        for (k = 0; k < xsize[o]; k++)
            acc += (int32_t)sp[k] * wp[k];
        d[o] = cyr_u8_round(acc, shift);
    }
}

/* One row of interleaved C-byte pixels (C = 3 or 4): pixel o of d from the pixels
 * xmin[o] .. xmin[o] + xsize[o] of s (n_in pixels); weights as for cyr_u8_hrow_c1. */
static inline void cyr_u8_hrow_px(const uint8_t* s, uint8_t* d, int64_t n_in, int C, int64_t n_out,
                                  const int64_t* xmin, const int64_t* xsize, const int16_t* w,
                                  int64_t Kp, int shift) {
    const int32_t bias = cyr_u8_bias(shift);
    int64_t o, k, c;
#ifdef CYR_U8_SSE2
    const __m128i zero = _mm_setzero_si128(), vshift = _mm_cvtsi32_si128(shift);
    const __m128i vbias = _mm_set1_epi32(bias);
#ifdef CYR_U8_AVX2
    const int64_t row_bytes = n_in * C;
    /* 4 pixels (16 bytes) -> [p0 p1 interleaved per channel | p2 p3 ...]; -1 zeroes a byte */
    const __m128i shuf = C == 4
        ? _mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15)
        : _mm_setr_epi8(0, 3, 1, 4, 2, 5, -1, -1, 6, 9, 7, 10, 8, 11, -1, -1);
#endif
    for (o = 0; o < n_out; o++) {
        const int64_t x0 = xmin[o], n = xsize[o];
        const uint8_t* sp = s + x0 * C;
        const int16_t* wp = w + o * Kp;
        __m128i acc = vbias;
        uint32_t v;
        k = 0;
#ifdef CYR_U8_AVX2
        {
            __m256i acc8 = _mm256_setzero_si256();
            for (; k + 4 <= n && (x0 + k) * C + 16 <= row_bytes; k += 4) {
                __m128i px = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(sp + k * C)), shuf);
                __m256i ww = _mm256_set_m128i(cyr_u8_wpair(wp[k + 2], wp[k + 3]), cyr_u8_wpair(wp[k], wp[k + 1]));
                acc8 = _mm256_add_epi32(acc8, _mm256_madd_epi16(_mm256_cvtepu8_epi16(px), ww));
            }
            acc = _mm_add_epi32(acc, _mm_add_epi32(_mm256_castsi256_si128(acc8),
                                                   _mm256_extracti128_si256(acc8, 1)));
        }
#endif
        for (; k + 2 <= n; k += 2) {
            __m128i p0 = cyr_u8_pixel(sp + k * C, C, 0);
            __m128i p1 = cyr_u8_pixel(sp + (k + 1) * C, C, x0 + k + 1 == n_in - 1);
            __m128i px = _mm_unpacklo_epi8(_mm_unpacklo_epi8(p0, p1), zero);
            acc = _mm_add_epi32(acc, _mm_madd_epi16(px, cyr_u8_wpair(wp[k], wp[k + 1])));
        }
        if (k < n) {
            __m128i p0 = cyr_u8_pixel(sp + k * C, C, x0 + k == n_in - 1);
            __m128i px = _mm_unpacklo_epi8(_mm_unpacklo_epi8(p0, zero), zero);
            acc = _mm_add_epi32(acc, _mm_madd_epi16(px, cyr_u8_wpair(wp[k], 0)));
        }
        v = cyr_u8_pack4(acc, vshift);
        if (C == 4 || o + 1 < n_out) {
            memcpy(d + o * C, &v, 4);  /* for C == 3 the 4th byte is the next pixel's, written next */
        } else {
            memcpy(d + o * C, &v, 3);
        }
    }
    (void)c;
#else
    for (o = 0; o < n_out; o++) {
        const uint8_t* sp = s + xmin[o] * C;
        const int16_t* wp = w + o * Kp;
        for (c = 0; c < C; c++) {
            int32_t acc = bias;
            for (k = 0; k < xsize[o]; k++)
                acc += (int32_t)sp[k * C + c] * wp[k];
            d[o * C + c] = cyr_u8_round(acc, shift);
        }
    }
#endif
}

/* Rows r < nrows of interleaved C-byte pixels (C = 3 or 4), s + r * ss -> d + r * ds, each
 * as by cyr_u8_hrow_px. With AVX2, two rows share each 256-bit register (one per 128-bit
 * lane; four rows in two registers while four remain, four in one with AVX-512): 4 taps
 * per step, pixels spread to int16 pairs by one shuffle per tap pair. */
static inline void cyr_u8_hrow_px_rows(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows,
                                       int64_t n_in, int C, int64_t n_out, const int64_t* xmin,
                                       const int64_t* xsize, const int16_t* w, int64_t Kp, int shift) {
    int64_t r = 0;
#ifdef CYR_U8_AVX2
    const int64_t row_bytes = n_in * C;
    const __m256i vbias = _mm256_set1_epi32(cyr_u8_bias(shift));
    const __m128i vshift = _mm_cvtsi32_si128(shift);
    const __m256i m01 = cyr_u8_spread01(C), m23 = cyr_u8_spread23(C);
#ifdef CYR_U8_AVX512
    {
        /* four rows, one per 128-bit lane of a 512-bit register; otherwise as below */
        const __m512i vbias4 = _mm512_set1_epi32(cyr_u8_bias(shift));
        const __m512i m01x4 = _mm512_broadcast_i32x4(_mm256_castsi256_si128(m01));
        const __m512i m23x4 = _mm512_broadcast_i32x4(_mm256_castsi256_si128(m23));
        for (; r + 4 <= nrows; r += 4) {
            const uint8_t* s0 = s + r * ss;
            uint8_t* d0 = d + r * ds;
            int64_t o, j;
            for (o = 0; o < n_out; o++) {
                const int64_t x0 = xmin[o], n = xsize[o], n4 = (n + 3) & ~(int64_t)3;
                const int16_t* wp = w + o * Kp;
                __m512i acc = vbias4;
                int64_t k;
                if (n4 > Kp || (x0 + n4 - 4) * C + 16 > row_bytes) {
                    /* a wide load would leave the row: this pixel of the four rows the careful way */
                    for (j = 0; j < 4; j++)
                        cyr_u8_hrow_px(s0 + j * ss, d0 + j * ds + o * C, n_in, C, 1, xmin + o, xsize + o, wp, Kp,
                                       shift);
                    continue;
                }
                for (k = 0; k < n4; k += 4) {
                    const uint8_t* p = s0 + (x0 + k) * C;
                    __m512i px = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i*)p));
                    int32_t w01, w23;
                    px = _mm512_inserti32x4(px, _mm_loadu_si128((const __m128i*)(p + ss)), 1);
                    px = _mm512_inserti32x4(px, _mm_loadu_si128((const __m128i*)(p + 2 * ss)), 2);
                    px = _mm512_inserti32x4(px, _mm_loadu_si128((const __m128i*)(p + 3 * ss)), 3);
                    memcpy(&w01, wp + k, 4);
                    memcpy(&w23, wp + k + 2, 4);
                    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_shuffle_epi8(px, m01x4),
                                                                  _mm512_set1_epi32(w01)));
                    if (k + 2 < n)  /* (taps k+2, k+3 weigh 0 otherwise) */
                        acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_shuffle_epi8(px, m23x4),
                                                                      _mm512_set1_epi32(w23)));
                }
                acc = _mm512_sra_epi32(acc, vshift);
                acc = _mm512_packus_epi16(_mm512_packs_epi32(acc, acc), _mm512_packs_epi32(acc, acc));
                for (j = 0; j < 4; j++) {  /* lane j: row j's pixel in its low 4 bytes */
                    const __m128i lane = j == 0 ? _mm512_castsi512_si128(acc)
                                       : j == 1 ? _mm512_extracti32x4_epi32(acc, 1)
                                       : j == 2 ? _mm512_extracti32x4_epi32(acc, 2) : _mm512_extracti32x4_epi32(acc, 3);
                    const uint32_t v = (uint32_t)_mm_cvtsi128_si32(lane);
                    if (C == 4 || o + 1 < n_out)  /* C == 3: the 4th byte is the next pixel's, written next */
                        memcpy(d0 + j * ds + o * C, &v, 4);
                    else
                        memcpy(d0 + j * ds + o * C, &v, 3);
                }
            }
        }
    }
#else
    /* four rows in two registers (rows 0, 1 and rows 2, 3, one per 128-bit lane): the
     * weights, window and loop are shared and the two sums are independent chains; four
     * output pixels are packed and stored together (one 16-byte store per row) */
    const __m256i squeeze = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                             0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    for (; r + 4 <= nrows; r += 4) {
        const uint8_t* s0 = s + r * ss;
        uint8_t* d0 = d + r * ds;
        int64_t o = 0, j, q;
        for (; o + 4 <= n_out; o += 4) {
            __m256i acc01[4], acc23[4], r01, r23;
            for (q = 0; q < 4; q++) {
                const int64_t x0 = xmin[o + q], n = xsize[o + q], n4 = (n + 3) & ~(int64_t)3;
                if (n4 > Kp || (x0 + n4 - 4) * C + 16 > row_bytes)
                    break;
            }
            if (q < 4) {
                /* a wide load would leave the row: these pixels of the four rows the careful way */
                for (j = 0; j < 4; j++)
                    cyr_u8_hrow_px(s0 + j * ss, d0 + j * ds + o * C, n_in, C, 4, xmin + o, xsize + o, w + o * Kp,
                                   Kp, shift);
                continue;
            }
            for (q = 0; q < 4; q++) {
                const int64_t x0 = xmin[o + q], n = xsize[o + q], n4 = (n + 3) & ~(int64_t)3;
                const int16_t* wp = w + (o + q) * Kp;
                __m256i a01 = vbias, a23 = vbias;
                int64_t k;
                for (k = 0; k < n4; k += 4) {
                    const uint8_t* p = s0 + (x0 + k) * C;
                    const __m256i px01 = _mm256_inserti128_si256(
                        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i*)p)),
                        _mm_loadu_si128((const __m128i*)(p + ss)), 1);
                    const __m256i px23 = _mm256_inserti128_si256(
                        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i*)(p + 2 * ss))),
                        _mm_loadu_si128((const __m128i*)(p + 3 * ss)), 1);
                    int32_t w01, w23;
                    __m256i vw;
                    memcpy(&w01, wp + k, 4);
                    memcpy(&w23, wp + k + 2, 4);
                    vw = _mm256_set1_epi32(w01);
                    a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(_mm256_shuffle_epi8(px01, m01), vw));
                    a23 = _mm256_add_epi32(a23, _mm256_madd_epi16(_mm256_shuffle_epi8(px23, m01), vw));
                    if (k + 2 < n) {  /* (taps k+2, k+3 weigh 0 otherwise) */
                        vw = _mm256_set1_epi32(w23);
                        a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(_mm256_shuffle_epi8(px01, m23), vw));
                        a23 = _mm256_add_epi32(a23, _mm256_madd_epi16(_mm256_shuffle_epi8(px23, m23), vw));
                    }
                }
                acc01[q] = _mm256_sra_epi32(a01, vshift);
                acc23[q] = _mm256_sra_epi32(a23, vshift);
            }
            /* per lane: the row's pixels o, o + 1 (packs), then o + 2, o + 3, as 16 bytes */
            r01 = _mm256_packus_epi16(_mm256_packs_epi32(acc01[0], acc01[1]), _mm256_packs_epi32(acc01[2], acc01[3]));
            r23 = _mm256_packus_epi16(_mm256_packs_epi32(acc23[0], acc23[1]), _mm256_packs_epi32(acc23[2], acc23[3]));
            if (C == 3) {
                r01 = _mm256_shuffle_epi8(r01, squeeze);
                r23 = _mm256_shuffle_epi8(r23, squeeze);
            }
            {
                const __m128i rows[4] = {_mm256_castsi256_si128(r01), _mm256_castsi256_si128(r23),
                                         _mm256_extracti128_si256(r01, 1), _mm256_extracti128_si256(r23, 1)};
                /* rows[] holds rows 0, 2, 1, 3 */
                for (j = 0; j < 4; j++) {
                    uint8_t* dj = d0 + (j == 0 ? 0 : j == 1 ? 2 : j == 2 ? 1 : 3) * ds + o * C;
                    if (C == 4 || o + 4 < n_out) {
                        /* C == 3: the last 4 bytes are the next pixel's, written next */
                        _mm_storeu_si128((__m128i*)dj, rows[j]);
                    } else {
                        uint32_t last = (uint32_t)_mm_extract_epi32(rows[j], 2);
                        _mm_storel_epi64((__m128i*)dj, rows[j]);
                        memcpy(dj + 8, &last, 4);
                    }
                }
            }
        }
        if (o < n_out)
            for (j = 0; j < 4; j++)
                cyr_u8_hrow_px(s0 + j * ss, d0 + j * ds + o * C, n_in, C, n_out - o, xmin + o, xsize + o,
                               w + o * Kp, Kp, shift);
    }
#endif
    for (; r + 2 <= nrows; r += 2) {
        const uint8_t* s0 = s + r * ss;
        const uint8_t* s1 = s0 + ss;
        uint8_t* d0 = d + r * ds;
        uint8_t* d1 = d0 + ds;
        int64_t o;
        for (o = 0; o < n_out; o++) {
            const int64_t x0 = xmin[o], n = xsize[o], n4 = (n + 3) & ~(int64_t)3;
            const int16_t* wp = w + o * Kp;
            __m256i acc = vbias;
            int64_t k;
            uint32_t v0, v1;
            if (n4 > Kp || (x0 + n4 - 4) * C + 16 > row_bytes) {
                /* a wide load would leave the row: this pixel of both rows the careful way */
                cyr_u8_hrow_px(s0, d0 + o * C, n_in, C, 1, xmin + o, xsize + o, wp, Kp, shift);
                cyr_u8_hrow_px(s1, d1 + o * C, n_in, C, 1, xmin + o, xsize + o, wp, Kp, shift);
                continue;
            }
            /* weights past n are zero (u8_windows), so the taps n..n4-1 read add nothing */
            for (k = 0; k < n4; k += 4) {
                __m256i px = _mm256_inserti128_si256(
                    _mm256_castsi128_si256(_mm_loadu_si128((const __m128i*)(s0 + (x0 + k) * C))),
                    _mm_loadu_si128((const __m128i*)(s1 + (x0 + k) * C)), 1);
                int32_t w01, w23;
                memcpy(&w01, wp + k, 4);
                memcpy(&w23, wp + k + 2, 4);
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_shuffle_epi8(px, m01), _mm256_set1_epi32(w01)));
                if (k + 2 < n)  /* (taps k+2, k+3 weigh 0 otherwise: up2 windows of 2 skip them) */
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_shuffle_epi8(px, m23),
                                                                  _mm256_set1_epi32(w23)));
            }
            acc = _mm256_sra_epi32(acc, vshift);
            acc = _mm256_packs_epi32(acc, acc);
            acc = _mm256_packus_epi16(acc, acc);
            v0 = (uint32_t)_mm_cvtsi128_si32(_mm256_castsi256_si128(acc));
            v1 = (uint32_t)_mm_cvtsi128_si32(_mm256_extracti128_si256(acc, 1));
            if (C == 4 || o + 1 < n_out) {  /* C == 3: the 4th byte is the next pixel's, written next */
                memcpy(d0 + o * C, &v0, 4);
                memcpy(d1 + o * C, &v1, 4);
            } else {
                memcpy(d0 + o * C, &v0, 3);
                memcpy(d1 + o * C, &v1, 3);
            }
        }
    }
#endif
    for (; r < nrows; r++)
        cyr_u8_hrow_px(s + r * ss, d + r * ds, n_in, C, n_out, xmin, xsize, w, Kp, shift);
}

/* One row of interleaved C-byte pixels (C = 3 or 4), as cyr_u8_hrow_px, eight output pixels
 * at a time: each 128-bit lane holds one output pixel's tap pair (k, k + 1) as int16 pairs,
 * so one pmaddwd serves two outputs. Each lane loads 16 bytes (4 pixels: two tap pairs) per
 * step. wpk holds the weight pairs in the order the lanes use them (cyr_u8_pair_index): for
 * group g, pair p, register r (0..3) and lane l (0, 1), four int32 copies of
 * w[o][2p] | w[o][2p + 1] << 16 with o = 8g + r + 4l. Weights past a window's size are zero,
 * so the taps read past it add nothing. Groups whose reads would leave the row, and the
 * last n_out % 8 outputs, go through cyr_u8_hrow_px. */
static inline int64_t cyr_u8_pair_index(int64_t g, int64_t p, int r, int64_t npairs) {
    return ((g * npairs + p) * 4 + r) * 8;  /* int32 offset of (g, p, r) in wpk */
}

#if defined(__GNUC__)
#define CYR_U8_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CYR_U8_ALWAYS_INLINE inline
#endif

static CYR_U8_ALWAYS_INLINE void cyr_u8_hrow_px_pairs_impl(const uint8_t* s, uint8_t* d, int64_t n_in, int C,
                                                          int64_t n_out, const int64_t* xmin,
                                                          const int64_t* xsize, const int16_t* w, int64_t Kp,
                                                          int shift, const int32_t* wpk, int64_t npairs) {
    int64_t o = 0;
#ifdef CYR_U8_AVX2
    /* step q loads 16 bytes from pixel x + 4q (q < nq): inside the row while
     * (x + 4 (nq - 1)) * C + 16 <= n_in * C */
    const int64_t nq = (npairs + 1) / 2;
    const int64_t last_x = n_in * C >= 16 ? (n_in * C - 16) / C - 4 * (nq - 1) : -1;
    const __m256i vbias = _mm256_set1_epi32(cyr_u8_bias(shift));
    const __m128i vshift = _mm_cvtsi32_si128(shift);
    const __m256i m01 = cyr_u8_spread01(C), m23 = cyr_u8_spread23(C);
    /* C == 3: four 4-byte results per lane -> 12 bytes, then the two lanes' 12 joined */
    const __m256i squeeze = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                             0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m256i join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
    for (; o + 8 <= n_out; o += 8) {
        const int64_t* x = xmin + o;
        const int32_t* wg = wpk + cyr_u8_pair_index(o / 8, 0, 0, npairs);
        __m256i a0 = vbias, a1 = vbias, a2 = vbias, a3 = vbias, lo, hi;
        int64_t q;
        if (last_x < 0 || x[0] > last_x || x[1] > last_x || x[2] > last_x || x[3] > last_x || x[4] > last_x ||
                x[5] > last_x || x[6] > last_x || x[7] > last_x) {
            cyr_u8_hrow_px(s, d + o * C, n_in, C, 8, x, xsize + o, w + o * Kp, Kp, shift);
            continue;
        }
        for (q = 0; q < nq; q++) {
            const uint8_t* sp = s + 4 * q * C;
            const int32_t* wp = wg + 2 * q * 32;
            /* pair 2q + 1 exists unless npairs is odd and this is the last step */
            const int second = 2 * q + 1 < npairs;
#define CYR_U8_QUAD_ACC(acc, r)                                                                          \
            {                                                                                            \
                const __m256i px = _mm256_inserti128_si256(                                              \
                    _mm256_castsi128_si256(_mm_loadu_si128((const __m128i*)(sp + x[r] * C))),            \
                    _mm_loadu_si128((const __m128i*)(sp + x[r + 4] * C)), 1);                            \
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_shuffle_epi8(px, m01),              \
                                                              _mm256_loadu_si256((const __m256i*)(wp + 8 * r)))); \
                if (second)                                                                              \
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(                                       \
                        _mm256_shuffle_epi8(px, m23), _mm256_loadu_si256((const __m256i*)(wp + 32 + 8 * r)))); \
            }
            CYR_U8_QUAD_ACC(a0, 0)
            CYR_U8_QUAD_ACC(a1, 1)
            CYR_U8_QUAD_ACC(a2, 2)
            CYR_U8_QUAD_ACC(a3, 3)
#undef CYR_U8_QUAD_ACC
        }
        /* lane 0 of a_r is output r, lane 1 output r + 4: the per-lane packs give 0..3 | 4..7 */
        lo = _mm256_packs_epi32(_mm256_sra_epi32(a0, vshift), _mm256_sra_epi32(a1, vshift));
        hi = _mm256_packs_epi32(_mm256_sra_epi32(a2, vshift), _mm256_sra_epi32(a3, vshift));
        lo = _mm256_packus_epi16(lo, hi);
        if (C == 4) {
            _mm256_storeu_si256((__m256i*)(d + o * 4), lo);
        } else {
            lo = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(lo, squeeze), join);
            _mm_storeu_si128((__m128i*)(d + o * 3), _mm256_castsi256_si128(lo));
            _mm_storel_epi64((__m128i*)(d + o * 3 + 16), _mm256_extracti128_si256(lo, 1));
        }
    }
#else
    (void)wpk;
    (void)npairs;
#endif
    if (o < n_out)
        cyr_u8_hrow_px(s, d + o * C, n_in, C, n_out - o, xmin + o, xsize + o, w + o * Kp, Kp, shift);
}

/* cyr_u8_hrow_px_pairs_impl compiled for the common (C, npairs) with both constant */
static inline void cyr_u8_hrow_px_pairs(const uint8_t* s, uint8_t* d, int64_t n_in, int C, int64_t n_out,
                                        const int64_t* xmin, const int64_t* xsize, const int16_t* w,
                                        int64_t Kp, int shift, const int32_t* wpk, int64_t npairs) {
#define CYR_U8_PAIRS_CASE(c, np)                                                                         \
    if (C == c && npairs == np) {                                                                       \
        cyr_u8_hrow_px_pairs_impl(s, d, n_in, c, n_out, xmin, xsize, w, Kp, shift, wpk, np);             \
        return;                                                                                         \
    }
    CYR_U8_PAIRS_CASE(3, 1)
    CYR_U8_PAIRS_CASE(4, 1)
    CYR_U8_PAIRS_CASE(3, 2)
    CYR_U8_PAIRS_CASE(4, 2)
#undef CYR_U8_PAIRS_CASE
    cyr_u8_hrow_px_pairs_impl(s, d, n_in, C, n_out, xmin, xsize, w, Kp, shift, wpk, npairs);
}

/* cyr_u8_dot<N><SFX> (N = 256, 512 bits): N/8 outputs i < N/8,
 * round(bias + sum_{k<n} w[k] * p[k * step + i]), as N/8 bytes in order (byte unpack and pack
 * both work per 128-bit lane, so the order comes back). Weights from w16 or, if it is NULL,
 * w32; and cyr_u8_vline<N><SFX>, cyr_u8_vline's loop of them. One body for both widths (the
 * intrinsic names differ only in the width) and for both ways to add a pmaddwd product,
 * ACCUM: pmaddwd + paddd, or one vpdpwssd (AVX-512 VNNI, exact: no saturation), compiled
 * with the attribute ATTR. */
#define CYR_U8_MADD_ADD256(acc, t, wv) _mm256_add_epi32((acc), _mm256_madd_epi16((t), (wv)))
#define CYR_U8_MADD_ADD512(acc, t, wv) _mm512_add_epi32((acc), _mm512_madd_epi16((t), (wv)))
#define CYR_U8_DPWSSD512(acc, t, wv) _mm512_dpwssd_epi32((acc), (t), (wv))
#define CYR_U8_DEFINE_DOT32(N, SFX, ATTR, ACCUM)                                                            \
ATTR static CYR_U8_ALWAYS_INLINE __m##N##i cyr_u8_dot##N##SFX(const uint8_t* p, int64_t step,                \
                                                              const int16_t* w16, const int32_t* w32,        \
                                                              int64_t n, __m##N##i vbias, __m128i vshift) {  \
    const __m##N##i zero = _mm##N##_setzero_si##N();                                                         \
    __m##N##i a0 = vbias, a1 = vbias, a2 = vbias, a3 = vbias;                                                \
    int64_t k;                                                                                               \
    for (k = 0; k < n; k += 2) {                                                                             \
        const int32_t wk = w16 ? w16[k] : w32[k], wk1 = k + 1 < n ? (w16 ? w16[k + 1] : w32[k + 1]) : 0;     \
        __m##N##i x = _mm##N##_loadu_si##N((const void*)(p + k * step));                                     \
        __m##N##i y = k + 1 < n ? _mm##N##_loadu_si##N((const void*)(p + (k + 1) * step)) : zero;            \
        __m##N##i ww = _mm##N##_set1_epi32((int32_t)(((uint32_t)(uint16_t)wk1 << 16) | (uint16_t)wk));       \
        __m##N##i lo = _mm##N##_unpacklo_epi8(x, y), hi = _mm##N##_unpackhi_epi8(x, y);                      \
        a0 = ACCUM(a0, _mm##N##_unpacklo_epi8(lo, zero), ww);                                                \
        a1 = ACCUM(a1, _mm##N##_unpackhi_epi8(lo, zero), ww);                                                \
        a2 = ACCUM(a2, _mm##N##_unpacklo_epi8(hi, zero), ww);                                                \
        a3 = ACCUM(a3, _mm##N##_unpackhi_epi8(hi, zero), ww);                                                \
    }                                                                                                        \
    return _mm##N##_packus_epi16(                                                                            \
        _mm##N##_packs_epi32(_mm##N##_sra_epi32(a0, vshift), _mm##N##_sra_epi32(a1, vshift)),                \
        _mm##N##_packs_epi32(_mm##N##_sra_epi32(a2, vshift), _mm##N##_sra_epi32(a3, vshift)));               \
}                                                                                                            \
                                                                                                             \
/* cyr_u8_vline's bytes i, i + N/8, ... while whole steps fit in L; returns where it stopped */              \
ATTR static CYR_U8_ALWAYS_INLINE int64_t cyr_u8_vline##N##SFX(const uint8_t* s0, int64_t rs, uint8_t* d,     \
                                                              int64_t i, int64_t L, const int16_t* w,        \
                                                              int64_t n, int shift) {                        \
    const __m##N##i vbias = _mm##N##_set1_epi32(cyr_u8_bias(shift));                                         \
    const __m128i vshift = _mm_cvtsi32_si128(shift);                                                         \
    for (; i + N / 8 <= L; i += N / 8)                                                                       \
        _mm##N##_storeu_si##N((void*)(d + i), cyr_u8_dot##N##SFX(s0 + i, rs, w, NULL, n, vbias, vshift));   \
    return i;                                                                                                \
}

#define CYR_U8_DEFINE_DOT_S8(N)                                                                              \
/* cyr_u8_dot<N> with int8 weights w8 and int16 sums (see cyr_u8_reduce_weights): pmaddubsw on    \
 * the interleaved bytes of two taps, half the instructions of the int32 form; vbias holds int16s. \
 * The loads read only the bytes in lmask (512 bits; the 256-bit form reads all 32). */                     \
static CYR_U8_ALWAYS_INLINE __m##N##i cyr_u8_dot##N##_s8(const uint8_t* p, int64_t step, const int8_t* w8,      \
                                                        int64_t n, __m##N##i vbias, __m128i vshift,          \
                                                        cyr_u8_mask##N lmask) {                              \
    __m##N##i a0 = vbias, a1 = vbias;                                                                        \
    int64_t k;                                                                                               \
    (void)lmask;                                                                                             \
    for (k = 0; k < n; k += 2) {                                                                             \
        const int8_t wk1 = k + 1 < n ? w8[k + 1] : 0;                                                        \
        __m##N##i x = CYR_U8_LOAD##N(p + k * step, lmask);                                                   \
        __m##N##i y = k + 1 < n ? CYR_U8_LOAD##N(p + (k + 1) * step, lmask) : _mm##N##_setzero_si##N();      \
        __m##N##i ww = _mm##N##_set1_epi16((int16_t)(((uint16_t)(uint8_t)wk1 << 8) | (uint8_t)w8[k]));      \
        a0 = _mm##N##_add_epi16(a0, _mm##N##_maddubs_epi16(_mm##N##_unpacklo_epi8(x, y), ww));               \
        a1 = _mm##N##_add_epi16(a1, _mm##N##_maddubs_epi16(_mm##N##_unpackhi_epi8(x, y), ww));               \
    }                                                                                                        \
    return _mm##N##_packus_epi16(_mm##N##_sra_epi16(a0, vshift), _mm##N##_sra_epi16(a1, vshift));            \
}                                                                                                            \
                                                                                                             \
static CYR_U8_ALWAYS_INLINE int64_t cyr_u8_vline##N##_s8(const uint8_t* s0, int64_t rs, uint8_t* d, int64_t i, \
                                                        int64_t L, const int8_t* w8, int64_t n, int shift) { \
    const __m##N##i vbias = _mm##N##_set1_epi16((int16_t)cyr_u8_bias(shift));                                \
    const __m128i vshift = _mm_cvtsi32_si128(shift);                                                         \
    for (; i + N / 8 <= L; i += N / 8)                                                                       \
        _mm##N##_storeu_si##N((void*)(d + i), cyr_u8_dot##N##_s8(s0 + i, rs, w8, n, vbias, vshift, ~0));    \
    return i;                                                                                                \
}
#ifdef CYR_U8_AVX2
typedef int cyr_u8_mask256;
#define CYR_U8_LOAD256(p, mask) _mm256_loadu_si256((const void*)(p))
CYR_U8_DEFINE_DOT32(256, , , CYR_U8_MADD_ADD256)
CYR_U8_DEFINE_DOT_S8(256)
#endif
#ifdef CYR_U8_AVX512
typedef __mmask64 cyr_u8_mask512;
#define CYR_U8_LOAD512(p, mask) _mm512_maskz_loadu_epi8((mask), (const void*)(p))
CYR_U8_DEFINE_DOT32(512, , , CYR_U8_MADD_ADD512)
CYR_U8_DEFINE_DOT_S8(512)
#if defined(__GNUC__)
CYR_U8_DEFINE_DOT32(512, _vnni, __attribute__((target("avx512vnni"))), CYR_U8_DPWSSD512)
#endif
#endif

#define CYR_U8_S8_MAX_TAPS 16

/* The same sums with 16-bit arithmetic, when the weights allow: if every weight and the
 * bias 2^(shift-1) are multiples of 2^t, then (bias + sum w[k] x[k]) >> shift equals
 * (2^(shift-t-1) + sum (w[k] >> t) x[k]) >> (shift - t) exactly (both sides are floors of
 * the same quotient). Dyadic scales give such weights (bilinear x2: 1/4 and 3/4 reduce to
 * 1 and 3 over 4). Returns the reduced shift and fills w8, or -1 when some reduced weight
 * does not fit in int8 or a sum could leave int16: 255 * sum|w8| + bias < 2^15 (no
 * pmaddubsw saturation either, as each pair's sum is bounded by the same total). Weights from
 * w16 or, if it is NULL, w32. */
static inline int cyr_u8_reduce_weights(const int16_t* w16, const int32_t* w32, int64_t n, int shift, int8_t* w8) {
    uint32_t bits;
    int64_t k, total = 0;
    int t = 0;
    if (shift < 1 || n > CYR_U8_S8_MAX_TAPS)
        return -1;
    bits = (uint32_t)1 << (shift - 1);
    for (k = 0; k < n; k++) {
        const int32_t wk = w16 ? w16[k] : w32[k];
        bits |= (uint32_t)(wk < 0 ? -wk : wk);
    }
    while (!((bits >> t) & 1))
        t++;
    for (k = 0; k < n; k++) {
        const int32_t r = (w16 ? w16[k] : w32[k]) / ((int32_t)1 << t);  /* exact: a multiple of 2^t */
        if (r < -128 || r > 127)
            return -1;
        w8[k] = (int8_t)r;
        total += r < 0 ? -r : r;
    }
    if (255 * total + ((int64_t)1 << (shift - t - 1)) > 32767)
        return -1;
    return shift - t;
}

/* Whether both phases of a two-phase table (weights w[0..K-1], w[K..2K-1]) reduce to int8
 * (cyr_u8_reduce_weights): the int16 forms of cyr_u8_poly2 and cyr_u8_poly2_px then run. */
static inline int cyr_u8_poly2_s8_ok(const int32_t* w, int64_t K, int shift) {
    int8_t w8[CYR_U8_S8_MAX_TAPS];
    return cyr_u8_reduce_weights(NULL, w, K, shift, w8) >= 0 && cyr_u8_reduce_weights(NULL, w + K, K, shift, w8) >= 0;
}

/* A planar row's periodic interior with two phases advancing one pixel per period (the
 * up2 tables): d[2m + f] = round(bias + sum_{k<K} w[f K + k] s[b[f K] + k + m]) for m < M.
 * The caller checks that each phase's taps are consecutive (b[f K + k] = b[f K] + k), that
 * the weights fit in int16, and that every tap of every m lies inside the row. The SIMD
 * form is cyr_u8_dot256 with the taps one byte apart, both phases interleaved on store. */
static CYR_U8_ALWAYS_INLINE void cyr_u8_poly2_k(const uint8_t* s, uint8_t* d, int64_t M, const int64_t* b,
                                               const int32_t* w, const int64_t K, int shift) {
    const int32_t bias = cyr_u8_bias(shift);
    int64_t m = 0, k;
    int f;
#ifdef CYR_U8_AVX2
    const __m256i vbias = _mm256_set1_epi32(bias);
    const __m128i vshift = _mm_cvtsi32_si128(shift);
    /* each phase in int16 sums when its weights reduce to int8 (cyr_u8_reduce_weights) */
    int8_t w8[2][CYR_U8_S8_MAX_TAPS];
    int shift8[2];
    __m256i vbias8[2];
    __m128i vshift8[2];
    for (f = 0; f < 2; f++) {
        shift8[f] = cyr_u8_reduce_weights(NULL, w + f * K, K, shift, w8[f]);
        vbias8[f] = _mm256_set1_epi16((int16_t)cyr_u8_bias(shift8[f] < 0 ? 0 : shift8[f]));
        vshift8[f] = _mm_cvtsi32_si128(shift8[f]);
    }
    /* the last step overlaps the one before it (same values written twice) rather than
     * leaving up to 31 outputs to the scalar loop */
    for (; M >= 32 && m < M; m += 32) {
        __m256i r[2], lo, hi;
        if (m + 32 > M)
            m = M - 32;
        for (f = 0; f < 2; f++)
            r[f] = shift8[f] >= 0 ? cyr_u8_dot256_s8(s + b[f * K] + m, 1, w8[f], K, vbias8[f], vshift8[f], ~0)
                                  : cyr_u8_dot256(s + b[f * K] + m, 1, NULL, w + f * K, K, vbias, vshift);
        /* r[f] holds m .. m + 31 in order; the byte unpacks interleave per 128-bit lane */
        lo = _mm256_unpacklo_epi8(r[0], r[1]);
        hi = _mm256_unpackhi_epi8(r[0], r[1]);
        _mm256_storeu_si256((__m256i*)(d + 2 * m), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256((__m256i*)(d + 2 * m + 32), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
#endif
    for (; m < M; m++) {
        for (f = 0; f < 2; f++) {
            int32_t acc = bias;
            for (k = 0; k < K; k++)
                acc += (int32_t)s[b[f * K] + k + m] * w[f * K + k];
            d[2 * m + f] = cyr_u8_round(acc, shift);
        }
    }
}

/* cyr_u8_poly2 with K a constant for the bilinear up2 tables (K = 2): the tap loops unroll
 * and both phases' sums stay in registers (2.5x faster on 1024-byte rows than with K a
 * run-time value, AVX2 form); other tables run the same body with K a variable. */
static void cyr_u8_poly2(const uint8_t* s, uint8_t* d, int64_t M, const int64_t* b, const int32_t* w,
                         int64_t K, int shift) {
    if (K == 2)
        cyr_u8_poly2_k(s, d, M, b, w, 2, shift);
    else
        cyr_u8_poly2_k(s, d, M, b, w, K, shift);
}

/* The channels-last form of cyr_u8_poly2 (RGB/RGBA rows, C = 3 or 4): d pixel 2m + f from s
 * pixels b[f K] + m + k, k < K, for m < M, when both phases' weights reduce to int8
 * (cyr_u8_reduce_weights). Each phase is a 512-bit int16 dot product over the interleaved
 * bytes with taps C bytes apart (64 / C whole pixels at a time), and one two-register byte
 * permute (AVX-512 VBMI) interleaves the two phases' pixels. The caller checks, as for
 * cyr_u8_poly2, that every tap of every m lies inside the row; RGB loads are masked to the
 * 63 bytes of 21 whole pixels, so nothing past the last tap is read. nrows rows s + r ss ->
 * d + r ds share the weights and the permute table, made once. cyr_u8_poly2_px_ok says
 * whether the kernel runs (VBMI on this CPU, int8 weights); it returns the m done (all M,
 * or 0 in every row).
 *
 * The body takes K as a constant for the bilinear up2 tables (K = 2, the only
 * int8-reducible up2 tables PyTorch's formulas give): the tap loop of cyr_u8_dot512_s8 then
 * unrolls and both phases' sums stay in registers, where a run-time K kept them on the
 * stack (half the time on 1024-pixel RGB rows). Other tables run the same body with K a
 * variable. */
#if defined(CYR_U8_AVX512) && defined(__GNUC__)
static inline int cyr_u8_poly2_px_ok(const int32_t* w, int64_t K, int shift) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vbmi") && cyr_u8_poly2_s8_ok(w, K, shift);
}

__attribute__((target("avx512vbmi")))
static CYR_U8_ALWAYS_INLINE int64_t cyr_u8_poly2_px_k(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds,
                                                      int64_t nrows, int64_t M, int C, const int64_t* b,
                                                      const int32_t* w, const int64_t K, int shift) {
    const int64_t P = 64 / C;                        /* pixels per phase and step: 21 or 16 */
    const __mmask64 lmask = C == 3 ? ~(__mmask64)0 >> 1 : ~(__mmask64)0;
    const __mmask64 smask = ~(__mmask64)0 >> (128 - 2 * P * C);  /* the second store's bytes */
    int8_t w8[2][CYR_U8_S8_MAX_TAPS];
    int shift8[2], f, i;
    __m512i vbias[2], lo_idx, hi_idx;
    __m128i vshift[2];
    uint8_t idx[128];
    int64_t m, r;
    for (f = 0; f < 2; f++) {
        shift8[f] = cyr_u8_reduce_weights(NULL, w + f * K, K, shift, w8[f]);
        if (shift8[f] < 0 || M < P || (C != 3 && C != 4))
            return 0;
        vbias[f] = _mm512_set1_epi16((int16_t)cyr_u8_bias(shift8[f]));
        vshift[f] = _mm_cvtsi32_si128(shift8[f]);
    }
    /* output byte i of a step: pixel q = i / C (phase q & 1, pixel q >> 1 of that phase's
     * result), channel i % C; the second source register holds phase 1 */
    for (i = 0; i < 128; i++) {
        const int q = i / C;
        idx[i] = (uint8_t)((q & 1) * 64 + (q >> 1) * C + i % C);
    }
    lo_idx = _mm512_loadu_si512((const void*)idx);
    hi_idx = _mm512_loadu_si512((const void*)(idx + 64));
    for (r = 0; r < nrows; r++) {
        const uint8_t* sr = s + r * ss;
        uint8_t* dr = d + r * ds;
        /* the last step overlaps the one before it (same values written twice) */
        for (m = 0; m < M; m += P) {
            __m512i ph[2];
            if (m + P > M)
                m = M - P;
            for (f = 0; f < 2; f++)
                ph[f] = cyr_u8_dot512_s8(sr + (b[f * K] + m) * C, C, w8[f], K, vbias[f], vshift[f], lmask);
            _mm512_storeu_si512((void*)(dr + 2 * m * C), _mm512_permutex2var_epi8(ph[0], lo_idx, ph[1]));
            _mm512_mask_storeu_epi8((void*)(dr + 2 * m * C + 64), smask,
                                    _mm512_permutex2var_epi8(ph[0], hi_idx, ph[1]));
        }
    }
    return M;
}

__attribute__((target("avx512vbmi")))
static int64_t cyr_u8_poly2_px(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows, int64_t M,
                               int C, const int64_t* b, const int32_t* w, int64_t K, int shift) {
    if (K == 2)
        return cyr_u8_poly2_px_k(s, ss, d, ds, nrows, M, C, b, w, 2, shift);
    return cyr_u8_poly2_px_k(s, ss, d, ds, nrows, M, C, b, w, K, shift);
}
#else
static inline int cyr_u8_poly2_px_ok(const int32_t* w, int64_t K, int shift) {
    (void)w; (void)K; (void)shift;
    return 0;
}

static inline int64_t cyr_u8_poly2_px(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows,
                                      int64_t M, int C, const int64_t* b, const int32_t* w, int64_t K, int shift) {
    (void)s; (void)ss; (void)d; (void)ds; (void)nrows; (void)M; (void)C; (void)b; (void)w; (void)K; (void)shift;
    return 0;
}
#endif

/* The W pass as byte-lane gathers (AVX-512 VBMI), for any window length and any C: the
 * lanes are output bytes (pixel o, channel c), sixteen at most per group, each an int32 sum
 * over tap pairs. Group g (grp[3g..3g+2] = first output byte j0, byte count n <= 16, source
 * offset off) reads the 128 row bytes from off (masked to the row) into two registers; one
 * two-register byte permute per tap pair puts each lane's two tap bytes into the low bytes of
 * its two int16 halves (the high bytes zeroed by the permute's mask), and one pmaddwd with
 * the lane's weight pair adds them. idx[64 g + 4 l] is lane l's tap-0 position in the window
 * and idx[64 g + 4 l + 2] its tap-1 position (+ C); pair p adds 2 p C to both. Past a
 * window's last tap the weights are zero, so where a position wraps (mod 128, the permute
 * reads 7 bits) it reads some byte times 0. wt[(g npairs + p) 32 + 2 l + t] is lane l's
 * weight of tap 2 p + t. The table (cyresample u8_lane_table) keeps every real tap of a group
 * inside its 128 bytes. The exact integer sums equal every other u8 kernel's. cyr_u8_lanes_ok
 * gives the forms this CPU runs: 0 none, 1 pmaddwd + paddd (VBMI), 2 also vpdpwssd (VBMI and
 * VNNI); cyr_u8_hrow_lanes runs form `form` (which must be one of them; 0 does nothing). */
#if defined(CYR_U8_AVX512) && defined(__GNUC__)
static inline int cyr_u8_lanes_ok(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512vbmi"))
        return 0;
    return __builtin_cpu_supports("avx512vnni") ? 2 : 1;
}

/* One body, two instruction sets: acc += pmaddwd(t, wv) as pmaddwd + paddd, or as one
 * vpdpwssd (AVX-512 VNNI; exact, no saturation). Blocks of R rows outside, groups inside:
 * the R rows share each group's index and weight loads, and a block touches only R lines
 * per cache set (rows with power-of-two strides alias). np, the number of tap pairs, is a
 * constant in the common cases, so that the pair loop unrolls into registers. */
#define CYR_U8_LANES_BLOCK(R, ACCUM)                                                                       \
    for (; r + R <= nrows; r += R) {                                                                         \
        for (g = 0; g < ngroups; g++) {                                                                      \
            const int64_t j0 = grp[3 * g], off = grp[3 * g + 2], rem = row_bytes - off;                     \
            const __mmask64 mlo = rem >= 64 ? ~(__mmask64)0 : ~(__mmask64)0 >> (64 - rem);                   \
            const __mmask64 mhi = rem >= 128 ? ~(__mmask64)0 : rem > 64 ? ~(__mmask64)0 >> (128 - rem) : 0;  \
            const __mmask16 smask = (__mmask16)((1u << grp[3 * g + 1]) - 1);                                 \
            const int16_t* wg = wt + g * np * 32;                                                            \
            __m512i lo[R], hi[R], acc[R], ix = _mm512_loadu_si512((const void*)(idx + 64 * g));              \
            for (j = 0; j < R; j++) {                                                                        \
                const uint8_t* sp = s + (r + j) * ss + off;                                                  \
                lo[j] = _mm512_maskz_loadu_epi8(mlo, (const void*)sp);                                       \
                hi[j] = _mm512_maskz_loadu_epi8(mhi, (const void*)(sp + 64));                                \
                acc[j] = vbias;                                                                              \
            }                                                                                                \
            for (p = 0; p < np; p++) {                                                                       \
                const __m512i wv = _mm512_loadu_si512((const void*)(wg + 32 * p));                           \
                for (j = 0; j < R; j++)                                                                      \
                    acc[j] = ACCUM(acc[j], _mm512_maskz_permutex2var_epi8(lows, lo[j], ix, hi[j]), wv);      \
                ix = _mm512_add_epi8(ix, step);                                                              \
            }                                                                                                \
            for (j = 0; j < R; j++) {                                                                        \
                const __m128i v = _mm512_cvtusepi32_epi8(_mm512_max_epi32(_mm512_sra_epi32(acc[j], vshift), zero)); \
                uint8_t* dp = d + (r + j) * ds + j0;                                                         \
                if (smask == 0xFFFF)                                                                         \
                    _mm_storeu_si128((__m128i*)dp, v);                                                       \
                else                                                                                         \
                    _mm_mask_storeu_epi8((void*)dp, smask, v);                                               \
            }                                                                                                \
        }                                                                                                    \
    }
#define CYR_U8_DEFINE_LANES(NAME, TARGET, ACCUM)                                                           \
__attribute__((target(TARGET))) static CYR_U8_ALWAYS_INLINE void NAME##_np(                                  \
        const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows, int64_t row_bytes,              \
        int64_t ngroups, const int64_t* grp, const uint8_t* idx, const int16_t* wt, const int64_t np,       \
        int C, int shift) {                                                                                  \
    const __mmask64 lows = 0x5555555555555555ULL;                                                            \
    const __m512i vbias = _mm512_set1_epi32(cyr_u8_bias(shift)), step = _mm512_set1_epi8((char)(2 * C));    \
    const __m512i zero = _mm512_setzero_si512();                                                             \
    const __m128i vshift = _mm_cvtsi32_si128(shift);                                                         \
    int64_t r = 0, g, p;                                                                                     \
    int j;                                                                                                   \
    CYR_U8_LANES_BLOCK(4, ACCUM)                                                                             \
    CYR_U8_LANES_BLOCK(1, ACCUM)                                                                             \
}                                                                                                            \
__attribute__((target(TARGET))) static void NAME(                                                            \
        const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows, int64_t row_bytes,              \
        int64_t ngroups, const int64_t* grp, const uint8_t* idx, const int16_t* wt, int64_t npairs,         \
        int C, int shift) {                                                                                  \
    switch (npairs) {                                                                                        \
    case 1: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 1, C, shift); break;           \
    case 2: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 2, C, shift); break;           \
    case 3: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 3, C, shift); break;           \
    case 4: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 4, C, shift); break;           \
    case 5: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 5, C, shift); break;           \
    case 6: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 6, C, shift); break;           \
    case 7: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 7, C, shift); break;           \
    case 8: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 8, C, shift); break;           \
    case 9: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 9, C, shift); break;           \
    case 10: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, 10, C, shift); break;         \
    default: NAME##_np(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, npairs, C, shift);            \
    }                                                                                                        \
}
CYR_U8_DEFINE_LANES(cyr_u8_hrow_lanes_madd, "avx512vbmi", CYR_U8_MADD_ADD512)
CYR_U8_DEFINE_LANES(cyr_u8_hrow_lanes_vnni, "avx512vbmi,avx512vnni", CYR_U8_DPWSSD512)
#undef CYR_U8_DEFINE_LANES
#undef CYR_U8_LANES_BLOCK

static inline void cyr_u8_hrow_lanes(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows,
                                     int64_t row_bytes, int64_t ngroups, const int64_t* grp, const uint8_t* idx,
                                     const int16_t* wt, int64_t npairs, int C, int shift, int form) {
    if (form >= 2)
        cyr_u8_hrow_lanes_vnni(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, npairs, C, shift);
    else if (form == 1)
        cyr_u8_hrow_lanes_madd(s, ss, d, ds, nrows, row_bytes, ngroups, grp, idx, wt, npairs, C, shift);
}
#else
static inline int cyr_u8_lanes_ok(void) {
    return 0;
}

static inline void cyr_u8_hrow_lanes(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows,
                                     int64_t row_bytes, int64_t ngroups, const int64_t* grp, const uint8_t* idx,
                                     const int16_t* wt, int64_t npairs, int C, int shift, int form) {
    (void)form;
    (void)s; (void)ss; (void)d; (void)ds; (void)nrows; (void)row_bytes; (void)ngroups; (void)grp; (void)idx;
    (void)wt; (void)npairs; (void)C; (void)shift;
}
#endif

/* Whether this CPU runs cyr_u8_vline's vpdpwssd form (AVX-512 VNNI, in the AVX-512 build). */
#if defined(CYR_U8_AVX512) && defined(__GNUC__)
static inline int cyr_u8_vnni_ok(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni");
}

/* cyr_u8_vline512_vnni as a function of its own: only a caller that checked
 * cyr_u8_vnni_ok may run it */
__attribute__((target("avx512vnni"))) static int64_t cyr_u8_vline512_vnni_call(
        const uint8_t* s0, int64_t rs, uint8_t* d, int64_t i, int64_t L, const int16_t* w, int64_t n, int shift) {
    return cyr_u8_vline512_vnni(s0, rs, d, i, L, w, n, shift);
}
#else
static inline int cyr_u8_vnni_ok(void) {
    return 0;
}
#endif

/* One output line of L bytes from n rows s0, s0 + rs, ..., with weights w[0..n):
 * d[i] = round(bias + sum_k w[k] * s0[k * rs + i]). vnni: the int32 sums with vpdpwssd
 * (nonzero only where cyr_u8_vnni_ok); the same bits either way. */
static inline void cyr_u8_vline(const uint8_t* s0, int64_t rs, uint8_t* d, int64_t L,
                                const int16_t* w, int64_t n, int shift, int vnni) {
    const int32_t bias = cyr_u8_bias(shift);
    int64_t i = 0, k;
#ifdef CYR_U8_AVX2
    int8_t w8[CYR_U8_S8_MAX_TAPS];
    const int shift8 = cyr_u8_reduce_weights(w, NULL, n, shift, w8);
    if (shift8 >= 0) {
#ifdef CYR_U8_AVX512
        i = cyr_u8_vline512_s8(s0, rs, d, i, L, w8, n, shift8);
#endif
        i = cyr_u8_vline256_s8(s0, rs, d, i, L, w8, n, shift8);
    }
#endif
#ifdef CYR_U8_AVX512
#if defined(__GNUC__)
    if (vnni)
        i = cyr_u8_vline512_vnni_call(s0, rs, d, i, L, w, n, shift);
#endif
    i = cyr_u8_vline512(s0, rs, d, i, L, w, n, shift);
#endif
    (void)vnni;
#ifdef CYR_U8_AVX2
    i = cyr_u8_vline256(s0, rs, d, i, L, w, n, shift);
#endif
#ifdef CYR_U8_SSE2
    {
        const __m128i zero = _mm_setzero_si128(), vbias = _mm_set1_epi32(bias);
        const __m128i vshift = _mm_cvtsi32_si128(shift);
        for (; i + 16 <= L; i += 16) {
            __m128i a0 = vbias, a1 = vbias, a2 = vbias, a3 = vbias;
            for (k = 0; k < n; k += 2) {
                __m128i x = _mm_loadu_si128((const __m128i*)(s0 + k * rs + i));
                __m128i y = k + 1 < n ? _mm_loadu_si128((const __m128i*)(s0 + (k + 1) * rs + i)) : zero;
                __m128i ww = cyr_u8_wpair(w[k], k + 1 < n ? w[k + 1] : 0);
                __m128i lo = _mm_unpacklo_epi8(x, y), hi = _mm_unpackhi_epi8(x, y);
                a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi8(lo, zero), ww));
                a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi8(lo, zero), ww));
                a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_unpacklo_epi8(hi, zero), ww));
                a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_unpackhi_epi8(hi, zero), ww));
            }
            a0 = _mm_sra_epi32(a0, vshift);
            a1 = _mm_sra_epi32(a1, vshift);
            a2 = _mm_sra_epi32(a2, vshift);
            a3 = _mm_sra_epi32(a3, vshift);
            _mm_storeu_si128((__m128i*)(d + i),
                             _mm_packus_epi16(_mm_packs_epi32(a0, a1), _mm_packs_epi32(a2, a3)));
        }
    }
#endif
    for (; i < L; i++) {
        int32_t acc = bias;
        for (k = 0; k < n; k++)
            acc += (int32_t)s0[k * rs + i] * w[k];
        d[i] = cyr_u8_round(acc, shift);
    }
}

#endif /* CYR_U8SIMD_H */
