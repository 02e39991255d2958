"""cyresample.interpolate_adjoint: the transpose of interpolate's linear operator (issue 7).

Oracles:

* the dot-product test ``<A x, y> == <x, A^T y>`` (no torch): every mode, float32/float64,
  size / scale_factor / recompute, align_corners, antialias, odd sizes, up and down, 1-pixel
  inputs and outputs, to rounding (bound: ``K eps * sum |x| |A|^T |y|``);
* the package's own forward operator materialised column by column (interpolate applied to a
  batch of unit vectors, float64): the adjoint is its exact transpose, whatever float quirk
  (spec §2.0 ``floorf``, ``1/scale_factor``) the forward reproduces;
* the independent dense float64 oracle ``tests/reference.py``: ``M^T g`` (no torch);
* torch.autograd of ``F.interpolate`` w.r.t. its input (with torch), within
  ``(K_COORD spacing_T(n) + K_ARITH eps_T) * (|A|^T |g|)`` -- the live tolerance of
  tests/cases.py applied to the gradient's magnitude; <= 1.2e-13 relative in float64.

torch's backward is not always the transpose of torch's forward (found here, see
``test_torch_backward_is_not_the_transpose_of_its_forward``): its nearest backward always
uses the ``out == in`` / ``out == 2 in`` index shortcuts that its generic forward kernel does
not (spec §2.1, §6 F2), and its antialias backward resamples an axis whose size does not change
while the forward skips it (spec §2.6). There the adjoint follows the forward (it passes the
dot-product test; torch's gradient does not), and those cases are compared with the forward's
transpose instead of torch. Conversely, on torch's width-1 antialias defect (spec §7) torch's
*forward* is wrong and its gradient right: the adjoint equals torch's gradient there.
"""
import contextlib
import io
import os
import runpy

import numpy as np
import pytest

import cases as C
import reference as R
import cyresample
from cyresample import interpolate, interpolate_adjoint

# (id, torch mode, number of spatial axes, antialias)
FAMILIES = [
    ("nearest-1d", "nearest", 1, False), ("nearest-2d", "nearest", 2, False), ("nearest-3d", "nearest", 3, False),
    ("nearest-exact-1d", "nearest-exact", 1, False), ("nearest-exact-2d", "nearest-exact", 2, False),
    ("nearest-exact-3d", "nearest-exact", 3, False),
    ("linear", "linear", 1, False), ("bilinear", "bilinear", 2, False), ("bicubic", "bicubic", 2, False),
    ("trilinear", "trilinear", 3, False),
    ("area-1d", "area", 1, False), ("area-2d", "area", 2, False), ("area-3d", "area", 3, False),
    ("bilinear-aa", "bilinear", 2, True), ("bicubic-aa", "bicubic", 2, True), ("lanczos", "lanczos", 2, True),
]
FAMILY_IDS = [f[0] for f in FAMILIES]
DTYPES = ["float32", "float64"]


def random_call(rng, mode, nd, aa, hi=12, lo_in=1):
    """A valid forward call: (x shape, kwargs, out spatial sizes)."""
    while True:
        ins = tuple(int(v) for v in rng.integers(lo_in, hi, nd))
        kw = dict(mode=mode)
        r = rng.random()
        if r < 0.45:
            kw["size"] = tuple(int(v) for v in rng.integers(1, hi + 3, nd))
        elif r < 0.55:
            kw["size"] = int(rng.integers(1, hi + 3))                       # scalar size
        else:
            sf = tuple(float(v) for v in np.round(rng.uniform(0.3, 2.7, nd), 3))
            kw["scale_factor"] = sf if rng.random() < 0.8 else sf[0]
            if mode != "area" and rng.random() < 0.3:
                kw["recompute_scale_factor"] = True
        if mode in ("linear", "bilinear", "bicubic", "trilinear") and rng.random() < 0.35:
            kw["align_corners"] = True
        if aa:
            kw["antialias"] = True
        outs, _ = R.output_sizes(ins, kw.get("size"), kw.get("scale_factor"), mode,
                                 kw.get("recompute_scale_factor"))
        if min(outs) >= 1:
            N, Cn = int(rng.integers(1, 3)), int(rng.integers(1, 4))
            return (N, Cn) + ins, kw, outs


def make(shape, dtype, rng):
    return rng.standard_normal(shape).astype(dtype)


def ref_matrices(shape, kw, outs):
    """Per-axis reference matrices of the call (float64) and the output mask (False where a
    nearest index is ambiguous: both neighbours are acceptable there)."""
    mode = kw["mode"]
    ins = shape[2:]
    _, scales = R.output_sizes(ins, kw.get("size"), kw.get("scale_factor"), mode, kw.get("recompute_scale_factor"))
    aa = bool(kw.get("antialias")) or mode == "lanczos"
    mats = []
    mask = np.ones(tuple(shape[:2]) + tuple(outs), bool)
    for d in range(len(ins)):
        M, amb = R.axis_matrix(mode, ins[d], outs[d], bool(kw.get("align_corners")), scales[d], aa)
        mats.append(M)
        sel = [slice(None)] * mask.ndim
        sel[2 + d] = amb
        mask[tuple(sel)] = False
    return mats, mask


def apply_T(mats, g):
    """``(M_1 ⊗ ... ⊗ M_k)^T g`` on the trailing axes of g (float64)."""
    y = np.asarray(g, np.float64)
    for d, M in enumerate(mats):
        ax = 2 + d
        y = np.moveaxis(np.moveaxis(y, ax, -1) @ M, -1, ax)
    return y


def magnitude(mats, g):
    """``|A|^T |g|``: the size of the sums an adjoint element accumulates."""
    return apply_T([np.abs(M) for M in mats], np.abs(g))


def coord_tolerance(dtype, n):
    """Per unit of magnitude: the live-torch tolerance of tests/cases.py (spec §3.4 coordinate
    term + fused arithmetic)."""
    t = np.dtype(dtype).type
    return C.K_COORD * float(np.spacing(t(n))) + C.K_ARITH * float(np.finfo(t).eps)


def dot_check(x, y, g, a, mats, dtype):
    """(|<A x, g> - <x, A^T g>|, bound)."""
    lhs = float(np.sum(y.astype(np.float64) * g.astype(np.float64)))
    rhs = float(np.sum(x.astype(np.float64) * a.astype(np.float64)))
    scale = float(np.sum(np.abs(x.astype(np.float64)) * magnitude(mats, g)))
    return abs(lhs - rhs), 64 * float(np.finfo(dtype).eps) * scale + 1e-300


# ---------------------------------------------------------------------------------------------
# the dot-product test and the exact transpose (no torch)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fid,mode,nd,aa", FAMILIES, ids=FAMILY_IDS)
def test_dot_product(fid, mode, nd, aa, dtype):
    rng = np.random.default_rng([FAMILY_IDS.index(fid), DTYPES.index(dtype), 1])
    for trial in range(14):
        shape, kw, outs = random_call(rng, mode, nd, aa, hi=6 if nd == 3 else 16)
        x = make(shape, dtype, rng)
        y = interpolate(x, **kw)
        g = make(y.shape, dtype, rng)
        a = interpolate_adjoint(g, x.shape, **kw)
        assert a.shape == x.shape and a.dtype == np.dtype(dtype)
        mats, _ = ref_matrices(shape, kw, outs)
        err, bound = dot_check(x, y, g, a, mats, dtype)
        assert err <= bound, "trial %d %s %s: |<Ax,y> - <x,A'y>| = %.3g > %.3g" % (trial, shape, kw, err, bound)


ONE_PIXEL = [((1,), (1,)), ((1,), (7,)), ((7,), (1,)), ((1, 1), (1, 1)), ((1, 5), (6, 1)), ((5, 1), (1, 4)),
             ((1, 1, 1), (3, 1, 2)), ((2, 1, 3), (1, 1, 1))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fid,mode,nd,aa", FAMILIES, ids=FAMILY_IDS)
def test_one_pixel_inputs_and_outputs(fid, mode, nd, aa, dtype):
    rng = np.random.default_rng(FAMILY_IDS.index(fid))
    for ins, outs in ONE_PIXEL:
        if len(ins) != nd:
            continue
        for align in ((None, True) if mode in ("linear", "bilinear", "bicubic", "trilinear") else (None,)):
            kw = dict(mode=mode, size=outs, align_corners=align, antialias=aa)
            x = make((2, 2) + ins, dtype, rng)
            y = interpolate(x, **kw)
            g = make(y.shape, dtype, rng)
            a = interpolate_adjoint(g, x.shape, **kw)
            mats, mask = ref_matrices(x.shape, kw, outs)
            err, bound = dot_check(x, y, g, a, mats, dtype)
            assert err <= bound, (ins, outs, align)
            if mask.all():
                exp = apply_T(mats, g)
                tol = coord_tolerance(dtype, max(ins + outs)) * magnitude(mats, g).max()
                np.testing.assert_allclose(a, exp, rtol=0, atol=tol, err_msg=str((ins, outs, align)))


def forward_matrix(in_sizes, kw):
    """interpolate's operator as a dense (prod out, prod in) float64 matrix: unit vectors batched."""
    n = int(np.prod(in_sizes))
    e = np.eye(n).reshape((n, 1) + tuple(in_sizes))
    cols = interpolate(e, **kw)                       # (n, 1, *out)
    return cols.reshape(n, -1).T


@pytest.mark.parametrize("fid,mode,nd,aa", FAMILIES, ids=FAMILY_IDS)
def test_exact_transpose_of_the_forward(fid, mode, nd, aa):
    """float64: the adjoint is the transpose of the operator interpolate applies (materialised
    from unit vectors), to rounding -- including cases where the forward's float quirks move an
    index away from exact math (float32 floorf, 1/scale_factor, user scales at out == in)."""
    rng = np.random.default_rng([FAMILY_IDS.index(fid), 7])
    for trial in range(8):
        shape, kw, outs = random_call(rng, mode, nd, aa, hi=5 if nd == 3 else (9 if nd == 2 else 30))
        A = forward_matrix(shape[2:], kw)
        g = make((2, 1) + tuple(outs), np.float64, rng)
        a = interpolate_adjoint(g, (2, 1) + shape[2:], **kw)
        exp = (g.reshape(2, -1) @ A).reshape(a.shape)
        scale = (np.abs(g.reshape(2, -1)) @ np.abs(A)).max()
        np.testing.assert_allclose(a, exp, rtol=0, atol=32 * np.finfo(np.float64).eps * scale,
                                   err_msg="%s %s" % (shape, kw))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fid,mode,nd,aa", FAMILIES, ids=FAMILY_IDS)
def test_vs_dense_reference_transpose(fid, mode, nd, aa, dtype):
    """Against the independent oracle: ``M^T g``, within the oracle's coordinate tolerance per unit
    of ``|M|^T |g|``. Outputs with an ambiguous nearest index (an exact source coordinate within
    a hair of an integer, where one float rounding decides) get a zero gradient."""
    rng = np.random.default_rng([FAMILY_IDS.index(fid), DTYPES.index(dtype), 2])
    compared = 0
    for trial in range(12):
        shape, kw, outs = random_call(rng, mode, nd, aa, hi=6 if nd == 3 else 16)
        mats, mask = ref_matrices(shape, kw, outs)
        g = make(shape[:2] + tuple(outs), dtype, rng) * mask
        if not mask[:, :, ...].any():
            continue
        a = interpolate_adjoint(g, shape, **kw)
        exp = apply_T(mats, g)
        n = max(list(shape[2:]) + list(outs))
        tol = (16 * float(np.spacing(np.float32(n))) + 64 * float(np.finfo(dtype).eps)) * magnitude(mats, g).max()
        err = np.abs(a.astype(np.float64) - exp).max()
        assert err <= tol, "trial %d %s %s: max err %.3g > %.3g" % (trial, shape, kw, err, tol)
        compared += 1
    # integer-factor nearest coordinates are all 'ambiguous' to the oracle (exact integers); the
    # forward-transpose test above checks those exactly
    assert compared >= (3 if mode == "nearest" else 10)


# ---------------------------------------------------------------------------------------------
# torch.autograd
# ---------------------------------------------------------------------------------------------

def _torch_forward_and_grad(torch, x, g, kw):
    import torch.nn.functional as F
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    y = F.interpolate(t, **kw)
    y.backward(torch.from_numpy(g))
    return y.detach().numpy(), t.grad.numpy()


def torch_backward_may_differ(mode, aa, ins, outs, kw):
    """Where torch's gradient may not be the transpose of its forward (see module docstring): a
    user scale reaching the kernel and, for nearest, an axis with out == in or out == 2 in; for
    antialias, an axis whose size does not change although the scale is not 1."""
    sf = kw.get("scale_factor")
    if sf is None or kw.get("recompute_scale_factor"):
        return False
    sf = sf if isinstance(sf, tuple) else (sf,) * len(ins)
    if mode == "nearest":
        return any(o in (i, 2 * i) for i, o in zip(ins, outs))
    if mode == "bicubic" and not aa:          # backward copies when no size changes; forward resamples (F5)
        return all(o == i for i, o in zip(ins, outs)) and any(s != 1.0 for s in sf)
    if aa or mode == "lanczos":
        return any(o == i and s != 1.0 for i, o, s in zip(ins, outs, sf))
    return False


def torch_width1_defect(aa, ins, outs):
    return aa and len(ins) == 2 and outs[1] == 1 and outs[0] != ins[0] and outs[0] > 1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fid,mode,nd,aa", FAMILIES, ids=FAMILY_IDS)
def test_vs_torch_autograd(fid, mode, nd, aa, dtype, torch_module):
    rng = np.random.default_rng([FAMILY_IDS.index(fid), DTYPES.index(dtype), 3])
    compared = 0
    for trial in range(12):
        big = trial % 4 == 3
        hi = (10 if nd == 3 else (40 if nd == 2 else 150)) if big else (6 if nd == 3 else 13)
        shape, kw, outs = random_call(rng, mode, nd, aa, hi=hi)
        x = make(shape, dtype, rng)
        y = interpolate(x, **kw)
        g = make(y.shape, dtype, rng)
        a = interpolate_adjoint(g, x.shape, **kw)
        yt, b = _torch_forward_and_grad(torch_module, x, g, kw)
        mats, _ = ref_matrices(shape, kw, outs)
        ins = shape[2:]
        t_err = abs(float(np.sum(yt.astype(np.float64) * g)) - float(np.sum(x.astype(np.float64) * b)))
        t_bound = 1e-4 * float(np.sum(np.abs(x.astype(np.float64)) * magnitude(mats, g))) + 1e-30
        if t_err > t_bound and not torch_width1_defect(aa, ins, outs):
            # torch's gradient is not the transpose of torch's forward: only in the known cases
            assert torch_backward_may_differ(mode, aa, ins, outs, kw), (
                "torch's gradient fails its own dot-product test outside the known cases: %s %s" % (shape, kw))
            err, bound = dot_check(x, y, g, a, mats, dtype)
            assert err <= bound
            continue
        tol = coord_tolerance(dtype, max(list(ins) + list(outs))) * magnitude(mats, g).max()
        err = np.abs(a.astype(np.float64) - b).max()
        assert err <= tol, "trial %d %s %s: max |adjoint - torch grad| %.3g > %.3g" % (trial, shape, kw, err, tol)
        compared += 1
    assert compared >= 6


def _dot_residual(y, g, x, a):
    return abs(float(np.sum(y * g)) - float(np.sum(x * a)))


@pytest.mark.parametrize("shape,kw", [
    ((1, 1, 10), dict(mode="nearest", scale_factor=1.085)),                       # out == in
    ((1, 1, 10), dict(mode="nearest", scale_factor=2.067)),                       # out == 2 in
    ((1, 1, 4, 9), dict(mode="bilinear", scale_factor=(1.006, 1.374), antialias=True)),   # H kept
    ((1, 1, 3, 10), dict(mode="lanczos", scale_factor=(1.281, 1.059), antialias=True)),   # both kept
    ((1, 1, 10, 4), dict(mode="bicubic", scale_factor=(1.033, 2.303), antialias=True)),
    ((1, 1, 3, 9), dict(mode="bicubic", scale_factor=1.058)),                       # no size changes
], ids=["nearest-out=in", "nearest-out=2in", "bilinear-aa-H-kept", "lanczos-both-kept", "bicubic-aa-H-kept",
        "bicubic-same-size"])
def test_torch_backward_is_not_the_transpose_of_its_forward(shape, kw, torch_module):
    """torch 2.13 defect (reported to the lead): in these calls torch's gradient fails torch's own
    dot-product test by O(1), while the forwards agree bit for bit with cyresample's. The
    adjoint follows the forward (it is its transpose, to rounding)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    y = interpolate(x, **kw)
    g = rng.standard_normal(y.shape)
    yt, b = _torch_forward_and_grad(torch_module, x, g, kw)
    np.testing.assert_allclose(y, yt, rtol=0, atol=1e-14)
    a = interpolate_adjoint(g, x.shape, **kw)
    assert _dot_residual(y, g, x, a) < 1e-12
    assert _dot_residual(yt, g, x, b) > 1e-3
    A = forward_matrix(shape[2:], kw)
    np.testing.assert_allclose(a.ravel(), A.T @ g.ravel(), rtol=0, atol=1e-14)


def test_width1_antialias_defect_gradient(torch_module):
    """Spec §7: torch's antialias forward is wrong for output width 1 with a changed height, but
    its gradient is the transpose of the correct operator -- which is the adjoint's."""
    rng = np.random.default_rng(1)
    for mode in ("bilinear", "bicubic", "lanczos"):
        x = rng.standard_normal((1, 2, 7, 3))
        kw = dict(size=(12, 1), mode=mode, antialias=True)
        g = rng.standard_normal((1, 2, 12, 1))
        yt, b = _torch_forward_and_grad(torch_module, x, g, kw)
        a = interpolate_adjoint(g, x.shape, **kw)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)
        assert _dot_residual(interpolate(x, **kw), g, x, a) < 1e-12


# ---------------------------------------------------------------------------------------------
# determinism, out=, input_size forms, dtypes
# ---------------------------------------------------------------------------------------------

DET_CASES = [
    ("bilinear", (2, 4, 96, 96), dict(size=(200, 150))),
    ("bilinear-aa", (2, 4, 200, 190), dict(size=(61, 47), antialias=True)),
    ("bicubic", (2, 4, 80, 90), dict(scale_factor=(2.3, 1.7), align_corners=True)),
    ("lanczos", (2, 4, 150, 160), dict(size=(97, 240), antialias=True)),
    ("trilinear", (1, 3, 30, 40, 50), dict(size=(41, 21, 77))),
    ("nearest", (2, 4, 96, 96), dict(scale_factor=1.7)),
    ("nearest-exact", (1, 3, 30, 40, 50), dict(size=(17, 80, 33))),
    ("area", (2, 4, 200, 210), dict(size=(37, 90))),
    ("linear", (4, 8, 5000), dict(size=3100)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shape,kw", DET_CASES, ids=[c[0] for c in DET_CASES])
def test_deterministic_across_threads_and_calls(name, shape, kw, dtype):
    kw = dict(kw, mode=name.replace("-aa", ""))
    out_shape = interpolate(np.empty((1, 1) + shape[2:], np.float32)[:, :, ...], **kw).shape[2:]
    rng = np.random.default_rng(len(name))
    g = make(shape[:2] + out_shape, dtype, rng)
    with cyresample.threads(1):
        ref = interpolate_adjoint(g, shape, **kw)
    for n in (2, 3, 1, 2):
        with cyresample.threads(n):
            a = interpolate_adjoint(g, shape, **kw)
        assert np.array_equal(a, ref), "%d threads differ from 1 thread" % n
    assert np.array_equal(interpolate_adjoint(g, shape, **kw), ref)


@pytest.mark.parametrize("mode,kw", [("bilinear", dict(size=(9, 13))), ("bicubic", dict(scale_factor=2.0)),
                                     ("area", dict(size=(3, 4))), ("nearest", dict(size=(9, 13))),
                                     ("lanczos", dict(size=(4, 3), antialias=True))])
def test_out(mode, kw):
    rng = np.random.default_rng(2)
    shape = (2, 3, 7, 6)
    kw = dict(kw, mode=mode)
    g = make((2, 3) + interpolate(np.zeros(shape), **kw).shape[2:], np.float64, rng)
    expected = interpolate_adjoint(g, shape, **kw)
    for out in (np.empty(shape), np.empty(shape, order="F"), np.zeros((2, 3, 7, 12))[..., ::2],
                np.zeros((2, 7, 6, 3)).transpose(0, 3, 1, 2), np.full(shape, np.nan)):
        r = interpolate_adjoint(g, shape, out=out, **kw)
        assert r is out
        np.testing.assert_array_equal(out, expected)


def test_out_overlapping_grad():
    """``out`` sharing memory with grad_output (same-size operator): computed through a temporary."""
    rng = np.random.default_rng(3)
    g = make((1, 2, 9, 9), np.float64, rng)
    kw = dict(mode="bicubic", scale_factor=1.05)        # out == in, but the coordinates move
    expected = interpolate_adjoint(g.copy(), g.shape, **kw)
    r = interpolate_adjoint(g, g.shape, out=g, **kw)
    assert r is g
    np.testing.assert_array_equal(g, expected)


def test_input_size_forms():
    rng = np.random.default_rng(4)
    g = make((2, 3, 11, 5), np.float32, rng)
    kw = dict(mode="bilinear", size=(11, 5), antialias=True)
    full = interpolate_adjoint(g, (2, 3, 8, 9), **kw)
    for form in ((8, 9), [8, 9], np.array([8, 9]), (np.int64(8), np.int32(9)), [2, 3, 8, 9], np.array([2, 3, 8, 9])):
        np.testing.assert_array_equal(interpolate_adjoint(g, form, **kw), full)
    # rank 3 and 5
    g1 = make((1, 2, 17), np.float64, rng)
    np.testing.assert_array_equal(interpolate_adjoint(g1, (6,), size=17, mode="linear"),
                                  interpolate_adjoint(g1, (1, 2, 6), size=17, mode="linear"))
    g3 = make((1, 2, 4, 5, 6), np.float64, rng)
    np.testing.assert_array_equal(interpolate_adjoint(g3, (2, 3, 3), size=(4, 5, 6), mode="trilinear"),
                                  interpolate_adjoint(g3, (1, 2, 2, 3, 3), size=(4, 5, 6), mode="trilinear"))


def test_grad_output_array_like_and_strides():
    rng = np.random.default_rng(5)
    g = make((1, 2, 6, 8), np.float64, rng)
    kw = dict(mode="bicubic", size=(6, 8))
    expected = interpolate_adjoint(g, (1, 2, 3, 5), **kw)
    np.testing.assert_array_equal(interpolate_adjoint(g.tolist(), (1, 2, 3, 5), **kw), expected)
    np.testing.assert_array_equal(interpolate_adjoint(np.asfortranarray(g), (1, 2, 3, 5), **kw), expected)
    gcl = np.ascontiguousarray(g.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(interpolate_adjoint(gcl, (1, 2, 3, 5), **kw), expected)
    np.testing.assert_array_equal(interpolate_adjoint(g[:, :, ::-1][:, :, ::-1], (1, 2, 3, 5), **kw), expected)


def test_complex_is_per_component():
    rng = np.random.default_rng(6)
    re, im = make((1, 2, 9, 7), np.float64, rng), make((1, 2, 9, 7), np.float64, rng)
    kw = dict(mode="bilinear", size=(9, 7), antialias=True)
    z = interpolate_adjoint(re + 1j * im, (1, 2, 5, 12), **kw)
    assert z.dtype == np.complex128
    np.testing.assert_array_equal(z.real, interpolate_adjoint(re, (1, 2, 5, 12), **kw))
    np.testing.assert_array_equal(z.imag, interpolate_adjoint(im, (1, 2, 5, 12), **kw))


def test_float16_grad():
    rng = np.random.default_rng(7)
    g = make((1, 2, 10, 12), np.float32, rng)
    kw = dict(mode="bilinear", size=(10, 12))
    a16 = interpolate_adjoint(g.astype(np.float16), (1, 2, 7, 5), **kw)
    assert a16.dtype == np.float16
    a32 = interpolate_adjoint(g.astype(np.float16).astype(np.float32), (1, 2, 7, 5), **kw)
    np.testing.assert_allclose(a16.astype(np.float32), a32, rtol=2e-3, atol=2e-3)


def test_empty():
    a = interpolate_adjoint(np.zeros((0, 2, 4, 4)), (0, 2, 2, 2), size=(4, 4), mode="bilinear")
    assert a.shape == (0, 2, 2, 2)
    out = np.full((1, 2, 3, 5), 9.0)
    r = interpolate_adjoint(np.zeros((1, 2, 0, 2)), (1, 2, 3, 5), size=(0, 2), mode="area", out=out)
    assert r is out and (out == 0).all()


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------

G = np.ones((1, 2, 4, 4))
SIZES = dict(size=(4, 4))
ERRORS = [
    ("grad-shape-spatial", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(5, 4), mode="bilinear"), ValueError),
    ("grad-shape-batch", lambda: interpolate_adjoint(G, (2, 2, 2, 2), size=(4, 4), mode="bilinear"), ValueError),
    ("grad-shape-channels", lambda: interpolate_adjoint(G, (1, 3, 2, 2), size=(4, 4), mode="bilinear"), ValueError),
    ("grad-rank-2", lambda: interpolate_adjoint(np.ones((2, 4)), (2, 2), scale_factor=2, mode="bilinear"), ValueError),
    ("grad-int32", lambda: interpolate_adjoint(G.astype(np.int32), (1, 2, 2, 2), mode="bilinear", **SIZES), TypeError),
    ("grad-int64", lambda: interpolate_adjoint(G.astype(np.int64), (1, 2, 2, 2), mode="nearest", **SIZES), TypeError),
    ("grad-uint8", lambda: interpolate_adjoint(G.astype(np.uint8), (1, 2, 2, 2), mode="bilinear", **SIZES), TypeError),
    ("grad-uint8-aa", lambda: interpolate_adjoint(G.astype(np.uint8), (1, 2, 2, 2), size=(4, 4), mode="bilinear",
                                                   antialias=True), TypeError),
    ("grad-bool", lambda: interpolate_adjoint(G.astype(bool), (1, 2, 2, 2), size=(4, 4), mode="nearest"), TypeError),
    ("input-size-rank", lambda: interpolate_adjoint(G, (1, 2, 2), size=(4, 4), mode="bilinear"), ValueError),
    ("input-size-rank-5", lambda: interpolate_adjoint(G, (1, 2, 2, 2, 2), size=(4, 4), mode="bilinear"), ValueError),
    ("input-size-int", lambda: interpolate_adjoint(G, 5, size=(4, 4), mode="bilinear"), TypeError),
    ("input-size-none", lambda: interpolate_adjoint(G, None, size=(4, 4), mode="bilinear"), TypeError),
    ("input-size-negative", lambda: interpolate_adjoint(G, (1, 2, -2, 2), size=(4, 4), mode="bilinear"), ValueError),
    ("input-size-zero", lambda: interpolate_adjoint(G, (1, 2, 0, 2), size=(4, 4), mode="bilinear"), RuntimeError),
    ("mode-unknown", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="bogus"), NotImplementedError),
    ("align-nearest", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="nearest", align_corners=True),
     ValueError),
    ("antialias-nearest", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="nearest", antialias=True),
     ValueError),
    ("lanczos-no-antialias", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="lanczos"), ValueError),
    ("linear-on-4d", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="linear"), NotImplementedError),
    ("no-size-no-scale", lambda: interpolate_adjoint(G, (1, 2, 2, 2), mode="bilinear"), ValueError),
    ("size-and-scale", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=4, scale_factor=2, mode="bilinear"),
     ValueError),
    ("out-dtype", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="bilinear",
                                              out=np.empty((1, 2, 2, 2), np.float32)), TypeError),
    ("out-shape", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="bilinear",
                                              out=np.empty((1, 2, 2, 3))), ValueError),
    ("out-list", lambda: interpolate_adjoint(G, (1, 2, 2, 2), size=(4, 4), mode="bilinear", out=[0.0]), TypeError),
]


@pytest.mark.parametrize("call,exc", [(c, e) for _, c, e in ERRORS], ids=[i for i, _, _ in ERRORS])
def test_errors(call, exc):
    with pytest.raises(exc):
        call()


@pytest.mark.parametrize("size", [(1, 2, 2.5, 2), (1, 2, "2", 2), (2.0, 2)], ids=["float", "str", "float-spatial"])
def test_input_size_must_be_integers(size):
    with pytest.raises(TypeError):
        interpolate_adjoint(G, size, size=(4, 4), mode="bilinear")


def test_dot_product_channels_last_nearest():
    # 2-D nearest picks its index formula from the input's layout (spec §2.1, §3.1:
    # channels-last C > 3 takes the out == 2 in shortcut); channels_last=True plans the same
    rng = np.random.default_rng(0)
    x = np.ascontiguousarray(rng.standard_normal((1, 100, 10, 4)).astype(np.float32)).transpose(0, 3, 1, 2)
    kw = dict(scale_factor=(2.004, 1.0), mode="nearest")
    y = interpolate(x, **kw)
    g = rng.standard_normal(y.shape).astype(np.float32)
    a = interpolate_adjoint(g, x.shape, channels_last=True, **kw)
    assert _dot_residual(y.astype(np.float64), g, x.astype(np.float64), a) < 1e-4
    # without the flag the adjoint is the transpose of the C-contiguous input's operator
    xc = np.ascontiguousarray(x)
    a_c = interpolate_adjoint(g, x.shape, **kw)
    assert _dot_residual(interpolate(xc, **kw).astype(np.float64), g, xc.astype(np.float64), a_c) < 1e-4
    with pytest.raises(ValueError):
        interpolate_adjoint(np.ones((1, 2, 8)), (1, 2, 4), size=8, channels_last=True)


# ---------------------------------------------------------------------------------------------
# the documented example
# ---------------------------------------------------------------------------------------------

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs")


def test_superres_example_runs_and_matches_the_docs():
    """docs/examples/superres.py (least squares with interpolate + interpolate_adjoint) reaches
    float64 rounding, and docs/beyond-pytorch.md quotes its output."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(os.path.join(DOCS, "examples", "superres.py"), run_name="__main__")
    line = buf.getvalue().strip()

    def numbers(text):
        ls = float(text.split("least squares ")[1].split(",")[0])
        bicubic = float(text.split("bicubic upsampling ")[1].split()[0])
        return ls, bicubic
    ls, bicubic = numbers(line)
    assert ls < 1e-12 and bicubic > 1e-3, line
    with open(os.path.join(DOCS, "beyond-pytorch.md"), encoding="utf-8") as f:
        quoted = [t for t in f.read().splitlines() if t.startswith("relative residual |A x - y| / |y|:")]
    assert len(quoted) == 1, "docs/beyond-pytorch.md should quote the example's output once"
    # the least-squares residual is float64 rounding (its last digit may vary with the BLAS)
    doc_ls, doc_bicubic = numbers(quoted[0])
    assert doc_ls < 1e-12 and doc_bicubic == bicubic, (quoted[0], line)
    with open(os.path.join(DOCS, "examples", "superres.py"), encoding="utf-8") as f:
        assert len(f.read().splitlines()) < 40


def test_cupy_gradients_route_to_the_cuda_twin():
    """A CuPy-typed gradient runs the same adjoint plan on the CUDA backend; without CuPy
    installed that is a clear ImportError, never a silent NumPy conversion."""
    try:
        import cupy  # noqa: F401
        pytest.skip("cupy is installed: the GPU tests cover this path")
    except ImportError:
        pass

    class FakeCupyArray:
        __module__ = "cupy._core.core"

        def __init__(self, a):
            self.shape, self.dtype, self.strides, self.size = a.shape, a.dtype, a.strides, a.size

    g = FakeCupyArray(np.ones((1, 2, 8, 8), np.float32))
    with pytest.raises(ImportError, match="(?i)cupy"):
        interpolate_adjoint(g, (1, 2, 4, 4), size=(8, 8), mode="bilinear")
