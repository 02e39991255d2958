"""CPU backend: runs a :class:`~cyresample._plan.Plan` with the Cython kernels.

:func:`prepare` turns a validated request into an :class:`Executor`: the plan,
the output shape and layout, and every kernel call with its arguments built
and checked once. Calling the executor allocates the output (in the layout
PyTorch gives, spec §4.1) and intermediates, and runs the kernels; no
arithmetic on pixel values happens here. Executors depend only on the input's
shape, strides and dtype and the call's arguments, so ``_api`` caches them.
"""
import os

import numpy as np

from . import _dtypes
from . import _layout
from . import _plan
from ._dispatch import kernels as _kernels
from ._threads import get_num_threads

#: Below this many output elements a call runs on the calling thread only (see
#: _threads_for): threads would cost more than they save. Values never depend on it.
SMALL_WORK = 1 << 15

#: Under ``OMP_WAIT_POLICY=PASSIVE`` the team's threads sleep between calls and waking them
#: costs tens of microseconds (75 us measured on a 2-core VM, against about 1 us while they
#: spin, libgomp's default): a call then runs on the calling thread only below this many
#: elements read plus written, about 0.1 ms of work for one thread.
SMALL_WORK_PASSIVE = 1 << 19

#: Whether libgomp was started with the passive wait policy (it reads the variable when it
#: loads, with the kernels, so a later change has no effect on it either).
PASSIVE_WAIT = os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"

#: Output rows per band of the fused W+H pass.
FUSED_BAND_ROWS = 16

#: Planar uint8 W tables up to this many taps run through the polyphase row kernel when
#: periodic (one SIMD dot product per output costs more for so few taps).
U8_POLY_MAX_TAPS = 4

#: Channels-last uint8 W windows up to this many taps run eight outputs at a time, one tap
#: pair per 128-bit lane, unless the axis shrinks: then, and for longer windows, the row
#: kernel computes one output of four image rows at a time (one register of four rows with
#: AVX-512, two of two with AVX2), except on AVX2 for tables of up to U8_PAIR_SHRINK_MAX_TAPS
#: columns (the pair kernel wins on those; antialias tables are wider than their windows,
#: which the pair kernel pays for and the row kernel does not).
U8_PAIR_MAX_TAPS = 10
U8_PAIR_SHRINK_MAX_TAPS = 4

#: uint8 window kernels: band heights to try (tallest first), the most bytes of W-pass
#: rows a band may buffer, and the fewest bands a call should have.
U8_BAND_ROWS = (128, 64, 32, 16)
U8_BAND_BYTES = 512 * 1024
U8_MIN_BANDS = 4
#: Fewest output bytes per 128-byte group, on average, for the byte-lane gather W kernel
#: (at most 16; fewer lanes per gather lose to the pixel kernels).
U8_LANES_MIN_BYTES = 8

#: Outputs of at least this many bytes are written with streaming stores, which skip the
#: read of each line before it is written: an output this large leaves the caches before
#: anyone reads it, and reading it first doubles the memory traffic (docs/design.md,
#: "Streaming stores").
STREAM_MIN_BYTES = 16 << 20

#: Volumes run their W, H and D passes fused (no intermediate volume) when the threads'
#: rings of W+H planes, one plane per D tap and thread, take no more memory than the
#: intermediate volume they replace, or at most this many bytes.
FUSED3_RING_BYTES = 4 << 20


def _memory_order(a):
    """Axes of ``a`` from slowest to fastest in memory (stable for ties)."""
    return sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))


def _empty_in_order(shape, dtype, order_axes):
    """Uninitialised array of ``shape`` whose memory order is ``order_axes``."""
    if order_axes is None:
        return np.empty(shape, dtype)
    phys_shape, axes = _physical_layout(shape, order_axes)
    return np.empty(phys_shape, dtype).transpose(axes)


def _physical_layout(shape, order_axes):
    """The shape in memory order ``order_axes`` and the axes that transpose an array of that
    shape back to ``shape`` (the inverse permutation; plain Python, a few axes)."""
    axes = [0] * len(order_axes)
    for position, d in enumerate(order_axes):
        axes[d] = position
    return tuple(shape[d] for d in order_axes), tuple(axes)


def output_layout(x, mode):
    """Memory order of the result (spec §4.1), ``None`` for C order.

    4-D input with channels-last-like strides and C > 1 gives channels-last
    output in every mode (PyTorch's ``suggest_memory_format``); 5-D likewise
    except for ``area``; 1-D area on an (N, W, C) buffer keeps that order;
    everything else is C-contiguous.
    """
    nd = x.ndim
    if x.shape[1] > 1 and not x.flags.c_contiguous:
        st = _layout.element_strides(x)
        if nd == 4 and _layout.strides_like_channels_last(x.shape, st):
            return [0, 2, 3, 1]
        if nd == 5 and mode != "area" and _layout.strides_like_channels_last_3d(x.shape, st):
            return [0, 2, 3, 4, 1]
        if nd == 3 and mode == "area" and _layout.area_channels_last(x):
            # torch pools x.unsqueeze(-2) channels-last and squeezes: (N, W, C) memory
            return [0, 2, 1]
    return None


def _threads_for(n_out, n_in):
    """The kernels' ``nthreads`` for a kernel call that writes ``n_out`` elements and reads
    ``n_in``: 0 for small work (the pointwise and gather kernels then loop serially without
    starting an OpenMP team; the separable passes use a team of one), else the current
    thread setting. Read per call, so that thread settings apply to cached calls."""
    if PASSIVE_WAIT:
        small = n_out + n_in < SMALL_WORK_PASSIVE
    else:
        small = n_out < SMALL_WORK
    return 0 if small else get_num_threads()


#: ``check_out(out, x, out_shape)``: validate a caller's ``out=`` array (the exception
#: torch raises for each misfit); True when it overlaps the input. In the kernels module:
#: its checks run in C, on every ``out=`` call.
check_out = _kernels.check_out


def execute(req, out=None):
    """Compute ``interpolate`` for a validated request on the CPU.

    Parameters
    ----------
    req : cyresample._validate.Request
        The normalised call (array, mode, output sizes, kernel scales, flags).
    out : ndarray, optional
        Where to write the result (right shape and dtype, any strides). An
        ``out`` that overlaps the input is computed into a temporary first.

    Returns
    -------
    ndarray
        ``out``, or a new array of the input's dtype and shape
        ``(N, C, *out_sizes)``.
    """
    return prepare(req)(req.array, out)


class Executor:
    """A prepared call: ``executor(x, out=None)`` for any ``x`` with the shape,
    strides and dtype the executor was prepared for."""

    __slots__ = ("out_shape", "out_order", "dtype", "native", "steps", "check_int64", "plan", "_empty",
                 "fast_step", "fast_layout")

    def __init__(self):
        # the one step of a call that needs none of the checks and conversions below, and
        # the result's (physical shape, axes) when it is not in C order (both set by
        # _fill_executor): a fresh result skips the checks, which counts in small calls
        self.fast_step = None
        self.fast_layout = None

    def __call__(self, x, out=None):
        step = self.fast_step
        if step is not None and out is None:
            layout = self.fast_layout
            if layout is None:
                result = np.empty(self.out_shape, self.dtype)
            else:
                result = np.empty(layout[0], self.dtype).transpose(layout[1])
            step(x, result, False)
            return result
        if out is not None:
            if check_out(out, x, self.out_shape):
                np.copyto(out, self(x))
                return out
            result = out
        else:
            result = _empty_in_order(self.out_shape, self.dtype, self.out_order)
        if self._empty:
            return result
        target = result
        if not self.native:
            # arithmetic needs native byte order: a native copy in the input's memory order
            # (order='K', the layout the steps were prepared for, so the same kernels and
            # rounding as for the native twin); the result keeps the caller's dtype
            x = x.astype(x.dtype.newbyteorder("="), order="K")
            target = np.empty(result.shape, x.dtype)
        if self.check_int64:
            _check_exact_int64(x, self.plan)
        # a caller's large out= streams; a fresh result does not: its pages were just zeroed
        # by the kernel and are in the cache (docs/design.md, "Streaming stores")
        stream = target is out and out.nbytes >= STREAM_MIN_BYTES
        for step in self.steps:
            step(x, target, stream)
        if target is not result:
            np.copyto(result, target)
        return result


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


_PHYSICAL_MEMORY = _physical_memory()


def prepare(req):
    """Build the :class:`Executor` of a validated request (see the module docstring)."""
    x = req.array
    ex = Executor()
    ex.out_shape = tuple(x.shape[:2]) + tuple(req.out_sizes)
    nbytes = x.itemsize
    for n in ex.out_shape:
        nbytes *= n
    if _PHYSICAL_MEMORY is not None and nbytes > _PHYSICAL_MEMORY:
        # fail before planning (plans are proportional to the output sizes)
        raise MemoryError("cyresample: the result %s of %s needs %.3g GB, more than this machine's "
                          "%.3g GB of memory" % (ex.out_shape, x.dtype, nbytes / 1e9, _PHYSICAL_MEMORY / 1e9))
    ex.out_order = output_layout(x, req.mode)
    ex.dtype = x.dtype
    ex.native = x.dtype.isnative
    ex.check_int64 = False
    ex.plan = None
    ex._empty = 0 in ex.out_shape
    ex.steps = ()
    if ex._empty:
        return ex
    dtype = x.dtype if ex.native else x.dtype.newbyteorder("=")
    # the path rules look at the caller's layout (a byte-swapped array rounds like its
    # native twin); the steps are prepared for the arrays the kernels will see
    layout = (_layout.channels_last_contiguous(x), _layout.area_channels_last(x))
    if not ex.native:
        x = np.empty_like(x, dtype=dtype)  # the layout the executor converts inputs to (order 'K')
    code, family, _ = _dtypes.info(dtype)
    if req.mode in ("nearest", "nearest-exact"):
        code = code or "f32"
    elif family == "complex":
        code = _dtypes.info(_dtypes.component_dtype(dtype))[0]
    elif code is None:
        raise NotImplementedError("cyresample: mode %r does not support dtype %s (only the nearest "
                                  "modes copy arbitrary dtypes)" % (req.mode, x.dtype))
    key = _plan.plan_key(req.mode, x.shape, req.out_sizes, req.scales, req.align_corners,
                         req.antialias, code, layout)
    return _fill_executor(ex, x, _plan.get_plan(key), code, family)


def _fill_executor(ex, x, plan, code, family):
    n_out = int(np.prod(ex.out_shape))
    ex.plan = plan
    if plan.method == _plan.GATHER:
        ex.steps = (_gather_step(plan, x, n_out),)
    elif family == "complex":
        real = _plan_step(plan, code, n_out, x.real)
        ex.steps = (lambda xx, out, stream: real(xx.real, out.real, stream),
                    lambda xx, out, stream: real(xx.imag, out.imag, stream))
    else:
        ex.check_int64 = family == "int" and code in ("i64", "u64")
        ex.steps = (_plan_step(plan, code, n_out, x),)
    if len(ex.steps) == 1 and ex.native and not ex.check_int64:
        ex.fast_step = ex.steps[0]
        if ex.out_order is not None:
            ex.fast_layout = _physical_layout(ex.out_shape, ex.out_order)
    return ex


def executor_for_plan(x, plan, out_shape, out_order=None):
    """An :class:`Executor` that applies an arbitrary ``plan`` (e.g. an adjoint) to arrays
    shaped like ``x``, producing ``out_shape`` (memory order ``out_order``)."""
    ex = Executor()
    ex.out_shape = tuple(out_shape)
    ex.out_order = out_order
    ex.dtype = x.dtype
    ex.native = x.dtype.isnative
    ex.check_int64 = False
    ex.plan = plan
    ex._empty = 0 in ex.out_shape or x.size == 0
    ex.steps = ()
    if ex._empty:
        return ex
    dtype = x.dtype if ex.native else x.dtype.newbyteorder("=")
    if not ex.native:
        x = np.empty_like(x, dtype=dtype)  # the layout the executor will convert inputs to (order 'K')
    code, family, _ = _dtypes.info(dtype)
    if family == "complex":
        code = _dtypes.info(_dtypes.component_dtype(dtype))[0]
    return _fill_executor(ex, x, plan, code, family)


def _check_exact_int64(x, plan):
    """64-bit integers: refuse values that the arithmetic could not hold exactly.

    The interpolating modes compute in float64 (exact up to 2**53); area sums a
    window in 64-bit integers (exact while the sum fits in them).
    """
    if x.size == 0:
        return
    bound = max(abs(int(x.min())), abs(int(x.max())))
    if plan.method == _plan.AREA:
        window = 1
        for ax in plan.axes:
            window *= int(ax.ntaps.max()) if ax.n_out else 1
        limit = 2 ** 64 - 1 if x.dtype.kind == "u" else 2 ** 63 - 1
        if bound * window > limit:
            raise ValueError("cyresample: %s area windows of %d values up to %d overflow 64-bit "
                             "sums" % (x.dtype, window, bound))
        return
    if bound > _dtypes.EXACT_INT_LIMIT:
        raise ValueError("cyresample: %s values up to %d cannot be interpolated exactly (computed "
                         "in float64, exact up to 2**53); convert to float64 explicitly to accept "
                         "rounding" % (x.dtype, bound))


def _gather_step(plan, x, n_out):
    """Nearest modes: copy ``x[n, c, idx_d[o_d]...]`` for any dtype."""
    offsets = [np.arange(x.shape[0], dtype=np.intp) * x.strides[0],
               np.arange(x.shape[1], dtype=np.intp) * x.strides[1]]
    for d, ax in enumerate(plan.axes):
        offsets.append((ax.index[:, 0] * x.strides[2 + d]).astype(np.intp))
    gather = _kernels.gather
    # byte offsets for this shape and these strides only: gather refuses another layout
    checked = _kernels.check_gather(x, offsets)

    def step(xx, out, stream=False):
        gather(xx, out, offsets, _threads_for(n_out, n_out), checked)
    return step


def _plan_step(plan, code, n_out, x):
    """The kernel call(s) of a non-gather plan for arrays laid out like ``x``."""
    method = plan.method
    if method == _plan.SEPARABLE:
        return _separable_step(plan, code, n_out, x)
    if method == _plan.PRODUCT:
        index = [a.index for a in plan.axes]
        lam = [a.weight for a in plan.axes]
        product = _kernels.product_linear
        lanes, variant = plan.vector_lanes, plan.variant
        n_in = x.size  # an executor's steps see one input shape

        def step(xx, out, stream=False):
            product(xx, out, index, lam, lanes, variant, _threads_for(n_out, n_in), True)
        return step
    if method == _plan.AREA:
        starts = [np.ascontiguousarray(a.index[:, 0], dtype=np.int64) for a in plan.axes]
        sizes = [a.ntaps for a in plan.axes]
        area = _kernels.area_pool
        uniform = _kernels.area_uniform_width(starts[-1], sizes[-1])
        lanes, variant = plan.vector_lanes, plan.variant
        n_in = x.size

        def step(xx, out, stream=False):
            area(xx, out, starts, sizes, lanes, variant, _threads_for(n_out, n_in), True, uniform)
        return step
    if method == _plan.MEAN:
        return _run_mean
    if method == _plan.COPY:
        return lambda xx, out, stream=False: np.copyto(out, xx)
    raise AssertionError(method)  # pragma: no cover - the planner only produces the methods above


#: Whether ndarray.reshape takes copy=False (NumPy 2.1): a reshape that must be a view,
#: a tenth of the time of as_strided (this runs twice on every uint8 channels-last call).
_RESHAPE_NO_COPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


def _interleaved_view(a):
    """A channels-last 4-D array seen as (N, 1, H, W*C) — rows of interleaved pixels —
    or None when its W and C axes are not one contiguous run."""
    N, C, H, W = a.shape
    isz = a.itemsize
    if a.strides[1] != isz or a.strides[3] != C * isz:
        return None
    if _RESHAPE_NO_COPY:  # (W, C) is one contiguous run: a view, never a copy
        return a.transpose(0, 2, 3, 1).reshape((N, 1, H, W * C), copy=False)
    return np.lib.stride_tricks.as_strided(a, (N, 1, H, W * C), (a.strides[0], 0, a.strides[2], isz),
                                           writeable=a.flags.writeable)


def _u8_windows_step(plan, x, n_out, fallback):
    """uint8 images (spec §2.7) resampled W then H: the SIMD window kernels over bands of
    rows, planar (channels = 1) or on interleaved RGB/RGBA rows; None when they do not apply
    (then ``fallback`` runs: same numbers, table kernels)."""
    if x.ndim != 4 or plan.variant != "fixed" or tuple(plan.order) != (1, 0):
        return None
    ax_h, ax_w = plan.axes
    # a skipped axis has no windows: the other pass alone reads the source and writes the output
    win_w = None if ax_w.skip else ax_w.u8_windows()
    win_h = None if ax_h.skip else ax_h.u8_windows()
    if (win_w is None and not ax_w.skip) or (win_h is None and not ax_h.skip) or (win_w is None and win_h is None):
        return None
    C = x.shape[1]
    if C in (3, 4) and _interleaved_view(x) is not None:
        channels, view = C, _interleaved_view
    elif x.strides[3] == 1:
        channels, view = 1, (lambda a: a if a.strides[3] == 1 else None)
    else:
        return None
    band_rows, bands = _u8_bands(ax_h, win_h if win_w is not None else None, x.shape[0] * x.shape[1] // channels,
                                 ax_w.n_out * channels)
    poly = None if win_w is None else ax_w.polyphase()
    # up2 rows with int8-reducible weights: the two-phase kernels (int16 sums, 64 planar or
    # 126 RGB output bytes a step) beat every other W kernel on them
    poly2 = poly is not None and ax_w.k <= U8_POLY_MAX_TAPS and \
        _kernels.u8_poly2_applies(poly, ax_w.shift, ax_w.n_in, ax_w.n_out, channels)
    # otherwise, where this CPU has the byte-lane gather W kernel, it beats the others on
    # every table whose groups hold U8_LANES_MIN_BYTES output bytes or more on average (long
    # windows at large factors leave fewer per 128-byte source window)
    lanes_w = None
    if win_w is not None and _kernels.U8_LANES and not poly2:
        lanes_w = _kernels.u8_lane_table(win_w, channels, ax_w.n_in)
        if lanes_w is not None and ax_w.n_out * channels < U8_LANES_MIN_BYTES * len(lanes_w[0]):
            lanes_w = None
    if lanes_w is not None:
        poly = None
    # planar rows with short windows: the polyphase row kernel beats one SIMD dot per output
    poly_w = (ax_w.index, ax_w.weight, poly) if poly is not None and ax_w.k <= U8_POLY_MAX_TAPS and \
        (channels == 1 or poly2) else None
    pairs_w = None
    if channels > 1 and win_w is not None and lanes_w is None and ax_w.k <= U8_PAIR_MAX_TAPS and \
            (ax_w.n_out > ax_w.n_in or (_kernels.U8_ROW_LANES < 4 and ax_w.k <= U8_PAIR_SHRINK_MAX_TAPS)):
        npairs = (ax_w.k + 1) // 2
        pairs_w = (_kernels.u8_pair_weights(win_w, npairs), npairs)
    run = _kernels.u8_fused_2d

    def step(xx, out, stream=False):
        xv, ov = view(xx), view(out)
        if xv is None or ov is None:
            return fallback(xx, out, stream)
        run(xv, ov, channels, win_w, ax_w.shift, win_h, ax_h.shift, bands, band_rows,
            _threads_for(n_out, xx.size), poly_w, pairs_w, lanes_w, stream)
    return step


def _u8_bands(ax_h, win_h, planes, row_bytes):
    """``(band_rows, bands)`` for the uint8 window kernels: the tallest bands whose buffer of
    W-pass rows stays within U8_BAND_BYTES while every thread gets about two bands or more
    (at least U8_MIN_BANDS in all). Taller bands recompute fewer halo rows (rows that two
    bands' H windows share); the numbers never depend on the choice (exact integer sums).
    ``win_h=None`` (one pass only): no buffer, plain bands of output rows."""
    if win_h is None:
        return FUSED_BAND_ROWS, (None, None, 0)
    min_bands = max(U8_MIN_BANDS, 2 * get_num_threads())
    for rows in U8_BAND_ROWS:
        nb = (ax_h.n_out + rows - 1) // rows
        if rows != U8_BAND_ROWS[-1] and nb * planes < min_bands:
            continue
        bands = _kernels.fused_bands(ax_h.index, ax_h.ntaps, rows)
        if rows == U8_BAND_ROWS[-1] or bands[2] * row_bytes <= U8_BAND_BYTES:
            return rows, bands


def _separable_step(plan, code, n_out, x):
    step = _separable_table_step(plan, code, n_out, x)
    if code == "u8":
        return _u8_windows_step(plan, x, n_out, step) or step
    return step


def _separable_table_step(plan, code, n_out, x):
    # Channels-last images (C > 1, W and C one contiguous run): the W pass is a plain row
    # pass over W*C interleaved values with the expanded table (same numbers), which lets
    # the polyphase and fused kernels run on them (docs/design.md, "Channels-last").
    nd = x.ndim
    if nd == 4 and x.shape[1] > 1 and plan.order and plan.order[0] == 1 and not plan.axes[1].skip and \
            _interleaved_view(x) is not None:
        C = x.shape[1]
        flat = _plan.Plan(plan.method, (plan.axes[0], plan.axes[1].expand(C)), plan.order, plan.opmath,
                          plan.vector_lanes, plan.variant)
        inner = _separable_rows_step(flat, code, n_out, _interleaved_view(x))
        generic = _separable_rows_step(plan, code, n_out, x)

        def step(xx, out, stream=False):
            xv, ov = _interleaved_view(xx), _interleaved_view(out)
            if xv is None or ov is None:
                return generic(xx, out, stream)
            inner(xv, ov, stream)
        return step
    return _separable_rows_step(plan, code, n_out, x)


def separable_passes(plan, code, x):
    """The passes of a separable plan on arrays laid out like ``x``, in run order (spec §3.2:
    the last axis first), shared by every backend:
    ``([(inter_shape or None for the last, axis, AxisPlan, variant, n_elements)],
    intermediate dtype, intermediates' memory order)``."""
    passes = [d for d in plan.order if not plan.axes[d].skip]
    order_axes = _memory_order(x)
    fixed = plan.variant == "fixed"
    t_code = "u8" if fixed else ("f64" if plan.opmath == np.float64 else "f32")
    inter_dtype = np.dtype(np.uint8) if fixed else np.dtype(plan.opmath)
    shape = list(x.shape)
    prepared = []
    for k, d in enumerate(passes):
        ax = plan.axes[d]
        shape[2 + d] = ax.n_out
        last = k == len(passes) - 1
        src_code = code if k == 0 else t_code
        dst_code = code if last else t_code
        n = int(np.prod(shape))
        prepared.append((None if last else tuple(shape), 2 + d, ax, src_code + "_" + dst_code, n))
    return prepared, inter_dtype, order_axes


def _separable_rows_step(plan, code, n_out, x):
    prepared, inter_dtype, order_axes = separable_passes(plan, code, x)
    separable = _kernels.separable_pass
    # Fuse the first two passes (W, then H) over bands of output rows when the source rows
    # are contiguous: no intermediate plane goes through memory (docs/design.md, "Fusion").
    fused = None
    nd = x.ndim
    if len(prepared) >= 2 and prepared[0][1] == nd - 1 and prepared[1][1] == nd - 2 and \
            (prepared[0][3], prepared[1][3]) in _kernels.FUSED_PAIRS:
        ax_w, ax_h = prepared[0][2], prepared[1][2]
        band_rows = FUSED_BAND_ROWS
        bands = _kernels.fused_bands(ax_h.index, ax_h.ntaps, band_rows)
        pass_w = (ax_w.index, ax_w.weight, ax_w.ntaps, ax_w.shift, ax_w.polyphase(), ax_w.index_max)
        pass_h = (ax_h.index, ax_h.weight, ax_h.ntaps, ax_h.shift, None, ax_h.index_max)
        fused = (pass_w, pass_h, prepared[0][3], prepared[1][3], bands, band_rows, prepared[1][0],
                 prepared[1][4])
    # ... and the D pass after them, one output depth slice at a time from a per-thread ring
    # of W+H planes (docs/design.md, "Fused volumes"): no intermediate volume either
    fused3 = None
    if fused is not None and len(prepared) == 3 and prepared[2][1] == nd - 3:
        ax_d, v_d = prepared[2][2], prepared[2][3]
        if (prepared[0][3], prepared[1][3], v_d) in _kernels.FUSED_TRIPLES and \
                _kernels.fused3_applies(ax_d.index, ax_d.ntaps):
            planes = int(np.prod(x.shape[:nd - 3]))
            ring_bytes = ax_d.k * ax_h.n_out * ax_w.n_out * inter_dtype.itemsize
            inter_bytes = int(np.prod(prepared[1][0])) * inter_dtype.itemsize
            fused3 = ((ax_d.index, ax_d.weight, ax_d.ntaps, ax_d.shift, None, ax_d.index_max), v_d,
                      planes * ax_d.n_out, prepared[2][4], ring_bytes, inter_bytes)
    fused_pass = _kernels.fused_passes
    # the intermediates' memory layouts, worked out once (np.empty(shape).transpose(axes))
    layouts = {p[0]: _physical_layout(p[0], order_axes) for p in prepared if p[0] is not None}

    def intermediate(shape):
        phys_shape, axes = layouts[shape]
        return np.empty(phys_shape, inter_dtype).transpose(axes)

    def step(xx, out, stream=False):
        src = xx
        todo = prepared
        if fused is not None and xx.strides[-1] == xx.itemsize:
            pass_w, pass_h, v_w, v_h, bands, band_rows, inter_shape, n = fused
            if fused3 is not None:
                pass_d, v_d, slices, n3, ring_bytes, inter_bytes = fused3
                nthreads = _threads_for(n3, xx.size)
                # enough slices to share among the threads, and rings no larger than the
                # intermediate volume (or small)
                if slices >= 2 * nthreads and \
                        ring_bytes * max(nthreads, 1) <= max(FUSED3_RING_BYTES, inter_bytes):
                    fused_pass(xx, out, pass_w, pass_h, v_w, v_h, bands,
                               band_rows, nthreads, stream, pass_d, v_d)
                    return
            dst = out if inter_shape is None else intermediate(inter_shape)
            fused_pass(xx, dst, pass_w, pass_h, v_w, v_h, bands, band_rows,
                       _threads_for(n, xx.size), stream and dst is out)
            src = dst
            todo = prepared[2:]
        for inter_shape, axis, ax, variant, n in todo:
            dst = out if inter_shape is None else intermediate(inter_shape)
            separable(src, dst, axis, ax.index, ax.weight, ax.ntaps,
                      variant, ax.shift, _threads_for(n, src.size), ax.polyphase(), ax.index_max,
                      stream and dst is out)
            src = dst
    return step


def _run_mean(x, out, stream=False):
    # Every output size is 1: PyTorch returns x.mean(spatial) (spec §2.5, §6 F12), whose
    # summation order depends on its thread count. We sum in float64 (pairwise for float64
    # input) and divide once: within an ulp of torch, not bit-identical.
    axes = tuple(range(2, x.ndim))
    with np.errstate(all="ignore"):  # NaN/Inf propagate silently, as in every other mode
        if x.dtype == np.float64:
            m = np.mean(x, axis=axes, keepdims=True)
        else:
            m = np.sum(x.astype(np.float64), axis=axes, keepdims=True) / np.prod(x.shape[2:])
        np.copyto(out, m.astype(out.dtype))
