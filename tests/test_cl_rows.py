"""Channels-last float32 rows: with AVX-512 the periodic interior of their W pass runs
through permute kernels instead of the table loop: ``cyr_cl_poly_f32`` for any period of 3
to 16 outputs (channels-last up2 and down2, other rational factors) whose taps fit its
window, ``cyr_cl_down2_f32`` for the longer down2 windows (antialias bicubic). They perform the same multiplies and adds in the same order, so the
results must equal the contiguous layout's (a different kernel: the planar polyphase rows)
and the table loop's bit for bit, infinities and NaNs included, and they must not read past
the row (a guard page after the array).
"""
import sys

import numpy as np
import pytest

import cyresample
from cyresample import _dispatch, _plan
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


# output/input pixel ratios up / down whose W tables repeat with a period of P = C * up
# outputs; with C = 1..5 the periods run from 1 to 40 floats, and the taps of the longer ones
# do not fit one 32-float window (left to the compiler's loop)
PERIOD_CALLS = [(2, 1, "linear"), (2, 1, "cubic"), (3, 2, "linear"), (3, 1, "cubic"), (4, 3, "cubic"),
                (3, 4, "linear"), (8, 1, "linear"), (4, 1, "cubic"), (5, 2, "cubic"), (1, 3, "cubic"),
                (2, 3, "linear")]


def _axis(kind, up, down, pixels, C):
    # an axis of about `pixels` inputs scaled by up / down, expanded to rows of C interleaved
    # channels
    n_in = pixels // down * down
    n_out = n_in * up // down
    build = _plan.cubic_axis if kind == "cubic" else _plan.linear_axis
    return n_in, n_out, build(n_in, n_out, False, None, np.float32).expand(C)


def test_periodic_rows_equal_the_table_loop():
    # one W pass over interleaved rows, with the polyphase interior and through the table alone
    k = _dispatch.kernels
    periods = set()
    for C in (1, 2, 3, 4, 5):
        for up, down, kind in PERIOD_CALLS:
            n_in, n_out, ax = _axis(kind, up, down, 40, C)
            poly = ax.polyphase()
            if poly is None:  # a period too long for the polyphase kernels: the table loop alone
                continue
            periods.add(poly[0])
            rng = np.random.default_rng(C * 100 + up * 10 + down)
            x = rng.standard_normal((5, n_in * C)).astype(np.float32)
            x[1, 3] = np.inf
            x[2, n_in * C - 1] = -np.inf
            x[3, n_in * C // 2] = np.nan
            x[4, :] = -0.0
            got = np.empty((5, n_out * C), np.float32)
            want = np.empty_like(got)
            k.separable_pass(x, got, 1, ax.index, ax.weight, ax.ntaps, "f32_f32", 0, 1, poly)
            k.separable_pass(x, want, 1, ax.index, ax.weight, ax.ntaps, "f32_f32", 0, 1, None)
            assert got.tobytes() == want.tobytes(), (C, up, down, kind)
    assert set(range(3, 17)) - periods <= {7, 11, 13, 14}, sorted(periods)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="guard pages via mprotect (Linux)")
@pytest.mark.parametrize("up, down, kind", PERIOD_CALLS)
def test_periodic_rows_stay_inside_the_arrays(up, down, kind):
    # the last row's right-most taps end at the last float of the input, and its last output
    # is the last float of the output array: nothing is read or written past either
    k = _dispatch.kernels
    rows, C = 3, 3
    n_in, n_out, ax = _axis(kind, up, down, 31, C)
    want = np.empty((rows, n_out * C), np.float32)
    buf, m, release = guarded(rows * n_in * C * 4)
    obuf, om, orelease = guarded(rows * n_out * C * 4)
    try:
        x = buf.view(np.float32).reshape(rows, n_in * C)
        got = obuf.view(np.float32).reshape(rows, n_out * C)
        x[...] = np.random.default_rng(up).standard_normal(x.shape)
        k.separable_pass(x, want, 1, ax.index, ax.weight, ax.ntaps, "f32_f32", 0, 1, None)
        k.separable_pass(x, got, 1, ax.index, ax.weight, ax.ntaps, "f32_f32", 0, 1, ax.polyphase())
        assert got.tobytes() == want.tobytes()
        del x, got
    finally:
        release()
        orelease()
