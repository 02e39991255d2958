"""Fused volumes (docs/design.md, "Fusion"): a 3-D separable call runs its W, H and D passes
in one sweep, each output depth slice combining the W+H planes of its input slices from a
per-thread ring (no intermediate volume). Every value must be the bits of the three
separate passes: checked against the unfused path (every D table refused) for every
dtype with a fused kernel, every 3-D interpolating mode, strided and streamed outputs, and
one and two threads; and the kernel refuses D tables it cannot run.
"""
import numpy as np
import pytest

import cyresample
from cyresample import _api, _backend_cpu, _dispatch

K = _dispatch.kernels

CALLS = [((1, 1, 16, 20, 24), dict(scale_factor=2, mode="trilinear")),
         ((2, 3, 9, 17, 12), dict(scale_factor=0.5, mode="trilinear")),
         ((1, 2, 33, 8, 40), dict(size=(7, 9, 30), mode="trilinear", align_corners=True)),
         ((1, 1, 3, 5, 7), dict(size=(40, 13, 11), mode="trilinear")),
         ((2, 1, 10, 12, 9), dict(scale_factor=(1.7, 0.6, 2.2), mode="trilinear"))]
RESIZE_CALLS = [((1, 2, 16, 20, 24), dict(scale=0.37, mode="linear", antialias=True)),
                ((1, 1, 9, 17, 12), dict(shape=(5, 31, 8), mode="cubic")),
                ((1, 1, 18, 14, 20), dict(scale=0.5, mode="cubic", antialias=True)),
                ((1, 1, 12, 12, 12), dict(shape=(4, 5, 6), mode="lanczos")),
                ((1, 1, 6, 7, 8), dict(shape=(17, 3, 50), mode="cubic", align_corners=True))]
DTYPES = ["float32", "float64", "float16", "bfloat16", "uint8"]


def _make(shape, dtype, seed=0):
    if dtype == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes")
        return _make(shape, "float32", seed).astype(ml_dtypes.bfloat16)
    v = np.random.default_rng(seed).standard_normal(shape)
    if dtype == "uint8":
        return np.clip(np.round(v * 60 + 128), 0, 255).astype(np.uint8)
    x = v.astype(dtype)
    flat = x.reshape(-1)
    flat[3], flat[50], flat[-7], flat[11] = np.inf, -np.inf, np.nan, -0.0
    return x


def _call(x, kw, out=None):
    if "shape" in kw or "scale" in kw:
        return cyresample.resize(x, axes=(2, 3, 4), out=out, **kw)
    return cyresample.interpolate(x, out=out, **kw)


@pytest.fixture
def fused_calls(monkeypatch):
    """Counts the kernel calls that fuse the D pass."""
    seen = []
    real = K.fused_passes

    def spy(*args):
        seen.append(len(args) > 10 and args[10] is not None)
        return real(*args)
    monkeypatch.setattr(K, "fused_passes", spy)
    _api._EXECUTORS.clear()
    yield seen
    _api._EXECUTORS.clear()


def _unfused(monkeypatch, x, kw, out=None):
    with monkeypatch.context() as m:
        m.setattr(K, "fused3_applies", lambda *args: False)
        _api._EXECUTORS.clear()
        try:
            return _call(x, kw, out)
        finally:
            _api._EXECUTORS.clear()


def _same_bits(a, b):
    # the same bits, except that a NaN may carry either sign: which operand of a
    # commutative add the compiler puts first decides it (both NaN), not the arithmetic
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype.kind not in "iub":
        nan_a, nan_b = np.isnan(a.astype(np.float64)), np.isnan(b.astype(np.float64))
        np.testing.assert_array_equal(nan_a, nan_b)
        a, b = np.where(nan_a, 0, a), np.where(nan_b, 0, b)
    np.testing.assert_array_equal(np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,kw", CALLS + RESIZE_CALLS)
def test_fused_volume_is_the_three_passes(monkeypatch, fused_calls, shape, kw, dtype, threads):
    x = _make(shape, dtype)
    with cyresample.threads(threads):
        got = _call(x, kw)
        assert fused_calls == [True]
        want = _unfused(monkeypatch, x, kw)
    assert fused_calls == [True, False]
    _same_bits(got, want)


@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8"])
def test_fused_volume_into_strided_out(monkeypatch, fused_calls, dtype):
    # output slices that are not one contiguous line: combined row by row
    x = _make((2, 2, 7, 9, 11), dtype, seed=1)
    kw = dict(size=(12, 10, 8), mode="trilinear")
    buf = np.zeros((2, 2, 12, 10, 17), x.dtype)
    out = buf[..., 3:11]
    _call(x, kw, out)
    assert fused_calls == [True]
    _same_bits(out, _unfused(monkeypatch, x, kw))
    assert not buf[..., :3].any() and not buf[..., 11:].any()
    out_t = np.zeros((2, 2, 8, 10, 12), x.dtype).transpose(0, 1, 4, 3, 2)  # W slowest
    _call(x, kw, out_t)
    _same_bits(out_t, _unfused(monkeypatch, x, kw))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "uint8"])
def test_fused_volume_streams_whole_slices(monkeypatch, fused_calls, dtype):
    # a large caller's out= leaves each contiguous slice (here 32 x 40 values) through
    # streaming stores: the same bits, nothing written around it
    monkeypatch.setattr(_backend_cpu, "STREAM_MIN_BYTES", 0)
    x = _make((1, 2, 8, 16, 20), dtype, seed=2)
    kw = dict(scale_factor=2, mode="trilinear")
    want = _unfused(monkeypatch, x, kw)
    del fused_calls[:]
    n = want.size
    buf = np.full(n + 64, 7, want.dtype)
    out = buf[5:5 + n].reshape(want.shape)
    before = buf.copy()
    _call(x, kw, out)
    assert fused_calls == [True]
    _same_bits(out, want)
    _same_bits(buf[:5], before[:5])
    _same_bits(buf[5 + n:], before[5 + n:])


def test_few_slices_use_every_thread(monkeypatch, fused_calls):
    # fewer output slices than two per thread: the unfused passes split planes into bands
    x = _make((1, 1, 2, 64, 64), "float32")
    with cyresample.threads(2):
        got = _call(x, dict(size=(3, 200, 200), mode="trilinear"))
    assert fused_calls == [False]
    _same_bits(got, _unfused(monkeypatch, x, dict(size=(3, 200, 200), mode="trilinear")))


def test_ring_budget_bounds_the_fusion(monkeypatch, fused_calls):
    # two input slices, two threads (output large enough for threads): the rings (two
    # planes each) would hold twice the intermediate volume (two planes), so they must fit
    # the small budget
    plane = 70 * 70 * 4
    x = _make((1, 1, 2, 35, 35), "float32")
    kw = dict(size=(8, 70, 70), mode="trilinear")
    with cyresample.threads(2):
        monkeypatch.setattr(_backend_cpu, "FUSED3_RING_BYTES", 4 * plane - 1)
        _call(x, kw)
        assert fused_calls == [False]
        monkeypatch.setattr(_backend_cpu, "FUSED3_RING_BYTES", 4 * plane)
        _call(x, kw)
        assert fused_calls == [False, True]
    with cyresample.threads(1):  # one ring: no larger than the intermediate volume
        monkeypatch.setattr(_backend_cpu, "FUSED3_RING_BYTES", 0)
        _call(x, kw)
        assert fused_calls == [False, True, True]


def test_fused3_applies():
    idx = np.array([[0, 1], [1, 2], [2, 2], [5, 0]], np.int64)
    assert K.fused3_applies(idx[:3], np.array([2, 2, 2], np.int64))
    assert K.fused3_applies(idx, np.array([2, 2, 2, 1], np.int64))   # the far tap is unused
    assert not K.fused3_applies(idx, np.array([2, 2, 2, 2], np.int64))  # taps 5 and 0 share a slot
    assert not K.fused3_applies(idx[:3], np.array([2, 3, 2], np.int64))  # more taps than columns
    assert not K.fused3_applies(np.array([[-1, 0]], np.int64), np.array([2], np.int64))
    assert K.fused3_applies(idx[:3], np.array([2, 2, 2], np.int64), 3)
    assert not K.fused3_applies(idx[:3], np.array([2, 2, 2], np.int64), 2)  # input 2 is past the axis


def _tables(n_in, n_out):
    # linear up2 along one axis, built by hand
    idx = np.stack([np.minimum(np.arange(n_out) // 2, n_in - 1),
                    np.minimum(np.arange(n_out) // 2 + 1, n_in - 1)], 1).astype(np.int64)
    w = np.full((n_out, 2), 0.5, np.float32)
    nt = np.full(n_out, 2, np.int64)
    return idx, w, nt


def test_fused_pass_refuses_bad_d_tables():
    x = np.zeros((1, 1, 4, 5, 6), np.float32)
    out = np.zeros((1, 1, 8, 10, 12), np.float32)
    iw, ww, nw = _tables(6, 12)
    ih, wh, nh = _tables(5, 10)
    idd, wd, nd = _tables(4, 8)
    pass_w = (iw, ww, nw, 0, None, int(iw.max()))
    pass_h = (ih, wh, nh, 0, None, int(ih.max()))
    bands = K.fused_bands(ih, nh, 16)
    args = (x, out, pass_w, pass_h, "f32_f32", "f32_f32", bands, 16, 1, False)
    K.fused_passes(*args, (idd, wd, nd, 0, None, int(idd.max())), "f32_f32")   # the real table runs
    bad_span = idd.copy()
    bad_span[3] = (0, 3)
    wide = idd.copy()
    wide[-1, 1] = 4
    for table in [(bad_span, wd, nd, 0, None, 3),                 # one output's taps share a slot
                  (wide, wd, nd, 0, None, 3),                     # index_max understated
                  (wide, wd, nd, 0, None, 4),                     # past the input's depth
                  (idd, wd, np.full(8, 3, np.int64), 0, None, 3),  # more taps than columns
                  (idd[:7], wd[:7], nd[:7], 0, None, 3)]:          # not one row per output slice
        with pytest.raises(ValueError):
            K.fused_passes(*args, table, "f32_f32")
    with pytest.raises(ValueError):
        K.fused_passes(*args, (idd, wd, nd, 0, None, 3), "f32_f64")   # no such triple
    with pytest.raises(TypeError):
        K.fused_passes(*args, (idd, wd.astype(np.float64), nd, 0, None, 3), "f32_f32")


MERGED_CALLS = [((1, 2, 8, 12, 32), "nchw", dict(scale_factor=0.5, mode="trilinear")),
                ((1, 2, 40, 256), "nchw", dict(scale_factor=0.5, mode="bilinear")),
                ((1, 3, 30, 260), "nchw", dict(scale_factor=0.5, mode="bicubic")),
                ((1, 3, 40, 256), "cl", dict(scale_factor=0.5, mode="bilinear")),
                ((1, 4, 40, 200), "cl", dict(scale_factor=0.5, mode="bilinear"))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, layout, kw", MERGED_CALLS)
@pytest.mark.parametrize("threads", [1, 2])
def test_band_rows_merged_into_one_row_of_periods(dtype, shape, layout, kw, threads):
    # Where a W table is one periodic interior over the whole row (down2 bilinear; not bicubic,
    # whose border outputs clamp) and the source rows lie end to end, a band's rows go through
    # the row kernel as one row of periods. A source whose rows are padded apart takes the
    # kernel row by row: the same bits.
    x = _make(shape, dtype, seed=len(shape) + shape[-1])
    if layout == "cl":
        x = np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 1, -1)), -1, 1)
    padded = np.zeros(x.shape[:-1] + (x.shape[-1] + 3,), x.dtype)
    if layout == "cl":
        padded = np.moveaxis(np.zeros(shape[:1] + shape[2:-1] + (shape[-1] + 3, shape[1]), x.dtype), -1, 1)
    padded = padded[..., :x.shape[-1]]
    padded[...] = x
    with cyresample.threads(threads):
        _same_bits(cyresample.interpolate(x, **kw), cyresample.interpolate(padded, **kw))
