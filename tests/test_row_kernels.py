"""Table rows (docs/design.md, "Table rows"): rows without a periodic interior go through the
table, one output at a time, or, for float32 tables of six taps or more in the fused W+H
pass, sixteen rows at a time with one row per vector lane. Every output
must be the table's sum in tap order, bit for bit: checked here against a NumPy evaluation
of that order (float32 products and sums, no contraction), with arbitrary (unsorted)
indices, tap counts from 0 to K that differ between neighbours, and infinities, NaN and -0.
"""
import numpy as np
import pytest

from cyresample import _dispatch


def _table_sum(x, idx, w, nt):
    # out[..., o] = ((x[idx0] * w0 + x[idx1] * w1) + ...) in float32, 0 for an empty row
    out = np.zeros(x.shape[:-1] + (idx.shape[0],), x.dtype)
    for o in range(idx.shape[0]):
        if nt[o] == 0:
            continue
        acc = x[..., idx[o, 0]] * w[o, 0]
        for k in range(1, nt[o]):
            acc = acc + x[..., idx[o, k]] * w[o, k]
        out[..., o] = acc
    return out


def _tables(rng, n_in, n_out, K, dtype):
    idx = rng.integers(0, n_in, (n_out, K)).astype(np.int64)
    w = rng.standard_normal((n_out, K)).astype(dtype)
    nt = rng.integers(0, K + 1, n_out).astype(np.int64)
    nt[:3] = (0, K, 1)
    return idx, w, nt


def _input(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    x[0, 0, 1] = np.inf
    x[0, 1, 2] = -np.inf
    x[-1, -1, 3] = np.nan
    x[0, 2, :] = -0.0
    return x


@pytest.mark.parametrize("K", [2, 5, 6, 9, 15])
@pytest.mark.parametrize("rows", [3, 16, 37])
def test_fused_w_pass_is_the_table_sum(K, rows):
    # the fused pass's W rows (16 at a time from six taps on) against the NumPy sum, then
    # its H pass as a plain second pass over them
    k = _dispatch.kernels
    rng = np.random.default_rng(K * 100 + rows)
    n_in, OW = 53, 29
    idx_w, w_w, nt_w = _tables(rng, n_in, OW, K, np.float32)
    OH = 9
    idx_h = np.sort(rng.integers(0, rows, (OH, 3)), axis=1).astype(np.int64)
    w_h = rng.standard_normal((OH, 3)).astype(np.float32)
    nt_h = rng.integers(1, 4, OH).astype(np.int64)
    x = _input(rng, (2, rows, n_in), np.float32)
    mid = _table_sum(x, idx_w, w_w, nt_w)
    want = np.empty((2, OH, OW), np.float32)
    k.separable_pass(np.ascontiguousarray(mid.transpose(0, 2, 1)).transpose(0, 2, 1), want, 1, idx_h, w_h, nt_h,
                     "f32_f32", 0, 1)
    for band_rows in (1, 4, 16):
        got = np.empty_like(want)
        bands = k.fused_bands(idx_h, nt_h, band_rows)
        k.fused_passes(x, got, (idx_w, w_w, nt_w, 0, None, int(idx_w.max())),
                        (idx_h, w_h, nt_h, 0, None, int(idx_h.max())), "f32_f32", "f32_f32", bands, band_rows, 2)
        assert got.tobytes() == want.tobytes(), band_rows


@pytest.mark.parametrize("variant, dtype", [("f32_f32", np.float32), ("f64_f64", np.float64)])
@pytest.mark.parametrize("K", [1, 3, 7, 12])
def test_row_pass_is_the_table_sum(variant, dtype, K):
    # a plain W pass (the table loop) against the NumPy sum
    k = _dispatch.kernels
    rng = np.random.default_rng(K)
    n_in, n_out = 41, 23
    idx, w, nt = _tables(rng, n_in, n_out, K, dtype)
    x = _input(rng, (3, 4, n_in), dtype)
    got = np.empty((3, 4, n_out), dtype)
    k.separable_pass(x, got, 2, idx, w, nt, variant, 0, 2)
    assert got.tobytes() == _table_sum(x, idx, w, nt).tobytes()
