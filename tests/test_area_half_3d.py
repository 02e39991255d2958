"""3-D float16 area pools round every operation to float16 (docs/torch-semantics.md §2.5,
§6 F15): each output sums its window in row-major (d, h, w) order, rounding each add to
float16, then divides by kD, kH and kW in turn, rounding each quotient. Contiguous rows with
width-2 windows take a vector kernel (8, 16 or 32 outputs per step by CPU variant, then a
scalar tail); it must give the scalar model's bits for every row length, on every variant,
including overflow to inf, inf - inf, NaN and -0.
"""
import numpy as np
import pytest

import cyresample
from cyresample import _cpuinfo, _dispatch

VARIANTS = [v for v in _dispatch.built_variants() if v in _cpuinfo.supported_variants()]


def _windows(n_in, n_out):
    return [(o * n_in // n_out, -((-(o + 1) * n_in) // n_out)) for o in range(n_out)]


def half_area_model(x, out_sizes):
    """F15 evaluated with NumPy float16 scalars (each operation rounded to float16)."""
    n, c = x.shape[:2]
    wd, wh, ww = (_windows(x.shape[2 + i], out_sizes[i]) for i in range(3))
    out = np.empty((n, c) + tuple(out_sizes), np.float16)
    with np.errstate(all="ignore"):
        for idx in np.ndindex(n, c):
            v = x[idx]
            for od, (d0, d1) in enumerate(wd):
                for oh, (h0, h1) in enumerate(wh):
                    for ow, (w0, w1) in enumerate(ww):
                        acc = np.float16(0)
                        for d in range(d0, d1):
                            for h in range(h0, h1):
                                for w in range(w0, w1):
                                    acc = np.float16(acc + v[d, h, w])
                        acc = np.float16(acc / np.float16(d1 - d0))
                        acc = np.float16(acc / np.float16(h1 - h0))
                        out[idx + (od, oh, ow)] = np.float16(acc / np.float16(w1 - w0))
    return out


def _same_bits(got, expected):
    nan = np.isnan(expected)
    assert (np.isnan(got) == nan).all()
    assert (got[~nan].view(np.uint16) == expected[~nan].view(np.uint16)).all()


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("width", [2, 14, 16, 18, 34, 48, 62, 64, 66, 98])
def test_half_area_width2_rows_round_every_operation(variant, width, variant_kernels):
    variant_kernels(variant)
    rng = np.random.default_rng(width)
    # magnitudes near float16's top, so that sums overflow and rounding matters everywhere
    x = rng.standard_normal((1, 2, 4, 6, width)) * rng.choice([1.0, 300.0, 20000.0], (1, 2, 4, 6, width))
    x = np.clip(x, -65504, 65504).astype(np.float16)
    flat = x.reshape(-1)
    flat[3], flat[40], flat[77], flat[-2] = np.inf, -np.inf, np.nan, np.float16(-0.0)
    flat[5::9] = -np.float16(0.0)
    out_sizes = (2, 3, width // 2)
    got = cyresample.interpolate(x, size=out_sizes, mode="area")
    _same_bits(got, half_area_model(x, out_sizes))


@pytest.mark.parametrize("threads", [1, 2])
def test_half_area_rows_split_across_threads(threads):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((2, 3, 4, 4, 70)) * 1000).astype(np.float16)
    with cyresample.threads(threads):
        got = cyresample.interpolate(x, scale_factor=0.5, mode="area")
    _same_bits(got, half_area_model(x, (2, 2, 35)))


def test_half_area_strided_rows_match_contiguous():
    # non-unit width stride and a strided output take the scalar loops: the same bits
    rng = np.random.default_rng(7)
    base = (rng.standard_normal((1, 2, 4, 4, 68)) * 500).astype(np.float16)
    x = base[..., ::-1]
    out = np.empty((1, 2, 2, 2, 68), np.float16)[..., ::2]
    cyresample.interpolate(x, size=(2, 2, 34), mode="area", out=out)
    _same_bits(out, half_area_model(np.ascontiguousarray(x), (2, 2, 34)))
    _same_bits(cyresample.interpolate(np.ascontiguousarray(x), size=(2, 2, 34), mode="area"), out)
