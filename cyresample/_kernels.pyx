# cython: language_level=3
"""Typed kernels that apply a plan (see ``_plan.py``) to strided arrays.

Contract shared by every kernel here:

* arrays arrive as NumPy ndarrays of the *same rank*; the kernels read and
  write through byte strides, so any layout (C, Fortran, channels-last,
  negative strides, step slices) works without a copy;
* the caller allocates every output and intermediate;
* index/weight tables are C-contiguous int64 / opmath arrays from the plan;
* the GIL is released for the whole computation, and work is split with
  OpenMP ``prange`` so that each output element is written by exactly one
  thread in a fixed order: results never depend on the thread count;
* all offsets are 64-bit (``Py_ssize_t``/``int64_t``).

Vocabulary (docs/design.md): a *pass* resamples one axis. When the
resampled axis is the array's fastest-varying one the pass *gathers* along
it row by row; otherwise it *streams* whole inner lines (``L`` elements) and
combines them with per-output weights.
"""
cimport cython
from cython.parallel cimport prange, parallel
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy
from libc.stdlib cimport malloc, free

import numpy as np
cimport numpy as cnp

cnp.import_array()

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int cyr_openmp_enabled(void) { return 1; }
    static int cyr_omp_max_threads(void) { return omp_get_max_threads(); }
    static int cyr_omp_num_procs(void) { return omp_get_num_procs(); }
    #else
    static int cyr_openmp_enabled(void) { return 0; }
    static int cyr_omp_max_threads(void) { return 1; }
    static int cyr_omp_num_procs(void) { return 1; }
    #endif
    """
    int cyr_openmp_enabled() nogil
    int cyr_omp_max_threads() nogil
    int cyr_omp_num_procs() nogil


def openmp_enabled():
    """True when the extension was compiled with OpenMP."""
    return bool(cyr_openmp_enabled())


def omp_max_threads():
    """OpenMP's default team size (``OMP_NUM_THREADS``, threadpoolctl aware); 1 without OpenMP."""
    return cyr_omp_max_threads()


def omp_num_procs():
    """Processors available to this process (1 without OpenMP)."""
    return cyr_omp_num_procs()


ctypedef fused real_t:
    float
    double

# Elements copied by the gather kernel, by itemsize.
ctypedef fused word_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

cdef enum:
    MAX_DIMS = 8
    BLOCK = 512      # inner elements per block of a streaming pass (fits L1 with a few taps)


cdef struct Loop:
    # A multi-dimensional loop over "rows": everything but the pass axis and the inner dim.
    int ndim
    Py_ssize_t shape[MAX_DIMS]
    Py_ssize_t sstride[MAX_DIMS]
    Py_ssize_t dstride[MAX_DIMS]


cdef inline void _row_offsets(const Loop* lp, Py_ssize_t row, Py_ssize_t* soff,
                              Py_ssize_t* doff) noexcept nogil:
    cdef int d
    cdef Py_ssize_t q = row, r, s = 0, t = 0
    for d in range(lp.ndim - 1, -1, -1):
        r = q % lp.shape[d]
        q = q // lp.shape[d]
        s += r * lp.sstride[d]
        t += r * lp.dstride[d]
    soff[0] = s
    doff[0] = t


cdef Py_ssize_t _make_loop(Loop* lp, list dims) except -1:
    """dims: list of (size, src_stride, dst_stride) in outer-to-inner order.
    Adjacent dims that are contiguous with each other in both arrays are merged."""
    cdef Py_ssize_t rows = 1
    merged = []
    for size, ss, ds in dims:
        if size == 1:
            continue
        if merged:
            psize, pss, pds = merged[len(merged) - 1]
            if pss == ss * size and pds == ds * size:
                merged[len(merged) - 1] = (psize * size, ss, ds)
                continue
        merged.append((size, ss, ds))
    if len(merged) > MAX_DIMS:
        raise ValueError("too many dimensions")
    lp.ndim = len(merged)
    for k, (size, ss, ds) in enumerate(merged):
        lp.shape[k] = size
        lp.sstride[k] = ss
        lp.dstride[k] = ds
        rows *= size
    return rows


# ----------------------------------------------------------------------------------------------
# separable weighted pass
# ----------------------------------------------------------------------------------------------
cdef inline void _gather_one_row(const char* src, char* dst, const Loop* lp, Py_ssize_t row,
                                 Py_ssize_t n_out, Py_ssize_t sax, Py_ssize_t dax,
                                 const int64_t* idx, const real_t* w, const int64_t* ntaps,
                                 Py_ssize_t K) noexcept nogil:
    # The pass axis is the innermost one: each row is an independent 1-D resampling.
    cdef Py_ssize_t o, k, nt, soff, doff
    cdef const char* s
    cdef real_t acc
    _row_offsets(lp, row, &soff, &doff)
    s = src + soff
    for o in range(n_out):
        nt = ntaps[o]
        # sequential accumulation in opmath: ((t0*w0 + t1*w1) + t2*w2) + ... (spec §3.2)
        acc = (<const real_t*>(s + idx[o * K] * sax))[0] * w[o * K]
        for k in range(1, nt):
            acc = acc + (<const real_t*>(s + idx[o * K + k] * sax))[0] * w[o * K + k]
        (<real_t*>(dst + doff + o * dax))[0] = acc


cdef void _gather_rows(const char* src, char* dst, const Loop* lp, Py_ssize_t rows,
                       Py_ssize_t n_out, Py_ssize_t sax, Py_ssize_t dax,
                       const int64_t* idx, const real_t* w, const int64_t* ntaps, Py_ssize_t K,
                       int nthreads) noexcept nogil:
    # Iteration bodies live in their own functions so that every local is per-thread.
    cdef Py_ssize_t row
    for row in prange(rows, nogil=True, schedule="static", num_threads=nthreads):
        _gather_one_row(src, dst, lp, row, n_out, sax, dax, idx, w, ntaps, K)


cdef inline void _stream_line(const char* s, char* d, Py_ssize_t L, Py_ssize_t sin_, Py_ssize_t din,
                              Py_ssize_t sax, const int64_t* idx, const real_t* w,
                              Py_ssize_t nt) noexcept nogil:
    # d[i] = sum_k w[k] * s[idx[k]][i], accumulated in place in opmath (d is opmath).
    cdef Py_ssize_t i0, i, n, k
    cdef real_t wk
    cdef const real_t* sp
    cdef real_t* dp
    if sin_ == sizeof(real_t) and din == sizeof(real_t):
        dp = <real_t*>d
        i0 = 0
        while i0 < L:
            n = min(<Py_ssize_t>BLOCK, L - i0)
            sp = <const real_t*>(s + idx[0] * sax) + i0
            wk = w[0]
            for i in range(n):
                dp[i0 + i] = sp[i] * wk
            for k in range(1, nt):
                sp = <const real_t*>(s + idx[k] * sax) + i0
                wk = w[k]
                for i in range(n):
                    dp[i0 + i] = dp[i0 + i] + sp[i] * wk
            i0 += BLOCK
    else:
        i0 = 0
        while i0 < L:
            n = min(<Py_ssize_t>BLOCK, L - i0)
            wk = w[0]
            for i in range(i0, i0 + n):
                (<real_t*>(d + i * din))[0] = (<const real_t*>(s + idx[0] * sax + i * sin_))[0] * wk
            for k in range(1, nt):
                wk = w[k]
                for i in range(i0, i0 + n):
                    (<real_t*>(d + i * din))[0] = (<real_t*>(d + i * din))[0] + \
                        (<const real_t*>(s + idx[k] * sax + i * sin_))[0] * wk
            i0 += BLOCK


cdef inline void _stream_one(const char* src, char* dst, const Loop* lp, Py_ssize_t q,
                             Py_ssize_t n_out, Py_ssize_t sax, Py_ssize_t dax,
                             Py_ssize_t L, Py_ssize_t sin_, Py_ssize_t din,
                             const int64_t* idx, const real_t* w, const int64_t* ntaps,
                             Py_ssize_t K) noexcept nogil:
    cdef Py_ssize_t row = q // n_out, o, soff, doff
    o = q - row * n_out
    _row_offsets(lp, row, &soff, &doff)
    _stream_line(src + soff, dst + doff + o * dax, L, sin_, din, sax, idx + o * K, w + o * K, ntaps[o])


cdef void _stream_rows(const char* src, char* dst, const Loop* lp, Py_ssize_t rows,
                       Py_ssize_t n_out, Py_ssize_t sax, Py_ssize_t dax,
                       Py_ssize_t L, Py_ssize_t sin_, Py_ssize_t din,
                       const int64_t* idx, const real_t* w, const int64_t* ntaps, Py_ssize_t K,
                       int nthreads) noexcept nogil:
    cdef Py_ssize_t q
    for q in prange(rows * n_out, nogil=True, schedule="static", num_threads=nthreads):
        _stream_one(src, dst, lp, q, n_out, sax, dax, L, sin_, din, idx, w, ntaps, K)


cdef inline Py_ssize_t _byte_stride(cnp.ndarray a, int d):
    return cnp.PyArray_STRIDES(a)[d]


def separable_pass(cnp.ndarray src, cnp.ndarray dst, int axis, cnp.ndarray index,
                   cnp.ndarray weight, cnp.ndarray ntaps, int nthreads):
    """Resample ``src`` along ``axis`` into ``dst`` with a weighted-tap table.

    Parameters
    ----------
    src, dst : ndarray
        Same rank and dtype (float32 or float64, the opmath type); equal
        shapes except along ``axis`` (``src.shape[axis] = n_in``,
        ``dst.shape[axis] = n_out``). Any strides; ``dst`` must not overlap
        ``src``.
    axis : int
        The resampled axis.
    index, weight : ndarray, shape (n_out, k)
        int64 source indices (in ``[0, n_in)``) and weights of ``src.dtype``.
    ntaps : ndarray of int64, shape (n_out,)
        Taps used per output, ``1 <= ntaps <= k``.
    nthreads : int
        OpenMP threads.
    """
    cdef int nd = src.ndim, d, inner = -1
    cdef Loop lp
    cdef Py_ssize_t rows, n_out = dst.shape[axis], K = index.shape[1]
    cdef Py_ssize_t L = 1, sin_ = 0, din = 0
    cdef Py_ssize_t best
    if src.dtype != dst.dtype or weight.dtype != src.dtype:
        raise TypeError("separable_pass: src, dst and weight dtypes differ")
    if index.shape[0] != n_out or ntaps.shape[0] != n_out:
        raise ValueError("separable_pass: table rows do not match the output length")
    if n_out == 0 or dst.size == 0:
        return
    # inner dim: the non-axis dim with the smallest source stride, if it beats the axis itself
    best = abs(_byte_stride(src, axis))
    for d in range(nd):
        if d != axis and src.shape[d] > 1 and abs(_byte_stride(src, d)) < best:
            best = abs(_byte_stride(src, d))
            inner = d
    dims = []
    for d in range(nd):
        if d != axis and d != inner:
            dims.append((src.shape[d], _byte_stride(src, d), _byte_stride(dst, d)))
    rows = _make_loop(&lp, dims)
    cdef const char* sp = <const char*>cnp.PyArray_DATA(src)
    cdef char* dp = <char*>cnp.PyArray_DATA(dst)
    cdef Py_ssize_t sax = _byte_stride(src, axis), dax = _byte_stride(dst, axis)
    cdef const int64_t* ip = <const int64_t*>cnp.PyArray_DATA(index)
    cdef const int64_t* np_ = <const int64_t*>cnp.PyArray_DATA(ntaps)
    if inner >= 0:
        L = src.shape[inner]
        sin_ = _byte_stride(src, inner)
        din = _byte_stride(dst, inner)
    if src.dtype == np.float32:
        with nogil:
            if inner < 0:
                _gather_rows(sp, dp, &lp, rows, n_out, sax, dax, ip,
                             <const float*>cnp.PyArray_DATA(weight), np_, K, nthreads)
            else:
                _stream_rows(sp, dp, &lp, rows, n_out, sax, dax, L, sin_, din, ip,
                             <const float*>cnp.PyArray_DATA(weight), np_, K, nthreads)
    elif src.dtype == np.float64:
        with nogil:
            if inner < 0:
                _gather_rows(sp, dp, &lp, rows, n_out, sax, dax, ip,
                             <const double*>cnp.PyArray_DATA(weight), np_, K, nthreads)
            else:
                _stream_rows(sp, dp, &lp, rows, n_out, sax, dax, L, sin_, din, ip,
                             <const double*>cnp.PyArray_DATA(weight), np_, K, nthreads)
    else:
        raise TypeError("separable_pass: unsupported dtype %s" % src.dtype)


# ----------------------------------------------------------------------------------------------
# gather (nearest modes): every output element copies one input element
# ----------------------------------------------------------------------------------------------
cdef void _gather_copy(const char* src, char* dst, Py_ssize_t rows, int nd,
                       const Py_ssize_t* oshape, const Py_ssize_t* dstr, const Py_ssize_t* const* offs,
                       Py_ssize_t L, Py_ssize_t din, const Py_ssize_t* inner_off,
                       word_t* _type_tag, int nthreads) noexcept nogil:
    cdef Py_ssize_t row, q, r, soff, doff, j
    cdef int d
    cdef const char* s
    cdef char* dd
    for row in prange(rows, nogil=True, schedule="static", num_threads=nthreads):
        q = row
        soff = 0
        doff = 0
        for d in range(nd - 1, -1, -1):
            r = q % oshape[d]
            q = q // oshape[d]
            soff = soff + offs[d][r]
            doff = doff + r * dstr[d]
        s = src + soff
        dd = dst + doff
        for j in range(L):
            (<word_t*>(dd + j * din))[0] = (<const word_t*>(s + inner_off[j]))[0]


def gather(cnp.ndarray src, cnp.ndarray dst, list offsets, int nthreads):
    """``dst[i0, i1, ...] = src[idx0[i0], idx1[i1], ...]`` by byte offsets.

    Parameters
    ----------
    src, dst : ndarray
        Same rank and itemsize (any dtype of itemsize 1, 2, 4, 8 or 16).
    offsets : list of ndarray of int64
        For each dimension ``d``, ``offsets[d][i] = idx_d[i] * src.strides[d]``
        (length ``dst.shape[d]``).
    nthreads : int
        OpenMP threads.
    """
    cdef int nd = dst.ndim, d, inner, k
    cdef Py_ssize_t itemsize = dst.itemsize
    if dst.size == 0:
        return
    if src.itemsize != itemsize:
        raise TypeError("gather: itemsizes differ")
    # 16-byte items (complex128, longdouble) are copied as two 8-byte words
    cdef int words = 1
    if itemsize == 16:
        words = 2
        itemsize = 8
    elif itemsize not in (1, 2, 4, 8):
        raise TypeError("gather: unsupported itemsize %d" % itemsize)
    # inner dim: the output dim with the smallest stride (contiguous writes)
    inner = nd - 1
    for d in range(nd):
        if dst.shape[d] > 1 and abs(_byte_stride(dst, d)) < abs(_byte_stride(dst, inner)):
            inner = d
    if dst.shape[inner] == 1:
        for d in range(nd - 1, -1, -1):
            if dst.shape[d] > 1:
                inner = d
                break
    outer_dims = [d for d in range(nd) if d != inner]
    cdef Py_ssize_t oshape[MAX_DIMS]
    cdef Py_ssize_t dstr[MAX_DIMS]
    cdef const Py_ssize_t* offp[MAX_DIMS]
    cdef Py_ssize_t rows = 1
    keep = []
    for k, d in enumerate(outer_dims):
        a = np.ascontiguousarray(offsets[d], dtype=np.intp)
        keep.append(a)
        oshape[k] = dst.shape[d]
        dstr[k] = _byte_stride(dst, d)
        offp[k] = <const Py_ssize_t*>cnp.PyArray_DATA(a)
        rows *= dst.shape[d]
    cdef int nouter = len(outer_dims)
    cdef Py_ssize_t L = dst.shape[inner]
    cdef Py_ssize_t din = _byte_stride(dst, inner)
    inner_arr = np.ascontiguousarray(offsets[inner], dtype=np.intp)
    if words == 2:
        # split each 16-byte element into two 8-byte words along a virtual inner axis
        inner_arr = np.stack([inner_arr, inner_arr + 8], 1).ravel()
        L = 2 * L
        if din != 16:
            raise TypeError("gather: 16-byte items need a contiguous output row")
        din = 8
    cdef const Py_ssize_t* ioff = <const Py_ssize_t*>cnp.PyArray_DATA(inner_arr)
    cdef const char* sp = <const char*>cnp.PyArray_DATA(src)
    cdef char* dp = <char*>cnp.PyArray_DATA(dst)
    with nogil:
        if itemsize == 1:
            _gather_copy(sp, dp, rows, nouter, oshape, dstr, offp, L, din, ioff, <uint8_t*>NULL, nthreads)
        elif itemsize == 2:
            _gather_copy(sp, dp, rows, nouter, oshape, dstr, offp, L, din, ioff, <uint16_t*>NULL, nthreads)
        elif itemsize == 4:
            _gather_copy(sp, dp, rows, nouter, oshape, dstr, offp, L, din, ioff, <uint32_t*>NULL, nthreads)
        else:
            _gather_copy(sp, dp, rows, nouter, oshape, dstr, offp, L, din, ioff, <uint64_t*>NULL, nthreads)


# ----------------------------------------------------------------------------------------------
# product (PyTorch's channels-last linear kernel, spec §3.1/§3.2)
# ----------------------------------------------------------------------------------------------
cdef inline void _product_pixel(const char* src, char* dst, Py_ssize_t q, Py_ssize_t npix,
                                Py_ssize_t C, int nsp, const Py_ssize_t* oshape,
                                const Py_ssize_t* sstr, const Py_ssize_t* dstr,
                                Py_ssize_t sN, Py_ssize_t sC, Py_ssize_t dN, Py_ssize_t dC,
                                const int64_t* const* idx, const real_t* const* lam,
                                Py_ssize_t cv) noexcept nogil:
    # One output pixel: 2**nsp corners, weight = RN(RN(l_d * l_h) * l_w) in opmath, corners
    # ordered (d0,h0,w0), (d0,h0,w1), ... Channels c < cv (PyTorch's full SIMD vectors) sum
    # right-nested t0w0 + (t1w1 + (...)); the others left to right (spec §3.2).
    cdef Py_ssize_t coff[8]
    cdef real_t cw[8]
    cdef Py_ssize_t o[3]
    cdef Py_ssize_t n = q // npix, pix = q - (q // npix) * npix, c, soff, doff
    cdef int d, j, b, ncorner = 1 << nsp
    cdef real_t acc, wgt = 0
    doff = n * dN
    for d in range(nsp - 1, -1, -1):
        o[d] = pix % oshape[d]
        pix = pix // oshape[d]
        doff += o[d] * dstr[d]
    for j in range(ncorner):
        soff = n * sN
        for d in range(nsp):
            b = (j >> (nsp - 1 - d)) & 1
            soff += idx[d][o[d] * 2 + b] * sstr[d]
            if d == 0:
                wgt = lam[d][o[d] * 2 + b]
            else:
                wgt = wgt * lam[d][o[d] * 2 + b]
        coff[j] = soff
        cw[j] = wgt
    for c in range(C):
        if c < cv:
            acc = (<const real_t*>(src + coff[ncorner - 1] + c * sC))[0] * cw[ncorner - 1]
            for j in range(ncorner - 2, -1, -1):
                acc = (<const real_t*>(src + coff[j] + c * sC))[0] * cw[j] + acc
        else:
            acc = (<const real_t*>(src + coff[0] + c * sC))[0] * cw[0]
            for j in range(1, ncorner):
                acc = acc + (<const real_t*>(src + coff[j] + c * sC))[0] * cw[j]
        (<real_t*>(dst + doff + c * dC))[0] = acc


cdef void _product_rows(const char* src, char* dst, Py_ssize_t N, Py_ssize_t C, int nsp,
                        const Py_ssize_t* oshape, const Py_ssize_t* sstr, const Py_ssize_t* dstr,
                        Py_ssize_t sN, Py_ssize_t sC, Py_ssize_t dN, Py_ssize_t dC,
                        const int64_t* const* idx, const real_t* const* lam, Py_ssize_t cv,
                        int nthreads) noexcept nogil:
    cdef Py_ssize_t npix = 1, q
    cdef int d
    for d in range(nsp):
        npix = npix * oshape[d]
    for q in prange(N * npix, nogil=True, schedule="static", num_threads=nthreads):
        _product_pixel(src, dst, q, npix, C, nsp, oshape, sstr, dstr, sN, sC, dN, dC, idx, lam, cv)


def product_linear(cnp.ndarray src, cnp.ndarray dst, list index, list lam, Py_ssize_t vector_lanes,
                   int nthreads):
    """PyTorch's channels-last (bi|tri)linear kernel: per-pixel corner products.

    Parameters
    ----------
    src, dst : ndarray, shape (N, C, *spatial)
        float32 or float64, 2 or 3 spatial dims, any strides.
    index, lam : list of ndarray, shape (n_out, 2)
        Per spatial axis: the two source indices and the lambdas (λ0, λ1).
    vector_lanes : int
        PyTorch's SIMD width in elements; channels ``c < C - C % vector_lanes``
        use the vector order.
    """
    cdef int nsp = src.ndim - 2, d
    if nsp not in (2, 3):
        raise ValueError("product_linear needs 2 or 3 spatial dims")
    if dst.size == 0:
        return
    cdef Py_ssize_t oshape[3]
    cdef Py_ssize_t sstr[3]
    cdef Py_ssize_t dstr[3]
    cdef const int64_t* ip[3]
    cdef const float* lf[3]
    cdef const double* ld[3]
    keep = []
    for d in range(nsp):
        oshape[d] = dst.shape[2 + d]
        sstr[d] = _byte_stride(src, 2 + d)
        dstr[d] = _byte_stride(dst, 2 + d)
        a = np.ascontiguousarray(index[d], dtype=np.int64)
        w = np.ascontiguousarray(lam[d], dtype=src.dtype)
        keep += [a, w]
        ip[d] = <const int64_t*>cnp.PyArray_DATA(a)
        if src.dtype == np.float32:
            lf[d] = <const float*>cnp.PyArray_DATA(w)
        else:
            ld[d] = <const double*>cnp.PyArray_DATA(w)
    cdef Py_ssize_t N = src.shape[0], C = src.shape[1]
    cdef Py_ssize_t cv = C - C % vector_lanes if vector_lanes > 0 else 0
    cdef const char* sp = <const char*>cnp.PyArray_DATA(src)
    cdef char* dp = <char*>cnp.PyArray_DATA(dst)
    cdef Py_ssize_t sN = _byte_stride(src, 0), sC = _byte_stride(src, 1)
    cdef Py_ssize_t dN = _byte_stride(dst, 0), dC = _byte_stride(dst, 1)
    if src.dtype == np.float32:
        with nogil:
            _product_rows(sp, dp, N, C, nsp, oshape, sstr, dstr, sN, sC, dN, dC, ip, lf, cv, nthreads)
    elif src.dtype == np.float64:
        with nogil:
            _product_rows(sp, dp, N, C, nsp, oshape, sstr, dstr, sN, sC, dN, dC, ip, ld, cv, nthreads)
    else:
        raise TypeError("product_linear: unsupported dtype %s" % src.dtype)


# ----------------------------------------------------------------------------------------------
# area (adaptive average pooling, spec §2.5)
# ----------------------------------------------------------------------------------------------
cdef void _area_rows(const char* src, char* dst, Py_ssize_t N, Py_ssize_t C,
                     const Py_ssize_t* oshape, const Py_ssize_t* sstr, const Py_ssize_t* dstr,
                     Py_ssize_t sN, Py_ssize_t sC, Py_ssize_t dN, Py_ssize_t dC,
                     const int64_t* const* start, const int64_t* const* size, Py_ssize_t cv,
                     real_t* _tag, int nthreads) noexcept nogil:
    # Three spatial dims (missing ones have size 1). Window summed in row-major order in
    # opmath, then divided by kD, kH, kW in turn; channels c < cv divide once by kH*kW
    # (PyTorch's channels-last vector lanes).
    cdef Py_ssize_t npix = oshape[0] * oshape[1] * oshape[2], q, n, c, pix, od, oh, ow
    cdef Py_ssize_t d0, h0, w0, kd, kh, kw, a, b, e, base, offd, offh
    cdef real_t acc
    for q in prange(N * C * npix, nogil=True, schedule="static", num_threads=nthreads):
        pix = q % npix
        c = (q // npix) % C
        n = q // (npix * C)
        ow = pix % oshape[2]
        oh = (pix // oshape[2]) % oshape[1]
        od = pix // (oshape[2] * oshape[1])
        d0 = start[0][od]
        kd = size[0][od]
        h0 = start[1][oh]
        kh = size[1][oh]
        w0 = start[2][ow]
        kw = size[2][ow]
        base = n * sN + c * sC
        acc = 0
        for a in range(kd):
            offd = base + (d0 + a) * sstr[0]
            for b in range(kh):
                offh = offd + (h0 + b) * sstr[1]
                for e in range(kw):
                    acc = acc + (<const real_t*>(src + offh + (w0 + e) * sstr[2]))[0]
        if c < cv:
            acc = acc / <real_t>(kh * kw)
        else:
            acc = acc / <real_t>kd
            acc = acc / <real_t>kh
            acc = acc / <real_t>kw
        (<real_t*>(dst + n * dN + c * dC + od * dstr[0] + oh * dstr[1] + ow * dstr[2]))[0] = acc


def area_pool(cnp.ndarray src, cnp.ndarray dst, list start, list size, Py_ssize_t vector_lanes,
              int nthreads):
    """Adaptive average pooling with per-axis windows.

    Parameters
    ----------
    src, dst : ndarray, shape (N, C, *spatial)
        float32 or float64; 1 to 3 spatial dims; any strides.
    start, size : list of ndarray of int64
        Per spatial axis, window start and length of every output index.
    vector_lanes : int
        0, or the SIMD width of PyTorch's 2-D channels-last kernel (spec §2.5).
    """
    cdef int nsp = src.ndim - 2, d, k
    if dst.size == 0:
        return
    cdef Py_ssize_t oshape[3]
    cdef Py_ssize_t sstr[3]
    cdef Py_ssize_t dstr[3]
    cdef const int64_t* sp_[3]
    cdef const int64_t* sz_[3]
    keep = []
    for k in range(3):
        d = k - (3 - nsp)
        if d < 0:
            a = np.zeros(1, np.int64)
            b = np.ones(1, np.int64)
            oshape[k] = 1
            sstr[k] = 0
            dstr[k] = 0
        else:
            a = np.ascontiguousarray(start[d], dtype=np.int64)
            b = np.ascontiguousarray(size[d], dtype=np.int64)
            oshape[k] = dst.shape[2 + d]
            sstr[k] = _byte_stride(src, 2 + d)
            dstr[k] = _byte_stride(dst, 2 + d)
        keep += [a, b]
        sp_[k] = <const int64_t*>cnp.PyArray_DATA(a)
        sz_[k] = <const int64_t*>cnp.PyArray_DATA(b)
    cdef Py_ssize_t N = src.shape[0], C = src.shape[1]
    cdef Py_ssize_t cv = C - C % vector_lanes if vector_lanes > 0 else 0
    cdef const char* s = <const char*>cnp.PyArray_DATA(src)
    cdef char* dp = <char*>cnp.PyArray_DATA(dst)
    cdef Py_ssize_t sN = _byte_stride(src, 0), sC = _byte_stride(src, 1)
    cdef Py_ssize_t dN = _byte_stride(dst, 0), dC = _byte_stride(dst, 1)
    if src.dtype == np.float32:
        with nogil:
            _area_rows(s, dp, N, C, oshape, sstr, dstr, sN, sC, dN, dC, sp_, sz_, cv, <float*>NULL, nthreads)
    elif src.dtype == np.float64:
        with nogil:
            _area_rows(s, dp, N, C, oshape, sstr, dstr, sN, sC, dN, dC, sp_, sz_, cv, <double*>NULL, nthreads)
    else:
        raise TypeError("area_pool: unsupported dtype %s" % src.dtype)
