"""Invariants of cyresample.interpolate that need no oracle.

* thread-count invariance: 1, 2 and 3 threads give identical arrays (every output element is
  computed by one thread in a fixed order; torch's own thread dependence, spec §3.1/F14, is
  resolved by always following its multi-threaded kernel choice);
* batch / channel stacking: a batch equals its items done one by one;
* a constant image stays constant;
* identity sizes copy exactly (and the linear same-size path multiplies by 1 and 0, so Inf
  becomes NaN next to it, spec §4.2);
* non-contiguous inputs (steps, negative strides, Fortran order, channels-last views) give the
  values of their C-contiguous copies;
* antialias is separable with the intermediate in the input dtype (the width pass, then the
  height pass), which also pins the output-width-1 shapes where torch is defective (spec §7).
"""
import numpy as np
import pytest

import cyresample

interp = cyresample.interpolate
DTYPES = [np.float32, np.float64]

# (mode, rank, antialias, align_corners values)
MODES = [
    ("nearest", 3, False, [None]), ("nearest", 4, False, [None]), ("nearest", 5, False, [None]),
    ("nearest-exact", 3, False, [None]), ("nearest-exact", 4, False, [None]),
    ("nearest-exact", 5, False, [None]),
    ("linear", 3, False, [False, True]), ("bilinear", 4, False, [False, True]),
    ("bicubic", 4, False, [False, True]), ("trilinear", 5, False, [False, True]),
    ("bilinear", 4, True, [False, True]), ("bicubic", 4, True, [False, True]),
    ("lanczos", 4, True, [False]),
    ("area", 3, False, [None]), ("area", 4, False, [None]), ("area", 5, False, [None]),
]


def mode_id(m):
    mode, rank, aa, _ = m
    return "%s%s-%dd" % (mode, "+aa" if aa else "", rank)


# Moderately sized: the first output of each rank is big enough (> 2**15 elements, the
# engine's single-thread cut-off) that several threads split the work; the others are small
# or all-ones (area -> mean).
BIG_IN = {3: (2, 3, 1001), 4: (2, 3, 67, 45), 5: (2, 3, 9, 17, 13)}
BIG_OUT = {3: [(6007,), (301,), (1,)], 4: [(131, 77), (23, 19), (1, 1)],
           5: [(19, 31, 11), (5, 7, 23), (1, 1, 1)]}


def randn(shape, dtype, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(dtype)


def kw_for(mode, aa, ac):
    kw = dict(mode=mode, antialias=aa)
    if ac is not None:
        kw["align_corners"] = ac
    return kw


# -- threads ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("m", MODES, ids=mode_id)
def test_thread_count_invariance(m, dt):
    mode, rank, aa, acs = m
    x = randn(BIG_IN[rank], dt, seed=rank)
    for out in BIG_OUT[rank]:
        for ac in acs:
            kw = kw_for(mode, aa, ac)
            with cyresample.threads(1):
                ref = interp(x, size=out, **kw)
            for n in (2, 3):
                with cyresample.threads(n):
                    got = interp(x, size=out, **kw)
                assert np.array_equal(got, ref, equal_nan=True), (mode, out, ac, n)
    # channels-last input (torch picks its channels-last kernels for C > 3, spec §3.1)
    if rank == 4:
        xc = randn((2, 9, 33, 21), dt, seed=9)
        xcl = np.ascontiguousarray(xc.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
        kw = kw_for(mode, aa, acs[0])
        for out in ((67, 41), (100, 60)):          # sum <= 128 and > 128 (spec §3.1)
            with cyresample.threads(1):
                ref = interp(xcl, size=out, **kw)
            for n in (2, 3):
                with cyresample.threads(n):
                    got = interp(xcl, size=out, **kw)
                assert np.array_equal(got, ref, equal_nan=True), (mode, out, n)


def test_set_num_threads_invariance():
    x = randn((2, 3, 67, 45), np.float32)
    try:
        cyresample.set_num_threads(1)
        ref = interp(x, size=(131, 77), mode="bicubic")
        cyresample.set_num_threads(3)
        got = interp(x, size=(131, 77), mode="bicubic")
    finally:
        cyresample.set_num_threads(None)
    assert np.array_equal(got, ref)


def test_f14_bilinear_c3_does_not_depend_on_threads():
    # torch uses its channels-last kernel for C == 3 with one thread (spec F14); cyresample's
    # result is the same for every thread count.
    x = randn((1, 3, 7, 9), np.float32, seed=14)
    outs = []
    for n in (1, 2, 3):
        with cyresample.threads(n):
            outs.append(interp(x, size=(100, 60), mode="bilinear"))
    assert np.array_equal(outs[0], outs[1]) and np.array_equal(outs[0], outs[2])


# -- batch / channel stacking -----------------------------------------------------------------
@pytest.mark.parametrize("dt", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("m", MODES, ids=mode_id)
def test_batch_equals_items(m, dt):
    mode, rank, aa, acs = m
    spatial = {3: (13,), 4: (9, 7), 5: (5, 4, 6)}[rank]
    outs = {3: [(29,), (5,)], 4: [(17, 5), (4, 11)], 5: [(7, 3, 9), (3, 5, 4)]}[rank]
    for C in (2, 3, 5, 9):
        x = randn((3, C) + spatial, dt, seed=C)
        for out in outs:
            kw = kw_for(mode, aa, acs[-1])
            y = interp(x, size=out, **kw)
            for n in range(x.shape[0]):
                yn = interp(x[n:n + 1], size=out, **kw)
                assert np.array_equal(y[n:n + 1], yn, equal_nan=True), (C, out, n)
            if C <= 3:
                # channel by channel (C > 3 may legitimately use another torch kernel order:
                # the channels-last vector lanes, spec §3.2, only for channels-last inputs)
                for c in range(C):
                    yc = interp(x[:, c:c + 1], size=out, **kw)
                    assert np.array_equal(y[:, c:c + 1], yc, equal_nan=True), (C, out, c)


# -- constant image ---------------------------------------------------------------------------
# Largest deviation torch 2.13 (DEFAULT build) itself shows on these shapes, in eps * |v|:
# nearest modes 0; linear / trilinear (generic kernel: v*l0 + v*l1, l0 = 1 - l1) and area
# (window sum / kH / kW) 0 for dyadic values, <= 1.25 for 0.1; bilinear (channels-last kernel:
# corner weights are rounded products lh*lw) 1.23; antialias / lanczos (normalised weights)
# 3.1; bicubic (A = -0.75 polynomials in T, 16 taps, no normalisation) 13.8.
CONST_RTOL_EPS = {"nearest": 0, "nearest-exact": 0, "linear": 2, "trilinear": 2, "area": 2,
                  "bilinear": 3, "bicubic": 32, "aa": 8, "lanczos": 8}


@pytest.mark.parametrize("dt", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("m", MODES, ids=mode_id)
@pytest.mark.parametrize("value", [3.25, -1e3, 0.1])
def test_constant_stays_constant(m, dt, value):
    mode, rank, aa, acs = m
    spatial = {3: (11,), 4: (9, 13), 5: (5, 6, 7)}[rank]
    outs = {3: [(1,), (7,), (31,)], 4: [(1, 1), (4, 23), (17, 5), (27, 39), (3, 140)],
            5: [(1, 1, 1), (3, 11, 2), (9, 4, 13)]}[rank]
    x = np.full((2, 3) + spatial, value, dtype=dt)
    v = dt(value)
    k = CONST_RTOL_EPS["aa" if aa and mode != "lanczos" else mode]
    if mode in ("nearest", "nearest-exact") or (mode in ("linear", "trilinear", "area") and value != 0.1):
        k = 0
    for out in outs:
        for ac in acs:
            y = interp(x, size=out, **kw_for(mode, aa, ac))
            assert y.shape == (2, 3) + out and y.dtype == dt
            if k == 0:
                assert np.array_equal(y, np.full_like(y, v)), (out, ac, np.abs(y - v).max())
            else:
                np.testing.assert_allclose(y, v, rtol=k * np.finfo(dt).eps, atol=0,
                                           err_msg="%s out=%s ac=%s" % (mode, out, ac))


# -- identity sizes ---------------------------------------------------------------------------
@pytest.mark.parametrize("dt", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("m", MODES, ids=mode_id)
def test_identity_size_copies(m, dt):
    mode, rank, aa, acs = m
    shape = {3: (2, 3, 17), 4: (2, 3, 9, 13), 5: (2, 3, 5, 6, 7)}[rank]
    x = randn(shape, dt, seed=5)
    for ac in acs:
        kw = kw_for(mode, aa, ac)
        y = interp(x, size=shape[2:], **kw)
        # bicubic with size == input: s = 1 (or (in-1)/(out-1) = 1), t == 0 -> weights 0,1,0,0
        assert np.array_equal(y, x), (mode, ac, np.abs(y - x).max())
        assert y.dtype == dt
        assert not np.shares_memory(y, x), "result must be a new array"
        # scale_factor=1.0 also gives out == in
        assert np.array_equal(interp(x, scale_factor=1.0, **kw), x), (mode, ac)


@pytest.mark.parametrize("dt", DTYPES, ids=["f32", "f64"])
def test_identity_size_with_inf(dt):
    """Same size: nearest and antialias copy. Linear's out == in shortcut uses i0 = i1 = i with
    weights 1 and 0, so an Inf's own position becomes inf*1 + inf*0 = NaN and nothing else
    changes (spec §4.2, F11). Bicubic multiplies every tap, zero weights included."""
    x = np.array([1, np.inf, 3, 4, -np.inf, 6], dtype=dt)
    x1 = x.reshape(1, 1, 6)
    expected_lin = np.array([1, np.nan, 3, 4, np.nan, 6], dtype=dt)
    assert np.array_equal(interp(x1, size=6, mode="linear").ravel(), expected_lin, equal_nan=True)
    for mode in ("nearest", "nearest-exact"):
        assert np.array_equal(interp(x1, size=6, mode=mode).ravel(), x, equal_nan=True)
    x2 = np.stack([x, x[::-1]]).reshape(1, 1, 2, 6)
    y = interp(x2, size=(2, 6), mode="bilinear")
    exp2 = np.where(np.isinf(x2), np.nan, x2)
    assert np.array_equal(y, exp2, equal_nan=True)
    for aa_mode in ("bilinear", "bicubic", "lanczos"):
        assert np.array_equal(interp(x2, size=(2, 6), mode=aa_mode, antialias=True), x2, equal_nan=True)
    # bicubic same size: every tap multiplied, zero weights included -> whole row NaN near inf
    y = interp(x2, size=(2, 6), mode="bicubic")
    assert np.isnan(y[0, 0, 0, :3]).all()


def test_identity_same_size_one_axis_linear_inf():
    # the linear same-size shortcut is per axis: H resized, W same -> W-axis weights 1 and 0
    x = np.array([[1, np.inf, 3], [4, 5, 6]], dtype=np.float32).reshape(1, 1, 2, 3)
    y = interp(x, size=(3, 3), mode="bilinear")
    assert np.isnan(y[0, 0, 0, 1])
    assert np.isfinite(y[0, 0, :, [0, 2]]).all()


# -- non-contiguous inputs --------------------------------------------------------------------
def _views(base, rank):
    """(name, non-contiguous view) pairs of a larger array."""
    sp = tuple(range(2, rank))
    yield "step", base[:, :, ::2] if rank == 3 else base[(slice(None), slice(None)) + (slice(None, None, 2),) * (rank - 2)]
    yield "negative", base[(slice(None, None, -1), slice(None, None, -1)) + (slice(None, None, -1),) * (rank - 2)]
    yield "fortran", np.asfortranarray(base)
    last = (0,) + sp + (1,)
    back = (0, rank - 1) + tuple(range(1, rank - 1))
    yield "channels_last", np.ascontiguousarray(base.transpose(last)).transpose(back)
    yield "channels_last_step", np.ascontiguousarray(base.transpose(last)).transpose(back)[:, ::2]
    perm = (1, 0) + sp                               # N and C swapped in memory
    yield "nc_swapped", np.ascontiguousarray(base.transpose(perm)).transpose(perm)
    if rank >= 4:                                    # spatial axes transposed in memory
        sw = (0, 1) + sp[::-1]
        yield "spatial_transposed", np.ascontiguousarray(base.transpose(sw)).transpose(sw)
    yield "broadcast_batch", np.broadcast_to(base[:1], base.shape)


def _torch_path_may_differ(view_name, c, mode, rank, aa, out):
    """True where torch (and so cyresample) picks a different kernel for a channels-last input
    than for its C-contiguous copy (spec §3.1): 2-D bilinear / nearest(-exact) with C > 3 and
    outH + outW > 128 (contiguous: generic kernel), 3-D trilinear / nearest(-exact) with C > 3
    (contiguous: always generic), 2-D area with C > 1 (channels-last pooling, §2.5)."""
    if view_name != "channels_last" or aa:
        return False
    if mode == "area":
        return rank == 4 and c > 1
    if mode in ("bilinear", "nearest", "nearest-exact") and rank == 4:
        return c > 3 and sum(out) > 128
    if mode in ("trilinear", "nearest", "nearest-exact") and rank == 5:
        return c > 3
    return False


@pytest.mark.parametrize("dt", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("m", MODES, ids=mode_id)
def test_non_contiguous_inputs(m, dt):
    mode, rank, aa, acs = m
    shape = {3: (2, 5, 22), 4: (2, 5, 14, 18), 5: (2, 5, 8, 6, 10)}[rank]
    outs = {3: [(17,), (5,)], 4: [(9, 25), (3, 7), (4, 133)], 5: [(5, 9, 4), (3, 3, 13)]}[rank]
    base = randn(shape, dt, seed=7)
    eps = np.finfo(dt).eps
    for name, v in _views(base, rank):
        c = np.ascontiguousarray(v)
        for out in outs:
            kw = kw_for(mode, aa, acs[-1])
            got = interp(v, size=out, **kw)
            ref = interp(c, size=out, **kw)
            assert got.shape == ref.shape and got.dtype == ref.dtype
            if not _torch_path_may_differ(name, v.shape[1], mode, rank, aa, out):
                assert np.array_equal(got, ref, equal_nan=True), (name, out, np.abs(got - ref).max())
            elif mode == "area":
                # one division by kH*kW instead of two: <= 1 ulp each way
                np.testing.assert_allclose(got, ref, rtol=2 * eps, atol=0, err_msg=name)
            elif mode in ("bilinear", "trilinear"):
                # another summation order / corner-weight rounding: a few eps
                np.testing.assert_allclose(got, ref, rtol=0, atol=8 * eps * np.abs(base).max(),
                                           err_msg=name)
            # nearest(-exact): the two index formulas may pick other pixels at rounding
            # boundaries (spec §2.1/§2.2); covered against torch by the channels-last cases of
            # test_values instead.


def test_non_contiguous_nearest_path_switch():
    # nearest 2-D: channels-last (C > 3) uses the CL index formula, which differs from the
    # generic one for user scales with out == 2*in (spec §2.1, F2); the shortcut depends on the
    # layout exactly as in torch, so a channels-last view and its contiguous copy may differ.
    # Here out + out <= 128 so both use the CL formula and must agree.
    x = randn((1, 5, 10, 10), np.float32)
    xcl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    a = interp(xcl, scale_factor=2.05)
    b = interp(x, scale_factor=2.05)
    assert np.array_equal(a, b)


# -- antialias separability (and the torch width-1 defect shapes, spec §7) --------------------
@pytest.mark.parametrize("dt", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
@pytest.mark.parametrize("shape,out", [((7, 3), (12, 1)), ((9, 5), (4, 1)), ((3, 1), (5, 1)),
                                       ((11, 13), (4, 5)), ((6, 17), (13, 3))])
def test_antialias_is_width_then_height(mode, dt, shape, out):
    x = randn((2, 3) + shape, dt, seed=11)
    y = interp(x, size=out, mode=mode, antialias=True)
    mid = interp(x, size=(shape[0], out[1]), mode=mode, antialias=True)      # width pass only
    two = interp(mid, size=out, mode=mode, antialias=True)                    # height pass only
    assert np.array_equal(y, two)
    if out[1] == 1:
        # the defect would give every output row the value of row 0; a ramp must stay a ramp
        ramp = np.repeat(np.arange(shape[0], dtype=dt)[:, None] * 10, shape[1], 1).reshape((1, 1) + shape)
        col = interp(ramp, size=out, mode="bilinear", antialias=True).ravel()
        assert col[0] < col[-1] and np.all(np.diff(col) >= 0), col.tolist()
