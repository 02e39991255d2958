"""CPU backend: runs a :class:`~cyresample._plan.Plan` with the Cython kernels.

Allocates the output (in the layout PyTorch gives, spec §4.1) and the
intermediates between separable passes (in the input's memory order, in the
opmath type), picks the thread count, and calls one kernel per pass. No
arithmetic on pixel values happens here.
"""
import numpy as np

from . import _kernels
from . import _plan
from ._threads import get_num_threads

#: Below this many output elements a call runs on one thread: starting the
#: OpenMP team costs more than it saves. Values do not depend on it.
SMALL_WORK = 1 << 15

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _element_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def _memory_order(a):
    """Axes of ``a`` from slowest to fastest in memory (stable for ties)."""
    return sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))


def _empty_like_order(shape, dtype, order_axes):
    """Uninitialised array of ``shape`` whose memory order is ``order_axes``."""
    phys = np.empty([shape[d] for d in order_axes], dtype)
    inv = np.argsort(order_axes)
    return phys.transpose(inv)


def output_layout(x, mode):
    """Memory order of the result (spec §4.1).

    4-D channels-last input with C > 1 gives channels-last output in every
    mode; 5-D channels-last-3d gives channels-last-3d except for ``area``;
    everything else is C-contiguous.
    """
    nd = x.ndim
    if nd in (4, 5) and x.shape[1] > 1 and not x.flags.c_contiguous and \
            _plan.is_channels_last(x.shape, _element_strides(x)):
        if nd == 4 or mode != "area":
            return [0] + list(range(2, nd)) + [1]
    return list(range(nd))


def _threads_for(n_elements):
    return 1 if n_elements < SMALL_WORK else get_num_threads()


def execute(req):
    """Compute ``interpolate`` for a validated request on the CPU.

    Parameters
    ----------
    req : cyresample._validate.Request
        The normalised call (array, mode, output sizes, kernel scales, flags).

    Returns
    -------
    ndarray
        A new array of the input's dtype and shape ``(N, C, *out_sizes)``.
    """
    x = req.array
    mode = req.mode
    out_shape = tuple(x.shape[:2]) + tuple(req.out_sizes)
    out = _empty_like_order(out_shape, x.dtype, output_layout(x, mode))
    if out.size == 0:
        return out
    if mode not in ("nearest", "nearest-exact") and x.dtype not in _FLOAT_DTYPES:
        raise NotImplementedError(
            "cyresample: mode %r is not implemented for dtype %s yet (float32 and float64 are)"
            % (mode, x.dtype))
    if not x.dtype.isnative:
        x = x.astype(x.dtype.newbyteorder("="))
    channels_last = _plan.is_channels_last(x.shape, _element_strides(x))
    key = _plan.plan_key(mode, x.shape, req.out_sizes, req.scales, req.align_corners,
                         req.antialias, x.dtype, channels_last)
    plan = _plan.get_plan(key)
    run_plan(plan, x, out)
    return out


def run_plan(plan, x, out):
    """Apply ``plan`` to ``x`` (shape ``(N, C, *in_sizes)``) writing ``out``."""
    nthreads = _threads_for(out.size)
    method = plan.method
    if method == _plan.GATHER:
        offsets = [np.arange(x.shape[0], dtype=np.int64) * x.strides[0],
                   np.arange(x.shape[1], dtype=np.int64) * x.strides[1]]
        for d, ax in enumerate(plan.axes):
            offsets.append(ax.index[:, 0] * x.strides[2 + d])
        _kernels.gather(x, out, offsets, nthreads)
    elif method == _plan.SEPARABLE:
        _run_separable(plan, x, out, nthreads)
    elif method == _plan.PRODUCT:
        _kernels.product_linear(x, out, [a.index for a in plan.axes], [a.weight for a in plan.axes],
                                plan.vector_lanes, nthreads)
    elif method == _plan.AREA:
        _kernels.area_pool(x, out, [a.index[:, 0] for a in plan.axes], [a.ntaps for a in plan.axes],
                           plan.vector_lanes, nthreads)
    elif method == _plan.MEAN:
        _run_mean(plan, x, out)
    elif method == _plan.COPY:
        np.copyto(out, x)
    else:  # pragma: no cover - the planner only produces the methods above
        raise AssertionError(method)


def _run_separable(plan, x, out, nthreads):
    passes = [d for d in plan.order if not plan.axes[d].skip]
    order_axes = _memory_order(x)
    src = x
    shape = list(x.shape)
    for k, d in enumerate(passes):
        ax = plan.axes[d]
        shape[2 + d] = ax.n_out
        if k == len(passes) - 1:
            dst = out
        else:
            dst = _empty_like_order(shape, plan.opmath, order_axes)
        _kernels.separable_pass(src, dst, 2 + d, ax.index, ax.weight, ax.ntaps,
                                _threads_for(dst.size) if dst is not out else nthreads)
        src = dst


def _run_mean(plan, x, out):
    # Every output size is 1: PyTorch returns x.mean(spatial) (spec §2.5, §6 F12), whose
    # summation order depends on its thread count. We sum in float64 (float32 input) or
    # pairwise (float64) and divide once: within an ulp of torch, not bit-identical.
    axes = tuple(range(2, x.ndim))
    if x.dtype == np.float64:
        m = np.mean(x, axis=axes, keepdims=True)
    else:
        m = (np.sum(x, axis=axes, dtype=np.float64, keepdims=True) / np.prod(x.shape[2:]))
    np.copyto(out, m.astype(out.dtype))
