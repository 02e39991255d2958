"""Memory layouts of the input and of the result (docs/semantics.md "Layouts"; spec §3.1, §4.1).

For every mode family and several dtypes (float32, float64, uint8, float16, int16, complex64):
C order, Fortran order, channels-last views (an N(D)HWC buffer seen as NC(D)HW, also stepped and
reversed), negative strides, step slices, H/W and N/C swapped in memory, read-only arrays,
``np.memmap`` files, non-native byte order and empty batches.

Values: bit-identical to the result of the C-contiguous copy, except where PyTorch's own kernel
choice depends on the layout (spec §3.1; predicates re-implemented here from torch's definitions):
2-D bilinear / nearest with a channels-last-contiguous input, C > 3 and outH + outW > 128;
3-D trilinear / nearest with a channels-last-3d-contiguous input and C > 3; 1-D/2-D area with
strides *like* channels-last and C > 1. There the result is compared with the compact copy that
keeps the memory order (``np.copy(x, order='K')``, same path), with live torch on the same
strided tensor (``torch.from_numpy`` keeps strides) and, for the strided cases of
``cases_dtypes.LAYOUT_CASES``, with the golden vectors.

Result layout (spec §4.1, PyTorch's ``suggest_memory_format``): channels-last for a 4-D input
whose strides are like channels-last with C > 1, channels-last-3d for such a 5-D input except in
area mode, C-contiguous otherwise -- checked on ``.strides``, and against torch's result
strides when torch is installed.

No copy of the input: a spy (see ``spy_copies``) wraps the NumPy functions that copy arrays
(``numpy.ascontiguousarray``, ``asfortranarray``, ``copy``, ``array``, ``require``,
``copyto``) and records every call whose argument shares memory with the input; the methods of
``ndarray`` (``copy``, ``astype``, ``flatten``, ...) cannot be patched (a C type), so the call is
also run under ``tracemalloc``, which sees every NumPy data allocation: the peak must stay far
below the input's size, which a full copy of the input cannot.
"""
import contextlib
import tracemalloc

import numpy as np
import pytest

import cases as C
import cases_dtypes as D
import cyresample

try:
    import torch  # noqa: F401
except ImportError:
    torch = None

interp = cyresample.interpolate
pytestmark = pytest.mark.filterwarnings("ignore:The given NumPy array is not writable:UserWarning")

# (mode, rank, antialias, align_corners)
FAMILIES = [
    ("nearest", 3, False, None), ("nearest-exact", 3, False, None), ("linear", 3, False, True),
    ("area", 3, False, None),
    ("nearest", 4, False, None), ("nearest-exact", 4, False, None), ("bilinear", 4, False, None),
    ("bicubic", 4, False, True), ("area", 4, False, None), ("bilinear", 4, True, None),
    ("bicubic", 4, True, None), ("lanczos", 4, True, None),
    ("nearest", 5, False, None), ("nearest-exact", 5, False, None), ("trilinear", 5, False, None),
    ("area", 5, False, None),
]
DTYPES = ["float32", "float64", "uint8", "float16", "int16", "complex64"]
FLOAT_LIKE = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128")
LAYOUTS = ["c", "f", "cl", "clstep", "clneg", "neg", "step", "hw", "nc", "readonly"]
# (input shape, output spatial size); the second 4-D geometry crosses torch's outH + outW > 128 rule
GEOS = {3: [((2, 5, 11), (7,)), ((1, 3, 6), (13,))],
        4: [((2, 5, 9, 7), (5, 11)), ((1, 5, 4, 5), (126, 7))],
        5: [((2, 5, 4, 6, 5), (3, 5, 7)), ((1, 2, 3, 4, 2), (5, 2, 3))]}


def fam_id(f):
    mode, rank, aa, ac = f
    return "%s%s-%dd%s" % (mode, "+aa" if aa and mode != "lanczos" else "", rank, "-ac" if ac else "")


def make(dtype, shape, layout, seed=0):
    rs = np.random.RandomState(seed + len(shape))
    v = rs.randn(*shape)
    if dtype == "uint8":
        a = np.clip(np.round(v * 60 + 128), 0, 255).astype(np.uint8)
    elif dtype == "int16":
        a = np.round(v * 8000).astype(np.int16)
    elif dtype.startswith("complex"):
        a = (v + 1j * rs.randn(*shape)).astype(dtype)
    else:
        a = v.astype(np.float32).astype(D.np_dtype(dtype))
    if layout == "readonly":
        a = D.apply_layout(a, "cl" if len(shape) > 3 else "c")
        a.setflags(write=False)
        return a
    return D.apply_layout(a, layout)


def kwargs(fam, out):
    mode, rank, aa, ac = fam
    kw = dict(size=out, mode=mode, antialias=aa)
    if ac is not None:
        kw["align_corners"] = ac
    return kw


# ---------------------------------------------------------------------------------------------
# torch's layout predicates (spec §3.1, §4.1), from their definitions in c10
# ---------------------------------------------------------------------------------------------
def el_strides(x):
    return [s // x.itemsize for s in x.strides]


def contiguous_in_order(shape, strides, order):
    """``compute_channels_last_contiguous_{2d,3d}``: dense when visited in ``order``; size-1 dims skipped."""
    expected = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def strides_like(shape, strides, order):
    """``is_channels_last_strides_{2d,3d}_s{4,5}`` (what ``suggest_memory_format`` uses)."""
    if strides[1] == 0:
        return False
    lo = 0
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return False
        if d == 0 and lo == strides[1]:
            return False
        lo = strides[d]
        if shape[d] > 1:
            lo *= shape[d]
    return True


CL2, CL3 = (1, 3, 2, 0), (1, 4, 3, 2, 0)


def cl_contiguous(x):
    if x.ndim == 4:
        return contiguous_in_order(x.shape, el_strides(x), CL2)
    if x.ndim == 5:
        return contiguous_in_order(x.shape, el_strides(x), CL3)
    return False


def cl_like(x):
    """Strides like channels-last; 3-D inputs as torch's area sees them (``x.unsqueeze(-2)``)."""
    st = el_strides(x)
    if x.ndim == 3:
        shape = (x.shape[0], x.shape[1], 1, x.shape[2])
        return strides_like(shape, [st[0], st[1], st[2] * x.shape[2], st[2]], CL2)
    if x.ndim == 4:
        return strides_like(x.shape, st, CL2)
    return strides_like(x.shape, st, CL3)


def path_sensitive(x, mode, aa, out):
    """Whether torch (and so cyresample) may round differently for this layout than for the
    C-contiguous copy of the same values (spec §3.1, §2.5)."""
    c = x.shape[1]
    float_like = x.dtype.name in FLOAT_LIKE or x.dtype.kind == "V"
    # the integer extension (not uint8: fixed point) is float64 arithmetic on float64's paths
    linear_like = float_like or (x.dtype.kind in "iu" and x.dtype != np.uint8)
    if mode in ("nearest", "nearest-exact") or (mode == "bilinear" and not aa and linear_like):
        if x.ndim == 4:
            return cl_contiguous(x) and c > 3 and sum(out) > 128
        if x.ndim == 5 and mode != "bilinear":
            return cl_contiguous(x) and c > 3
        return False
    if mode == "trilinear" and linear_like:
        return cl_contiguous(x) and c > 3
    if mode == "area" and float_like and x.ndim in (3, 4):
        return cl_like(x) and c > 1 and any(o != 1 for o in out)
    return False


def expected_order(x, mode):
    """PyTorch's result memory order, slowest axis first (spec §4.1; measured for 1-D area)."""
    nd = x.ndim
    if x.shape[1] > 1:
        if nd == 4 and cl_like(x):
            return (0, 2, 3, 1)
        if nd == 5 and mode != "area" and cl_like(x):
            return (0, 2, 3, 4, 1)
        if nd == 3 and mode == "area" and cl_like(x):
            return (0, 2, 1)        # torch pools x.unsqueeze(-2) channels-last, then squeezes
    return tuple(range(nd))


def is_dense_in_order(y, order):
    """``y`` is a dense array whose axes, slowest first, are ``order`` (size-1 axes ignored)."""
    inner = tuple(reversed(order))
    return contiguous_in_order(y.shape, el_strides(y), inner)


# Fixed in the working tree of this review (_backend_cpu.output_layout): 5-D inputs with
# strides like channels-last-3d that are not channels-last-3d-contiguous (a step slice of an
# NDHWC buffer) used to give a C-contiguous result, and 1-D area on an (N, W, C) buffer too;
# torch gives channels-last-3d and (N, W, C) order (test_result_order_matches_torch).


# ---------------------------------------------------------------------------------------------
# values and result layout, every family x dtype x layout
# ---------------------------------------------------------------------------------------------
def _check_values(x, got, kw, fam):
    mode, rank, aa, _ = fam
    out = kw["size"]
    ref_c = interp(np.ascontiguousarray(x), **kw)
    sens = path_sensitive(x, mode, aa, out)
    if not sens:
        msg = D.compare(got, ref_c)
        assert msg is None, "vs the C-contiguous copy: %s" % msg
    else:
        ref_k = interp(np.copy(x, order="K"), **kw)
        msg = D.compare(got, ref_k)
        assert msg is None, "vs the compact copy in the same memory order: %s" % msg
    return sens


def _torch_supports(x, fam):
    mode, rank, aa, _ = fam
    name = x.dtype.name
    if name.startswith("complex") or name.startswith("int"):
        return False
    if name == "uint8":
        return mode in ("nearest", "nearest-exact", "bicubic", "lanczos") or (mode == "bilinear")
    if name in ("float16", "bfloat16"):
        return not aa and mode != "lanczos"
    return True


def _strides_ok(x, got, fam):
    want = expected_order(x, fam[0])
    assert is_dense_in_order(got, want), "result strides %s, expected memory order %s" % (got.strides, want)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_layouts(fam, dt, layout, request):
    mode, rank, aa, _ = fam
    for k, (shape, out) in enumerate(GEOS[rank]):
        x = make(dt, shape, layout, seed=k)
        kw = kwargs(fam, out)
        before = np.array(x, copy=True)
        got = interp(x, **kw)
        assert got.dtype == x.dtype and got.shape == shape[:2] + out
        assert np.array_equal(x, before, equal_nan=x.dtype.kind in "fc"), "the input was modified"
        sens = _check_values(x, got, kw, fam)
        _strides_ok(x, got, fam)
        if torch is not None and _torch_supports(x, fam) and "neg" not in layout and sens:
            t = request.getfixturevalue("torch_interpolate")(x, **kw)
            case = D.DCase(mode, dt, shape, size=out, antialias=aa)
            atol, rtol = D.live_tolerance(case, x)
            msg = D.compare(got, t, atol, rtol)
            assert msg is None, "vs live torch on the same strides: %s" % msg


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("layout", ["c", "f", "cl", "clstep", "step", "hw", "nc"])
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_result_order_matches_torch(fam, layout, torch_interpolate, request):
    """The result's memory order is torch's, for every layout torch can hold."""
    mode, rank, aa, _ = fam
    for shape, out in GEOS[rank]:
        x = make("float32", shape, layout)
        kw = kwargs(fam, out)
        got = interp(x, **kw)
        t = torch_interpolate(x, **kw)
        order = tuple(int(v) for v in np.argsort([-s for s in el_strides(t)], kind="stable"))
        assert is_dense_in_order(t, order) and is_dense_in_order(t, expected_order(x, mode))
        assert is_dense_in_order(got, order), "%s: cyresample strides %s, torch %s" % (shape, got.strides, t.strides)


def test_path_sensitive_predicate_is_real():
    """The exceptions above exist: on these layouts the C-contiguous copy rounds differently."""
    x = make("float32", (1, 5, 4, 5), "cl")
    a = interp(x, size=(126, 7), mode="bilinear")
    b = interp(np.ascontiguousarray(x), size=(126, 7), mode="bilinear")
    assert path_sensitive(x, "bilinear", False, (126, 7)) and not np.array_equal(a, b)
    x = make("float32", (2, 9, 15, 14), "clstep")
    a = interp(x, size=(4, 3), mode="area")
    b = interp(np.ascontiguousarray(x), size=(4, 3), mode="area")
    assert path_sensitive(x, "area", False, (4, 3)) and not np.array_equal(a, b)


# ---------------------------------------------------------------------------------------------
# the strided golden cases (cases_dtypes.LAYOUT_CASES; torch on the same strides, DEFAULT build)
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def dgolden():
    return D.Golden(D.GOLDEN_DIR)


@pytest.mark.parametrize("case", D.LAYOUT_CASES, ids=lambda c: c.id)
def test_layout_golden(case, dgolden):
    x = D.make_input(case)
    assert D.input_digest(x) == dgolden.digests[case.id], "run tools/make_golden_dtypes.py"
    got = interp(x, **C.call_kwargs(case))
    msg = D.compare(got, dgolden.expected(case), *D.golden_tolerance(case, x))
    assert msg is None, msg
    assert is_dense_in_order(got, expected_order(x, case.mode)), got.strides


# ---------------------------------------------------------------------------------------------
# memmap, non-native byte order, empty batches
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
@pytest.mark.parametrize("dt", ["float32", "uint8", "float16"])
def test_memmap(fam, dt, tmp_path):
    mode, rank, aa, _ = fam
    shape, out = GEOS[rank][0]
    a = make(dt, shape, "c")
    kw = kwargs(fam, out)
    ref = interp(a, **kw)
    # a read-only map of a C-order file, at an offset
    path = tmp_path / "x.bin"
    with open(path, "wb") as f:
        f.write(b"\0" * 24 + a.tobytes())
    m = np.memmap(path, dtype=a.dtype, mode="r", offset=24, shape=shape)
    got = interp(m, **kw)
    assert type(got) is np.ndarray and not np.shares_memory(got, m)
    assert D.compare(got, ref) is None
    # a writeable map of an N(D)HWC file seen as NC(D)HW
    if rank > 3:
        phys = np.moveaxis(a, 1, -1).shape
        m2 = np.memmap(tmp_path / "cl.bin", dtype=a.dtype, mode="w+", shape=phys)
        m2[...] = np.moveaxis(a, 1, -1)
        m2.flush()
        v = np.moveaxis(m2, -1, 1)
        got = interp(v, **kw)
        assert D.compare(got, interp(D.apply_layout(a, "cl"), **kw)) is None
        assert is_dense_in_order(got, expected_order(v, mode))
        del m2, v
    del m


NONNATIVE = ["float32", "float64", "float16", "int16", "uint16", "int64", "complex64"]

def _byteswapped_twin(base):
    """A non-native array with exactly ``base``'s shape and strides (the same memory layout,
    byte-swapped). Dense layouts: ``empty_like`` (order 'K' keeps the strides); views into a
    larger buffer: the same view of a byte-swapped copy of that buffer."""
    swapped_dtype = base.dtype.newbyteorder()
    twin = np.empty_like(base, dtype=swapped_dtype)
    if twin.strides == base.strides:
        twin[...] = base
        return twin
    root = base
    while isinstance(root.base, np.ndarray):
        root = root.base
    assert root.flags.c_contiguous and root.itemsize == base.itemsize, "unsupported test layout"
    offset = base.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    flat = root.astype(root.dtype.newbyteorder()).reshape(-1)
    return np.lib.stride_tricks.as_strided(flat[offset // base.itemsize:], base.shape, base.strides,
                                           writeable=False)


def _nonnative_inputs(dt, rank, layout):
    geos = list(GEOS[rank])
    if rank == 4:
        geos.append(((2, 9, 15, 14), (4, 3)))     # channels-last area with full SIMD lanes
    out = []
    for k, (shape, size) in enumerate(geos):
        base = make("float32" if dt in ("uint16", "int64") else dt, shape, layout, seed=k)
        if dt in ("uint16", "int64"):
            base = D.apply_layout(np.abs(np.round(np.asarray(base) * 1000)).astype(dt), layout)
        out.append((base, size))
    return out


@pytest.mark.parametrize("layout", ["c", "cl", "step", "clstep"])
@pytest.mark.parametrize("dt", NONNATIVE)
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_non_native_byte_order(fam, dt, layout):
    """Values as for the native array of the same layout (bit for bit), result dtype = the
    input's (non-native) dtype, result memory order by the same rule as for native input."""
    mode, rank, aa, _ = fam
    for base, size in _nonnative_inputs(dt, rank, layout):
        swapped = _byteswapped_twin(base)
        assert swapped.strides == base.strides
        assert not swapped.dtype.isnative and np.array_equal(swapped, base, equal_nan=True)
        kw = kwargs(fam, size)
        got = interp(swapped, **kw)
        assert got.dtype == swapped.dtype, (got.dtype, swapped.dtype)
        assert is_dense_in_order(got, expected_order(swapped, mode)), got.strides
        ref = interp(base, **kw)
        # the same kernels and rounding as the native array of the same layout (spec §3.1 paths)
        assert np.array_equal(got.astype(ref.dtype), ref, equal_nan=ref.dtype.kind in "fc"), base.shape


@pytest.mark.parametrize("layout", ["c", "cl", "f", "step"])
@pytest.mark.parametrize("dt", ["float32", "uint8", "int16", "complex64", "bool"])
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_zero_size_batch(fam, dt, layout):
    mode, rank, aa, _ = fam
    if dt == "bool" and mode not in ("nearest", "nearest-exact"):
        pytest.skip("bool: nearest modes only")
    shape, out = GEOS[rank][0]
    shape = (0,) + shape[1:]
    x = D.apply_layout(np.zeros(shape, dt), layout)
    got = interp(x, **kwargs(fam, out))
    assert got.shape == shape[:2] + out and got.dtype == x.dtype and got.size == 0


# ---------------------------------------------------------------------------------------------
# no copy of the input
# ---------------------------------------------------------------------------------------------
_COPYING = ("ascontiguousarray", "asfortranarray", "copy", "array", "require", "copyto")


@contextlib.contextmanager
def spy_copies(x, monkeypatch):
    """Record the calls of NumPy's copying functions that copy data of ``x``: a call whose
    source (``copyto``: its second argument) shares memory with ``x`` and whose result does
    not (``array(x, copy=None)``, ``ascontiguousarray`` of an already contiguous array and
    the like return ``x`` or a view: no copy, not recorded). cyresample's modules (and
    NumPy's own helpers such as ``as_strided``) look ``np.<name>`` up at run time, so patching
    the ``numpy`` module attribute intercepts them."""
    calls = []
    for name in _COPYING:
        fn = getattr(np, name)

        def wrapper(*args, __fn=fn, __name=name, **kw):
            src = args[1] if __name == "copyto" and len(args) > 1 else (args[0] if args else None)
            res = __fn(*args, **kw)
            if isinstance(src, np.ndarray) and np.may_share_memory(src, x):
                if __name == "copyto" or not (isinstance(res, np.ndarray) and np.may_share_memory(res, x)):
                    calls.append(__name)
            return res
        monkeypatch.setattr(np, name, wrapper)
    try:
        yield calls
    finally:
        monkeypatch.undo()


SPY_FAMILIES = [f for f in FAMILIES if not (f[0] == "area" and f[1] == 3)] + [("area", 3, False, None)]
SPY_LAYOUTS = ["c", "f", "cl", "clstep", "neg", "step"]


@pytest.mark.parametrize("layout", SPY_LAYOUTS)
@pytest.mark.parametrize("dt", ["float32", "uint8", "float16", "int16"])
@pytest.mark.parametrize("fam", SPY_FAMILIES, ids=fam_id)
def test_no_input_copy(fam, dt, layout, monkeypatch):
    mode, rank, aa, _ = fam
    # inputs of 1M elements (1-4 MB) whose first pass (the last axis) shrinks >= 40x: the
    # largest legitimate allocations -- the float64 intermediate of an int16 input, the weight
    # tables (lanczos: ~900 taps per output) -- stay well below half the input's bytes
    shape = {3: (2, 4, 125000), 4: (1, 4, 500, 500), 5: (1, 4, 20, 25, 500)}[rank]
    out = {3: (40,), 4: (9, 7), 5: (3, 4, 5)}[rank]
    n = int(np.prod(shape))
    vals = ((np.arange(n, dtype=np.int64) * 7919) % 251).reshape(shape)
    x = D.apply_layout(vals.astype(D.np_dtype(dt) if dt != "float16" else np.float16), layout)
    kw = kwargs(fam, out)
    interp(x[:1, :1], **kw)                    # import / first-call costs outside the measurement
    tracemalloc.start()
    try:
        with spy_copies(x, monkeypatch) as calls:
            got = interp(x, **kw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not calls, "copied the input with numpy.%s" % ", numpy.".join(calls)
    assert peak < x.nbytes / 2, "peak allocation %d bytes during the call, input %d bytes" % (peak, x.nbytes)
    assert D.compare(got, interp(np.ascontiguousarray(x), **kw) if not path_sensitive(x, mode, aa, out)
                     else interp(np.copy(x, order="K"), **kw)) is None


def test_spy_sees_copies(monkeypatch):
    """The spy works: a copying call is recorded, and tracemalloc sees an input-sized copy."""
    x = make("float32", (1, 4, 400, 300), "cl")
    with spy_copies(x, monkeypatch) as calls:
        np.ascontiguousarray(x)
        np.array(x, copy=None)               # a view: not a copy
        np.ascontiguousarray(x[0, 0, 0, :1])  # contiguous already: not a copy
    assert calls == ["ascontiguousarray"]
    tracemalloc.start()
    try:
        x.copy()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= x.nbytes


def _area_model_cl2d(x, oh):
    """Channels-last 2-D area with width-2 windows, summed and divided as spec §2.5 says:
    window rows in order, each adding its two pixels left to right to a zero start, in the
    dtype; channels in full vector lanes (float32: 8, float64: 4) divide once by k_H*k_W,
    the others by 1 (k_D), then k_H, then k_W."""
    N, Ch, H, W = x.shape
    t = x.dtype.type
    lanes = 8 if x.dtype == np.float32 else 4
    cv = Ch - Ch % lanes
    out = np.empty((N, Ch, oh, W // 2), x.dtype)
    for o in range(oh):
        h0, h1 = (o * H) // oh, -((-(o + 1) * H) // oh)
        acc = np.zeros((N, Ch, W // 2), x.dtype)
        for h in range(h0, h1):
            acc = acc + x[:, :, h, 0::2]
            acc = acc + x[:, :, h, 1::2]
        kh = t(h1 - h0)
        out[:, :cv, o] = acc[:, :cv] / t((h1 - h0) * 2)
        out[:, cv:, o] = ((acc[:, cv:] / t(1)) / kh) / t(2)
    return out


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("channels", [2, 3, 4, 5, 8, 9, 17])
@pytest.mark.parametrize("geo", [((6, 8), 3), ((7, 10), 3), ((4, 800), 2)], ids=["even", "uneven-h", "wide"])
def test_area_channels_last_width2_matches_model(dt, channels, geo):
    # the channels-last integer-factor area rows (contiguous pixel runs, vectorised divisions);
    # "wide" spans several accumulation chunks of an output row
    (H, W), oh = geo
    rng = np.random.default_rng(channels)
    x = rng.standard_normal((2, H, W, channels)).astype(dt).transpose(0, 3, 1, 2)
    x[0, 0, 0, :2] = -0.0   # an all -0.0 window sums to +0.0 from the zero start
    got = interp(x, size=(oh, W // 2), mode="area")
    want = _area_model_cl2d(x, oh)
    bits = "u%d" % x.itemsize
    assert np.array_equal(got.view(bits), want.view(bits))


@pytest.mark.parametrize("dt", [np.float32, np.float16])
@pytest.mark.parametrize("channels", [3, 4, 6])
def test_area_channels_last_3d_width2_matches_contiguous(dt, channels):
    # 3-D area has no channels-last kernel in torch (spec §3.1): a channels-last-3d input gives
    # the values of its C-contiguous copy (float16: rounded after every operation, §2.5)
    rng = np.random.default_rng(channels)
    x = rng.standard_normal((1, 4, 6, 400, channels)).astype(dt).transpose(0, 4, 1, 2, 3)
    got = interp(x, size=(2, 3, 200), mode="area")
    want = interp(np.ascontiguousarray(x), size=(2, 3, 200), mode="area")
    bits = "u%d" % x.itemsize
    assert np.array_equal(got.view(bits), want.view(bits))


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("shape, size", [((2, 9, 6, 10), (3, 5)), ((1, 2, 4, 2100), (2, 1050)),
                                         ((1, 3, 3, 6, 8), (3, 3, 4)), ((1, 1, 7, 9), (3, 4))],
                         ids=["planes", "wide", "3d-same-depth", "uneven"])
def test_area_2x2_rows_match_the_general_rows(dt, shape, size):
    # contiguous rows with 2x2 windows take a one-pass row kernel; rows of stride two
    # elements take the general one: the same sums from zero and the same divisions, bit
    # for bit, with -0.0, subnormals (where dividing once by 4 and twice by 2 can differ),
    # infinities and NaN in the data
    rng = np.random.default_rng(len(shape) + shape[-1])
    x = rng.standard_normal(shape).astype(np.float32)
    tiny = np.finfo(np.float16 if dt == "float16" else np.float32).smallest_subnormal
    x.flat[::5] = -0.0
    x.flat[1::7] = 3 * tiny
    x.flat[2::11] = np.inf
    x.flat[3::13] = np.nan
    x = x.astype(D.np_dtype(dt))
    strided = np.zeros(shape[:-1] + (2 * shape[-1],), x.dtype)[..., ::2]
    strided[...] = x
    got = interp(x, size=size, mode="area")
    want = interp(strided, size=size, mode="area")
    bits = "u%d" % x.itemsize
    assert np.array_equal(got.view(bits), want.view(bits))
