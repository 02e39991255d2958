"""The planner: arguments in, per-axis index/weight tables out.

Every mode is a per-axis plan (docs/design.md, "Plans"). For each spatial
axis, :class:`AxisPlan` lists, for every output index ``o``, the source
indices ``index[o, :ntaps[o]]`` and weights ``weight[o, :ntaps[o]]``. The
whole call is a :class:`Plan`: a kernel *method* plus one ``AxisPlan`` per
spatial axis. The CPU kernels (and later the CUDA and Dask backends) consume
plans and never recompute a coordinate, so each formula lives here once.

The arithmetic reproduces PyTorch 2.13's CPU kernels in its DEFAULT build
(plain IEEE, one rounding per operation, no FMA): every value is computed in
the *opmath* type ``T`` (float32 for float32 input, float64 for float64) with
NumPy scalar/array arithmetic in that type, in the order of the cited
section of docs/torch-semantics.md (``spec §x``). Indices are int64.

Plans are built from global coordinates, so a sub-range of outputs is planned
by slicing (:meth:`AxisPlan.slice`), which keeps chunked execution
bit-identical to the whole-array result.
"""
import functools
import math

import numpy as np

F32 = np.float32
F64 = np.float64
I64 = np.int64

#: Kernel methods a :class:`Plan` can ask for.
GATHER = "gather"          # copy src[index] (nearest modes)
SEPARABLE = "separable"    # weighted taps, one pass per axis (linear generic, cubic, antialias, lanczos)
PRODUCT = "product"        # corner weights = products of per-axis lambdas (torch's channels-last linear kernel)
AREA = "area"              # adaptive average pooling windows
MEAN = "mean"              # area with every output size 1: the mean over the spatial axes
COPY = "copy"              # nothing to resample


class AxisPlan:
    """Index and weight tables of one spatial axis.

    Attributes
    ----------
    n_in, n_out : int
        Input and output length of the axis.
    index : ndarray of int64, shape (n_out, k)
        Source index of each tap, in ``[0, n_in)``. For ``area`` plans,
        column 0 is the window start.
    weight : ndarray of float32/float64, shape (n_out, k), or None
        Weight of each tap in the opmath type; None for gather and area plans.
    ntaps : ndarray of int64, shape (n_out,)
        Taps used by each output (``<= k``); taps past it are never read.
    skip : bool
        True when this axis is not resampled at all (the pass is skipped).
    shift : int
        Fixed-point precision of int32 weights (uint8 plans, spec §2.7); 0 otherwise.
    """

    __slots__ = ("n_in", "n_out", "index", "weight", "ntaps", "skip", "shift", "window", "index_max", "_poly", "_expanded",
                 "_u8win", "__weakref__")

    def __init__(self, n_in, n_out, index, weight, ntaps, skip=False, shift=0, window=False):
        self.n_in = int(n_in)
        self.n_out = int(n_out)
        self.index = np.ascontiguousarray(index, dtype=I64)
        self.weight = None if weight is None else np.ascontiguousarray(weight)
        self.ntaps = np.ascontiguousarray(ntaps, dtype=I64)
        self.skip = bool(skip)
        self.shift = int(shift)
        self.window = bool(window)
        # memory safety, checked once: every tap a kernel will read lies in [0, n_in)
        k = self.index.shape[1] if self.index.ndim == 2 else 0
        if self.index.shape[0] != self.n_out or self.ntaps.shape != (self.n_out,) or (
                self.weight is not None and self.weight.shape != self.index.shape):
            raise ValueError("AxisPlan: table shapes disagree")
        if self.n_out and window:  # area: index[:, 0] = window start, ntaps = window length
            stop = self.index[:, 0] + self.ntaps
            if self.index.min() < 0 or self.ntaps.min() < 1 or stop.max() > self.n_in:
                raise ValueError("AxisPlan: area window out of range")
            self.index_max = int(stop.max()) - 1
        elif self.n_out:
            # ntaps == 0 (no tap reaches that output: adjoint tables) computes 0
            if self.ntaps.min() < 0 or self.ntaps.max() > k:
                raise ValueError("AxisPlan: tap counts out of range")
            used = self.index[np.arange(k)[None, :] < self.ntaps[:, None]]
            if used.size and (used.min() < 0 or used.max() >= self.n_in):
                raise ValueError("AxisPlan: source index out of range")
            self.index_max = int(used.max()) if used.size else 0
        else:
            self.index_max = 0
        for a in (self.index, self.weight, self.ntaps):
            if a is not None:
                a.setflags(write=False)

    @property
    def k(self):
        """Table width: the largest number of taps of any output."""
        return self.index.shape[1]

    def slice(self, start, stop):
        """Plan of the outputs ``start:stop`` with global source indices.

        Parameters
        ----------
        start, stop : int
            Output sub-range, ``0 <= start <= stop <= n_out``.

        Returns
        -------
        AxisPlan
            The same rows (bit for bit); ``n_out = stop - start``.
        """
        w = None if self.weight is None else self.weight[start:stop]
        return AxisPlan(self.n_in, stop - start, self.index[start:stop], w, self.ntaps[start:stop],
                        self.skip and start == 0 and stop == self.n_out, self.shift, self.window)

    def expand(self, channels):
        """The table over rows of ``n * channels`` interleaved values (channels-last pixels).

        Output ``o*C + c`` reads inputs ``index[o, k]*C + c`` with the same weights:
        the same numbers, so a channels-last W pass runs as a plain row pass.
        Cached per plan and channel count.
        """
        cache = getattr(self, "_expanded", None)
        if cache is None:
            cache = {}
            object.__setattr__(self, "_expanded", cache)
        got = cache.get(channels)
        if got is None:
            C = int(channels)
            c = np.arange(C, dtype=I64)
            idx = (self.index[:, None, :] * C + c[None, :, None]).reshape(self.n_out * C, self.k)
            w = None if self.weight is None else np.repeat(self.weight, C, axis=0)
            got = AxisPlan(self.n_in * C, self.n_out * C, idx, w, np.repeat(self.ntaps, C),
                           self.skip, self.shift)
            cache[channels] = got
        return got

    def polyphase(self):
        """The periodic interior of the table, for the vectorised row kernels.

        Integer and rational scale factors give tables whose rows repeat every
        ``P`` outputs with every source index advanced by ``Q`` (up2: P=2,
        Q=1; down2: P=1, Q=2). Returns ``None`` or a tuple ``(P, Q, o_lo, M,
        base, weight)``: outputs ``o_lo + P*m + phi`` for ``0 <= m < M`` use
        taps ``base[phi] + Q*m`` with ``weight[phi]`` — the same numbers as
        the table, so the result is bit-identical. Cached per plan.
        """
        cached = getattr(self, "_poly", False)
        if cached is not False:
            return cached
        res = _find_polyphase(self) if self.weight is not None else None
        object.__setattr__(self, "_poly", res)
        return res

    def u8_windows(self):
        """The table as contiguous int16 windows, for the SIMD uint8 kernels (spec §2.7).

        Returns ``None`` unless this is a fixed-point table whose taps are
        consecutive (``index[o, k] = index[o, 0] + k`` for ``k < ntaps[o]``)
        and whose weights fit in int16 (as PyTorch stores them), else
        ``(xmin, xsize, w16, kp)``: window starts and sizes (int64), the
        weights as int16 of shape ``(n_out, kp)`` with ``kp`` a multiple of 8
        and zeros past each window. The same numbers as the table, so the
        kernels are bit-identical to the table kernels. Cached per plan.
        """
        cached = getattr(self, "_u8win", False)
        if cached is not False:
            return cached
        res = None
        if self.shift > 0 and not self.window and self.weight is not None and self.n_out and \
                self.weight.dtype == np.int32 and self.ntaps.min() >= 1:
            k = self.k
            cols = np.arange(k, dtype=I64)[None, :]
            used = cols < self.ntaps[:, None]
            xmin = np.ascontiguousarray(self.index[:, 0])
            consecutive = bool(((self.index == xmin[:, None] + cols) | ~used).all())
            w = np.where(used, self.weight, 0)
            if consecutive and int(np.abs(w).max()) <= 32767 and \
                    int((xmin + self.ntaps).max()) <= self.n_in and int(xmin.min()) >= 0:
                kp = (k + 7) // 8 * 8
                w16 = np.zeros((self.n_out, kp), np.int16)
                w16[:, :k] = w
                res = (xmin, self.ntaps, w16, kp)
                for a in res[:3]:
                    a.setflags(write=False)
        object.__setattr__(self, "_u8win", res)
        return res

    def source_range(self):
        """Smallest half-open input range ``(lo, hi)`` that every tap lies in."""
        if self.n_out == 0:
            return 0, 0
        if self.window:
            return int(self.index[:, 0].min()), int((self.index[:, 0] + self.ntaps).max())
        cols = np.arange(self.k)[None, :] < self.ntaps[:, None]
        used = self.index[cols]
        if used.size == 0:
            return 0, 0
        return int(used.min()), int(used.max()) + 1

    def __repr__(self):
        return "AxisPlan(n_in=%d, n_out=%d, k=%d%s)" % (self.n_in, self.n_out, self.k,
                                                       ", skip" if self.skip else "")


#: Longest period searched by :meth:`AxisPlan.polyphase`, and the shortest run worth it.
MAX_PERIOD = 16
MIN_PERIODS = 8


def _find_polyphase(ax):
    n, idx, w, nt = ax.n_out, ax.index, ax.weight, ax.ntaps
    best = None
    for P in range(1, min(MAX_PERIOD, n // MIN_PERIODS) + 1):
        d = idx[P:] - idx[:-P]
        Q = int(d[len(d) // 2, 0]) if len(d) else 0
        if Q <= 0:
            continue
        same = ((d == Q).all(1) & (w[P:] == w[:-P]).all(1) & (nt[P:] == nt[:-P]))
        if not same.any():
            continue
        # longest run of True in `same`: rows [a - P, b) are periodic
        edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
        starts, stops = edges[::2], edges[1::2]
        k = int(np.argmax(stops - starts))
        a, b = int(starts[k]) + P, int(stops[k]) + P
        o_lo = a - P
        M = (b - o_lo) // P
        if M < MIN_PERIODS:
            continue
        K = int(nt[o_lo])
        if K < 1 or not (nt[o_lo:o_lo + P] == K).all():
            continue
        if best is None or M * P > best[3] * best[0]:
            base = np.ascontiguousarray(idx[o_lo:o_lo + P, :K])
            wts = np.ascontiguousarray(w[o_lo:o_lo + P, :K])
            best = (P, Q, o_lo, M, base, wts)
        if M * P >= n - 2 * P - 8:  # good enough: almost every output is covered
            break
    return best


class Plan:
    """Everything the kernels need for one call, independent of the data.

    Attributes
    ----------
    method : str
        One of ``gather``, ``separable``, ``product``, ``area``, ``mean``, ``copy``.
    axes : tuple of AxisPlan
        One per spatial axis, in array order.
    order : tuple of int
        Spatial axes in the order their passes run (``separable``):
        last axis first, as PyTorch nests its sums (spec §3.2).
    opmath : numpy dtype
        The type all arithmetic is done in (spec "Notation").
    vector_lanes : int
        ``product`` and ``area``: PyTorch's SIMD width in channels (spec §3.2,
        §2.5); channels ``c < C - C % vector_lanes`` use the vector evaluation
        order. 0 when not applicable.
    variant : str
        Kernel specialisation: the storage dtype code for ``product`` and
        ``area`` (``f16_low`` for PyTorch's reduced-precision 3-D pooling);
        ``"fixed"`` for uint8 fixed-point separable passes; else empty.
    """

    __slots__ = ("method", "axes", "order", "opmath", "vector_lanes", "out_sizes", "variant")

    def __init__(self, method, axes, order, opmath, vector_lanes=0, variant=""):
        self.method = method
        self.axes = tuple(axes)
        self.order = tuple(order)
        self.opmath = np.dtype(opmath)
        self.vector_lanes = int(vector_lanes)
        self.out_sizes = tuple(a.n_out for a in self.axes)
        self.variant = variant

    def __repr__(self):
        return "Plan(%s, %r, order=%r, opmath=%s)" % (self.method, self.axes, self.order, self.opmath)


# ----------------------------------------------------------------------------------------------
# shared scalar definitions (spec §2.0)
# ----------------------------------------------------------------------------------------------
def area_pixel_compute_scale(n_in, n_out, align_corners, scale, T):
    """The kernel scale ``s`` (spec §2.0; ATen ``area_pixel_compute_scale``).

    ``align_corners``: ``T(in-1)/T(out-1)`` (0 for one output); else
    ``RN_T(1/scale)`` when a positive user scale reaches the kernel, else
    ``T(in)/T(out)``. Divisions are done in ``T`` except ``1/scale``, which
    PyTorch evaluates in double and then rounds.
    """
    if align_corners:
        return T(n_in - 1) / T(n_out - 1) if n_out > 1 else T(0)
    if scale is not None and scale > 0:
        return T(1.0 / scale)
    return T(n_in) / T(n_out)


def _fma(a, b, c, T):
    """``a*b + c`` rounded once to ``T`` (elementwise).

    float32: the product of two float32 values and the sum with a small
    constant are exact in float64 for every size this library accepts, so a
    single final rounding gives the fused result. float64: Dekker's exact
    product plus a compensated sum, which is the correctly rounded result
    except in double-rounding corner cases far below index resolution.
    """
    a = np.asarray(a, F64)
    b = np.asarray(b, F64)
    c = np.asarray(c, F64)
    if T == F32:
        return (a * b + c).astype(F32)
    p = a * b
    split = 134217729.0  # 2**27 + 1
    def _split(v):
        t = split * v
        hi = t - (t - v)
        return hi, v - hi
    ah, al = _split(a)
    bh, bl = _split(b)
    perr = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    serr = (p - (s - bb)) + (c - bb)
    return s + (perr + serr)


def source_coordinate(s, n_out, align_corners, cubic, T, fused=False):
    """Source coordinate ``r`` of every output index (spec §2.0).

    ``align_corners``: ``RN_T(s*i)``. Otherwise ``RN_T(RN_T(s*(i+0.5)) - 0.5)``
    (DEFAULT build) or, with ``fused``, ``RN_T(s*(i+0.5) - 0.5)`` (the FMA of
    PyTorch's vectorised builds). Non-cubic modes clamp ``r < 0`` to 0.
    """
    i = np.arange(n_out, dtype=I64).astype(T)
    if align_corners:
        return (T(s) * i).astype(T)
    h = (i + T(0.5)).astype(T)
    if fused:
        r = _fma(T(s), h, T(-0.5), T).astype(T)
    else:
        r = ((T(s) * h).astype(T) - T(0.5)).astype(T)
    if not cubic:
        r = np.where(r < 0, T(0), r).astype(T)
    return r


def floorf(r):
    """``floor`` after conversion to float32 (spec §2.0 'floorf quirk')."""
    return np.floor(np.asarray(r).astype(F32)).astype(I64)


# ----------------------------------------------------------------------------------------------
# per-axis planners, one per formula of spec §2; cached on scalar keys
# ----------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=512)
def nearest_axis(n_in, n_out, scale, T, exact, path):
    """``nearest`` (spec §2.1) or ``nearest-exact`` (§2.2) source indices.

    ``path`` is ``'generic'`` or ``'cl'``: PyTorch computes the index
    differently in its channels-last/small-output kernel (spec §3.1).
    nearest-exact's generic coordinate follows the stock x86-64 builds, which
    fuse ``s*(i+0.5) - 0.5`` (spec §2.2, §6 F3): it is the only index map
    that differs between builds, and the stock one is what users run.
    """
    i = np.arange(n_out, dtype=I64)
    if path == "cl":
        s = area_pixel_compute_scale(n_in, n_out, False, scale, F32)
        if not exact:
            if n_out == n_in:
                src = i
            elif n_out == 2 * n_in:
                src = i >> 1
            else:
                src = np.floor(i.astype(F32) * s).astype(I64)
        else:
            src = floorf((i + 0.5) * F64(s))
    else:
        s = area_pixel_compute_scale(n_in, n_out, False, scale, T)
        if not exact:
            src = floorf((T(s) * i.astype(T)).astype(T))
        else:
            r = source_coordinate(s, n_out, False, False, T, fused=True)
            src = floorf(r.astype(F64) + 0.5)
    src = np.minimum(src, n_in - 1)
    return AxisPlan(n_in, n_out, src[:, None], None, np.ones(n_out, I64))


@functools.lru_cache(maxsize=512)
def linear_axis(n_in, n_out, align_corners, scale, T, store=None):
    """2-tap ``linear`` weights (spec §2.3); ``weight[:, 0]`` is λ0.

    ``out == in`` gives taps ``(i, i)`` with weights ``(1, 0)`` whatever the
    scale: the zero-weight tap is still multiplied, so Inf becomes NaN
    exactly as in PyTorch (spec §4.2). ``store`` (``"f16"``/``"bf16"``):
    PyTorch's generic kernel rounds λ1 to the input dtype, takes
    ``λ0 = 1 - λ1`` from the rounded value and stores λ0 in the dtype too.
    """
    i = np.arange(n_out, dtype=I64)
    if n_out == n_in:
        idx = np.stack([i, i], 1)
        w = np.stack([np.ones(n_out, T), np.zeros(n_out, T)], 1)
        return AxisPlan(n_in, n_out, idx, w, np.full(n_out, 2, I64))
    s = area_pixel_compute_scale(n_in, n_out, align_corners, scale, T)
    r = source_coordinate(s, n_out, align_corners, False, T)
    i0 = np.minimum(floorf(r), n_in - 1)
    l1 = np.clip((r - i0.astype(T)).astype(T), T(0), T(1)).astype(T)
    i1 = i0 + (i0 < n_in - 1)
    l1 = round_to_storage(l1, store)
    l0 = round_to_storage((T(1) - l1).astype(T), store)
    return AxisPlan(n_in, n_out, np.stack([i0, i1], 1), np.stack([l0, l1], 1), np.full(n_out, 2, I64))


def _cubic_conv1(x, A, T):
    """Keys ``((A+2)x - (A+3))x² + 1`` for ``|x| <= 1``, left to right in T (spec §2.4)."""
    return (((((T(A + 2) * x).astype(T) - T(A + 3)).astype(T) * x).astype(T) * x).astype(T) + T(1)).astype(T)


def _cubic_conv2(x, A, T):
    """Keys ``((Ax - 5A)x + 8A)x - 4A`` for ``1 < |x| < 2``, left to right in T (spec §2.4)."""
    u = ((T(A) * x).astype(T) - T(5 * A)).astype(T)
    v = ((u * x).astype(T) + T(8 * A)).astype(T)
    return ((v * x).astype(T) - T(4 * A)).astype(T)


@functools.lru_cache(maxsize=512)
def cubic_axis(n_in, n_out, align_corners, scale, T, store=None):
    """4-tap ``bicubic`` weights, A = -0.75, border replicate (spec §2.4).

    Clamped duplicate taps stay separate terms; there is no same-size
    shortcut (spec §6 F5). Weights are rounded through the storage dtype
    (``store``) as PyTorch stores them in the input dtype.
    """
    s = area_pixel_compute_scale(n_in, n_out, align_corners, scale, T)
    r = source_coordinate(s, n_out, align_corners, True, T)
    k = np.minimum(floorf(r), n_in - 1)
    t = np.clip((r - k.astype(T)).astype(T), T(0), T(1)).astype(T)
    A = -0.75
    x2 = (T(1) - t).astype(T)
    w = np.stack([_cubic_conv2((t + T(1)).astype(T), A, T), _cubic_conv1(t, A, T),
                  _cubic_conv1(x2, A, T), _cubic_conv2((x2 + T(1)).astype(T), A, T)], 1).astype(T)
    w = round_to_storage(w, store)
    idx = np.clip(k[:, None] + np.arange(-1, 3, dtype=I64)[None, :], 0, n_in - 1)
    return AxisPlan(n_in, n_out, idx, w, np.full(n_out, 4, I64))


def _aa_filter(kind, x, T):
    """Antialias filters of spec §2.6, evaluated in T on ``|x|``."""
    x = np.abs(x).astype(T)
    if kind == "linear":
        return np.where(x < 1, (T(1) - x).astype(T), T(0)).astype(T)
    if kind == "cubic":
        A = -0.5
        return np.where(x < 1, _cubic_conv1(x, A, T),
                        np.where(x < 2, _cubic_conv2(x, A, T), T(0))).astype(T)
    # lanczos-3: sinc(x) * sinc(x / 3) (spec §2.8), C library sin in double.
    out = np.zeros(x.shape, T)
    flat = x.ravel()
    res = out.ravel()
    for n, v in enumerate(flat.tolist()):
        if v < 3.0:
            res[n] = _sinc(v, T) * _sinc(float(T(v) / T(3)), T)
    return out


def _sinc(v, T):
    """``sin(pi v) / (pi v)`` with ``sinc(0) = 1``, rounded to T."""
    if v == 0.0:
        return T(1)
    pv = T(T(v) * T(math.pi))
    return T(T(math.sin(float(pv))) / pv)


_AA_SUPPORT = {"linear": 1.0, "cubic": 2.0, "lanczos": 3.0}


@functools.lru_cache(maxsize=512)
def antialias_axis(n_in, n_out, align_corners, scale, kind, T):
    """Separable antialias weights (spec §2.6, lanczos §2.8).

    Taps ``xmin .. xmin+xsize-1`` only; weights normalised by their
    sequential sum in T. ``index`` holds ``xmin + j``; taps past ``ntaps``
    are padding and never read.
    """
    xmin, xsize, w, _ = _aa_table(n_in, n_out, align_corners, scale, kind, T)
    j = np.arange(w.shape[1], dtype=I64)[None, :]
    valid = j < xsize[:, None]
    idx = np.where(valid, xmin[:, None] + j, np.minimum(xmin[:, None], n_in - 1))
    return AxisPlan(n_in, n_out, idx, w, np.maximum(xsize, 1))


def round_to_storage(w, code):
    """Round opmath weights through a reduced storage dtype (float16/bfloat16), as
    PyTorch stores its generic-kernel weights in the input dtype (spec §2.3, §2.4)."""
    if code == "f16":
        return w.astype(np.float16).astype(w.dtype)
    if code == "bf16":
        bits = np.ascontiguousarray(w, dtype=F32).view(np.uint32)
        rounded = ((bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16))
        return (rounded << np.uint32(16)).astype(np.uint32).view(F32).astype(w.dtype)
    return w


def _aa_table(n_in, n_out, align_corners, scale, kind, T):
    """Normalised antialias weights (spec §2.6): ``xmin, xsize, w, nonzero_total``."""
    s = area_pixel_compute_scale(n_in, n_out, align_corners, scale, T)
    half = _AA_SUPPORT[kind]
    support = T(half * F64(s)) if s >= 1.0 else T(half)
    max_taps = int(math.ceil(F64(support))) * 2 + 1
    inv = T(1.0 / F64(s)) if s >= 1.0 else T(1.0)
    i = np.arange(n_out, dtype=I64)
    center = (F64(s) * (i + 0.5)).astype(T)
    # trunc(x + 0.5) in double, as C++ casts to int64 (spec §2.6)
    xmin = np.maximum(np.trunc((center - support).astype(T).astype(F64) + 0.5), 0).astype(I64)
    xmax = np.minimum(np.trunc((center + support).astype(T).astype(F64) + 0.5).astype(I64), n_in)
    xsize = np.clip(xmax - xmin, 0, max_taps)
    j = np.arange(max_taps, dtype=I64)[None, :]
    valid = j < xsize[:, None]
    d = ((xmin[:, None] + j).astype(T) - center[:, None]).astype(T)
    arg = ((d.astype(F64) + 0.5) * F64(inv)).astype(T)
    w = np.where(valid, _aa_filter(kind, arg, T), T(0)).astype(T)
    total = np.zeros(n_out, T)
    for col in range(max_taps):  # sequential sum in T, like the C++ loop
        total = (total + w[:, col]).astype(T)
    nz = total != 0
    w = np.where(nz[:, None], (w / np.where(nz, total, T(1))[:, None]).astype(T), w).astype(T)
    return xmin, xsize, w, nz


def _filter_f64(kind, x):
    """uint8 raw filters in float64 (spec §2.7): bilinear ``1-|x|``, bicubic A = -0.75."""
    x = np.abs(x)
    if kind == "linear":
        return np.where(x < 1, 1 - x, 0.0)
    A = -0.75
    c1 = ((A + 2) * x - (A + 3)) * x * x + 1
    c2 = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return np.where(x < 1, c1, np.where(x < 2, c2, 0.0))


@functools.lru_cache(maxsize=512)
def fixed_axis(n_in, n_out, align_corners, scale, kind, antialias):
    """uint8 fixed-point weights (spec §2.7): float64 weights quantised to int16 values.

    Without antialias, taps that fall outside the image are accumulated onto
    the nearest valid tap (the running-slot rule of §2.7); with antialias
    (and lanczos) the weights are §2.6 in float64. The precision ``p`` is the
    smallest in 0..21 with ``int(0.5 + wt_max * 2**(p+1)) >= 2**15`` (else
    22), and ``w16 = trunc(w * 2**p +- 0.5)``.
    """
    if antialias:
        xmin, xsize, w, nz = _aa_table(n_in, n_out, align_corners, scale, kind, F64)
        wt_max = float(w[nz].max()) if nz.any() else 0.0
    else:
        taps = 2 if kind == "linear" else 4
        s = area_pixel_compute_scale(n_in, n_out, align_corners, scale, F64)
        i = np.arange(n_out, dtype=I64)
        if align_corners:
            r = F64(s) * i
        else:
            r = F64(s) * (i + 0.5) - 0.5
            if taps == 2:
                r = np.where(r < 0, 0.0, r)
        k = np.minimum(floorf(r), n_in - 1)
        lam = np.clip(r - k, 0.0, 1.0)
        sup = taps // 2
        umin = k - sup + 1
        xmin = np.maximum(umin, 0)
        xsize = np.clip(np.minimum(k + sup + 1, n_in) - xmin, 0, taps)
        w = np.zeros((n_out, taps), F64)
        slot = np.zeros(n_out, I64)
        rows = np.arange(n_out)
        wt_max = 0.0
        for j in range(taps):
            wj = _filter_f64(kind, (j + 1 - sup) - lam)
            u = umin + j
            slot = np.where(u <= 0, 0, np.where(u >= n_in - 1, xsize - 1, slot))
            w[rows, slot] += wj
            if n_out:
                wt_max = max(wt_max, float(w[rows, slot].max()))
            slot = slot + 1
    p = 0
    while p < 22 and int(0.5 + wt_max * (1 << (p + 1))) < (1 << 15):
        p += 1
    v = w * float(1 << p)
    w16 = np.where(v < 0, np.trunc(v - 0.5), np.trunc(v + 0.5)).astype(np.int32)
    j = np.arange(w.shape[1], dtype=I64)[None, :]
    valid = j < xsize[:, None]
    w16 = np.where(valid, w16, 0).astype(np.int32)
    idx = np.where(valid, xmin[:, None] + j, np.minimum(xmin[:, None], n_in - 1))
    return AxisPlan(n_in, n_out, idx, w16, np.maximum(xsize, 1), shift=p)


@functools.lru_cache(maxsize=512)
def area_axis(n_in, n_out):
    """Adaptive-average-pooling windows (spec §2.5): ``start = floor(o*in/out)``,
    ``end = ceil((o+1)*in/out)`` in integer arithmetic."""
    o = np.arange(n_out, dtype=I64)
    if n_out == 0:
        return AxisPlan(n_in, 0, np.zeros((0, 1), I64), None, np.zeros(0, I64), window=True)
    start = (o * n_in) // n_out
    end = ((o + 1) * n_in + n_out - 1) // n_out
    return AxisPlan(n_in, n_out, start[:, None], None, end - start, window=True)


@functools.lru_cache(maxsize=64)
def identity_axis(n):
    """An axis that is not resampled."""
    i = np.arange(n, dtype=I64)
    return AxisPlan(n, n, i[:, None], None, np.ones(n, I64), skip=True)


# ----------------------------------------------------------------------------------------------
# whole-call planning
# ----------------------------------------------------------------------------------------------
_LINEAR_MODES = ("linear", "bilinear", "trilinear")


def plan_key(mode, shape, out_sizes, scales, align_corners, antialias, code, layout):
    """The hashable key of :func:`get_plan`: sizes, flags, the dtype code and the
    layout bits PyTorch's path rules look at: ``(channels_last_contiguous,
    area_channels_last)`` from :mod:`cyresample._layout`."""
    return (mode, tuple(shape[1:]), tuple(out_sizes), tuple(scales), bool(align_corners),
            bool(antialias), code, tuple(layout))


_HALF_LANES = 16  # Vectorized<Half/BFloat16>::size() of PyTorch's DEFAULT build


@functools.lru_cache(maxsize=256)
def get_plan(key):
    """Build (or fetch from the cache) the :class:`Plan` for a :func:`plan_key`.

    Path selection follows PyTorch's CPU rules (spec §3.1) wherever the rule
    depends only on sizes and layout; PyTorch's thread-count rule (bilinear,
    C == 3, one thread) is not reproduced, so results never depend on the
    thread count. ``code`` is a dtype code of ``_dtypes`` (complex inputs are
    planned as their component type).
    """
    mode, shape1, out_sizes, scales, align, antialias, code, (channels_last, area_cl) = key
    C = shape1[0]
    in_sizes = shape1[1:]
    nd = len(in_sizes)
    T = F64 if code in ("f64", "i8", "u16", "i16", "i32", "u32", "i64", "u64") else F32
    float_like = code in ("f32", "f64", "f16", "bf16")
    half = code in ("f16", "bf16")
    order = tuple(range(nd - 1, -1, -1))

    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        cl_path = (nd == 2 and ((channels_last and C > 3) or out_sizes[0] + out_sizes[1] <= 128)) or \
                  (nd == 3 and channels_last and C > 3)
        path = "cl" if cl_path else "generic"
        # opmath of the index math: float64 for float64 input, else float32 (spec 'Notation')
        Ti = F64 if code == "f64" else F32
        axes = [nearest_axis(in_sizes[d], out_sizes[d], scales[d], Ti, exact, path) for d in range(nd)]
        return Plan(GATHER, axes, order, Ti)

    if mode == "area":
        if all(o == 1 for o in out_sizes) and float_like:
            # torch's mean(); an empty spatial axis gives NaN (0/0), so its window is nominal
            return Plan(MEAN, [area_axis(max(n, 1), 1) for n in in_sizes], order, T)
        axes = [area_axis(in_sizes[d], out_sizes[d]) for d in range(nd)]
        lanes = 0
        variant = code
        if nd <= 2 and area_cl and C > 1 and float_like:  # channels-last pooling (spec §2.5)
            lanes = 8 if code == "f32" else (4 if code == "f64" else _HALF_LANES)
        if nd == 3 and half:  # 3-D float16/bfloat16 pooling accumulates in the dtype (spec §2.5)
            variant = code + "_low"
        return Plan(AREA, axes, order, T, lanes, variant)

    kind = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic",
            "lanczos": "lanczos"}[mode]
    if code == "u8":
        # PyTorch's uint8 path: separable fixed point, width first, same-size dims skipped,
        # uint8 between passes (spec §2.7); linear/trilinear use it too (extension).
        aa = antialias or mode == "lanczos"
        axes = []
        for d in range(nd):
            if in_sizes[d] == out_sizes[d]:
                axes.append(identity_axis(in_sizes[d]))
            else:
                sc = None if align else scales[d]
                axes.append(fixed_axis(in_sizes[d], out_sizes[d], align, sc, kind, aa))
        if all(a.skip for a in axes):
            return Plan(COPY, axes, (), T)
        return Plan(SEPARABLE, axes, order, T, variant="fixed")

    if antialias or mode == "lanczos":
        axes = []
        for d in range(nd):
            if in_sizes[d] == out_sizes[d]:  # a dim that keeps its size is skipped (spec §2.6)
                axes.append(identity_axis(in_sizes[d]))
            else:
                axes.append(antialias_axis(in_sizes[d], out_sizes[d], align, scales[d], kind, T))
        if all(a.skip for a in axes):
            return Plan(COPY, axes, (), T)
        return Plan(SEPARABLE, axes, order, T)

    store = code if half else None
    sc = [None if align else scales[d] for d in range(nd)]
    if kind == "linear":
        # integers follow float64's path rules (they are float64 arithmetic rounded once)
        product = (
            (nd == 2 and ((channels_last and C > 3) or out_sizes[0] + out_sizes[1] <= 128)) or
            (nd == 3 and channels_last and C > 3))
        if product:
            # the channels-last kernel keeps float32 lambdas, even for half dtypes (spec §2.3)
            axes = [linear_axis(in_sizes[d], out_sizes[d], align, sc[d], T) for d in range(nd)]
            lanes = 8 if code == "f32" else (_HALF_LANES if half else 4)
            return Plan(PRODUCT, axes, order, T, lanes, code)
        axes = [linear_axis(in_sizes[d], out_sizes[d], align, sc[d], T, store) for d in range(nd)]
        return Plan(SEPARABLE, axes, order, T)

    axes = [cubic_axis(in_sizes[d], out_sizes[d], align, sc[d], T, store) for d in range(nd)]
    return Plan(SEPARABLE, axes, order, T)
