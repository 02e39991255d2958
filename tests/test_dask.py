"""Dask backend: lazy, chunked results bit-identical to the in-memory result (issue 6).

Every check compares ``cyresample.interpolate(dask_array, ...).compute()`` with
``cyresample.interpolate(numpy_array, ...)`` byte for byte (so NaN payloads and
signed zeros count too), over random shapes, chunkings (1-element chunks,
uneven last chunks, chunks along N, C and the spatial axes), modes, dtypes and
flags, plus the seam cases named in the issue, the graph's dependency
structure, warnings, ``out=``, and the distributed scheduler.
"""
import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402
import dask.core  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import cyresample  # noqa: E402
import cyresample.dask as cd  # noqa: E402
from cyresample import _plan  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::cyresample.dask.ChunkFanInWarning")


@pytest.fixture(autouse=True)
def _always_cut(monkeypatch):
    """Exercise the halo-cutting tasks on small test arrays too (by default only chunks that
    lose at least 1 MiB are cut in a task of their own)."""
    from cyresample import _backend_dask
    monkeypatch.setattr(_backend_dask, "_CUT_MIN_BYTES", 0)

MODES = {1: ["nearest", "nearest-exact", "linear", "area"],
         2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area", "lanczos"],
         3: ["nearest", "nearest-exact", "trilinear", "area"]}
DTYPES = [np.float32, np.float64, np.uint8, np.float16, np.int16]
SCALES = [0.25, 0.3, 0.5, 0.77, 1.0, 1.5, 1.7, 2.0, 3.0, 0.123, 2.6]


def make_data(rng, shape, dtype, specials=False):
    dtype = np.dtype(dtype)
    if dtype.kind == "f" or dtype.name == "bfloat16":
        x = rng.standard_normal(shape) * 100
        if specials and x.size:
            flat = x.reshape(-1)
            k = max(1, flat.size // 50)
            flat[rng.integers(0, flat.size, k)] = np.nan
            flat[rng.integers(0, flat.size, k)] = np.inf
            flat[rng.integers(0, flat.size, k)] = -0.0
        return x.astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -2**40), min(info.max, 2**40), shape, endpoint=True).astype(dtype)


def _nan_mask(a):
    if a.dtype.kind in "fc" or a.dtype.name == "bfloat16":
        return np.isnan(a.astype(np.complex128) if a.dtype.kind == "c" else a.astype(np.float64))
    return None


def assert_bits(got, ref):
    """Same dtype, shape and bits, NaN-aware: NaN in the same places (any payload: the CPU
    kernels' NaN sign already depends on the memory layout in memory), every other element
    bit for bit (signed zeros included)."""
    assert got.dtype == ref.dtype and got.shape == ref.shape, (got.dtype, ref.dtype, got.shape, ref.shape)
    g = np.ascontiguousarray(got).reshape(-1)
    r = np.ascontiguousarray(ref).reshape(-1)
    if g.tobytes() == r.tobytes():
        return
    gn, rn = _nan_mask(g), _nan_mask(r)
    if gn is not None:
        assert np.array_equal(gn, rn), "NaN in different places"
        g, r = g[~gn], r[~rn]
    bg = g.view(np.uint8).reshape(len(g), -1)
    br = r.view(np.uint8).reshape(len(r), -1)
    diff = np.flatnonzero((bg != br).any(axis=1))
    if diff.size:
        raise AssertionError("chunked result differs from the in-memory result at %d elements, first "
                             "(non-NaN index %d) got %r, want %r" % (diff.size, diff[0], g[diff[0]], r[diff[0]]))


def check(x, chunks, output_chunks=None, scheduler="sync", **kw):
    """Dask result (built lazily, computed) == in-memory result, or the same exception."""
    dx = da.from_array(x, chunks=chunks)
    try:
        ref = cyresample.interpolate(x, **kw)
    except Exception as e:  # noqa: BLE001 - the Dask path must raise the same
        with pytest.raises(type(e)) as info:
            cd.interpolate(dx, output_chunks=output_chunks, **kw).compute(scheduler=scheduler)
        assert str(info.value) == str(e)
        return None
    y = cd.interpolate(dx, output_chunks=output_chunks, **kw)
    assert isinstance(y, da.Array)
    assert y.shape == ref.shape and y.dtype == ref.dtype
    assert_bits(y.compute(scheduler=scheduler), ref)
    return y


# ----------------------------------------------------------------------------------------------
# hypothesis: random geometry, chunking, mode, dtype, flags
# ----------------------------------------------------------------------------------------------
@st.composite
def partitions(draw, n):
    """A random chunking of length ``n``: 1-element chunks and uneven last chunks included."""
    if n == 0:
        return (0,)
    cuts = draw(st.sets(st.integers(1, n - 1), max_size=min(n - 1, 6))) if n > 1 else set()
    if draw(st.integers(0, 5)) == 0 and n > 1:  # sometimes: all 1-element chunks
        return (1,) * n
    b = [0] + sorted(cuts) + [n]
    return tuple(b[i + 1] - b[i] for i in range(len(b) - 1))


@st.composite
def cases(draw):
    nd = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(MODES[nd]))
    dtype = draw(st.sampled_from(DTYPES))
    N = draw(st.integers(1, 3))
    C = draw(st.sampled_from([1, 2, 3, 4, 5, 9, 11]))
    hi = {1: 40, 2: 22, 3: 9}[nd]
    spatial = tuple(draw(st.integers(1, hi)) for _ in range(nd))
    shape = (N, C) + spatial
    chunks = tuple(draw(partitions(n)) for n in shape)
    kw = {"mode": mode}
    if draw(st.booleans()):
        kw["size"] = tuple(draw(st.integers(1, 2 * hi)) for _ in range(nd))
    else:
        # mostly scales that keep every output size >= 1 (else both paths raise the same error)
        kw["scale_factor"] = tuple(draw(st.sampled_from([s for s in SCALES if n * s >= 1] or SCALES))
                                   for n in spatial)
        kw["recompute_scale_factor"] = draw(st.sampled_from([None, True, False]))
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kw["align_corners"] = draw(st.sampled_from([None, False, True]))
    if mode in ("bilinear", "bicubic"):
        kw["antialias"] = draw(st.booleans())
    if mode == "lanczos":
        kw["antialias"] = True
    oc = draw(st.sampled_from([None, None, "ints", "dict"]))
    if oc == "ints":
        oc = (None, None) + tuple(draw(st.integers(1, 12)) for _ in range(nd))
    elif oc == "dict":
        oc = {draw(st.integers(0, nd + 1)): draw(st.integers(1, 5))}
    seed = draw(st.integers(0, 2**32 - 1))
    specials = draw(st.integers(0, 3)) == 0
    return shape, chunks, np.dtype(dtype), kw, oc, seed, specials


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_random_cases_bit_identical(case):
    shape, chunks, dtype, kw, oc, seed, specials = case
    x = make_data(np.random.default_rng(seed), shape, dtype, specials)
    check(x, chunks, output_chunks=oc, **kw)


# ----------------------------------------------------------------------------------------------
# seams
# ----------------------------------------------------------------------------------------------
SEAMS = [
    # downsampling across chunk borders
    ((1, 2, 61, 47), (1, 1, 7, 9), dict(scale_factor=0.5, mode="bilinear")),
    ((1, 2, 61, 47), (1, 1, 7, 9), dict(scale_factor=0.37, mode="bicubic")),
    ((2, 1, 130, 140), (1, 1, 13, 17), dict(scale_factor=0.5, mode="bilinear")),  # separable path
    ((1, 1, 301), (1, 1, 16), dict(scale_factor=1 / 3, mode="linear")),
    # edge chunks not a multiple of the factor
    ((1, 3, 50, 50), (1, 3, 16, 16), dict(scale_factor=1 / 3, mode="area")),
    ((1, 3, 50, 50), (1, 3, 16, 16), dict(size=(17, 17), mode="nearest")),
    ((1, 3, 50, 50), (1, 3, 16, 16), dict(size=(17, 17), mode="nearest-exact")),
    # antialias with wide supports: one output reads many chunks
    ((1, 2, 200, 190), (1, 1, 10, 10), dict(size=(9, 7), mode="bicubic", antialias=True)),
    ((1, 2, 200, 190), (1, 1, 10, 10), dict(size=(9, 7), mode="bilinear", antialias=True)),
    ((1, 2, 200, 190), (1, 1, 10, 10), dict(size=(13, 11), mode="lanczos", antialias=True)),
    ((1, 2, 200, 190), (1, 1, 10, 10), dict(scale_factor=0.3, mode="bicubic", antialias=True,
                                            align_corners=True)),
    # area with overlapping windows
    ((2, 2, 10, 31), (1, 1, 3, 4), dict(size=(7, 13), mode="area")),
    ((1, 2, 9, 10, 11), (1, 1, 2, 3, 4), dict(size=(4, 7, 5), mode="area")),
    # bicubic border clamping inside interior chunks (first chunk of one row/column)
    ((1, 1, 33, 29), (1, 1, (1, 31, 1), (1, 1, 27)), dict(scale_factor=2.5, mode="bicubic")),
    ((1, 1, 33, 29), (1, 1, (1, 31, 1), (1, 1, 27)), dict(size=(5, 4), mode="bicubic", align_corners=True)),
    # chunks long enough for the periodic (polyphase) row kernels on chunk-local tables
    ((1, 2, 300, 260), (1, 1, 100, (64, 64, 132)), dict(scale_factor=0.5, mode="bilinear")),
    ((1, 2, 150, 130), (1, 1, 50, (40, 33, 57)), dict(scale_factor=2, mode="bicubic")),
    ((1, 2, 150, 130), (1, 1, 50, (40, 33, 57)), dict(scale_factor=0.5, mode="bicubic", antialias=True)),
    # 3-D
    ((1, 2, 9, 10, 11), (1, 1, 2, 3, 4), dict(scale_factor=1.7, mode="trilinear")),
    ((1, 2, 9, 10, 11), (1, 1, 2, 3, 4), dict(scale_factor=0.6, mode="trilinear", align_corners=True)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.float16, np.int16])
@pytest.mark.parametrize("shape,chunks,kw", SEAMS)
def test_seams(shape, chunks, kw, dtype):
    x = make_data(np.random.default_rng(7), shape, dtype)
    check(x, chunks, **kw)


def test_polyphase_on_chunk_local_tables():
    # the seams above run the periodic row kernels on shifted tables: make sure they do
    from cyresample import _backend_dask as bd
    key = _plan.plan_key("bilinear", (1, 2, 300, 260), (150, 130), (0.5, 0.5), False, False, "f32",
                         (False, False))
    assert _plan.get_plan(key).method == _plan.SEPARABLE
    lo, hi, used, ax = bd._local_axis(key, 1, 32, 64)
    assert used is None and ax.polyphase() is not None and (lo, hi) == (64, 128)


@pytest.mark.parametrize("dtype,C,cchunks", [
    (np.float32, 11, (3, 5, 3)),   # 8 lanes: [0, 8) vector order, [8, 11) scalar, chunks straddle
    (np.float32, 11, (5, 6)),
    (np.float64, 7, (1,) * 7),     # 4 lanes
    (np.float16, 19, (10, 9)),     # 16 lanes
    (np.float32, 3, (1, 2)),
])
@pytest.mark.parametrize("size", [(20, 30), (90, 80)])  # product path (sum <= 128) and separable
def test_product_path_channel_lanes(dtype, C, cchunks, size):
    x = make_data(np.random.default_rng(1), (2, C, 23, 17), dtype)
    check(x, (1, cchunks, 6, 5), size=size, mode="bilinear")
    check(x, (1, cchunks, 6, 5), size=size, mode="nearest")


def test_product_path_decided_globally():
    # the whole output is 60 + 60 <= 128 (product kernel); every chunk is much smaller. Chunks
    # must use the product kernel too, exactly as in memory.
    x = make_data(np.random.default_rng(2), (1, 5, 40, 40), np.float32)
    check(x, (1, 2, 7, 9), size=(60, 60), mode="bilinear")
    plan = _plan.get_plan(_plan.plan_key("bilinear", x.shape, (60, 60), (None, None), False, False,
                                         "f32", (False, False)))
    assert plan.method == _plan.PRODUCT


def test_channels_last_bit_from_c_order_geometry():
    # a C-contiguous (N, C, 1, 1) array is also channels-last contiguous for PyTorch: with
    # C > 3 that selects the product kernel (and lanes) even for large outputs
    x = make_data(np.random.default_rng(3), (2, 13, 1, 1), np.float32)
    check(x, (1, (4, 9), 1, 1), size=(100, 70), mode="bilinear")
    check(x, (1, (4, 9), 1, 1), size=(100, 70), mode="nearest")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.complex64, np.complex128])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_area_mean(dtype, nd):
    # every output size 1: PyTorch's mean (float64 sums, one division), per N/C chunk
    shape = (3, 4) + (57, 40, 9)[:nd]
    x = make_data(np.random.default_rng(4), shape, dtype, specials=False)
    chunks = (2, (1, 3)) + (11, 7, 4)[:nd]
    check(x, chunks, size=(1,) * nd, mode="area")


def test_identity_axis_of_uint8_and_antialias_plans():
    # a spatial axis that keeps its size is skipped (identity) globally; chunked along it
    x = make_data(np.random.default_rng(5), (1, 3, 20, 30), np.uint8)
    check(x, (1, 2, 3, 7), size=(20, 13), mode="bilinear")
    check(x, (1, 2, 3, 7), size=(20, 20 + 7), mode="bicubic", antialias=True)
    y = make_data(np.random.default_rng(5), (1, 3, 20, 30), np.float32)
    check(y, (1, 2, 3, 7), size=(11, 30), mode="bicubic", antialias=True)
    check(x, (1, 2, 3, 7), size=(20, 30), mode="bilinear")  # COPY plan
    check(y, (1, 2, 3, 7), size=(20, 30), mode="bilinear", antialias=True)


@pytest.mark.parametrize("dtype", ["complex64", "complex128", ">f4", "<f8", ">i2", "int64", "uint16",
                                   "int8", "bool", "datetime64[s]", "U3"])
def test_other_dtypes(dtype):
    dt = np.dtype(dtype)
    rng = np.random.default_rng(6)
    if dt.kind in "MU":
        x = rng.integers(0, 1000, (2, 2, 9, 8)).astype(dt)
    else:
        x = make_data(rng, (2, 2, 9, 8), dt)
    for kw in (dict(scale_factor=1.6, mode="nearest"), dict(size=(5, 13), mode="bilinear"),
               dict(size=(4, 3), mode="area"), dict(size=(6, 5), mode="bicubic", antialias=True)):
        check(x, (1, 1, 4, 3), **kw)


def test_bfloat16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = make_data(np.random.default_rng(8), (1, 3, 19, 21), ml_dtypes.bfloat16)
    for kw in (dict(scale_factor=0.5, mode="bilinear"), dict(size=(40, 9), mode="bicubic"),
               dict(size=(5, 5), mode="area"), dict(size=(1, 1), mode="area")):
        check(x, (1, 2, 5, 4), **kw)


def test_int64_exactness_check_is_lazy():
    x = np.full((1, 1, 8, 8), 2**60, np.int64)
    dx = da.from_array(x, chunks=4)
    y = cd.interpolate(dx, size=(5, 5), mode="bilinear")  # building the graph reads nothing
    with pytest.raises(ValueError, match="cannot be interpolated exactly"):
        y.compute(scheduler="sync")


@pytest.mark.parametrize("kw", [dict(size=(3, 4), scale_factor=2), dict(size=(3, 4), mode="linear"),
                                dict(scale_factor=2, mode="nearest", align_corners=True),
                                dict(size=(0, 4)), dict(scale_factor=2, mode="lanczos"),
                                dict(size=(3, 4), mode="bilinear", antialias=True, align_corners=None,
                                     recompute_scale_factor=True)])
def test_errors_match_in_memory(kw):
    x = np.zeros((1, 2, 8, 8), np.float32)
    check(x, 4, **kw)


def test_chunk_memory_layouts():
    # chunks that are views with other strides (transposed, reversed, broadcast) give the same
    # bits as numpy.asarray(x), which is C-contiguous
    rng = np.random.default_rng(17)
    base = make_data(rng, (2, 3, 40, 30), np.float32)
    variants = [
        da.from_array(np.asfortranarray(base), chunks=(1, 2, 9, 7)),
        da.from_array(base[:, ::-1, ::-1, :], chunks=(1, 2, 9, 7)),
        da.from_array(base.transpose(0, 1, 3, 2).copy().transpose(0, 1, 3, 2), chunks=(2, 3, 13, 30)),
        da.from_array(np.broadcast_to(base[:, :, :1, :], base.shape), chunks=(1, 2, 9, 7)),
        da.ones((2, 3, 40, 30), chunks=(1, 2, 9, 7), dtype=np.float32),
        da.from_array(base, chunks=(1, 2, 9, 7)).transpose(0, 1, 3, 2),
    ]
    for dx in variants:
        x = np.asarray(dx)
        for kw in (dict(scale_factor=0.5, mode="bicubic", antialias=True), dict(size=(1, 1), mode="area"),
                   dict(scale_factor=1.5, mode="bilinear"), dict(size=(17, 9), mode="area"),
                   dict(scale_factor=2.5, mode="nearest"), dict(size=(30, 40), mode="bilinear")):
            assert_bits(cd.interpolate(dx, **kw).compute(scheduler="sync"), cyresample.interpolate(x, **kw))


def test_zero_length_chunks():
    x = make_data(np.random.default_rng(18), (3, 2, 10, 12), np.float32)
    dx = da.from_array(x, chunks=((2, 0, 1), (2, 0), (5, 0, 5), (0, 7, 5)))
    assert 0 in dx.chunks[0]
    for kw in (dict(scale_factor=2, mode="bilinear"), dict(size=(1, 1), mode="area")):
        assert_bits(cd.interpolate(dx, **kw).compute(scheduler="sync"), cyresample.interpolate(x, **kw))


def test_empty_batch_and_channels():
    x = np.zeros((0, 2, 8, 8), np.float32)
    y = check(x, (1, 1, 3, 3), scale_factor=2, mode="bilinear")
    assert y.shape == (0, 2, 16, 16)


# ----------------------------------------------------------------------------------------------
# laziness, routing, chunks, graph
# ----------------------------------------------------------------------------------------------
def _exploding(shape, chunks, dtype=np.float32):
    def boom(block):
        raise AssertionError("the input was read while building the graph")
    return da.zeros(shape, chunks=chunks, dtype=dtype).map_blocks(boom, dtype=dtype)


def test_lazy_and_routed_through_interpolate():
    dx = _exploding((2, 3, 40, 40), (1, 2, 9, 9))
    for kw in (dict(scale_factor=0.5, mode="bilinear"), dict(size=(1, 1), mode="area"),
               dict(size=(7, 9), mode="bicubic", antialias=True)):
        y = cyresample.interpolate(dx, **kw)  # through _api._array_backend
        assert isinstance(y, da.Array)
    x = make_data(np.random.default_rng(9), (2, 3, 40, 40), np.float32)
    y = cyresample.interpolate(da.from_array(x, chunks=(1, 2, 9, 9)), scale_factor=0.5, mode="bilinear")
    assert_bits(y.compute(), cyresample.interpolate(x, scale_factor=0.5, mode="bilinear"))


def test_import_does_not_import_dask():
    code = "import sys, cyresample; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_default_output_chunks():
    dx = da.zeros((4, 6, 64, 60), chunks=(1, 2, 16, (20, 20, 20)), dtype=np.float32)
    y = cd.interpolate(dx, scale_factor=2, mode="bilinear")
    assert y.chunks == ((1,) * 4, (2, 2, 2), (32,) * 4, (40, 40, 40))
    y = cd.interpolate(dx, scale_factor=0.5, mode="area")
    assert y.chunks == ((1,) * 4, (2, 2, 2), (8,) * 4, (10, 10, 10))
    y = cd.interpolate(dx, size=(5, 7), mode="bilinear", antialias=True)
    assert sum(y.chunks[2]) == 5 and sum(y.chunks[3]) == 7 and min(y.chunks[2] + y.chunks[3]) >= 1


def test_default_output_chunks_capped_when_upsampling():
    dx = da.zeros((1, 1, 64, 64), chunks=32, dtype=np.float32)
    with dask.config.set({"array.chunk-size": "4KiB"}):
        y = cd.interpolate(dx, scale_factor=8, mode="nearest")
    # 32 * 32 * 4 bytes = 4 KiB: output chunks no larger than the input chunks
    assert max(y.chunks[2]) * max(y.chunks[3]) <= 32 * 32
    assert_bits(y.compute(scheduler="sync"),
                cyresample.interpolate(np.zeros((1, 1, 64, 64), np.float32), scale_factor=8, mode="nearest"))


@pytest.mark.parametrize("oc,want", [
    (7, ((2,), (3,), (7, 7, 6), (7, 1))),  # a scalar applies to every axis (dask)
    ((None, None, 5, -1), ((1, 1), (2, 1), (5, 5, 5, 5), (8,))),
    ({2: 10}, ((1, 1), (2, 1), (10, 10), (4, 4))),
    ({-1: 3}, ((1, 1), (2, 1), (10, 10), (3, 3, 2))),
])
def test_output_chunks_argument(oc, want):
    x = make_data(np.random.default_rng(10), (2, 3, 10, 4), np.float32)
    y = check(x, (1, 2, 5, 2), output_chunks=oc, scale_factor=2, mode="bicubic")
    assert y.chunks == want


def _deps_by_key(y):
    """Input chunks each output task reads, through the tasks that cut halos off them."""
    graph = dict(y.__dask_graph__())
    deps, _ = dask.core.get_deps(graph)
    out = {}
    for k, v in deps.items():
        if isinstance(k, tuple) and k[0] == y.name:
            direct = set()
            for dep in v:
                if dep[0].startswith("interpolate-cut-"):
                    (dep,) = deps[dep]  # a cut task reads exactly one input chunk
                direct.add(dep)
            out[k] = direct
    return out


def _needed_chunks(plan, in_chunks, ranges):
    """Brute force: input chunks along each axis that hold an index the output range reads."""
    out = []
    for d, (o0, o1) in enumerate(ranges):
        bounds = np.cumsum((0,) + in_chunks[d])
        if d < 2:
            idx = np.arange(o0, o1)
        else:
            ax = plan.axes[d - 2]
            if ax.window:
                idx = np.concatenate([np.arange(s, s + n) for s, n in zip(ax.index[o0:o1, 0], ax.ntaps[o0:o1])])
            elif ax.skip:
                idx = np.arange(o0, o1)
            else:
                idx = np.concatenate([ax.index[o, :ax.ntaps[o]] for o in range(o0, o1)])
        out.append(sorted(set((np.searchsorted(bounds, idx, side="right") - 1).tolist())))
    return {tuple(c) for c in itertools.product(*out)}


@pytest.mark.parametrize("kw,code", [
    (dict(scale_factor=0.5, mode="bilinear"), "f32"),
    (dict(scale_factor=0.1, mode="nearest"), "f32"),
    (dict(scale_factor=3, mode="bicubic"), "f32"),
    (dict(size=(11, 5), mode="bicubic", antialias=True), "f32"),
    (dict(size=(13, 9), mode="area"), "f32"),
    (dict(size=(70, 100), mode="bilinear"), "u8"),
])
def test_graph_depends_only_on_touched_chunks(kw, code):
    shape, chunks = (2, 3, 83, 101), (1, (1, 2), 10, (7, 30, 30, 34))
    dx = da.zeros(shape, chunks=chunks, dtype=np.float32 if code == "f32" else np.uint8)
    y = cd.interpolate(dx, **kw)
    layers = y.__dask_graph__().layers
    assert set(layers) == {dx.name, y.name}  # no rechunk, no overlap layers
    from cyresample import _validate
    req = _validate.interpolate_args(np.zeros((1, 3) + shape[2:], dx.dtype), **kw)
    plan = _plan.get_plan(_plan.plan_key(req.mode, shape, req.out_sizes, req.scales, req.align_corners,
                                         req.antialias, code, (False, False)))
    deps = _deps_by_key(y)
    assert len(deps) == np.prod([len(c) for c in y.chunks])  # one task per output chunk
    starts = [np.cumsum((0,) + c) for c in y.chunks]
    for key, dk in deps.items():
        idx = key[1:]
        ranges = [(int(starts[d][i]), int(starts[d][i + 1])) for d, i in enumerate(idx)]
        got = {k[1:] for k in dk}
        assert all(k[0] == dx.name for k in dk)
        assert got == _needed_chunks(plan, chunks if isinstance(chunks[0], tuple) else dx.chunks, ranges)
    if kw.get("mode") == "bilinear" and kw.get("scale_factor") == 0.5:
        assert max(len(v) for v in deps.values()) <= 4  # at most 2 chunks per spatial axis


def test_sparse_taps_read_only_needed_chunks():
    # nearest 1/10: each output reads every tenth column; chunks of 3 between are not deps
    dx = da.zeros((1, 1, 1, 300), chunks=(1, 1, 1, 3), dtype=np.float32)
    y = cd.interpolate(dx, size=(1, 30), mode="nearest", output_chunks=(1, 1, 1, 30))
    (dk,) = _deps_by_key(y).values()
    assert len(dk) == 30
    x = make_data(np.random.default_rng(11), (1, 1, 1, 300), np.float32)
    check(x, (1, 1, 1, 3), output_chunks=(1, 1, 1, 30), size=(1, 30), mode="nearest")
    check(x, (1, 1, 1, 3), output_chunks=(1, 1, 1, 30), size=(1, 30), mode="bilinear")


def test_halo_cut_tasks(monkeypatch):
    from cyresample import _backend_dask
    dx = da.zeros((1, 1, 64, 64), chunks=16, dtype=np.float32)
    y = cd.interpolate(dx, scale_factor=0.5, mode="bicubic")
    graph = dict(y.__dask_graph__())
    deps, _ = dask.core.get_deps(graph)
    cut = [k for k in graph if k[0].startswith("interpolate-cut-")]
    assert cut and all(len(deps[k]) == 1 and next(iter(deps[k]))[0] == dx.name for k in cut)
    x = make_data(np.random.default_rng(19), (1, 1, 64, 64), np.float32)
    check(x, 16, scale_factor=0.5, mode="bicubic")
    monkeypatch.setattr(_backend_dask, "_CUT_MIN_BYTES", 1 << 20)  # the default: small chunks
    y = cd.interpolate(dx, scale_factor=0.5, mode="bicubic")       # are sent whole
    assert not [k for k in dict(y.__dask_graph__()) if k[0].startswith("interpolate-cut-")]


def test_fan_in_warning():
    dx = da.zeros((1, 1, 200, 200), chunks=10, dtype=np.float32)
    with pytest.warns(cd.ChunkFanInWarning, match="400 input chunks"):
        cd.interpolate(dx, size=(1, 1), mode="area")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cd.interpolate(dx, scale_factor=0.5, mode="bilinear")
    assert issubclass(cd.ChunkFanInWarning, UserWarning)


def test_threaded_scheduler_and_thread_settings():
    x = make_data(np.random.default_rng(12), (2, 3, 130, 70), np.float32)
    dx = da.from_array(x, chunks=(1, 3, 40, 30))
    ref = cyresample.interpolate(x, scale_factor=1.9, mode="bicubic")
    assert_bits(cd.interpolate(dx, scale_factor=1.9, mode="bicubic").compute(scheduler="threads"), ref)
    cyresample.set_num_threads(2)
    try:
        assert_bits(cd.interpolate(dx, scale_factor=1.9, mode="bicubic").compute(scheduler="threads"), ref)
    finally:
        cyresample.set_num_threads(None)


def test_out_argument(tmp_path):
    x = make_data(np.random.default_rng(13), (1, 2, 30, 20), np.float32)
    dx = da.from_array(x, chunks=(1, 1, 7, 7))
    ref = cyresample.interpolate(x, scale_factor=1.5, mode="bilinear")
    out = np.empty_like(ref)
    assert cd.interpolate(dx, scale_factor=1.5, mode="bilinear", out=out) is out
    assert_bits(out, ref)
    mm = np.lib.format.open_memmap(str(tmp_path / "r.npy"), mode="w+", dtype=ref.dtype, shape=ref.shape)
    cyresample.interpolate(dx, scale_factor=1.5, mode="bilinear", out=mm)
    assert_bits(np.asarray(mm), ref)
    with pytest.raises(ValueError, match="shape"):
        cd.interpolate(dx, scale_factor=2, mode="bilinear", out=out)
    with pytest.raises(TypeError, match="dtype"):
        cd.interpolate(dx, scale_factor=1.5, mode="bilinear", out=out.astype(np.float64))


def test_numpy_input_to_dask_front_end():
    x = make_data(np.random.default_rng(14), (1, 2, 30, 20), np.float32)
    y = cd.interpolate(x, scale_factor=0.5, mode="area", output_chunks=(1, 1, 5, 5))
    assert isinstance(y, da.Array)
    assert_bits(y.compute(), cyresample.interpolate(x, scale_factor=0.5, mode="area"))


def test_unknown_chunk_sizes():
    x = da.from_array(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4), chunks=2)
    x = x[:, :, x[0, 0, :, 0] >= 0, :]
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        cd.interpolate(x, scale_factor=2)


def test_cupy_chunks():
    """Dask arrays of CuPy chunks run each chunk through the CUDA backend and equal the
    in-memory CuPy result (skipped without cupy and a GPU)."""
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception:  # noqa: BLE001
        pytest.skip("no CUDA device")
    x = make_data(np.random.default_rng(15), (2, 11, 30, 20), np.float32)
    gx = cupy.asarray(x)
    dx = da.from_array(gx, chunks=(1, (3, 8), 7, 7), asarray=False)
    for kw in (dict(scale_factor=1.5, mode="bilinear"), dict(size=(20, 30), mode="bilinear"),
               dict(scale_factor=0.5, mode="bicubic", antialias=True), dict(size=(7, 9), mode="area"),
               dict(scale_factor=0.3, mode="nearest")):
        y = cd.interpolate(dx, **kw)
        try:
            got = y.compute(scheduler="sync")
        except NotImplementedError as e:
            assert "CuPy" in str(e)
            return
        assert isinstance(got, cupy.ndarray)
        assert_bits(cupy.asnumpy(got), cupy.asnumpy(cyresample.interpolate(gx, **kw)))


# ----------------------------------------------------------------------------------------------
# distributed
# ----------------------------------------------------------------------------------------------
def test_distributed_small():
    distributed = pytest.importorskip("distributed")
    x = make_data(np.random.default_rng(16), (2, 3, 64, 50), np.float32)
    dx = da.from_array(x, chunks=(1, 2, 20, 20))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, memory_limit="500MB") as cluster, \
            distributed.Client(cluster) as client:
        for kw in (dict(scale_factor=0.5, mode="bicubic", antialias=True), dict(size=(1, 1), mode="area"),
                   dict(scale_factor=2, mode="bilinear")):
            got = client.compute(cd.interpolate(dx, **kw)).result()
            assert_bits(got, cyresample.interpolate(x, **kw))


class NpyTarget:
    """A ``.npy`` file as a ``da.store`` target that pickles by path (so distributed workers
    write into the file, not into a copy)."""

    def __init__(self, path, shape, dtype):
        np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape).flush()
        self.path, self.shape, self.dtype = path, shape, np.dtype(dtype)

    def __setitem__(self, index, value):
        mm = np.load(self.path, mmap_mode="r+")
        mm[index] = value
        mm.flush()


@pytest.mark.slow
def test_distributed_larger_than_worker_memory(tmp_path):
    """A 1 GiB float32 array (built lazily, never whole in one process) downsampled on two
    workers limited to 300 MB each; the result is streamed to an .npy file by the workers and
    checked against the in-memory computation of strips."""
    distributed = pytest.importorskip("distributed")
    shape, chunks = (1, 4, 8192, 8192), (1, 1, 1024, 1024)  # 1 GiB of float32, 4 MiB chunks
    x = da.random.RandomState(0).standard_normal(shape, chunks=chunks).astype(np.float32)
    kw = dict(scale_factor=0.5, mode="bilinear", antialias=True)
    y = cd.interpolate(x, **kw)
    target = NpyTarget(str(tmp_path / "y.npy"), y.shape, y.dtype)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, memory_limit="300MB") as cluster, \
            distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        da.store(y, target, lock=False)
        peaks = client.run(lambda: __import__("resource").getrusage(0).ru_maxrss * 1024)
        assert client.run(os.getpid) == pids  # no worker was killed and restarted
    assert len(peaks) == 2 and max(peaks.values()) < 300e6, peaks
    print("peak RSS per worker (MB):", sorted(round(v / 1e6) for v in peaks.values()))
    out = np.load(target.path, mmap_mode="r")
    assert np.isfinite(out[:, :, ::97, ::89]).all()
    for c in range(4):
        strip = x[:, c:c + 1, 2048:3072, :].compute()
        ref = cyresample.interpolate(strip, **kw)
        # rows away from the strip's edges depend on the strip only
        assert_bits(np.ascontiguousarray(out[:, c:c + 1, 1040:1500, :]), ref[:, :, 16:476, :])
