"""Dask backend: ``interpolate`` on a Dask array, lazily, chunk by chunk, bit-identical.

The call is validated on a zero-byte stand-in (never on the data) and planned
once, with the same :func:`~cyresample._plan.plan_key` the CPU backend would
use for ``numpy.asarray(x)`` (a C-contiguous array), so every path rule that
depends on the *global* geometry (the 2-D bilinear "product" kernel when
``outH + outW <= 128``, the nearest index formula of the same path, the SIMD
lane split by channel) is decided exactly as in memory.

Each output chunk is one task. Its spatial axis plans are the rows of the
global plan (:meth:`AxisPlan.slice`, global source coordinates) with the
indices shifted into the task's input slab: the slab is the union of the taps
those rows read (:meth:`AxisPlan.source_range`), or, when the taps are sparse
(nearest or linear downsampling), only the rows and columns actually read.
The task depends on exactly the input chunks holding those taps (a chunk of
which it reads a small part, e.g. a halo, is cut down by a task of its own, so
on a cluster only that part travels), copies their parts into the slab and runs
the kernels on it through the backend of the chunk's array type
(``executor_for_plan`` of ``_backend_cpu`` for NumPy, ``_backend_cuda`` for
CuPy). Every output element is thus computed from the same numbers, in the
same order, by the same kernel as in memory (docs/dask.md).

Nothing here is imported by ``import cyresample``: ``_api`` imports this module
the first time it sees a Dask array.
"""
import functools
import itertools
import math
import os
import sys
import threading
import warnings

import numpy as np

import dask
import dask.array as da
from dask.array.core import normalize_chunks
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph
from dask.utils import parse_bytes

try:  # dask >= 2024.12: explicit task objects
    from dask._task_spec import Task as _Task, TaskRef as _TaskRef
except ImportError:  # pragma: no cover - older dask: tuple tasks
    _Task = _TaskRef = None

from . import _backend_cpu
from . import _dtypes
from . import _layout
from . import _plan
from . import _threads
from . import _validate

__all__ = ["interpolate", "ChunkFanInWarning", "MAX_FAN_IN", "MAX_SLAB_BYTES"]

#: An output chunk reading more input chunks than this triggers :class:`ChunkFanInWarning`.
MAX_FAN_IN = 64
#: An output chunk whose input slab is larger than this (bytes) triggers the warning too.
MAX_SLAB_BYTES = 1 << 30
#: Compress an axis of the slab to the source indices actually read when they fill at most
#: this fraction of the range they span (nearest or linear downsampling).
_COMPRESS_BELOW = 0.75


class ChunkFanInWarning(UserWarning):
    """One output chunk needs many input chunks (or a large input slab).

    The result is still exact, but such a task holds all those chunks in one
    worker's memory at once. Typical causes: strong downsampling into few
    output chunks, ``mode='area'`` to size 1 (a mean over the whole spatial
    extent, computed in one task per N/C chunk, as in memory), or small input
    chunks. Rechunk the input or pass ``output_chunks=``.
    """


# ----------------------------------------------------------------------------------------------
# the front end
# ----------------------------------------------------------------------------------------------
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False, out=None, output_chunks=None,
                _stacklevel=3):
    """``cyresample.interpolate`` for Dask arrays (see :func:`cyresample.dask.interpolate`)."""
    if not isinstance(input, da.Array):
        if dask.is_dask_collection(input):  # a DataFrame or other collection: materialise
            from . import _api
            return _api.interpolate(np.asarray(input), size, scale_factor, mode, align_corners,
                                    recompute_scale_factor, antialias, out=out)
        input = da.asarray(input)
    shape = input.shape
    if any(isinstance(s, float) and math.isnan(s) for s in shape):
        raise ValueError("cyresample: the Dask array has unknown chunk sizes %s; call "
                         "x.compute_chunk_sizes() first" % (shape,))
    dtype = input.dtype
    stand = _validate.stand_in(shape, dtype, _c_strides(shape, dtype.itemsize))
    req = _validate.interpolate_args(stand, size, scale_factor, mode, align_corners,
                                     recompute_scale_factor, antialias)
    result = _build(input, req, stand, output_chunks, _stacklevel + 1)
    if out is None:
        return result
    return _store(result, out)


def _c_strides(shape, itemsize):
    """Byte strides of a C-contiguous array (what ``numpy.asarray(x)`` gives)."""
    strides = []
    step = itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(int(n), 1)
    return tuple(reversed(strides))


def _store(result, out):
    """Compute ``result`` into ``out`` (a NumPy array, zarr array, memmap...); return ``out``."""
    if isinstance(out, da.Array) or not hasattr(out, "__setitem__"):
        raise TypeError("out must be a writable array (numpy.ndarray, numpy.memmap, zarr array), "
                        "got %s" % type(out).__name__)
    if tuple(out.shape) != result.shape:
        raise ValueError("out has shape %s but the result has shape %s" % (tuple(out.shape), result.shape))
    if np.dtype(out.dtype) != result.dtype:
        raise TypeError("out has dtype %s but the result has dtype %s (the input's)"
                        % (out.dtype, result.dtype))
    if isinstance(out, np.ndarray):
        if not out.flags.writeable:
            raise ValueError("out is read-only")
        da.store(result, out, lock=False)  # disjoint regions: no lock needed
    else:
        da.store(result, out)
    return out


# ----------------------------------------------------------------------------------------------
# planning
# ----------------------------------------------------------------------------------------------
_GATHER, _COMPLEX, _PLAIN = "gather", "complex", "plain"


def _global_plan(req, stand):
    """``(kind, code, plan key, plan)`` exactly as ``_backend_cpu.prepare`` chooses them."""
    dtype = stand.dtype if stand.dtype.isnative else stand.dtype.newbyteorder("=")
    code, family, _ = _dtypes.info(dtype)
    layout = (_layout.channels_last_contiguous(stand), _layout.area_channels_last(stand))
    if req.mode in ("nearest", "nearest-exact"):
        kind, pcode = _GATHER, code or "f32"
    elif family == "complex":
        kind, pcode = _COMPLEX, _dtypes.info(_dtypes.component_dtype(dtype))[0]
    elif code is None:
        raise NotImplementedError("cyresample: mode %r does not support dtype %s (only the nearest "
                                  "modes copy arbitrary dtypes)" % (req.mode, stand.dtype))
    else:
        kind, pcode = _PLAIN, code
    key = _plan.plan_key(req.mode, stand.shape, req.out_sizes, req.scales, req.align_corners,
                         req.antialias, pcode, layout)
    return kind, pcode, key, _plan.get_plan(key)


@functools.lru_cache(maxsize=256)
def _local_axis(key, d, o0, o1):
    """Outputs ``o0:o1`` of spatial axis ``d`` of plan ``key``, planned on their input slab.

    Returns ``(lo, hi, used, axis)``: the slab covers source indices ``lo:hi``
    (``used is None``) or exactly the sorted indices ``used``; ``axis`` is the
    :class:`AxisPlan` of the same rows with indices into the slab.
    """
    plan = _plan.get_plan(key)
    g = plan.axes[d]
    n = o1 - o0
    if g.skip:  # not resampled: the slab is the output range itself
        return o0, o1, None, _plan.identity_axis(n)
    sl = g.slice(o0, o1)
    if g.window:
        lo, hi = sl.source_range()
        start = sl.index[:, :1] - lo
        return lo, hi, None, _plan.AxisPlan(hi - lo, n, start, None, sl.ntaps, False, sl.shift, True)
    cols = np.arange(sl.k)[None, :] < sl.ntaps[:, None]
    used = np.unique(sl.index[cols])
    lo, hi = int(used[0]), int(used[-1]) + 1
    used.setflags(write=False)  # cached: shared by every task of this output range
    if plan.method != _plan.MEAN and len(used) <= _COMPRESS_BELOW * (hi - lo):
        # sparse taps: keep only the source indices that are read (same values, fewer bytes)
        local = np.searchsorted(used, sl.index)
        local = np.clip(local, 0, len(used) - 1)  # padding taps (never read) stay in range
        return lo, hi, used, _plan.AxisPlan(len(used), n, local, sl.weight, sl.ntaps, False, sl.shift)
    local = np.clip(sl.index - lo, 0, hi - lo - 1)
    return lo, hi, None, _plan.AxisPlan(hi - lo, n, local, sl.weight, sl.ntaps, False, sl.shift)


def _scaled_chunks(chunks, n_in, n_out):
    """Input chunk boundaries mapped to the output axis (``b * n_out / n_in``, rounded)."""
    if n_out == n_in:
        return tuple(chunks)
    if n_in == 0 or n_out == 0:
        return (n_out,)
    bounds = np.cumsum((0,) + tuple(chunks))
    ob = sorted({min(n_out, (int(b) * n_out + n_in // 2) // n_in) for b in bounds} | {0, n_out})
    return tuple(int(v) for v in np.diff(ob))


def _split_halves(chunks):
    out = []
    for c in chunks:
        if c > 1:
            out += [(c + 1) // 2, c // 2]
        else:
            out.append(c)
    return tuple(out)


def _default_chunks(x, out_shape):
    """N and C chunks carried over; spatial chunks scaled by ``out / in`` per axis, split
    further along upsampled axes while a chunk would exceed both the largest input chunk and
    ``array.chunk-size`` (bytes)."""
    chunks = [tuple(x.chunks[0]), tuple(x.chunks[1])]
    for d in range(2, x.ndim):
        chunks.append(_scaled_chunks(x.chunks[d], x.shape[d], out_shape[d]))
    item = x.dtype.itemsize
    in_max = item * math.prod(max(c, default=0) for c in x.chunks)
    limit = max(in_max, parse_bytes(dask.config.get("array.chunk-size", "128MiB")))
    while item * math.prod(max(c, default=0) for c in chunks) > limit:
        best, ratio = None, 1.0
        for d in range(2, x.ndim):
            if out_shape[d] > x.shape[d]:
                r = max(chunks[d], default=0) / max(max(x.chunks[d], default=1), 1)
                if r > ratio:
                    best, ratio = d, r
        if best is None:
            break
        chunks[best] = _split_halves(chunks[best])
    return tuple(chunks)


def _output_chunks(x, out_shape, output_chunks):
    default = _default_chunks(x, out_shape)
    if output_chunks is None:
        return default
    nd = len(out_shape)
    if isinstance(output_chunks, dict):
        spec = [output_chunks.get(d, output_chunks.get(d - nd)) for d in range(nd)]
    elif isinstance(output_chunks, (tuple, list)):
        if len(output_chunks) != nd:
            raise ValueError("output_chunks has %d entries, but the result has %d dimensions"
                             % (len(output_chunks), nd))
        spec = list(output_chunks)
    else:
        return normalize_chunks(output_chunks, shape=out_shape, dtype=x.dtype, previous_chunks=default)
    spec = tuple(default[d] if spec[d] is None else spec[d] for d in range(nd))
    return normalize_chunks(spec, shape=out_shape, dtype=x.dtype, previous_chunks=default)


def _deps(lo, hi, used, bounds):
    """Input chunk indices along one axis that hold source indices ``lo:hi`` (or ``used``)."""
    if hi <= lo:
        return ()
    if used is None:
        first = int(np.searchsorted(bounds, lo, side="right")) - 1
        last = int(np.searchsorted(bounds, hi - 1, side="right")) - 1
        return tuple(range(first, last + 1))
    return tuple(int(v) for v in np.unique(np.searchsorted(bounds, used, side="right") - 1))


def _pieces(lo, hi, used, deps, bounds):
    """Per dependency chunk along one axis: ``(selector in the chunk, slice of the slab)``;
    the selector is a slice, or an index array for sparse taps."""
    out = []
    for j in deps:
        cs, ce = int(bounds[j]), int(bounds[j + 1])
        if used is None:
            a, b = max(lo, cs), min(hi, ce)
            out.append((slice(a - cs, b - cs), slice(a - lo, b - lo)))
        else:
            p0 = int(np.searchsorted(used, cs))
            p1 = int(np.searchsorted(used, ce))
            src = used[p0:p1] - cs
            if p1 - p0 == int(src[-1] - src[0]) + 1:  # a contiguous run
                out.append((slice(int(src[0]), int(src[-1]) + 1), slice(p0, p1)))
            else:
                out.append((np.ascontiguousarray(src, dtype=np.intp), slice(p0, p1)))
    return out


# ----------------------------------------------------------------------------------------------
# the graph
# ----------------------------------------------------------------------------------------------
#: A dependency chunk is cut down in a task of its own (on the worker that holds it, so only
#: the cut travels) when the part read is at most this fraction of the chunk and the cut
#: saves at least this many bytes (below that, an extra task costs more than the transfer).
_CUT_BELOW = 0.5
_CUT_MIN_BYTES = 1 << 20


class _ChunkSpec:
    """What one task needs besides its input blocks (small, picklable, opaque to dask)."""

    __slots__ = ("kind", "code", "key", "dtype", "ranges", "slab_shape", "pieces", "precut")

    def __init__(self, kind, code, key, dtype, ranges, slab_shape, pieces, precut):
        self.kind = kind
        self.code = code
        self.key = key
        self.dtype = dtype
        self.ranges = ranges            # per dim: output (start, stop)
        self.slab_shape = slab_shape
        self.pieces = pieces            # per dim: ((selector in the chunk, slice of the slab), ...)
        self.precut = precut            # per block (C order of the deps): already cut?

    def __getstate__(self):
        return tuple(getattr(self, s) for s in self.__slots__)

    def __setstate__(self, state):
        for s, v in zip(self.__slots__, state):
            setattr(self, s, v)


def _selector_key(sel):
    return (sel.start, sel.stop) if isinstance(sel, slice) else ("ix",) + tuple(sel.tolist())


def _build(x, req, stand, output_chunks, stacklevel):
    nd = x.ndim
    out_shape = tuple(x.shape[:2]) + tuple(req.out_sizes)
    chunks = _output_chunks(x, out_shape, output_chunks)
    meta = da.utils.meta_from_array(x._meta, ndim=nd, dtype=x.dtype)
    if 0 in out_shape:  # nothing to compute (the CPU backend does not plan either)
        return da.empty(out_shape, dtype=x.dtype, chunks=chunks)
    kind, code, key, plan = _global_plan(req, stand)

    xchunks = x.chunks
    in_bounds = [np.cumsum((0,) + tuple(c)) for c in xchunks]
    # per dim, per output chunk: (out range, slab extent, pieces); a piece is
    # (dep chunk index, selector, slab slice, part length, chunk length, selector key)
    axes_info = []
    for d in range(nd):
        info = []
        o0 = 0
        for n in chunks[d]:
            o1 = o0 + n
            if d < 2:
                lo, hi, used = o0, o1, None
                extent = n
            else:
                lo, hi, used, ax = _local_axis(key, d - 2, o0, o1)
                extent = ax.n_in
            deps = _deps(lo, hi, used, in_bounds[d])
            pieces = [(j, sel, dst, dst.stop - dst.start, xchunks[d][j], _selector_key(sel))
                      for j, (sel, dst) in zip(deps, _pieces(lo, hi, used, deps, in_bounds[d]))]
            info.append(((o0, o1), extent, pieces))
            o0 = o1
        axes_info.append(info)

    token = tokenize(x, key, kind, chunks)
    name = "interpolate-" + token
    cut_name = "interpolate-cut-" + token
    cuts = {}  # (block index, selector keys) -> key of the task that cuts it
    dsk = {}
    worst_fan, worst_bytes = 0, 0
    item = x.dtype.itemsize
    xname = x.name
    for idx in itertools.product(*[range(len(c)) for c in chunks]):
        parts = [axes_info[d][i] for d, i in enumerate(idx)]
        fan = 1
        slab_elems = 1
        for p in parts:
            fan *= len(p[2])
            slab_elems *= p[1]
        worst_fan = max(worst_fan, fan)
        worst_bytes = max(worst_bytes, item * slab_elems)
        refs, precut = [], []
        for pcs in itertools.product(*[p[2] for p in parts]):
            combo = tuple(pc[0] for pc in pcs)
            in_key = (xname,) + combo
            n_piece = n_block = 1
            for pc in pcs:
                n_piece *= pc[3]
                n_block *= pc[4]
            if fan > 1 and n_piece <= _CUT_BELOW * n_block and (n_block - n_piece) * item >= _CUT_MIN_BYTES:
                ck = (combo, tuple(pc[5] for pc in pcs))
                cut_key = cuts.get(ck)
                if cut_key is None:
                    cut_key = cuts[ck] = (cut_name, len(cuts))
                    dsk[cut_key] = _task(cut_key, _cut, [in_key], _CutSpec(tuple(pc[1] for pc in pcs)))
                refs.append(cut_key)
                precut.append(True)
            else:
                refs.append(in_key)
                precut.append(False)
        spec = _ChunkSpec(kind, code, key, x.dtype, tuple(p[0] for p in parts),
                          tuple(p[1] for p in parts),
                          tuple(tuple((pc[1], pc[2]) for pc in p[2]) for p in parts), tuple(precut))
        out_key = (name,) + idx
        dsk[out_key] = _task(out_key, _compute_chunk, refs, spec)
    if worst_fan > MAX_FAN_IN or worst_bytes > MAX_SLAB_BYTES:
        warnings.warn("cyresample: one output chunk reads %d input chunks (%.1f MiB input slab); "
                      "limits %d chunks, %.0f MiB. Consider output_chunks= or rechunking the input."
                      % (worst_fan, worst_bytes / 2**20, MAX_FAN_IN, MAX_SLAB_BYTES / 2**20),
                      ChunkFanInWarning, stacklevel=stacklevel)
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=[x])
    return da.Array(graph, name, chunks=chunks, dtype=x.dtype, meta=meta)


def _task(key, func, refs, spec):
    """``func(spec, *values of refs)`` as a dask task."""
    if _Task is not None:
        return _Task(key, func, spec, *[_TaskRef(k) for k in refs])
    return (func, spec) + tuple(refs)  # pragma: no cover - dask < 2024.12


# ----------------------------------------------------------------------------------------------
# the tasks
# ----------------------------------------------------------------------------------------------
def _namespace(block):
    """``numpy`` or ``cupy``, from the chunk's array type."""
    if type(block).__module__.startswith("cupy"):
        import cupy
        return cupy
    return np


def _local_axes(spec):
    """The chunk-local :class:`AxisPlan` of every spatial axis."""
    return [_local_axis(spec.key, d - 2, o0, o1)[3] for d, (o0, o1) in enumerate(spec.ranges) if d >= 2]


class _CutSpec:
    """The selectors of a cut task (opaque to dask's task parser)."""

    __slots__ = ("sels",)

    def __init__(self, sels):
        self.sels = sels

    def __getstate__(self):
        return self.sels

    def __setstate__(self, state):
        self.sels = state


def _cut(sels, block):
    """The part of ``block`` that ``sels`` (per dim: a slice or an index array; or a
    :class:`_CutSpec`) selects. Slices give a view (no copy on the threaded scheduler; on a
    cluster only the part travels), index arrays a copy."""
    if isinstance(sels, _CutSpec):
        sels = sels.sels
    piece = block[tuple(sl if isinstance(sl, slice) else slice(None) for sl in sels)]
    for d, sl in enumerate(sels):
        if not isinstance(sl, slice):
            piece = _namespace(block).take(piece, sl, axis=d)
    return piece


def _assemble(spec, blocks):
    """The input slab: the parts of ``blocks`` the task's taps read, in one array."""
    combos = itertools.product(*spec.pieces)
    if len(blocks) == 1:  # the part of one block: a view when it can be
        (pcs,) = combos
        return blocks[0] if spec.precut[0] else _cut(tuple(pc[0] for pc in pcs), blocks[0])
    slab = _namespace(blocks[0]).empty(spec.slab_shape, dtype=blocks[0].dtype)
    for block, pcs, pre in zip(blocks, combos, spec.precut):
        slab[tuple(pc[1] for pc in pcs)] = block if pre else _cut(tuple(pc[0] for pc in pcs), block)
    return slab


def _task_threads():
    """OpenMP threads for one task (results never depend on it).

    An explicit ``cyresample.set_num_threads`` wins. Otherwise OpenMP's default for this
    process (``OMP_NUM_THREADS``, which distributed's nanny sets to 1 in its workers) is
    shared among the scheduler's concurrent tasks: the threaded scheduler runs one task per
    core, so each gets one thread; the synchronous scheduler runs one task at a time.
    Returns None to leave the setting alone.
    """
    if _threads._global_setting[0] is not None:
        return None
    if threading.current_thread() is threading.main_thread():
        return None  # synchronous scheduler: one task at a time
    base = _threads.get_num_threads()
    workers = None
    if "distributed" in sys.modules:
        try:
            from distributed import get_worker
            workers = get_worker().state.nthreads
        except Exception:  # noqa: BLE001 - not in a distributed worker
            workers = None
    if workers is None:
        workers = dask.config.get("num_workers", None) or os.cpu_count() or 1
    return max(1, base // max(1, int(workers)))


def _compute_chunk(spec, *blocks):
    """Compute one output chunk from the input chunks its taps touch."""
    out_shape = tuple(b - a for a, b in spec.ranges)
    if not blocks:  # an empty output chunk (a zero-length N or C chunk): no input needed
        return np.empty(out_shape, spec.dtype)
    local = _local_axes(spec)
    slab = _assemble(spec, blocks)
    plan = _plan.get_plan(spec.key)
    xp = _namespace(slab)
    if xp is not np:
        return _run(spec, plan, local, slab, out_shape, _cuda_backend(), xp)
    if plan.method == _plan.MEAN or any(s == 0 and n > 1 for s, n in zip(slab.strides, slab.shape)):
        # the in-memory path sees numpy.asarray(x): C order. The mean's pairwise sums follow
        # the memory order; broadcast (zero-stride) chunks, e.g. from da.ones, are made real.
        slab = np.ascontiguousarray(slab)
    dtype = spec.dtype
    if not dtype.isnative:
        # arithmetic in native byte order, result in the caller's dtype (as in memory); done
        # here because the CPU executor's own conversion changes the strides its gather
        # offsets were computed for
        slab = slab.astype(dtype.newbyteorder("="))
    if spec.kind == _PLAIN and spec.code in ("i64", "u64"):
        _backend_cpu._check_exact_int64(slab, plan)  # the whole call's windows, as in memory
    n = _task_threads()
    if n is None:
        out = _run(spec, plan, local, slab, out_shape, _backend_cpu, np)
    else:
        with _threads.threads(n):
            out = _run(spec, plan, local, slab, out_shape, _backend_cpu, np)
    return out if out.dtype == dtype else out.astype(dtype)


def _local_plan(plan, axes, vector_lanes=None):
    return _plan.Plan(plan.method, axes, plan.order, plan.opmath,
                      plan.vector_lanes if vector_lanes is None else vector_lanes, plan.variant)


def _run(spec, plan, local, slab, out_shape, backend, xp):
    """Run the chunk-local plan on the slab with ``backend.executor_for_plan`` (CPU or CUDA).

    PyTorch's product and channels-last area kernels use their vector evaluation order for
    the global channels ``c < C - C % lanes``: the chunk's channels are split there and each
    part runs all-vector (lanes 1) or all-scalar (lanes 0).
    """
    lanes = plan.vector_lanes
    if plan.method in (_plan.PRODUCT, _plan.AREA) and lanes > 0:
        C = spec.key[1][0]
        c0 = spec.ranges[1][0]
        split = min(max(C - C % lanes - c0, 0), slab.shape[1])
        parts = [(a, b, vl) for a, b, vl in ((0, split, 1), (split, slab.shape[1], 0)) if b > a]
        results = []
        for a, b, vl in parts:
            s = slab[:, a:b]
            shape = (out_shape[0], b - a) + tuple(out_shape[2:])
            results.append(backend.executor_for_plan(s, _local_plan(plan, local, vl), shape)(s))
        return results[0] if len(results) == 1 else xp.concatenate(results, axis=1)
    return backend.executor_for_plan(slab, _local_plan(plan, local), out_shape)(slab)


def _cuda_backend():
    """The CUDA backend for CuPy chunks (``executor_for_plan``), or NotImplementedError."""
    try:
        from . import _backend_cuda
    except ImportError as e:
        raise NotImplementedError("cyresample: Dask arrays of CuPy chunks need the CUDA backend "
                                  "(cyresample._backend_cuda), which is not available: %s" % e) from e
    if not hasattr(_backend_cuda, "executor_for_plan"):
        raise NotImplementedError("cyresample: Dask arrays of CuPy chunks need "
                                  "cyresample._backend_cuda.executor_for_plan(x, plan, out_shape), "
                                  "which this build does not provide")
    return _backend_cuda
