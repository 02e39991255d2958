/* Scalar conversions shared by the kernels (cyr_ prefix, static inline).
 *
 * float16 and bfloat16 travel through the kernels as their raw 16-bit patterns
 * (NumPy's 'e' format and ml_dtypes' bfloat16 have no Cython buffer type); they
 * are widened to float32 on load and rounded once, to nearest-even, on store,
 * which is what PyTorch does with its opmath type (docs/torch-semantics.md §3.4).
 */
#ifndef CYR_DTYPES_H
#define CYR_DTYPES_H
#include <stdint.h>
#include <string.h>
#include <math.h>

static inline float cyr_bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t cyr_float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

#if defined(__F16C__)
/* F16C conversions: the same values as the portable code below, bit for bit (ties to
 * even, subnormals kept; a NaN is quieted on widening in both) */
#include <immintrin.h>
static inline float cyr_half_to_float(uint16_t h) { return _cvtsh_ss(h); }
static inline uint16_t cyr_float_to_half(float f) { return (uint16_t)_cvtss_sh(f, 0); }
#else
static inline float cyr_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t u;
    if (exp == 0) {
        if (man == 0) {
            u = sign;
        } else {               /* subnormal: renormalise */
            exp = 127 - 15 + 1;
            while ((man & 0x400u) == 0) { man <<= 1; exp--; }
            man &= 0x3ffu;
            u = sign | (exp << 23) | (man << 13);
        }
    } else if (exp == 0x1f) {  /* inf / nan (payload kept, NaN quieted as by F16C) */
        u = sign | 0x7f800000u | (man << 13) | (man ? 0x400000u : 0u);
    } else {
        u = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    return cyr_bits_to_float(u);
}

static inline uint16_t cyr_float_to_half(float f) {
    /* round to nearest, ties to even; overflow to inf; NaN stays NaN */
    uint32_t x = cyr_float_to_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) {   /* inf or nan */
        return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? (0x200u | ((ax >> 13) & 0x3ffu)) : 0u));
    }
    if (ax >= 0x477ff000u) {   /* >= 65520: rounds to inf */
        return (uint16_t)(sign | 0x7c00u);
    }
    if (ax < 0x38800000u) {    /* below the smallest normal half: subnormal or zero */
        if (ax < 0x33000000u) return (uint16_t)sign;  /* < 2^-25: rounds to zero */
        uint32_t e = ax >> 23;
        uint32_t m = (ax & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e;          /* value = m * 2^(e-150) = q * 2^-24 */
        uint32_t q = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1u);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1u))) q++;
        return (uint16_t)(sign | q);
    }
    uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u);  /* round mantissa to 10 bits, ties to even */
    r -= 0x38000000u;                                 /* rebias exponent 127 -> 15 */
    return (uint16_t)(sign | (r >> 13));
}
#endif

/* n float16 patterns to float32 values (exact): cyr_half_to_float's values, sixteen or
 * eight at a time where the vector forms exist */
static inline void cyr_halfs_to_float(const uint16_t* s, float* d, int64_t n) {
    int64_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(d + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(s + i))));
#endif
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(s + i))));
#endif
    for (; i < n; i++) d[i] = cyr_half_to_float(s[i]);
}

/* n float32 values to float16 patterns: cyr_float_to_half's values, eight at a time where
 * F16C has the vector form (a scalar loop storing two bytes at a time also stalls a
 * following wide load of the same buffer) */
static inline void cyr_floats_to_half(const float* s, uint16_t* d, int64_t n) {
    int64_t i = 0;
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i*)(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), 0));
#endif
    for (; i < n; i++) d[i] = cyr_float_to_half(s[i]);
}

/* One output row of a 3-D float16 area pool with width-2 windows (spec §2.5, F15: every
 * operation rounded to float16). Output i sums s[2i], s[2i+1] of each of the kd x kh input
 * rows at base + a*sd + b*sh (bytes), in row-major order, rounding each add to float16, then
 * divides by kd, kh and 2 in turn, rounding each quotient. A float32 sum or quotient of float16
 * values rounded to float16 is the float16 operation's value (24 >= 2*11 + 2 bits), so this is
 * the scalar loop's result, which the tail below is. */
static inline float cyr_half_round(float f) { return cyr_half_to_float(cyr_float_to_half(f)); }

#if defined(__AVX512F__) && defined(__AVX512BW__)
/* 16 outputs' sums after the pairs of one input row (32 float16 values at s) */
static inline __m512 cyr_half_add_pairs16(__m512 acc, const uint16_t* s) {
    const __m512i v = _mm512_loadu_si512((const void*)s);
    acc = _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_add_ps(acc, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(v))), 0));
    return _mm512_cvtph_ps(_mm512_cvtps_ph(
        _mm512_add_ps(acc, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(v, 16)))), 0));
}

/* ... and their three rounded divisions, as float16 patterns */
static inline __m256i cyr_half_divide16(__m512 acc, float fd, float fh) {
    acc = _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_div_ps(acc, _mm512_set1_ps(fd)), 0));
    acc = _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_div_ps(acc, _mm512_set1_ps(fh)), 0));
    return _mm512_cvtps_ph(_mm512_div_ps(acc, _mm512_set1_ps(2.0f)), 0);
}
#endif

#if defined(__F16C__) && defined(__AVX2__)
/* the same for 8 outputs (16 float16 values at s) */
static inline __m256 cyr_half_add_pairs8(__m256 acc, const uint16_t* s) {
    const __m256i v = _mm256_loadu_si256((const __m256i*)s);
    /* evens then odds: pack within lanes, then put the 64-bit quarters in order */
    const __m256i p = _mm256_permute4x64_epi64(
        _mm256_packus_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0xffff)), _mm256_srli_epi32(v, 16)), 0xD8);
    acc = _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_add_ps(acc, _mm256_cvtph_ps(_mm256_castsi256_si128(p))), 0));
    return _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_add_ps(acc, _mm256_cvtph_ps(_mm256_extracti128_si256(p, 1))), 0));
}

static inline __m128i cyr_half_divide8(__m256 acc, float fd, float fh) {
    acc = _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_div_ps(acc, _mm256_set1_ps(fd)), 0));
    acc = _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_div_ps(acc, _mm256_set1_ps(fh)), 0));
    return _mm256_cvtps_ph(_mm256_div_ps(acc, _mm256_set1_ps(2.0f)), 0);
}
#endif

/* outputs i.. in groups of W lanes (VEC sums, ADD / DIVIDE above, STORE of the patterns) */
#define CYR_HALF_AREA_GROUPS(W, VEC, ZERO, ADD, DIVIDE, STORE, STORE_T)                            \
    for (; i + (W) <= n; i += (W)) {                                                               \
        VEC acc = ZERO;                                                                            \
        for (a = 0; a < kd; a++)                                                                   \
            for (b = 0; b < kh; b++)                                                               \
                acc = ADD(acc, (const uint16_t*)(base + a * sd + b * sh) + 2 * i);                 \
        STORE((STORE_T*)(d + i), DIVIDE(acc, fd, fh));                                             \
    }

static inline void cyr_half_low_area_w2(const char* base, int64_t sd, int64_t sh, int64_t kd,
                                        int64_t kh, uint16_t* d, int64_t n) {
    int64_t i = 0, a, b;
    const float fd = (float)kd, fh = (float)kh;
#if defined(__AVX512F__) && defined(__AVX512BW__)
    /* two independent groups of sums in flight: each add is a chain of conversions */
    for (; i + 32 <= n; i += 32) {
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
        for (a = 0; a < kd; a++)
            for (b = 0; b < kh; b++) {
                const uint16_t* s = (const uint16_t*)(base + a * sd + b * sh) + 2 * i;
                acc0 = cyr_half_add_pairs16(acc0, s);
                acc1 = cyr_half_add_pairs16(acc1, s + 32);
            }
        _mm256_storeu_si256((__m256i*)(d + i), cyr_half_divide16(acc0, fd, fh));
        _mm256_storeu_si256((__m256i*)(d + i + 16), cyr_half_divide16(acc1, fd, fh));
    }
    CYR_HALF_AREA_GROUPS(16, __m512, _mm512_setzero_ps(), cyr_half_add_pairs16, cyr_half_divide16,
                         _mm256_storeu_si256, __m256i)
#endif
#if defined(__F16C__) && defined(__AVX2__)
    CYR_HALF_AREA_GROUPS(8, __m256, _mm256_setzero_ps(), cyr_half_add_pairs8, cyr_half_divide8,
                         _mm_storeu_si128, __m128i)
#endif
    for (; i < n; i++) {
        float acc = 0.0f;
        for (a = 0; a < kd; a++)
            for (b = 0; b < kh; b++) {
                const uint16_t* s = (const uint16_t*)(base + a * sd + b * sh);
                acc = cyr_half_round(acc + cyr_half_to_float(s[2 * i]));
                acc = cyr_half_round(acc + cyr_half_to_float(s[2 * i + 1]));
            }
        acc = cyr_half_round(acc / fd);
        acc = cyr_half_round(acc / fh);
        d[i] = cyr_float_to_half(acc / 2.0f);
    }
}

static inline float cyr_bf16_to_float(uint16_t h) { return cyr_bits_to_float((uint32_t)h << 16); }

static inline uint16_t cyr_float_to_bf16(float f) {
    uint32_t x = cyr_float_to_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);  /* quiet NaN */
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

/* Integer results of the floating modes: round half up (floor(v + 0.5)), then saturate.
 * The same policy as PyTorch's uint8 fixed point (docs/semantics.md, "Integer dtypes").
 * NaN cannot occur: integer inputs are finite. */
/* floor(v + 0.5) computed without rounding v + 0.5 (inexact for |v| >= 2^52):
 * v - floor(v) is exact (Sterbenz), so compare it with 0.5 instead. */
static inline double cyr_round_half_up(double v) {
    double r = floor(v);
    return (v - r >= 0.5) ? r + 1.0 : r;
}
#define CYR_ROUND_SAT(NAME, CT, LO, HI)                                   \
    static inline CT NAME(double v) {                                     \
        double r = cyr_round_half_up(v);                                  \
        if (r <= (double)(LO)) return (CT)(LO);                           \
        if (r >= (double)(HI)) return (CT)(HI);                           \
        return (CT)r;                                                     \
    }
CYR_ROUND_SAT(cyr_rs_i8, int8_t, INT8_MIN, INT8_MAX)
CYR_ROUND_SAT(cyr_rs_u8, uint8_t, 0, UINT8_MAX)
CYR_ROUND_SAT(cyr_rs_i16, int16_t, INT16_MIN, INT16_MAX)
CYR_ROUND_SAT(cyr_rs_u16, uint16_t, 0, UINT16_MAX)
CYR_ROUND_SAT(cyr_rs_i32, int32_t, INT32_MIN, INT32_MAX)
CYR_ROUND_SAT(cyr_rs_u32, uint32_t, 0, UINT32_MAX)
/* 64-bit: (double)INT64_MAX rounds up to 2^63, so compare against 2^63 exactly */
static inline int64_t cyr_rs_i64(double v) {
    double r = cyr_round_half_up(v);
    if (r < -9223372036854775808.0) return INT64_MIN;
    if (r >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)r;
}
static inline uint64_t cyr_rs_u64(double v) {
    double r = cyr_round_half_up(v);
    if (r <= 0.0) return 0;
    if (r >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)r;
}

/* uint8 fixed point (spec §2.7): arithmetic shift (floor), then saturate to 0..255 */
static inline uint8_t cyr_fixed_u8(int32_t acc, int shift) {
    int32_t v = acc >> shift;
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/* Integer area (extension): mean of an exact integer sum, rounded half up. The caller
 * guarantees |sum| < 2^63 (signed) or sum < 2^64 (unsigned). */
static inline int64_t cyr_mean_round_i64(int64_t sum, int64_t k) {
    int64_t q = sum / k, r = sum % k;           /* C truncates toward zero */
    if (r < 0) { q -= 1; r += k; }              /* floor division */
    return q + (r >= k - r ? 1 : 0);            /* 2r >= k without overflow */
}
static inline uint64_t cyr_mean_round_u64(uint64_t sum, int64_t k) {
    uint64_t q = sum / (uint64_t)k, r = sum % (uint64_t)k;
    return q + (r >= (uint64_t)k - r ? 1 : 0);
}

#endif
