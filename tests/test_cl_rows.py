"""Channels-last float32 rows whose W table halves the width (down2-like): with AVX-512 the
periodic interior runs through a permute kernel (``cyr_cl_down2_f32``) instead of the table
loop. It performs the same multiplies and adds in the same order, so the results must equal
the contiguous layout's (a different kernel: the planar polyphase rows) bit for bit, and it
must not read past the row (a guard page after the array).
"""
import sys

import numpy as np
import pytest

import cyresample
from guard import guarded

CALLS = [dict(scale_factor=(1, 0.5), mode="bilinear"), dict(scale_factor=0.5, mode="bilinear"),
         dict(scale_factor=0.5, mode="bicubic"), dict(scale_factor=0.5, mode="bilinear", align_corners=True),
         dict(scale_factor=(1, 0.5), mode="bilinear", antialias=True),
         dict(scale_factor=0.5, mode="bicubic", antialias=True)]
WIDTHS = [2, 24, 40, 101, 257, 600]


def _channels_last(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("kw", CALLS, ids=str)
@pytest.mark.parametrize("W", WIDTHS)
def test_rgb_down2_rows_equal_contiguous(W, kw):
    rng = np.random.default_rng(W)
    x = rng.standard_normal((2, 3, 6, W)).astype(np.float32)
    x[0, 1, 2, W // 2] = np.inf
    x[1, 2, 3, W - 1] = np.nan
    want = cyresample.interpolate(x, **kw)
    got = cyresample.interpolate(_channels_last(x), **kw)
    assert got.shape == want.shape
    assert np.ascontiguousarray(got).tobytes() == want.tobytes()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="guard pages via mprotect (Linux)")
@pytest.mark.parametrize("kw", CALLS, ids=str)
def test_rgb_down2_rows_stay_inside_the_input(kw):
    # the last row's right-most taps end at the last float of the array
    H, W, C = 5, 203, 3
    buf, m, release = guarded(H * W * C * 4)
    try:
        x = buf.view(np.float32).reshape(1, H, W, C).transpose(0, 3, 1, 2)
        x[...] = np.random.default_rng(1).standard_normal(x.shape)
        want = cyresample.interpolate(np.ascontiguousarray(x), **kw)
        got = cyresample.interpolate(x, **kw)
        assert np.ascontiguousarray(got).tobytes() == want.tobytes()
        del x
    finally:
        release()
