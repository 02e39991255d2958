"""Values of cyresample.interpolate for every dtype other than float32/float64
(docs/semantics.md, "Values" and "Dtypes"; spec §2.7, §3.3, §3.4).

1. uint8, every mode torch supports for it (nearest, nearest-exact, bilinear, bicubic, with and
   without antialias, lanczos), C in {1, 3, 4, 5} (torch's C <= 4 AVX2 kernel and its C > 4
   generic kernel), C-contiguous and channels-last (tests/cases_dtypes.py): bit-exact vs the
   golden vectors (tests/golden/dtypes, stock torch 2.13.0), vs live torch, and vs a NumPy model
   of the fixed point of spec §2.7 written here. Where torch is wrong -- the width-1 defect of
   its generic kernel (spec §7; for uint8 it also hits the non-antialiased modes) and an
   internal assert of its AVX2 kernel for C == 3 and a 1 x 1 output (not in the spec) -- the
   value is checked against the model only (and the torch failure is asserted, so the skip
   stays justified). Spec §6 F9 examples.
2. float16 / bfloat16 in every mode torch supports: bit-exact vs the golden vectors (the
   DEFAULT build; nearest modes from the stock build) and within 1 ulp(dtype) * max|x| of live
   stock torch (1.5 for bicubic, whose results exceed max|x|; see cases_dtypes.live_tolerance).
3. Extensions: uint8 linear / trilinear (the §2.7 fixed point per axis: model, and torch's
   bilinear composed per axis) and area (exact mean); the other integer dtypes in every
   interpolating mode and area vs cyresample on the float64 cast rounded half up and saturated
   (must be equal); 64-bit integers beyond 2**53 raise ValueError in the interpolating modes
   (area: the exact mean, or ValueError when a 64-bit sum could overflow); bool (nearest copies,
   interpolating modes rejected); complex per component; float16/bfloat16 antialias and lanczos
   vs the float32 path rounded once; nearest on datetime64, strings, longdouble (copies).
4. The dtype table of docs/semantics.md matches the behaviour, cell by cell.

Runs without torch (golden and model comparisons) and without ml_dtypes (bfloat16 skipped).
"""
import math
import os
import re
import zlib

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
HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_DIR = D.GOLDEN_DIR
SEMANTICS = os.path.join(os.path.dirname(HERE), "docs", "semantics.md")

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="torch is not installed (golden and model tests cover the values)")

DEFECT = ("torch 2.13 width-1 defect (spec §7): its generic separable kernel gives every output row "
          "the taps of row 0 when the output width is 1 and the height changes; checked against the "
          "NumPy model instead")
U8_ASSERT = ("torch 2.13's stock uint8 kernel fails an internal assert for C == 3, C-contiguous, "
             "output 1 x 1; checked against the golden (DEFAULT build) and the NumPy model instead")


def _need_dtype(name):
    if name == "bfloat16":
        pytest.importorskip("ml_dtypes")


def _id(case):
    return case.id


# ---------------------------------------------------------------------------------------------
# golden vectors (tests/golden/dtypes/*.npz, tools/make_golden_dtypes.py)
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def dgolden():
    return D.Golden(GOLDEN_DIR)


@pytest.fixture(scope="session")
def torch_interp(torch_module):
    """``f(x, **kw)``: F.interpolate on the same strided memory (bfloat16 via its bits), 2 threads."""
    import torch.nn.functional as F

    def run(x, **kw):
        if torch_module.get_num_threads() != 2:
            torch_module.set_num_threads(2)
        return D.torch_interpolate(torch_module, F, x, **kw)
    return run


# ---------------------------------------------------------------------------------------------
# NumPy model of torch's uint8 fixed point (spec §2.7, §2.6 weights in float64, §2.8 lanczos)
# ---------------------------------------------------------------------------------------------
def _comp_scale(n_in, n_out, align, scale):
    if align:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    if scale is not None and scale > 0:
        return 1.0 / scale
    return n_in / n_out


def _filter(kind, x, A):
    x = abs(x)
    if kind == "linear":
        return 1.0 - x if x < 1 else 0.0
    if kind == "cubic":
        if x < 1:
            return ((A + 2) * x - (A + 3)) * x * x + 1
        if x < 2:
            return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
        return 0.0
    if x >= 3:
        return 0.0

    def sinc(v):
        if v == 0.0:
            return 1.0
        pv = v * math.pi
        return math.sin(pv) / pv
    return sinc(x) * sinc(x / 3)


def u8_axis(n_in, n_out, align, scale, kind, aa):
    """Per-output (xmin, [int16 weights]) and the precision p of one resized axis."""
    rows = []
    wt_max = 0.0
    s = _comp_scale(n_in, n_out, align, scale)
    if aa:
        half = {"linear": 1.0, "cubic": 2.0, "lanczos": 3.0}[kind]
        support = half * s if s >= 1.0 else half
        max_taps = int(math.ceil(support)) * 2 + 1
        inv = 1.0 / s if s >= 1.0 else 1.0
        for i in range(n_out):
            center = s * (i + 0.5)
            xmin = max(int(center - support + 0.5), 0)
            xsize = min(max(min(int(center + support + 0.5), n_in) - xmin, 0), max_taps)
            w = [_filter(kind, (xmin + j - center + 0.5) * inv, -0.5) for j in range(xsize)]
            total = 0.0
            for v in w:
                total += v
            if total != 0.0:
                w = [v / total for v in w]
                wt_max = max([wt_max] + w)
            rows.append((xmin, w))
    else:
        taps = 2 if kind == "linear" else 4
        sup = taps // 2
        for i in range(n_out):
            if align:
                r = s * i
            else:
                r = s * (i + 0.5) - 0.5
                if taps == 2 and r < 0:
                    r = 0.0
            k = min(int(math.floor(np.float32(r))), n_in - 1)        # floorf quirk (§2.0)
            lam = min(max(r - k, 0.0), 1.0)
            umin = k - sup + 1
            xmin = max(umin, 0)
            xsize = min(max(min(k + sup + 1, n_in) - xmin, 0), taps)
            w = [0.0] * taps
            slot = 0
            for j in range(taps):     # taps outside the image accumulate onto the nearest valid one
                if umin + j <= 0:
                    slot = 0
                elif umin + j >= n_in - 1:
                    slot = xsize - 1
                w[slot] += _filter(kind, (j + 1 - sup) - lam, -0.75)
                wt_max = max(wt_max, w[slot])
                slot += 1
            rows.append((xmin, w[:xsize]))
    p = 0
    while p < 22 and int(0.5 + wt_max * (1 << (p + 1))) < (1 << 15):
        p += 1
    q = [(xmin, [int(math.trunc(v * (1 << p) + (0.5 if v >= 0 else -0.5))) for v in w]) for xmin, w in rows]
    return q, p


def u8_model(x, out_sizes, kind, align, scales, aa):
    """spec §2.7: separable, last axis first, same-size axes skipped, uint8 between passes,
    ``clamp((2**(p-1) + sum x*w16) >> p, 0, 255)``."""
    y = np.asarray(x).astype(np.int64)
    nd = len(out_sizes)
    for d in range(nd - 1, -1, -1):
        ax = 2 + d
        if y.shape[ax] == out_sizes[d]:
            continue
        rows, p = u8_axis(y.shape[ax], out_sizes[d], align, scales[d], kind, aa)
        ym = np.moveaxis(y, ax, -1)
        out = np.empty(ym.shape[:-1] + (out_sizes[d],), np.int64)
        for o, (xmin, w) in enumerate(rows):
            acc = np.full(ym.shape[:-1], (1 << (p - 1)) if p > 0 else 0, np.int64)
            for j, wj in enumerate(w):
                acc += ym[..., xmin + j] * wj
            out[..., o] = np.clip(acc >> p, 0, 255)
        y = np.moveaxis(out, -1, ax)
    return y.astype(np.uint8)


_KIND = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic",
         "lanczos": "lanczos"}


def kernel_scales(case):
    """The user scale of every axis that reaches the kernel (None: derived from the sizes)."""
    dim = case.rank - 2
    if case.scale is None or case.rsf or case.align:
        return [None] * dim
    sf = case.scale if isinstance(case.scale, (tuple, list)) else [case.scale] * dim
    return [float(v) for v in sf]


def model_of(case, x):
    return u8_model(x, case.out_spatial, _KIND[case.mode], bool(case.align), kernel_scales(case),
                    case.antialias or case.mode == "lanczos")


# ---------------------------------------------------------------------------------------------
# 1 + 2: the golden matrix (uint8, float16, bfloat16, strided layouts)
# ---------------------------------------------------------------------------------------------
STORED = [c for c in D.GOLDEN_CASES if D.stored(c)]
U8_INTERP = [c for c in D.GOLDEN_CASES if c.dtype == "uint8" and c.mode not in ("nearest", "nearest-exact")]
DEFECTS = [c for c in D.GOLDEN_CASES if c.torch_defect]


def _bits(a):
    """Same-shape view of an array's bytes that compares bit for bit (bfloat16, NaN, strings)."""
    a = np.ascontiguousarray(a)
    return a.view(np.uint8).reshape(a.shape + (a.dtype.itemsize,))


def _run(x, **kw):
    before = x.copy()
    got = interp(x, **kw)
    assert np.array_equal(_bits(x), _bits(before)), "interpolate modified its input"
    return got


@pytest.mark.parametrize("case", STORED, ids=_id)
def test_vs_golden(case, dgolden):
    _need_dtype(case.dtype)
    assert case.id in dgolden.outputs, (
        "no golden output for %r: run `python tools/make_golden_dtypes.py`" % case.id)
    x = D.make_input(case)
    assert D.input_digest(x) == dgolden.digests[case.id], (
        "the input of %r changed since the golden was made: run `python tools/make_golden_dtypes.py`" % case.id)
    got = _run(x, **C.call_kwargs(case))
    atol, rtol = D.golden_tolerance(case, x)
    msg = D.compare(got, dgolden.expected(case), atol, rtol)
    assert msg is None, "%s vs golden (%s): %s" % (case.id, dgolden.file_of[case.id], msg)


@needs_torch
@pytest.mark.parametrize("case", STORED, ids=_id)
def test_vs_live_torch(case, torch_interp):
    _need_dtype(case.dtype)
    x = D.make_input(case)
    if case.torch_u8_assert:
        import torch as _torch
        if _torch.backends.cpu.get_cpu_capability() != "DEFAULT":   # the AVX2 uint8 kernel's assert
            with pytest.raises(RuntimeError, match="INTERNAL ASSERT"):
                torch_interp(x, **C.call_kwargs(case))
        pytest.skip(U8_ASSERT)
    expected = torch_interp(x, **C.call_kwargs(case))
    got = _run(x, **C.call_kwargs(case))
    atol, rtol = D.live_tolerance(case, x)
    msg = D.compare(got, expected, atol, rtol, nonfinite_exact=D.live_nonfinite_exact(case, x))
    assert msg is None, "%s vs live torch: %s" % (case.id, msg)


@pytest.mark.parametrize("case", U8_INTERP, ids=_id)
def test_uint8_vs_numpy_model(case):
    """Every uint8 interpolating case -- including torch's defect shapes -- equals the §2.7 model."""
    x = D.make_input(case)
    got = _run(x, **C.call_kwargs(case))
    expected = model_of(case, x)
    assert got.dtype == np.uint8 and got.shape == expected.shape
    bad = np.argwhere(got != expected)
    assert bad.size == 0, "%s: %d values differ from the §2.7 model, first at %s: got %d, model %d" % (
        case.id, len(bad), tuple(bad[0]), got[tuple(bad[0])], expected[tuple(bad[0])])


@needs_torch
@pytest.mark.parametrize("case", [c for c in DEFECTS if c.data in ("ramp", "u8full", "randn", "int")], ids=_id)
def test_torch_width1_defect_is_real(case, torch_interp):
    """The skip above is justified: on these shapes torch gives every output row row 0's value."""
    x = D.make_input(case)
    t = torch_interp(x, **C.call_kwargs(case))
    correct = model_of(case, x)
    assert (t == t[:, :, :1, :]).all(), "torch no longer repeats row 0: is the §7 defect fixed?"
    assert not np.array_equal(t, correct)


def test_width1_defect_shape_uint8_c5():
    """spec §7 example in uint8 with C = 5: the correct column (torch's C <= 4 kernel's)."""
    col = (np.arange(7) * 10).astype(np.uint8)
    x = np.ascontiguousarray(np.broadcast_to(col[None, None, :, None], (1, 5, 7, 3)))
    for mode, aa in (("bilinear", False), ("bilinear", True), ("bicubic", False), ("bicubic", True),
                     ("lanczos", True)):
        got = interp(x, size=(12, 1), mode=mode, antialias=aa)
        one = interp(x[:, :1].copy(), size=(12, 1), mode=mode, antialias=aa)
        assert (got == one).all()
        model = u8_model(x, (12, 1), _KIND[mode], False, [None, None], aa or mode == "lanczos")
        assert np.array_equal(got, model), (mode, aa)
    got = interp(x, size=(12, 1), mode="bilinear")
    assert got[0, 0, :, 0].tolist() == [0, 4, 10, 15, 21, 27, 33, 39, 45, 50, 56, 60]


def test_f9_uint8_examples():
    """spec §6 F9: round half up, saturation, rounding between passes."""
    x = np.array([1, 2], np.uint8).reshape(1, 1, 1, 2)
    assert interp(x, size=(1, 3), mode="bilinear", align_corners=True).ravel().tolist() == [1, 2, 2]
    x = np.array([0, 0, 255, 255], np.uint8).reshape(1, 1, 1, 4)
    assert interp(x, size=(1, 8), mode="bicubic").ravel().tolist() == [0, 0, 0, 58, 197, 255, 255, 255]
    # the float path overshoots (-26.9 ... 281.9); uint8 saturates it
    f = interp(x.astype(np.float32), size=(1, 8), mode="bicubic").ravel()
    assert f.min() < -26 and f.max() > 281
    # rounding between passes: the uint8 intermediate differs from one 2-D rounding
    rs = np.random.RandomState(9)
    x = rs.randint(0, 256, size=(1, 1, 9, 7)).astype(np.uint8)
    y = interp(x, size=(4, 5), mode="bilinear")
    inter = u8_model(x, (9, 5), "linear", False, [None, None], False)
    assert np.array_equal(y, u8_model(inter, (4, 5), "linear", False, [None, None], False))


def test_golden_covers_matrix(dgolden):
    want = {c.id for c in STORED}
    have = set(dgolden.outputs)
    assert not sorted(want - have)[:5], "cases without golden output (run tools/make_golden_dtypes.py)"
    assert not sorted(have - want)[:5], "stale golden entries (run tools/make_golden_dtypes.py)"


def test_golden_metadata_and_size(dgolden):
    assert dgolden.meta, "no golden files in tests/golden/dtypes (run tools/make_golden_dtypes.py)"
    total = 0
    for fname, meta in dgolden.meta.items():
        assert meta["torch"].split("+")[0] == "2.13.0", (fname, meta["torch"])
        assert meta["threads"] == 2
        sources = {D.golden_source(D.GOLDEN_BY_ID[k]) for k in meta["inputs"] if k in D.GOLDEN_BY_ID}
        assert sources == {meta["source"]}, (fname, sources)
        assert (meta["capability"] == "DEFAULT") == (meta["source"] == "default"), fname
        assert meta["bfloat16"] == "uint16 bits"
        total += os.path.getsize(os.path.join(GOLDEN_DIR, fname))
    assert total < 1_500_000


def test_matrix_covers_the_brief():
    """uint8: every torch mode x C in {1,3,4,5} x both layouts; half: every torch mode."""
    u8 = {(c.mode, c.antialias, c.shape[1], c.layout) for c in D.GOLDEN_CASES if c.dtype == "uint8"}
    for mode, aa in D.U8_FAMILIES + [("nearest", False), ("nearest-exact", False)]:
        for ch in (1, 3, 4, 5):
            assert (mode, aa, ch, "c") in u8, (mode, aa, ch)
            if ch > 1:
                assert (mode, aa, ch, "cl") in u8, (mode, aa, ch)
    for dt in D.HALF:
        fams = {(c.mode, c.rank) for c in D.GOLDEN_CASES if c.dtype == dt}
        assert set(D.HALF_FAMILIES) <= fams


# ---------------------------------------------------------------------------------------------
# 3a. uint8 extensions: linear (1-D), trilinear (3-D), area
# ---------------------------------------------------------------------------------------------
U8_EXT_GEOS = {
    3: [((5,), "size", (9,)), ((9,), "size", (5,)), ((6,), "sf", 2.0), ((12,), "sf", 0.5),
        ((7,), "sf", 1.7), ((2,), "size", (41,)), ((7,), "size", (7,)), ((5,), "size", (1,)),
        ((100,), "sf", 0.29), ((3,), "sf", 1.0001)],
    5: [((3, 4, 5), "size", (5, 7, 6)), ((5, 7, 6), "size", (3, 4, 5)), ((2, 3, 2), "sf", 2.0),
        ((3, 4, 5), "sf", (0.5, 1.7, 1.0)), ((3, 4, 5), "size", (1, 1, 1)), ((4, 6, 4), "size", (2, 3, 1)),
        ((1, 1, 3), "size", (3, 2, 3))],
}


def _u8_ext_cases():
    out = []
    for rank, mode in ((3, "linear"), (5, "trilinear")):
        for k, (ins, kind, target) in enumerate(U8_EXT_GEOS[rank]):
            for j, (c, lay) in enumerate(((1, "c"), (3, "c"), (5, "cl"))):
                for align in (None, True):
                    kw = dict(size=target) if kind == "size" else dict(scale=target)
                    rsf = None if kind == "size" else (None, True)[(k + j) % 2]
                    out.append(D.DCase(mode, "uint8", (1 + j % 2, c) + ins, ("u8full", "u8edge", "ramp")[(k + j) % 3],
                                       align=align, rsf=rsf, layout=lay, **kw))
    return out


U8_EXT = _u8_ext_cases()


@pytest.mark.parametrize("case", U8_EXT, ids=_id)
def test_uint8_linear_trilinear_extension_model(case):
    """uint8 linear / trilinear follow §2.7 per axis (last axis first, uint8 between passes)."""
    x = D.make_input(case)
    got = _run(x, **C.call_kwargs(case))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, model_of(case, x))


@needs_torch
@pytest.mark.parametrize("case", U8_EXT, ids=_id)
def test_uint8_linear_trilinear_extension_vs_torch_bilinear(case, torch_interp):
    """The same arithmetic as torch's uint8 bilinear: 1-D linear on (N, C, W) is bilinear on
    (N, C, 1, W); trilinear is bilinear over (H, W) on (N, C*D, H, W), then bilinear over
    (D, H*W) on (N, C, D, Hout*Wout) (its W pass is skipped: same size)."""
    x = D.make_input(case)
    got = interp(x, **C.call_kwargs(case))
    outs = case.out_spatial
    sc = kernel_scales(case)
    ac = case.align

    def kw2(size, scales):
        if any(s is not None for s in scales):
            return dict(scale_factor=tuple(float(s) if s is not None else 1.0 for s in scales),
                        align_corners=ac)
        return dict(size=size, align_corners=ac)

    def safe(arr, size):   # keep clear of torch's own defects on these compositions
        c = arr.shape[1]
        if c > 4 and size[1] == 1 and size[0] != arr.shape[2] and size[0] > 1:
            return False
        if c == 3 and tuple(size) == (1, 1) and arr.shape[2:] != (1, 1):
            return False
        return True

    if case.rank == 3:
        x4 = np.ascontiguousarray(x)[:, :, None, :]
        if not safe(x4, (1, outs[0])):
            pytest.skip("composition hits a torch defect")
        ref = torch_interp(x4, mode="bilinear", **kw2((1, outs[0]), [None, sc[0]]))[:, :, 0, :]
    else:
        n, c, d, h, w = x.shape
        a = np.ascontiguousarray(x).reshape(n, c * d, h, w)
        if not safe(a, outs[1:]):
            pytest.skip("composition hits a torch defect")
        a = torch_interp(a, mode="bilinear", **kw2(outs[1:], sc[1:]))
        a = np.ascontiguousarray(a).reshape(n, c, d, outs[1] * outs[2])
        if outs[0] != d:
            if not safe(a, (outs[0], outs[1] * outs[2])):
                pytest.skip("composition hits a torch defect")
            a = torch_interp(a, mode="bilinear", **kw2((outs[0], outs[1] * outs[2]), [sc[0], None]))
        ref = np.ascontiguousarray(a).reshape((n, c) + tuple(outs))
    np.testing.assert_array_equal(got, ref)


def area_windows(n_in, n_out):
    o = np.arange(n_out)
    return (o * n_in) // n_out, ((o + 1) * n_in + n_out - 1) // n_out


def exact_area(x, out_sizes):
    """Exact mean of every window (Python integers), rounded half up, as an object array."""
    nd = len(out_sizes)
    wins = [area_windows(x.shape[2 + d], out_sizes[d]) for d in range(nd)]
    xo = x.astype(object)
    out = np.empty(x.shape[:2] + tuple(out_sizes), object)
    for idx in np.ndindex(*out_sizes):
        sl = tuple(slice(int(wins[d][0][i]), int(wins[d][1][i])) for d, i in enumerate(idx))
        block = xo[(slice(None), slice(None)) + sl]
        k = int(np.prod([s.stop - s.start for s in sl]))
        tot = block.reshape(x.shape[0], x.shape[1], -1).sum(axis=2)
        out[(slice(None), slice(None)) + idx] = [[(2 * t + k) // (2 * k) for t in row] for row in tot]
    return out


AREA_GEOS = [((7,), (3,)), ((5,), (1,)), ((4,), (9,)), ((7, 6), (3, 4)), ((5, 6), (1, 1)),
             ((3, 8), (2, 3)), ((3, 4, 5), (2, 3, 2)), ((3, 3, 3), (1, 1, 1)), ((2, 5, 3), (3, 2, 1))]


@pytest.mark.parametrize("ins,outs", AREA_GEOS, ids=lambda v: "x".join(map(str, v)))
@pytest.mark.parametrize("dt", ["uint8"] + list(D.OTHER_INTS))
def test_integer_area_is_the_exact_mean(dt, ins, outs):
    info = np.iinfo(dt)
    rs = np.random.RandomState(len(ins) * 7 + outs[0])
    lo, hi = max(info.min, -2 ** 40), min(info.max, 2 ** 40)
    x = rs.randint(0, 2 ** 31 - 1, size=(2, 3) + ins).astype(np.float64) / (2 ** 31 - 1)
    x = np.floor(lo + x * (hi - lo)).astype(dt)
    x.flat[:4] = [info.min if info.min >= lo else lo, hi, hi, lo]
    got = _run(x, size=outs, mode="area")
    assert got.dtype == x.dtype
    expected = exact_area(x, outs)
    assert (got.astype(object) == expected).all()


# ---------------------------------------------------------------------------------------------
# 3b. the other integer dtypes: float64 reference, round half up, saturate
# ---------------------------------------------------------------------------------------------
def round_half_up(v):
    """``floor(v + 0.5)`` evaluated exactly (``v + 0.5`` itself rounds for |v| >= 2**52)."""
    f = np.floor(v)
    return f + (v - f >= 0.5)


def int_policy(y64, dtype):
    """docs/semantics.md: round half up, then saturate to the dtype's range."""
    info = np.iinfo(dtype)
    r = round_half_up(y64)
    if info.bits < 64:
        return np.clip(r, info.min, info.max).astype(dtype)
    r = np.clip(r, float(info.min), float(info.max) - 2048.0)   # |results| stay below 2**54 here
    return r.astype(dtype)


INT_MODES = [("linear", 3, False), ("bilinear", 4, False), ("bicubic", 4, False), ("trilinear", 5, False),
             ("bilinear", 4, True), ("bicubic", 4, True), ("lanczos", 4, True),
             ("area", 3, False), ("area", 4, False), ("area", 5, False)]
INT_GEOS = {3: [(7, 12), (12, 5), (6, 1), (5, 5)], 4: [((5, 7), (9, 4)), ((9, 13), (5, 7)), ((4, 4), (4, 4)),
                                                        ((7, 3), (12, 1)), ((6, 8), (12, 16))],
            5: [((3, 4, 5), (5, 7, 3)), ((4, 5, 3), (2, 2, 6))]}


def _int_data(dtype, shape, seed, kind, limit=2 ** 51):
    info = np.iinfo(dtype)
    rs = np.random.RandomState(seed)
    lo, hi = info.min, info.max
    if info.bits == 64:            # exact float64 range, clear of the 2**52 rounding corner
        lo, hi = max(lo, -limit), min(hi, limit)
    if kind == "edge":             # only the extremes: maximal overshoot, saturation
        return np.where(rs.randint(0, 2, size=shape), hi, lo).astype(dtype)
    u = rs.random_sample(shape)
    return np.floor(float(lo) + u * (float(hi) - float(lo))).astype(dtype)


def _int_cases():
    out = []
    for mode, rank, aa in INT_MODES:
        for k, (ins, outs) in enumerate(INT_GEOS[rank]):
            ins = (ins,) if rank == 3 else ins
            outs = (outs,) if rank == 3 else outs
            aligns = [None] if mode in ("area", "lanczos") else [None, True]
            for align in aligns:
                for lay in ("c", "cl"):
                    out.append((mode, rank, aa, ins, outs, align, lay, ("rand", "edge")[(k + (lay == "cl")) % 2]))
    return out


def _int_id(p):
    mode, rank, aa, ins, outs, align, lay, kind = p
    return "%s%s-%s->%s-ac=%s-%s-%s" % (mode, "+aa" if aa and mode != "lanczos" else "", "x".join(map(str, ins)),
                                        "x".join(map(str, outs)), align, lay, kind)


# Fixed in the working tree of this review (the lead's _plan.get_plan change "integers follow
# float64's path rules"): the integer dtypes used to run the separable kernel where float64 runs
# torch's channels-last 'product' kernel (2-D bilinear with outH + outW <= 128 or channels-last
# C > 3, trilinear channels-last-3d C > 3), which made 26 of these cases 1 off
# round-half-up(float64); test_integer_bilinear_follows_float64_path_minimal is the reproducer.
def _int_params():
    return [pytest.param(dt, p, id="%s-%s" % (dt, _int_id(p))) for dt in D.OTHER_INTS for p in _int_cases()]


@pytest.mark.parametrize("dt,p", _int_params())
def test_integer_dtypes_vs_float64_reference(dt, p):
    """int8 ... uint64: equal to cyresample on the float64 cast, rounded half up and saturated."""
    mode, rank, aa, ins, outs, align, lay, kind = p
    shape = (2, 5 if lay == "cl" else 3) + ins
    # area: 64-bit values up to 2**40, so that the float64 *reference* (sum / kH / kW in
    # doubles) stays exact enough to round like the exact mean (larger values: exact_area tests)
    limit = 2 ** 40 if mode == "area" else 2 ** 51
    seed = zlib.crc32(repr((dt, mode, ins, outs, lay, kind)).encode()) & 0xFFFF
    x = D.apply_layout(_int_data(dt, shape, seed, kind, limit), lay)
    kw = dict(size=outs, mode=mode, antialias=aa)
    if align is not None:
        kw["align_corners"] = align
    got = _run(x, **kw)
    assert got.dtype == x.dtype and got.shape == x.shape[:2] + outs
    y64 = interp(D.apply_layout(x.astype(np.float64), lay), **kw)
    expected = int_policy(y64, x.dtype)
    bad = np.argwhere(got != expected)
    assert bad.size == 0, "%d differ, first at %s: got %r, float64 %r -> %r" % (
        len(bad), tuple(bad[0]), got[tuple(bad[0])], y64[tuple(bad[0])], expected[tuple(bad[0])])


def test_integer_bilinear_follows_float64_path_minimal():
    """Integers are float64 arithmetic rounded once: also on float64's channels-last 'product'
    path (2-D bilinear with outH + outW <= 128), where the exact value 6.5 must give 7."""
    x = np.array([[1, 2], [7, 2]], np.int16).reshape(1, 1, 2, 2)
    y64 = interp(x.astype(np.float64), size=(3, 5), mode="bilinear")
    assert y64[0, 0, 2, 1] == 6.5
    assert interp(x, size=(3, 5), mode="bilinear")[0, 0, 2, 1] == 7


@pytest.mark.parametrize("dt", D.OTHER_INTS)
def test_integer_saturation_happens(dt):
    """bicubic overshoot of a min/max step saturates instead of wrapping (64-bit: only uint64's
    0 can be reached within the exact float64 range)."""
    info = np.iinfo(dt)
    hi = min(info.max, 2 ** 51)
    lo = max(info.min, -2 ** 51)
    x = np.array([lo, lo, hi, hi], dt).reshape(1, 1, 1, 4)
    y = interp(x, size=(1, 8), mode="bicubic")
    y64 = interp(x.astype(np.float64), size=(1, 8), mode="bicubic")
    assert y64.min() < lo and y64.max() > hi
    assert np.array_equal(y, int_policy(y64, x.dtype))
    if info.min == lo:
        assert y.min() == lo
    if info.max == hi:
        assert y.max() == hi


def test_integer_round_half_up_examples():
    x = np.array([0, 1, -2, -1], np.int16).reshape(1, 1, 4)
    # linear to 7 with align_corners: exact midpoints 0.5, -0.5, -1.5 -> 1, 0, -1 (half up)
    y = interp(x, size=7, mode="linear", align_corners=True)
    y64 = interp(x.astype(np.float64), size=7, mode="linear", align_corners=True)
    assert y64.ravel().tolist() == [0.0, 0.5, 1.0, -0.5, -2.0, -1.5, -1.0]
    assert y.ravel().tolist() == [0, 1, 1, 0, -2, -1, -1]


INT_INTERP_MODES = [m for m in INT_MODES if m[0] != "area"]


@pytest.mark.parametrize("dt", ["int64", "uint64"])
@pytest.mark.parametrize("mode,rank,aa", INT_INTERP_MODES, ids=lambda v: str(v))
def test_int64_beyond_2_53_raises(dt, mode, rank, aa):
    """The interpolating modes compute in float64: magnitudes beyond 2**53 raise ValueError."""
    shape = (1, 2) + (4,) * (rank - 2)
    x = np.full(shape, 7, dt)
    big = 2 ** 53 + 1
    x.flat[3] = big
    with pytest.raises(ValueError, match="2\\*\\*53"):
        interp(x, size=(3,) * (rank - 2), mode=mode, antialias=aa)
    if dt == "int64":
        x.flat[3] = -big
        with pytest.raises(ValueError, match="2\\*\\*53"):
            interp(x, size=(3,) * (rank - 2), mode=mode, antialias=aa)
    # the nearest modes copy: any value passes unchanged
    x.flat[3] = np.iinfo(dt).max
    y = interp(x, size=(8,) * (rank - 2), mode="nearest")
    assert y.max() == np.iinfo(dt).max and y.dtype == x.dtype


@pytest.mark.parametrize("dt", ["int64", "uint64"])
@pytest.mark.parametrize("rank", [3, 4, 5])
def test_int64_area_large_values_exact_or_rejected(dt, rank):
    """area is the exact window mean (integer sums): beyond 2**53 it is either exact or a
    ValueError -- never silently rounded; sums that overflow 64 bits must raise."""
    shape = (1, 2) + (4,) * (rank - 2)
    rs = np.random.RandomState(rank)
    lo = 0 if dt == "uint64" else -(2 ** 60)
    vals = [int(v) for v in rs.randint(0, 2 ** 30, size=int(np.prod(shape)))]
    x = np.array([lo + v * (2 ** 30) + v for v in vals], dt).reshape(shape)   # up to ~2**60
    size = (2,) * (rank - 2)
    try:
        got = interp(x, size=size, mode="area")
    except ValueError:
        pass
    else:
        assert (got.astype(object) == exact_area(x, size)).all()
    top = np.iinfo(dt).max
    with pytest.raises(ValueError):
        interp(np.full(shape, top, dt), size=size, mode="area")


@pytest.mark.parametrize("dt", ["int64", "uint64"])
def test_int64_at_2_53_is_accepted(dt):
    """|x| <= 2**53 is accepted; the result is float64's rounded half up (which need not keep a
    constant constant at this magnitude: the weights are inexact)."""
    for x, kw in ((np.full((1, 1, 4), 2 ** 53, dt), dict(size=7, mode="linear")),
                  (np.full((1, 1, 4, 4), 2 ** 53 - 2, dt), dict(size=(3, 5), mode="bilinear")),
                  (np.full((1, 1, 4, 4), 2 ** 53 - 2, dt), dict(size=(3, 5), mode="bicubic", antialias=True))):
        got = interp(x, **kw)
        assert np.array_equal(got, int_policy(interp(x.astype(np.float64), **kw), x.dtype))
    assert (interp(np.full((1, 1, 4), 2 ** 53, dt), size=7, mode="linear") == 2 ** 53).all()


@pytest.mark.parametrize("dt", ["int64", "uint64"])
def test_int64_area_accepts_values_up_to_2_53(dt):
    """docs: only magnitudes beyond 2**53 are rejected; area's exact mean accepts them all
    (it used to reject max|x| * window > 2**53, its sums being held in a double)."""
    x = np.array([2 ** 52, 2 ** 52 + 1, 2 ** 53, 2 ** 53 - 1, 3, 2 ** 52 + 3], dt).reshape(1, 1, 6)
    got = interp(x, size=3, mode="area")
    assert got.ravel().tolist() == [int(v) for v in exact_area(x, (3,)).ravel()]


@pytest.mark.parametrize("dt", ["int64", "uint64"])
def test_int64_between_2_52_and_2_53_is_exact(dt):
    """Round half up of float64 results in [2**52, 2**53], where every double is an integer
    (``floor(v + 0.5)`` evaluated in double rounds ``v + 0.5`` to even: used to give 2**52+2
    for 2**52+1)."""
    vals = [2 ** 52 + 1, 2 ** 52 + 3, 2 ** 53 - 1, 2 ** 52 + 7]
    if dt == "int64":
        vals += [-(2 ** 52 + 1), -(2 ** 53 - 1)]
    x = np.array(vals, dt).reshape(1, 1, -1)
    for kw in (dict(size=len(vals), mode="linear"), dict(size=2 * len(vals), mode="linear", align_corners=True)):
        got = interp(x, **kw)
        expected = int_policy(interp(x.astype(np.float64), **kw), x.dtype)
        assert np.array_equal(got, expected), (kw, (got.astype(object) - expected.astype(object)).ravel())


# ---------------------------------------------------------------------------------------------
# 3c. bool, complex, non-numeric copies
# ---------------------------------------------------------------------------------------------
NEAREST_GEOS = [((1, 3, 7), dict(size=12)), ((1, 3, 7), dict(scale_factor=0.6)),
                ((2, 5, 4, 6), dict(size=(7, 3))), ((1, 5, 4, 3), dict(size=(126, 3))),
                ((1, 1, 1, 10), dict(scale_factor=(1.0, 2.05))), ((1, 5, 2, 3, 4), dict(scale_factor=(1.0, 1.5, 2.01)))]


def _index_map(shape, mode, kw, layout="c"):
    """Flat source index of every output element, from the float32 path on an index array
    (the nearest index maps of every non-float64 dtype use float32 index math, spec 'Notation')."""
    n = int(np.prod(shape))
    idx = D.apply_layout(np.arange(n, dtype=np.float32).reshape(shape), layout)
    return interp(idx, mode=mode, **kw).astype(np.int64)


@pytest.mark.parametrize("layout", ["c", "cl"])
@pytest.mark.parametrize("shape,kw", NEAREST_GEOS, ids=lambda v: str(v))
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("dt", ["bool", "datetime64[ms]", "timedelta64[s]", "S3", "U2", "longdouble",
                                "int8", "uint64", "complex64", "complex128"])
def test_nearest_copies_any_dtype(dt, mode, shape, kw, layout):
    if layout == "cl" and len(shape) == 3:
        pytest.skip("no channels-last for 3-D")
    n = int(np.prod(shape))
    rs = np.random.RandomState(n)
    base = rs.randint(0, 1000, size=n)
    if dt == "bool":
        vals = base % 2 == 0
    elif dt.startswith("datetime64"):
        vals = np.datetime64("2001-02-03T04:05:06", "ms") + base.astype("timedelta64[ms]")
        vals[::7] = np.datetime64("NaT")
    elif dt.startswith("timedelta64"):
        vals = base.astype("timedelta64[s]")
    elif dt in ("S3", "U2"):
        vals = np.array([str(v) for v in base], dtype=dt)
    elif dt == "longdouble":
        vals = base.astype(np.longdouble) / np.longdouble(3)
        vals[::5] = np.nan
    elif dt.startswith("complex"):
        vals = (base + 1j * base[::-1] / 7).astype(dt)
        vals[::9] = complex(np.nan, np.inf)
    else:
        vals = base.astype(dt)
    x = D.apply_layout(np.asarray(vals).reshape(shape), layout)
    got = _run(x, mode=mode, **kw)
    src = _index_map(shape, mode, kw, layout)
    expected = np.ascontiguousarray(x).ravel()[src]
    assert got.dtype == x.dtype and got.shape == expected.shape
    if x.dtype.kind in "fc":
        assert np.array_equal(got, expected, equal_nan=True)
    else:
        assert np.array_equal(np.ascontiguousarray(got).view(np.uint8), np.ascontiguousarray(expected).view(np.uint8))


REJECTED_MODES = [("linear", 3, False), ("bilinear", 4, False), ("bicubic", 4, False), ("trilinear", 5, False),
                  ("bilinear", 4, True), ("bicubic", 4, True), ("lanczos", 4, True),
                  ("area", 3, False), ("area", 4, False), ("area", 5, False)]


@pytest.mark.parametrize("mode,rank,aa", REJECTED_MODES, ids=lambda v: str(v))
@pytest.mark.parametrize("dt", ["bool", "datetime64[ms]", "timedelta64[s]", "S3", "U2", "longdouble"])
def test_copy_only_dtypes_are_rejected_by_interpolating_modes(dt, mode, rank, aa):
    x = np.zeros((1, 2) + (4,) * (rank - 2), dt)
    with pytest.raises(NotImplementedError, match="not implemented for"):
        interp(x, size=(3,) * (rank - 2), mode=mode, antialias=aa)
    if mode == "area":   # all-ones output: torch's mean() dtype error
        with pytest.raises(RuntimeError, match="mean"):
            interp(x, size=(1,) * (rank - 2), mode=mode)


COMPLEX_MODES = [("nearest", 3, False), ("nearest-exact", 4, False), ("linear", 3, False),
                 ("bilinear", 4, False), ("bicubic", 4, False), ("trilinear", 5, False),
                 ("bilinear", 4, True), ("bicubic", 4, True), ("lanczos", 4, True),
                 ("area", 3, False), ("area", 4, False), ("area", 5, False)]
COMPLEX_GEOS = {3: [((7,), (12,)), ((9,), (1,))], 4: [((5, 7), (9, 4)), ((4, 3), (126, 3)), ((7, 3), (12, 1)),
                                                      ((5, 6), (1, 1))],
                5: [((3, 4, 5), (5, 7, 3)), ((3, 4, 5), (1, 1, 1))]}


@pytest.mark.parametrize("layout", ["c", "cl", "step"])
@pytest.mark.parametrize("mode,rank,aa", COMPLEX_MODES, ids=lambda v: str(v))
@pytest.mark.parametrize("dt", ["complex64", "complex128"])
def test_complex_is_per_component(dt, mode, rank, aa, layout):
    """interp(z) == interp(z.real) + 1j * interp(z.imag), bit for bit, the components laid out
    like z (the kernel path follows the layout, spec §3.1). Inf/NaN stay in their component."""
    if layout == "cl" and rank == 3:
        layout = "f"
    comp = np.float32 if dt == "complex64" else np.float64
    for k, (ins, outs) in enumerate(COMPLEX_GEOS[rank]):
        shape = (2, 5) + ins
        rs = np.random.RandomState(k + rank)
        re_, im_ = rs.randn(*shape).astype(comp), rs.randn(*shape).astype(comp)
        re_.flat[3] = np.inf
        im_.flat[5] = np.nan
        z = np.empty(shape, dt)
        z.real, z.imag = re_, im_
        z = D.apply_layout(z, layout)
        got = _run(z, size=outs, mode=mode, antialias=aa)
        yr = interp(D.apply_layout(re_, layout), size=outs, mode=mode, antialias=aa)
        yi = interp(D.apply_layout(im_, layout), size=outs, mode=mode, antialias=aa)
        assert got.dtype == z.dtype
        assert np.array_equal(got.real, yr, equal_nan=True), (ins, outs)
        assert np.array_equal(got.imag, yi, equal_nan=True), (ins, outs)
        if layout == "c":   # the component views of z itself give the same
            assert np.array_equal(got.real, interp(z.real, size=outs, mode=mode, antialias=aa), equal_nan=True)


# ---------------------------------------------------------------------------------------------
# 3d. float16 / bfloat16 with antialias and lanczos (extension)
# ---------------------------------------------------------------------------------------------
# cyresample runs these exactly like float32 -- float32 weights (spec §2.6 with T = float32),
# width pass then height pass, the intermediate kept in float32 (the opmath), torch's float32
# order -- and rounds once when storing. The float32 path's input is the exact float32 value
# of every half input, and its intermediate is float32 too, so the two computations are the
# same operation by operation and only the final store differs: the half result must be the
# float32 result rounded once to the dtype, *bit for bit* (tolerance 0; measured: 0 differing
# values over this whole matrix, both dtypes).
HALF_AA_GEOS = [((5, 7), dict(size=(9, 13))), ((9, 13), dict(size=(5, 7))), ((12, 16), dict(scale_factor=0.5)),
                ((7, 9), dict(scale_factor=(1.7, 0.6))), ((7, 3), dict(size=(12, 1))),
                ((4, 4), dict(scale_factor=1.0001)),
                ((16, 9), dict(size=(3, 2))), ((1, 6), dict(size=(1, 3))), ((40, 3), dict(size=(7, 3)))]


@pytest.mark.parametrize("layout", ["c", "cl", "step"])
@pytest.mark.parametrize("mode,align", [("bilinear", None), ("bilinear", True), ("bicubic", None),
                                        ("bicubic", True), ("lanczos", None)])
@pytest.mark.parametrize("dt", D.HALF)
def test_half_antialias_is_float32_rounded_once(dt, mode, align, layout):
    _need_dtype(dt)
    hdt = D.np_dtype(dt)
    for k, (ins, kw) in enumerate(HALF_AA_GEOS):
        rs = np.random.RandomState(k)
        v = (rs.randn(2, 5, *ins) * (1 + k)).astype(np.float32).astype(hdt)
        if k == 3:
            v.flat[7] = np.inf
            v.flat[11] = np.nan
        x = D.apply_layout(v, layout)
        got = _run(x, mode=mode, antialias=True, align_corners=align, **kw)
        y32 = interp(D.apply_layout(v.astype(np.float32), layout), mode=mode, antialias=True,
                     align_corners=align, **kw)
        assert got.dtype == hdt
        msg = D.compare(got, y32.astype(hdt))
        assert msg is None, "%s %s: %s" % (ins, kw, msg)


# ---------------------------------------------------------------------------------------------
# 4. the dtype table of docs/semantics.md
# ---------------------------------------------------------------------------------------------
_ROW_DTYPES = [
    ("float32", ["float32"]), ("float64", ["float64"]), ("float16", ["float16"]), ("bfloat16", ["bfloat16"]),
    ("int8", ["int8"]), ("int16", ["int16"]), ("uint16", ["uint16"]), ("int32", ["int32"]),
    ("uint32", ["uint32"]), ("int64", ["int64"]), ("uint64", ["uint64"]), ("uint8", ["uint8"]),
    ("bool", ["bool"]), ("complex64", ["complex64"]), ("complex128", ["complex128"]),
    ("datetime", ["datetime64[ns]", "timedelta64[ms]"]), ("strings", ["S4", "U3"]), ("longdouble", ["longdouble"]),
]
_COLUMN_MODES = {
    "nearest modes": [("nearest", 3, False), ("nearest", 4, False), ("nearest", 5, False),
                      ("nearest-exact", 3, False), ("nearest-exact", 4, False), ("nearest-exact", 5, False)],
    "linear/bilinear/bicubic/trilinear": [("linear", 3, False), ("bilinear", 4, False), ("bicubic", 4, False),
                                          ("trilinear", 5, False)],
    "antialias, lanczos": [("bilinear", 4, True), ("bicubic", 4, True), ("lanczos", 4, True)],
    "area": [("area", 3, False), ("area", 4, False), ("area", 5, False)],
}
_MODE_WORDS = {"nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area", "lanczos", "antialias"}


def _parse_dtype_table():
    text = open(SEMANTICS, encoding="utf-8").read()
    sec = text[text.index("## Dtypes"):]
    lines = [ln.strip() for ln in sec.splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| dtype"))
    header = [h.strip() for h in lines[start].strip("|").split("|")]
    rows = []
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip("|").split("|")])
    return header, rows


def _row_dtypes(label):
    found = []
    words = re.findall(r"[a-z0-9]+", label.lower())
    for key, dts in _ROW_DTYPES:
        if key in words:
            found.extend(dts)
    assert found, "docs/semantics.md dtype row %r not understood: update test_dtypes._ROW_DTYPES" % label
    return found


def _cell_rules(cell, modes):
    """mode -> 'rejected' | 'exact' | 'extension' for one cell, e.g. 'PyTorch-exact (bilinear,
    bicubic); extension (linear, trilinear)'."""
    rules = {}
    for part in cell.split(";"):
        part = part.strip()
        m = re.match(r"([A-Za-z-]+)\s*(?:\((.*)\))?", part)
        word = m.group(1).lower()
        kind = {"pytorch-exact": "exact", "extension": "extension", "rejected": "rejected",
                "bit-identical": "exact"}[word]
        quals = [q.strip() for q in (m.group(2) or "").split(",")]
        named = [q for q in quals if q in _MODE_WORDS]
        for mode in modes:
            if not named or mode[0] in named:
                rules.setdefault(mode, kind)
    assert set(rules) == set(modes), (cell, modes)
    return rules


def _table_cells():
    header, rows = _parse_dtype_table()
    assert header[0] == "dtype" and set(header[1:]) == set(_COLUMN_MODES), header
    cells = []
    for row in rows:
        for col, cell in zip(header[1:], row[1:]):
            modes = _COLUMN_MODES[col]
            rules = _cell_rules(cell, modes)
            for dt in _row_dtypes(row[0]):
                for mode in modes:
                    cells.append((dt, mode, rules[mode]))
    return cells


TABLE = _table_cells()


def test_dtype_table_is_complete():
    """Every dtype cyresample knows about appears in the table with every mode."""
    dts = {c[0] for c in TABLE}
    known = ["float16", "bfloat16", "float32", "float64", "uint8", "bool", "complex64", "complex128"]
    for dt in known + list(D.OTHER_INTS):
        assert dt in dts, dt
    assert len(TABLE) == len(dts) * sum(len(v) for v in _COLUMN_MODES.values())


@pytest.mark.parametrize("dt,mode,rule", TABLE, ids=lambda v: str(v))
def test_dtype_table_matches_behaviour(dt, mode, rule, request):
    _need_dtype(dt)
    m, rank, aa = mode
    shape = (1, 2) + (5, 4, 3)[:rank - 2]
    if dt in ("S4", "U3"):
        x = np.full(shape, "ab", dt)
    else:
        x = np.ones(shape, np.float32).astype(D.np_dtype(dt))
    kw = dict(size=(3, 2, 4)[:rank - 2], mode=m, antialias=aa)
    if rule == "rejected":
        with pytest.raises(NotImplementedError):
            interp(x, **kw)
        return
    y = interp(x, **kw)
    assert y.dtype == x.dtype and y.shape == shape[:2] + kw["size"]
    if x.dtype.kind in "iu":
        assert (y == 1).all()
    elif x.dtype.kind in "fcV" and dt != "longdouble":
        assert np.allclose(y.astype(np.complex128), 1, rtol=0, atol=1e-2)
    if torch is None or dt in ("longdouble",) or x.dtype.kind in "SUmM":
        return
    t = request.getfixturevalue("torch_interp")
    if rule == "exact":
        t(x, **kw)                                  # torch accepts it
    else:
        with pytest.raises((NotImplementedError, RuntimeError)):
            t(x, **kw)                              # an extension: torch rejects it
