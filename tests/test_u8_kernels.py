"""The SIMD uint8 window kernels (``u8_fused_2d``, spec §2.7) against the table kernels.

Both compute the same exact int32 sums, so they must agree bit for bit: on planar rows and
on interleaved RGB/RGBA rows, with windows that end at the row's last pixel (where the
wide loads must not be used), on every CPU variant this machine runs, with the byte-lane
gather W kernel (AVX-512 VBMI, both instruction forms) and without it, and without reading
a byte past the input (a guard page after the array). Their agreement with PyTorch is
tested with the rest of the uint8 paths (test_dtypes.py).
"""
import sys

import numpy as np
import pytest

import cyresample
from cyresample import _api, _backend_cpu, _cpuinfo, _dispatch, _plan
from guard import guarded

VARIANTS = [v for v in _dispatch.built_variants() if v in _cpuinfo.supported_variants()]

SHAPES = [(1, 1, 1, 1), (1, 3, 2, 2), (2, 1, 7, 5), (1, 3, 16, 33), (1, 4, 31, 97), (2, 3, 64, 64),
          (1, 4, 5, 200), (1, 1, 200, 3), (1, 3, 40, 1)]
CALLS = [dict(scale_factor=2, mode="bilinear"), dict(scale_factor=2, mode="bicubic"),
         dict(scale_factor=2, mode="bilinear", align_corners=True),
         dict(size=(13, 29), mode="bicubic"), dict(size=(13, 29), mode="bicubic", antialias=True),
         dict(size=(3, 4), mode="bilinear", antialias=True),
         dict(scale_factor=0.5, mode="bilinear", antialias=True),
         dict(scale_factor=0.3, mode="bicubic", antialias=True, align_corners=True),
         dict(scale_factor=1.5, mode="bilinear"), dict(size=(1, 1), mode="bilinear", antialias=True),
         dict(size=(9, 1), mode="bicubic"),
         # H keeps its size (no H pass); windows of 4-6 taps (2 and 3 tap pairs)
         dict(scale_factor=(1, 2), mode="bicubic"), dict(scale_factor=(1, 0.45), mode="bilinear", antialias=True),
         dict(scale_factor=(1.3, 0.6), mode="bicubic", antialias=True),
         # W keeps its size (no W pass)
         dict(scale_factor=(2, 1), mode="bicubic"), dict(scale_factor=(0.4, 1), mode="bilinear", antialias=True),
         # long windows: taps 8-60 pixels apart in the W rows (gather groups of fewer than
         # 16 bytes; for RGB/RGBA bicubic too long for one 128-byte gather window)
         dict(scale_factor=(0.5, 0.08), mode="bicubic", antialias=True),
         dict(scale_factor=(0.5, 0.11), mode="bilinear", antialias=True)]


#: (variant, lanes): lanes = None leaves the byte-lane gather kernel out; 1 and 2 are its
#: instruction forms (pmaddwd + paddd; vpdpwssd), offered for every table it can take
LANE_RUNS = [(v, None) for v in VARIANTS] + \
    [(v, form) for v in VARIANTS for form in (1, 2) if 0 < form <= _dispatch.load(v).u8_lanes_form()]


@pytest.fixture
def kernels(monkeypatch):
    """``use(variant, windows, lanes)``: pick a CPU variant; ``windows=False`` disables the
    window kernels (the table kernels run instead); ``lanes``: None keeps the byte-lane
    gather W kernel out, 1 or 2 offers it (in that instruction form) for every table it
    takes, and "default" keeps the library's own choice. Returns the list of the
    window-kernel calls' arguments."""
    calls = []
    original = _backend_cpu._u8_windows_step
    forms = {}

    def use(variant, windows=True, lanes="default"):
        mod = _dispatch.load(variant)
        forms.setdefault(variant, mod.u8_lanes_form())
        if lanes != "default":
            monkeypatch.setattr(_backend_cpu, "U8_LANES_MIN_BYTES", 17 if lanes is None else 1)
            if lanes is not None:
                mod.u8_lanes_form(lanes)

        class Spy:
            def __getattr__(self, name):
                return getattr(mod, name)

            @staticmethod
            def u8_fused_2d(*args):
                calls.append(args)
                return mod.u8_fused_2d(*args)
        monkeypatch.setattr(_backend_cpu, "_kernels", Spy())
        monkeypatch.setattr(_backend_cpu, "_u8_windows_step", original if windows else (lambda *a: None))
        _api._EXECUTORS.clear()
        return calls
    yield use
    for variant, form in forms.items():
        if form:
            _dispatch.load(variant).u8_lanes_form(form)
    _api._EXECUTORS.clear()


def _channels_last(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _inputs():
    rng = np.random.default_rng(7)
    for shape in SHAPES:
        x = rng.integers(0, 256, shape, dtype=np.uint8)
        yield "planar", x
        if shape[1] > 1:
            yield "channels-last", _channels_last(x)


@pytest.mark.parametrize("variant, lanes", LANE_RUNS)
def test_window_kernels_equal_table_kernels(variant, lanes, kernels):
    cases, want = [], []
    kernels(variant, windows=False)
    for layout, x in _inputs():
        for kw in CALLS:
            try:
                want.append(cyresample.interpolate(x, **kw))
            except RuntimeError:  # an empty output (scale < 1 of a 1-pixel axis)
                continue
            cases.append((layout, x, kw))
    calls = kernels(variant, windows=True, lanes=lanes)
    bad = []
    for (layout, x, kw), w in zip(cases, want):
        got = cyresample.interpolate(x, **kw)
        if got.strides != w.strides or not np.array_equal(got, w):
            bad.append((layout, x.shape, kw))
    assert not bad, "%d of %d cases differ, e.g. %s" % (len(bad), len(cases), bad[:3])
    # the window kernels really ran, planar and on interleaved RGB and RGBA rows; interleaved
    # rows through both row kernels (eight outputs at a time with pair weights, and several
    # image rows per register), with and without an H pass
    channels = {args[2] for args in calls}
    assert {1, 3, 4} <= channels, sorted(channels)
    if lanes:  # the gather kernel took planar and interleaved rows, with and without an H pass
        kinds = {(args[2], args[5] is None) for args in calls if args[12] is not None}
        assert {(C, h) for C in (1, 3, 4) for h in (True, False)} <= kinds, sorted(kinds)
        return
    assert not [args for args in calls if args[12] is not None]
    kinds = {(args[2], args[11] is not None, args[5] is None) for args in calls}
    for C in (3, 4):
        assert {(C, True, False), (C, False, False), (C, True, True)} <= kinds, sorted(kinds)
    assert {args[2] for args in calls if args[3] is None} == {1, 3, 4}  # H pass straight from the source
    if _dispatch.load(variant).U8_CL_POLY2:  # RGB/RGBA up2 rows offered to the VBMI polyphase kernel
        assert {3, 4} <= {args[2] for args in calls if args[10] is not None}


@pytest.mark.parametrize("C", [1, 3, 4])
@pytest.mark.parametrize("kw", [dict(size=(224, 224), mode="bilinear", antialias=True),
                                dict(size=(224, 224), mode="bicubic", antialias=True),
                                dict(scale_factor=2, mode="bilinear"), dict(scale_factor=2, mode="bicubic")],
                         ids=str)
def test_window_kernels_on_image_sizes(C, kw, kernels):
    x = np.random.default_rng(C).integers(0, 256, (1, C, 300, 517), dtype=np.uint8)
    for a in (x, _channels_last(x)):
        kernels(_dispatch.SELECTED, windows=False)
        want = cyresample.interpolate(a, **kw)
        calls = kernels(_dispatch.SELECTED, windows=True)
        got = cyresample.interpolate(a, **kw)
        assert calls
        np.testing.assert_array_equal(got, want)


def test_out_with_other_strides_falls_back(kernels):
    x = _channels_last(np.random.default_rng(3).integers(0, 256, (1, 3, 20, 30), dtype=np.uint8))
    want = cyresample.interpolate(x, size=(11, 17), mode="bilinear", antialias=True)
    calls = kernels(_dispatch.SELECTED)
    out = np.zeros((1, 3, 11, 17), np.uint8)  # NCHW out for a channels-last call
    cyresample.interpolate(x, size=(11, 17), mode="bilinear", antialias=True, out=out)
    np.testing.assert_array_equal(out, want)
    assert not calls


def test_window_tables_are_consecutive_int16():
    ax = _plan.fixed_axis(517, 224, False, None, "cubic", True)
    xmin, xsize, w16, kp = ax.u8_windows()
    assert kp % 8 == 0 and kp >= ax.k and w16.dtype == np.int16
    used = np.arange(ax.k)[None, :] < ax.ntaps[:, None]
    np.testing.assert_array_equal(np.where(used, ax.index, 0), np.where(used, xmin[:, None] + np.arange(ax.k), 0))
    np.testing.assert_array_equal(w16[:, :ax.k], np.where(used, ax.weight, 0))
    assert not w16[:, ax.k:].any()
    # float tables have no window form
    assert _plan.linear_axis(10, 20, False, None, np.float32).u8_windows() is None


def test_bad_tables_are_refused():
    k = _dispatch.kernels
    x = np.zeros((1, 1, 8, 8), np.uint8)
    out = np.zeros((1, 1, 4, 4), np.uint8)
    ax = _plan.fixed_axis(8, 4, False, None, "linear", True)
    win = ax.u8_windows()
    bands = k.fused_bands(ax.index, ax.ntaps, 16)
    k.u8_fused_2d(x, out, 1, win, ax.shift, win, ax.shift, bands, 16, 1)
    bad_start = (win[0] + 5, win[1], win[2], win[3])
    with pytest.raises(ValueError):
        k.u8_fused_2d(x, out, 1, bad_start, ax.shift, win, ax.shift, bands, 16, 1)
    with pytest.raises(ValueError):
        k.u8_fused_2d(x, out, 1, win, ax.shift, bad_start, ax.shift, bands, 16, 1)
    with pytest.raises(ValueError):
        k.u8_fused_2d(x, out, 1, win, ax.shift, win, ax.shift, (bands[0], bands[1] + 3, bands[2]), 16, 1)
    with pytest.raises(TypeError):
        k.u8_fused_2d(x, out, 2, win, ax.shift, win, ax.shift, bands, 16, 1)
    with pytest.raises(ValueError):
        k.u8_fused_2d(x, out, 1, win, 0, win, ax.shift, bands, 16, 1)
    with pytest.raises(ValueError):  # no H windows, but H changes size
        k.u8_fused_2d(x, out, 1, win, ax.shift, None, 0, bands, 16, 1)
    with pytest.raises(ValueError):  # no W windows, but W changes size
        k.u8_fused_2d(x, out, 1, None, 0, win, ax.shift, bands, 16, 1)
    with pytest.raises(ValueError):  # no windows at all
        k.u8_fused_2d(x, x, 1, None, 0, None, 0, bands, 16, 1)


def test_pair_weights_layout_and_checks():
    k = _dispatch.kernels
    ax = _plan.fixed_axis(40, 19, False, None, "linear", True)
    win = ax.u8_windows()
    npairs = (ax.k + 1) // 2
    wpk = k.u8_pair_weights(win, npairs)
    w16 = win[2]
    assert wpk.dtype == np.int32 and wpk.shape == (19 // 8 * npairs * 32,)
    g, p, r, lane, copy = 1, npairs - 1, 2, 1, 3
    o = 8 * g + r + 4 * lane
    value = int(wpk[(((g * npairs + p) * 4 + r) * 2 + lane) * 4 + copy])
    want = (int(w16[o, 2 * p]) & 0xFFFF) | (int(w16[o, 2 * p + 1]) << 16)
    assert value == np.int32(np.uint32(want & 0xFFFFFFFF))
    x = np.zeros((1, 1, 6, 40 * 3), np.uint8)
    out = np.zeros((1, 1, 6, 19 * 3), np.uint8)
    k.u8_fused_2d(x, out, 3, win, ax.shift, None, 0, (None, None, 0), 16, 1, None, (wpk, npairs))
    for bad in [(wpk[:-1], npairs), (wpk.astype(np.int64), npairs), (wpk, npairs + 1), (wpk, 0),
                (wpk.reshape(2, -1).T.copy().T, npairs)]:
        with pytest.raises(ValueError):
            k.u8_fused_2d(x, out, 3, win, ax.shift, None, 0, (None, None, 0), 16, 1, None, bad)


def test_lane_table_layout_and_checks():
    k = _dispatch.kernels
    ax = _plan.fixed_axis(300, 23, False, None, "linear", True)  # about 27 taps, 13 pixels apart
    win = ax.u8_windows()
    xmin, xsize, w16, kp = win
    assert k.u8_lane_table(_plan.fixed_axis(300, 23, False, None, "cubic", True).u8_windows(), 3, 300) is None
    for C in (1, 3, 4):
        grp, idx, wt, npairs = k.u8_lane_table(win, C, 300)
        assert npairs == (int(xsize.max()) + 1) // 2 and wt.shape == (len(grp), npairs, 32)
        # the groups cover the output bytes in order, 1..16 at a time, fewer where the taps
        # of 16 would not fit one 128-byte window
        np.testing.assert_array_equal(grp[:, 0], np.concatenate([[0], np.cumsum(grp[:-1, 1])]))
        assert grp[:, 0][-1] + grp[:, 1][-1] == 23 * C and 1 <= grp[:, 1].min() and grp[:, 1].max() <= 16
        assert grp[:, 1].mean() < 16
        for g, (j0, n, off) in enumerate(grp):
            for lane in range(16):
                if lane >= n:  # unused lanes weigh nothing
                    assert not wt[g, :, 2 * lane:2 * lane + 2].any()
                    continue
                o, c = divmod(j0 + lane, C)
                first = xmin[o] * C + c
                assert idx[g, 4 * lane] == first - off and idx[g, 4 * lane + 2] == (first - off + C) % 128
                assert off <= first and first + (xsize[o] - 1) * C < off + 128
                np.testing.assert_array_equal(wt[g, :, 2 * lane:2 * lane + 2].reshape(-1)[:xsize[o]],
                                              w16[o, :xsize[o]])
                assert not wt[g, :, 2 * lane:2 * lane + 2].reshape(-1)[xsize[o]:].any()
    # u8_fused_2d takes the table (same numbers as without it) and refuses malformed ones
    lanes = k.u8_lane_table(win, 3, 300)
    x = np.random.default_rng(5).integers(0, 256, (1, 1, 6, 300 * 3), dtype=np.uint8)
    want = np.zeros((1, 1, 6, 23 * 3), np.uint8)
    got = np.zeros_like(want)
    k.u8_fused_2d(x, want, 3, win, ax.shift, None, 0, (None, None, 0), 16, 1)
    k.u8_fused_2d(x, got, 3, win, ax.shift, None, 0, (None, None, 0), 16, 1, None, None, lanes)
    np.testing.assert_array_equal(got, want)
    grp, idx, wt, npairs = lanes

    def with_group(col, value, g=0):
        bad = grp.copy()
        bad[g, col] = value
        return bad, idx, wt, npairs
    for bad in [with_group(1, 17), with_group(1, 0), with_group(0, -1), with_group(2, -1),
                with_group(2, 300 * 3), with_group(0, 23 * 3 - grp[-1, 1] + 1, g=len(grp) - 1),
                (grp, idx[:-1], wt, npairs), (grp, idx, wt, npairs + 1), (grp, idx, wt.astype(np.int32), npairs),
                (grp.astype(np.int32), idx, wt, npairs), (grp, idx, wt, 0)]:
        with pytest.raises(ValueError):
            k.u8_fused_2d(x, got, 3, win, ax.shift, None, 0, (None, None, 0), 16, 1, None, None, bad)


@pytest.mark.parametrize("C", [1, 3, 4])
def test_up2_takes_the_two_phase_kernels(C, kernels):
    # bilinear x2 rows go to the two-phase kernels where they run (ahead of the byte-lane
    # gathers, which take the other tables): planar rows everywhere, RGB/RGBA rows with
    # AVX-512 VBMI; with the same bits. Bicubic x2 weights do not reduce to int8, and its
    # planar rows keep the byte-lane gathers where the CPU has them.
    mod = _dispatch.load(_dispatch.SELECTED)
    x = np.random.default_rng(C).integers(0, 256, (1, C, 40, 70), dtype=np.uint8)
    if C > 1:
        x = _channels_last(x)
    for mode in ("bilinear", "bicubic"):
        kernels(_dispatch.SELECTED, windows=False)
        want = cyresample.interpolate(x, scale_factor=2, mode=mode)
        calls = kernels(_dispatch.SELECTED)
        got = cyresample.interpolate(x, scale_factor=2, mode=mode)
        np.testing.assert_array_equal(got, want)
        (args,) = calls
        two_phase = mode == "bilinear" and (C == 1 or mod.U8_CL_POLY2)
        if two_phase:
            assert args[10] is not None and args[12] is None
        else:
            assert (args[12] is not None) == bool(mod.U8_LANES)
        calls.clear()


def _two_phase_table(n_in, n_out, K, r, t, second_base, shift=14):
    """A fixed-point up2-like W table (shift 14): outputs ``1 + 2 m + f`` read taps
    ``b_f + m + k`` (``b_0 = 0``, ``b_1 = second_base``) with weights ``r[f] * 2**t``; the
    first and last outputs read clamped one-tap windows, so that the table's periodic
    interior is all but its borders."""
    index = np.zeros((n_out, K), np.int64)
    weight = np.zeros((n_out, K), np.int32)
    ntaps = np.full(n_out, K, np.int64)
    M = (n_out - 2) // 2
    for o in range(n_out):
        m, f = divmod(o - 1, 2)
        if o == 0 or m >= M:
            index[o, 0] = 0 if o == 0 else n_in - 1
            weight[o, 0] = 1 << shift
            ntaps[o] = 1
            continue
        index[o] = (0 if f == 0 else second_base) + m + np.arange(K)
        weight[o] = np.asarray(r[f], np.int64) << t
    return _plan.AxisPlan(n_in, n_out, index, weight, ntaps, shift=shift)


#: (K, phase weights before the 2**t factor, t, second phase's base): bilinear up2 (both
#: phases on the same pixels), phases a pixel apart, an odd window (a zero-padded last
#: pair), four taps with negative weights, and sums at the int16 limit (255 * 127 + 2**7)
TWO_PHASE = [(2, [(3, 1), (1, 3)], 12, 0), (2, [(3, 1), (1, 3)], 12, 1), (3, [(-3, 10, 1), (1, 10, -3)], 9, 0),
             (4, [(-9, 50, 60, -5), (-5, 60, 50, -9)], 7, 0), (4, [(-9, 50, 60, -5), (7, 7, 7, 7)], 7, 2),
             (2, [(120, 7), (7, 120)], 6, 0), (5, [(1, -2, 20, -2, 1), (2, 2, 2, 2, 2)], 8, 1)]


@pytest.mark.parametrize("C", [1, 3, 4])
@pytest.mark.parametrize("K, r, t, second_base", TWO_PHASE)
def test_two_phase_kernels_sum_exactly(C, K, r, t, second_base):
    # The up2 W kernels for two-phase tables with int8-reduced weights (int16 sums): planar
    # rows (cyr_u8_poly2, both phases interleaved on store) and channels-last rows
    # (cyr_u8_poly2_px, VBMI, interleaved by one permute). Every output must equal the
    # exact int32 formula, on rows whose period count is and is not a multiple of the
    # kernel's step (the last step overlaps the one before it) and on the smallest it takes.
    k = _dispatch.kernels
    if C > 1 and not k.U8_CL_POLY2:
        pytest.skip("needs AVX-512 VBMI")
    rng = np.random.default_rng(K * 10 + t)
    for M in (64 // C if C > 1 else 32, 150, 233):  # periods: one step; whole and overlapping last steps
        n_in, n_out = M + K - 1 + second_base, 2 * M + 2
        ax = _two_phase_table(n_in, n_out, K, r, t, second_base)
        poly, win = ax.polyphase(), ax.u8_windows()
        assert poly is not None and poly[:4] == (2, 1, 1, M), poly[:4]
        assert k.u8_poly2_applies(poly, ax.shift, n_in, n_out, C)
        for x in (rng.integers(0, 256, (1, 5, n_in * C)).astype(np.uint8), np.full((1, 5, n_in * C), 255, np.uint8),
                  (np.arange(5 * n_in * C) * 37 % 256).astype(np.uint8).reshape(1, 5, n_in * C)):
            out = np.zeros((1, 5, n_out * C), np.uint8)
            k.u8_fused_2d(x, out, C, win, ax.shift, None, 0, (None, None, 0), 16, 1, (ax.index, ax.weight, poly))
            px = x.reshape(5, n_in, C).astype(np.int64)
            used = np.arange(ax.k)[None, :] < ax.ntaps[:, None]
            taps = px[:, np.where(used, ax.index, 0)]  # (rows, n_out, K, C)
            acc = (1 << (ax.shift - 1)) + (np.where(used, ax.weight, 0)[None, :, :, None] * taps).sum(2)
            want = np.clip(acc >> ax.shift, 0, 255).astype(np.uint8).reshape(1, 5, n_out * C)
            np.testing.assert_array_equal(out, want)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="guard pages via mprotect (Linux)")
@pytest.mark.parametrize("variant, lanes", LANE_RUNS)
@pytest.mark.parametrize("C", [1, 3, 4])
def test_no_read_past_the_input(variant, lanes, C, kernels):
    # the last row's right-most windows end at the last byte of the array
    H, W = 9, 37
    rng = np.random.default_rng(C)
    buf, m, release = guarded(H * W * C)
    calls = []
    try:
        if C == 1:
            x = buf.reshape(1, 1, H, W)
        else:
            x = buf.reshape(1, H, W, C).transpose(0, 3, 1, 2)
        x[...] = rng.integers(0, 256, x.shape, dtype=np.uint8)
        ref = np.array(x)
        if C > 1:
            ref = _channels_last(ref)
        for kw in CALLS:
            kernels(variant, windows=False)
            want = cyresample.interpolate(ref, **kw)
            calls = kernels(variant, windows=True, lanes=lanes)
            got = cyresample.interpolate(x, **kw)
            np.testing.assert_array_equal(got, want)
        assert calls
        assert bool(lanes) == any(args[12] is not None for args in calls)
    finally:
        calls.clear()  # the recorded arguments hold views of the guarded buffer
        del x, buf
        release()
        m.close()


def test_thread_setting_applies_to_cached_calls(kernels):
    # the thread count is read per call, not frozen into the prepared (cached) call
    calls = kernels(_dispatch.SELECTED)
    x = np.zeros((1, 3, 300, 300), np.uint8)
    with cyresample.threads(1):
        cyresample.interpolate(x, scale_factor=2, mode="bilinear")
    with cyresample.threads(3):
        cyresample.interpolate(x, scale_factor=2, mode="bilinear")
    assert [args[9] for args in calls] == [1, 3]


def _reducible_rows(rng, n_out, n_in):
    """A fixed-point table (shift 8) whose rows share power-of-two factors (``w = r * 2**t``
    with small ``r``), as dyadic scales make them: rows inside the 16-bit kernel's limits,
    at them (int8 weights of 127 and -128, sums up to 255 * 128 plus the bias) and just
    past them (a weight of 128, 17 taps, sums that would pass 2**15 on all-255 input)."""
    shift, K = 8, 17
    index = np.zeros((n_out, K), np.int64)
    weight = np.zeros((n_out, K), np.int32)
    ntaps = np.zeros(n_out, np.int64)
    for o in range(n_out):
        kind = o % 7
        r = {1: [127, -128], 2: [64, 63, 1, 0], 4: rng.integers(-20, 21, 17), 5: [128, -1, 1],
             6: [65, 64]}.get(kind)
        r = np.asarray(r if r is not None else rng.integers(-20, 21, int(rng.integers(1, 17))))
        t = 1 if kind in (2, 6) else int(rng.integers(0, 8))
        n = len(r)
        index[o, :n] = int(rng.integers(0, n_in - n + 1)) + np.arange(n)
        weight[o, :n] = r * (1 << t)
        ntaps[o] = n
    return _plan.AxisPlan(n_in, n_out, index, weight, ntaps, shift=shift)


@pytest.mark.parametrize("variant", VARIANTS)
def test_dyadic_weights_sum_exactly(variant):
    # The H pass reduces weights with a common power-of-two factor to int8 and sums in
    # int16 (cyr_u8_reduce_weights): every result must equal the exact int32 formula
    # round(bias + sum w x) >> shift, clamped, for rows inside and just past its limits.
    k = _dispatch.load(variant)
    rng = np.random.default_rng(7)
    n_in, n_out, L = 40, 60, 64 * 3 + 32 + 7  # 512-, 256-bit steps and a scalar tail
    ax = _reducible_rows(rng, n_out, n_in)
    win = ax.u8_windows()
    assert win is not None
    for x in (rng.integers(0, 256, (1, 1, n_in, L)).astype(np.uint8), np.full((1, 1, n_in, L), 255, np.uint8),
              (np.arange(n_in * L) * 37 % 256).astype(np.uint8).reshape(1, 1, n_in, L)):
        out = np.zeros((1, 1, n_out, L), np.uint8)
        bands = k.fused_bands(ax.index, ax.ntaps, 16)
        k.u8_fused_2d(x, out, 1, None, 0, win, ax.shift, bands, 16, 1)
        used = np.arange(ax.k)[None, :] < ax.ntaps[:, None]
        taps = x[0, 0][np.where(used, ax.index, 0)].astype(np.int64)  # (n_out, K, L)
        acc = (1 << (ax.shift - 1)) + (np.where(used, ax.weight, 0)[:, :, None] * taps).sum(1)
        want = np.clip(acc >> ax.shift, 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(out[0, 0], want)


#: (variant, vnni): the H-pass line kernel's two ways to add its int32 products (pmaddwd +
#: paddd; vpdpwssd, AVX-512 VNNI), each where the variant runs it
VLINE_RUNS = [(v, False) for v in VARIANTS] + [(v, True) for v in VARIANTS if _dispatch.load(v).u8_vline_vnni()]


@pytest.fixture
def vline_form():
    """``use(variant, vnni)``: set the H-pass line kernel's form; restored afterwards."""
    saved = {}

    def use(variant, vnni):
        mod = _dispatch.load(variant)
        saved.setdefault(variant, mod.u8_vline_vnni())
        assert mod.u8_vline_vnni(vnni) == vnni
        return mod
    yield use
    for variant, on in saved.items():
        _dispatch.load(variant).u8_vline_vnni(on)


@pytest.mark.parametrize("variant, vnni", VLINE_RUNS)
@pytest.mark.parametrize("shift", [1, 14, 22])
def test_h_line_int32_sums_exactly(variant, vnni, shift, vline_form):
    # The H pass's int32 form (weights that do not reduce to int8): every result must equal
    # round(bias + sum w x) >> shift, clamped, for 1 to 20 taps (odd counts leave a tap
    # pair half empty), weights over the whole int16 range, sums far below 0 and far above
    # 255 (and past int16 after the shift, at shift 1), in both instruction forms.
    k = vline_form(variant, vnni)
    rng = np.random.default_rng(shift)
    n_in, n_out, L, K = 48, 40, 64 * 3 + 32 + 7, 20  # 512-, 256-bit steps and a scalar tail
    index = np.zeros((n_out, K), np.int64)
    weight = np.zeros((n_out, K), np.int32)
    ntaps = 1 + np.arange(n_out) % K
    for o, n in enumerate(ntaps):
        index[o, :n] = int(rng.integers(0, n_in - n + 1)) + np.arange(n)
        w = rng.integers(-(1 << 15), 1 << 15, n)
        if o % 4 == 1:
            w[:] = (1 << 15) - 1
        elif o % 4 == 2:
            w[:] = -(1 << 15)
        weight[o, :n] = w | 1  # odd: no power-of-two factor, so no int8 form
    ax = _plan.AxisPlan(n_in, n_out, index, weight, ntaps, shift=shift)
    win = ax.u8_windows()
    assert win is not None
    for x in (rng.integers(0, 256, (1, 1, n_in, L)).astype(np.uint8), np.full((1, 1, n_in, L), 255, np.uint8)):
        out = np.zeros((1, 1, n_out, L), np.uint8)
        k.u8_fused_2d(x, out, 1, None, 0, win, ax.shift, k.fused_bands(ax.index, ax.ntaps, 16), 16, 1)
        used = np.arange(ax.k)[None, :] < ax.ntaps[:, None]
        taps = x[0, 0][np.where(used, ax.index, 0)].astype(np.int64)  # (n_out, K, L)
        acc = (1 << (ax.shift - 1)) + (np.where(used, ax.weight, 0)[:, :, None] * taps).sum(1)
        want = np.clip(acc >> ax.shift, 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(out[0, 0], want)
        assert 0 < want.mean() < 255  # both clamps and values between them


@pytest.mark.parametrize("variant, vnni", VLINE_RUNS)
def test_h_line_forms_on_image_calls(variant, vnni, kernels, vline_form):
    # bicubic and antialiased H passes of whole calls, planar and interleaved, in each form,
    # against the table kernels
    x = np.random.default_rng(11).integers(0, 256, (1, 3, 150, 70), dtype=np.uint8)
    for a in (x, _channels_last(x)):
        for kw in [dict(scale_factor=2, mode="bicubic"), dict(size=(41, 70), mode="bicubic", antialias=True),
                   dict(size=(17, 33), mode="bilinear", antialias=True), dict(scale_factor=(1.7, 1), mode="bicubic")]:
            kernels(variant, windows=False)
            want = cyresample.interpolate(a, **kw)
            calls = kernels(variant, windows=True)
            vline_form(variant, vnni)
            got = cyresample.interpolate(a, **kw)
            assert calls and calls[-1][5] is not None  # the window kernels ran, with an H pass
            np.testing.assert_array_equal(got, want)


def test_window_and_band_checks_refuse_tables_out_of_range():
    # u8_fused_2d checks, per call, that every W and H window lies inside its source axis and
    # that each band's buffered rows hold its output rows' H windows
    k = _dispatch.kernels
    ax_w = _plan.fixed_axis(40, 17, False, None, "linear", True)
    ax_h = _plan.fixed_axis(30, 11, False, None, "cubic", True)
    win_w, win_h = ax_w.u8_windows(), ax_h.u8_windows()
    bands = k.fused_bands(ax_h.index, ax_h.ntaps, 4)
    x = np.random.default_rng(6).integers(0, 256, (1, 1, 30, 40), dtype=np.uint8)
    out = np.empty((1, 1, 11, 17), np.uint8)
    k.u8_fused_2d(x, out, 1, win_w, ax_w.shift, win_h, ax_h.shift, bands, 4, 1)

    def window(win, col, o, value):
        parts = [a.copy() if isinstance(a, np.ndarray) else a for a in win]
        parts[col][o] = value
        return tuple(parts)
    last_w = int(win_w[0][-1])
    for bad_w in [window(win_w, 0, 0, -1), window(win_w, 1, 3, 0), window(win_w, 1, 3, win_w[3] + 1),
                  window(win_w, 0, 16, 40 - int(win_w[1][16]) + 1), window(win_w, 0, 16, last_w + 40)]:
        with pytest.raises(ValueError, match="window out of range"):
            k.u8_fused_2d(x, out, 1, bad_w, ax_w.shift, win_h, ax_h.shift, bands, 4, 1)
    with pytest.raises(ValueError, match="window out of range"):
        k.u8_fused_2d(x, out, 1, win_w, ax_w.shift, window(win_h, 0, 10, 30), ax_h.shift, bands, 4, 1)
    lo, hi, max_rows = bands
    for bad in [(lo - 1, hi, max_rows), (lo, hi + 30, max_rows + 30), (lo, hi, max_rows - 1),
                (lo + 1, hi, max_rows), (lo, hi - 1, max_rows)]:
        with pytest.raises(ValueError, match="bands out of range"):
            k.u8_fused_2d(x, out, 1, win_w, ax_w.shift, win_h, ax_h.shift, bad, 4, 1)


@pytest.mark.parametrize("no_copy_reshape", [True, False])
def test_interleaved_rows_are_views(no_copy_reshape, monkeypatch):
    # channels-last uint8 arrays reach the kernels as (N, 1, H, W*C) views of the caller's
    # memory (a reshape that may not copy, or as_strided on NumPy < 2.1): writes land in out
    monkeypatch.setattr(_backend_cpu, "_RESHAPE_NO_COPY", no_copy_reshape)
    x = _channels_last(np.random.default_rng(9).integers(0, 256, (2, 3, 12, 10), dtype=np.uint8))
    v = _backend_cpu._interleaved_view(x)
    assert v.shape == (2, 1, 12, 30) and np.shares_memory(v, x)
    np.testing.assert_array_equal(v[:, 0], x.transpose(0, 2, 3, 1).reshape(2, 12, 30))
    assert _backend_cpu._interleaved_view(np.zeros((1, 3, 4, 5), np.uint8)) is None  # planar
    _api._EXECUTORS.clear()
    want = cyresample.interpolate(np.ascontiguousarray(x), size=(7, 15), mode="bicubic")
    out = _channels_last(np.zeros((2, 3, 7, 15), np.uint8))
    assert cyresample.interpolate(x, size=(7, 15), mode="bicubic", out=out) is out
    np.testing.assert_array_equal(out, want)
    ro = x.copy(order="K")
    ro.flags.writeable = False
    assert not _backend_cpu._interleaved_view(ro).flags.writeable
    _api._EXECUTORS.clear()
