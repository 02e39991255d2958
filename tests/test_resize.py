"""cyresample.resize: interpolate's semantics on any axes of an array of any rank (issue 7).

What is checked, and against what:

1. ``(N, C, *spatial)`` input with ``axes=(2, ...)``: bit-identical to ``interpolate`` in every
   mode, dtype (float16/32/64, uint8, bfloat16 when ml_dtypes is installed), size/scale/
   recompute/align_corners/antialias variant, C-contiguous, channels-last and strided
   layouts, on both sides of PyTorch's ``outH + outW <= 128`` bilinear path switch.
2. Any axes of any rank (HWC, (Z, Y, X), (T, Z, Y, X, C), Fortran order, negative strides, more
   than two carried axes): bit-identical to ``interpolate`` on the ``(N, C, *axes)`` view the
   docs define, and the carried axes are not copied (spy on NumPy's copy functions plus a
   tracemalloc bound). The one documented copy (more than two carried axes that cannot be
   merged into one strided axis) gives the same values.
3. The extensions (cubic in 1-D/3-D/4-D, antialias linear/cubic/lanczos in any rank, linear,
   nearest modes beyond 3 axes, area on a bare (Z, Y, X) volume) against the independent dense
   float64 oracle ``tests/reference.py`` within its justified tolerance, and bit for bit
   against PyTorch-exact results where math allows: a k-axis separable resize equals k
   one-axis resizes (intermediates are the opmath type, spec §3.2), and a 1-D cubic/antialias
   resize equals 2-D ``interpolate`` with a height-1 axis (weights 0, 1, 0, 0 / skipped axis).
4. With torch: the 4-D cases vs live stock torch (tests/cases.py ``live_tolerance``, as in
   test_values.py), and bit for bit vs torch's DEFAULT build (``ATEN_CPU_CAPABILITY=default``,
   one subprocess) -- what ``interpolate`` promises.
5. Errors: NumPy-style ValueError / TypeError.
"""
import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import cases as C
import reference as R
from cyresample import interpolate, resize

try:
    import ml_dtypes
except ImportError:
    ml_dtypes = None

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

#: resize's canonical kinds -> PyTorch's mode name for k resampled axes (where torch has one)
TORCH_NAME = {("linear", 1): "linear", ("linear", 2): "bilinear", ("linear", 3): "trilinear",
              ("cubic", 2): "bicubic", ("lanczos", 2): "lanczos"}
ALIASES = {"linear": ("linear", "bilinear", "trilinear"), "cubic": ("cubic", "bicubic")}


def torch_name(kind, k):
    if kind in ("nearest", "nearest-exact", "area"):
        return kind
    return TORCH_NAME[(kind, k)]


def make(shape, dtype, rng):
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return rng.integers(0, 256, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def same(a, b):
    """None when ``a`` and ``b`` are identical (shape, dtype, bits up to NaN), else a message."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return "shape/dtype %s %s != %s %s" % (a.shape, a.dtype, b.shape, b.dtype)
    fa, fb = a.astype(np.float64), b.astype(np.float64)
    if np.array_equal(fa, fb, equal_nan=True):
        return None
    d = np.abs(fa - fb)
    return "%d values differ, max |diff| %.3g" % (int((d > 0).sum()), float(np.nanmax(d)))


def nc_view(x, axes):
    """``x`` as ``(N, C, *axes)`` the way the docs define resize (carried axes in array order,
    all but the last merged into N); a copy only when NumPy cannot reshape without one."""
    axes = sorted(axes)
    others = [d for d in range(x.ndim) if d not in axes]
    v = x.transpose(others + axes)
    lead = v.shape[:len(others)]
    n = int(np.prod(lead[:-1])) if len(lead) > 1 else 1
    c = lead[-1] if lead else 1
    return v.reshape((n, c) + v.shape[len(others):]), others, axes, lead


def via_interpolate(x, axes, **kw):
    """The definition: interpolate on the (N, C, *axes) view, moved back."""
    v, others, axes, lead = nc_view(x, axes)
    y = interpolate(v, **kw)
    y = y.reshape(tuple(lead) + y.shape[2:])
    return np.moveaxis(y, list(range(len(others), x.ndim)), axes)


def interp_mode(kind, aa, k):
    """interpolate's mode for ``kind`` on ``k`` axes, or None where PyTorch has no counterpart."""
    if kind in ("nearest", "nearest-exact", "area"):
        return kind if k <= 3 else None
    if (kind in ("cubic", "lanczos") or aa) and k != 2:
        return None
    return TORCH_NAME.get((kind, k))


def ref_resize(x, axes, out_sizes, scales, kind, align=False, antialias=False):
    """Dense float64 oracle for any axes: reference.axis_matrix on each axis, last axis first.
    Returns ``(y, mask)`` (mask False where a nearest index is ambiguous)."""
    aa = antialias or kind == "lanczos"
    rmode = {"linear": "bilinear" if aa else "linear", "cubic": "bicubic"}.get(kind, kind)
    y = np.asarray(x, np.float64)
    out_shape = list(x.shape)
    for a, n in zip(axes, out_sizes):
        out_shape[a] = n
    mask = np.ones(out_shape, bool)
    for a, n, s in sorted(zip(axes, out_sizes, scales), reverse=True):
        M, amb = R.axis_matrix(rmode, x.shape[a], n, bool(align), s, aa)
        y = np.moveaxis(np.moveaxis(y, a, -1) @ M.T, -1, a)
        if amb.any():
            sel = [slice(None)] * y.ndim
            sel[a] = amb
            mask[tuple(sel)] = False
    return y, mask


def ref_tolerance(x, kind, in_sizes, out_sizes, antialias):
    mode = {"cubic": "bicubic", "linear": "bilinear" if antialias else "linear"}.get(kind, kind)
    return R.tolerance(x, mode, in_sizes, out_sizes, antialias)


DTYPES = ["float32", "float64", "float16", "uint8"] + (["bfloat16"] if ml_dtypes is not None else [])


def _dtype(name):
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


# ---------------------------------------------------------------------------------------------
# 1. (N, C, *spatial) with axes=(2, ...): bit-identical to interpolate
# ---------------------------------------------------------------------------------------------

NC_FAMILIES = [("nearest", False, (1, 2, 3)), ("nearest-exact", False, (1, 2, 3)),
               ("linear", False, (1, 2, 3)), ("cubic", False, (2,)), ("area", False, (1, 2, 3)),
               ("linear", True, (2,)), ("cubic", True, (2,)), ("lanczos", True, (2,))]


def _random_nc_call(rng, kind, aa, nds, k_big):
    nd = int(rng.choice(nds))
    big = nd == 2 and rng.random() < k_big      # crosses outH + outW > 128 (spec §3.1)
    ins = tuple(int(v) for v in rng.integers(30 if big else 1, 90 if big else 18, nd))
    kw = {}
    if rng.random() < 0.5:
        kw["size"] = tuple(int(v) for v in rng.integers(30 if big else 1, 110 if big else 25, nd))
    else:
        kw["scale_factor"] = tuple(float(v) for v in np.round(rng.uniform(0.35, 2.6, nd), 3))
        if kind != "area" and rng.random() < 0.3:
            kw["recompute_scale_factor"] = True
    if kind in ("linear", "cubic") and rng.random() < 0.3:
        kw["align_corners"] = True
    if aa:
        kw["antialias"] = True
    return nd, ins, kw


def _layout(rng, x):
    """C order, channels-last (4-D/5-D), a step slice or reversed axis, picked at random."""
    r = rng.random()
    if r < 0.3 and x.ndim in (4, 5):
        perm = (0, 2, 3, 1) if x.ndim == 4 else (0, 2, 3, 4, 1)
        inv = np.argsort(perm)
        return np.ascontiguousarray(x.transpose(perm)).transpose(inv), "cl"
    if r < 0.45:
        big = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
        big[..., ::2] = x
        return big[..., ::2], "step"
    if r < 0.55:
        return np.ascontiguousarray(x[:, ::-1])[:, ::-1], "neg"
    return x, "c"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind,aa,nds", NC_FAMILIES,
                         ids=["%s%s" % (k, "+aa" if a and k != "lanczos" else "") for k, a, _ in NC_FAMILIES])
def test_nc_equals_interpolate(kind, aa, nds, dtype):
    dt = _dtype(dtype)
    rng = np.random.default_rng([NC_FAMILIES.index((kind, aa, nds)), DTYPES.index(dtype)])
    checked = 0
    for trial in range(12):
        nd, ins, kw = _random_nc_call(rng, kind, aa, nds, 0.25)
        N, Cn = int(rng.integers(1, 3)), int(rng.choice([1, 2, 3, 4, 5, 8, 9]))
        x, layout = _layout(rng, make((N, Cn) + ins, dt, rng))
        tmode = torch_name(kind, nd)
        name = str(rng.choice(ALIASES.get(kind, (kind,)))) if kind in ALIASES else kind
        rkw = dict(mode=name, align_corners=kw.get("align_corners", False), antialias=aa,
                   recompute_scale=kw.get("recompute_scale_factor", False))
        if "size" in kw:
            rkw["shape"] = kw["size"]
        else:
            rkw["scale"] = kw["scale_factor"]
        try:
            expected = interpolate(x, mode=tmode, **kw)
        except (NotImplementedError, TypeError, RuntimeError, ValueError) as e:
            # a combination interpolate rejects (e.g. float16 antialias, size 0): resize rejects it too
            with pytest.raises(Exception):
                resize(x, axes=tuple(range(2, 2 + nd)), **rkw)
            assert "dtype" in str(e) or "size" in str(e) or "not implemented" in str(e), e
            continue
        got = resize(x, axes=tuple(range(2, 2 + nd)), **rkw)
        msg = same(got, expected)
        assert msg is None, "trial %d: %s %s %s %s: %s" % (trial, x.shape, layout, name, kw, msg)
        checked += 1
    if dtype in ("float32", "float64") or kind in ("nearest", "nearest-exact"):
        assert checked >= 8


BILINEAR_PATH_CASES = [
    # (in HW, out HW, C, channels_last): outH + outW = 128 (product kernel) and 129 (generic)
    ((40, 40), (64, 64), 3, False), ((40, 40), (64, 65), 3, False),
    ((40, 40), (64, 64), 4, True), ((40, 40), (64, 65), 4, True), ((40, 40), (64, 65), 3, True),
    ((33, 21), (70, 58), 9, True), ((33, 21), (10, 7), 17, True), ((5, 7), (9, 11), 1, False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("ins,outs,Cn,cl", BILINEAR_PATH_CASES)
def test_small_output_bilinear_path(ins, outs, Cn, cl, dtype):
    """PyTorch's channels-last 'product' kernel (outH + outW <= 128, or channels-last C > 3)
    rounds differently from the generic one; resize takes the same path as interpolate."""
    rng = np.random.default_rng(sum(ins) + sum(outs) + Cn)
    x = make((2, Cn) + ins, dtype, rng)
    if cl:
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    for align in (False, True):
        expected = interpolate(x, size=outs, mode="bilinear", align_corners=align)
        got = resize(x, outs, axes=(2, 3), mode="linear", align_corners=align)
        assert same(got, expected) is None, same(got, expected)


@pytest.mark.parametrize("Cn", [3, 4, 8])
def test_channels_last_3d_trilinear(Cn):
    rng = np.random.default_rng(Cn)
    x = np.ascontiguousarray(make((2, 5, 6, 7, Cn), np.float32, rng)).transpose(0, 4, 1, 2, 3)
    for kw in (dict(size=(9, 4, 11)), dict(scale_factor=(1.7, 0.6, 2.0))):
        expected = interpolate(x, mode="trilinear", **kw)
        rk = {"shape": kw["size"]} if "size" in kw else {"scale": kw["scale_factor"]}
        got = resize(x, axes=(2, 3, 4), mode="trilinear", **rk)
        assert same(got, expected) is None
        got = resize(x, axes=(2, 3, 4), mode="linear", **rk)
        assert same(got, expected) is None


# ---------------------------------------------------------------------------------------------
# 2. any axes of any rank = interpolate on the (N, C, *axes) view
# ---------------------------------------------------------------------------------------------

def _fortran(x):
    return np.asfortranarray(x)


LAYOUTS = {
    # name: (shape, axes, transform of the array)
    "HWC": ((23, 31, 3), (0, 1), None),
    "HWC4": ((23, 31, 4), (0, 1), None),
    "HWC-axes-reversed": ((23, 31, 3), (1, 0), None),
    "HWC-negative-axes": ((23, 31, 3), (-3, -2), None),
    "ZYX": ((7, 9, 11), (0, 1, 2), None),
    "TZYXC": ((2, 5, 6, 7, 3), (1, 2, 3), None),
    "TZYXC-C4": ((2, 5, 6, 7, 4), (1, 2, 3), None),
    "CHW": ((3, 12, 17), (1, 2), None),
    "HW": ((19, 13), (0, 1), None),
    "W": ((29,), (0,), None),
    "XC-1axis": ((29, 5), (0,), None),
    "6D-2axes": ((2, 3, 2, 11, 4, 9), (3, 5), None),
    "HWC-fortran": ((23, 31, 3), (0, 1), _fortran),
    "NCHW-fortran": ((2, 3, 14, 15), (2, 3), _fortran),
    "ZYX-reversed": ((7, 9, 11), (0, 1, 2), lambda x: x[::-1, :, ::-1]),
    "HWC-step": ((23, 31, 3), (0, 1), lambda x: np.repeat(x, 2, axis=1)[:, ::2]),
}

LAYOUT_MODES = [("nearest", False), ("nearest-exact", False), ("linear", False), ("cubic", False),
                ("area", False), ("linear", True), ("cubic", True), ("lanczos", True)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "uint8"])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_any_axes_equals_interpolate_on_view(name, dtype):
    shape, axes, tf = LAYOUTS[name]
    rng = np.random.default_rng(len(name) * 7 + len(dtype))
    x = make(shape, dtype, rng)
    if tf is not None:
        x = tf(x)
    norm = tuple(sorted(a % x.ndim for a in axes))
    k = len(norm)
    before = x.copy()
    for kind, aa in LAYOUT_MODES:
        tmode = interp_mode(kind, aa, k)
        if tmode is None:
            continue       # no interpolate counterpart on k axes: covered by the oracle tests below
        in_sizes = [x.shape[a] for a in norm]
        pos = [norm.index(a % x.ndim) for a in axes]      # resize takes targets in the order of `axes`
        for target in ("size", "scale"):
            if target == "size":
                outs = tuple(max(1, (n * 3) // 2 - 1) if j % 2 else n // 2 + 1 for j, n in enumerate(in_sizes))
                rk, kw = dict(shape=tuple(outs[p] for p in pos)), dict(size=outs)
            else:
                sf = tuple(1.6 if j % 2 == 0 else 0.55 for j in range(k))
                rk, kw = dict(scale=tuple(sf[p] for p in pos)), dict(scale_factor=sf)
            expected = via_interpolate(x, norm, mode=tmode, antialias=aa, **kw)
            got = resize(x, axes=axes, mode=kind, antialias=aa, **rk)
            msg = same(got, expected)
            assert msg is None, "%s %s aa=%s %s: %s" % (name, kind, aa, kw, msg)
    assert np.array_equal(x, before), "resize modified its input"


def test_carried_axes_are_independent():
    """Each slice along a carried axis is resized on its own (nothing leaks across axes)."""
    rng = np.random.default_rng(3)
    x = make((4, 9, 5, 13), np.float64, rng)
    for kind, aa in LAYOUT_MODES:
        y = resize(x, (6, 20), axes=(1, 3), mode=kind, antialias=aa)
        assert y.shape == (4, 6, 5, 20)
        for i in range(4):
            for c in range(5):
                s = resize(np.ascontiguousarray(x[i, :, c, :]), (6, 20), mode=kind, antialias=aa)
                np.testing.assert_allclose(y[i, :, c, :], s, rtol=0, atol=1e-13)


# ---------------------------------------------------------------------------------------------
# 3. the extensions: cubic / antialias / lanczos / linear / nearest on any number of axes
# ---------------------------------------------------------------------------------------------

EXT_FAMILIES = [
    # (kind, antialias, array rank, axes)
    ("cubic", False, 1, (0,)), ("cubic", False, 3, (1,)), ("cubic", False, 3, (0, 1, 2)),
    ("cubic", False, 4, (0, 1, 2, 3)), ("cubic", False, 5, (1, 2, 3)),
    ("cubic", True, 1, (0,)), ("cubic", True, 3, (0, 1, 2)), ("cubic", True, 4, (3, 0)),
    ("linear", True, 1, (0,)), ("linear", True, 2, (1,)), ("linear", True, 3, (0, 1, 2)),
    ("linear", True, 5, (1, 2, 3, 4)),
    ("lanczos", True, 1, (0,)), ("lanczos", True, 3, (0, 1, 2)), ("lanczos", True, 4, (1, 2, 3)),
    ("linear", False, 4, (0, 1, 2, 3)), ("linear", False, 5, (0, 1, 2, 3, 4)),
    ("nearest", False, 4, (0, 1, 2, 3)), ("nearest-exact", False, 5, (0, 1, 2, 3, 4)),
    ("area", False, 3, (0, 1, 2)), ("area", False, 4, (1, 2, 3)),
]


def _ext_id(f):
    kind, aa, rank, axes = f
    return "%s%s-rank%d-axes%s" % (kind, "+aa" if aa and kind != "lanczos" else "", rank,
                                  "".join(str(a) for a in axes))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fam", EXT_FAMILIES, ids=[_ext_id(f) for f in EXT_FAMILIES])
def test_extensions_vs_dense_reference(fam, dtype):
    kind, aa, rank, axes = fam
    rng = np.random.default_rng([EXT_FAMILIES.index(fam), len(dtype)])
    k = len(axes)
    hi = {1: 40, 2: 20, 3: 11, 4: 7, 5: 6}[k]
    for trial in range(6):
        shape = [int(v) for v in rng.integers(1, 4, rank)]
        for a in axes:
            shape[a] = int(rng.integers(1, hi))
        x = make(tuple(shape), dtype, rng)
        align = kind in ("linear", "cubic") and trial % 3 == 2
        if trial % 2 == 0:
            outs = [int(v) for v in rng.integers(1, hi + 6, k)]
            rk, scales = dict(shape=outs), [None] * k
        else:
            sf = [float(v) for v in np.round(rng.uniform(0.4, 2.5, k), 3)]
            outs = [int(float(x.shape[a]) * s) for a, s in zip(axes, sf)]
            if min(outs) < 1:
                continue
            rk, scales = dict(scale=sf), (sf if kind != "area" else [None] * k)
        got = resize(x, axes=axes, mode=kind, antialias=aa, align_corners=align, **rk)
        exp, mask = ref_resize(x, axes, outs, scales, kind, align, aa)
        assert got.shape == exp.shape and got.dtype == x.dtype
        tol = ref_tolerance(x, kind, [x.shape[a] for a in axes], outs, aa)
        err = np.abs(got.astype(np.float64) - exp)[mask]
        assert err.size == 0 or err.max() <= tol, (
            "trial %d %s axes %s %s align=%s: max err %.3g > tol %.3g"
            % (trial, x.shape, axes, rk, align, err.max(), tol))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,aa", [("cubic", False), ("cubic", True), ("linear", True), ("lanczos", True)])
def test_separable_modes_compose_bit_exactly(kind, aa, dtype):
    """A k-axis resize in a separable mode is k one-axis resizes, last axis first, bit for bit
    (intermediates are stored in the opmath type, spec §3.2). Together with the 2-D case
    (= PyTorch's bicubic / antialias) this pins tricubic and 3-D antialias to PyTorch's math."""
    rng = np.random.default_rng(len(kind) + 10 * aa + len(dtype))
    for trial in range(25):
        k = int(rng.integers(1, 5))
        shape = tuple(int(v) for v in rng.integers(1, 13, k + 1))
        x = make(shape, dtype, rng)
        axes = tuple(range(1, k + 1))
        align = kind != "lanczos" and trial % 4 == 3
        if trial % 2:
            outs = [int(v) for v in rng.integers(1, 18, k)]
            got = resize(x, outs, axes=axes, mode=kind, antialias=aa, align_corners=align)
            z = x
            for a, o in sorted(zip(axes, outs), reverse=True):
                z = resize(z, (o,), axes=(a,), mode=kind, antialias=aa, align_corners=align)
        else:
            sf = [float(v) for v in np.round(rng.uniform(0.4, 2.4, k), 3)]
            if min(int(n * s) for n, s in zip(shape[1:], sf)) < 1:
                continue
            got = resize(x, scale=sf, axes=axes, mode=kind, antialias=aa, align_corners=align)
            z = x
            for a, s in sorted(zip(axes, sf), reverse=True):
                z = resize(z, scale=(s,), axes=(a,), mode=kind, antialias=aa, align_corners=align)
        assert same(got, z) is None, "trial %d %s: %s" % (trial, shape, same(got, z))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,aa", [("cubic", False), ("cubic", True), ("linear", True), ("lanczos", True)])
def test_one_axis_equals_pytorch_2d_with_height_one(kind, aa, dtype):
    """1-D cubic (A = -0.75, clamped borders) and 1-D antialias are PyTorch's 2-D kernels with a
    height-1 axis: bicubic with out == in == 1 has weights exactly (0, 1, 0, 0); antialias skips
    a same-size axis (spec §2.4, §2.6). So they are bit-identical to interpolate."""
    rng = np.random.default_rng(len(kind) + 3 * aa)
    tmode = "bicubic" if kind == "cubic" else ("bilinear" if kind == "linear" else "lanczos")
    for trial in range(30):
        n, o = int(rng.integers(1, 40)), int(rng.integers(1, 50))
        x = make((2, 3, n), dtype, rng)
        align = kind != "lanczos" and trial % 2 == 1
        got = resize(x, (o,), axes=(2,), mode=kind, antialias=aa, align_corners=align)
        exp = interpolate(x[:, :, None, :], size=(1, o), mode=tmode, antialias=aa, align_corners=align)[:, :, 0]
        assert same(got, exp) is None, (n, o, align, same(got, exp))
        got0 = resize(x[0, 0], (o,), mode=kind, antialias=aa, align_corners=align)      # a bare 1-D array
        assert same(got0, exp[0, 0]) is None


def test_spec_cubic_examples_in_1d():
    """Spec §6 F10 on a bare 1-D array: cubic A = -0.75, cubic antialias A = -0.5; F8 antialias."""
    x = np.array([0.0, 0.0, 10.0, 10.0])
    np.testing.assert_allclose(resize(x, 8, mode="cubic"),
                               [0, -0.3516, -1.0547, 2.2656, 7.7344, 11.0547, 10.3516, 10], atol=1e-4)
    np.testing.assert_allclose(resize(x, 8, mode="cubic", antialias=True),
                               [0, -0.2190, -0.6870, 2.0313, 7.9688, 10.6870, 10.2190, 10], atol=1e-4)
    np.testing.assert_allclose(resize(np.array([0, 255, 0, 255, 0, 255.0]), 3, mode="linear"),
                               [127.5, 127.5, 127.5])
    np.testing.assert_allclose(resize(np.array([0, 255, 0, 255, 0, 255.0]), 3, mode="linear", antialias=True),
                               [109.2857, 127.5, 145.7143], atol=1e-4)


@pytest.mark.parametrize("kind,aa", [("cubic", False), ("cubic", True), ("linear", False), ("linear", True),
                                     ("lanczos", True), ("area", False), ("nearest", False)])
def test_constant_volume_stays_constant(kind, aa):
    """Weights of every axis sum to 1 (clamped cubic borders included): a constant 3-D/4-D volume
    stays constant up to rounding, whatever the factors."""
    for shape, outs in (((5, 7, 6), (11, 3, 13)), ((3, 4, 5, 6), (7, 2, 9, 11))):
        if kind == "area" and len(shape) > 3:
            continue
        x = np.full(shape, 3.25)
        y = resize(x, outs, mode=kind, antialias=aa)
        np.testing.assert_allclose(y, 3.25, rtol=1e-14, atol=0)


def test_lanczos_is_always_antialiased():
    rng = np.random.default_rng(0)
    x = make((9, 14, 11), np.float64, rng)
    a = resize(x, (4, 20, 7), mode="lanczos")
    assert same(a, resize(x, (4, 20, 7), mode="lanczos", antialias=True)) is None
    assert same(a, resize(x, (4, 20, 7), mode="lanczos", antialias=False)) is None


def test_pytorch_mode_names_are_aliases():
    """bilinear / trilinear / bicubic are accepted on any number of axes and mean linear / cubic."""
    rng = np.random.default_rng(1)
    for shape, outs in (((17,), (5,)), ((9, 10), (13, 4)), ((5, 6, 7), (8, 3, 9)), ((3, 4, 5, 6), (5, 6, 2, 9))):
        x = make(shape, np.float32, rng)
        for aa in (False, True):
            lin = resize(x, outs, mode="linear", antialias=aa)
            assert same(resize(x, outs, mode="bilinear", antialias=aa), lin) is None
            assert same(resize(x, outs, mode="trilinear", antialias=aa), lin) is None
            cub = resize(x, outs, mode="cubic", antialias=aa)
            assert same(resize(x, outs, mode="bicubic", antialias=aa), cub) is None


def test_default_axes_and_scalar_targets():
    rng = np.random.default_rng(2)
    x = make((3, 8, 10, 12), np.float64, rng)
    # a sequence applies to the last len(shape) axes
    assert same(resize(x, (5, 6)), resize(x, (5, 6), axes=(2, 3))) is None
    assert same(resize(x, scale=(0.5, 2.0)), resize(x, scale=(0.5, 2.0), axes=(2, 3))) is None
    # a scalar applies to every axis (or to the given axes)
    assert resize(x, 4).shape == (4, 4, 4, 4)
    assert resize(x, scale=2).shape == (6, 16, 20, 24)
    assert resize(x, 5, axes=1).shape == (3, 5, 10, 12)
    assert same(resize(x, 5, axes=1), resize(x, (5,), axes=(1,))) is None
    assert same(resize(x, scale=1.5, axes=(1, 3)), resize(x, scale=(1.5, 1.5), axes=(3, 1))) is None
    # numpy integers / arrays as targets and axes
    assert same(resize(x, np.array([5, 6]), axes=np.array([1, 2])), resize(x, (5, 6), axes=(1, 2))) is None
    assert same(resize(x, (np.int64(5), np.int32(6)), axes=[1, 2]), resize(x, (5, 6), axes=(1, 2))) is None
    # array-likes
    assert same(resize(x.tolist(), (5, 6)), resize(x, (5, 6))) is None


def test_scale_semantics_follow_interpolate():
    """Output length trunc(n * scale) and coordinate scale 1/scale (spec §1.3, F6/F7), unless
    recompute_scale (then in/out)."""
    x = np.arange(3.0)
    np.testing.assert_allclose(resize(x, scale=1.7), [0, 0.382353, 0.970588, 1.558824, 2], atol=1e-6)
    np.testing.assert_allclose(resize(x, scale=1.7, recompute_scale=True), [0, 0.4, 1, 1.6, 2], atol=1e-12)
    assert resize(np.zeros(100), scale=0.29).shape == (28,)
    assert resize(np.zeros(100), scale=0.29, mode="area").shape == (28,)
    # out == 1 samples the centre (F4)
    assert resize(np.arange(4.0), 1).tolist() == [1.5]
    assert resize(np.arange(4.0), 1, align_corners=True).tolist() == [0.0]
    assert resize(np.arange(4.0), 1, mode="nearest-exact").tolist() == [2.0]


def test_empty_and_area_zero():
    assert resize(np.zeros((0, 5, 6)), (3, 4), axes=(1, 2)).shape == (0, 3, 4)
    assert resize(np.zeros((2, 5, 6), np.float32), (0, 4), axes=(1, 2), mode="area").shape == (2, 0, 4)
    assert resize(np.zeros((2, 5, 6)), scale=(0.1, 1.0), axes=(1, 2), mode="area").shape == (2, 0, 6)


# ---------------------------------------------------------------------------------------------
# 4. against torch (live stock build, and the DEFAULT build in a subprocess)
# ---------------------------------------------------------------------------------------------

# (base shape, transpose giving the logical array, resize axes, torch mode, torch kwargs, dtype)
TORCH_CASES = [
    ("HWC-bilinear-aa", (37, 53, 3), (0, 1), "bilinear", dict(size=(17, 29), antialias=True), "float32"),
    ("HWC-bilinear-aa-up", (13, 11, 3), (0, 1), "bilinear", dict(scale_factor=(2.5, 1.7), antialias=True), "float32"),
    ("HWC-bicubic-aa", (37, 53, 4), (0, 1), "bicubic", dict(size=(80, 21), antialias=True), "float64"),
    ("HWC-bicubic-aa-f32", (40, 30, 3), (0, 1), "bicubic", dict(scale_factor=(0.3, 0.45), antialias=True), "float32"),
    ("HWC-lanczos-f64", (33, 47, 2), (0, 1), "lanczos", dict(size=(14, 60), antialias=True), "float64"),
    ("HWC-lanczos-f32", (33, 47, 3), (0, 1), "lanczos", dict(size=(14, 20), antialias=True), "float32"),
    ("HWC-bilinear-aa-u8", (32, 40, 3), (0, 1), "bilinear", dict(size=(15, 21), antialias=True), "uint8"),
    ("HWC-bilinear-small", (40, 30, 5), (0, 1), "bilinear", dict(size=(20, 12)), "float32"),
    ("HWC-bicubic-align", (25, 31, 3), (0, 1), "bicubic", dict(size=(50, 62), align_corners=True), "float32"),
    ("NCHW-bilinear-generic", (2, 3, 50, 60), (2, 3), "bilinear", dict(size=(90, 70)), "float32"),
    ("NCHW-bicubic-aa-sf", (2, 3, 50, 60), (2, 3), "bicubic", dict(scale_factor=0.37, antialias=True), "float64"),
    ("ZYX-trilinear", (9, 10, 11), (0, 1, 2), "trilinear", dict(size=(13, 7, 16)), "float32"),
    ("TZYXC-trilinear-cl", (2, 5, 6, 7, 4), (1, 2, 3), "trilinear", dict(scale_factor=(1.5, 0.7, 2.0)), "float32"),
    ("ZYX-area", (9, 10, 11), (0, 1, 2), "area", dict(size=(4, 5, 3)), "float32"),
    ("W-linear", (29,), (0,), "linear", dict(size=(71,)), "float64"),
    ("HWC-nearest", (23, 31, 3), (0, 1), "nearest", dict(scale_factor=(1.7, 0.6)), "float32"),
    ("TZYXC-nearest-exact", (2, 5, 6, 7, 4), (1, 2, 3), "nearest-exact", dict(size=(9, 3, 11)), "float64"),
]
_RESIZE_KIND = {"bilinear": "linear", "trilinear": "linear", "linear": "linear", "bicubic": "cubic"}


def _torch_case_input(case):
    name, shape, axes, tmode, kw, dtype = case
    rng = np.random.default_rng(sum(shape) + len(name))
    x = make(shape, dtype, rng)
    if dtype != "uint8":
        x = x * 3 + 1
    return x


def _resize_call(case, x):
    name, shape, axes, tmode, kw, dtype = case
    rk = dict(mode=_RESIZE_KIND.get(tmode, tmode), antialias=kw.get("antialias", False),
              align_corners=kw.get("align_corners", False))
    if "size" in kw:
        rk["shape"] = kw["size"]
    else:
        sf = kw["scale_factor"]
        rk["scale"] = sf if isinstance(sf, tuple) else (sf,) * len(axes)
    return resize(x, axes=axes, **rk)


def _torch_case_view(case, x):
    """The (N, C, *axes) view (a NumPy view: torch.from_numpy keeps its strides) and how to
    move torch's result back."""
    name, shape, axes, tmode, kw, dtype = case
    v, others, sorted_axes, lead = nc_view(x, axes)
    return v, others, sorted_axes, lead


def _case_obj(case, v):
    name, shape, axes, tmode, kw, dtype = case
    return C.Case(mode=tmode, dtype=dtype, shape=tuple(v.shape), size=kw.get("size"),
                  scale=kw.get("scale_factor"), align=kw.get("align_corners"),
                  antialias=kw.get("antialias", False))


@pytest.mark.parametrize("case", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_vs_live_torch(case, torch_interpolate):
    """Any-axes resize vs stock torch on the same (N, C, *axes) view, within the tolerance of
    test_values.py (cases.live_tolerance: nearest/area exact, float modes spec §3.4 + fused
    arithmetic; float32 lanczos adds torch's sinf term)."""
    name, shape, axes, tmode, kw, dtype = case
    x = _torch_case_input(case)
    got = _resize_call(case, x)
    v, others, sorted_axes, lead = _torch_case_view(case, x)
    expected = torch_interpolate(v, mode=tmode, **kw)
    expected = np.moveaxis(expected.reshape(tuple(lead) + expected.shape[2:]),
                           list(range(len(others), x.ndim)), sorted_axes)
    c = _case_obj(case, v)
    assert not c.torch_defect
    # uint8 is fixed point, identical across torch builds (spec §2.7): exact
    atol, rtol = (0.0, 0.0) if dtype == "uint8" else C.live_tolerance(c, v)
    msg = C.compare(got, np.ascontiguousarray(expected), atol, rtol)
    assert msg is None, "%s vs live torch: %s" % (name, msg)


_DEFAULT_WORKER = r"""
import json, sys
import numpy as np
import torch, torch.nn.functional as F
torch.set_num_threads(2)
assert torch.backends.cpu.get_cpu_capability() == "DEFAULT", torch.backends.cpu.get_cpu_capability()
spec = json.load(open(sys.argv[1]))
data = np.load(sys.argv[2])
out = {}
for i, c in enumerate(spec):
    base = data["x%d" % i]
    x = torch.from_numpy(base).permute(*c["perm"])
    kw = dict(c["kw"])
    for k in ("size", "scale_factor"):
        if isinstance(kw.get(k), list):
            kw[k] = tuple(kw[k])
    out["y%d" % i] = F.interpolate(x, mode=c["mode"], **kw).contiguous().numpy()
np.savez(sys.argv[3], **out)
"""


def test_vs_torch_default_build(torch_module, tmp_path):
    """Bit for bit against torch's DEFAULT build (ATEN_CPU_CAPABILITY=default), the build whose
    evaluation order interpolate reproduces -- so the any-axes results are PyTorch's results
    exactly (nearest-exact follows the stock build, spec §6 F3, and float32 lanczos uses torch's
    sinf, spec §2.8: those two keep their documented tolerance)."""
    spec, arrays, views = [], {}, []
    for i, case in enumerate(TORCH_CASES):
        name, shape, axes, tmode, kw, dtype = case
        x = _torch_case_input(case)
        v, others, sorted_axes, lead = _torch_case_view(case, x)
        # ship the view's memory in its own order, plus the permutation that recreates its strides
        perm = tuple(int(p) for p in np.argsort(np.argsort([-s for s in v.strides], kind="stable")))
        base = np.ascontiguousarray(v.transpose(np.argsort([-s for s in v.strides], kind="stable")))
        assert np.array_equal(base.transpose(perm), v)
        arrays["x%d" % i] = base
        spec.append(dict(mode=tmode, kw=kw, perm=list(perm)))
        views.append((x, v, others, sorted_axes, lead))
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    np.savez(tmp_path / "in.npz", **arrays)
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default", OMP_NUM_THREADS="2")
    subprocess.run([sys.executable, "-c", _DEFAULT_WORKER, str(tmp_path / "spec.json"),
                    str(tmp_path / "in.npz"), str(tmp_path / "out.npz")], env=env, check=True, timeout=120)
    with np.load(tmp_path / "out.npz") as z:
        for i, case in enumerate(TORCH_CASES):
            name, shape, axes, tmode, kw, dtype = case
            x, v, others, sorted_axes, lead = views[i]
            expected = z["y%d" % i]
            expected = np.moveaxis(expected.reshape(tuple(lead) + expected.shape[2:]),
                                   list(range(len(others), x.ndim)), sorted_axes)
            got = _resize_call(case, x)
            if tmode == "nearest-exact":
                continue          # index maps follow the stock build (checked by test_vs_live_torch)
            atol = C.golden_tolerance(_case_obj(case, v), v)[0] if tmode == "lanczos" else 0.0
            msg = C.compare(got, np.ascontiguousarray(expected), atol, 0.0)
            assert msg is None, "%s vs torch DEFAULT build: %s" % (name, msg)


# ---------------------------------------------------------------------------------------------
# 5. no copies of the input
# ---------------------------------------------------------------------------------------------

_COPY_FUNCS = ("ascontiguousarray", "asfortranarray", "copy", "array", "require")


class CopySpy:
    """Records calls of NumPy's copying functions that copied memory shared with ``watch``
    (the argument shares memory with it, the result does not). ``ndarray.copy`` and copies made
    in C cannot be patched: the tracemalloc bound of the tests catches those."""

    def __init__(self, monkeypatch, watch):
        self.calls = []
        for fname in _COPY_FUNCS:
            orig = getattr(np, fname)

            def spy(a, *args, __orig=orig, __name=fname, **kwargs):
                r = __orig(a, *args, **kwargs)
                if isinstance(a, np.ndarray) and np.shares_memory(a, watch) and \
                        isinstance(r, np.ndarray) and not np.shares_memory(r, watch):
                    self.calls.append((__name, a.shape))
                return r
            monkeypatch.setattr(np, fname, spy)


def _peak_extra_bytes(f):
    f()                                   # plans and executors cached: measure the steady state
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        r = f()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base, r


NO_COPY_CASES = {
    # name: (shape, axes, out sizes), all downscaling so that output + intermediates < input / 2
    "HWC": ((384, 256, 3), (0, 1), (96, 32)),
    "TZYXC": ((2, 16, 64, 128, 3), (1, 2, 3), (8, 32, 16)),
    "ZYX": ((32, 64, 128), (0, 1, 2), (16, 16, 16)),
    "HWC-fortran": ((384, 256, 3), (0, 1), (96, 32)),
    "NHWC-axes12": ((4, 128, 128, 3), (1, 2), (32, 16)),
}


LAYOUT_MODE_IDS = ["%s%s" % (k, "+aa" if a and k != "lanczos" else "") for k, a in LAYOUT_MODES]


@pytest.mark.parametrize("kind,aa", LAYOUT_MODES, ids=LAYOUT_MODE_IDS)
@pytest.mark.parametrize("name", sorted(NO_COPY_CASES))
def test_no_input_copy(name, kind, aa, monkeypatch):
    shape, axes, outs = NO_COPY_CASES[name]
    x = np.random.default_rng(0).random(shape, np.float32)
    if name.endswith("fortran"):
        x = np.asfortranarray(x)
    spy = CopySpy(monkeypatch, x)
    extra, y = _peak_extra_bytes(lambda: resize(x, outs, axes=axes, mode=kind, antialias=aa))
    assert spy.calls == [], "resize copied the input: %s" % spy.calls
    assert extra < x.nbytes // 2, "peak allocation %d bytes for a %d-byte input (output %d)" % (
        extra, x.nbytes, y.nbytes)
    monkeypatch.undo()
    tmode = interp_mode(kind, aa, len(axes))
    if tmode is not None:
        assert same(y, via_interpolate(x, axes, size=outs, mode=tmode, antialias=aa)) is None


def test_copy_detectors_detect_copies(monkeypatch):
    """The two detectors above do see a transpose copy (ndarray.copy included)."""
    x = np.random.default_rng(0).random((64, 32, 3), np.float32)
    spy = CopySpy(monkeypatch, x)
    np.ascontiguousarray(x.transpose(2, 0, 1))
    np.array(x[::2])
    np.asarray(x)                                     # no copy: not recorded
    assert [c[0] for c in spy.calls] == ["ascontiguousarray", "array"]
    monkeypatch.undo()
    extra, _ = _peak_extra_bytes(lambda: x.transpose(2, 0, 1).copy())
    assert extra >= x.nbytes


def _unmergeable(rng, dtype=np.float64):
    """(A, B, C, H, W) whose carried axes A, B cannot be merged into one strided axis."""
    base = make((3, 8, 5, 12, 10), dtype, rng)
    return base[:, :4]


def test_unmergeable_carried_axes_copy_once_and_give_right_values(monkeypatch):
    """The documented exception: more than two carried axes that no single stride can span are
    copied once (in the transposed order); the values are the per-slice interpolate results."""
    rng = np.random.default_rng(4)
    x = _unmergeable(rng)
    assert _merge_fails(x)
    for kind, aa in LAYOUT_MODES:
        spy = CopySpy(monkeypatch, x)
        y = resize(x, (7, 15), axes=(3, 4), mode=kind, antialias=aa)
        monkeypatch.undo()
        assert [c[0] for c in spy.calls] == ["ascontiguousarray"], spy.calls   # exactly one copy
        assert y.shape == (3, 4, 5, 7, 15)
        tmode = torch_name(kind, 2)
        for a in range(3):
            for b in range(4):
                exp = interpolate(np.ascontiguousarray(x[a, b])[None], size=(7, 15), mode=tmode, antialias=aa)[0]
                assert same(y[a, b], exp) is None, (kind, aa, a, b, same(y[a, b], exp))
    # the carried axes in another position (H, A, W, B, C) and a non-mergeable out=
    xt = np.moveaxis(x, (3, 4), (0, 2))
    out_base = np.zeros((7, 3, 15, 8, 5))
    out = out_base[:, :, :, :4]
    r = resize(xt, (7, 15), axes=(0, 2), mode="cubic", out=out)
    assert r is out
    np.testing.assert_array_equal(np.moveaxis(out, (0, 2), (3, 4)), resize(x, (7, 15), axes=(3, 4), mode="cubic"))
    assert not out_base[:, :, :, 4:].any()


def _merge_fails(x):
    v = x.transpose(0, 1, 2, 3, 4)[:, :, 0, 0, 0].view()
    try:
        v.shape = (v.shape[0] * v.shape[1],)
    except AttributeError:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# 6. out=
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,aa", [("linear", False), ("cubic", True), ("nearest", False), ("area", False),
                                     ("lanczos", True)])
def test_out(kind, aa):
    rng = np.random.default_rng(5)
    x = make((21, 17, 3), np.float32, rng)
    expected = resize(x, (9, 30), axes=(0, 1), mode=kind, antialias=aa)
    for out in (np.empty((9, 30, 3), np.float32), np.empty((9, 30, 3), np.float32, order="F"),
                np.zeros((9, 60, 3), np.float32)[:, ::2], np.zeros((3, 9, 30), np.float32).transpose(1, 2, 0)):
        r = resize(x, (9, 30), axes=(0, 1), mode=kind, antialias=aa, out=out)
        assert r is out
        assert same(out, expected) is None
    # an out= that is the input itself (same-size nearest), and one overlapping it reversed
    y = make((12, 10, 2), np.float64, rng)
    expected = resize(y, (12, 10), axes=(0, 1), mode="nearest")
    r = resize(y, (12, 10), axes=(0, 1), mode="nearest", out=y)
    assert r is y and same(y, expected) is None
    z = make((12, 10, 2), np.float64, rng)
    expected = resize(z[::-1], scale=(1.0, 1.0), axes=(0, 1), mode="cubic")
    resize(z[::-1], scale=(1.0, 1.0), axes=(0, 1), mode="cubic", out=z)
    assert same(z, expected) is None


# ---------------------------------------------------------------------------------------------
# 7. errors
# ---------------------------------------------------------------------------------------------

X4 = np.zeros((4, 5, 6, 7))

ERRORS = [
    # (id, call, exception)
    ("axis-out-of-bounds", lambda: resize(X4, (3, 3), axes=(0, 4)), ValueError),
    ("negative-axis-out-of-bounds", lambda: resize(X4, (3, 3), axes=(-5, 1)), ValueError),
    ("repeated-axis", lambda: resize(X4, (3, 3), axes=(1, 1)), ValueError),
    ("repeated-axis-negative", lambda: resize(X4, (3, 3), axes=(3, -1)), ValueError),
    ("axes-float", lambda: resize(X4, (3, 3), axes=(0, 1.0)), TypeError),
    ("axes-str", lambda: resize(X4, (3, 3), axes="01"), TypeError),
    ("axes-empty", lambda: resize(X4, (), axes=()), ValueError),
    ("shape-longer-than-axes", lambda: resize(X4, (3, 3, 3), axes=(0, 1)), ValueError),
    ("shape-shorter-than-axes", lambda: resize(X4, (3,), axes=(0, 1)), ValueError),
    ("scale-length-mismatch", lambda: resize(X4, scale=(2, 2, 2), axes=(0, 1)), ValueError),
    ("more-sizes-than-rank", lambda: resize(X4, (3, 3, 3, 3, 3)), ValueError),
    ("mode-unknown", lambda: resize(X4, (3, 3), mode="bogus"), ValueError),
    ("mode-case", lambda: resize(X4, (3, 3), mode="Linear"), ValueError),
    ("mode-none", lambda: resize(X4, (3, 3), mode=None), (ValueError, TypeError)),
    ("mode-int", lambda: resize(X4, (3, 3), mode=1), (ValueError, TypeError)),
    ("align-nearest", lambda: resize(X4, (3, 3), mode="nearest", align_corners=True), ValueError),
    ("align-nearest-exact", lambda: resize(X4, (3, 3), mode="nearest-exact", align_corners=True), ValueError),
    ("align-area", lambda: resize(X4, (3, 3), mode="area", align_corners=True), ValueError),
    ("align-lanczos", lambda: resize(X4, (3, 3), mode="lanczos", align_corners=True), ValueError),
    ("antialias-nearest", lambda: resize(X4, (3, 3), mode="nearest", antialias=True), ValueError),
    ("antialias-nearest-exact", lambda: resize(X4, (3, 3), mode="nearest-exact", antialias=True), ValueError),
    ("antialias-area", lambda: resize(X4, (3, 3), mode="area", antialias=True), ValueError),
    ("area-4-axes", lambda: resize(X4, (3, 3, 3, 3), mode="area"), ValueError),
    ("area-4-axes-scale", lambda: resize(X4, scale=0.5, mode="area"), ValueError),
    ("shape-zero", lambda: resize(X4, (0, 3)), ValueError),
    ("shape-negative", lambda: resize(X4, (-2, 3)), ValueError),
    ("shape-negative-area", lambda: resize(X4, (-2, 3), mode="area"), ValueError),
    ("scale-zero", lambda: resize(X4, scale=(0, 1)), ValueError),
    ("scale-negative", lambda: resize(X4, scale=(-1.5, 1)), ValueError),
    ("scale-nan", lambda: resize(X4, scale=(float("nan"), 1)), ValueError),
    ("scale-inf", lambda: resize(X4, scale=(float("inf"), 1)), ValueError),
    ("scale-to-zero-length", lambda: resize(X4, scale=(0.1, 1)), ValueError),
    ("shape-float", lambda: resize(X4, (3.0, 3)), TypeError),
    ("shape-bool", lambda: resize(X4, (True, 3)), TypeError),
    ("scale-str", lambda: resize(X4, scale=("2", 3)), TypeError),
    ("shape-and-scale", lambda: resize(X4, (3, 3), scale=2), ValueError),
    ("neither-shape-nor-scale", lambda: resize(X4), ValueError),
    ("zero-d-array", lambda: resize(np.float64(3.0), 3), ValueError),
    ("zero-length-axis", lambda: resize(np.zeros((4, 0, 6)), (3, 3), axes=(1, 2)), ValueError),
    ("zero-length-axis-area", lambda: resize(np.zeros((4, 0, 6)), (3, 3), axes=(1, 2), mode="area"), ValueError),
    ("out-shape", lambda: resize(X4, (3, 3), out=np.empty((4, 5, 3, 4))), ValueError),
    ("out-dtype", lambda: resize(X4, (3, 3), out=np.empty((4, 5, 3, 3), np.float32)), TypeError),
    ("out-not-array", lambda: resize(X4, (3, 3), out=[[0.0]]), TypeError),
]


def _readonly_out():
    out = np.empty((4, 5, 3, 3))
    out.flags.writeable = False
    return resize(X4, (3, 3), out=out)


ERRORS.append(("out-read-only", _readonly_out, ValueError))


@pytest.mark.parametrize("call,exc", [(c, e) for _, c, e in ERRORS], ids=[i for i, _, _ in ERRORS])
def test_errors(call, exc):
    with pytest.raises(exc):
        call()


def test_errors_leave_out_untouched():
    out = np.full((4, 5, 3, 3), 7.0)
    with pytest.raises(ValueError):
        resize(X4, (3, 3), mode="nearest", antialias=True, out=out)
    assert (out == 7.0).all()
