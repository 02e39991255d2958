"""An independent dense float64 oracle for ``interpolate`` (pure NumPy; never imports torch
or the package's planner).

For every spatial axis the full ``(n_out, n_in)`` resampling matrix is built straight from
the mathematical definitions of the PyTorch behaviour spec (docs/torch-semantics.md §1.3,
§2): nearest and nearest-exact index maps, linear, cubic convolution (A = -0.75, border taps
clamped), the antialias filters (bilinear, bicubic with A = -0.5, lanczos-3, normalised over
the in-range taps) and the area windows. The matrices are applied one axis at a time in
float64 (the last axis first, as the spec's nested sums). Integer dtypes are rounded as the
spec / docs/semantics.md define it: uint8 half up and saturated after *every* pass
(fixed point with a uint8 intermediate, §2.7), the other integers once at the end.

What is deliberately NOT reproduced: the exact float rules (float32 coordinates, the
``floorf`` quirk, per-operation rounding, fixed-point weight quantisation, evaluation
order). Comparisons against this oracle therefore use a tolerance (:func:`tolerance`), and
nearest-neighbour outputs whose exact source coordinate lies within a hair of an integer
(where one float rounding decides the index) are reported as *ambiguous* and left out of
the comparison (:func:`interpolate` returns a mask).

The input must be finite: matrices multiply every input element, so ``0 * inf`` would give
NaN where the real kernels never read the element.
"""
import math

import numpy as np

__all__ = ["output_sizes", "axis_rows", "axis_matrix", "interpolate", "tolerance", "SEPARABLE_MODES"]

SEPARABLE_MODES = ("linear", "bilinear", "trilinear", "bicubic", "lanczos")
_AA_INTERP = {"bilinear": 2, "bicubic": 4, "lanczos": 6}
_CUBIC_A = -0.75
_AA_CUBIC_A = -0.5
# Relative half-width of the band around an integer in which a nearest-neighbour coordinate is
# "ambiguous": float32 coordinates (and 1/sf rounded to float32) move it by a few 1e-7.
_AMBIGUOUS = 1e-5


# ---------------------------------------------------------------------------------------------
# sizes and scales (spec §1.3)
# ---------------------------------------------------------------------------------------------

def output_sizes(in_sizes, size=None, scale_factor=None, mode="nearest", recompute_scale_factor=None):
    """``(out_sizes, kernel_scales)`` of a *valid* call (spec §1.2 steps 3-6, §1.3).

    ``kernel_scales[d]`` is the user scale that reaches the kernel, or None when the kernel
    derives the scale from the sizes (``size=``, recompute, area).
    """
    dim = len(in_sizes)
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        return [int(s) for s in sizes], [None] * dim
    sfs = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dim
    if mode == "area" or recompute_scale_factor:
        # Python arithmetic on the operand types (a numpy.float32 scale multiplies in float32)
        return [int(n * s) for n, s in zip(in_sizes, sfs)], [None] * dim
    # C++: trunc(double(in) * double(sf)); the kernel receives the scale
    return [int(float(n) * float(s)) for n, s in zip(in_sizes, sfs)], [float(s) for s in sfs]


def _kernel_scale(n_in, n_out, align_corners, scale):
    """``s`` of spec §2.0 in exact (float64) arithmetic."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    if scale is not None and scale > 0:
        return 1.0 / scale
    return n_in / n_out


def _near_integer(v):
    return abs(v - round(v)) <= _AMBIGUOUS * max(1.0, abs(v))


# ---------------------------------------------------------------------------------------------
# one axis
# ---------------------------------------------------------------------------------------------

def _cubic_conv1(x, a):
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic_conv2(x, a):
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _aa_filter(name, x):
    x = abs(x)
    if name == "bilinear":
        return max(0.0, 1.0 - x)
    if name == "bicubic":
        if x < 1:
            return _cubic_conv1(x, _AA_CUBIC_A)
        if x < 2:
            return _cubic_conv2(x, _AA_CUBIC_A)
        return 0.0
    if name == "lanczos":
        if x >= 3:
            return 0.0

        def sinc(v):
            return 1.0 if v == 0 else math.sin(math.pi * v) / (math.pi * v)
        return sinc(x) * sinc(x / 3.0)
    raise ValueError(name)


def axis_rows(mode, n_in, n_out, align_corners=False, scale=None, antialias=False,
              same_size_identity=None, rows=None):
    """Sparse form of :func:`axis_matrix`: ``{o: ({source index: weight}, ambiguous)}`` for
    the output indices ``rows`` (default: all). For axes too long for a dense matrix."""
    if mode in ("bilinear", "trilinear") and not antialias:
        mode = "linear"
    if same_size_identity is None:
        same_size_identity = mode == "linear" or antialias
    rows = range(n_out) if rows is None else rows
    result = {}
    s = None if mode == "area" else _kernel_scale(n_in, n_out, align_corners, scale)
    if antialias:
        interp = _AA_INTERP[mode]
        support = interp / 2 * s if s >= 1 else interp / 2
        inv = 1.0 / s if s >= 1 else 1.0
        max_taps = 2 * math.ceil(support) + 1
    for i in rows:
        i = int(i)
        row = {}
        amb = False

        def add(j, w):
            row[j] = row.get(j, 0.0) + w
        if n_out == n_in and same_size_identity:
            add(i, 1.0)
        elif mode == "area":
            start = (i * n_in) // n_out
            end = -((-(i + 1) * n_in) // n_out)
            for j in range(start, end):
                add(j, 1.0 / (end - start))
        elif mode == "nearest":
            c = s * i
            src = min(math.floor(c), n_in - 1)
            add(src, 1.0)
            if _near_integer(c) and min(round(c) - 1, n_in - 1) != min(round(c), n_in - 1):
                amb = True
            # PyTorch's channels-last nearest kernel shortcuts out == in (src = i) and
            # out == 2 in (src = i >> 1) whatever the user scale (spec §2.1, §6 F2)
            if (n_out == n_in and src != i) or (n_out == 2 * n_in and src != i >> 1):
                amb = True
        elif mode == "nearest-exact":
            c = s * (i + 0.5)
            add(min(math.floor(c), n_in - 1), 1.0)
            if _near_integer(c) and min(round(c) - 1, n_in - 1) != min(round(c), n_in - 1):
                amb = True
        elif antialias:
            center = s * (i + 0.5)
            xmin = max(int(center - support + 0.5), 0)
            xsize = min(max(min(int(center + support + 0.5), n_in) - xmin, 0), max_taps)
            w = [_aa_filter(mode, (xmin + j - center + 0.5) * inv) for j in range(xsize)]
            total = sum(w)
            for j in range(xsize):
                add(xmin + j, w[j] / total if total != 0 else w[j])
        elif mode == "linear":
            r = s * i if align_corners else s * (i + 0.5) - 0.5
            r = max(r, 0.0)
            i0 = min(math.floor(r), n_in - 1)
            lam1 = min(max(r - i0, 0.0), 1.0)
            i1 = i0 + 1 if i0 < n_in - 1 else i0
            add(i0, 1.0 - lam1)
            add(i1, lam1)
        elif mode == "bicubic":
            r = s * i if align_corners else s * (i + 0.5) - 0.5
            k = min(math.floor(r), n_in - 1)
            t = min(max(r - k, 0.0), 1.0)
            w = [_cubic_conv2(t + 1, _CUBIC_A), _cubic_conv1(t, _CUBIC_A),
                 _cubic_conv1(1 - t, _CUBIC_A), _cubic_conv2(2 - t, _CUBIC_A)]
            for j in range(4):
                add(min(max(k - 1 + j, 0), n_in - 1), w[j])
        else:
            raise ValueError("reference: unknown mode %r" % (mode,))
        result[i] = (row, amb)
    return result


def axis_matrix(mode, n_in, n_out, align_corners=False, scale=None, antialias=False,
                same_size_identity=None):
    """The ``(n_out, n_in)`` float64 resampling matrix of one spatial axis.

    Parameters
    ----------
    mode : str
        ``nearest``, ``nearest-exact``, ``linear`` (also for bilinear / trilinear),
        ``bicubic``, ``area``, or with ``antialias`` one of ``bilinear``, ``bicubic``,
        ``lanczos``.
    scale : float or None
        The user scale factor reaching the kernel (spec §1.3), or None.
    same_size_identity : bool, optional
        Whether ``n_out == n_in`` is a plain copy whatever the scale. Default: the spec's
        rule (linear family and antialias: yes, §2.3/§2.6; float bicubic and the nearest
        modes: no, they follow the coordinate, §2.4/§6 F5).

    Returns
    -------
    (M, ambiguous)
        ``M`` float64 ``(n_out, n_in)``; ``ambiguous`` bool ``(n_out,)``: rows of the
        nearest modes whose source index depends on float rounding (both neighbours are
        acceptable there).
    """
    M = np.zeros((n_out, n_in), np.float64)
    amb = np.zeros(n_out, bool)
    for i, (row, a) in axis_rows(mode, n_in, n_out, align_corners, scale, antialias,
                                 same_size_identity).items():
        for j, w in row.items():
            M[i, j] = w
        amb[i] = a
    return M, amb


# ---------------------------------------------------------------------------------------------
# the whole call
# ---------------------------------------------------------------------------------------------

def _round_int(v, dtype):
    info = np.iinfo(dtype)
    with np.errstate(invalid="ignore"):
        return np.clip(np.floor(v + 0.5), info.min, info.max)


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Reference result of a *valid* call on a finite array.

    Returns
    -------
    (y, mask)
        ``y``: float64 array of the output shape. Integer dtypes: saturated to the dtype's
        range but not rounded at the end (uint8 *is* rounded between separable passes, the
        documented uint8 intermediate), so an implementation must be within 0.5 (+ the
        tolerance terms) of it. ``mask``: bool array of
        the output shape, False where a nearest-neighbour index is ambiguous (compare only
        where it is True).
    """
    x = np.asarray(x)
    dt = x.dtype
    nd = x.ndim - 2
    in_sizes = x.shape[2:]
    outs, scales = output_sizes(in_sizes, size, scale_factor, mode, recompute_scale_factor)
    aa = bool(antialias) or mode == "lanczos"
    ac = bool(align_corners)
    is_u8 = dt == np.uint8
    is_int = dt.kind in "iu"
    y = x.astype(np.float64)
    mask = np.ones(x.shape[:2] + tuple(outs), bool)
    # uint8 skips same-size axes in every separable mode (spec §2.7, §6 F5)
    same_id = True if (is_u8 and mode in SEPARABLE_MODES) else None
    # the last axis first (spec §3.2 nesting; uint8 passes: width, then height)
    for d in reversed(range(nd)):
        M, amb = axis_matrix(mode, in_sizes[d], outs[d], ac, scales[d], aa, same_id)
        ax = 2 + d
        y = np.moveaxis(np.moveaxis(y, ax, -1) @ M.T, -1, ax)
        if amb.any():
            sel = [slice(None)] * mask.ndim
            sel[ax] = amb
            mask[tuple(sel)] = False
        if is_u8 and mode in SEPARABLE_MODES and outs[d] != in_sizes[d] and \
                any(outs[e] != in_sizes[e] for e in range(d)):
            y = _round_int(y, dt)          # uint8 intermediate between passes (§2.7)
    if is_int:
        # the final rounding is left to the comparison (tolerance 0.5): a float64 oracle can
        # put a value on the other side of an exact tie; saturation commutes with it
        info = np.iinfo(dt)
        y = np.clip(y, info.min, info.max)
    return y, mask


# ---------------------------------------------------------------------------------------------
# how close an implementation must be
# ---------------------------------------------------------------------------------------------

def tolerance(x, mode, in_sizes, out_sizes, antialias=False):
    """Absolute tolerance for ``|implementation - reference|`` (same units as ``x``).

    * float dtypes: ``(16 * spacing_f32(n) + K * eps_T) * max|x|`` with ``n`` the largest axis:
      coordinates are computed in float32 or pass through ``floorf`` (spec §2.0), which moves
      a coordinate by ~ulp_f32(n) and the value by up to 2 max|x| per unit coordinate (linear)
      -- 16 covers cubic slopes and antialias centres; ``K`` = 64 eps for float32/float64
      (weights, normalisation, up to ~16 rounded products, float32 ``sin``), 4 eps16 for
      float16 (weights stored in float16, one final rounding), and for 3-D area in float16,
      which accumulates in float16, the window size in eps16.
    * integers: 0.5 (the final rounding, which the oracle leaves out) plus the coordinate
      term; uint8 in separable modes adds 1.5 per extra pass (the uint8 intermediate may round
      to the other side of a tie than the oracle's, and the next pass's weights, sum|w| <= 1.4,
      carry that over) and 0.05 per pass for the fixed-point weight quantisation.
    """
    x = np.asarray(x)
    dt = x.dtype
    m = float(np.abs(x.astype(np.float64)).max()) if x.size else 0.0
    n = max(list(in_sizes) + list(out_sizes) + [1])
    coord = 16.0 * float(np.spacing(np.float32(n))) * m
    if mode in ("nearest", "nearest-exact"):
        return 0.0
    if dt.kind == "f":
        if dt.itemsize == 2:
            k = 4.0 * float(np.finfo(dt).eps)
            if mode == "area" and len(in_sizes) == 3:
                window = 1
                for i, o in zip(in_sizes, out_sizes):
                    window *= -(-i // max(o, 1)) + 1
                k = (window + 2) * float(np.finfo(dt).eps)
        else:
            k = 64.0 * float(np.finfo(dt).eps)
        return coord + k * m
    if dt == np.uint8 and mode in SEPARABLE_MODES:
        passes = max(1, sum(1 for i, o in zip(in_sizes, out_sizes) if i != o))
        return coord + 0.5 + 1.5 * (passes - 1) + 0.05 * passes
    return coord + 0.5 + 1e-9 * m
