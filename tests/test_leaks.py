"""Resident memory stays flat over many calls (no leaked arrays, tables, references).

The workload cycles through a fixed mix of calls -- every mode family, float/uint8/int/half
dtypes, channels-last and strided inputs, ``out=`` (also overlapping), calls that raise
(argument errors, dtype errors, bad ``out=``, 2**40-element outputs that fail to allocate)
-- plus, in the slow version, a stream of fresh geometries that churns the bounded plan
caches. After a warm-up (which fills the plan caches and NumPy's/the allocator's pools) the
resident set size, read from /proc/self/statm, may grow by at most a few MB over 10**4
(default run) or 10**5 (``slow``) further calls. A leak of even one small array per call
(~100 bytes) over 10**5 calls is 10 MB and fails.

Skipped where /proc/self/statm does not exist (non-Linux) and under AddressSanitizer (its
quarantine keeps freed memory resident on purpose).
"""
import gc
import os

import numpy as np
import pytest

import cyresample

interp = cyresample.interpolate

pytestmark = [
    pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm (Linux)"),
    pytest.mark.skipif(os.environ.get("CYRESAMPLE_SANITIZER") == "asan" or
                       "asan" in os.environ.get("LD_PRELOAD", ""),
                       reason="ASan's quarantine keeps freed memory resident"),
]

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MB = 1 << 20


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _workload():
    """A list of zero-argument callables, each one interpolate call (some raise)."""
    rng = np.random.RandomState(7)
    f32 = rng.randn(2, 3, 24, 20).astype(np.float32)
    f64 = rng.randn(1, 2, 13, 17)
    u8 = rng.randint(0, 256, (1, 3, 30, 30)).astype(np.uint8)
    f16 = rng.randn(1, 2, 9, 11).astype(np.float16)
    i16 = rng.randint(-1000, 1000, (2, 2, 10, 12)).astype(np.int16)
    cl = np.ascontiguousarray(rng.randn(1, 16, 12, 9).astype(np.float32)).transpose(0, 3, 1, 2)
    neg = f32[:, ::-1, ::-2, ::-1]
    v5 = rng.randn(1, 2, 5, 6, 7).astype(np.float32)
    w3 = rng.randn(2, 3, 50)
    c64 = (rng.randn(1, 2, 8, 8) + 1j * rng.randn(1, 2, 8, 8)).astype(np.complex64)
    out_bl = np.empty((2, 3, 31, 29), np.float32)
    out_bad = np.empty((2, 3, 31, 28), np.float32)
    buf = np.zeros(2 * 3 * 24 * 20 * 2, np.float32)

    def overlap():
        x = buf[:f32.size].reshape(f32.shape)
        x[...] = f32
        return interp(x, size=(24, 20), mode="bicubic", out=buf[5:5 + f32.size].reshape(f32.shape))

    ok = [
        lambda: interp(f32, size=(31, 29), mode="bilinear"),
        lambda: interp(f32, size=(31, 29), mode="bilinear", out=out_bl),
        lambda: interp(f32, scale_factor=1.7, mode="nearest"),
        lambda: interp(f32, scale_factor=(0.6, 2.2), mode="nearest-exact"),
        lambda: interp(f32, size=(200, 150), mode="bicubic", align_corners=True),
        lambda: interp(f32, size=(7, 5), mode="bilinear", antialias=True),
        lambda: interp(f32, size=(9, 7), mode="lanczos", antialias=True),
        lambda: interp(f32, size=(5, 6), mode="area"),
        lambda: interp(f32, size=1, mode="area"),
        lambda: interp(f64, size=(40, 3), mode="bicubic"),
        lambda: interp(u8, size=(17, 45), mode="bilinear"),
        lambda: interp(u8, size=(11, 12), mode="bicubic", antialias=True),
        lambda: interp(f16, size=(20, 20), mode="bilinear"),
        lambda: interp(i16, size=(5, 30), mode="bicubic"),
        lambda: interp(cl, size=(30, 20), mode="bilinear"),
        lambda: interp(cl, size=(4, 3), mode="area"),
        lambda: interp(neg, size=(9, 9), mode="bilinear"),
        lambda: interp(v5, size=(8, 3, 9), mode="trilinear"),
        lambda: interp(v5, size=(2, 3, 4), mode="area"),
        lambda: interp(w3, size=77, mode="linear", align_corners=True),
        lambda: interp(c64, size=(5, 13), mode="bilinear"),
        lambda: interp(f32[:0], size=(3, 3), mode="bilinear"),
        overlap,
    ]
    bad = [
        lambda: interp(f32, size=(3, 3), mode="nearest", align_corners=True),      # ValueError
        lambda: interp(f32, size=(3, 3, 3)),                                       # ValueError
        lambda: interp(f32, size=(3, 3), mode="trilinear"),                        # NotImplementedError
        lambda: interp(f32, scale_factor=float("nan")),                            # RuntimeError
        lambda: interp(f32, size=(3, 3), mode="bilinear", align_corners="yes"),    # TypeError
        lambda: interp(np.zeros((1, 1, 4, 4), object), size=3),                    # TypeError
        lambda: interp(f32, size=(31, 29), mode="bilinear", out=out_bad),          # ValueError
        lambda: interp(f32, size=2 ** 20, mode="bilinear"),                        # MemoryError
        lambda: interp(f32, size=2 ** 62),                                         # RuntimeError (E20)
        lambda: interp(u8, size=(3, 3), mode="area", antialias=True),              # ValueError
    ]
    return ok, bad


def _run(fns, n):
    errors = 0
    k = len(fns)
    for i in range(n):
        try:
            fns[i % k]()
        except (ValueError, TypeError, NotImplementedError, RuntimeError, OverflowError, MemoryError):
            errors += 1
    return errors


def _measure(fns, warmup, n):
    _run(fns, warmup)
    gc.collect()
    before = rss()
    errors = _run(fns, n)
    gc.collect()
    return rss() - before, errors


def test_rss_flat_over_10k_calls():
    ok, bad = _workload()
    mixed = ok + bad
    growth, errors = _measure(mixed, 2 * len(mixed) * 10, 10 ** 4)
    assert errors > 0
    assert growth < 4 * MB, "RSS grew by %.1f MB over 10**4 calls" % (growth / MB)


def test_rss_flat_over_10k_failing_calls():
    _, bad = _workload()
    growth, errors = _measure(bad, 20 * len(bad), 10 ** 4)
    assert errors == 10 ** 4
    assert growth < 2 * MB, "RSS grew by %.1f MB over 10**4 failing calls" % (growth / MB)


@pytest.mark.slow
def test_rss_flat_over_100k_calls():
    ok, bad = _workload()
    mixed = ok + bad
    growth, errors = _measure(mixed, 5000, 10 ** 5)
    assert errors > 0
    assert growth < 4 * MB, "RSS grew by %.1f MB over 10**5 calls" % (growth / MB)


@pytest.mark.slow
def test_rss_flat_with_fresh_geometries():
    """10**5 calls on ever-new geometries (new plans each time): the plan caches are bounded,
    so RSS plateaus once they are full."""
    rng = np.random.RandomState(11)
    modes = [("bilinear", False), ("bicubic", False), ("nearest", False), ("area", False),
             ("bilinear", True), ("lanczos", True)]
    xs = [rng.randn(1, 2, h, w).astype(np.float32) for h, w in [(17, 23), (40, 9), (8, 64)]]

    def run(n, seed):
        r = np.random.RandomState(seed)
        for _ in range(n):
            mode, aa = modes[r.randint(len(modes))]
            x = xs[r.randint(len(xs))]
            interp(x, size=(int(r.randint(1, 120)), int(r.randint(1, 120))), mode=mode, antialias=aa)

    run(20000, 1)          # fills every cache
    gc.collect()
    before = rss()
    run(80000, 2)
    gc.collect()
    growth = rss() - before
    assert growth < 4 * MB, "RSS grew by %.1f MB after the caches were full" % (growth / MB)
