"""Every CPU variant (baseline, avx2, avx512: the same kernel source compiled for each
instruction set) gives bit-identical results, because floating-point contraction is
disabled in every build (docs/design.md, "CPU dispatch"). The whole conformance case
matrix runs on each variant this machine supports and is compared with the selected one.
"""
import numpy as np
import pytest

import cyresample
from cyresample import _cpuinfo, _dispatch

from cases import CASES, call_kwargs, make_input

VARIANTS = [v for v in _dispatch.built_variants() if v in _cpuinfo.supported_variants()]
OTHERS = [v for v in VARIANTS if v != _dispatch.SELECTED]


def test_selected_variant_is_the_best_supported():
    assert _dispatch.SELECTED == VARIANTS[-1]
    assert cyresample.show_config is not None
    cfg = cyresample._config.config()
    assert cfg["cpu_variant_selected"] == _dispatch.SELECTED


@pytest.mark.skipif(not OTHERS, reason="only one CPU variant is supported on this machine")
@pytest.mark.parametrize("variant", OTHERS)
def test_variants_bit_identical_on_the_case_matrix(variant, variant_kernels):
    cases = list(CASES)
    ref = []
    for case in cases:
        ref.append(cyresample.interpolate(make_input(case), **call_kwargs(case)))
    variant_kernels(variant)
    mismatches = []
    for case, want in zip(cases, ref):
        got = cyresample.interpolate(make_input(case), **call_kwargs(case))
        if not np.array_equal(got, want, equal_nan=True):
            mismatches.append(case.id)
    assert not mismatches, "%s differs from %s in %d cases, e.g. %s" % (
        variant, _dispatch.SELECTED, len(mismatches), mismatches[:5])


@pytest.mark.skipif(not OTHERS, reason="only one CPU variant is supported on this machine")
@pytest.mark.parametrize("variant", OTHERS)
@pytest.mark.parametrize("dtype", ["uint8", "float16", "float32", "float64", "int16"])
@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="bilinear"), dict(size=(37, 23), mode="bicubic"),
                                dict(scale_factor=0.5, mode="bilinear", antialias=True),
                                dict(size=(19, 41), mode="area"), dict(size=(300, 5), mode="bilinear"),
                                dict(scale_factor=3, mode="nearest-exact")], ids=str)
def test_variants_bit_identical_on_larger_inputs(variant, dtype, kw, variant_kernels):
    rng = np.random.default_rng(0)
    if dtype in ("uint8", "int16"):
        x = rng.integers(0, 200, (2, 5, 61, 47)).astype(dtype)
    else:
        x = rng.standard_normal((2, 5, 61, 47)).astype(dtype)
    if dtype in ("float16", "int16") and kw.get("antialias"):
        kw = dict(kw)  # extension path, still compared across variants
    want = cyresample.interpolate(x, **kw)
    variant_kernels(variant)
    got = cyresample.interpolate(x, **kw)
    assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.skipif(not OTHERS, reason="only one CPU variant is supported on this machine")
@pytest.mark.parametrize("variant", OTHERS)
@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("kw", [dict(size=(29, 23), mode="bilinear", antialias=True),
                                dict(scale_factor=0.9, mode="bilinear", antialias=True),
                                dict(size=(40, 17), mode="bicubic", antialias=True),
                                dict(scale_factor=0.7, mode="bicubic"), dict(scale_factor=2, mode="bilinear"),
                                dict(size=(61, 140), mode="bicubic")], ids=str)
def test_variants_bit_identical_on_channels_last_uint8(variant, channels, kw, variant_kernels):
    # interleaved RGB/RGBA rows: the pair, row (four rows at a time, then two, then one: 63
    # rows leave a remainder) and lane kernels of each build against the selected one
    x = np.random.default_rng(1).integers(0, 256, (2, 63, 101, channels)).astype(np.uint8).transpose(0, 3, 1, 2)
    want = cyresample.interpolate(x, **kw)
    variant_kernels(variant)
    got = cyresample.interpolate(x, **kw)
    assert np.array_equal(got, want)


def test_float16_conversions_identical_on_every_variant():
    # F16C instructions in the avx2/avx512 builds, portable code in the baseline: every
    # float16 widens to the same float32 bits, and float32 values (every float16, the ties
    # between neighbours, random bit patterns incl. NaN/Inf/subnormals) narrow to the same bits
    halves = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    f = halves.view(np.float16).astype(np.float32)
    fin = np.isfinite(f)
    mids = (f[fin][:-1].astype(np.float64) + f[fin][1:].astype(np.float64)) / 2
    rng = np.random.default_rng(0)
    floats = np.concatenate([f, mids.astype(np.float32),
                             rng.integers(0, 1 << 32, 1 << 20, dtype=np.uint64).astype(np.uint32).view(np.float32)])
    results = {}
    for v in VARIANTS:
        k = _dispatch.load(v)
        results[v] = (k.convert_half(halves, True).view(np.uint32), k.convert_half(floats, False))
    base_w, base_n = results[VARIANTS[0]]
    for v in VARIANTS[1:]:
        np.testing.assert_array_equal(results[v][0], base_w)
        np.testing.assert_array_equal(results[v][1], base_n)
    # and they are IEEE conversions (NumPy's), NaN payloads aside
    wide = base_w.view(np.float32)
    nan = np.isnan(f)
    np.testing.assert_array_equal(wide[~nan].view(np.uint32), f[~nan].view(np.uint32))
    assert np.isnan(wide[nan]).all()
    ok = ~np.isnan(floats)
    with np.errstate(over="ignore"):  # values beyond float16's range round to inf, as intended
        want = floats[ok].astype(np.float16).view(np.uint16)
    np.testing.assert_array_equal(base_n[ok], want)
