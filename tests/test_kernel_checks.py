"""The separable row kernels refuse tables that would read outside the source.

``separable_pass`` and ``fused_passes`` trust nothing they are given: a polyphase table
(``AxisPlan.polyphase()``) whose taps run past either end of the source axis, or that does
not fit the output, raises ValueError before any pixel is read. The planner never builds
such tables, so they are forged here.
"""
import numpy as np
import pytest

from cyresample import _dispatch, _plan

K = _dispatch.kernels


def _axis():
    # 16 -> 32 bilinear: an up2 table with a periodic interior (P=2, Q=1)
    ax = _plan.linear_axis(16, 32, False, None, np.float32)
    assert ax.polyphase() is not None and ax.polyphase()[3] > 0
    return ax


def _forged(poly, shift_base=0, scale_base=1, o_lo=None, M=None, Q=None):
    P, q, lo, m, base, weight = poly
    return (P, q if Q is None else Q, lo if o_lo is None else o_lo, m if M is None else M,
            np.asarray(base) * scale_base + shift_base, weight)


def _bad_polys(poly, n_in):
    P, Q, o_lo, M, base, _ = poly
    last = int(np.max(base)) + Q * (M - 1)
    return {
        "past the end": _forged(poly, shift_base=n_in - last),
        "before the start": _forged(poly, shift_base=-int(np.min(base)) - 1),
        "too many periods": _forged(poly, M=M + 1 + (n_in - last) // Q),
        "past the output": _forged(poly, o_lo=o_lo + 2),
        "zero step": _forged(poly, Q=0),
    }


def test_separable_pass_refuses_forged_polyphase():
    ax = _axis()
    x = np.zeros((1, 1, 3, 16), np.float32)
    out = np.zeros((1, 1, 3, 32), np.float32)
    args = (x, out, 3, ax.index, ax.weight, ax.ntaps, "f32_f32", 0, 1)
    K.separable_pass(*args, ax.polyphase(), ax.index_max)   # the real table runs
    for name, bad in _bad_polys(ax.polyphase(), 16).items():
        with pytest.raises(ValueError):
            K.separable_pass(*args, bad, ax.index_max)
            pytest.fail(name)


def test_fused_pass_refuses_forged_polyphase():
    ax = _axis()
    x = np.zeros((1, 1, 16, 16), np.float32)
    out = np.zeros((1, 1, 32, 32), np.float32)
    bands = K.fused_bands(ax.index, ax.ntaps, 16)
    tables = (ax.index, ax.weight, ax.ntaps, 0)
    pass_h = tables + (None, ax.index_max)
    K.fused_passes(x, out, tables + (ax.polyphase(), ax.index_max), pass_h, "f32_f32", "f32_f32",
                    bands, 16, 1)
    for name, bad in _bad_polys(ax.polyphase(), 16).items():
        with pytest.raises(ValueError):
            K.fused_passes(x, out, tables + (bad, ax.index_max), pass_h, "f32_f32", "f32_f32",
                            bands, 16, 1)
            pytest.fail(name)


def test_gather_refuses_a_receipt_for_another_layout():
    # check_gather's receipt vouches for offsets on one source shape and strides only:
    # gather refuses it for any other (the offsets are byte offsets into that layout)
    src = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    offsets = [np.zeros(1, np.intp), np.arange(2, dtype=np.intp) * src.strides[1],
               np.array([2, 0], np.intp) * src.strides[2], np.array([3, 3, 0], np.intp) * src.strides[3]]
    receipt = K.check_gather(src, offsets)
    dst = np.zeros((1, 2, 2, 3), np.float32)
    K.gather(src, dst, offsets, 1, receipt)
    np.testing.assert_array_equal(dst, src[:, :, [2, 0]][..., [3, 3, 0]])
    for other in (np.asfortranarray(src), src.reshape(1, 2, 4, 3), src[..., ::-1], np.zeros((1, 2, 3, 5), np.float32)):
        with pytest.raises(ValueError, match="another source layout"):
            K.gather(other, dst, offsets, 1, receipt)
    with pytest.raises(TypeError):
        K.gather(src, dst, offsets, 1, True)  # only a receipt vouches for the offsets


def test_gather_receipt_keeps_the_plan_of_its_first_inner_table():
    # the receipt keeps the element plan of the first call's inner offsets (rows of 16 or
    # more 2/4/8-byte elements); calls whose inner table is another array, or whose
    # elements are merged into wider blocks, plan for themselves
    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64, np.int16):
        src = rng.standard_normal((2, 3, 5, 40)).astype(dtype)
        rows, cols = np.array([4, 0, 2, 2], np.intp), np.minimum(np.arange(70) * 4 // 7, 39).astype(np.intp)
        offsets = [np.arange(2, dtype=np.intp) * src.strides[0], np.arange(3, dtype=np.intp) * src.strides[1],
                   rows * src.strides[2], cols * src.strides[3]]
        want = src[:, :, rows][..., cols]
        receipt = K.check_gather(src, offsets)
        for layout in ("C", "F", "C", "channels", "C"):
            dst = np.zeros(want.shape, dtype, order="F" if layout == "F" else "C")
            if layout == "channels":  # the channel dim innermost in memory
                dst = np.zeros((2, 4, 70, 3), dtype).transpose(0, 3, 1, 2)
            K.gather(src, dst, offsets, 1 + (layout == "F"), receipt)
            np.testing.assert_array_equal(dst, want, err_msg="%s %s" % (dtype, layout))
        other = [offsets[0], offsets[1], offsets[2], (cols[::-1] * src.strides[3]).copy()]
        dst = np.zeros(want.shape, dtype)
        K.gather(src, dst, other, 1, receipt)  # another inner table with the same receipt
        np.testing.assert_array_equal(dst, src[:, :, rows][..., cols[::-1]])
