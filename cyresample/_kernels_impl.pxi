# The body of every CPU-variant kernel module (_kernels_baseline, _kernels_avx2, ...):
# setup.py generates one tiny .pyx per instruction set that includes this file, and
# compiles each with that instruction set's flags. Floating-point contraction is off
# everywhere, so every variant gives the same bits (docs/design.md, "CPU dispatch").
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
from cython.parallel cimport prange, parallel, threadid
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memcmp
from libc.stdlib cimport malloc, free

import numpy as np
cimport numpy as cnp

cnp.import_array()

cdef extern from "cyr_dtypes.h" nogil:
    float cyr_half_to_float(uint16_t h)
    uint16_t cyr_float_to_half(float f)
    void cyr_floats_to_half(const float* s, uint16_t* d, int64_t n)
    void cyr_halfs_to_float(const uint16_t* s, float* d, int64_t n)
    void cyr_half_low_area_w2(const char* base, int64_t sd, int64_t sh, int64_t kd, int64_t kh,
                              uint16_t* d, int64_t n)
    float cyr_bf16_to_float(uint16_t h)
    uint16_t cyr_float_to_bf16(float f)
    int8_t cyr_rs_i8(double v)
    uint8_t cyr_rs_u8(double v)
    int16_t cyr_rs_i16(double v)
    uint16_t cyr_rs_u16(double v)
    int32_t cyr_rs_i32(double v)
    uint32_t cyr_rs_u32(double v)
    int64_t cyr_rs_i64(double v)
    uint64_t cyr_rs_u64(double v)
    uint8_t cyr_fixed_u8(int32_t acc, int shift)
    int64_t cyr_mean_round_i64(int64_t s, int64_t k)
    uint64_t cyr_mean_round_u64(uint64_t s, int64_t k)

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

cdef enum:
    GATHER_ROWS = 16        # output rows per gather work item
    PLANE_BLOCK_ROWS = 64   # output rows per work item of the planar product kernel
    AREA_CHUNK = 1024       # outputs (x channels) accumulated at once by an area row
    SHORT_LINE_BYTES = 256  # inner lines up to this size are handled inside a gathered row
    MAX_DIMS = 8
    BLOCK = 512      # inner elements per block of a streaming pass (fits L1 with a few taps)
    CL_POLY_MIN_PERIOD = 3  # float32 polyphase periods this long or longer run cyr_cl_poly_f32
    STREAM_MIN_LINE_BYTES = 4096  # contiguous output lines this long or longer may stream
    STREAM_BLOCK_BYTES = 4096     # the L1 block a streamed uint8 row leaves through ...
    STREAM_BLOCK_WORDS = 512      # ... in uint64 words
    T16_MIN_TAPS = 6       # float32 W tables this long (and not periodic) run 16 rows at a time ...
    T16_MAX_COLUMNS = 4096  # ... with at most this many source columns and outputs


cdef struct Loop:
    # A multi-dimensional loop over "rows": everything but the pass axis and the inner dim.
    int ndim
    Py_ssize_t shape[MAX_DIMS]
    Py_ssize_t sstride[MAX_DIMS]
    Py_ssize_t dstride[MAX_DIMS]
    bint stream  # write contiguous output lines with streaming stores (cyr_stream.h)


cdef struct PolyInfo:
    # The periodic interior of a pass table (AxisPlan.polyphase). pix: one period is one
    # channels-last pixel of P = 3 or 4 channels advancing two pixels (Q = 2P), every channel
    # with channel 0's taps (shifted by the channel) and weights (cyr_cl_down2_f32's form).
    Py_ssize_t P, K, Q, o_lo, M
    bint pix


cdef struct PassTable:
    # One pass's table (an AxisPlan's) as the fused kernels read it: (n_out, K) indices and
    # weights of the variant's weight type, the taps used per output, the fixed-point shift
    const int64_t* idx
    const void* w
    const int64_t* ntaps
    Py_ssize_t K
    int shift


cdef struct RowPass:
    # The W pass of a fused sweep: its table, its periodic interior (pi NULL: none), the
    # source columns of the 16-row kernel (tw > 0, float32 only) and the source row length
    PassTable t
    const PolyInfo* pi
    const int64_t* pbase
    const void* pw
    Py_ssize_t tw
    Py_ssize_t n_in
    # the periodic interior is the whole row (no border outputs, Q * M == n_in) and source
    # rows lie end to end: a band's rows are one row of M * rows periods (not for widened
    # rows, whose scratch holds one row)
    bint merge_rows


cdef extern from "cyr_stream.h" nogil:
    void cyr_stream_copy(char* d, const char* s, int64_t n)
    void cyr_stream_fence()


cdef extern from "cyr_clsimd.h" nogil:
    void cyr_product4_f32(const float* a, const float* b, const float* c, const float* d, float wa, float wb,
                          float wc, float wd, float* o)
    int64_t cyr_cl_down2_f32(const float* s, float* d, int64_t M, int C, const int64_t* b, const float* w,
                             int64_t K)
    int64_t cyr_cl_poly_f32(const float* s, float* d, int64_t M, int64_t P, int64_t Q, const int64_t* b,
                            const float* w, int64_t K)
    int64_t cyr_gather_elements_plan(const int64_t* off, int64_t L, int64_t esize, void* pos, int64_t* base,
                                     int64_t* span)
    void cyr_gather_lanes_row(const char* s, char* d, int64_t L, int64_t esize, const int64_t* off,
                              const int32_t* pos, const int64_t* base, const int64_t* span)
    void cyr_gather16_row(const char* s, char* d, int64_t L, const int64_t* off, const int16_t* pos,
                          const int64_t* base, const int64_t* span)


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
    lp.stream = False
    for k, (size, ss, ds) in enumerate(merged):
        lp.shape[k] = size
        lp.sstride[k] = ss
        lp.dstride[k] = ds
        rows *= size
    return rows


# ----------------------------------------------------------------------------------------------
# separable weighted pass (specialisations generated from _separable.pxi.tp)
# ----------------------------------------------------------------------------------------------
include "_separable.pxi"


cdef inline Py_ssize_t _byte_stride(cnp.ndarray a, int d):
    return cnp.PyArray_STRIDES(a)[d]


cdef inline bint _c_array_of(cnp.ndarray a, int typenum):
    # C-contiguous with elements of NumPy type number typenum (C-level checks: the kernel
    # entries run them on every call)
    return cnp.PyArray_TYPE(a) == typenum and cnp.PyArray_IS_C_CONTIGUOUS(a)


cdef cnp.dtype _INT64 = np.dtype(np.int64)
cdef cnp.dtype _INT32 = np.dtype(np.int32)


cdef inline cnp.ndarray _c_array(object a, cnp.dtype dt):
    # a C-contiguous array of dtype dt: a itself when it already is one
    if isinstance(a, cnp.ndarray) and _c_array_of(<cnp.ndarray>a, dt.type_num):
        return <cnp.ndarray>a
    return np.ascontiguousarray(a, dtype=dt)


cdef inline cnp.ndarray _c_int64(object a):
    return _c_array(a, _INT64)


cdef tuple _poly_table(PolyInfo* pi, tuple poly, cnp.dtype wdtype, Py_ssize_t n_in, Py_ssize_t n_out,
                       str who):
    """Check an ``AxisPlan.polyphase()`` table against the pass sizes and fill ``pi``.
    Returns the contiguous ``(base, weight)`` arrays the kernels read (keep them alive)."""
    cdef cnp.ndarray pbase, pw
    P, Q, o_lo, M, pb, pwt = poly
    pbase = _c_int64(pb)
    pw = _c_array(pwt, wdtype)
    if pbase.ndim != 2 or pbase.shape[0] != P or pw.shape[0] != P or pbase.shape[1] != pw.shape[1] or \
            not (0 <= o_lo and o_lo + P * M <= n_out and Q > 0 and M >= 0):
        raise ValueError("%s: inconsistent polyphase table" % who)
    # memory safety: the first and last periods stay inside the source axis (a typed loop:
    # numpy reductions would cost more than a whole small call)
    cdef const int64_t* b = <const int64_t*>cnp.PyArray_DATA(pbase)
    cdef Py_ssize_t j, nb = pbase.shape[0] * pbase.shape[1]
    cdef int64_t lo = 0, hi = 0
    if M > 0 and nb > 0:
        lo = hi = b[0]
        for j in range(1, nb):
            lo = min(lo, b[j])
            hi = max(hi, b[j])
        if lo < 0 or hi + Q * (M - 1) >= n_in:
            raise ValueError("%s: polyphase taps out of range" % who)
    pi.P = P
    pi.K = pbase.shape[1]
    pi.Q = Q
    pi.o_lo = o_lo
    pi.M = M
    pi.pix = _is_pixel_period(pi, b, <const char*>cnp.PyArray_DATA(pw), cnp.PyArray_ITEMSIZE(pw))
    return pbase, pw


cdef bint _is_pixel_period(const PolyInfo* pi, const int64_t* b, const char* w, Py_ssize_t wsize) noexcept:
    # PolyInfo.pix: taps b[f, k] = b[0, k] + f and weights w[f, k] equal to w[0, k] byte for byte
    cdef Py_ssize_t f, k
    if pi.P not in (3, 4) or pi.Q != 2 * pi.P:
        return False
    for f in range(1, pi.P):
        for k in range(pi.K):
            if b[f * pi.K + k] != b[k] + f:
                return False
        if memcmp(w + f * pi.K * wsize, w, pi.K * wsize) != 0:
            return False
    return True


def separable_pass(cnp.ndarray src, cnp.ndarray dst, int axis, cnp.ndarray index,
                   cnp.ndarray weight, cnp.ndarray ntaps, str variant, int shift, int nthreads,
                   object polyphase=None, Py_ssize_t index_max=-1, bint stream_out=False):
    """Resample ``src`` along ``axis`` into ``dst`` with a weighted-tap table.

    Parameters
    ----------
    src, dst : ndarray
        Same rank; equal shapes except along ``axis`` (``src.shape[axis] =
        n_in``, ``dst.shape[axis] = n_out``). Any strides; ``dst`` must not
        overlap ``src``.
    axis : int
        The resampled axis.
    index : ndarray of int64, shape (n_out, k)
        Source indices, each in ``[0, n_in)``.
    weight : ndarray, shape (n_out, k)
        Weights in the variant's weight type (opmath, or int32 fixed point).
    ntaps : ndarray of int64, shape (n_out,)
        Taps used per output, ``1 <= ntaps <= k``.
    variant : str
        ``"<src>_<dst>"`` dtype codes, a key of ``SEPARABLE_VARIANTS``.
    shift : int
        Fixed-point precision (``u8_u8`` only).
    nthreads : int
        OpenMP threads; 0 runs serially without starting a team (small work).
    polyphase : tuple, optional
        ``AxisPlan.polyphase()``: the periodic interior of the table, run by the
        vectorised row kernels when the pass axis is contiguous.
    index_max : int, optional
        The largest index the table uses (``AxisPlan.index_max``, which checked
        the table when it was built); when given, the table is not rescanned.
    stream_out : bool, optional
        Write contiguous output lines with streaming stores (for outputs too
        large for the caches; the values are the same).
    """
    cdef int nd = src.ndim, d, inner = -1
    if nthreads < 1:  # 0 = small work; these passes always run in a team (see _threads_for)
        nthreads = 1
    cdef PolyInfo pinfo
    cdef PolyInfo* pptr = NULL
    cdef cnp.ndarray pbase = None, pw = None
    cdef Loop lp
    cdef Py_ssize_t rows, n_out = dst.shape[axis], K = index.shape[1], n_in = src.shape[axis]
    cdef Py_ssize_t L = 1, sin_ = 0, din = 0
    cdef Py_ssize_t best
    info = (<dict>SEPARABLE_VARIANTS).get(variant)
    if info is None:
        raise ValueError("separable_pass: unknown variant %r" % (variant,))
    if cnp.PyArray_ITEMSIZE(src) != info[0] or cnp.PyArray_ITEMSIZE(dst) != info[1] or \
            cnp.PyArray_TYPE(weight) != info[3]:
        raise TypeError("separable_pass: arrays do not match variant %r" % (variant,))
    if src.ndim != dst.ndim or not (0 <= axis < nd):
        raise ValueError("separable_pass: bad rank or axis")
    for d in range(nd):
        if d != axis and src.shape[d] != dst.shape[d]:
            raise ValueError("separable_pass: shapes differ outside the pass axis")
    if not (_c_array_of(index, cnp.NPY_INT64) and _c_array_of(ntaps, cnp.NPY_INT64) and
            cnp.PyArray_IS_C_CONTIGUOUS(weight)) or index.ndim != 2 or weight.ndim != 2 or ntaps.ndim != 1:
        raise TypeError("separable_pass: tables must be C-contiguous int64/weight arrays")
    if index.shape[0] != n_out or ntaps.shape[0] != n_out or weight.shape[0] != n_out or \
            weight.shape[1] != K:
        raise ValueError("separable_pass: table rows do not match the output length")
    if n_out == 0 or dst.size == 0:
        return
    # memory safety: every tap that will be read must lie inside the source axis
    if index_max < 0:
        if ntaps.min() < 0 or ntaps.max() > K:
            raise ValueError("separable_pass: ntaps out of range")
        used = np.arange(K)[None, :] < ntaps[:, None]
        if index[used].size and index[used].min() < 0:
            raise ValueError("separable_pass: source index out of range")
        index_max = index[used].max() if index[used].size else 0
    if index_max >= n_in:
        raise ValueError("separable_pass: source index out of range")
    # inner line: the non-axis dim with the smallest source stride, if it beats the axis itself,
    # extended by every dim that continues it contiguously in both arrays (so that a
    # channels-last H pass streams over W*C elements)
    best = abs(_byte_stride(src, axis))
    for d in range(nd):
        if d != axis and src.shape[d] > 1 and abs(_byte_stride(src, d)) < best:
            best = abs(_byte_stride(src, d))
            inner = d
    merged = {inner}
    if inner >= 0:
        L = src.shape[inner]
        sin_ = _byte_stride(src, inner)
        din = _byte_stride(dst, inner)
        grown = True
        while grown:
            grown = False
            for d in range(nd):
                if d != axis and d not in merged and src.shape[d] > 1 and \
                        _byte_stride(src, d) == L * sin_ and _byte_stride(dst, d) == L * din:
                    L *= src.shape[d]
                    merged.add(d)
                    grown = True
    dims = []
    for d in range(nd):
        if d != axis and d not in merged:
            dims.append((src.shape[d], _byte_stride(src, d), _byte_stride(dst, d)))
    rows = _make_loop(&lp, dims)
    lp.stream = stream_out
    if polyphase is not None and inner < 0:
        pbase, pw = _poly_table(&pinfo, polyphase, weight.descr, n_in, n_out, "separable_pass")
        pptr = &pinfo
    _run_separable_variant(variant, <const char*>cnp.PyArray_DATA(src), <char*>cnp.PyArray_DATA(dst),
                           &lp, rows, n_out, _byte_stride(src, axis), _byte_stride(dst, axis), inner,
                           L, sin_, din, <const int64_t*>cnp.PyArray_DATA(index),
                           <const void*>cnp.PyArray_DATA(weight), <const int64_t*>cnp.PyArray_DATA(ntaps),
                           K, shift, pptr,
                           <const int64_t*>cnp.PyArray_DATA(pbase) if pbase is not None else NULL,
                           <const void*>cnp.PyArray_DATA(pw) if pw is not None else NULL, nthreads)


def fused_bands(cnp.ndarray index_h, cnp.ndarray ntaps_h, Py_ssize_t band_rows):
    """Per band of ``band_rows`` output rows: the input row range ``[lo, hi)`` its H taps
    read. Returns ``(lo, hi, max_rows)``."""
    n_out = index_h.shape[0]
    K = index_h.shape[1]
    used = np.arange(K)[None, :] < ntaps_h[:, None]
    big = np.iinfo(np.int64).max
    row_lo = np.where(used, index_h, big).min(1)
    row_hi = np.where(used, index_h, -1).max(1) + 1
    nb = (n_out + band_rows - 1) // band_rows
    pad = nb * band_rows - n_out
    lo = np.concatenate([row_lo, np.full(pad, big)]).reshape(nb, band_rows).min(1).astype(np.int64)
    hi = np.concatenate([row_hi, np.full(pad, -1)]).reshape(nb, band_rows).max(1).astype(np.int64)
    return lo, hi, int((hi - lo).max()) if nb else 0


def fused3_applies(cnp.ndarray index, cnp.ndarray ntaps, Py_ssize_t n_in=-1):
    """Whether a D table can run fused (:func:`fused_passes` with ``pass_d``): the taps of
    every output span fewer inputs than the table has columns, so that slots ``d % K`` of a
    ring of K planes never hold two of one output's taps; and, given ``n_in``, every tap
    lies below it."""
    index = np.ascontiguousarray(index, dtype=np.int64)
    ntaps = np.ascontiguousarray(ntaps, dtype=np.int64)
    cdef const int64_t* ip = <const int64_t*>cnp.PyArray_DATA(index)
    cdef const int64_t* np_ = <const int64_t*>cnp.PyArray_DATA(ntaps)
    cdef Py_ssize_t K = index.shape[1], n = index.shape[0], o, k
    cdef int64_t lo, hi
    if ntaps.shape[0] != n:
        return False
    for o in range(n):
        if np_[o] < 0 or np_[o] > K:
            return False
        if np_[o] == 0:
            continue
        lo = hi = ip[o * K]
        for k in range(1, np_[o]):
            lo = min(lo, ip[o * K + k])
            hi = max(hi, ip[o * K + k])
        if lo < 0 or hi - lo >= K or (n_in >= 0 and hi >= n_in):
            return False
    return True


def fused_passes(cnp.ndarray src, cnp.ndarray dst, tuple pass_w, tuple pass_h, str variant_w,
                  str variant_h, tuple bands, Py_ssize_t band_rows, int nthreads, bint stream_out=False,
                  tuple pass_d=None, str variant_d=None):
    """The W pass and then the H pass in one sweep over bands of output rows; with
    ``pass_d``, then the D pass too, one output depth slice at a time.

    Parameters
    ----------
    src, dst : ndarray
        Rank >= 3; the last two axes are H and W. ``src``'s W axis must be
        contiguous. ``dst`` has the output H and W sizes, any strides.
    pass_w, pass_h : tuple
        ``(index, weight, ntaps, shift, polyphase, index_max)`` of each axis
        (``AxisPlan`` tables; polyphase may be None and is ignored for H).
    variant_w, variant_h : str
        Separable variants of the two passes (a key of ``FUSED_PAIRS``); the W
        pass's destination type is the buffer type.
    bands : tuple
        :func:`fused_bands` of the H table.
    band_rows, nthreads : int
        Output rows per band; OpenMP threads (0: serially).
    stream_out : bool, optional
        Write contiguous output rows with streaming stores (as in
        :func:`separable_pass`).
    pass_d : tuple, optional
        ``(index, weight, ntaps, shift, None, index_max)`` of the D axis (the
        third from last, rank >= 4), whose taps for one output span fewer than
        ``index.shape[1]`` inputs (:func:`fused3_applies`). Each output depth
        slice combines the W+H planes of its input slices, kept per thread in
        a ring of ``index.shape[1]`` planes: no intermediate volume.
    variant_d : str, optional
        The D pass's variant, from the W+H buffer type to ``dst``'s (a key of
        ``FUSED_TRIPLES`` with ``variant_w``).
    """
    cdef int nd = src.ndim, d
    cdef Loop lp
    cdef PolyInfo pinfo
    if nthreads < 1:  # 0 = small work; these passes always run in a team (see _threads_for)
        nthreads = 1
    cdef PolyInfo* pptr = NULL
    if (variant_w, variant_h) not in FUSED_PAIRS:
        raise ValueError("fused_passes: no kernel for %s then %s" % (variant_w, variant_h))
    info_w = (<dict>SEPARABLE_VARIANTS)[variant_w]
    info_h = (<dict>SEPARABLE_VARIANTS)[variant_h]
    # (typed: their checks below run in C, on every call)
    cdef cnp.ndarray idx_w, w_w, nt_w, idx_h, w_h, nt_h, idx_d, w_d, nt_d
    idx_w, w_w, nt_w, shift_w, poly, max_w = pass_w
    idx_h, w_h, nt_h, shift_h, _, max_h = pass_h
    cdef int spatial = 2 if pass_d is None else 3
    cdef Py_ssize_t dst_itemsize = info_h[1]
    if pass_d is not None:
        if (variant_w, variant_h, variant_d) not in FUSED_TRIPLES:
            raise ValueError("fused_passes: no kernel for %s, %s then %s" % (variant_w, variant_h, variant_d))
        info_d = (<dict>SEPARABLE_VARIANTS)[variant_d]
        idx_d, w_d, nt_d, shift_d, _, max_d = pass_d
        dst_itemsize = info_d[1]
        if cnp.PyArray_TYPE(w_d) != info_d[3]:
            raise TypeError("fused_passes: arrays do not match the variants")
    if nd < spatial + 1 or dst.ndim != nd or cnp.PyArray_ITEMSIZE(src) != info_w[0] or \
            cnp.PyArray_ITEMSIZE(dst) != dst_itemsize or \
            cnp.PyArray_TYPE(w_w) != info_w[3] or cnp.PyArray_TYPE(w_h) != info_h[3] or idx_w.ndim != 2 or \
            idx_h.ndim != 2 or w_w.ndim != 2 or w_h.ndim != 2 or nt_w.ndim != 1 or nt_h.ndim != 1:
        raise TypeError("fused_passes: arrays do not match the variants")
    cdef Py_ssize_t OW = dst.shape[nd - 1], OH = dst.shape[nd - 2]
    if idx_w.shape[0] != OW or idx_h.shape[0] != OH or nt_w.shape[0] != OW or nt_h.shape[0] != OH:
        raise ValueError("fused_passes: tables do not match the output")
    for d in range(nd - spatial):
        if src.shape[d] != dst.shape[d]:
            raise ValueError("fused_passes: shapes differ outside the passes' axes")
    cdef Py_ssize_t OD = 0, R = 0
    if pass_d is not None:
        OD = dst.shape[nd - 3]
        if idx_d.shape[0] != OD or nt_d.shape[0] != OD:
            raise ValueError("fused_passes: tables do not match the output")
        # memory safety (every used tap, not only index_max: a cheap loop over OD rows) and
        # the ring's one-slot-per-tap condition
        if max_d >= src.shape[nd - 3] or idx_d.ndim != 2 or w_d.ndim != 2 or nt_d.ndim != 1 or \
                not (_c_array_of(idx_d, cnp.NPY_INT64) and _c_array_of(nt_d, cnp.NPY_INT64) and
                     cnp.PyArray_IS_C_CONTIGUOUS(w_d)) or \
                not fused3_applies(idx_d, nt_d, src.shape[nd - 3]):
            raise ValueError("fused_passes: D table out of range")
        R = idx_d.shape[1]
    if _byte_stride(src, nd - 1) != cnp.PyArray_ITEMSIZE(src):
        raise ValueError("fused_passes: the source rows must be contiguous")
    # memory safety: tables were checked when their AxisPlan was built; check the sizes
    if max_w >= src.shape[nd - 1] or max_h >= src.shape[nd - 2] or \
            not (_c_array_of(idx_w, cnp.NPY_INT64) and _c_array_of(idx_h, cnp.NPY_INT64) and
                 _c_array_of(nt_w, cnp.NPY_INT64) and _c_array_of(nt_h, cnp.NPY_INT64) and
                 cnp.PyArray_IS_C_CONTIGUOUS(w_w) and cnp.PyArray_IS_C_CONTIGUOUS(w_h)):
        raise ValueError("fused_passes: tables out of range")
    lo, hi, max_rows = bands
    if dst.size == 0:
        return
    dims = [(src.shape[d], _byte_stride(src, d), _byte_stride(dst, d)) for d in range(nd - spatial)]
    cdef Py_ssize_t planes = _make_loop(&lp, dims)
    lp.stream = stream_out
    cdef cnp.ndarray pbase = None, pw = None
    if poly is not None:
        pbase, pw = _poly_table(&pinfo, poly, w_w.descr, src.shape[nd - 1], OW, "fused_passes")
        pptr = &pinfo
    cdef cnp.ndarray lo_a = _c_int64(lo), hi_a = _c_int64(hi)
    # float32 W tables without a periodic interior and with long windows (antialias at
    # arbitrary factors): 16 rows at a time, one per vector lane, over the source columns
    # up to the largest index (a per-thread scratch of 16 floats per source column and
    # per output, so both are bounded)
    cdef Py_ssize_t tw = 0
    if variant_w == "f32_f32" and poly is None and idx_w.shape[1] >= T16_MIN_TAPS and \
            max_w + 1 <= T16_MAX_COLUMNS and OW <= T16_MAX_COLUMNS:
        tw = max_w + 1
    cdef RowPass rw
    cdef PassTable th, td
    rw.t = _pass_table(idx_w, w_w, nt_w, shift_w)
    rw.pi = pptr
    rw.pbase = <const int64_t*>cnp.PyArray_DATA(pbase) if pbase is not None else NULL
    rw.pw = <const void*>cnp.PyArray_DATA(pw) if pw is not None else NULL
    rw.tw = tw
    rw.n_in = src.shape[nd - 1]
    rw.merge_rows = pptr != NULL and pinfo.o_lo == 0 and pinfo.P * pinfo.M == OW and \
        pinfo.Q * pinfo.M == rw.n_in and _byte_stride(src, nd - 2) == rw.n_in * cnp.PyArray_ITEMSIZE(src) and tw == 0
    th = _pass_table(idx_h, w_h, nt_h, shift_h)
    if pass_d is not None:
        td = _pass_table(idx_d, w_d, nt_d, shift_d)
        _run_fused3(variant_w, variant_d, <const char*>cnp.PyArray_DATA(src), <char*>cnp.PyArray_DATA(dst),
                    &lp, planes, src.shape[nd - 3], OD, _byte_stride(src, nd - 3), _byte_stride(dst, nd - 3),
                    lo_a.shape[0], band_rows, OH, OW, _byte_stride(src, nd - 2),
                    _byte_stride(dst, nd - 2), _byte_stride(dst, nd - 1),
                    <const int64_t*>cnp.PyArray_DATA(lo_a), <const int64_t*>cnp.PyArray_DATA(hi_a), max_rows, R,
                    &rw, &th, &td, nthreads)
        return
    _run_fused_pair(variant_w, variant_h, <const char*>cnp.PyArray_DATA(src), <char*>cnp.PyArray_DATA(dst),
                    &lp, planes, lo_a.shape[0], band_rows, OH, OW, _byte_stride(src, nd - 2),
                    _byte_stride(dst, nd - 2), _byte_stride(dst, nd - 1),
                    <const int64_t*>cnp.PyArray_DATA(lo_a), <const int64_t*>cnp.PyArray_DATA(hi_a), max_rows,
                    &rw, &th, nthreads)


cdef PassTable _pass_table(cnp.ndarray idx, cnp.ndarray w, cnp.ndarray ntaps, int shift):
    # the kernels' view of a checked (C-contiguous, int64-indexed) table
    cdef PassTable t
    t.idx = <const int64_t*>cnp.PyArray_DATA(idx)
    t.w = <const void*>cnp.PyArray_DATA(w)
    t.ntaps = <const int64_t*>cnp.PyArray_DATA(ntaps)
    t.K = idx.shape[1]
    t.shift = shift
    return t


# ----------------------------------------------------------------------------------------------
# uint8 fixed point, W then H over bands (spec §2.7): SIMD window kernels of cyr_u8simd.h
# ----------------------------------------------------------------------------------------------
cdef extern from "cyr_u8simd.h" nogil:
    int CYR_U8_ROW_LANES
    void cyr_u8_hrow_c1(const uint8_t* s, uint8_t* d, int64_t n_in, int64_t n_out, const int64_t* xmin,
                        const int64_t* xsize, const int16_t* w, int64_t Kp, int shift)
    void cyr_u8_hrow_px(const uint8_t* s, uint8_t* d, int64_t n_in, int C, int64_t n_out,
                        const int64_t* xmin, const int64_t* xsize, const int16_t* w, int64_t Kp, int shift)
    void cyr_u8_hrow_px_rows(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows, int64_t n_in,
                             int C, int64_t n_out, const int64_t* xmin, const int64_t* xsize, const int16_t* w,
                             int64_t Kp, int shift)
    void cyr_u8_hrow_px_pairs(const uint8_t* s, uint8_t* d, int64_t n_in, int C, int64_t n_out,
                              const int64_t* xmin, const int64_t* xsize, const int16_t* w, int64_t Kp, int shift,
                              const int32_t* wpk, int64_t npairs)
    void cyr_u8_vline(const uint8_t* s0, int64_t rs, uint8_t* d, int64_t L, const int16_t* w, int64_t n,
                      int shift, int vnni)
    int cyr_u8_vnni_ok()
    void cyr_u8_poly2(const uint8_t* s, uint8_t* d, int64_t M, const int64_t* b, const int32_t* w, int64_t K,
                      int shift)
    int cyr_u8_poly2_s8_ok(const int32_t* w, int64_t K, int shift)
    int cyr_u8_poly2_px_ok(const int32_t* w, int64_t K, int shift)
    int64_t cyr_u8_poly2_px(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows, int64_t M, int C,
                            const int64_t* b, const int32_t* w, int64_t K, int shift)
    int cyr_u8_lanes_ok()
    void cyr_u8_hrow_lanes(const uint8_t* s, int64_t ss, uint8_t* d, int64_t ds, int64_t nrows, int64_t row_bytes,
                           int64_t ngroups, const int64_t* grp, const uint8_t* idx, const int16_t* wt,
                           int64_t npairs, int C, int shift, int form)


#: Image rows per register in the interleaved-row kernel for long windows (4 with AVX-512).
U8_ROW_LANES = CYR_U8_ROW_LANES

#: Whether channels-last uint8 up2 rows with int8-reducible weights have their polyphase
#: kernel here (AVX-512 VBMI; bilinear x2 weights reduce, bicubic ones do not).
U8_CL_POLY2 = bool(cyr_u8_poly2_px_ok(NULL, 0, 1))

#: Whether the byte-lane gather W kernel (``cyr_u8_hrow_lanes``, AVX-512 VBMI) runs here.
U8_LANES = bool(cyr_u8_lanes_ok())

# its instruction form (1: pmaddwd + paddd, 2: vpdpwssd, AVX-512 VNNI): see u8_lanes_form
cdef int _u8_lanes_form = cyr_u8_lanes_ok()


def u8_lanes_form(form=None):
    """The instruction form of the byte-lane gather W kernel: 0 (this CPU has no AVX-512
    VBMI), 1 (pmaddwd + paddd) or 2 (vpdpwssd, AVX-512 VNNI; the default where the CPU has
    it). ``form`` sets it, capped at what this CPU runs, so that the forms can be compared
    (they give the same numbers: exact integer sums). Returns the form in force."""
    global _u8_lanes_form
    if form is not None:
        if form not in (1, 2):
            raise ValueError("u8_lanes_form: form must be 1 or 2")
        _u8_lanes_form = min(int(form), cyr_u8_lanes_ok())
    return _u8_lanes_form


# whether cyr_u8_vline sums with vpdpwssd (AVX-512 VNNI): see u8_vline_vnni
cdef int _u8_vline_vnni = cyr_u8_vnni_ok()


def u8_vline_vnni(on=None):
    """Whether the uint8 H-pass line kernel adds its pmaddwd products with vpdpwssd (AVX-512
    VNNI; the default where the CPU has it) rather than pmaddwd + paddd. ``on`` sets it,
    capped at what this CPU runs, so that the forms can be compared (they give the same
    numbers: exact integer sums). Returns the setting in force."""
    global _u8_vline_vnni
    if on is not None:
        _u8_vline_vnni = int(bool(on) and cyr_u8_vnni_ok())
    return bool(_u8_vline_vnni)


cdef struct U8Win:
    const int64_t* xmin
    const int64_t* xsize
    const int16_t* w
    Py_ssize_t kp
    int shift
    const int32_t* pairs  # cyr_u8_hrow_px_pairs weights (NULL: the row-pair kernel)
    Py_ssize_t npairs
    bint poly2  # a polyphase interior that cyr_u8_poly2 (planar) or cyr_u8_poly2_px computes
    const int64_t* lane_grp  # cyr_u8_hrow_lanes tables (NULL: not this kernel)
    const uint8_t* lane_idx
    const int16_t* lane_wt
    Py_ssize_t lane_groups, lane_pairs
    int lane_form


cdef inline void _u8_hrows(const uint8_t* s, Py_ssize_t ss, uint8_t* d, Py_ssize_t ds, Py_ssize_t nrows,
                           Py_ssize_t IW, Py_ssize_t OW, int C, const U8Win* ww, const int64_t* idx_w,
                           const int32_t* w_w, Py_ssize_t Kw, const PolyInfo* pi, const int64_t* pbase,
                           const int32_t* pw) noexcept nogil:
    # The W pass of nrows rows s + r * ss -> d + r * ds.
    cdef Py_ssize_t r, o
    if ww.lane_grp != NULL:  # any C, any window: byte-lane gathers (VBMI)
        cyr_u8_hrow_lanes(s, ss, d, ds, nrows, IW * C, ww.lane_groups, ww.lane_grp, ww.lane_idx, ww.lane_wt,
                          ww.lane_pairs, C, ww.shift, ww.lane_form)
    elif C != 1 and pi != NULL and ww.poly2 and pi.M > 0:  # RGB/RGBA up2: SIMD interior, pixel kernel borders
        o = pi.o_lo + 2 * cyr_u8_poly2_px(s, ss, d + pi.o_lo * C, ds, nrows, pi.M, C, pbase, pw, pi.K, ww.shift)
        for r in range(nrows):
            cyr_u8_hrow_px(s + r * ss, d + r * ds, IW, C, pi.o_lo, ww.xmin, ww.xsize, ww.w, ww.kp, ww.shift)
            cyr_u8_hrow_px(s + r * ss, d + r * ds + o * C, IW, C, OW - o, ww.xmin + o, ww.xsize + o,
                           ww.w + o * ww.kp, ww.kp, ww.shift)
    elif C != 1 and ww.pairs != NULL:
        for r in range(nrows):
            cyr_u8_hrow_px_pairs(s + r * ss, d + r * ds, IW, C, OW, ww.xmin, ww.xsize, ww.w, ww.kp, ww.shift,
                                 ww.pairs, ww.npairs)
    elif C != 1:
        cyr_u8_hrow_px_rows(s, ss, d, ds, nrows, IW, C, OW, ww.xmin, ww.xsize, ww.w, ww.kp, ww.shift)
    elif pi != NULL and ww.poly2 and pi.M > 0:  # two phases, one pixel apart: SIMD interior, table borders
        for r in range(nrows):
            cyr_u8_poly2(s + r * ss, d + r * ds + pi.o_lo, pi.M, pbase, pw, pi.K, ww.shift)
            _row_table_u8_u8(s + r * ss, d + r * ds, 0, pi.o_lo, idx_w, w_w, ww.xsize, Kw, ww.shift)
            _row_table_u8_u8(s + r * ss, d + r * ds, pi.o_lo + 2 * pi.M, OW, idx_w, w_w, ww.xsize, Kw, ww.shift)
    elif pi != NULL:  # planar rows with a short periodic table: the polyphase row kernel
        for r in range(nrows):
            _row_typed_u8_u8(s + r * ss, d + r * ds, OW, idx_w, w_w, ww.xsize, Kw, ww.shift, pi, pbase, pw)
    else:
        for r in range(nrows):
            cyr_u8_hrow_c1(s + r * ss, d + r * ds, IW, OW, ww.xmin, ww.xsize, ww.w, ww.kp, ww.shift)


cdef inline void _u8_vline_to(const uint8_t* s0, int64_t rs, uint8_t* d, int64_t L, const int16_t* w,
                              int64_t n, int shift, bint stream) noexcept nogil:
    # cyr_u8_vline; stream: block by block into an L1 buffer that leaves through streaming
    # stores (cyr_stream.h)
    cdef uint64_t tmp64[STREAM_BLOCK_WORDS]
    cdef int64_t j0 = 0, m
    if not stream:
        cyr_u8_vline(s0, rs, d, L, w, n, shift, _u8_vline_vnni)
        return
    while j0 < L:
        m = min(<int64_t>STREAM_BLOCK_BYTES, L - j0)
        cyr_u8_vline(s0 + j0, rs, <uint8_t*>tmp64, m, w, n, shift, _u8_vline_vnni)
        cyr_stream_copy(<char*>d + j0, <const char*>tmp64, m)
        j0 += m


cdef inline void _u8_band(const char* src, char* dst, const Loop* lp, Py_ssize_t q, Py_ssize_t nb,
                          Py_ssize_t BH, Py_ssize_t OH, Py_ssize_t IW, Py_ssize_t OW, int C, Py_ssize_t sH,
                          Py_ssize_t dH, const int64_t* band_lo, const int64_t* band_hi, uint8_t* buf,
                          const U8Win* ww, const U8Win* wh, const int64_t* idx_w, const int32_t* w_w,
                          Py_ssize_t Kw, const PolyInfo* pi, const int64_t* pbase,
                          const int32_t* pw) noexcept nogil:
    # One band of output rows of one plane: the W pass of the input rows the band's H taps
    # read into the thread's buffer, then the H pass of each output row from the buffer.
    # wh == NULL: H keeps its size (skipped, spec §2.6): the W pass writes the band's rows.
    # ww == NULL: W keeps its size: the H pass reads the source rows.
    cdef Py_ssize_t plane = q // nb, b = q - (q // nb) * nb, lo, hi, oh, soff, doff
    cdef Py_ssize_t row = OW * C
    cdef bint stream = lp.stream and row >= STREAM_MIN_LINE_BYTES
    _row_offsets(lp, plane, &soff, &doff)
    if ww == NULL:
        for oh in range(b * BH, min(OH, (b + 1) * BH)):
            _u8_vline_to(<const uint8_t*>(src + soff + wh.xmin[oh] * sH), sH, <uint8_t*>(dst + doff + oh * dH), row,
                         wh.w + oh * wh.kp, wh.xsize[oh], wh.shift, stream)
        return
    if wh == NULL:
        lo = b * BH
        hi = min(OH, lo + BH)
        _u8_hrows(<const uint8_t*>(src + soff + lo * sH), sH, <uint8_t*>(dst + doff + lo * dH), dH, hi - lo,
                  IW, OW, C, ww, idx_w, w_w, Kw, pi, pbase, pw)
        return
    lo = band_lo[b]
    hi = band_hi[b]
    _u8_hrows(<const uint8_t*>(src + soff + lo * sH), sH, buf, row, hi - lo, IW, OW, C, ww, idx_w, w_w, Kw, pi,
              pbase, pw)
    for oh in range(b * BH, min(OH, (b + 1) * BH)):
        _u8_vline_to(buf + (wh.xmin[oh] - lo) * row, row, <uint8_t*>(dst + doff + oh * dH), row,
                     wh.w + oh * wh.kp, wh.xsize[oh], wh.shift, stream)


cdef int _u8_run(const char* src, char* dst, const Loop* lp, Py_ssize_t planes, Py_ssize_t nb, Py_ssize_t BH,
                 Py_ssize_t OH, Py_ssize_t IW, Py_ssize_t OW, int C, Py_ssize_t sH, Py_ssize_t dH,
                 const int64_t* band_lo, const int64_t* band_hi, Py_ssize_t max_rows, const U8Win* ww,
                 const U8Win* wh, const int64_t* idx_w, const int32_t* w_w, Py_ssize_t Kw, const PolyInfo* pi,
                 const int64_t* pbase, const int32_t* pw, int nthreads) noexcept nogil:
    cdef Py_ssize_t q, per = max_rows * OW * C
    cdef uint8_t* bufs = <uint8_t*>malloc(nthreads * per + 64)
    if bufs == NULL:
        return 1
    with parallel(num_threads=nthreads):
        for q in prange(planes * nb, schedule="static"):
            _u8_band(src, dst, lp, q, nb, BH, OH, IW, OW, C, sH, dH, band_lo, band_hi, bufs + threadid() * per,
                     ww, wh, idx_w, w_w, Kw, pi, pbase, pw)
        if lp.stream:
            cyr_stream_fence()
    free(bufs)
    return 0


cdef bint _windows_inside(const int64_t* xmin, const int64_t* xsize, Py_ssize_t n, Py_ssize_t kp,
                          Py_ssize_t n_in) noexcept nogil:
    # every window [xmin, xmin + xsize) has 1..kp taps and lies inside [0, n_in)
    cdef Py_ssize_t o
    for o in range(n):
        if xmin[o] < 0 or xsize[o] < 1 or xsize[o] > kp or xmin[o] + xsize[o] > n_in:
            return False
    return True


cdef bint _bands_inside(const int64_t* lo, const int64_t* hi, Py_ssize_t nb, Py_ssize_t max_rows, Py_ssize_t IH,
                        const int64_t* xmin, const int64_t* xsize, Py_ssize_t OH,
                        Py_ssize_t band_rows) noexcept nogil:
    # each band's rows [lo, hi) lie in the source, fit the buffer, and hold every H window
    # of the band's output rows
    cdef Py_ssize_t b, oh
    for b in range(nb):
        if lo[b] < 0 or hi[b] > IH or hi[b] - lo[b] > max_rows:
            return False
    for oh in range(OH):
        b = oh // band_rows
        if xmin[oh] < lo[b] or xmin[oh] + xsize[oh] > hi[b]:
            return False
    return True


cdef int _u8_window(U8Win* uw, tuple win, int shift, Py_ssize_t n_in, Py_ssize_t n_out) except -1:
    # (typed arrays and C-level checks: this runs twice on every call)
    cdef cnp.ndarray xmin, xsize, w16
    cdef Py_ssize_t kp
    if len(win) != 4:
        raise ValueError("u8_fused_2d: malformed window table")
    xmin, xsize, w16, kp = win
    if cnp.PyArray_TYPE(xmin) != cnp.NPY_INT64 or cnp.PyArray_TYPE(xsize) != cnp.NPY_INT64 or \
            cnp.PyArray_TYPE(w16) != cnp.NPY_INT16 or kp % 8 or xmin.ndim != 1 or xsize.ndim != 1 or \
            w16.ndim != 2 or xmin.shape[0] != n_out or xsize.shape[0] != n_out or w16.shape[0] != n_out or \
            w16.shape[1] != kp or not (cnp.PyArray_IS_C_CONTIGUOUS(xmin) and cnp.PyArray_IS_C_CONTIGUOUS(xsize)
                                        and cnp.PyArray_IS_C_CONTIGUOUS(w16)) or not (1 <= shift <= 30):
        raise ValueError("u8_fused_2d: malformed window table")
    # memory safety: every window lies inside the source axis (a C loop: this runs per call)
    if not _windows_inside(<const int64_t*>cnp.PyArray_DATA(xmin), <const int64_t*>cnp.PyArray_DATA(xsize),
                           n_out, kp, n_in):
        raise ValueError("u8_fused_2d: window out of range")
    uw.xmin = <const int64_t*>cnp.PyArray_DATA(xmin)
    uw.xsize = <const int64_t*>cnp.PyArray_DATA(xsize)
    uw.w = <const int16_t*>cnp.PyArray_DATA(w16)
    uw.kp = kp
    uw.shift = shift
    uw.pairs = NULL
    uw.npairs = 0
    uw.poly2 = False
    uw.lane_grp = NULL
    return 0


cdef bint _is_poly2(const PolyInfo* pi, const int64_t* b, const int32_t* w) noexcept:
    # cyr_u8_poly2's form: two phases one pixel apart, consecutive taps, int16 weights
    cdef Py_ssize_t f, k
    if pi.P != 2 or pi.Q != 1:
        return False
    for f in range(2):
        for k in range(pi.K):
            if b[f * pi.K + k] != b[f * pi.K] + k or not (-32768 <= w[f * pi.K + k] <= 32767):
                return False
    return True


def u8_poly2_applies(tuple poly, int shift, Py_ssize_t n_in, Py_ssize_t n_out, int channels):
    """Whether the two-phase up2 W kernels take a W table in their int16 form: ``poly``
    (``AxisPlan.polyphase()`` of a fixed-point table with precision ``shift``) has two
    phases one pixel apart with consecutive taps and both phases' weights reduce to int8
    (bilinear x2 weights do, bicubic ones do not). Planar rows (``channels`` 1) then run
    ``cyr_u8_poly2``; interleaved RGB/RGBA rows (3, 4) run ``cyr_u8_poly2_px``, which also
    needs AVX-512 VBMI on this CPU. Decided once per prepared call."""
    cdef PolyInfo pinfo
    pbase, pw = _poly_table(&pinfo, poly, _INT32, n_in, n_out, "u8_poly2_applies")
    cdef const int32_t* w = <const int32_t*>cnp.PyArray_DATA(pw)
    if channels not in (1, 3, 4) or pinfo.M == 0 or not _is_poly2(&pinfo, <const int64_t*>cnp.PyArray_DATA(pbase), w):
        return False
    if channels == 1:
        return bool(cyr_u8_poly2_s8_ok(w, pinfo.K, shift))
    return bool(cyr_u8_poly2_px_ok(w, pinfo.K, shift))


cdef bint _lane_groups_inside(const int64_t* grp, Py_ssize_t ng, Py_ssize_t out_bytes,
                              Py_ssize_t in_bytes) noexcept:
    # memory safety of cyr_u8_hrow_lanes: every group writes 1..16 bytes inside the output
    # row, and its (masked) loads start inside the source row
    cdef Py_ssize_t g
    for g in range(ng):
        if grp[3 * g + 1] < 1 or grp[3 * g + 1] > 16 or grp[3 * g] < 0 or \
                grp[3 * g] + grp[3 * g + 1] > out_bytes or grp[3 * g + 2] < 0 or grp[3 * g + 2] >= in_bytes:
            return False
    return True


def u8_lane_table(tuple win, int channels, Py_ssize_t n_in):
    """The tables of the byte-lane gather W kernel (``cyr_u8_hrow_lanes``) for ``win``
    (``AxisPlan.u8_windows()``) on rows of ``n_in`` pixels of ``channels`` interleaved
    bytes: the same int16 weights (spec §2.7), so the same numbers as every u8 kernel.

    Returns ``(groups, idx, wt, npairs)``, or None when one output byte's taps span more
    than the kernel's 128-byte window. Output bytes are grouped greedily, at most 16 to a
    group, while the group's taps stay inside 128 bytes: ``groups`` (int64, 3 per group:
    first output byte, byte count, source byte offset), ``idx`` (uint8, 64 per group: each
    lane's tap-0 and tap-1 positions in its window at bytes ``4 l`` and ``4 l + 2``) and
    ``wt`` (int16, ``32 * npairs`` per group: lane ``l``'s weights of taps ``2 p`` and
    ``2 p + 1`` at ``32 p + 2 l``).
    """
    xmin_a, xsize_a, w16_a, kp = win
    cdef const int64_t[::1] xmin = xmin_a
    cdef const int64_t[::1] xsize = xsize_a
    cdef const int16_t[:, ::1] w16 = w16_a
    cdef Py_ssize_t C = channels, nbytes = xmin.shape[0] * C, maxk = int(xsize_a.max()) if nbytes else 1
    cdef Py_ssize_t npairs = (maxk + 1) // 2, j0, n, l, o, p, t, k, lo, hi, first, last, ng = 0
    if channels < 1 or maxk < 1 or (maxk - 1) * C + 1 > 128 or w16.shape[1] < maxk:
        return None
    groups_a = np.zeros((nbytes, 3), np.int64)
    cdef int64_t[:, ::1] groups = groups_a
    j0 = 0
    while j0 < nbytes:
        lo = xmin[j0 // C] * C + j0 % C
        hi = (xmin[j0 // C] + xsize[j0 // C] - 1) * C + j0 % C
        n = 1
        while n < 16 and j0 + n < nbytes:
            o = (j0 + n) // C
            first = xmin[o] * C + (j0 + n) % C
            last = (xmin[o] + xsize[o] - 1) * C + (j0 + n) % C
            if max(hi, last) - min(lo, first) >= 128:
                break
            lo = min(lo, first)
            hi = max(hi, last)
            n += 1
        groups[ng, 0] = j0
        groups[ng, 1] = n
        groups[ng, 2] = lo
        ng += 1
        j0 += n
    idx_a = np.zeros((ng, 64), np.uint8)
    wt_a = np.zeros((ng, npairs, 32), np.int16)
    cdef uint8_t[:, ::1] idx = idx_a
    cdef int16_t[:, :, ::1] wt = wt_a
    for k in range(ng):
        for l in range(groups[k, 1]):
            o = (groups[k, 0] + l) // C
            first = xmin[o] * C + (groups[k, 0] + l) % C - groups[k, 2]
            idx[k, 4 * l] = first
            idx[k, 4 * l + 2] = (first + C) & 127  # tap 1 of a one-tap window weighs 0
            for p in range(npairs):
                for t in range(2):
                    if 2 * p + t < xsize[o]:
                        wt[k, p, 2 * l + t] = w16[o, 2 * p + t]
    return groups_a[:ng].copy(), idx_a, wt_a, npairs


def u8_pair_weights(tuple win, Py_ssize_t npairs):
    """The weights of ``win`` (``AxisPlan.u8_windows()``) laid out for the
    eight-outputs-at-a-time channels-last row kernel, reading ``npairs`` tap
    pairs from each window start (spec §2.7: the same int16 weights, zero past
    each window).

    Returns a C-contiguous int32 array of ``(n_out // 8) * npairs * 32`` values:
    for group ``g``, pair ``p``, register ``r`` and lane ``l``, four copies of
    ``w[o, 2p] | w[o, 2p + 1] << 16`` with ``o = 8g + r + 4l``.
    """
    xmin, xsize, w16, kp = win
    if npairs < 1:
        raise ValueError("u8_pair_weights: npairs must be positive")
    n_out = w16.shape[0]
    ng = n_out // 8
    w = np.zeros((ng * 8, 2 * npairs), np.int16)
    k = min(2 * npairs, kp)
    w[:, :k] = w16[:ng * 8, :k]
    pair = w.view(np.int32).reshape(ng, 2, 4, npairs)  # (g, l, r, p): o = 8g + 4l + r
    # little-endian int16 pairs: (w[2p], w[2p + 1]) read as one int32 is w[2p] | w[2p + 1] << 16
    pair = pair.transpose(0, 3, 2, 1)[..., None]  # (g, p, r, l, copy)
    return np.ascontiguousarray(np.broadcast_to(pair, pair.shape[:4] + (4,))).reshape(-1)


def u8_fused_2d(cnp.ndarray src, cnp.ndarray dst, int channels, object win_w, int shift_w, object win_h,
                int shift_h, tuple bands, Py_ssize_t band_rows, int nthreads, tuple poly_w=None,
                tuple pairs_w=None, tuple lanes_w=None, bint stream_out=False):
    """uint8 W pass then H pass over bands of output rows, with the SIMD window kernels.

    Parameters
    ----------
    src, dst : ndarray of uint8
        Rank >= 3; the last two axes are H and a row of ``W * channels``
        interleaved values, contiguous in both arrays.
    channels : int
        Interleaved channels per pixel: 1 (planar), 3 or 4 (channels-last RGB/RGBA).
    win_w, win_h : tuple
        ``AxisPlan.u8_windows()`` of the W and H axes; ``win_h=None`` when H
        keeps its size (the W pass writes ``dst``; ``bands`` is then ignored),
        ``win_w=None`` when W does (the H pass reads ``src``; one of the two
        must be given).
    shift_w, shift_h : int
        Their fixed-point precisions.
    bands : tuple
        ``fused_bands`` of the H table; ``band_rows`` output rows per band.
    nthreads : int
        OpenMP threads (0: serially).
    poly_w : tuple, optional
        ``(index, weight, polyphase)`` of the W axis (``AxisPlan`` tables): on
        planar rows short periodic tables run faster through the polyphase row
        kernel, and on interleaved rows up2 tables with int8-reducible weights
        through the VBMI one where ``U8_CL_POLY2`` (same numbers; other tables
        are left to the window kernels).
    pairs_w : tuple, optional
        ``(u8_pair_weights(win_w, npairs), npairs)``, for interleaved rows with
        short windows: the eight-outputs-at-a-time row kernel (same numbers).
    lanes_w : tuple, optional
        ``u8_lane_table(win_w, channels, IW)``: where ``U8_LANES``, the W pass
        runs as byte-lane gathers (same numbers; takes precedence over the
        other W kernels).
    stream_out : bool, optional
        Write the H pass's output rows with streaming stores (as in
        :func:`separable_pass`).
    """
    cdef int nd = src.ndim, d
    cdef Loop lp
    cdef U8Win ww, wh
    if nthreads < 1:  # 0 = small work; these passes always run in a team (see _threads_for)
        nthreads = 1
    if channels not in (1, 3, 4) or nd < 3 or dst.ndim != nd or cnp.PyArray_TYPE(src) != cnp.NPY_UINT8 or \
            cnp.PyArray_TYPE(dst) != cnp.NPY_UINT8:
        raise TypeError("u8_fused_2d: needs uint8 arrays of rank >= 3 and 1, 3 or 4 channels")
    cdef Py_ssize_t OW = dst.shape[nd - 1] // channels, OH = dst.shape[nd - 2]
    cdef Py_ssize_t IW = src.shape[nd - 1] // channels, IH = src.shape[nd - 2]
    if src.shape[nd - 1] != IW * channels or dst.shape[nd - 1] != OW * channels or \
            _byte_stride(src, nd - 1) != 1 or _byte_stride(dst, nd - 1) != 1:
        raise ValueError("u8_fused_2d: rows must be contiguous runs of whole pixels")
    for d in range(nd - 2):
        if src.shape[d] != dst.shape[d]:
            raise ValueError("u8_fused_2d: shapes differ outside H and W")
    cdef const U8Win* wwp = NULL
    cdef const U8Win* whp = NULL
    if win_w is None:  # W keeps its size: no W pass
        if IW != OW or win_h is None:
            raise ValueError("u8_fused_2d: win_w=None needs the same W in and out, and H windows")
        ww.pairs = NULL
        ww.poly2 = False
        ww.lane_grp = NULL
    else:
        _u8_window(&ww, win_w, shift_w, IW, OW)
        wwp = &ww
    if band_rows < 1:
        raise ValueError("u8_fused_2d: bands do not match the output")
    nb = (OH + band_rows - 1) // band_rows
    if win_h is None or win_w is None:  # one pass only: no band buffer
        lo_a = hi_a = np.zeros(1, np.int64)
        max_rows = 0
    if win_h is None:
        if IH != OH:
            raise ValueError("u8_fused_2d: win_h=None needs the same H in and out")
    else:
        _u8_window(&wh, win_h, shift_h, IH, OH)
        whp = &wh
    if win_h is not None and win_w is not None:
        lo, hi, max_rows = bands
        lo_a = np.ascontiguousarray(lo, dtype=np.int64)
        hi_a = np.ascontiguousarray(hi, dtype=np.int64)
        if lo_a.shape[0] != nb or hi_a.shape[0] != nb:
            raise ValueError("u8_fused_2d: bands do not match the output")
    if pairs_w is not None and channels != 1 and win_w is not None:
        wpk, npairs = pairs_w
        if not isinstance(wpk, np.ndarray) or wpk.dtype != np.int32 or not wpk.flags.c_contiguous or \
                npairs < 1 or wpk.size != (OW // 8) * npairs * 32:
            raise ValueError("u8_fused_2d: malformed pair weights")
        # memory safety needs nothing more: the kernel bounds every read by npairs itself
        ww.pairs = <const int32_t*>cnp.PyArray_DATA(wpk)
        ww.npairs = npairs
    cdef cnp.ndarray lane_grp, lane_idx, lane_wt
    if lanes_w is not None and win_w is not None:
        lane_grp, lane_idx, lane_wt, lane_pairs = lanes_w
        if lane_grp.dtype != np.int64 or lane_idx.dtype != np.uint8 or lane_wt.dtype != np.int16 or \
                lane_grp.ndim != 2 or lane_grp.shape[1] != 3 or lane_pairs < 1 or \
                not (lane_grp.flags.c_contiguous and lane_idx.flags.c_contiguous and lane_wt.flags.c_contiguous) or \
                lane_idx.size != lane_grp.shape[0] * 64 or lane_wt.size != lane_grp.shape[0] * lane_pairs * 32:
            raise ValueError("u8_fused_2d: malformed lane table")
        if not _lane_groups_inside(<const int64_t*>cnp.PyArray_DATA(lane_grp), lane_grp.shape[0], OW * channels,
                                   IW * channels):
            raise ValueError("u8_fused_2d: lane table out of range")
    if lanes_w is not None and win_w is not None and U8_LANES:
        ww.lane_grp = <const int64_t*>cnp.PyArray_DATA(lane_grp)
        ww.lane_idx = <const uint8_t*>cnp.PyArray_DATA(lane_idx)
        ww.lane_wt = <const int16_t*>cnp.PyArray_DATA(lane_wt)
        ww.lane_groups = lane_grp.shape[0]
        ww.lane_pairs = lane_pairs
        ww.lane_form = _u8_lanes_form
    if dst.size == 0:
        return
    if win_h is not None and win_w is not None:
        # memory safety: each band's rows lie in the source and hold every H tap of the band
        if not _bands_inside(<const int64_t*>cnp.PyArray_DATA(lo_a), <const int64_t*>cnp.PyArray_DATA(hi_a), nb,
                             max_rows, IH, wh.xmin, wh.xsize, OH, band_rows):
            raise ValueError("u8_fused_2d: bands out of range")
    dims = [(src.shape[d], _byte_stride(src, d), _byte_stride(dst, d)) for d in range(nd - 2)]
    cdef Py_ssize_t planes = _make_loop(&lp, dims)
    lp.stream = stream_out
    cdef int failed
    cdef const char* sp = <const char*>cnp.PyArray_DATA(src)
    cdef char* dp = <char*>cnp.PyArray_DATA(dst)
    cdef Py_ssize_t sH = _byte_stride(src, nd - 2), dH = _byte_stride(dst, nd - 2), nbands = nb, mrows = max_rows
    cdef const int64_t* lop = <const int64_t*>cnp.PyArray_DATA(lo_a)
    cdef const int64_t* hip = <const int64_t*>cnp.PyArray_DATA(hi_a)
    cdef PolyInfo pinfo
    cdef PolyInfo* pptr = NULL
    cdef cnp.ndarray idx_w = None, w_w = None, pbase = None, pw = None
    if poly_w is not None and win_w is not None:
        idx_w, w_w, poly = poly_w
        if idx_w.dtype != np.int64 or w_w.dtype != np.int32 or idx_w.shape[0] != OW or \
                w_w.shape[0] != OW or idx_w.shape[1] != w_w.shape[1] or \
                not (idx_w.flags.c_contiguous and w_w.flags.c_contiguous):
            raise ValueError("u8_fused_2d: inconsistent polyphase table")
        # memory safety: the table's rows are the windows checked above
        if (np.asarray(win_w[0]) != idx_w[:, 0]).any():
            raise ValueError("u8_fused_2d: polyphase taps out of range")
        pbase, pw = _poly_table(&pinfo, poly, _INT32, IW, OW, "u8_fused_2d")
        pptr = &pinfo
        ww.poly2 = _is_poly2(&pinfo, <const int64_t*>cnp.PyArray_DATA(pbase), <const int32_t*>cnp.PyArray_DATA(pw))
        if channels != 1:  # interleaved rows: only the int8-weight VBMI kernel has a polyphase form
            ww.poly2 = ww.poly2 and cyr_u8_poly2_px_ok(<const int32_t*>cnp.PyArray_DATA(pw), pinfo.K, ww.shift)
            if not ww.poly2:
                pptr = NULL
    cdef const int64_t* ip = <const int64_t*>cnp.PyArray_DATA(idx_w) if idx_w is not None else NULL
    cdef const int32_t* wp = <const int32_t*>cnp.PyArray_DATA(w_w) if w_w is not None else NULL
    cdef const int64_t* pbp = <const int64_t*>cnp.PyArray_DATA(pbase) if pbase is not None else NULL
    cdef const int32_t* pwp = <const int32_t*>cnp.PyArray_DATA(pw) if pw is not None else NULL
    cdef Py_ssize_t Kw = idx_w.shape[1] if idx_w is not None else 0
    with nogil:
        failed = _u8_run(sp, dp, &lp, planes, nbands, band_rows, OH, IW, OW, channels, sH, dH, lop, hip, mrows,
                         wwp, whp, ip, wp, Kw, pptr, pbp, pwp, nthreads)
    if failed:
        raise MemoryError("u8_fused_2d: cannot allocate the band buffer")


# ----------------------------------------------------------------------------------------------
# gather (nearest modes): every output element copies one input element
# ----------------------------------------------------------------------------------------------
cdef inline void _copy_block(char* d, const char* s, Py_ssize_t nbytes, int words) noexcept nogil:
    # one element (or one contiguous block of elements) of nbytes; words = nbytes / 4 when
    # nbytes is a multiple of 4 (0 otherwise)
    cdef int k
    if nbytes == 4:
        (<uint32_t*>d)[0] = (<const uint32_t*>s)[0]
    elif nbytes == 8:
        (<uint64_t*>d)[0] = (<const uint64_t*>s)[0]
    elif nbytes == 2:
        (<uint16_t*>d)[0] = (<const uint16_t*>s)[0]
    elif nbytes == 1:
        d[0] = s[0]
    elif words:
        for k in range(words):
            (<uint32_t*>d)[k] = (<const uint32_t*>s)[k]
    else:
        memcpy(d, s, nbytes)


cdef inline void _gather_block_rows(const char* src, char* dst, Py_ssize_t b0, Py_ssize_t rows, int nd,
                                    const Py_ssize_t* oshape, const Py_ssize_t* dstr,
                                    const Py_ssize_t* const* offs, Py_ssize_t L, Py_ssize_t din,
                                    const Py_ssize_t* inner_off, Py_ssize_t nbytes, const void* gpos,
                                    const int64_t* gbase, const int64_t* gspan) noexcept nogil:
    # Rows b0 .. b0+GATHER_ROWS-1. A row whose source row equals the previous row's (integer
    # upscaling) is a copy of that output row when rows are contiguous. gpos != NULL: a
    # cyr_gather_elements_plan (nbytes 8, 4 or 2) of the inner offsets (elements contiguous
    # in both rows).
    cdef Py_ssize_t row, q, r, soff, doff, j, prev_soff = -1, prev_doff = 0
    cdef int d, words = <int>(nbytes // 4) if nbytes % 4 == 0 else 0
    cdef const char* s
    cdef char* dd
    for row in range(b0, min(b0 + GATHER_ROWS, rows)):
        q = row
        soff = 0
        doff = 0
        for d in range(nd - 1, -1, -1):
            r = q % oshape[d]
            q = q // oshape[d]
            soff = soff + offs[d][r]
            doff = doff + r * dstr[d]
        dd = dst + doff
        if row > b0 and soff == prev_soff and din == nbytes:
            memcpy(dd, dst + prev_doff, L * nbytes)
        else:
            s = src + soff
            if gpos != NULL and nbytes == 4:  # (constant sizes: the row loop specialised for each)
                cyr_gather_lanes_row(s, dd, L, 4, <const int64_t*>inner_off, <const int32_t*>gpos, gbase, gspan)
            elif gpos != NULL and nbytes == 8:
                cyr_gather_lanes_row(s, dd, L, 8, <const int64_t*>inner_off, <const int32_t*>gpos, gbase, gspan)
            elif gpos != NULL:
                cyr_gather16_row(s, dd, L, <const int64_t*>inner_off, <const int16_t*>gpos, gbase, gspan)
            elif nbytes == 4:
                for j in range(L):
                    (<uint32_t*>(dd + j * din))[0] = (<const uint32_t*>(s + inner_off[j]))[0]
            elif nbytes == 8:
                for j in range(L):
                    (<uint64_t*>(dd + j * din))[0] = (<const uint64_t*>(s + inner_off[j]))[0]
            elif nbytes == 2:
                for j in range(L):
                    (<uint16_t*>(dd + j * din))[0] = (<const uint16_t*>(s + inner_off[j]))[0]
            elif nbytes == 1:
                for j in range(L):
                    dd[j * din] = s[inner_off[j]]
            else:
                for j in range(L):
                    _copy_block(dd + j * din, s + inner_off[j], nbytes, words)
        prev_soff = soff
        prev_doff = doff


cdef inline bint _gather_planned(Py_ssize_t nbytes, Py_ssize_t din, Py_ssize_t sin_, Py_ssize_t L) noexcept nogil:
    # 8-, 4- and 2-byte elements in contiguous rows of both arrays: windows of permutes where
    # the inner offsets allow (a cyr_gather_elements_plan of them)
    return (nbytes == 8 or nbytes == 4 or nbytes == 2) and din == nbytes and sin_ == nbytes and L >= 16


cdef int _gather_plan_build(const Py_ssize_t* inner_off, Py_ssize_t L, Py_ssize_t nbytes, void** gpos_out,
                            int64_t** gmeta_out) noexcept nogil:
    # The element plan of one inner offset table, O(L): 0 with both pointers set (both NULL
    # when the offsets have no plan), 1 when out of memory. The caller frees them.
    cdef void* gpos = malloc(2 * L * sizeof(int32_t) + 64)
    cdef int64_t* gmeta = <int64_t*>malloc(2 * (L // 4 + 1) * sizeof(int64_t))
    if gpos == NULL or gmeta == NULL:
        free(gpos)
        free(gmeta)
        return 1
    if cyr_gather_elements_plan(<const int64_t*>inner_off, L, nbytes, gpos, gmeta, gmeta + L // 4 + 1) < 0:
        free(gpos)
        free(gmeta)
        gpos = NULL
        gmeta = NULL
    gpos_out[0] = gpos
    gmeta_out[0] = gmeta
    return 0


cdef void _gather_copy(const char* src, char* dst, Py_ssize_t rows, int nd,
                       const Py_ssize_t* oshape, const Py_ssize_t* dstr, const Py_ssize_t* const* offs,
                       Py_ssize_t L, Py_ssize_t din, const Py_ssize_t* inner_off, Py_ssize_t nbytes,
                       const void* gpos, const int64_t* gmeta, int nthreads) noexcept nogil:
    # elements of any size; gpos/gmeta: the element plan of inner_off (_gather_plan_build) or NULL
    cdef Py_ssize_t blk, nblk = (rows + GATHER_ROWS - 1) // GATHER_ROWS
    cdef const int64_t* gbase = gmeta
    cdef const int64_t* gspan = gmeta + L // 4 + 1 if gmeta != NULL else NULL
    if nthreads <= 0:  # small work (_threads_for): serially, no OpenMP team to start
        for blk in range(nblk):
            _gather_block_rows(src, dst, blk * GATHER_ROWS, rows, nd, oshape, dstr, offs, L, din, inner_off, nbytes,
                               gpos, gbase, gspan)
    else:
        for blk in prange(nblk, nogil=True, schedule="static", num_threads=nthreads):
            _gather_block_rows(src, dst, blk * GATHER_ROWS, rows, nd, oshape, dstr, offs, L, din, inner_off, nbytes,
                               gpos, gbase, gspan)


cdef inline void _gather_pixel_block(const char* src, char* dst, Py_ssize_t b0, Py_ssize_t rows, int nd,
                                     const Py_ssize_t* oshape, const Py_ssize_t* dstr,
                                     const Py_ssize_t* const* offs, Py_ssize_t L, Py_ssize_t din,
                                     const Py_ssize_t* inner_off, Py_ssize_t nbytes) noexcept nogil:
    # _gather_block_rows for channels-last RGB/RGBA pixels of 1, 2 or 4 bytes (nbytes 3, 6,
    # 12 or 16): a constant-size memcpy compiles to one or two moves, where _copy_block
    # loops over words. Kept apart: the plain-element loops of _gather_block_rows slowed
    # by up to 40% when these branches were added to them (code layout).
    cdef Py_ssize_t row, q, r, soff, doff, j, prev_soff = -1, prev_doff = 0
    cdef int d
    cdef const char* s
    cdef char* dd
    for row in range(b0, min(b0 + GATHER_ROWS, rows)):
        q = row
        soff = 0
        doff = 0
        for d in range(nd - 1, -1, -1):
            r = q % oshape[d]
            q = q // oshape[d]
            soff = soff + offs[d][r]
            doff = doff + r * dstr[d]
        dd = dst + doff
        s = src + soff
        if row > b0 and soff == prev_soff and din == nbytes:  # a repeated row: copy it
            memcpy(dd, dst + prev_doff, L * nbytes)
        elif nbytes == 12:
            for j in range(L):
                memcpy(dd + j * din, s + inner_off[j], 12)
        elif nbytes == 16:
            for j in range(L):
                memcpy(dd + j * din, s + inner_off[j], 16)
        elif nbytes == 3:
            for j in range(L):
                memcpy(dd + j * din, s + inner_off[j], 3)
        else:
            for j in range(L):
                memcpy(dd + j * din, s + inner_off[j], 6)
        prev_soff = soff
        prev_doff = doff


cdef void _gather_pixels(const char* src, char* dst, Py_ssize_t rows, int nd,
                         const Py_ssize_t* oshape, const Py_ssize_t* dstr, const Py_ssize_t* const* offs,
                         Py_ssize_t L, Py_ssize_t din, const Py_ssize_t* inner_off, Py_ssize_t nbytes,
                         int nthreads) noexcept nogil:
    cdef Py_ssize_t blk, nblk = (rows + GATHER_ROWS - 1) // GATHER_ROWS
    if nthreads <= 0:
        for blk in range(nblk):
            _gather_pixel_block(src, dst, blk * GATHER_ROWS, rows, nd, oshape, dstr, offs, L, din, inner_off, nbytes)
    else:
        for blk in prange(nblk, nogil=True, schedule="static", num_threads=nthreads):
            _gather_pixel_block(src, dst, blk * GATHER_ROWS, rows, nd, oshape, dstr, offs, L, din, inner_off, nbytes)


cdef class GatherCheck:
    """:func:`check_gather`'s receipt: the source shape and strides its offsets were
    checked for (compared in C on every :func:`gather` call that presents it), and the
    element plan of the inner offset table of the first call that needs one, kept for the
    calls after it (built once, never replaced: a call on another thread may be reading it)."""
    cdef int ndim
    cdef Py_ssize_t shape[MAX_DIMS + 1]
    cdef Py_ssize_t strides[MAX_DIMS + 1]
    cdef object plan_table  # the offsets array the plan is of (None: no plan yet)
    cdef Py_ssize_t plan_nbytes
    cdef void* gpos
    cdef int64_t* gmeta

    def __dealloc__(self):
        free(self.gpos)
        free(self.gmeta)

    cdef bint matches(self, cnp.ndarray src):
        cdef int nd = cnp.PyArray_NDIM(src)
        return nd == self.ndim and \
            memcmp(cnp.PyArray_DIMS(src), self.shape, nd * sizeof(Py_ssize_t)) == 0 and \
            memcmp(cnp.PyArray_STRIDES(src), self.strides, nd * sizeof(Py_ssize_t)) == 0


def check_gather(cnp.ndarray src, list offsets):
    """Check that gather offsets address elements of ``src`` (shape and strides);
    returns a :class:`GatherCheck` for :func:`gather`, or raises ValueError."""
    cdef int d
    if len(offsets) != src.ndim:
        raise ValueError("gather: one offset table per dimension")
    for d in range(src.ndim):
        a = np.asarray(offsets[d])
        if a.dtype != np.intp or not a.flags.c_contiguous:
            raise TypeError("gather: offsets must be C-contiguous intp arrays")
        if a.size == 0:
            continue
        if src.shape[d] == 0:
            raise ValueError("gather: empty source dimension")
        st = src.strides[d]
        if st == 0:
            if (a != 0).any():
                raise ValueError("gather: offset out of range")
            continue
        if (a % st != 0).any() or (a // st).min() < 0 or (a // st).max() >= src.shape[d]:
            raise ValueError("gather: offset out of range")
    if src.ndim > MAX_DIMS + 1:
        raise ValueError("gather: too many dimensions")
    cdef GatherCheck receipt = GatherCheck.__new__(GatherCheck)
    receipt.ndim = src.ndim
    for d in range(src.ndim):
        receipt.shape[d] = src.shape[d]
        receipt.strides[d] = _byte_stride(src, d)
    return receipt


cdef inline void _byte_extent(cnp.ndarray a, Py_ssize_t* lo, Py_ssize_t* hi) noexcept:
    # the bytes [lo, hi) that a non-empty array's elements lie in
    cdef int d
    cdef Py_ssize_t span
    lo[0] = <Py_ssize_t>cnp.PyArray_DATA(a)
    hi[0] = lo[0] + cnp.PyArray_ITEMSIZE(a)
    for d in range(a.ndim):
        span = cnp.PyArray_STRIDES(a)[d] * (a.shape[d] - 1)
        if span < 0:
            lo[0] += span
        else:
            hi[0] += span


def check_out(out, cnp.ndarray x, out_shape):
    """Validate a caller's ``out=`` array for a result of ``out_shape`` and ``x``'s dtype;
    return True when it shares memory with ``x``.

    Raises TypeError (not an ndarray, another dtype) or ValueError (another shape,
    read-only), as for torch's ``out=``. The checks run in C: this runs on every ``out=``
    call. Arrays whose byte ranges are disjoint share nothing; others are settled by
    ``numpy.shares_memory``.
    """
    cdef cnp.ndarray o
    cdef int d
    cdef Py_ssize_t olo, ohi, xlo, xhi
    if not isinstance(out, cnp.ndarray):
        raise TypeError("out must be a numpy.ndarray, got %s" % type(out).__name__)
    o = out
    if type(out_shape) is not tuple:
        out_shape = tuple(out_shape)
    if o.ndim != len(out_shape):
        raise ValueError("out has shape %s but the result has shape %s" % (out.shape, out_shape))
    for d in range(o.ndim):
        if o.shape[d] != out_shape[d]:
            raise ValueError("out has shape %s but the result has shape %s" % (out.shape, out_shape))
    if not cnp.PyArray_EquivTypes(o.descr, x.descr):
        raise TypeError("out has dtype %s but the result has dtype %s (the input's)" % (o.dtype, x.dtype))
    if not cnp.PyArray_ISWRITEABLE(o):
        raise ValueError("out is read-only")
    if o.size == 0 or x.size == 0:
        return False
    _byte_extent(o, &olo, &ohi)
    _byte_extent(x, &xlo, &xhi)
    if ohi <= xlo or xhi <= olo:
        return False
    return bool(np.shares_memory(o, x))


cdef bint _is_identity(const Py_ssize_t* off, Py_ssize_t n, Py_ssize_t step) noexcept:
    # off[i] == i * step for every i < n
    cdef Py_ssize_t i
    for i in range(n):
        if off[i] != i * step:
            return False
    return True


def gather(cnp.ndarray src, cnp.ndarray dst, list offsets, int nthreads, GatherCheck checked=None):
    """``dst[i0, i1, ...] = src[idx0[i0], idx1[i1], ...]`` by byte offsets, any dtype.

    Parameters
    ----------
    src, dst : ndarray
        Same rank and itemsize (any itemsize: elements are copied as bytes).
    offsets : list of ndarray of int64
        For each dimension ``d``, ``offsets[d][i] = idx_d[i] * src.strides[d]``
        (length ``dst.shape[d]``). A dimension whose offsets are the identity
        and that is contiguous in both arrays (the channels of a channels-last
        image) is copied as one block per element.
    nthreads : int
        OpenMP threads; 0 runs serially without starting a team (small work).
    checked : GatherCheck, optional
        What :func:`check_gather` returned for these offsets (the backend checks
        once per prepared call); ``src`` must have the shape and strides it was
        given. None: the offsets are checked now.
    """
    cdef int nd = dst.ndim, d, inner, unit = -1
    cdef Py_ssize_t nbytes = cnp.PyArray_ITEMSIZE(dst)
    if dst.size == 0:
        return
    if cnp.PyArray_ITEMSIZE(src) != nbytes or src.ndim != nd or len(offsets) != nd:
        raise TypeError("gather: arrays do not match")
    if checked is None:
        offsets = [np.ascontiguousarray(a, dtype=np.intp) for a in offsets]
        check_gather(src, offsets)
    elif not checked.matches(src):
        raise ValueError("gather: offsets checked for another source layout")
    if nd > MAX_DIMS + 1:
        raise ValueError("gather: too many dimensions")
    # the tables' data, read in C below (this entry runs on every call of a prepared call)
    cdef const Py_ssize_t* tab[MAX_DIMS + 1]
    cdef cnp.ndarray a
    for d in range(nd):
        a = offsets[d]
        if a.ndim != 1 or a.shape[0] != dst.shape[d]:
            raise ValueError("gather: offsets do not match the output shape")
        tab[d] = <const Py_ssize_t*>cnp.PyArray_DATA(a)
    # a unit block: an identity dim contiguous (stride = itemsize) in both arrays
    for d in range(nd):
        if dst.shape[d] > 1 and dst.shape[d] == src.shape[d] and _byte_stride(src, d) == nbytes and \
                _byte_stride(dst, d) == nbytes and _is_identity(tab[d], dst.shape[d], nbytes):
            unit = d
            nbytes = nbytes * dst.shape[d]
            break
    # inner dim: the output dim with the smallest stride (contiguous writes)
    inner = -1
    for d in range(nd):
        if d != unit and dst.shape[d] > 1 and (inner < 0 or abs(_byte_stride(dst, d)) < abs(_byte_stride(dst, inner))):
            inner = d
    if inner < 0:
        inner = nd - 1 if unit != nd - 1 else 0
    cdef Py_ssize_t oshape[MAX_DIMS]
    cdef Py_ssize_t dstr[MAX_DIMS]
    cdef const Py_ssize_t* offp[MAX_DIMS]
    cdef Py_ssize_t rows = 1
    cdef int nouter = 0
    for d in range(nd):  # the outer dims, in order
        if d == inner or d == unit:
            continue
        oshape[nouter] = dst.shape[d]
        dstr[nouter] = _byte_stride(dst, d)
        offp[nouter] = tab[d]
        rows *= dst.shape[d]
        nouter += 1
    cdef Py_ssize_t L = dst.shape[inner]
    cdef Py_ssize_t din = _byte_stride(dst, inner)
    cdef const Py_ssize_t* ioff = tab[inner]
    cdef const char* sp = <const char*>cnp.PyArray_DATA(src)
    cdef char* dp = <char*>cnp.PyArray_DATA(dst)
    cdef Py_ssize_t sin_ = _byte_stride(src, inner)
    if nbytes in (3, 6, 12, 16):
        with nogil:
            _gather_pixels(sp, dp, rows, nouter, oshape, dstr, offp, L, din, ioff, nbytes, nthreads)
        return
    cdef void* gpos = NULL
    cdef int64_t* gmeta = NULL
    cdef bint own_plan = False
    if _gather_planned(nbytes, din, sin_, L):
        if checked is not None and checked.plan_table is offsets[inner] and checked.plan_nbytes == nbytes:
            gpos = checked.gpos
            gmeta = checked.gmeta
        else:
            if _gather_plan_build(ioff, L, nbytes, &gpos, &gmeta):
                raise MemoryError("gather: cannot allocate the permute table")
            if checked is not None and checked.plan_table is None:  # the receipt keeps it
                checked.plan_table = offsets[inner]
                checked.plan_nbytes = nbytes
                checked.gpos = gpos
                checked.gmeta = gmeta
            else:
                own_plan = True
    with nogil:
        _gather_copy(sp, dp, rows, nouter, oshape, dstr, offp, L, din, ioff, nbytes, gpos, gmeta, nthreads)
    if own_plan:
        free(gpos)
        free(gmeta)


# ----------------------------------------------------------------------------------------------
# product (PyTorch's channels-last linear kernel) and area (adaptive average pooling);
# dtype specialisations generated from _pointwise.pxi.tp
# ----------------------------------------------------------------------------------------------
include "_pointwise.pxi"


def product_linear(cnp.ndarray src, cnp.ndarray dst, list index, list lam, Py_ssize_t vector_lanes,
                   str variant, int nthreads, bint checked=False):
    """PyTorch's channels-last (bi|tri)linear kernel: per-pixel corner products.

    Parameters
    ----------
    src, dst : ndarray, shape (N, C, *spatial)
        Same dtype; 2 or 3 spatial dims; any strides.
    index, lam : list of ndarray, shape (n_out, 2)
        Per spatial axis: the two source indices (int64) and the lambdas
        (λ0, λ1) in the opmath type of ``variant``.
    vector_lanes : int
        PyTorch's SIMD width in elements; channels ``c < C - C % vector_lanes``
        use the vector evaluation order (spec §3.2).
    variant : str
        dtype code of ``src``/``dst``: a key of ``PRODUCT_VARIANTS``.
    checked : bool, optional
        True when the tables are ``AxisPlan`` arrays (C-contiguous, the right
        dtype, indices checked when the plan was built) for ``src``'s sizes.
    """
    cdef int nsp = src.ndim - 2, d
    info = (<dict>PRODUCT_VARIANTS).get(variant)
    if info is None or cnp.PyArray_ITEMSIZE(src) != info[0] or cnp.PyArray_ITEMSIZE(dst) != info[0]:
        raise TypeError("product_linear: arrays do not match variant %r" % (variant,))
    if nsp not in (2, 3) or dst.ndim != src.ndim or len(index) != nsp or len(lam) != nsp:
        raise ValueError("product_linear needs 2 or 3 spatial dims")
    if dst.shape[0] != src.shape[0] or dst.shape[1] != src.shape[1]:
        raise ValueError("product_linear: N and C must match")
    if dst.size == 0:
        return
    cdef Py_ssize_t oshape[3]
    cdef Py_ssize_t sstr[3]
    cdef Py_ssize_t dstr[3]
    cdef const int64_t* ip[3]
    cdef const void* lp[3]
    cdef cnp.ndarray a, w  # typed: their shapes are read in C (this entry runs on every call)
    keep = None if checked else []  # the converted tables live until the kernel returns
    for d in range(nsp):
        oshape[d] = dst.shape[2 + d]
        sstr[d] = _byte_stride(src, 2 + d)
        dstr[d] = _byte_stride(dst, 2 + d)
        if checked:
            a = index[d]
            w = lam[d]
        else:
            a = np.ascontiguousarray(index[d], dtype=np.int64)
            w = np.ascontiguousarray(lam[d], dtype=info[1])
            if a.size and (a.min() < 0 or a.max() >= src.shape[2 + d]):
                raise ValueError("product_linear: source index out of range")
            keep += [a, w]
        if a.ndim != 2 or w.ndim != 2 or a.shape[0] != oshape[d] or a.shape[1] != 2 or \
                w.shape[0] != oshape[d] or w.shape[1] != 2:
            raise ValueError("product_linear: table shape mismatch")
        ip[d] = <const int64_t*>cnp.PyArray_DATA(a)
        lp[d] = <const void*>cnp.PyArray_DATA(w)
    cdef Py_ssize_t N = src.shape[0], C = src.shape[1]
    cdef Py_ssize_t cv = C - C % vector_lanes if vector_lanes > 0 else 0
    _run_product_variant(variant, <const char*>cnp.PyArray_DATA(src), <char*>cnp.PyArray_DATA(dst),
                         N, C, nsp, oshape, sstr, dstr, _byte_stride(src, 0), _byte_stride(src, 1),
                         _byte_stride(dst, 0), _byte_stride(dst, 1), ip, lp, cv, nthreads)


def area_uniform_width(start, size):
    """2 when every window along the last axis has width 2 and starts at ``2*ow``, else 0."""
    return 2 if (size.shape[0] > 0 and size[0] == 2 and (size == 2).all() and
                 (start == 2 * np.arange(start.shape[0])).all()) else 0


def area_pool(cnp.ndarray src, cnp.ndarray dst, list start, list size, Py_ssize_t vector_lanes,
              str variant, int nthreads, bint checked=False, int uniform_w=-1):
    """Adaptive average pooling with per-axis windows (spec §2.5).

    Parameters
    ----------
    src, dst : ndarray, shape (N, C, *spatial)
        Same dtype; 1 to 3 spatial dims; any strides.
    start, size : list of ndarray of int64
        Per spatial axis, window start and length of every output index.
    vector_lanes : int
        0, or the SIMD width of PyTorch's 2-D channels-last kernel.
    variant : str
        A key of ``AREA_VARIANTS`` (dtype code, ``_low`` for PyTorch's
        reduced-precision 3-D accumulation).
    """
    cdef int nsp = src.ndim - 2, d, k
    info = (<dict>AREA_VARIANTS).get(variant)
    if info is None or cnp.PyArray_ITEMSIZE(src) != info or cnp.PyArray_ITEMSIZE(dst) != info:
        raise TypeError("area_pool: arrays do not match variant %r" % (variant,))
    if not (1 <= nsp <= 3) or dst.ndim != src.ndim or len(start) != nsp or len(size) != nsp:
        raise ValueError("area_pool needs 1 to 3 spatial dims")
    if dst.shape[0] != src.shape[0] or dst.shape[1] != src.shape[1]:
        raise ValueError("area_pool: N and C must match")
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
            if checked:
                a = start[d]
                b = size[d]
            else:
                a = np.ascontiguousarray(start[d], dtype=np.int64)
                b = np.ascontiguousarray(size[d], dtype=np.int64)
            oshape[k] = dst.shape[2 + d]
            if a.shape[0] != oshape[k] or b.shape[0] != oshape[k]:
                raise ValueError("area_pool: table shape mismatch")
            if not checked and (a.min() < 0 or b.min() < 1 or (a + b).max() > src.shape[2 + d]):
                raise ValueError("area_pool: window out of range")
            sstr[k] = _byte_stride(src, 2 + d)
            dstr[k] = _byte_stride(dst, 2 + d)
        keep += [a, b]
        sp_[k] = <const int64_t*>cnp.PyArray_DATA(a)
        sz_[k] = <const int64_t*>cnp.PyArray_DATA(b)
    cdef Py_ssize_t N = src.shape[0], C = src.shape[1]
    cdef Py_ssize_t cv = C - C % vector_lanes if vector_lanes > 0 else 0
    # uniform width-2 windows (start = 2*ow): the specialised inner loop
    w_start, w_size = keep[len(keep) - 2], keep[len(keep) - 1]  # wraparound is off in kernels
    if uniform_w < 0:
        uniform_w = area_uniform_width(w_start, w_size)
    elif uniform_w and not checked:
        raise ValueError("area_pool: uniform_w may only be given with checked tables")
    _run_area_variant(variant, <const char*>cnp.PyArray_DATA(src), <char*>cnp.PyArray_DATA(dst),
                      N, C, oshape, sstr, dstr, _byte_stride(src, 0), _byte_stride(src, 1),
                      _byte_stride(dst, 0), _byte_stride(dst, 1), sp_, sz_, cv, uniform_w, nthreads)


def convert_half(cnp.ndarray a, bint widen):
    """The kernels' float16 conversions, for tests: ``widen`` maps uint16 patterns to
    float32, otherwise float32 values to float16 patterns (ties to even)."""
    cdef Py_ssize_t i, n = a.shape[0]
    cdef cnp.ndarray out
    cdef const uint16_t* hp
    cdef const float* fp
    if a.ndim != 1 or not a.flags.c_contiguous:
        raise ValueError("convert_half: needs a contiguous 1-D array")
    if widen:
        if a.dtype != np.uint16:
            raise TypeError("convert_half: widening needs uint16 patterns")
        out = np.empty(n, np.float32)
        hp = <const uint16_t*>cnp.PyArray_DATA(a)
        for i in range(n):
            (<float*>cnp.PyArray_DATA(out))[i] = cyr_half_to_float(hp[i])
    else:
        if a.dtype != np.float32:
            raise TypeError("convert_half: narrowing needs float32")
        out = np.empty(n, np.uint16)
        fp = <const float*>cnp.PyArray_DATA(a)
        for i in range(n):
            (<uint16_t*>cnp.PyArray_DATA(out))[i] = cyr_float_to_half(fp[i])
    return out
