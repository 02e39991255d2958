"""Values of cyresample.interpolate on the case matrix (tests/cases.py).

1. vs the golden vectors (tests/golden, from torch 2.13.0; no torch needed):
   bit-exact (NaN-aware) in every mode -- the golden is torch's DEFAULT build
   (ATEN_CPU_CAPABILITY=default), except nearest-exact which comes from the stock build
   (fused index rounding at exact ties, spec §6 F3) -- with two exceptions (cases.golden_tolerance):
   area with all output sizes 1 (torch's mean(), 4 eps) and float32 lanczos (torch's sinf, 2 ulp).
2. vs live stock torch (only when torch is importable): nearest / nearest-exact / area bit-exact,
   float interpolating modes within cases.live_tolerance (spec §3.4 plus the measured
   fused-arithmetic term).

Cases hitting torch's width-1 antialias defect (spec §7: antialias, output width 1, height
changed -> torch gives every output row the taps of row 0) are skipped: torch's values are wrong
there and cyresample deliberately does not replicate them (test_invariants checks those shapes
against a separable composition instead).
"""
import warnings

import numpy as np
import pytest

import cases as C
import cyresample

try:            # the live-oracle tests need torch; everything else runs without it
    import torch  # noqa: F401
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed (golden tests cover the values)")

DEFECT = ("torch 2.13 width-1 antialias defect (spec §7): torch's output is wrong for "
          "antialias with output width 1 and a changed height; not replicated")


def _run(case, x):
    before = x.copy()
    with warnings.catch_warnings(record=True) as caught:   # torch emits none (spec §1.1)
        warnings.simplefilter("always")
        got = cyresample.interpolate(x, **C.call_kwargs(case))
    assert not caught, "interpolate warned: %s" % "; ".join(
        "%s: %s" % (w.category.__name__, w.message) for w in caught)
    assert np.array_equal(x, before, equal_nan=True), "interpolate modified its input"
    return got


@pytest.mark.parametrize("case", C.CASES, ids=lambda c: c.id)
def test_vs_golden(case, golden):
    if case.torch_defect:
        pytest.skip(DEFECT)
    assert case.id in golden.outputs, (
        "no golden output for case %r: the matrix changed, run `python tools/make_golden.py`" % case.id)
    x = C.make_input(case)
    assert C.input_digest(x) == golden.digests[case.id], (
        "the input of %r differs from the one the golden was made from: run "
        "`python tools/make_golden.py`" % case.id)
    got = _run(case, x)
    atol, rtol = C.golden_tolerance(case, x)
    msg = C.compare(got, golden.outputs[case.id], atol, rtol)
    assert msg is None, "%s vs golden (%s): %s" % (case.id, golden.file_of[case.id], msg)


@needs_torch
@pytest.mark.parametrize("case", C.CASES, ids=lambda c: c.id)
def test_vs_live_torch(case, torch_interpolate):
    if case.torch_defect:
        pytest.skip(DEFECT)
    x = C.make_input(case)
    expected = torch_interpolate(x, **C.call_kwargs(case))
    got = _run(case, x)
    atol, rtol = C.live_tolerance(case, x)
    msg = C.compare(got, expected, atol, rtol, nonfinite_exact=C.live_nonfinite_exact(case, x))
    assert msg is None, "%s vs live torch: %s" % (case.id, msg)


def test_golden_covers_matrix(golden):
    """Every non-defect case has a golden output and no golden entry is stale."""
    want = {c.id for c in C.CASES if not c.torch_defect}
    have = set(golden.outputs)
    missing = sorted(want - have)
    stale = sorted(have - want)
    assert not missing, "%d cases lack golden outputs (run tools/make_golden.py), e.g. %s" % (
        len(missing), missing[:5])
    assert not stale, "%d golden entries are not in the matrix (run tools/make_golden.py), e.g. %s" % (
        len(stale), stale[:5])


def test_golden_metadata(golden):
    """Each golden file comes from torch 2.13.0 with the build its cases need."""
    assert golden.meta, "no golden files in tests/golden (run tools/make_golden.py)"
    for fname, meta in golden.meta.items():
        assert meta["torch"].split("+")[0] == "2.13.0", (fname, meta["torch"])
        assert meta["threads"] == 2, (fname, meta["threads"])
        sources = {C.golden_source(C.CASES_BY_ID[k]) for k in meta["inputs"] if k in C.CASES_BY_ID}
        assert sources == {meta["source"]}, (fname, sources, meta["source"])
        if meta["source"] == "default":
            assert meta["capability"] == "DEFAULT", (fname, meta["capability"])
        else:
            assert meta["capability"] != "DEFAULT", (fname, meta["capability"])
