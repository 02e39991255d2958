// cyresample CUDA kernels: the GPU twin of the Cython kernels (_separable.pxi.tp,
// _pointwise.pxi.tp, _kernels_impl.pxi).
//
// Compiled at run time with CuPy's RawModule (NVRTC), one module per dtype code, with
// the options of cyresample._cuda_module.OPTIONS (-std=c++17 --fmad=false ...).
// Every floating-point operation on pixel values goes through cyr_add / cyr_sub /
// cyr_mul / cyr_div, which are single PTX instructions with an explicit rounding mode
// (add.rn.f32, mul.rn.f64, div.rn.f32, ...): they are never contracted into an FMA and
// never flush subnormals, whatever the compiler flags. (CuPy appends -ftz=true to
// every NVRTC compilation, and the last -ftz option wins, so plain float32 `+` would
// flush subnormal operands and results to zero.) Each output is therefore rounded
// exactly as by the CPU kernels (compiled with -ffp-contract=off, no FTZ).
//
// Rules shared by every kernel here:
//  * templated on the storage type only; shapes, strides, plan tables and plan
//    parameters are kernel arguments, so nothing is recompiled per shape;
//  * one thread per output element (grid-stride loop, 64-bit indices), written by
//    exactly one thread, taps read from global memory (no shared-memory limit on
//    the filter support), no atomics: results are deterministic;
//  * arrays are addressed through byte strides (any layout, negative strides);
//  * the arithmetic of each output is the CPU kernel's, operation for operation.
//
// Geometry arguments (CYR_GEOM_PARAMS): the output is walked in "loop order" (the
// output's memory order, innermost last, so neighbouring threads write neighbouring
// elements). nd loop dims of sizes n0..n4; loop dim j is logical (array) dim
// (perm >> 4j) & 15; ss*/ds* are the source / destination byte strides of the logical
// dims (unused ones 0).
//
// The same text also compiles as plain host C++ (no __CUDACC__): every kernel then is
// an ordinary function whose loop runs over all outputs on one thread. The test-suite
// (tests/test_cuda.py) builds it with the host compiler to run the CUDA backend's real
// kernel code against the CPU backend on machines without a GPU.

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define CYR_CUDA 1
#define CYR_HD __device__ __forceinline__
#define CYR_KERNEL __global__ void
#define CYR_FOR_EACH(t, total)                                                              \
    for (i64 t = (i64)blockIdx.x * (i64)blockDim.x + (i64)threadIdx.x; t < (total);         \
         t += (i64)blockDim.x * (i64)gridDim.x)
#define CYR_RESTRICT __restrict__
#define CYR_UNROLL _Pragma("unroll")
#else
#include <math.h>
#include <string.h>
#define CYR_HD inline
#define CYR_KERNEL void
#define CYR_FOR_EACH(t, total) for (i64 t = 0; t < (total); ++t)
#define CYR_RESTRICT
#define CYR_UNROLL
#endif

typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;

// Storage tags of the 16-bit float formats: the data are their raw bit patterns.
struct cyr_f16 { u16 bits; };
struct cyr_bf16 { u16 bits; };
// A 16-byte copy unit (complex128) for the gather kernel.
struct alignas(16) cyr_u128 { u64 lo, hi; };

template <class A, class B> struct cyr_same { enum { value = 0 }; };
template <class A> struct cyr_same<A, A> { enum { value = 1 }; };

// ------------------------------------------------------------------------------------
// IEEE arithmetic, one rounding (to nearest even) per operation, no FMA, no FTZ
// ------------------------------------------------------------------------------------
#ifdef CYR_CUDA
#define CYR_PTX_OP(NAME, INSTR, T, C)                                      \
    CYR_HD T NAME(T a, T b) {                                             \
        T r;                                                              \
        asm(INSTR " %0, %1, %2;" : "=" C(r) : C(a), C(b));                \
        return r;                                                         \
    }
CYR_PTX_OP(cyr_add, "add.rn.f32", float, "f")
CYR_PTX_OP(cyr_sub, "sub.rn.f32", float, "f")
CYR_PTX_OP(cyr_mul, "mul.rn.f32", float, "f")
CYR_PTX_OP(cyr_div, "div.rn.f32", float, "f")
CYR_PTX_OP(cyr_add, "add.rn.f64", double, "d")
CYR_PTX_OP(cyr_sub, "sub.rn.f64", double, "d")
CYR_PTX_OP(cyr_mul, "mul.rn.f64", double, "d")
CYR_PTX_OP(cyr_div, "div.rn.f64", double, "d")
#undef CYR_PTX_OP
#else
template <class T> CYR_HD T cyr_add(T a, T b) { return a + b; }
template <class T> CYR_HD T cyr_sub(T a, T b) { return a - b; }
template <class T> CYR_HD T cyr_mul(T a, T b) { return a * b; }
template <class T> CYR_HD T cyr_div(T a, T b) { return a / b; }
#endif

// ------------------------------------------------------------------------------------
// scalar conversions (bit for bit the functions of src/cyr_dtypes.h)
// ------------------------------------------------------------------------------------
CYR_HD float cyr_bits_to_float(u32 u) {
#ifdef CYR_CUDA
    return __uint_as_float(u);
#else
    float f;
    memcpy(&f, &u, 4);
    return f;
#endif
}

CYR_HD u32 cyr_float_to_bits(float f) {
#ifdef CYR_CUDA
    return __float_as_uint(f);
#else
    u32 u;
    memcpy(&u, &f, 4);
    return u;
#endif
}

CYR_HD float cyr_half_to_float(u16 h) {
    u32 sign = (u32)(h & 0x8000u) << 16;
    u32 exp = (h >> 10) & 0x1fu;
    u32 man = h & 0x3ffu;
    u32 u;
    if (exp == 0) {
        if (man == 0) {
            u = sign;
        } else {  // subnormal: renormalise
            exp = 127 - 15 + 1;
            while ((man & 0x400u) == 0) {
                man <<= 1;
                exp--;
            }
            man &= 0x3ffu;
            u = sign | (exp << 23) | (man << 13);
        }
    } else if (exp == 0x1f) {  // inf / nan (payload kept)
        u = sign | 0x7f800000u | (man << 13);
    } else {
        u = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    return cyr_bits_to_float(u);
}

CYR_HD u16 cyr_float_to_half(float f) {
    // round to nearest, ties to even; overflow to inf; NaN stays NaN
    u32 x = cyr_float_to_bits(f);
    u32 sign = (x >> 16) & 0x8000u;
    u32 ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) {  // inf or nan
        return (u16)(sign | 0x7c00u | (ax > 0x7f800000u ? (0x200u | ((ax >> 13) & 0x3ffu)) : 0u));
    }
    if (ax >= 0x477ff000u) {  // >= 65520: rounds to inf
        return (u16)(sign | 0x7c00u);
    }
    if (ax < 0x38800000u) {  // below the smallest normal half: subnormal or zero
        if (ax < 0x33000000u) return (u16)sign;  // < 2^-25: rounds to zero
        u32 e = ax >> 23;
        u32 m = (ax & 0x7fffffu) | 0x800000u;
        u32 shift = 126 - e;  // value = m * 2^(e-150) = q * 2^-24
        u32 q = m >> shift;
        u32 rem = m & ((1u << shift) - 1u);
        u32 half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1u))) q++;
        return (u16)(sign | q);
    }
    u32 r = ax + 0xfffu + ((ax >> 13) & 1u);  // round mantissa to 10 bits, ties to even
    r -= 0x38000000u;                           // rebias exponent 127 -> 15
    return (u16)(sign | (r >> 13));
}

CYR_HD float cyr_bf16_to_float(u16 h) { return cyr_bits_to_float((u32)h << 16); }

CYR_HD u16 cyr_float_to_bf16(float f) {
    u32 x = cyr_float_to_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (u16)((x >> 16) | 0x40u);  // quiet NaN
    x += 0x7fffu + ((x >> 16) & 1u);
    return (u16)(x >> 16);
}

// uint8 fixed point (spec §2.7): arithmetic shift (floor), then saturate to 0..255
CYR_HD unsigned char cyr_fixed_u8(int acc, int shift) {
    int v = acc >> shift;
    return (unsigned char)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Integer area (extension): mean of an exact integer sum, rounded half up (as
// cyr_dtypes.h; 2r >= k tested without overflow).
CYR_HD i64 cyr_mean_round_i64(i64 sum, i64 k) {
    i64 q = sum / k, r = sum % k;  // truncates toward zero
    if (r < 0) {                   // floor division
        q -= 1;
        r += k;
    }
    return q + (r >= k - r ? 1 : 0);
}

CYR_HD unsigned long long cyr_mean_round_u64(unsigned long long sum, i64 k) {
    const unsigned long long kk = (unsigned long long)k;
    const unsigned long long q = sum / kk, r = sum % kk;
    return q + (r >= kk - r ? 1ULL : 0ULL);
}

// floor(v + 0.5) without rounding v + 0.5 (inexact for |v| >= 2^52): v - floor(v) is exact
CYR_HD double cyr_round_half_up(double v) {
    const double r = floor(v);
    return cyr_sub(v, r) >= 0.5 ? cyr_add(r, 1.0) : r;
}

// ------------------------------------------------------------------------------------
// storage types: load to the opmath type, store from it (the CPU template's columns)
// ------------------------------------------------------------------------------------
template <class T> struct cyr_ty;

template <> struct cyr_ty<float> {
    typedef float op_t;
    static CYR_HD float load(const char* p) { return *(const float*)p; }
    static CYR_HD void store(char* p, float v) { *(float*)p = v; }
};

template <> struct cyr_ty<double> {
    typedef double op_t;
    static CYR_HD double load(const char* p) { return *(const double*)p; }
    static CYR_HD void store(char* p, double v) { *(double*)p = v; }
};

template <> struct cyr_ty<cyr_f16> {
    typedef float op_t;
    static CYR_HD float load(const char* p) { return cyr_half_to_float(*(const u16*)p); }
    static CYR_HD void store(char* p, float v) { *(u16*)p = cyr_float_to_half(v); }
};

template <> struct cyr_ty<cyr_bf16> {
    typedef float op_t;
    static CYR_HD float load(const char* p) { return cyr_bf16_to_float(*(const u16*)p); }
    static CYR_HD void store(char* p, float v) { *(u16*)p = cyr_float_to_bf16(v); }
};

// uint8 takes the fixed-point path (int32 accumulation), never float64.
template <> struct cyr_ty<unsigned char> {
    typedef int op_t;
    static CYR_HD int load(const char* p) { return (int)*(const unsigned char*)p; }
};

// Other integers compute in float64; results round half up (cyr_round_half_up), then
// saturate: CYR_ROUND_SAT of cyr_dtypes.h.
#define CYR_INT_TY(T, LO, HI)                                                    \
    template <> struct cyr_ty<T> {                                               \
        typedef double op_t;                                                     \
        static CYR_HD double load(const char* p) { return (double)*(const T*)p; } \
        static CYR_HD void store(char* p, double v) {                            \
            double r = cyr_round_half_up(v);                                     \
            T o;                                                                 \
            if (r <= (double)(LO)) o = (T)(LO);                                  \
            else if (r >= (double)(HI)) o = (T)(HI);                             \
            else o = (T)r;                                                       \
            *(T*)p = o;                                                          \
        }                                                                        \
    };
CYR_INT_TY(signed char, -128, 127)
CYR_INT_TY(short, -32768, 32767)
CYR_INT_TY(unsigned short, 0, 65535)
CYR_INT_TY(int, -2147483647 - 1, 2147483647)
CYR_INT_TY(unsigned int, 0, 4294967295u)
#undef CYR_INT_TY

// 64-bit: (double)INT64_MAX rounds up to 2^63, so compare against 2^63 exactly
template <> struct cyr_ty<long long> {
    typedef double op_t;
    static CYR_HD double load(const char* p) { return (double)*(const long long*)p; }
    static CYR_HD void store(char* p, double v) {
        double r = cyr_round_half_up(v);
        long long o;
        if (r < -9223372036854775808.0) o = (-9223372036854775807LL - 1);
        else if (r >= 9223372036854775808.0) o = 9223372036854775807LL;
        else o = (long long)r;
        *(long long*)p = o;
    }
};

template <> struct cyr_ty<unsigned long long> {
    typedef double op_t;
    static CYR_HD double load(const char* p) { return (double)*(const unsigned long long*)p; }
    static CYR_HD void store(char* p, double v) {
        double r = cyr_round_half_up(v);
        unsigned long long o;
        if (r <= 0.0) o = 0ULL;
        else if (r >= 18446744073709551616.0) o = 18446744073709551615ULL;
        else o = (unsigned long long)r;
        *(unsigned long long*)p = o;
    }
};

// A separable pass from S to D: accumulator (= weight) type, fixed point or not.
template <class A, class B> struct cyr_wider { typedef double type; };
template <> struct cyr_wider<float, float> { typedef float type; };

template <class S, class D> struct cyr_pass {
    typedef typename cyr_wider<typename cyr_ty<S>::op_t, typename cyr_ty<D>::op_t>::type acc_t;
    enum { fixed = 0 };
};
template <> struct cyr_pass<unsigned char, unsigned char> {
    typedef int acc_t;
    enum { fixed = 1 };
};

// ------------------------------------------------------------------------------------
// geometry
// ------------------------------------------------------------------------------------
#define CYR_GEOM_PARAMS                                                                   \
    int nd, int perm, i64 n0, i64 n1, i64 n2, i64 n3, i64 n4, i64 ss0, i64 ss1, i64 ss2, \
        i64 ss3, i64 ss4, i64 ds0, i64 ds1, i64 ds2, i64 ds3, i64 ds4

#define CYR_GEOM_LOCALS                                      \
    const i64 n_[5] = {n0, n1, n2, n3, n4};                  \
    const i64 ss[5] = {ss0, ss1, ss2, ss3, ss4};             \
    const i64 ds[5] = {ds0, ds1, ds2, ds3, ds4};             \
    (void)ss;                                                \
    (void)ds

// Logical index li[5] of output number t (t counts outputs in loop order). Every loop is
// unrolled and every array index is a constant, so n_, li, ss and ds live in registers.
CYR_HD void cyr_unravel(i64 t, int nd, int perm, const i64* n_, i64* li) {
    CYR_UNROLL
    for (int k = 0; k < 5; ++k) li[k] = 0;
    CYR_UNROLL
    for (int j = 4; j >= 0; --j) {
        if (j < nd) {
            const i64 q = t / n_[j];
            const i64 r = t - q * n_[j];
            t = q;
            const int d = (perm >> (4 * j)) & 15;
            CYR_UNROLL
            for (int k = 0; k < 5; ++k) li[k] = d == k ? r : li[k];
        }
    }
}

// byte offset of logical index li through strides st
CYR_HD i64 cyr_offset(const i64* li, const i64* st) {
    i64 off = 0;
    CYR_UNROLL
    for (int j = 0; j < 5; ++j) off += li[j] * st[j];
    return off;
}

// ------------------------------------------------------------------------------------
// separable pass (_separable.pxi.tp): dst[o] = store(sum_k load(src[index[o, k]]) * w[o, k])
// along the pass axis, which the host passes as logical dim 4 (the other array dims are
// logical dims 0..3, padded with size-1 dims). Floats start from the first product and
// add left to right; uint8 starts from the bias 2**(shift-1), int32 accumulation,
// clamp(acc >> shift); ntaps[o] == 0 stores zero.
// ------------------------------------------------------------------------------------
template <class S, class D>
CYR_KERNEL cyr_separable(i64 total, const char* CYR_RESTRICT src, char* CYR_RESTRICT dst,
                         const i64* CYR_RESTRICT index,
                         const typename cyr_pass<S, D>::acc_t* CYR_RESTRICT weight,
                         const i64* CYR_RESTRICT ntaps, i64 K, int shift, CYR_GEOM_PARAMS) {
    typedef typename cyr_pass<S, D>::acc_t A;
    CYR_GEOM_LOCALS;
    CYR_FOR_EACH(t, total) {
        i64 li[5];
        cyr_unravel(t, nd, perm, n_, li);
        const i64 o = li[4];
        const i64 sax = ss[4];
        const i64 so = li[0] * ss[0] + li[1] * ss[1] + li[2] * ss[2] + li[3] * ss[3];
        const i64 doff = cyr_offset(li, ds);
        const i64* ix = index + o * K;
        const A* w = weight + o * K;
        const i64 nt = ntaps[o];
        const char* s = src + so;
        if (nt == 0) {  // an output no tap reaches (adjoint tables): zero, as on the CPU
            if constexpr (cyr_pass<S, D>::fixed) {
                *(unsigned char*)(dst + doff) = cyr_fixed_u8(0, shift);
            } else {
                cyr_ty<D>::store(dst + doff, (A)0);
            }
            continue;
        }
        if constexpr (cyr_pass<S, D>::fixed) {
            int acc = shift > 0 ? (1 << (shift - 1)) : 0;
            for (i64 k = 0; k < nt; ++k) acc = acc + cyr_ty<S>::load(s + ix[k] * sax) * w[k];
            *(unsigned char*)(dst + doff) = cyr_fixed_u8(acc, shift);
        } else {
            A acc = cyr_mul((A)cyr_ty<S>::load(s + ix[0] * sax), w[0]);
            for (i64 k = 1; k < nt; ++k)
                acc = cyr_add(acc, cyr_mul((A)cyr_ty<S>::load(s + ix[k] * sax), w[k]));
            cyr_ty<D>::store(dst + doff, acc);
        }
    }
}

// ------------------------------------------------------------------------------------
// gather (nearest modes): dst[n, c, o...] = src[n, c, index_d[o_d]...], any dtype, copied
// as `units` elements of U (U divides the itemsize, every stride and both base addresses).
// tab0..tab2 index the spatial logical dims 2..4.
// ------------------------------------------------------------------------------------
template <class U>
CYR_KERNEL cyr_gather(i64 total, const char* CYR_RESTRICT src, char* CYR_RESTRICT dst,
                      const i64* CYR_RESTRICT tab0, const i64* CYR_RESTRICT tab1,
                      const i64* CYR_RESTRICT tab2, int rank, int units, CYR_GEOM_PARAMS) {
    CYR_GEOM_LOCALS;
    CYR_FOR_EACH(t, total) {
        i64 li[5];
        cyr_unravel(t, nd, perm, n_, li);
        i64 so = li[0] * ss[0] + li[1] * ss[1];
        if (rank > 2) so += tab0[li[2]] * ss[2];
        if (rank > 3) so += tab1[li[3]] * ss[3];
        if (rank > 4) so += tab2[li[4]] * ss[4];
        const i64 doff = cyr_offset(li, ds);
        const U* s = (const U*)(src + so);
        U* d = (U*)(dst + doff);
        for (int k = 0; k < units; ++k) d[k] = s[k];
    }
}

// ------------------------------------------------------------------------------------
// product (_pointwise.pxi.tp, PyTorch's channels-last (bi|tri)linear kernel): corner
// weights RN(l_h * l_w) (2-D) or RN(RN(l_d * l_h) * l_w) (3-D), corners ordered
// (d0,h0,w0), (d0,h0,w1), (d0,h1,w0), ...; channels c < cv sum right-nested
// t0w0 + (t1w1 + (...)), the others left to right. Logical dims (N, C, [D,] H, W);
// i*/l* are the per-axis (n_out, 2) index and lambda tables of the spatial axes in order
// (i2/l2 unused in 2-D).
// ------------------------------------------------------------------------------------
// One output of the product kernel with NR = 2 (2-D) or 4 (3-D) row corners; the loops
// have constant trip counts so the corner arrays stay in registers.
template <class S, int NR>
CYR_HD void cyr_product_one(const char* CYR_RESTRICT src, char* CYR_RESTRICT dst, const i64* li,
                            const i64* ss, const i64* ds, const i64* CYR_RESTRICT i0,
                            const typename cyr_ty<S>::op_t* CYR_RESTRICT l0, const i64* CYR_RESTRICT i1,
                            const typename cyr_ty<S>::op_t* CYR_RESTRICT l1, const i64* CYR_RESTRICT i2,
                            const typename cyr_ty<S>::op_t* CYR_RESTRICT l2, i64 cv) {
    typedef typename cyr_ty<S>::op_t T;
    const i64 c = li[1];
    const i64 base = li[0] * ss[0] + c * ss[1];
    i64 roff[NR];
    T rw[NR];
    const i64* iw;
    const T* lw;
    i64 ow, sw;
    if constexpr (NR == 4) {
        const i64 od = li[2], oh = li[3];
        CYR_UNROLL
        for (int j = 0; j < 4; ++j) {
            roff[j] = base + i0[od * 2 + (j >> 1)] * ss[2] + i1[oh * 2 + (j & 1)] * ss[3];
            rw[j] = cyr_mul(l0[od * 2 + (j >> 1)], l1[oh * 2 + (j & 1)]);
        }
        iw = i2;
        lw = l2;
        ow = li[4];
        sw = ss[4];
    } else {
        const i64 oh = li[2];
        CYR_UNROLL
        for (int j = 0; j < 2; ++j) {
            roff[j] = base + i0[oh * 2 + j] * ss[2];
            rw[j] = l0[oh * 2 + j];
        }
        iw = i1;
        lw = l1;
        ow = li[3];
        sw = ss[3];
    }
    const int NC = 2 * NR;
    i64 coff[NC];
    T cw[NC];
    CYR_UNROLL
    for (int j = 0; j < NR; ++j) {
        CYR_UNROLL
        for (int b = 0; b < 2; ++b) {
            coff[2 * j + b] = roff[j] + iw[ow * 2 + b] * sw;
            cw[2 * j + b] = cyr_mul(rw[j], lw[ow * 2 + b]);
        }
    }
    T acc;
    if (c < cv) {
        acc = cyr_mul(cyr_ty<S>::load(src + coff[NC - 1]), cw[NC - 1]);
        CYR_UNROLL
        for (int j = NC - 2; j >= 0; --j) acc = cyr_add(cyr_mul(cyr_ty<S>::load(src + coff[j]), cw[j]), acc);
    } else {
        acc = cyr_mul(cyr_ty<S>::load(src + coff[0]), cw[0]);
        CYR_UNROLL
        for (int j = 1; j < NC; ++j) acc = cyr_add(acc, cyr_mul(cyr_ty<S>::load(src + coff[j]), cw[j]));
    }
    cyr_ty<S>::store(dst + cyr_offset(li, ds), acc);
}

template <class S>
CYR_KERNEL cyr_product(i64 total, const char* CYR_RESTRICT src, char* CYR_RESTRICT dst,
                       const i64* CYR_RESTRICT i0, const typename cyr_ty<S>::op_t* CYR_RESTRICT l0,
                       const i64* CYR_RESTRICT i1, const typename cyr_ty<S>::op_t* CYR_RESTRICT l1,
                       const i64* CYR_RESTRICT i2, const typename cyr_ty<S>::op_t* CYR_RESTRICT l2,
                       int nsp, i64 cv, CYR_GEOM_PARAMS) {
    CYR_GEOM_LOCALS;
    CYR_FOR_EACH(t, total) {
        i64 li[5];
        cyr_unravel(t, nd, perm, n_, li);
        if (nsp == 3)
            cyr_product_one<S, 4>(src, dst, li, ss, ds, i0, l0, i1, l1, i2, l2, cv);
        else
            cyr_product_one<S, 2>(src, dst, li, ss, ds, i0, l0, i1, l1, i2, l2, cv);
    }
}

// ------------------------------------------------------------------------------------
// area (adaptive average pooling, _pointwise.pxi.tp): the window summed in row-major
// (d, h, w) order from 0, then floats divide by kd, kh, kw in turn (channels c < cv:
// once by kh*kw); LOW rounds every operation to the storage type (PyTorch's 3-D
// float16/bfloat16 pooling); integers take the exact mean rounded half up. Logical dims
// are always (N, C, D, H, W): missing spatial dims have size 1, stride 0 and the windows
// start 0 / size 1.
// ------------------------------------------------------------------------------------
template <class S> struct cyr_area_ty {  // floats: accumulate in the opmath type
    typedef typename cyr_ty<S>::op_t acc_t;
    enum { integer = 0 };
    static CYR_HD acc_t load(const char* p) { return cyr_ty<S>::load(p); }
};
#define CYR_AREA_INT(T, ACC)                                                  \
    template <> struct cyr_area_ty<T> {                                       \
        typedef ACC acc_t;                                                    \
        enum { integer = 1 };                                                 \
        static CYR_HD ACC load(const char* p) { return (ACC)*(const T*)p; }  \
    };
CYR_AREA_INT(unsigned char, i64)
CYR_AREA_INT(signed char, i64)
CYR_AREA_INT(unsigned short, i64)
CYR_AREA_INT(short, i64)
CYR_AREA_INT(int, i64)
CYR_AREA_INT(unsigned int, i64)
CYR_AREA_INT(long long, i64)
CYR_AREA_INT(unsigned long long, unsigned long long)
#undef CYR_AREA_INT

// window sums: exact 64-bit integers for integer dtypes (the caller checks for overflow),
// one IEEE rounding per add for floats
CYR_HD i64 cyr_area_add(i64 a, i64 b) { return a + b; }
CYR_HD unsigned long long cyr_area_add(unsigned long long a, unsigned long long b) { return a + b; }
CYR_HD float cyr_area_add(float a, float b) { return cyr_add(a, b); }
CYR_HD double cyr_area_add(double a, double b) { return cyr_add(a, b); }

template <class A> struct cyr_mean_round;
template <> struct cyr_mean_round<i64> {
    static CYR_HD i64 f(i64 s, i64 k) { return cyr_mean_round_i64(s, k); }
};
template <> struct cyr_mean_round<unsigned long long> {
    static CYR_HD unsigned long long f(unsigned long long s, i64 k) { return cyr_mean_round_u64(s, k); }
};

template <class S, int LOW>
CYR_KERNEL cyr_area(i64 total, const char* CYR_RESTRICT src, char* CYR_RESTRICT dst,
                    const i64* CYR_RESTRICT st0, const i64* CYR_RESTRICT sz0,
                    const i64* CYR_RESTRICT st1, const i64* CYR_RESTRICT sz1,
                    const i64* CYR_RESTRICT st2, const i64* CYR_RESTRICT sz2, i64 cv,
                    CYR_GEOM_PARAMS) {
    typedef cyr_area_ty<S> AT;
    typedef typename AT::acc_t A;
    CYR_GEOM_LOCALS;
    CYR_FOR_EACH(t, total) {
        i64 li[5];
        cyr_unravel(t, nd, perm, n_, li);
        const i64 c = li[1];
        const i64 d0 = st0[li[2]], kd = sz0[li[2]];
        const i64 h0 = st1[li[3]], kh = sz1[li[3]];
        const i64 w0 = st2[li[4]], kw = sz2[li[4]];
        const char* s = src + li[0] * ss[0] + c * ss[1];
        A acc = 0;
        for (i64 a = 0; a < kd; ++a) {
            for (i64 b = 0; b < kh; ++b) {
                const char* row = s + (d0 + a) * ss[2] + (h0 + b) * ss[3];
                for (i64 e = 0; e < kw; ++e) {
                    if constexpr (LOW) {
                        u16 tmp;
                        cyr_ty<S>::store((char*)&tmp, cyr_add(acc, AT::load(row + (w0 + e) * ss[4])));
                        acc = cyr_ty<S>::load((const char*)&tmp);
                    } else {
                        acc = cyr_area_add(acc, AT::load(row + (w0 + e) * ss[4]));
                    }
                }
            }
        }
        const i64 doff = cyr_offset(li, ds);
        if constexpr (AT::integer) {
            *(S*)(dst + doff) = (S)cyr_mean_round<A>::f(acc, kd * kh * kw);
        } else if constexpr (LOW) {
            u16 tmp;
            A v = acc;
            cyr_ty<S>::store((char*)&tmp, cyr_div(v, (A)kd));
            v = cyr_ty<S>::load((const char*)&tmp);
            cyr_ty<S>::store((char*)&tmp, cyr_div(v, (A)kh));
            v = cyr_ty<S>::load((const char*)&tmp);
            cyr_ty<S>::store((char*)&tmp, cyr_div(v, (A)kw));
            v = cyr_ty<S>::load((const char*)&tmp);
            cyr_ty<S>::store(dst + doff, v);
        } else {
            A v = acc;
            if (c < cv) {
                v = cyr_div(v, (A)(kh * kw));
            } else {
                v = cyr_div(v, (A)kd);
                v = cyr_div(v, (A)kh);
                v = cyr_div(v, (A)kw);
            }
            cyr_ty<S>::store(dst + doff, v);
        }
    }
}
