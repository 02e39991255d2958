"""``resize``: interpolate's semantics on any axes of an array of any rank.

The array is seen — through a view, never a copy when one can be avoided — as
``(N, C, *resampled axes)``: the axes that are not resampled are moved in front
(transposes are free for strided kernels) and grouped into N and C. Then the
ordinary planner and executors of :func:`cyresample.interpolate` run on that
view, so on ``(N, C, spatial)`` input with ``axes=(2, ...)`` the result equals
``interpolate`` bit for bit, and every extension (any number of axes, cubic and
antialias in every rank, lanczos in every rank) uses the same per-axis formulas.
"""
import math
import numbers
import operator

import numpy as np

from . import _backend_cpu
from . import _validate

#: resize's mode names (what they do on any number of axes) -> canonical kind.
MODES = {
    "nearest": "nearest", "nearest-exact": "nearest-exact", "linear": "linear", "cubic": "cubic",
    "area": "area", "lanczos": "lanczos",
    # PyTorch's names are accepted too
    "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic",
}


def _torch_mode(kind, k):
    """The planner's (PyTorch) mode name for ``kind`` on ``k`` resampled axes."""
    if kind == "linear":
        return {1: "linear", 2: "bilinear", 3: "trilinear"}.get(k, "linear")
    if kind == "cubic":
        return "bicubic"
    return kind


def _normalize_axes(axes, ndim, count):
    if axes is None:
        if count is None:
            return tuple(range(ndim))
        if count > ndim:
            raise ValueError("%d output sizes given for an array of rank %d" % (count, ndim))
        return tuple(range(ndim - count, ndim))
    if isinstance(axes, numbers.Integral):
        axes = (axes,)
    try:
        axes = tuple(operator.index(a) for a in axes)
    except TypeError:
        raise TypeError("axes must be an int or a sequence of ints, got %r" % (axes,)) from None
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError("axis %d is out of bounds for an array of rank %d" % (a, ndim))
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError("repeated axis in axes=%r" % (axes,))
    if count is not None and count != len(out):
        raise ValueError("%d axes but %d output sizes/scales" % (len(out), count))
    return tuple(out)


def _per_axis(value, name, count):
    if value is None:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        seq = list(np.asarray(value).tolist()) if isinstance(value, np.ndarray) else list(value)
        if count is not None and len(seq) != count:
            raise ValueError("%s has %d entries for %d axes" % (name, len(seq), count))
        return seq
    return None if count is None else [value] * count


def _merge_leading(view, n_lead):
    """Merge the first ``n_lead`` axes of ``view`` into one without copying, or None."""
    if n_lead <= 1:
        return view
    merged = view.view()
    try:
        merged.shape = (int(np.prod(view.shape[:n_lead])),) + view.shape[n_lead:]
    except AttributeError:  # not expressible as a view
        return None
    return merged


def _as_nc_view(a, others, axes):
    """``a`` seen as (N, C, *axes) without copying (None when impossible)."""
    v = a.transpose(others + axes)
    n = len(others)
    if n == 0:
        return v[np.newaxis, np.newaxis]
    if n == 1:
        return v[np.newaxis]
    return _merge_leading(v, n - 1)


def resize(arr, shape=None, scale=None, axes=None, mode="linear", align_corners=False, antialias=False,
           recompute_scale=False, out=None):
    """Resample chosen axes of an array of any rank with ``interpolate``'s semantics.

    Parameters
    ----------
    arr : array_like
        Any rank >= 1 (an HWC image, a (Z, Y, X) volume, a (T, Z, Y, X, C)
        stack...). The axes not in ``axes`` are carried through unchanged.
    shape : int or sequence of int, optional
        Output length of each resampled axis. Exactly one of ``shape`` and
        ``scale``.
    scale : float or sequence of float, optional
        Per-axis multiplier; the output length is ``trunc(n * scale)`` and the
        coordinate scale is ``1 / scale``, as in ``interpolate``.
    axes : int or sequence of int, optional
        The axes to resample. Default: the last ``len(shape)`` (or
        ``len(scale)``) axes, or every axis for a scalar ``scale``/``shape``.
        The order does not matter (passes always run from the last axis).
    mode : str, optional
        ``'linear'`` (default; n-linear on any number of axes), ``'cubic'``
        (Keys A = -0.75 with border clamping, any number of axes),
        ``'nearest'``, ``'nearest-exact'``, ``'area'`` (up to 3 axes),
        ``'lanczos'`` (Lanczos-3, always antialiased). PyTorch's names
        ``'bilinear'``, ``'trilinear'``, ``'bicubic'`` are accepted.
    align_corners : bool, optional
        As in ``interpolate`` (linear, cubic only).
    antialias : bool, optional
        PyTorch's antialias filters (spec §2.6) on every resampled axis, for
        linear, cubic and lanczos, in any rank.
    recompute_scale : bool, optional
        Use ``in / out`` instead of ``1 / scale`` as the coordinate scale
        (``interpolate``'s ``recompute_scale_factor=True``).
    out : ndarray, optional
        Result array (right shape and dtype, any strides).

    Returns
    -------
    ndarray
        The resampled array, same rank and dtype as ``arr``.

    Notes
    -----
    On an ``(N, C, *spatial)`` array with ``axes=(2, ..., ndim-1)`` the result
    equals ``interpolate(arr, ...)`` with the corresponding PyTorch mode bit for
    bit. See ``docs/beyond-pytorch.md``.

    Examples
    --------
    >>> import numpy as np, cyresample
    >>> img = np.zeros((480, 640, 3), np.uint8)          # HWC
    >>> cyresample.resize(img, (240, 320), axes=(0, 1), mode="linear", antialias=True).shape
    (240, 320, 3)
    >>> vol = np.random.rand(32, 64, 64)                 # (Z, Y, X)
    >>> cyresample.resize(vol, scale=2, mode="cubic").shape
    (64, 128, 128)
    """
    x = arr if type(arr) is np.ndarray else np.asarray(arr)
    if x.ndim < 1:
        raise ValueError("resize needs an array of rank >= 1, got a 0-d array")
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError("mode must be one of %s, got %r" % (", ".join(sorted(MODES)), mode))
    kind = MODES[mode]
    if (shape is None) == (scale is None):
        raise ValueError("give exactly one of shape and scale")
    count = None
    for value in (shape, scale):
        if isinstance(value, (list, tuple, np.ndarray)):
            count = len(value)
    if count is None and axes is not None:
        count = 1 if isinstance(axes, numbers.Integral) else len(tuple(axes))
    ax = _normalize_axes(axes, x.ndim, count)
    k = len(ax)
    if k == 0:
        raise ValueError("no axis to resample")
    sizes = _per_axis(shape, "shape", k)
    scales = _per_axis(scale, "scale", k)
    if kind in ("nearest", "nearest-exact", "area"):
        if align_corners:
            raise ValueError("align_corners=True is only meaningful for linear and cubic modes")
        if antialias:
            raise ValueError("antialias is only defined for linear, cubic and lanczos modes")
    if kind == "lanczos":
        if align_corners:
            raise ValueError("lanczos does not support align_corners=True")
        antialias = True
    if kind == "area" and k > 3:
        raise ValueError("area resamples at most 3 axes at once (got %d)" % k)
    # output sizes and coordinate scales, per axis (interpolate's rules, spec §1.3)
    out_sizes, kscales = [], []
    for j, a in enumerate(ax):
        n = x.shape[a]
        if sizes is not None:
            s = sizes[j]
            if isinstance(s, bool) or not isinstance(s, numbers.Integral):
                raise TypeError("shape entries must be integers, got %r" % (s,))
            out_sizes.append(int(s))
            kscales.append(None)
        else:
            f = scales[j]
            if isinstance(f, bool) or not isinstance(f, numbers.Real):
                raise TypeError("scale entries must be real numbers, got %r" % (f,))
            f = float(f)
            if not math.isfinite(f) or f <= 0:
                raise ValueError("scale entries must be finite and positive, got %r" % (f,))
            out_sizes.append(int(math.trunc(float(n) * f)))
            kscales.append(None if recompute_scale or kind == "area" else f)
        if n < 1:
            raise ValueError("axis %d has length 0 and cannot be resampled" % a)
        if out_sizes[-1] < (0 if kind == "area" else 1):
            raise ValueError("output length %d along axis %d is not positive" % (out_sizes[-1], a))
    # canonical order: resampled axes in array order
    order = sorted(range(k), key=lambda j: ax[j])
    ax = tuple(ax[j] for j in order)
    out_sizes = [out_sizes[j] for j in order]
    kscales = [kscales[j] for j in order]
    others = tuple(d for d in range(x.ndim) if d not in ax)
    result_shape = list(x.shape)
    for a, n in zip(ax, out_sizes):
        result_shape[a] = n
    result_shape = tuple(result_shape)
    if out is not None:
        if _backend_cpu.check_out(out, x, result_shape):
            np.copyto(out, resize(x, out_sizes, None, ax, mode, align_corners, antialias, recompute_scale))
            return out
        result = out
    else:
        result = np.empty(result_shape, x.dtype, order="F" if x.flags.f_contiguous and not x.flags.c_contiguous
                          else "C")
    xv = _as_nc_view(x, others, ax)
    if xv is None:  # leading axes not mergeable without a copy: copy once, in that order
        xv = _as_nc_view(np.ascontiguousarray(x.transpose(others + ax)), tuple(range(len(others))),
                         tuple(range(len(others), x.ndim)))
    rv = _as_nc_view(result, others, ax)
    target = rv if rv is not None else np.empty(xv.shape[:2] + tuple(out_sizes), x.dtype)
    req = _validate._request(xv, _torch_mode(kind, k), tuple(out_sizes), tuple(kscales),
                             bool(align_corners) and kind in ("linear", "cubic"), bool(antialias))
    if 0 in target.shape or xv.size == 0:
        return result
    _backend_cpu.prepare(req)(xv, target)
    if rv is None:
        np.copyto(result.transpose(others + ax), target.reshape(tuple(x.shape[d] for d in others) +
                                                                tuple(out_sizes)))
    return result
