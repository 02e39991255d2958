"""CUDA backend: runs a :class:`~cyresample._plan.Plan` on CuPy arrays.

``cyresample.interpolate`` routes CuPy arrays here (``_api._array_backend``). The
call is validated exactly like a NumPy call, on a zero-byte stand-in with the CuPy
array's shape, dtype and strides (``_validate.stand_in``), and planned with the
same ``_plan.get_plan`` key the CPU backend builds, so both backends run the same
index/weight tables. The steps mirror ``_backend_cpu``: pass order, intermediate
dtypes (opmath, uint8 for fixed point) and layouts, float16/bfloat16 load/store,
complex per component, the output layout (PyTorch's rule) and ``out=``.

Kernels (``cuda/kernels.cu``, see ``_cuda_module``) run on CuPy's current stream of
the input's device; the host never waits for them. The exceptions: 64-bit integer
input reads its min/max (the exactness check raises before computing), and the
area-to-1x1 mean uses CuPy reductions. Plan tables are uploaded once per axis plan
and device (from pinned memory, asynchronously) and cached; until the copy is known to
be done, a launch that uses the table makes its stream wait for it with an event (on the
device, never the host).

Nothing here imports CuPy at module level: the first CuPy call does.
"""
import math
import threading
import weakref

import numpy as np

from . import _backend_cpu
from . import _cuda_module as _cm
from . import _dtypes
from . import _layout
from . import _plan
from . import _validate

#: threads per block of every launch; grids are capped at MAX_GRID blocks and the
#: kernels loop (grid-stride), so any element count works with 64-bit indices.
BLOCK = 256
MAX_GRID = 1 << 20

_I64 = np.int64


# ------------------------------------------------------------------------------------------
# entry point
# ------------------------------------------------------------------------------------------
def interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias,
                out=None):
    """``cyresample.interpolate`` for a CuPy array (same arguments, CuPy result).

    The result lives on the input's device, with the dtype and layout the CPU backend
    gives; ``out`` (a CuPy array on that device, right shape and dtype, any strides)
    receives the result instead. Exceptions are those of the NumPy path.
    """
    cupy = _cm.import_cupy()
    x = input
    if not isinstance(x, cupy.ndarray):
        raise TypeError("cyresample: expected a cupy.ndarray, got %s" % type(x).__name__)
    try:
        key = (x.shape, x.strides, x.dtype, _k(size), _k(scale_factor), _k(mode), _k(align_corners),
               _k(recompute_scale_factor), _k(antialias))
        executor = _EXECUTORS.get(key)
    except TypeError:  # an unhashable argument: no caching
        key = executor = None
    if executor is None:
        stand = _validate.stand_in(x.shape, x.dtype, x.strides)
        req = _validate.interpolate_args(stand, size, scale_factor, mode, align_corners,
                                         recompute_scale_factor, antialias)
        executor = prepare(req)
        if key is not None:
            if len(_EXECUTORS) >= _MAX_EXECUTORS:
                _EXECUTORS.clear()
            _EXECUTORS[key] = executor
    return executor(x, out)


# Prepared calls, keyed like _api's cache: input shape, strides, dtype and every argument
# with its exact type. Device-independent (tables are looked up per device at call time).
_EXECUTORS = {}
_MAX_EXECUTORS = 1024


from ._api import _k  # noqa: E402 - the same cache-key rule as the NumPy path


# ------------------------------------------------------------------------------------------
# prepared calls
# ------------------------------------------------------------------------------------------
class Executor:
    """A prepared call: ``executor(x, out=None)`` for CuPy arrays with the shape, strides
    and dtype it was prepared for."""

    __slots__ = ("out_shape", "out_order", "dtype", "steps", "check_int64", "plan", "empty")

    def __call__(self, x, out=None):
        cupy = _cm.import_cupy()
        with x.device:
            if out is not None:
                if check_out(cupy, out, x, self.out_shape):
                    tmp = self(x)
                    cupy.copyto(out, tmp)
                    return out
                result = out
            else:
                result = empty_in_order(cupy, self.out_shape, self.dtype, self.out_order)
            if self.empty:
                return result
            if self.check_int64:
                _check_exact_int64(x, self.plan)
            dev = x.device.id
            for step in self.steps:
                step(x, result, dev)
            return result


def prepare(req):
    """Build the :class:`Executor` of a validated request whose ``array`` is a stand-in
    for the CuPy input (shape, dtype, strides); mirrors ``_backend_cpu.prepare``."""
    x = req.array
    ex = Executor()
    ex.out_shape = tuple(x.shape[:2]) + tuple(req.out_sizes)
    ex.out_order = _backend_cpu.output_layout(x, req.mode)
    ex.dtype = x.dtype
    ex.check_int64 = False
    ex.plan = None
    ex.empty = 0 in ex.out_shape
    ex.steps = ()
    if ex.empty:
        return ex
    if not x.dtype.isnative:  # CuPy arrays are always native; refuse rather than misread
        raise TypeError("cyresample: non-native byte order is not supported on the GPU")
    plan, code = plan_for(req)
    return _fill_executor(ex, x, plan, code, _dtypes.info(x.dtype)[1])


def _fill_executor(ex, x, plan, code, family):
    ex.plan = plan
    if plan.method == _plan.GATHER:
        ex.steps = (_gather_step(plan),)
    elif family == "complex":
        real = _plan_step(plan, code, x.real)
        ex.steps = (lambda xx, out, dev: real(xx.real, out.real, dev),
                    lambda xx, out, dev: real(xx.imag, out.imag, dev))
    else:
        ex.check_int64 = family == "int" and code in ("i64", "u64")
        ex.steps = (_plan_step(plan, code, x),)
    return ex


def executor_for_plan(x, plan, out_shape, out_order=None):
    """An :class:`Executor` applying an arbitrary ``plan`` (e.g. an adjoint) to CuPy arrays
    shaped like ``x`` (a CuPy array or a stand-in: only shape, strides and dtype are
    used), producing ``out_shape`` in memory order ``out_order``; the GPU twin of
    ``_backend_cpu.executor_for_plan``."""
    if not isinstance(x, np.ndarray):
        x = _validate.stand_in(x.shape, x.dtype, x.strides)
    ex = Executor()
    ex.out_shape = tuple(out_shape)
    ex.out_order = out_order
    ex.dtype = x.dtype
    ex.check_int64 = False
    ex.plan = plan
    ex.empty = 0 in ex.out_shape or x.size == 0
    ex.steps = ()
    if ex.empty:
        return ex
    code, family, _ = _dtypes.info(x.dtype)
    if family == "complex":
        code = _dtypes.info(_dtypes.component_dtype(x.dtype))[0]
    return _fill_executor(ex, x, plan, code, family)


def plan_for(req):
    """``(plan, code)``: the plan the CPU backend runs for the same request (the same
    ``_plan.plan_key``, so the same cached object) and the dtype code it is planned for.

    Raises NotImplementedError, as the CPU backend does, for dtypes only the nearest
    modes support.
    """
    x = req.array
    code, family, _ = _dtypes.info(x.dtype)
    layout = (_layout.channels_last_contiguous(x), _layout.area_channels_last(x))
    if req.mode in ("nearest", "nearest-exact"):
        pcode = code or "f32"
    elif family == "complex":
        pcode = _dtypes.info(_dtypes.component_dtype(x.dtype))[0]
    elif code is None:
        raise NotImplementedError("cyresample: mode %r does not support dtype %s (only the nearest "
                                  "modes copy arbitrary dtypes)" % (req.mode, x.dtype))
    else:
        pcode = code
    key = _plan.plan_key(req.mode, x.shape, req.out_sizes, req.scales, req.align_corners,
                         req.antialias, pcode, layout)
    return _plan.get_plan(key), pcode


def _check_exact_int64(x, plan):
    """64-bit integers go through float64: refuse values that would lose precision (reads
    the min and max back to the host: the one place the API needs the data)."""
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


# ------------------------------------------------------------------------------------------
# arrays
# ------------------------------------------------------------------------------------------
def empty_in_order(cupy, shape, dtype, order_axes):
    """Uninitialised CuPy array of ``shape`` whose memory order is ``order_axes``."""
    if order_axes is None:
        return cupy.empty(tuple(shape), dtype)
    phys = cupy.empty(tuple(shape[d] for d in order_axes), dtype)
    return phys.transpose(tuple(int(d) for d in np.argsort(order_axes)))


def byte_extent(ptr, shape, strides, itemsize):
    """Half-open byte range ``[lo, hi)`` an array's elements occupy."""
    if 0 in shape:
        return ptr, ptr
    lo = hi = ptr
    for n, s in zip(shape, strides):
        if s > 0:
            hi += (n - 1) * s
        else:
            lo += (n - 1) * s
    return lo, hi + itemsize


def may_overlap(a, b):
    """Whether two device arrays' byte ranges intersect (conservative, like
    ``numpy.may_share_memory``)."""
    alo, ahi = byte_extent(a.data.ptr, a.shape, a.strides, a.itemsize)
    blo, bhi = byte_extent(b.data.ptr, b.shape, b.strides, b.itemsize)
    return alo < bhi and blo < ahi and alo < ahi and blo < bhi


def check_out(cupy, out, x, out_shape):
    """Validate ``out=`` for a CuPy input; return True when it may overlap the input."""
    if not isinstance(out, cupy.ndarray):
        raise TypeError("out must be a cupy.ndarray for a CuPy input, got %s" % type(out).__name__)
    if out.shape != out_shape:
        raise ValueError("out has shape %s but the result has shape %s" % (out.shape, out_shape))
    if out.dtype != x.dtype:
        raise TypeError("out has dtype %s but the result has dtype %s (the input's)"
                        % (out.dtype, x.dtype))
    if out.device.id != x.device.id:
        raise ValueError("out is on device %d but the input is on device %d"
                         % (out.device.id, x.device.id))
    return may_overlap(out, x)


# ------------------------------------------------------------------------------------------
# plan tables on the device
# ------------------------------------------------------------------------------------------
class _DeviceTable:
    __slots__ = ("array", "staged", "event")


# AxisPlan -> {(device id, field): _DeviceTable}; entries die with their (lru-cached) plans.
_TABLES = weakref.WeakKeyDictionary()
_UNIT = {}  # device id -> (zeros(1), ones(1)) int64 tables for padded area axes
_LOCK = threading.Lock()


def _upload(cupy, host):
    """Copy a host table to the current device on the current stream without blocking the
    host: staged in pinned memory (kept until the copy is known to be done), then an
    asynchronous copy and an event."""
    host = np.ascontiguousarray(host)
    entry = _DeviceTable()
    stream = cupy.cuda.get_current_stream()
    mem = cupy.cuda.alloc_pinned_memory(max(host.nbytes, 1))
    staged = np.frombuffer(mem, host.dtype, host.size).reshape(host.shape)
    staged[...] = host
    entry.array = cupy.empty(host.shape, host.dtype)
    entry.array.set(staged, stream=stream)
    entry.staged = (mem, staged)
    entry.event = cupy.cuda.Event(disable_timing=True)
    entry.event.record(stream)
    return entry


def _ready(cupy, entry):
    """The device array of a table, usable by work queued next on the current stream."""
    event = entry.event
    if event is not None:
        if event.done:  # cudaEventQuery: never blocks
            entry.event = entry.staged = None
        else:  # still copying: this stream waits for it on the device; the host goes on
            cupy.cuda.get_current_stream().wait_event(event)
    return entry.array


def device_table(ax, field, dev):
    """``ax.index`` / ``ax.weight`` / ``ax.ntaps`` on device ``dev`` (current)."""
    cupy = _cm.import_cupy()
    with _LOCK:
        per_plan = _TABLES.get(ax)
        if per_plan is None:
            per_plan = _TABLES[ax] = {}
        entry = per_plan.get((dev, field))
        if entry is None:
            entry = per_plan[(dev, field)] = _upload(cupy, getattr(ax, field))
    return _ready(cupy, entry)


def unit_tables(dev):
    """Window start 0 / size 1 tables of a padded (absent) area axis on ``dev``."""
    cupy = _cm.import_cupy()
    with _LOCK:
        pair = _UNIT.get(dev)
        if pair is None:
            pair = _UNIT[dev] = (_upload(cupy, np.zeros(1, _I64)), _upload(cupy, np.ones(1, _I64)))
    return _ready(cupy, pair[0]), _ready(cupy, pair[1])


# ------------------------------------------------------------------------------------------
# launches
# ------------------------------------------------------------------------------------------
def geometry(shape, src_strides, dst_strides):
    """The kernels' geometry arguments for an output of ``shape`` (logical dims, at most 5).

    Returns ``(total, [nd, perm, n0..n4, ss0..ss4, ds0..ds4])``: the output is walked in
    its memory order (dims sorted by decreasing ``|dst stride|``, size-1 dims left out),
    loop dim ``j`` being logical dim ``(perm >> 4j) & 15``; strides are in bytes, padded
    with zeros.
    """
    rank = len(shape)
    if rank > 5:
        raise ValueError("at most 5 dimensions")
    dims = sorted((d for d in range(rank) if shape[d] != 1), key=lambda d: -abs(dst_strides[d]))
    n = [1] * 5
    perm = 0
    total = 1
    for j, d in enumerate(dims):
        n[j] = int(shape[d])
        perm |= d << (4 * j)
        total *= int(shape[d])
    ss = [int(s) for s in src_strides] + [0] * (5 - rank)
    ds = [int(s) for s in dst_strides] + [0] * (5 - rank)
    return total, [len(dims), perm] + n + ss + ds


def pass_geometry(out_shape, src_strides, dst_strides, axis):
    """Geometry of a separable pass: the pass axis becomes logical dim 4, the other dims
    logical dims 0..3 in order (padded in front with size-1, stride-0 dims)."""
    others = [d for d in range(len(out_shape)) if d != axis]
    pad = 4 - len(others)
    order = others + [axis]
    shape = (1,) * pad + tuple(out_shape[d] for d in order)
    ss = (0,) * pad + tuple(src_strides[d] for d in order)
    ds = (0,) * pad + tuple(dst_strides[d] for d in order)
    return geometry(shape, ss, ds)


def _launch(dev, group, name, args):
    total = int(args[0])
    if total <= 0:
        return
    fn = _cm.get_function(group, name, dev)
    grid = min((total + BLOCK - 1) // BLOCK, MAX_GRID)
    fn((grid,), (BLOCK,), _cm.kernel_args(name, args))


def _copy_unit(itemsize, arrays):
    """Largest power-of-two word (<= 16 bytes) dividing the itemsize, every stride of
    every array and every base address."""
    g = itemsize
    for a in arrays:
        g = math.gcd(g, a.data.ptr % 4096)
        for n, s in zip(a.shape, a.strides):
            if n > 1:
                g = math.gcd(g, abs(s))
    unit = 16
    while unit > 1 and g % unit:
        unit //= 2
    return unit


def _gather_step(plan):
    """Nearest modes: ``dst[n, c, o...] = src[n, c, idx_d[o_d]...]``, any dtype."""
    axes = plan.axes

    def step(x, out, dev):
        tabs = [device_table(ax, "index", dev) for ax in axes]
        tabs += [tabs[0]] * (3 - len(tabs))
        unit = _copy_unit(x.itemsize, (x, out))
        total, geom = geometry(out.shape, x.strides, out.strides)
        _launch(dev, "gather", _cm.gather_name(unit),
                [total, x, out] + tabs + [x.ndim, x.itemsize // unit] + geom)
    return step


def _plan_step(plan, code, x):
    """The kernel launch(es) of a non-gather plan (``x``: stand-in for the input)."""
    method = plan.method
    if method == _plan.SEPARABLE:
        return _separable_step(plan, code, x)
    if method == _plan.PRODUCT:
        return _product_step(plan)
    if method == _plan.AREA:
        return _area_step(plan)
    if method == _plan.MEAN:
        return _run_mean
    if method == _plan.COPY:
        return lambda xx, out, dev: _cm.import_cupy().copyto(out, xx)
    raise AssertionError(method)  # pragma: no cover - the planner only produces the methods above


def separable_passes(plan, code, x):
    """The CPU backend's pass list (one definition of pass order, intermediate types and
    layouts): ``[(inter_shape or None for the last, axis, AxisPlan, variant)]``, plus the
    intermediates' dtype and memory order."""
    prepared, inter_dtype, order_axes = _backend_cpu.separable_passes(plan, code, x)
    return [p[:4] for p in prepared], inter_dtype, order_axes


def _separable_step(plan, code, x):
    prepared, inter_dtype, order_axes = separable_passes(plan, code, x)
    launches = [(inter_shape, axis, ax, _cm.group_of("separable", variant), _cm.separable_name(variant))
                for inter_shape, axis, ax, variant in prepared]

    def step(xx, out, dev):
        cupy = _cm.import_cupy()
        src = xx
        for inter_shape, axis, ax, group, name in launches:
            dst = out if inter_shape is None else empty_in_order(cupy, inter_shape, inter_dtype, order_axes)
            total, geom = pass_geometry(dst.shape, src.strides, dst.strides, axis)
            _launch(dev, group, name,
                    [total, src, dst, device_table(ax, "index", dev), device_table(ax, "weight", dev),
                     device_table(ax, "ntaps", dev), ax.k, ax.shift] + geom)
            src = dst
    return step


def vector_channels(C, lanes):
    """Channels that use PyTorch's vector evaluation order: ``C - C % lanes`` (0 if none)."""
    return C - C % lanes if lanes > 0 else 0


def _product_step(plan):
    axes = plan.axes
    name = _cm.product_name(plan.variant)
    group = _cm.group_of("product", plan.variant)

    def step(x, out, dev):
        tabs = []
        for ax in axes:
            tabs += [device_table(ax, "index", dev), device_table(ax, "weight", dev)]
        tabs += tabs[-2:] * (3 - len(axes))
        total, geom = geometry(out.shape, x.strides, out.strides)
        _launch(dev, group, name, [total, x, out] + tabs +
                [len(axes), vector_channels(x.shape[1], plan.vector_lanes)] + geom)
    return step


def area_geometry(out_shape, src_strides, dst_strides):
    """Pad an area call to 5 logical dims (N, C, D, H, W): absent leading spatial dims get
    size 1 and stride 0 (their windows are the unit tables)."""
    pad = 5 - len(out_shape)
    shape = tuple(out_shape[:2]) + (1,) * pad + tuple(out_shape[2:])
    ss = tuple(src_strides[:2]) + (0,) * pad + tuple(src_strides[2:])
    ds = tuple(dst_strides[:2]) + (0,) * pad + tuple(dst_strides[2:])
    return geometry(shape, ss, ds)


def _area_step(plan):
    axes = plan.axes
    name = _cm.area_name(plan.variant)
    group = _cm.group_of("area", plan.variant)

    def step(x, out, dev):
        zero, one = unit_tables(dev)
        tabs = [zero, one] * (3 - len(axes))
        for ax in axes:  # index[:, 0] (C-contiguous, shape (n_out, 1)) is the window start
            tabs += [device_table(ax, "index", dev), device_table(ax, "ntaps", dev)]
        total, geom = area_geometry(out.shape, x.strides, out.strides)
        _launch(dev, group, name, [total, x, out] + tabs +
                [vector_channels(x.shape[1], plan.vector_lanes)] + geom)
    return step


def _run_mean(x, out, dev):
    # Every output size is 1 (spec §2.5, §6 F12): the CPU backend's rule -- float64 sum,
    # one division (float64 input: mean) -- with CuPy reductions, whose summation order
    # differs from NumPy's: within an ulp of the CPU result, not bit-identical.
    cupy = _cm.import_cupy()
    axes = tuple(range(2, x.ndim))
    with np.errstate(all="ignore"):  # (CuPy never warns; NumPy-backed test doubles would)
        if x.dtype == np.float64:
            m = cupy.mean(x, axis=axes, keepdims=True)
        else:
            m = cupy.sum(x.astype(np.float64), axis=axes, keepdims=True) / float(np.prod(x.shape[2:]))
        cupy.copyto(out, m.astype(out.dtype))
