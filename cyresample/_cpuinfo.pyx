# cython: language_level=3
"""CPU feature detection, compiled for the baseline instruction set only.

Checks both the CPUID feature bits and that the operating system saves the wider
registers (XCR0), so a module built for AVX2/AVX-512 is only imported where it
can run (docs/design.md, "CPU dispatch").
"""

cdef extern from *:
    """
    #if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
    #  define CYR_X86 1
    #  if defined(_MSC_VER)
    #    include <intrin.h>
    #    include <immintrin.h>
    static void cyr_cpuid(int leaf, int sub, int r[4]) { __cpuidex(r, leaf, sub); }
    static unsigned long long cyr_xgetbv(void) { return _xgetbv(0); }
    #  else
    #    include <cpuid.h>
    static void cyr_cpuid(int leaf, int sub, int r[4]) {
        unsigned int a, b, c, d; __cpuid_count(leaf, sub, a, b, c, d);
        r[0] = (int)a; r[1] = (int)b; r[2] = (int)c; r[3] = (int)d;
    }
    static unsigned long long cyr_xgetbv(void) {
        unsigned int lo, hi; __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        return ((unsigned long long)hi << 32) | lo;
    }
    #  endif
    static int cyr_has_avx2(void) {
        int r[4]; cyr_cpuid(0, 0, r); if (r[0] < 7) return 0;
        cyr_cpuid(1, 0, r);
        int osxsave = (r[2] >> 27) & 1, fma = (r[2] >> 12) & 1, f16c = (r[2] >> 29) & 1, avx = (r[2] >> 28) & 1;
        if (!(osxsave && avx && fma && f16c)) return 0;
        if ((cyr_xgetbv() & 0x6) != 0x6) return 0;         /* XMM and YMM state enabled */
        cyr_cpuid(7, 0, r);
        return (r[1] >> 5) & 1;                            /* AVX2 */
    }
    static int cyr_has_avx512(void) {
        if (!cyr_has_avx2()) return 0;
        if ((cyr_xgetbv() & 0xe6) != 0xe6) return 0;       /* opmask, ZMM_Hi256, Hi16_ZMM */
        int r[4]; cyr_cpuid(7, 0, r);
        int f = (r[1] >> 16) & 1, dq = (r[1] >> 17) & 1, bw = (r[1] >> 30) & 1, vl = (r[1] >> 31) & 1;
        return f && dq && bw && vl;
    }
    #else
    static int cyr_has_avx2(void) { return 0; }
    static int cyr_has_avx512(void) { return 0; }
    #endif
    """
    int cyr_has_avx2()
    int cyr_has_avx512()


def supported_variants():
    """Kernel variants this CPU and OS can run, best last (``baseline`` always)."""
    out = ["baseline"]
    if cyr_has_avx2():
        out.append("avx2")
        if cyr_has_avx512():
            out.append("avx512")
    return out
