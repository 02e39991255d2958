"""``interpolate(..., out=arr)`` (docs/semantics.md "Layouts"; cyresample/_api.py).

* returns ``out`` itself, with the values of the call without ``out`` (bit for bit), for every
  layout of ``out`` (C, Fortran, channels-last, negative strides, step slices) and every mode
  family, in several dtypes; nothing outside ``out``'s elements is written;
* errors: wrong shape -> ValueError, wrong dtype -> TypeError, read-only -> ValueError, not an
  ndarray -> TypeError; a rejected ``out`` is left untouched;
* an ``out`` that overlaps the input (the input itself, a reversed or shifted view of the same
  buffer) gives the result computed from the unmodified input;
* the executor cache (repeat calls with the same signature) with and without ``out``.
"""
import numpy as np
import pytest

import cases_dtypes as D
import cyresample

interp = cyresample.interpolate

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
# (input shape, output spatial); the 4-D ones on both sides of torch's outH + outW <= 128 rule
GEOS = {3: [((2, 5, 11), (7,))], 4: [((2, 5, 9, 7), (5, 11)), ((1, 4, 4, 5), (126, 7))],
        5: [((2, 5, 4, 6, 5), (3, 5, 7))]}
DTYPES = ["float32", "float64", "uint8", "float16", "int16", "complex64"]
OUT_LAYOUTS = ["c", "f", "cl", "neg", "step", "clstep"]


def fam_id(f):
    mode, rank, aa, ac = f
    return "%s%s-%dd%s" % (mode, "+aa" if aa and mode != "lanczos" else "", rank, "-ac" if ac else "")


def kwargs(fam, out):
    mode, rank, aa, ac = fam
    kw = dict(size=out, mode=mode, antialias=aa)
    if ac is not None:
        kw["align_corners"] = ac
    return kw


def make(dtype, shape, layout="c", seed=0):
    rs = np.random.RandomState(seed + sum(shape))
    v = rs.randn(*shape)
    if dtype == "uint8":
        a = np.clip(np.round(v * 60 + 128), 0, 255).astype(np.uint8)
    elif dtype == "int16":
        a = np.round(v * 8000).astype(np.int16)
    elif dtype == "bool":
        a = v > 0
    elif dtype.startswith("complex"):
        a = (v + 1j * rs.randn(*shape)).astype(dtype)
    else:
        a = v.astype(np.float32).astype(D.np_dtype(dtype))
    return D.apply_layout(a, layout)


def sentinel(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return True
    if dt.kind in "iu":
        return np.iinfo(dt).max - 1
    return 1234.5 if dt.kind != "c" else 1234.5 - 7j


def out_view(shape, dtype, layout):
    """``(out, base)``: an ``out`` array of ``shape`` in ``layout`` inside a sentinel-filled
    ``base`` buffer (step layouts leave gaps that must not be written)."""
    nd = len(shape)
    s = sentinel(dtype)
    if layout == "c":
        base = np.full(shape, s, dtype)
        return base, base
    if layout == "f":
        base = np.full(shape[::-1], s, dtype)
        return base.T, base
    if layout in ("cl", "clstep"):
        phys = (shape[0],) + tuple(shape[2:]) + (shape[1],)
        back = (0, nd - 1) + tuple(range(1, nd - 1))
        if layout == "cl":
            base = np.full(phys, s, dtype)
            return base.transpose(back), base
        big = phys[:-2] + (2 * phys[-2] + 1, phys[-1])
        base = np.full(big, s, dtype)
        return base[..., 1::2, :].transpose(back), base
    if layout == "neg":
        base = np.full(shape, s, dtype)
        return base[(slice(None), slice(None, None, -1)) + (slice(None, None, -1),) * (nd - 2)], base
    if layout == "step":
        base = np.full(tuple(2 * n + 1 for n in shape), s, dtype)
        return base[(slice(1, None, 2),) * nd], base
    raise ValueError(layout)


def same(a, b):
    return D.compare(a, b) is None and a.dtype == b.dtype


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint8)


# ---------------------------------------------------------------------------------------------
# values for every layout of out
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", OUT_LAYOUTS)
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_out_layouts(fam, dt, layout):
    mode, rank, aa, _ = fam
    for in_layout in ("c", "cl") if rank > 3 else ("c",):
        for shape, outs in GEOS[rank]:
            x = make(dt, shape, in_layout)
            kw = kwargs(fam, outs)
            expected = interp(x, **kw)
            out, base = out_view(expected.shape, dt, layout)
            res = interp(x, out=out, **kw)
            assert res is out
            msg = D.compare(out, expected)
            assert msg is None, "%s %s out=%s: %s" % (in_layout, shape, layout, msg)
            out[...] = sentinel(dt)                 # only out's own elements were written
            assert (base == sentinel(dt)).all(), "interpolate wrote outside out"


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("dt", ["bool", "datetime64[s]", "U3"])
def test_out_copy_dtypes(dt, mode):
    if dt == "bool":
        x = make("bool", (2, 3, 5, 4))
    else:
        x = np.arange(120).astype(dt).reshape(2, 3, 5, 4)
    expected = interp(x, size=(7, 3), mode=mode)
    for layout in OUT_LAYOUTS:
        out = np.zeros(expected.shape[::-1], dt).T if layout == "f" else np.zeros(expected.shape, dt)
        assert interp(x, size=(7, 3), mode=mode, out=out) is out
        assert np.array_equal(_bits(out), _bits(expected))


@pytest.mark.parametrize("dt", ["float32", "float16", "int16", "complex64"])
def test_out_non_native_byte_order(dt):
    x = make(dt, (2, 3, 9, 7)).astype(np.dtype(dt).newbyteorder())
    for mode in ("nearest", "bilinear", "bicubic", "area"):
        expected = interp(x, size=(5, 11), mode=mode)
        out = np.zeros(expected.shape, x.dtype)
        assert interp(x, size=(5, 11), mode=mode, out=out) is out
        assert out.dtype == x.dtype and same(out, expected)


def test_out_empty_batch():
    x = np.zeros((0, 3, 5, 4), np.float32)
    out = np.zeros((0, 3, 7, 2), np.float32)
    assert interp(x, size=(7, 2), mode="bilinear", out=out) is out


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
def _error_cases(x, kw, expected):
    shape, dt = expected.shape, expected.dtype
    ro = np.zeros(shape, dt)
    ro.setflags(write=False)
    return [
        ("shape", np.zeros(shape[:-1] + (shape[-1] + 1,), dt), ValueError),
        ("transposed shape", np.zeros(shape[::-1], dt), ValueError),
        ("extra dim", np.zeros((1,) + shape, dt), ValueError),
        ("dtype", np.zeros(shape, np.float64 if dt != np.float64 else np.float32), TypeError),
        ("same kind, other size", np.zeros(shape, np.int32 if dt.kind in "iu" else np.complex128 if dt.kind == "c"
                                           else np.float16 if dt != np.float16 else np.float32), TypeError),
        ("read-only", ro, ValueError),
        ("list", np.zeros(shape, dt).tolist(), TypeError),
        ("memoryview", memoryview(np.zeros(shape, dt)) if dt.kind != "V" else [], TypeError),
        ("scalar", dt.type(0), TypeError),
    ]


@pytest.mark.parametrize("dt", ["float32", "uint8", "float16", "complex64"])
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_out_errors(fam, dt):
    shape, outs = GEOS[fam[1]][0]
    x = make(dt, shape)
    kw = kwargs(fam, outs)
    expected = interp(x, **kw)
    for cached in (False, True):             # the second round goes through the executor cache
        for what, bad, exc in _error_cases(x, kw, expected):
            snapshot = np.array(bad, copy=True) if isinstance(bad, np.ndarray) else None
            with pytest.raises(exc):
                interp(x, out=bad, **kw)
            if snapshot is not None:
                assert np.array_equal(_bits(bad), _bits(snapshot)), "%s: a rejected out was written" % what
        # the cache is not poisoned by the errors
        out = np.zeros(expected.shape, x.dtype)
        assert interp(x, out=out, **kw) is out and same(out, expected)
        assert same(interp(x, **kw), expected)


def test_out_error_messages():
    x = np.zeros((1, 1, 4, 4), np.float32)
    with pytest.raises(ValueError, match="shape"):
        interp(x, size=(2, 2), out=np.zeros((1, 1, 2, 3), np.float32))
    with pytest.raises(TypeError, match="dtype"):
        interp(x, size=(2, 2), out=np.zeros((1, 1, 2, 2), np.float64))
    ro = np.zeros((1, 1, 2, 2), np.float32)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        interp(x, size=(2, 2), out=ro)
    with pytest.raises(TypeError, match="ndarray"):
        interp(x, size=(2, 2), out=[[[[0.0] * 2] * 2]])


def test_argument_errors_come_before_out_errors():
    """A bad call raises PyTorch's error, whatever ``out`` is."""
    x = np.zeros((1, 1, 4, 4), np.float32)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        interp(x, size=2, scale_factor=2.0, out=[])
    with pytest.raises(NotImplementedError):
        interp(x, size=2, mode="trilinear", out=np.zeros(1))


# ---------------------------------------------------------------------------------------------
# out overlapping the input
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ["float32", "uint8", "float16", "int16", "complex64"])
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_out_overlapping_input(fam, dt):
    """Same-size calls whose ``out`` is the input, its reversed view, or a shifted window of the
    same buffer: the result is computed from the input as it was."""
    mode, rank, aa, _ = fam
    shape = {3: (2, 3, 9), 4: (2, 3, 6, 7), 5: (1, 3, 3, 4, 5)}[rank]
    kw = kwargs(fam, shape[2:])
    if mode in ("bicubic", "lanczos") or aa:
        kw = dict(kw, size=None, scale_factor=1.0001 if not aa and mode == "bicubic" else None)
    if kw.get("size") is None and kw.get("scale_factor") is None:   # antialias: same size copies; shrink by 1
        kw["size"] = tuple(n - 1 for n in shape[2:])
    nd = len(shape)
    # 1) out is the input (only when the result has the input's shape)
    x = make(dt, shape)
    expected = interp(x.copy(), **kw)
    if expected.shape == x.shape:
        assert interp(x, out=x, **kw) is x
        assert same(x, expected)
        # 2) out is the input reversed along every spatial axis
        x = make(dt, shape)
        rev = x[(slice(None), slice(None)) + (slice(None, None, -1),) * (nd - 2)]
        assert interp(x, out=rev, **kw) is rev
        assert same(rev, expected)
    # 3) a shifted window of one buffer: out overlaps the input's tail
    oshape = expected.shape
    n_in, n_out = int(np.prod(shape)), int(np.prod(oshape))
    buf = np.zeros(n_in + n_out, make(dt, (1,)).dtype)
    x = buf[:n_in].reshape(shape)
    x[...] = make(dt, shape)
    start = max(0, n_in - n_out // 2)
    out = buf[start:start + n_out].reshape(oshape)
    assert np.shares_memory(out, x)
    assert interp(x, out=out, **kw) is out
    assert same(out, expected)
    # 4) same base, disjoint: written directly, the input is untouched
    buf = np.zeros(n_in + n_out, make(dt, (1,)).dtype)
    x = buf[:n_in].reshape(shape)
    x[...] = make(dt, shape)
    keep = x.copy()
    out = buf[n_in:].reshape(oshape)
    assert interp(x, out=out, **kw) is out
    assert same(out, expected) and same(x, keep)


def test_out_is_a_channels_last_view_of_the_input():
    x = make("float32", (1, 4, 5, 6))
    expected = interp(x.copy(), scale_factor=1.0001, mode="bicubic")     # resamples (spec F5)
    assert not same(expected, x)
    # the same memory seen as NHWC -> NCHW (a different element order over the same bytes)
    out = x.reshape(1, 5, 6, 4).transpose(0, 3, 1, 2)
    assert interp(x, scale_factor=1.0001, mode="bicubic", out=out) is out
    assert same(out, expected)


def test_out_interleaved_with_input():
    """Input at the even positions of a buffer, out at the odd ones: no overlap in memory."""
    buf = np.zeros(2 * 24, np.float32)
    x = buf[0::2].reshape(1, 2, 12)
    x[...] = np.arange(24, dtype=np.float32).reshape(1, 2, 12)
    keep = x.copy()
    out = buf[1::2].reshape(1, 2, 12)
    expected = interp(keep, size=12, mode="linear", align_corners=True)
    assert interp(x, size=12, mode="linear", align_corners=True, out=out) is out
    assert same(out, expected) and same(x, keep)


# ---------------------------------------------------------------------------------------------
# the executor cache
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fam", FAMILIES, ids=fam_id)
def test_executor_cache_with_and_without_out(fam):
    mode, rank, aa, _ = fam
    shape, outs = GEOS[rank][0]
    kw = kwargs(fam, outs)
    xs = [make("float32", shape, seed=s) for s in range(3)]
    fresh = [interp(x.copy(), **kw) for x in xs]
    results = []
    for rep in range(2):
        for x, f in zip(xs, fresh):
            y = interp(x, **kw)
            assert same(y, f)
            assert not any(np.shares_memory(y, r) for r in results), "a result array was reused"
            results.append(y)
            for layout in OUT_LAYOUTS:
                out, _ = out_view(f.shape, "float32", layout)
                assert interp(x, out=out, **kw) is out and same(out, f)
            # a fresh array is still returned after calls with out
            y2 = interp(x, **kw)
            assert same(y2, f) and not np.shares_memory(y2, out)
            results.append(y2)


def test_last_call_memo_reuses_only_the_same_immutable_arguments():
    # the memo in front of the cache (``_api._LAST_CALL``) answers a call only when every
    # argument is the same object as before and the input has the same dtype, shape and
    # strides; anything else goes through the keyed cache or a fresh preparation
    from cyresample import _api
    _api._EXECUTORS.clear()
    x = make("float32", (1, 2, 6, 5))
    size, mode = (4, 7), "bilinear"
    first = interp(x, size=size, mode=mode)
    memo = _api._EXECUTORS[_api._LAST_CALL]
    again = interp(x, size=size, mode=mode)
    assert same(again, first) and not np.shares_memory(again, first)
    assert _api._EXECUTORS[_api._LAST_CALL] is memo  # answered by the memo
    assert same(interp(x, size=size, mode=mode, align_corners=True),
                interp(x.copy(), size=(4, 7), mode="bilinear", align_corners=True))
    # another dtype, shape or strides with the same argument objects: not the memo's executor
    for other in (x.astype(np.float64), make("float32", (1, 2, 6, 6)), np.asfortranarray(x)):
        interp(x, size=size, mode=mode)
        got = interp(other, size=size, mode=mode)
        assert got.dtype == other.dtype and same(got, interp(other.copy(), size=(4, 7), mode="bilinear"))
    # a list is never remembered: mutating it between calls changes the result
    sizes = [4, 7]
    assert interp(x, size=sizes, mode=mode).shape == (1, 2, 4, 7)
    sizes[1] = 3
    assert interp(x, size=sizes, mode=mode).shape == (1, 2, 4, 3)
    # nor is a mutable flag (a 0-d array) that equals True
    flag = np.array(True)
    z = make("float32", (1, 2, 12, 10))
    smooth = interp(z, size=size, mode=mode, antialias=flag)
    flag[...] = False
    assert same(interp(z, size=size, mode=mode, antialias=flag), interp(z, size=size, mode=mode))
    assert not same(smooth, interp(z, size=size, mode=mode))
    # arguments equal to remembered ones but of other types: the keyed cache tells them apart
    y = make("float32", (1, 2, 5))
    a = interp(y, scale_factor=2, mode="linear", align_corners=True)
    memo = _api._EXECUTORS[_api._LAST_CALL]
    with pytest.raises(TypeError):  # an int align_corners is refused, as by torch
        interp(y, scale_factor=2, mode="linear", align_corners=1)
    assert _api._EXECUTORS[_api._LAST_CALL] is memo
    b = interp(y, scale_factor=2.0, mode="linear", align_corners=True)
    assert same(a, b) and _api._EXECUTORS[_api._LAST_CALL].scale_factor == 2.0
    assert type(_api._EXECUTORS[_api._LAST_CALL].scale_factor) is float
    # the memo goes with the cache
    _api._EXECUTORS.clear()
    assert _api._LAST_CALL not in _api._EXECUTORS
    assert same(interp(y, scale_factor=2, mode="linear", align_corners=True), a)


@pytest.mark.parametrize("dtype", ["float32", "float16", ">f4", "uint8", "complex64"])
@pytest.mark.parametrize("layout", ["nchw", "channels_last", "ncdhw", "channels_last_3d"])
def test_memo_results_match_the_executor(dtype, layout):
    # a call answered by the memo allocates its fresh result itself (the executor's dtype,
    # shape and memory layout) or hands the call to the executor (out=, non-native dtypes,
    # several steps): every answer equals the executor's, in a writeable array of its own
    from cyresample import _api
    shape = (2, 3, 5, 6) if layout in ("nchw", "channels_last") else (2, 3, 4, 5, 6)
    x = make(dtype, shape)
    if layout == "channels_last":
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    elif layout == "channels_last_3d":
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 4, 1)).transpose(0, 4, 1, 2, 3)
    for mode in ("nearest", "bilinear" if x.ndim == 4 else "trilinear", "area"):
        size = (7, 4) if x.ndim == 4 else (3, 7, 4)
        _api._EXECUTORS.clear()
        first = interp(x, size=size, mode=mode)
        memo = _api._EXECUTORS[_api._LAST_CALL]
        direct = memo.executor(x)
        for _ in range(2):
            again = interp(x, size=size, mode=mode)
            assert _api._EXECUTORS[_api._LAST_CALL] is memo
            assert same(again, first) and same(again, direct)
            assert again.dtype == direct.dtype and again.strides == direct.strides
            assert again.flags.writeable and not np.shares_memory(again, first)
        out = np.full_like(first, 0)
        assert interp(x, size=size, mode=mode, out=out) is out and same(out, first)


def test_executor_cache_distinguishes_argument_types():
    x = make("float32", (1, 2, 5))
    a = interp(x, scale_factor=2, mode="linear")
    b = interp(x, scale_factor=2.0, mode="linear")
    c = interp(x, scale_factor=2.0, mode="linear", recompute_scale_factor=True)
    assert same(a, b) and a.shape == c.shape
    out = np.zeros_like(a)
    interp(x, scale_factor=2, mode="linear", out=out)
    assert same(out, a)
    # a cached executor with a new input of other strides is not reused
    xf = np.asfortranarray(make("float32", (1, 2, 5), seed=3))
    assert same(interp(xf, scale_factor=2, mode="linear"),
                interp(np.ascontiguousarray(xf), scale_factor=2, mode="linear"))


def test_check_out_overlap_equals_shares_memory():
    # the out= check settles disjoint byte ranges in C and leaves the rest to
    # numpy.shares_memory: both answers must be numpy's, for views of one buffer in every
    # relation (disjoint, interleaved, reversed, nested, empty)
    from cyresample import _backend_cpu
    rng = np.random.default_rng(12)
    base = np.zeros((6, 8, 10), np.float32)
    views = [base, base[:3], base[3:], base[..., ::2], base[..., 1::2], base[::-1], base[:, ::-1, 1::3],
             base[2:4, 2:6], base[5:, 7:], base[:0], base.transpose(2, 0, 1), np.zeros((6, 8, 10), np.float32)]
    for a in views:
        for b in views:
            got = _backend_cpu.check_out(a, b, a.shape)
            assert got == np.shares_memory(a, b), (a.strides, b.strides)
    for _ in range(200):
        a = base[tuple(slice(int(rng.integers(0, n)), None, int(rng.choice([1, 2, 3, -1]))) for n in base.shape)]
        b = base[tuple(slice(int(rng.integers(0, n)), None, int(rng.choice([1, 2, -2]))) for n in base.shape)]
        assert _backend_cpu.check_out(a, b, a.shape) == np.shares_memory(a, b)


@pytest.mark.parametrize("bad, error, message", [
    ([[0.0]], TypeError, "out must be a numpy.ndarray, got list"),
    (np.zeros((1, 2, 3), np.float32), ValueError, r"out has shape \(1, 2, 3\) but the result has shape \(1, 2, 4\)"),
    (np.zeros((1, 2, 4, 1), np.float32), ValueError, r"out has shape \(1, 2, 4, 1\) but the result"),
    (np.zeros((1, 2, 4), np.float64), TypeError, r"out has dtype float64 but the result has dtype float32"),
    (np.zeros((1, 2, 4), np.float32).view(np.int32), TypeError, "out has dtype int32"),
])
def test_check_out_errors(bad, error, message):
    from cyresample import _backend_cpu
    x = np.zeros((1, 2, 5), np.float32)
    with pytest.raises(error, match=message):
        _backend_cpu.check_out(bad, x, (1, 2, 4))
    ro = np.zeros((1, 2, 4), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        _backend_cpu.check_out(ro, x, [1, 2, 4])
    with pytest.raises(TypeError, match="out has dtype >f4"):  # the other byte order is another dtype
        _backend_cpu.check_out(np.zeros((1, 2, 4), ">f4"), x, (1, 2, 4))
    assert _backend_cpu.check_out(np.zeros((1, 2, 4), "<f4"), x, (1, 2, 4)) is False
