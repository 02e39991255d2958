"""The product kernel on planar (NCHW) rows (spec §3.1: 2-D bilinear with outH + outW <= 128
runs torch's channels-last kernel; spec §3.2: its corner weights and sum orders).

Where output rows share source rows (upsampling, mild downsampling) and the rows are
unit-stride, the kernel gathers each source row's taps once into an expanded row and sums
whole output rows from those (docs/design.md, "Product planes"); otherwise it evaluates
one output at a time. Both forms must give the same bits: a unit-stride call is compared
with the same call on a view whose rows have a stride of two elements, which takes the
one-at-a-time form, and with a float64 NumPy evaluation of the corner sums.
"""
import numpy as np
import pytest

import cyresample
import cases_dtypes as D

DTYPES = ["float32", "float64", "float16", "bfloat16", "int16", "uint16", "int64"]

# (in H, W) -> (out H, W): upsampling, a mild change, one output column row (OW < 8 keeps
# the one-at-a-time form), a 2x downsample (rows not shared) and mixed directions
GEOMETRIES = [((5, 7), (13, 17)), ((20, 30), (22, 33)), ((6, 6), (12, 5)), ((40, 40), (20, 20)),
              ((9, 31), (17, 12)), ((1, 9), (3, 40))]


def _data(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(shape) * 50
    dt = np.dtype(D.np_dtype(dtype))
    if dt.kind in "iu":
        lo = 0 if dt.kind == "u" else -3000
        return rng.integers(lo, 3000, shape).astype(dt)
    a = v.astype(np.float32).astype(dt)
    a.flat[::17] = 0.0
    return a


def _strided_rows(x):
    # the same values in rows of stride two elements: the one-at-a-time form
    base = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
    view = base[..., ::2]
    view[...] = x
    return view


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("C", [1, 3, 9, 17])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=lambda g: "%sx%s->%sx%s" % (g[0] + g[1]))
@pytest.mark.parametrize("dtype", DTYPES)
def test_expanded_rows_equal_one_output_at_a_time(dtype, geometry, C, threads, monkeypatch):
    from cyresample import _backend_cpu
    monkeypatch.setattr(_backend_cpu, "SMALL_WORK", 0)  # a team even for these small calls
    monkeypatch.setattr(_backend_cpu, "SMALL_WORK_PASSIVE", 0)
    ins, outs = geometry
    assert sum(outs) <= 128  # torch's product path (spec §3.1)
    N = 2  # N * C * out H spans several 64-row work items for the larger C
    x = _data(dtype, (N, C) + ins, hash((dtype, ins, C)) & 0xFFFF)
    with cyresample.threads(threads):
        got = cyresample.interpolate(x, size=outs, mode="bilinear")
        rows = cyresample.interpolate(_strided_rows(x), size=outs, mode="bilinear")
        out = _strided_rows(np.zeros_like(got))
        cyresample.interpolate(x, size=outs, mode="bilinear", out=out)
    assert D.compare(got, rows) is None
    assert D.compare(got, out) is None


def _corner_sums(x, outs, lanes):
    # spec §2.3/§3.2 in float64 on float64 data: lambdas of the half-pixel source coordinate
    # (scale in/out), corner weights lambda_h * lambda_w, channels c < C - C % lanes summed
    # t0w0 + (t1w1 + (t2w2 + t3w3)), the others left to right
    def axis(n_in, n_out):
        scale = n_in / n_out
        src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        l1 = src - i0
        return i0, i1, 1.0 - l1, l1
    h0, h1, a0, a1 = axis(x.shape[2], outs[0])
    w0, w1, b0, b1 = axis(x.shape[3], outs[1])
    t = [x[:, :, h0][:, :, :, w0], x[:, :, h0][:, :, :, w1], x[:, :, h1][:, :, :, w0], x[:, :, h1][:, :, :, w1]]
    wts = [a0[:, None] * b0[None], a0[:, None] * b1[None], a1[:, None] * b0[None], a1[:, None] * b1[None]]
    p = [ti * wi for ti, wi in zip(t, wts)]
    right = p[0] + (p[1] + (p[2] + p[3]))
    left = ((p[0] + p[1]) + p[2]) + p[3]
    cv = x.shape[1] - x.shape[1] % lanes
    out = left.copy()
    out[:, :cv] = right[:, :cv]
    return out


@pytest.mark.parametrize("C", [1, 5])
@pytest.mark.parametrize("geometry", GEOMETRIES[:3], ids=lambda g: "%sx%s->%sx%s" % (g[0] + g[1]))
def test_expanded_rows_are_the_corner_sums(geometry, C):
    ins, outs = geometry
    x = _data("float64", (2, C) + ins, 7)
    got = cyresample.interpolate(x, size=outs, mode="bilinear")
    assert D.compare(got, _corner_sums(x, outs, lanes=4)) is None


def test_broadcast_planes():
    # planes that alias one another (channel stride 0) share expanded rows by address
    x = _data("float32", (1, 1, 6, 9), 3)
    wide = np.broadcast_to(x, (2, 12, 6, 9))
    got = cyresample.interpolate(wide, size=(15, 20), mode="bilinear")
    assert D.compare(got, cyresample.interpolate(wide.copy(), size=(15, 20), mode="bilinear")) is None


@pytest.mark.parametrize("seed", range(6))
def test_expanded_rows_with_arbitrary_tables(seed):
    # the kernel entry with unsorted row tables over three source rows: source rows are
    # reused in every order, so each way of finding, keeping and replacing an expanded row
    # is taken; equal to the one-at-a-time form (rows of stride two) and to the corner sums
    from cyresample import _backend_cpu
    kernels = _backend_cpu._kernels
    rng = np.random.default_rng(seed)
    N, C, IH, IW, OH, OW = 2, 9, 3, 11, 40, 13
    x = rng.standard_normal((N, C, IH, IW)).astype(np.float32)
    ih = rng.integers(0, IH, (OH, 2)).astype(np.int64)
    iw = rng.integers(0, IW, (OW, 2)).astype(np.int64)
    lh = rng.standard_normal((OH, 2)).astype(np.float32)
    lw = rng.standard_normal((OW, 2)).astype(np.float32)
    got = np.empty((N, C, OH, OW), np.float32)
    kernels.product_linear(x, got, [ih, iw], [lh, lw], 8, "f32", seed % 2 + 1)
    rows = _strided_rows(np.empty_like(got))
    kernels.product_linear(_strided_rows(x), rows, [ih, iw], [lh, lw], 8, "f32", 1)
    assert D.compare(got, rows) is None
    t = [x[:, :, ih[:, a]][:, :, :, iw[:, b]] for a in (0, 1) for b in (0, 1)]
    w = [lh[:, a][:, None] * lw[:, b][None] for a in (0, 1) for b in (0, 1)]  # float32 products
    p = [ti * wi for ti, wi in zip(t, w)]
    expected = ((p[0] + p[1]) + p[2]) + p[3]
    expected[:, :8] = (p[0] + (p[1] + (p[2] + p[3])))[:, :8]
    assert D.compare(got, expected) is None
