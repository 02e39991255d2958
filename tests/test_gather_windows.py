"""The nearest gather of 8-, 4- and 2-byte elements through permute windows (docs/design.md,
"Nearest gathers"): groups of 4 to 32 outputs whose source indices lie in a window of twice
as many elements are one permute of that window; others are copied one element at a time.
Every output must be the source element's bits (NaN payloads included: permutes move bits),
for any index pattern (up, down, reversed, scattered, repeated), every row length (tails),
on every CPU variant, without reading past the source (a guard page after it).
"""
import numpy as np
import pytest

from cyresample import _cpuinfo, _dispatch
from guard import guarded

VARIANTS = [v for v in _dispatch.built_variants() if v in _cpuinfo.supported_variants()]


def _patterns(n_in, rng):
    yield "up2", np.arange(2 * n_in) // 2
    yield "down2", np.arange(0, n_in, 2)
    yield "x1.5", np.minimum((np.arange(int(n_in * 1.5)) / 1.5).astype(int), n_in - 1)
    yield "x0.3", np.minimum((np.arange(int(n_in * 0.3)) / 0.3).astype(int), n_in - 1)
    yield "reversed", np.arange(n_in)[::-1]
    yield "constant", np.full(37, n_in // 2)
    yield "scattered", rng.integers(0, n_in, 53)
    yield "last", np.full(19, n_in - 1)
    # windows just inside and just outside 2 x 16 and 2 x 32 elements
    yield "wide", np.concatenate([np.arange(16) * 2 + (np.arange(16) == 15), np.arange(16) * 3])
    yield "wide32", np.concatenate([np.arange(32) * 2 + (np.arange(32) == 31), np.arange(32) * 3])


def _source(rng, shape, bits_dtype=np.uint32):
    bits = rng.integers(0, 2 ** 63, shape, dtype=np.uint64).astype(bits_dtype)
    flat = bits.reshape(-1)
    if bits_dtype == np.uint64:
        flat[::7] = 0x7FF0000000000001   # float64 signalling NaN
        flat[1::11] = 0xFFF8000000012345  # negative quiet NaN with a payload
    elif bits_dtype == np.uint32:
        flat[::7] = 0x7F800001   # signalling NaN: a float copy would quiet it
        flat[1::11] = 0xFFC12345  # negative quiet NaN with a payload
    else:
        flat[::7] = 0x7C01       # float16 signalling NaN
        flat[1::11] = 0xFE15     # negative quiet NaN with a payload
    return bits


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n_in", [1, 5, 16, 33, 100])
def test_gather_windows_copy_bits(variant, n_in):
    k = _dispatch.load(variant)
    rng = np.random.default_rng(n_in)
    srcs = {8: _source(rng, (2, 3, n_in), np.uint64), 4: _source(rng, (2, 3, n_in)),
            2: _source(rng, (2, 3, n_in), np.uint16)}
    for name, idx in _patterns(n_in, rng):
        idx = np.minimum(np.asarray(idx, dtype=np.intp), n_in - 1)
        rows = np.array([2, 0, 1], dtype=np.intp)
        for dtype in (np.float64, np.int64, np.float32, np.int32, np.float16, np.int16):
            src = srcs[np.dtype(dtype).itemsize]
            s = src.view(dtype)
            dst = np.zeros((2, 3, idx.size), dtype)
            offsets = [np.arange(2, dtype=np.intp) * s.strides[0], rows * s.strides[1], idx * s.strides[2]]
            k.gather(s, dst, offsets, 1)
            want = src[:, rows][:, :, idx]
            np.testing.assert_array_equal(dst.view(src.dtype), want, err_msg="%s %s" % (name, dtype))


@pytest.mark.parametrize("variant", VARIANTS)
def test_gather_windows_stay_inside_the_source(variant):
    # the source row ends at a guard page; windows ending at its last element must not
    # read past it (masked loads)
    k = _dispatch.load(variant)
    n = 80
    for dtype in (np.float64, np.float32, np.float16):
        size = np.dtype(dtype).itemsize
        buf, m, release = guarded(n * size)
        try:
            src = buf.view(dtype)
            src[:] = np.arange(n).astype(dtype)
            for idx in (np.arange(2 * n) // 2, np.arange(0, n, 2) + 1, np.full(65, n - 1),
                        np.arange(n - 64, n), np.arange(n)[::-1]):
                idx = np.asarray(idx, dtype=np.intp)
                dst = np.zeros(idx.size, dtype)
                k.gather(src, dst, [idx * size], 1)
                np.testing.assert_array_equal(dst, src[idx])
        finally:
            del src
            release()
