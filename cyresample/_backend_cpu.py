"""CPU backend: runs a :class:`~cyresample._plan.Plan` with the Cython kernels.

Allocates the output (in the layout PyTorch gives, spec §4.1) and the
intermediates between separable passes (in the input's memory order), picks
the dtype specialisation and the thread count, and calls one kernel per pass.
No arithmetic on pixel values happens here.
"""
import numpy as np

from . import _dtypes
from . import _layout
from ._dispatch import kernels as _kernels
from . import _plan
from ._threads import get_num_threads

#: Below this many output elements a call runs on one thread: starting the
#: OpenMP team costs more than it saves. Values never depend on it.
SMALL_WORK = 1 << 15

_GATHER_ITEMSIZES = (1, 2, 4, 8, 16)


def _memory_order(a):
    """Axes of ``a`` from slowest to fastest in memory (stable for ties)."""
    return sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))


def _empty_in_order(shape, dtype, order_axes):
    """Uninitialised array of ``shape`` whose memory order is ``order_axes``."""
    phys = np.empty([shape[d] for d in order_axes], dtype)
    return phys.transpose(np.argsort(order_axes))


def output_layout(x, mode):
    """Memory order of the result (spec §4.1).

    4-D channels-last input with C > 1 gives channels-last output in every
    mode; 5-D channels-last-3d gives channels-last-3d except for ``area``;
    everything else is C-contiguous.
    """
    nd = x.ndim
    if x.shape[1] > 1 and not x.flags.c_contiguous:
        if nd == 4 and _layout.strides_like_channels_last(x.shape, _layout.element_strides(x)):
            return [0, 2, 3, 1]
        if nd == 5 and mode != "area" and _layout.channels_last_contiguous(x):
            return [0, 2, 3, 4, 1]
    return list(range(nd))


def _threads_for(n_elements):
    return 1 if n_elements < SMALL_WORK else get_num_threads()


def _raw(a, code):
    """The array the kernels see: float16/bfloat16 travel as their 16-bit patterns."""
    return a.view(np.uint16) if code in ("f16", "bf16") else a


def allocate_output(x, out_sizes, mode):
    """A new uninitialised result array (shape, dtype and layout as PyTorch's)."""
    shape = tuple(x.shape[:2]) + tuple(out_sizes)
    return _empty_in_order(shape, x.dtype, output_layout(x, mode))


def check_out(out, x, out_sizes):
    """Validate a caller's ``out=`` array; return True when it overlaps the input."""
    shape = tuple(x.shape[:2]) + tuple(out_sizes)
    if not isinstance(out, np.ndarray):
        raise TypeError("out must be a numpy.ndarray, got %s" % type(out).__name__)
    if out.shape != shape:
        raise ValueError("out has shape %s but the result has shape %s" % (out.shape, shape))
    if out.dtype != x.dtype:
        raise TypeError("out has dtype %s but the result has dtype %s (the input's)"
                        % (out.dtype, x.dtype))
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    return np.shares_memory(out, x)


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
    x = req.array
    if out is not None:
        if check_out(out, x, req.out_sizes):
            np.copyto(out, execute(req))
            return out
        result = out
    else:
        result = allocate_output(x, req.out_sizes, req.mode)
    if result.size == 0:
        return result
    target = result
    if not x.dtype.isnative:
        # arithmetic needs native byte order; the result keeps the caller's dtype
        x = x.astype(x.dtype.newbyteorder("="))
        target = np.empty(result.shape, x.dtype)
    code, family, _ = _dtypes.info(x.dtype)
    layout = (_layout.channels_last_contiguous(x), _layout.area_channels_last(x))
    if req.mode in ("nearest", "nearest-exact"):
        key = _plan.plan_key(req.mode, x.shape, req.out_sizes, req.scales, req.align_corners,
                             req.antialias, code or "f32", layout)
        run_gather(_plan.get_plan(key), x, target)
    elif family == "complex":
        comp = _dtypes.component_dtype(x.dtype)
        ccode = _dtypes.info(comp)[0]
        key = _plan.plan_key(req.mode, x.shape, req.out_sizes, req.scales, req.align_corners,
                             req.antialias, ccode, layout)
        plan = _plan.get_plan(key)
        for part in ("real", "imag"):
            run_plan(plan, getattr(x, part), getattr(target, part), ccode)
    elif code is None:
        raise NotImplementedError("cyresample: mode %r does not support dtype %s (only the nearest "
                                  "modes copy arbitrary dtypes)" % (req.mode, x.dtype))
    else:
        key = _plan.plan_key(req.mode, x.shape, req.out_sizes, req.scales, req.align_corners,
                             req.antialias, code, layout)
        plan = _plan.get_plan(key)
        if family == "int" and code in ("i64", "u64"):
            _check_exact_int64(x, plan)
        run_plan(plan, x, target, code)
    if target is not result:
        np.copyto(result, target)
    return result


def _check_exact_int64(x, plan):
    """64-bit integers go through float64: refuse values that would lose precision."""
    if x.size == 0:
        return
    bound = max(abs(int(x.min())), abs(int(x.max())))
    if plan.method == _plan.AREA:
        window = 1
        for ax in plan.axes:
            window *= int(ax.ntaps.max()) if ax.n_out else 1
        bound *= window
    if bound > _dtypes.EXACT_INT_LIMIT:
        raise ValueError("cyresample: %s values up to %d cannot be interpolated exactly (computed "
                         "in float64, exact up to 2**53); convert to float64 explicitly to accept "
                         "rounding" % (x.dtype, bound))


def run_gather(plan, x, out):
    """Nearest modes: copy ``x[n, c, idx_d[o_d]...]`` for any dtype."""
    nthreads = _threads_for(out.size)
    offsets = [np.arange(x.shape[0], dtype=np.int64) * x.strides[0],
               np.arange(x.shape[1], dtype=np.int64) * x.strides[1]]
    for d, ax in enumerate(plan.axes):
        offsets.append(ax.index[:, 0] * x.strides[2 + d])
    if x.itemsize not in _GATHER_ITEMSIZES or (x.itemsize == 16 and out.strides[-1] != 16):
        # other item sizes (strings, fixed-size records): NumPy's own gather, still no
        # Python loop over elements
        idx = [np.arange(x.shape[0]), np.arange(x.shape[1])] + [ax.index[:, 0] for ax in plan.axes]
        out[...] = x[np.ix_(*idx)]
        return
    _kernels.gather(x, out, offsets, nthreads)


def run_plan(plan, x, out, code):
    """Apply a non-gather ``plan`` to ``x`` (shape ``(N, C, *in_sizes)``) writing ``out``."""
    nthreads = _threads_for(out.size)
    method = plan.method
    if method == _plan.SEPARABLE:
        _run_separable(plan, x, out, code, nthreads)
    elif method == _plan.PRODUCT:
        _kernels.product_linear(_raw(x, code), _raw(out, code), [a.index for a in plan.axes],
                                [a.weight for a in plan.axes], plan.vector_lanes, plan.variant, nthreads)
    elif method == _plan.AREA:
        _kernels.area_pool(_raw(x, code), _raw(out, code), [a.index[:, 0] for a in plan.axes],
                           [a.ntaps for a in plan.axes], plan.vector_lanes, plan.variant, nthreads)
    elif method == _plan.MEAN:
        _run_mean(x, out)
    elif method == _plan.COPY:
        np.copyto(out, x)
    else:  # pragma: no cover - the planner only produces the methods above
        raise AssertionError(method)


def _opmath_code(plan):
    return "f64" if plan.opmath == np.float64 else "f32"


def _run_separable(plan, x, out, code, nthreads):
    passes = [d for d in plan.order if not plan.axes[d].skip]
    order_axes = _memory_order(x)
    fixed = plan.variant == "fixed"
    t_code = "u8" if fixed else _opmath_code(plan)
    inter_dtype = np.uint8 if fixed else plan.opmath
    src = x
    src_code = code
    shape = list(x.shape)
    for k, d in enumerate(passes):
        ax = plan.axes[d]
        shape[2 + d] = ax.n_out
        last = k == len(passes) - 1
        if last:
            dst, dst_code = out, code
        else:
            dst, dst_code = _empty_in_order(shape, inter_dtype, order_axes), t_code
        _kernels.separable_pass(_raw(src, src_code), _raw(dst, dst_code), 2 + d, ax.index, ax.weight,
                                ax.ntaps, src_code + "_" + dst_code, ax.shift,
                                nthreads if last else _threads_for(dst.size), ax.polyphase())
        src, src_code = dst, dst_code


def _run_mean(x, out):
    # Every output size is 1: PyTorch returns x.mean(spatial) (spec §2.5, §6 F12), whose
    # summation order depends on its thread count. We sum in float64 (pairwise for float64
    # input) and divide once: within an ulp of torch, not bit-identical.
    axes = tuple(range(2, x.ndim))
    with np.errstate(all="ignore"):  # NaN/Inf propagate silently, as in every other mode
        _mean_into(x, out, axes)


def _mean_into(x, out, axes):
    if x.dtype == np.float64:
        m = np.mean(x, axis=axes, keepdims=True)
    else:
        m = np.sum(x.astype(np.float64), axis=axes, keepdims=True) / np.prod(x.shape[2:])
    np.copyto(out, m.astype(out.dtype))
