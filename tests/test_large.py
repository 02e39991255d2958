"""Arrays of more than 2**31 elements (64-bit offsets everywhere) -- marked ``slow``.

Each test builds a ~2.2 GB uint8 array (more than 2**31 elements, so every element count,
row index and byte offset past the first 2 GiB needs 64 bits), resamples it, and checks
sampled outputs -- random ones, the first and last, and a band just past flat index 2**31
of the output -- against a small-window recomputation from the float64 oracle's per-axis
matrices (tests/reference.py). Families: nearest (5-D gather), linear (5-D trilinear along
the fastest axis and along the slowest axis), cubic and antialias on a big 2-D image, area
(5-D). Peak memory ~8.7 GB (the float32 test's 2**31-element output; the uint8 tests need
~4.4 GB: input + output, no copies); about 3 minutes on 2 cores.

Run: ``python -m pytest -m slow tests/test_large.py``.
"""
import gc

import numpy as np
import pytest

import cyresample
import reference as R

pytestmark = pytest.mark.slow

TWO31 = 2 ** 31


def _pattern(shape):
    """A uint8 array of ``shape`` with a cheap, non-periodic-looking pattern, filled in blocks
    of rows (temporaries stay below ~100 MB)."""
    x = np.empty(shape, np.uint8)
    lead = shape[:-2]
    h, w = shape[-2:]
    j = np.arange(w, dtype=np.int64)[None, :]
    block = max(1, (1 << 23) // w)
    for k, idx in enumerate(np.ndindex(*lead)):
        for r0 in range(0, h, block):
            i = np.arange(r0, min(h, r0 + block), dtype=np.int64)[:, None]
            x[idx + (slice(r0, r0 + block),)] = (i * 37 + j * 101 + (i * j) % 7 + k * 13 + (k * k) % 11) & 255
    return x


def _sample_positions(out_shape, rng, n=300):
    """Output positions to check: random, corners, and just past flat index 2**31."""
    size = int(np.prod(out_shape))
    flat = list(rng.randint(0, size, n)) + [0, size - 1]
    if size > TWO31:
        flat += list(range(TWO31 - 3, min(TWO31 + 64, size)))
        flat += list(rng.randint(TWO31, size, 50))
    return [np.unravel_index(int(f), out_shape) for f in flat]


def _check_single_axis(x, y, axis, rows, tol, positions):
    """y differs from x only along ``axis``: y[p] = sum_j w_j x[..j..] with the oracle's row
    ``rows(o) -> {j: w_j}`` of output index o along that axis."""
    bad = []
    for p in positions:
        row = rows(p[axis])
        idx = list(p)
        acc = 0.0
        for t, w in row.items():
            idx[axis] = t
            acc += w * float(x[tuple(idx)])
        v = float(y[p])
        if not abs(v - min(max(acc, 0.0), 255.0)) <= tol:
            bad.append((p, v, acc))
    assert not bad, "%d sampled outputs wrong, e.g. %s" % (len(bad), bad[:5])


def _rows(*args, **kw):
    """``o -> {j: w}`` from reference.axis_rows, one row at a time (no dense matrix)."""
    return lambda o: R.axis_rows(*args, rows=[o], **kw)[int(o)][0]


@pytest.fixture(scope="class")
def volume():
    """(1, 1, 1300, 1300, 1300) uint8: 2 197 000 000 elements > 2**31."""
    x = _pattern((1, 1, 1300, 1300, 1300))
    assert x.size > TWO31
    yield x
    del x
    gc.collect()


class TestVolume:
    """Tests sharing the 2.2 GB volume (freed after the class)."""

    def test_nearest_5d_gather(self, volume):
        x = volume
        out = (1300, 1300, 1301)
        y = cyresample.interpolate(x, size=out, mode="nearest")
        assert y.shape == (1, 1) + out and y.size > TWO31
        maps = [R.axis_matrix("nearest", n, o)[0].argmax(1) for n, o in zip(x.shape[2:], out)]  # 1300 x 1301
        rng = np.random.RandomState(0)
        bad = [p for p in _sample_positions(y.shape, rng)
               if y[p] != x[(0, 0, maps[0][p[2]], maps[1][p[3]], maps[2][p[4]])]]
        assert not bad, bad[:5]
        del y
        gc.collect()


    @pytest.mark.parametrize("axis", [4, 2], ids=["fastest-axis", "slowest-axis"])
    def test_linear_5d_one_axis(self, volume, axis):
        """trilinear (uint8 fixed point, extension) resizing one axis: along W each row is a
        gather; along D whole 1.69M-element planes are combined, at source offsets past 2**31."""
        x = volume
        out = [1300, 1300, 1300]
        out[axis - 2] = 1299
        y = cyresample.interpolate(x, size=tuple(out), mode="trilinear")
        assert y.size > TWO31
        tol = R.tolerance(x[0, 0, :2, :2, :2], "trilinear", (1300,) * 3, tuple(out))
        _check_single_axis(x, y, axis, _rows("linear", 1300, 1299), tol,
                           _sample_positions(y.shape, np.random.RandomState(1)))
        del y
        gc.collect()


    def test_area_5d(self, volume):
        """area (uint8: exact mean, rounded half up) 2x2x2 windows over the whole volume."""
        x = volume
        y = cyresample.interpolate(x, size=(650, 650, 650), mode="area")
        rng = np.random.RandomState(2)
        bad = []
        for p in _sample_positions(y.shape, rng):
            d, h, w = p[2:]
            win = x[0, 0, 2 * d:2 * d + 2, 2 * h:2 * h + 2, 2 * w:2 * w + 2].astype(np.int64)
            want = (2 * int(win.sum()) + 8) // 16          # floor(mean + 0.5)
            if int(y[p]) != want:
                bad.append((p, int(y[p]), want))
        assert not bad, bad[:5]
        # the last output window reads the last input element (offset 2**31 + ...)
        assert int(y[0, 0, -1, -1, -1]) == (2 * int(x[0, 0, -2:, -2:, -2:].astype(np.int64).sum()) + 8) // 16
        del y
        gc.collect()


@pytest.fixture(scope="class")
def image():
    """(1, 1, 46500, 46500) uint8: 2 162 250 000 elements > 2**31."""
    x = _pattern((1, 1, 46500, 46500))
    assert x.size > TWO31
    yield x
    del x
    gc.collect()


class TestImage:
    """Tests sharing the 2.16 GB image (freed after the class)."""

    def test_bicubic_2d_fastest_axis(self, image):
        x = image
        y = cyresample.interpolate(x, size=(46500, 46499), mode="bicubic")
        assert y.size > TWO31
        tol = R.tolerance(x[0, 0, :2, :2], "bicubic", (46500, 46500), (46500, 46499))
        _check_single_axis(x, y, 3, _rows("bicubic", 46500, 46499), tol,
                           _sample_positions(y.shape, np.random.RandomState(3)))
        del y
        gc.collect()


    def test_antialias_2d_slowest_axis(self, image):
        """bicubic antialias downsampling of the rows: taps read rows at offsets past 2**31."""
        x = image
        y = cyresample.interpolate(x, size=(20011, 46500), mode="bicubic", antialias=True)
        tol = R.tolerance(x[0, 0, :2, :2], "bicubic", (46500, 46500), (20011, 46500), True)
        _check_single_axis(x, y, 2, _rows("bicubic", 46500, 20011, antialias=True), tol,
                           _sample_positions(y.shape, np.random.RandomState(4)))
        del y
        gc.collect()


def test_64bit_output_index_with_float32():
    """A float32 output of more than 2**31 elements, written by the generic separable path:
    element 2**31 + k must be right (a 32-bit index would wrap to a negative offset)."""
    x = np.arange(4 * 3, dtype=np.float32).reshape(1, 1, 4, 3)
    # (1, 1, 2**16 + 8, 2**15 + 8) float32 = 8.6 GB would be too much; use many images instead
    n = (TWO31 // (8 * 9)) + 64
    xb = np.broadcast_to(x, (n, 1, 4, 3))
    y = cyresample.interpolate(xb, size=(8, 9), mode="bilinear")
    assert y.size > TWO31
    ref = cyresample.interpolate(x, size=(8, 9), mode="bilinear")
    for f in [0, TWO31 - 1, TWO31, TWO31 + 1, TWO31 + 71, y.size - 1]:
        p = np.unravel_index(f, y.shape)
        assert y[p] == ref[(0,) + tuple(p[1:])], p
    # every image of the batch, sampled
    rng = np.random.RandomState(5)
    for b in list(rng.randint(0, n, 200)) + [n - 1]:
        assert np.array_equal(y[b], ref[0]), b
    del y
    gc.collect()
