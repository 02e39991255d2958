"""Streaming stores (docs/design.md, "Streaming stores"): a caller's ``out=`` of at least
``STREAM_MIN_BYTES`` is written with non-temporal stores, in blocks of the output lines.

* the values are the same bits as the plain stores' (the call without ``out``), for every
  dtype whose last pass goes through the streaming line writer, at every alignment of
  ``out`` within its buffer, and nothing around ``out`` is written;
* the kernels are asked to stream exactly when ``out`` is the caller's and large enough
  (a fresh result never streams: the kernel has just zeroed its pages into the cache);
* the line writer honours the flag at the kernel entry points directly.
"""
import numpy as np
import pytest

import cyresample
from cyresample import _api, _backend_cpu, _dispatch

# lines of at least 4 KB stream (shorter ones keep plain stores): 1100-wide float rows
CALLS = [((1, 2, 5, 600), dict(scale_factor=2, mode="bilinear")),
         ((1, 2, 5, 700), dict(scale_factor=(2, 1.7), mode="bicubic")),
         ((2, 1, 9, 1500), dict(size=(4, 1100), mode="bilinear", antialias=True)),
         ((1, 1, 3, 4, 600), dict(scale_factor=2, mode="trilinear")),
         ((1, 3, 2300), dict(scale_factor=2, mode="linear")),
         ((1, 3, 7, 1400), dict(size=(5, 1300), mode="area")),
         ((1, 2, 3, 1100), dict(scale_factor=2, mode="nearest")),
         ((2, 1, 3, 1500), dict(size=(4, 1100), mode="nearest-exact")),
         ((1, 1, 2, 3, 1200), dict(scale_factor=(2, 1, 1.5), mode="nearest"))]
DTYPES = ["float32", "float64", "float16", "uint8", "int16", "int32", "uint64"]
# channels-last images (uint8 RGB/RGBA rows through the window kernels, float rows through
# the interleaved row kernels, pixel gathers for nearest)
CL_CALLS = [((1, 3, 5, 700), dict(scale_factor=2, mode="bilinear")),
            ((1, 4, 6, 1200), dict(size=(3, 1030), mode="bicubic", antialias=True)),
            ((1, 3, 4, 1400), dict(scale_factor=2, mode="nearest"))]


def _make(shape, dtype, seed=0, channels_last=False):
    if channels_last:
        return np.ascontiguousarray(_make(shape, dtype, seed).transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    v = np.random.default_rng(seed).standard_normal(shape)
    if dtype == "uint8":
        return np.clip(np.round(v * 60 + 128), 0, 255).astype(np.uint8)
    if np.dtype(dtype).kind in "iu":
        return np.round(np.abs(v) * 1000).astype(dtype)
    return v.astype(dtype)


def _out_at(shape, dtype, shift, channels_last=False):
    # an out= array starting `shift` items into a buffer filled with a sentinel, with as
    # many sentinel items after it
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    buf = np.full((n + 2 * 64) * dt.itemsize, 0xA5, np.uint8)
    flat = buf[shift * dt.itemsize:(shift + n) * dt.itemsize].view(dt)
    if channels_last:
        N, C, H, W = shape
        return buf, flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return buf, flat.reshape(shape)


@pytest.fixture
def stream_everything(monkeypatch):
    monkeypatch.setattr(_backend_cpu, "STREAM_MIN_BYTES", 0)


def _check_streamed(x, kw, channels_last=False):
    want = cyresample.interpolate(x, **kw)
    itemsize = x.itemsize
    for shift in sorted({0, 1, 64 // itemsize - 1, 64 // itemsize + 1} - {-1}):
        buf, out = _out_at(want.shape, x.dtype, shift, channels_last)
        got = cyresample.interpolate(x, out=out, **kw)
        assert got is out
        assert np.array_equal(got, want, equal_nan=True) and got.tobytes() == want.tobytes(), shift
        head, tail = buf[:shift * itemsize], buf[shift * itemsize + want.nbytes:]
        assert (head == 0xA5).all() and (tail == 0xA5).all(), shift


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, kw", CALLS, ids=lambda c: str(c))
def test_streamed_out_equals_the_fresh_result(stream_everything, shape, kw, dtype):
    _check_streamed(_make(shape, dtype), kw)


@pytest.mark.parametrize("dtype", ["float32", "uint8", "float64"])
@pytest.mark.parametrize("shape, kw", CL_CALLS, ids=lambda c: str(c))
def test_streamed_channels_last_out_equals_the_fresh_result(stream_everything, shape, kw, dtype):
    _check_streamed(_make(shape, dtype, channels_last=True), kw, channels_last=True)


class _Recorder:
    """The kernel module, recording the stream_out argument (the last one) of the entry
    points that write an output."""

    def __init__(self, kernels):
        self._k = kernels
        self.stream = []
        self.calls = []

    def __getattr__(self, name):
        fn = getattr(self._k, name)
        if name not in ("fused_passes", "separable_pass", "gather", "u8_fused_2d"):
            return fn

        def wrapped(*args):
            # gather has no flag (it never streams: docs/design.md); its last argument is `checked`
            self.stream.append(name != "gather" and bool(args[-1]))
            self.calls.append(name)
            return fn(*args)
        return wrapped


def test_only_a_large_caller_out_streams(monkeypatch):
    rec = _Recorder(_dispatch.kernels)
    monkeypatch.setattr(_backend_cpu, "_kernels", rec)
    monkeypatch.setattr(_api, "_EXECUTORS", {})
    x = _make((1, 2, 5, 600), "float32")
    kw = dict(scale_factor=2, mode="bilinear")
    out = cyresample.interpolate(x, **kw)
    monkeypatch.setattr(_backend_cpu, "STREAM_MIN_BYTES", out.nbytes)
    cyresample.interpolate(x, out=out, **kw)
    assert rec.stream == [False, True]  # the fresh call, then the caller's out
    monkeypatch.setattr(_backend_cpu, "STREAM_MIN_BYTES", out.nbytes + 1)
    cyresample.interpolate(x, out=out, **kw)
    # an out= that overlaps the input is computed into a fresh temporary first
    y = _make((1, 1, 2, 2000), "float32")
    big = np.zeros((1, 1, 4, 2000), np.float32)
    big[:, :, :2] = y
    monkeypatch.setattr(_backend_cpu, "STREAM_MIN_BYTES", 0)
    cyresample.interpolate(big[:, :, :2], size=(4, 2000), mode="bilinear", out=big)
    assert rec.stream == [False, True, False, False]
    # the uint8 window kernels get the flag; nearest (gather) keeps plain stores
    del rec.stream[:], rec.calls[:]
    cyresample.interpolate(x, scale_factor=2, mode="nearest", out=out)
    u8 = _make((1, 3, 5, 600), "uint8", channels_last=True)
    cyresample.interpolate(u8, scale_factor=2, mode="bilinear", out=_out_at((1, 3, 10, 1200), "uint8", 0, True)[1])
    assert rec.stream == [False, True] and rec.calls == ["gather", "u8_fused_2d"]


@pytest.mark.parametrize("variant, dtype", [("f32_f32", np.float32), ("f64_f64", np.float64),
                                            ("f32_f16", np.float32), ("f64_i16", np.float64)])
def test_kernel_stream_flag_keeps_the_values(variant, dtype):
    k = _dispatch.kernels
    rng = np.random.default_rng(3)
    n_in, n_out, L = 7, 13, 1500
    index = np.sort(rng.integers(0, n_in, (n_out, 3)), axis=1).astype(np.int64)
    weight = rng.standard_normal((n_out, 3)).astype(dtype)
    ntaps = rng.integers(1, 4, n_out).astype(np.int64)
    x = (rng.standard_normal((2, n_in, L)) * 100).astype(dtype)
    dst_dtype = {"f32_f16": np.float16, "f64_i16": np.int16}.get(variant, dtype)
    want = np.empty((2, n_out, L), dst_dtype)
    k.separable_pass(x, want, 1, index, weight, ntaps, variant, 0, 2)
    for shift in (0, 1, 5):
        buf = np.full(want.nbytes + 64 * 8, 0x5A, np.uint8)
        got = buf[shift * want.itemsize:shift * want.itemsize + want.nbytes].view(dst_dtype).reshape(want.shape)
        k.separable_pass(x, got, 1, index, weight, ntaps, variant, 0, 2, None, -1, True)
        assert got.tobytes() == want.tobytes()
        assert (buf[:shift * want.itemsize] == 0x5A).all() and (buf[shift * want.itemsize + want.nbytes:] == 0x5A).all()
