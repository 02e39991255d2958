"""Front-end conformance: exceptions E1-E20 (spec §1.4), argument types, output sizes.

Every expectation is hard-coded (the tests pass without PyTorch). When torch 2.13 is
importable, the same call is also made on torch and must raise the same exception type
with the same message (first line for the binding's E13 text; torch's C++ backtraces and
source-path prefixes are cut off before comparing).

Only the tests named ``test_engine_*`` need the compiled engine (``cyresample._backend_cpu``);
everything else exercises ``cyresample._validate`` directly.
"""
import fractions
import re

import numpy as np
import pytest

import cyresample
from cyresample import _validate as V

try:
    import torch
    import torch.nn.functional as F
    if not torch.__version__.startswith("2.13."):  # messages are pinned to torch 2.13
        torch = None
except ImportError:
    torch = None

E12_TAIL = ("for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            "nearest-exact")


def e12(k, mode):
    return "Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) %s (got %s)" % (
        k, E12_TAIL, mode)


def _norm(msg):
    """Drop what torch adds around the message: C++ backtraces and source-file prefixes."""
    msg = str(msg).split("\nException raised from")[0]
    if msg.endswith('long long"'):
        msg = msg[:-1]
    if msg.startswith("/") and ": " in msg:  # "/__w/pytorch/.../File.cpp:123: text"
        msg = msg.split(": ", 1)[1]
    return msg


def _first_line(msg):
    return msg.split("\n")[0]


def _torch_raise(arr, kw):
    x = arr if isinstance(arr, torch.Tensor) else torch.from_numpy(np.asarray(arr))
    with pytest.raises(Exception) as ti:
        F.interpolate(x, **kw)
    return ti.value


def expect(arr, exc, msg=None, match=None, compare="exact", **kw):
    """Assert that cyresample raises ``exc`` (exact type) with ``msg`` / ``match``.

    ``compare``: how the message is compared with torch's when torch is present:
    'exact', 'first_line' (E13) or 'type' (type only).
    """
    arr = np.asarray(arr)
    with pytest.raises(exc) as ei:
        V.interpolate_args(arr, **kw)
    err = ei.value
    assert type(err) is exc, (type(err), err)
    got = str(err)
    if msg is not None:
        assert got == msg
    if match is not None:
        assert re.search(match, got), got
    # the public entry point raises the same thing (validation runs first)
    with pytest.raises(exc) as ei2:
        cyresample.interpolate(arr, **kw)
    assert type(ei2.value) is exc and str(ei2.value) == got
    if torch is not None:
        terr = _torch_raise(arr, kw)
        assert type(terr) is exc, (type(terr), terr)
        if compare == "exact":
            assert _norm(terr) == _norm(got)
        elif compare == "first_line":
            assert _first_line(_norm(terr)) == _first_line(got)
    return got


def z(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


X3, X4, X5 = z(1, 1, 4), z(1, 1, 4, 4), z(1, 1, 4, 4, 4)

# --------------------------------------------------------------------------------------------
# E1 - E20, one test per row of the spec's table
# --------------------------------------------------------------------------------------------

E1 = ("align_corners option can only be set with the interpolating modes: "
      "linear | bilinear | bicubic | trilinear")


@pytest.mark.parametrize("mode", ["nearest", "area", "nearest-exact"])
@pytest.mark.parametrize("align", [False, True, 0, "x"])
def test_E1_align_corners_with_non_interpolating_mode(mode, align):
    expect(X4, ValueError, E1, size=2, mode=mode, align_corners=align)


def test_E1_comes_before_everything_else():
    # even with a 2-D input, no size and an unknown dtype: step 1 runs first
    expect(z(4, 4, dtype=np.int64), ValueError, E1, mode="area", align_corners=False)


def test_E2_size_and_scale_factor():
    expect(X4, ValueError, "only one of size or scale_factor should be defined",
           size=2, scale_factor=2)


@pytest.mark.parametrize("arr,size,msg_in,msg_size", [
    (X4, (2, 2, 2), "[4, 4]", "(2, 2, 2)"),
    (X3, [2, 2], "[4]", "[2, 2]"),
    (X5, (), "[4, 4, 4]", "()"),
    (z(4), (2,), "[]", "(2,)"),  # a 1-D input reaches E3 before the rank check
    (z(1, 1, 2, 2, 2, 2), (2, 2), "[2, 2, 2, 2]", "(2, 2)"),
])
def test_E3_len_size_mismatch(arr, size, msg_in, msg_size):
    msg = ("Input and output must have the same number of spatial dimensions, but got input with "
           "spatial dimensions of %s and output size of %s. Please provide input tensor in "
           "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
           % (msg_in, msg_size))
    expect(arr, ValueError, msg, size=size)


@pytest.mark.parametrize("size,types", [
    ((2.0, 2), "[<class 'float'>, <class 'int'>]"),
    ((None, 2), "[<class 'NoneType'>, <class 'int'>]"),
    ((2, np.array(3)), "[<class 'int'>, <class 'numpy.ndarray'>]"),
    ((2, np.bool_(True)), "[<class 'int'>, <class 'numpy.bool'>]"),
    ([np.float32(2), "3"], "[<class 'numpy.float32'>, <class 'str'>]"),
])
def test_E4_non_integer_in_size(size, types):
    msg = ("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
           "Tuple[int, int, int], but got size with types " + types)
    expect(X4, TypeError, msg, size=size)


@pytest.mark.parametrize("arr,sf,msg_in,msg_sf", [
    (X4, (2.0, 2.0, 2.0), "[4, 4]", "(2.0, 2.0, 2.0)"),
    (X3, [2, 2], "[4]", "[2, 2]"),
    (X4, (), "[4, 4]", "()"),
])
def test_E5_len_scale_factor_mismatch(arr, sf, msg_in, msg_sf):
    msg = ("Input and scale_factor must have the same number of spatial dimensions, but got input "
           "with spatial dimensions of %s and scale_factor of shape %s. Please provide input "
           "tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
           % (msg_in, msg_sf))
    expect(arr, ValueError, msg, scale_factor=sf)


def test_E6_neither_size_nor_scale_factor():
    expect(X4, ValueError, "either size or scale_factor should be defined")
    expect(X4, ValueError, "either size or scale_factor should be defined", mode="bilinear")


@pytest.mark.parametrize("rsf", [True, 1, "x"])
def test_E7_recompute_with_size(rsf):
    expect(X4, ValueError, "recompute_scale_factor is not meaningful with an explicit size.",
           size=2, recompute_scale_factor=rsf)


@pytest.mark.parametrize("rsf", [False, 0, ""])
def test_E7_falsy_recompute_with_size_is_accepted(rsf):
    assert V.interpolate_args(X4, size=2, recompute_scale_factor=rsf).out_sizes == (2, 2)


E8 = ("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
      "4-D tensor as input")


@pytest.mark.parametrize("arr,mode", [
    (X4, "nearest"), (X4, "area"), (X4, "nearest-exact"), (X3, "linear"), (X5, "trilinear"),
    (X3, "lanczos"), (X5, "bilinear"), (X4, "foo"),
])
def test_E8_antialias_restricted(arr, mode):
    expect(arr, ValueError, E8, size=2, mode=mode, antialias=True)


def test_E9_lanczos_align_corners_true():
    msg = "Lanczos mode does not support align_corners=True"
    expect(X4, ValueError, msg, size=2, mode="lanczos", antialias=True, align_corners=True)
    # checked before antialias (E10) and for any truthy value
    expect(X4, ValueError, msg, size=2, mode="lanczos", align_corners=1)


def test_E10_lanczos_without_antialias():
    expect(X4, ValueError, "Lanczos mode requires antialias=True", size=2, mode="lanczos")
    expect(X4, ValueError, "Lanczos mode requires antialias=True", size=2, mode="lanczos",
           align_corners=False)


@pytest.mark.parametrize("arr,mode,k,j", [
    (X3, "bilinear", 3, 4), (X3, "trilinear", 3, 5), (X4, "linear", 4, 3),
    (X4, "trilinear", 4, 5), (X5, "linear", 5, 3), (X5, "bilinear", 5, 4),
])
def test_E11_rank_mode_mismatch(arr, mode, k, j):
    expect(arr, NotImplementedError, "Got %dD input, but %s mode needs %dD input" % (k, mode, j),
           size=2, mode=mode)


@pytest.mark.parametrize("arr,mode,k", [
    (X3, "bicubic", 3), (X5, "bicubic", 5), (X4, "foo", 4), (X4, "NEAREST", 4),
    (X3, "lanczos", 3), (X5, "lanczos", 5), (z(4, 4), "nearest", 2), (z(4), "area", 1),
    (z(1, 1, 2, 2, 2, 2), "nearest", 6), (z(1, 1, 2, 2, 2, 2), "area", 6),
])
def test_E12_unsupported_rank_or_mode(arr, mode, k):
    expect(arr, NotImplementedError, e12(k, mode), size=2, mode=mode)


@pytest.mark.parametrize("mode", [None, 3])
def test_E12_non_str_mode(mode):
    # torch compares the mode with strings only: None / 3 fall through to E12
    expect(X4, NotImplementedError, e12(4, mode), size=2, mode=mode)
    expect(X4, NotImplementedError, e12(4, mode), size=2, mode=mode, align_corners=True)


@pytest.mark.parametrize("arr,k", [(np.float32(1.0), 0), (1.0, 0), (z(4), 1), (z(4, 4), 2),
                                   (z(1, 1, 1, 1, 1, 1, 1), 7)])
@pytest.mark.parametrize("kw", [dict(size=2), dict(scale_factor=2.0),
                                dict(scale_factor=2.0, mode="area")])
def test_E12_rank(arr, k, kw):
    expect(arr, NotImplementedError, e12(k, kw.get("mode", "nearest")), **kw)


def _e13_head(op, got):
    return "%s() received an invalid combination of arguments - got (%s), but expected one of:" % (
        op, got)


@pytest.mark.parametrize("arr,kw,op,got", [
    (X4, dict(size=2.0), "upsample_nearest2d", "Tensor, list, NoneType"),
    (X4, dict(size="ab"), "upsample_nearest2d", "Tensor, list, NoneType"),
    (X4, dict(size=True), "upsample_nearest2d", "Tensor, list, NoneType"),
    (X4, dict(size=(True, 2)), "upsample_nearest2d", "Tensor, tuple, NoneType"),
    (X4, dict(size=np.array([3, 2])), "upsample_nearest2d", "Tensor, list, NoneType"),
    (X4, dict(size=np.array(3.0)), "upsample_nearest2d", "Tensor, list, NoneType"),
    (X4, dict(scale_factor="2"), "upsample_nearest2d", "Tensor, NoneType, list"),
    (X4, dict(scale_factor=np.array(2.0)), "upsample_nearest2d", "Tensor, NoneType, list"),
    (X4, dict(scale_factor=(np.array(2.0), 2)), "upsample_nearest2d", "Tensor, NoneType, tuple"),
    (X4, dict(scale_factor=fractions.Fraction(3, 2)), "upsample_nearest2d",
     "Tensor, NoneType, list"),
    (X3, dict(size=2.0), "upsample_nearest1d", "Tensor, list, NoneType"),
    (X5, dict(size=2.0, mode="nearest-exact"), "_upsample_nearest_exact3d",
     "Tensor, list, NoneType"),
    (X4, dict(size=2, mode="bilinear", align_corners=1), "upsample_bilinear2d",
     "Tensor, list, int, NoneType"),
    (X4, dict(size=2, mode="bilinear", align_corners=np.bool_(True)), "upsample_bilinear2d",
     "Tensor, list, numpy.bool, NoneType"),
    (X4, dict(size=2, mode="bicubic", align_corners="yes"), "upsample_bicubic2d",
     "Tensor, list, str, NoneType"),
    (X3, dict(size=2.0, mode="linear"), "upsample_linear1d", "Tensor, list, bool, NoneType"),
    (X5, dict(size=2.0, mode="trilinear"), "upsample_trilinear3d",
     "Tensor, list, bool, NoneType"),
    (X4, dict(size=2.0, mode="bilinear", antialias=True), "_upsample_bilinear2d_aa",
     "Tensor, list, bool, NoneType"),
    (X4, dict(size=2.0, mode="bicubic", antialias=True), "_upsample_bicubic2d_aa",
     "Tensor, list, bool, NoneType"),
    (X4, dict(size=2, mode="lanczos", antialias=True, align_corners=0), "_upsample_lanczos2d_aa",
     "Tensor, list, int, NoneType"),
])
def test_E13_binding_invalid_combination(arr, kw, op, got):
    msg = expect(arr, TypeError, compare="first_line", **kw)
    assert _first_line(msg) == _e13_head(op, got)
    assert "tuple of ints output_size" in msg  # says what is allowed


@pytest.mark.parametrize("kw,msg", [
    (dict(scale_factor=(2, None)), "upsample_nearest2d(): argument 'scale_factors' must be tuple "
     "of floats, but found element of type NoneType at pos 2"),
    (dict(scale_factor=(2, "1.5")), "upsample_nearest2d(): argument 'scale_factors' must be tuple "
     "of floats, but found element of type str at pos 2"),
    (dict(scale_factor=1j), "upsample_nearest2d(): argument 'scale_factors' must be tuple of "
     "floats, but found element of type complex at pos 1"),
    (dict(scale_factor=10 ** 400), "upsample_nearest2d(): argument 'scale_factors' must be tuple "
     "of floats, but found element of type int at pos 1"),
    (dict(scale_factor=(2, np.array([2.0, 3.0]))), "upsample_nearest2d(): argument "
     "'scale_factors' must be tuple of floats, but found element of type numpy.ndarray at pos 2"),
    (dict(size=2.0, mode="area"), "adaptive_avg_pool2d(): argument 'output_size' (position 2) "
     "must be tuple of ints, but found element of type float at pos 0"),
    (dict(size=True, mode="area"), "adaptive_avg_pool2d(): argument 'output_size' (position 2) "
     "must be tuple of ints, but found element of type bool at pos 0"),
    (dict(size=(True, 2), mode="area"), "adaptive_avg_pool2d(): argument 'output_size' "
     "(position 2) must be tuple of ints, but found element of type bool at pos 0"),
    (dict(size=2 ** 70), "upsample_nearest2d(): argument 'output_size' failed to unpack the "
     "object at pos 1 with error \"Overflow when unpacking long long\""),
    (dict(size=(2, 2 ** 64)), "upsample_nearest2d(): argument 'output_size' failed to unpack the "
     "object at pos 2 with error \"Overflow when unpacking long long\""),
    (dict(size=(np.uint64(2 ** 63 + 1), 2)), "upsample_nearest2d(): argument 'output_size' failed "
     "to unpack the object at pos 1 with error \"Overflow when unpacking long long\""),
    (dict(scale_factor=1e300, recompute_scale_factor=True), "upsample_nearest2d(): argument "
     "'output_size' failed to unpack the object at pos 1 with error \"Overflow when unpacking "
     "long long\""),
    (dict(scale_factor=1e20, mode="area"), "adaptive_avg_pool2d(): argument 'output_size' failed "
     "to unpack the object at pos 1 with error \"Overflow when unpacking long long\""),
])
def test_E13_binding_argument_errors(kw, msg):
    # (torch, not spec) the binding's other TypeErrors: later elements of a list, and the
    # single-signature adaptive_avg_pool ops
    expect(X4, TypeError, msg, **kw)


def test_E13_area_1d_and_3d_op_names():
    expect(X3, TypeError, "adaptive_avg_pool1d(): argument 'output_size' (position 2) must be "
           "tuple of ints, but found element of type float at pos 0", size=2.0, mode="area")
    expect(X5, TypeError, "adaptive_avg_pool3d(): argument 'output_size' (position 2) must be "
           "tuple of ints, but found element of type float at pos 0", size=2.0, mode="area")


E14 = "Input and output sizes should be greater than 0, but got "


@pytest.mark.parametrize("arr,kw,tail", [
    (X4, dict(size=(0, 3)), "input (H: 4, W: 4) output (H: 0, W: 3)"),
    (X4, dict(size=-1), "input (H: 4, W: 4) output (H: -1, W: -1)"),
    (X4, dict(scale_factor=0.1), "input (H: 4, W: 4) output (H: 0, W: 0)"),
    (X4, dict(scale_factor=0), "input (H: 4, W: 4) output (H: 0, W: 0)"),
    (X4, dict(scale_factor=-1.0), "input (H: 4, W: 4) output (H: -4, W: -4)"),
    (X3, dict(size=0), "input (W: 4) and output (W: 0)"),
    (X3, dict(size=0, mode="linear"), "input (W: 4) and output (W: 0)"),
    (X5, dict(size=(2, 0, 2), mode="trilinear"), "input (D: 4, H: 4, W: 4) output (D: 2, H: 0, W: 2)"),
    (z(2, 1, 4, 0, 4), dict(size=2), "input (D: 4, H: 0, W: 4) output (D: 2, H: 2, W: 2)"),
    (z(1, 2, 0, 4), dict(size=3, mode="bilinear"), "input (H: 0, W: 4) output (H: 3, W: 3)"),
    (z(1, 0, 0, 4), dict(size=2), "input (H: 0, W: 4) output (H: 2, W: 2)"),  # E14 before E15
    (z(0, 1, 4, 4), dict(size=0), "input (H: 4, W: 4) output (H: 0, W: 0)"),
    (X4, dict(size=(0, 2), mode="bicubic", antialias=True), "input (H: 4, W: 4) output (H: 0, W: 2)"),
    (X4, dict(size=-(2 ** 62)), "input (H: 4, W: 4) output (H: -4611686018427387904, "
     "W: -4611686018427387904)"),
    (X4.astype(np.int64), dict(size=0), "input (H: 4, W: 4) output (H: 0, W: 0)"),  # before E19
])
def test_E14_sizes_must_be_positive(arr, kw, tail):
    expect(arr, RuntimeError, E14 + tail, **kw)


@pytest.mark.parametrize("arr,mode,aa", [
    (z(2, 0, 4), "nearest", False), (z(2, 0, 4, 4), "bilinear", False),
    (z(2, 0, 4, 4, 4), "nearest", False), (z(2, 0, 4, 4), "bilinear", True),
    (z(2, 0, 4, 4), "lanczos", True), (z(2, 0, 4, 4), "bicubic", False),
    (z(0, 0, 4, 4), "nearest", False), (z(1, 0, 4, 4, dtype=np.int64), "nearest", False),
])
def test_E15_zero_channels(arr, mode, aa):
    msg = "Non-empty %dD data tensor expected but got a tensor with sizes %s" % (
        arr.ndim, list(arr.shape))
    expect(arr, RuntimeError, msg, size=2, mode=mode, antialias=aa)


@pytest.mark.parametrize("sf", [float("inf"), float("nan"), float("-inf"), 1e300, -1e300,
                                2.0 ** 62, np.float32("nan")])
def test_E16_scale_overflow(sf):
    expect(X4, RuntimeError, "value cannot be converted to type int64_t without overflow",
           scale_factor=sf)


def test_E16_boundary_symint():
    # (torch, not spec) a product of exactly 2**63 passes the range check and wraps to
    # INT64_MIN; products in [-2**63, -2**62) are rejected by the SymInt conversion
    expect(X4, RuntimeError, "IntArrayRef contains an int that cannot be represented as a SymInt: "
           "-9223372036854775808", scale_factor=2.0 ** 61)
    expect(X4, RuntimeError, "IntArrayRef contains an int that cannot be represented as a SymInt: "
           "-4611686018427389952", scale_factor=-(2.0 ** 60) - 512)
    expect(X3, RuntimeError, "SymIntArrayRef expected to contain only concrete integers",
           size=-(2 ** 62) - 1)


@pytest.mark.parametrize("sf,exc,msg", [
    (float("nan"), ValueError, "cannot convert float NaN to integer"),
    (float("inf"), OverflowError, "cannot convert float infinity to integer"),
    (np.float32("nan"), ValueError, "cannot convert float NaN to integer"),
    (np.float32("inf"), OverflowError, "cannot convert float infinity to integer"),
])
@pytest.mark.parametrize("mode,rsf", [("nearest", True), ("area", None)])
def test_E16_recompute_python_errors(sf, exc, msg, mode, rsf):
    # spec §1.2 step 6: the Python int() of the recompute path raises first
    expect(X4, exc, msg, scale_factor=sf, mode=mode, recompute_scale_factor=rsf)


@pytest.mark.parametrize("arr,size,msg", [
    (X4, -1, "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
     "but received {-1, -1}"),
    (X4, (0, -1), "adaptive_avg_pool2d: elements of output_size must be greater than or equal "
     "to 0 but received {0, -1}"),
    (X3, -1, "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
     "but received {1, -1}"),
    (X5, -1, "adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 "
     "but received {-1, -1,-1}"),
    (X5, (2, -1, 3), "adaptive_avg_pool3d: elements of output_size must be greater than or "
     "equal to 0 but received {2, -1,3}"),
    (z(1, 2, 0, 4), -1, "adaptive_avg_pool2d: elements of output_size must be greater than or "
     "equal to 0 but received {-1, -1}"),  # before E18
    (X4.astype(np.int64), -1, "adaptive_avg_pool2d: elements of output_size must be greater "
     "than or equal to 0 but received {-1, -1}"),
])
def test_E17_area_negative_size(arr, size, msg):
    expect(arr, RuntimeError, msg, size=size, mode="area")


def test_E17_area_1d_huge_negative():
    expect(X3, RuntimeError, "IntArrayRef contains an int that cannot be represented as a SymInt: "
           "-9223372036854775808", size=-(2 ** 63), mode="area")


@pytest.mark.parametrize("arr,shown,d,k", [
    (z(1, 2, 0, 4), [1, 2, 0, 4], 2, 2),
    (z(1, 2, 4, 0), [1, 2, 4, 0], 3, 2),
    (z(0, 2, 0, 4), [0, 2, 0, 4], 2, 2),
    (z(1, 2, 0), [1, 2, 1, 0], 3, 2),  # 1-D area runs as 2-D on x.unsqueeze(-2)
    (z(1, 2, 4, 0, 4), [1, 2, 4, 0, 4], 3, 3),
    (z(1, 0, 4, 4, 4), [1, 0, 4, 4, 4], 1, 3),  # the 3-D pool also rejects C == 0
    (z(0, 0, 4, 4, 4), [0, 0, 4, 4, 4], 1, 3),
    (z(1, 2, 0, 4, dtype=np.int64), [1, 2, 0, 4], 2, 2),  # before E19
])
def test_E18_area_empty_input_dim(arr, shown, d, k):
    msg = ("adaptive_avg_pool%dd(): Expected input to have non-zero size for non-batch "
           "dimensions, but input has sizes %s with dimension %d being empty" % (k, shown, d))
    expect(arr, RuntimeError, msg, size=2, mode="area")


_TNAMES = {np.float16: "Half", np.float32: "Float", np.float64: "Double", np.uint8: "Byte",
           np.int8: "Char", np.int16: "Short", np.int32: "Int", np.int64: "Long",
           np.uint16: "UInt16", np.uint32: "UInt32", np.uint64: "UInt64", np.bool_: "Bool",
           np.complex64: "ComplexFloat", np.complex128: "ComplexDouble"}
# spec §3.3, hard-coded independently of cyresample._validate
_SUPPORTED = {
    "nearest": {np.float16, np.float32, np.float64, np.uint8},
    "nearest-exact": {np.float16, np.float32, np.float64, np.uint8},
    "linear": {np.float16, np.float32, np.float64},
    "trilinear": {np.float16, np.float32, np.float64},
    "bilinear": {np.float16, np.float32, np.float64, np.uint8},
    "bicubic": {np.float16, np.float32, np.float64, np.uint8},
    "bilinear-aa": {np.float32, np.float64, np.uint8},
    "bicubic-aa": {np.float32, np.float64, np.uint8},
    "lanczos-aa": {np.float32, np.float64, np.uint8},
    "area": {np.float16, np.float32, np.float64},
}
# (mode, ndim, antialias, size, generic kernel name in torch's E19 message)
_DTYPE_PATHS = [
    ("nearest", 3, False, 3, "compute_indices_weights_nearest"),
    ("nearest", 4, False, 200, "compute_indices_weights_nearest"),
    ("nearest", 4, False, 3, "upsample_nearest2d_channels_last"),  # outH + outW <= 128
    ("nearest", 5, False, 3, "compute_indices_weights_nearest"),
    ("nearest-exact", 3, False, 3, "compute_indices_weights_nearest"),
    ("nearest-exact", 4, False, 200, "compute_indices_weights_nearest"),
    ("nearest-exact", 4, False, 3, "upsample_nearest2d_channels_last"),
    ("nearest-exact", 5, False, 3, "compute_indices_weights_nearest"),
    ("linear", 3, False, 3, "compute_indices_weights_linear"),
    ("bilinear", 4, False, 200, "compute_indices_weights_linear"),
    ("bilinear", 4, False, 3, "upsample_bilinear2d_channels_last"),
    ("bicubic", 4, False, 3, "compute_indices_weights_cubic"),
    ("trilinear", 5, False, 3, "compute_indices_weights_linear"),
    ("bilinear", 4, True, 3, "compute_index_ranges_weights"),
    ("bicubic", 4, True, 3, "compute_index_ranges_weights"),
    ("lanczos", 4, True, 3, "compute_index_ranges_weights"),
    ("area", 3, False, 3, "adaptive_avg_pool2d"),
    ("area", 4, False, 3, "adaptive_avg_pool2d"),
    ("area", 5, False, 3, "adaptive_avg_pool3d_cpu"),
]


@pytest.fixture
def torch_parity_dtypes(monkeypatch):
    """Test the PyTorch data, not cyresample's documented dtype extensions. Prepared calls
    cached by earlier tests skip validation, so the cache is emptied around the test."""
    from cyresample import _api
    _api._EXECUTORS.clear()
    monkeypatch.setattr(V, "EXTENSION_DTYPES", {})
    yield
    _api._EXECUTORS.clear()


@pytest.mark.parametrize("dt", list(_TNAMES), ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("path", _DTYPE_PATHS, ids=lambda p: "%s-%dd-aa%d-%d" % p[:4])
def test_E19_dtype_support(torch_parity_dtypes, path, dt):
    mode, ndim, aa, size, kernel = path
    key = mode + ("-aa" if aa else "")
    arr = np.zeros((1, 2) + (4,) * (ndim - 2), dt)
    if dt in _SUPPORTED[key]:
        req = V.interpolate_args(arr, size=size, mode=mode, antialias=aa)
        assert req.out_sizes == (size,) * (ndim - 2)
        if torch is not None:
            assert tuple(F.interpolate(torch.from_numpy(arr), size=size, mode=mode,
                                       antialias=aa).shape[2:]) == req.out_sizes
    else:
        expect(arr, NotImplementedError, '"%s" not implemented for \'%s\'' % (kernel, _TNAMES[dt]),
               size=size, mode=mode, antialias=aa)


@pytest.mark.parametrize("arr,mode,kernel", [
    (np.zeros((1, 6, 7, 4), np.int64).transpose(0, 3, 1, 2), "nearest",
     "upsample_nearest2d_channels_last"),
    (np.zeros((1, 6, 7, 4), np.int64).transpose(0, 3, 1, 2), "bilinear",
     "upsample_bilinear2d_channels_last"),
    (np.zeros((1, 6, 7, 3), np.int64).transpose(0, 3, 1, 2), "bilinear",
     "compute_indices_weights_linear"),  # C <= 3: generic kernel
    (np.zeros((1, 6, 7, 3), np.int64).transpose(0, 3, 1, 2), "area",
     "adaptive_avg_pool2d_channels_last"),
    (np.zeros((1, 3, 4, 5, 4), np.int64).transpose(0, 4, 1, 2, 3), "trilinear",
     "upsample_trilinear3d_channels_last"),
    (np.zeros((1, 3, 4, 5, 4), np.int64).transpose(0, 4, 1, 2, 3), "nearest",
     "upsample_nearest3d_channels_last"),
])
def test_E19_channels_last_kernel_names(torch_parity_dtypes, arr, mode, kernel):
    size = 100 if arr.ndim == 4 else 3
    expect(arr, NotImplementedError, '"%s" not implemented for \'Long\'' % kernel, size=size,
           mode=mode)


@pytest.mark.parametrize("ndim", [3, 4, 5])
@pytest.mark.parametrize("dt", [np.int64, np.uint8, np.bool_])
def test_E19_area_all_ones_output_uses_mean(torch_parity_dtypes, ndim, dt):
    # (torch, not spec) output sizes all 1: torch returns x.mean(), whose dtype error differs
    arr = np.zeros((1, 2) + (4,) * (ndim - 2), dt)
    expect(arr, RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a "
           "floating point or complex dtype. Got: %s" % _TNAMES[dt], size=1, mode="area")


@pytest.mark.parametrize("ndim", [3, 4, 5])
def test_E19_area_all_ones_accepts_complex(torch_parity_dtypes, ndim):
    arr = np.zeros((1, 2) + (4,) * (ndim - 2), np.complex64)
    assert V.interpolate_args(arr, size=1, mode="area").out_sizes == (1,) * (ndim - 2)
    expect(arr, NotImplementedError, '"%s" not implemented for \'ComplexFloat\''
           % ("adaptive_avg_pool3d_cpu" if ndim == 5 else "adaptive_avg_pool2d"),
           size=2, mode="area")


@pytest.mark.parametrize("shape,size", [((0, 2, 4, 4), 3), ((1, 0, 4, 4), 3), ((1, 2, 4, 4), (0, 2)),
                                        ((0, 2, 4), 3), ((1, 0, 4), 3), ((1, 2, 4), 0)])
@pytest.mark.parametrize("dt", [np.int64, np.uint8, np.complex128, np.bool_])
def test_E19_area_2d_empty_output_accepts_any_dtype(torch_parity_dtypes, shape, size, dt):
    # (torch, not spec) the 1-D/2-D pool returns an empty output before the dtype dispatch
    req = V.interpolate_args(np.zeros(shape, dt), size=size, mode="area")
    exp = (size,) * (len(shape) - 2) if isinstance(size, int) else size
    assert req.out_sizes == exp
    if torch is not None:
        r = F.interpolate(torch.from_numpy(np.zeros(shape, dt)), size=size, mode="area")
        assert tuple(r.shape[2:]) == exp


@pytest.mark.parametrize("shape", [(0, 2, 4, 4, 4), (1, 2, 4, 4, 4)])
def test_E19_area_3d_empty_output_still_checks_dtype(torch_parity_dtypes, shape):
    size = 2 if shape[0] == 0 else (0, 2, 2)
    expect(np.zeros(shape, np.int64), NotImplementedError,
           '"adaptive_avg_pool3d_cpu" not implemented for \'Long\'', size=size, mode="area")


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "linear"])
def test_E19_batch_zero_still_checks_dtype(torch_parity_dtypes, mode):
    ndim = 3 if mode == "linear" else 4
    arr = np.zeros((0, 2) + (4,) * (ndim - 2), np.int32)
    expect(arr, NotImplementedError, match=r"not implemented for 'Int'$", size=3, mode=mode)


@pytest.mark.parametrize("dt", [np.int64, np.float16, np.bool_, np.complex64])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_E19_antialias_same_size_copies_any_dtype(torch_parity_dtypes, dt, mode):
    # (torch, not spec) no size changes: the antialias kernels copy before the dtype dispatch
    arr = np.zeros((1, 2, 5, 6), dt)
    assert V.interpolate_args(arr, size=(5, 6), mode=mode, antialias=True).out_sizes == (5, 6)
    expect(arr, NotImplementedError, '"compute_index_ranges_weights" not implemented for \'%s\''
           % _TNAMES[dt], size=(5, 7), mode=mode, antialias=True)


def test_check_dtype_function(torch_parity_dtypes):
    f64, i64 = np.dtype(np.float64), np.dtype(np.int64)
    assert V.check_dtype(f64, "bilinear", 4, False) == "Double"
    with pytest.raises(NotImplementedError, match=r"^\"compute_indices_weights_linear\" not "
                       r"implemented for 'Long'$"):
        V.check_dtype(i64, "bilinear", 4, False)
    with pytest.raises(NotImplementedError, match=r"^\"k\" not implemented for 'Long'$"):
        V.check_dtype(i64, "bilinear", 4, False, kernel="k")
    with pytest.raises(RuntimeError, match=r"^mean\(\): could not infer output dtype"):
        V.check_dtype(i64, "area-mean", 4, False)
    with pytest.raises(NotImplementedError):
        V.check_dtype(np.dtype(np.float16), "lanczos", 4, True)
    # the data structure: every (mode, ndim, antialias) path torch has, in one dict
    assert set(V.TORCH_DTYPE_SUPPORT) >= {(p[0], p[1], p[2]) for p in _DTYPE_PATHS}


def test_check_dtype_extension_policy(monkeypatch):
    monkeypatch.setattr(V, "EXTENSION_DTYPES", {("bilinear", 4, False): frozenset({"Long"})})
    assert V.check_dtype(np.dtype(np.int64), "bilinear", 4, False) == "Long"
    assert V.interpolate_args(np.zeros((1, 1, 4, 4), np.int64), size=3,
                              mode="bilinear").out_sizes == (3, 3)
    with pytest.raises(NotImplementedError):
        V.check_dtype(np.dtype(np.int64), "bicubic", 4, False)


@pytest.mark.parametrize("arr,kw,msg", [
    (X4, dict(size=2 ** 62), "[1, 1, 4611686018427387904, 4611686018427387904]"),
    (X3, dict(size=2 ** 61), "[1, 1, 2305843009213693952]"),
    (X3, dict(size=2 ** 63 - 1), "[1, 1, 9223372036854775807]"),
    (X4, dict(size=(2 ** 40, 2 ** 22)), "[1, 1, 1099511627776, 4194304]"),
    (X3.astype(np.float64), dict(size=2 ** 60), "[1, 1, 1152921504606846976]"),
    (X3.astype(np.int64), dict(size=2 ** 62), "[1, 1, 4611686018427387904]"),  # before E19
    (X4, dict(scale_factor=1e17), "[1, 1, 400000000000000000, 400000000000000000]"),
    (X4, dict(scale_factor=1e17, mode="bilinear"), "[1, 1, 400000000000000000, "
     "400000000000000000]"),
    (X4, dict(size=2 ** 62, mode="bilinear", antialias=True), "[1, 1, 4611686018427387904, "
     "4611686018427387904]"),
    (X3, dict(size=2 ** 62, mode="area"), "[1, 1, 1, 4611686018427387904]"),  # 2-D view
    (X4, dict(size=2 ** 31, mode="area"), "[1, 1, 2147483648, 2147483648]"),
    (z(0, 1, 4), dict(size=2 ** 62), "[1, 1, 4611686018427387904]"),  # index buffer, N == 0
])
def test_E20_storage_overflow(arr, kw, msg):
    expect(arr, RuntimeError, "Storage size calculation overflowed with sizes=" + msg, **kw)


@pytest.mark.parametrize("arr,kw,msg", [
    (X4, dict(size=2 ** 62, mode="area"), "numel: integer multiplication overflow"),
    (X5, dict(size=2 ** 21, mode="area"), "numel: integer multiplication overflow"),
    (X4, dict(scale_factor=1e17, mode="area"), "numel: integer multiplication overflow"),
    (z(0, 5, 4), dict(size=2 ** 62), "Stride calculation overflowed"),
    (z(0, 5, 4, 4), dict(size=2 ** 62, mode="bilinear"), "Stride calculation overflowed"),
    (z(0, 5, 4, 4), dict(size=2 ** 62, mode="area"), "Stride calculation overflowed"),
])
def test_E20_other_allocation_overflows(arr, kw, msg):
    # (torch, not spec) adaptive_avg_pool resizes its output: numel is checked first;
    # empty outputs can still overflow their strides
    expect(arr, RuntimeError, msg, **kw)


# --------------------------------------------------------------------------------------------
# input types, ranks, dtypes
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("arr", [
    np.array([[["a", "b"]]]), np.array([[[b"a", b"b"]]]), np.zeros((1, 1, 2), object),
    np.zeros((1, 1, 2), "datetime64[s]"), np.zeros((1, 1, 2), "timedelta64[s]"),
    np.zeros((1, 1, 2), [("a", "f4"), ("b", "i4")]), np.zeros((1, 1, 2), "V4"),
    np.zeros((1, 1, 2), np.longdouble) if np.dtype(np.longdouble).itemsize > 8 else
    np.zeros((1, 1, 2), object),
], ids=lambda a: a.dtype.name)
def test_non_numeric_arrays_raise_type_error(arr, torch_parity_dtypes):
    with pytest.raises(TypeError, match=re.escape(arr.dtype.name)):
        V.interpolate_args(arr, size=3)
    # checked before anything else (torch could not even build the tensor)
    with pytest.raises(TypeError):
        V.interpolate_args(arr, size=3, mode="area", align_corners=True)
    if torch is not None:
        with pytest.raises(TypeError):
            torch.from_numpy(arr)


@pytest.mark.parametrize("arr", [
    np.array([[["a", "bc", "d"]]]), np.array([[[b"a", b"bc", b"d"]]]),
    np.arange(3).astype("datetime64[s]").reshape(1, 1, 3),
    np.arange(3).astype("timedelta64[ms]").reshape(1, 1, 3), np.zeros((1, 1, 3), "V4"),
    np.arange(3, dtype=np.longdouble).reshape(1, 1, 3), np.array([[[True, False, True]]]),
], ids=lambda a: a.dtype.name)
def test_nearest_copies_any_fixed_size_dtype(arr):
    # extension (docs/semantics.md, "Dtypes"): the nearest modes copy any dtype without fields
    for mode in ("nearest", "nearest-exact"):
        y = cyresample.interpolate(arr, size=6, mode=mode)
        assert y.dtype == arr.dtype and y.shape == (1, 1, 6)
        ref = arr[..., np.minimum((np.arange(6) + (0.5 if mode == "nearest-exact" else 0)) * 0.5, 2)
                  .astype(int)]
        assert (y == ref).all() if arr.dtype.kind != "V" else y.tobytes() == ref.tobytes()


@pytest.mark.parametrize("arr", [np.zeros((1, 1, 2), object), np.zeros((1, 1, 2), [("a", "f4"), ("b", "i4")])],
                         ids=["object", "structured"])
def test_object_and_structured_arrays_always_raise_type_error(arr):
    with pytest.raises(TypeError, match="dtype"):
        cyresample.interpolate(arr, size=3)


def test_array_likes_are_accepted():
    req = V.interpolate_args([[[1.0, 2.0, 3.0]]], size=5)
    assert req.array.dtype == np.float64 and req.out_sizes == (5,)
    x = np.zeros((1, 1, 4), np.float32)
    assert V.interpolate_args(x, size=2).array is x  # no copy for ndarrays
    m = np.ma.masked_array(np.zeros((1, 1, 4, 4)))
    assert V.interpolate_args(m, size=2).out_sizes == (2, 2)


def test_non_native_byte_order_is_accepted(torch_parity_dtypes):
    req = V.interpolate_args(np.zeros((1, 1, 4, 4), ">f4"), size=3, mode="bilinear")
    assert req.out_sizes == (3, 3)
    with pytest.raises(NotImplementedError, match="'Long'"):
        V.interpolate_args(np.zeros((1, 1, 4, 4), ">i8"), size=3, mode="bilinear")


def test_numpy_str_mode():
    req = V.interpolate_args(X4, size=3, mode=np.str_("bilinear"))
    assert req.mode == "bilinear" and type(req.mode) is str


# --------------------------------------------------------------------------------------------
# output sizes (spec §1.3)
# --------------------------------------------------------------------------------------------

f32 = np.float32
SHAPE_CASES = [  # (input shape, kwargs, expected output sizes -- from torch 2.13)
    ((1, 1, 100), dict(scale_factor=0.29), (28,)),
    ((1, 1, 100), dict(scale_factor=f32(0.29)), (28,)),
    ((1, 1, 100), dict(scale_factor=f32(0.29), recompute_scale_factor=True), (29,)),
    ((1, 1, 100), dict(scale_factor=f32(0.29), mode="area"), (29,)),
    ((1, 1, 100), dict(scale_factor=0.29, mode="area"), (28,)),
    ((1, 1, 100), dict(scale_factor=0.29, mode="linear", recompute_scale_factor=True), (28,)),
    ((2, 3, 5), dict(scale_factor=1.7, mode="linear"), (8,)),
    ((2, 3, 5), dict(scale_factor=1.7, mode="linear", align_corners=True), (8,)),
    ((2, 3, 7), dict(scale_factor=1 / 3, mode="nearest-exact"), (2,)),
    ((1, 1, 7), dict(scale_factor=0.1, mode="area"), (0,)),
    ((1, 2, 10, 20), dict(scale_factor=(0.5, 3.3), mode="bilinear"), (5, 66)),
    ((1, 2, 10, 20), dict(scale_factor=(f32(0.7), 2), mode="bicubic"), (6, 40)),
    ((1, 2, 10, 20), dict(scale_factor=[1.5, 0.25], mode="nearest"), (15, 5)),
    ((1, 2, 10, 20), dict(scale_factor=(0.3, 0.77), mode="bilinear", antialias=True), (3, 15)),
    ((1, 2, 10, 20), dict(scale_factor=(0.3, 0.77), mode="lanczos", antialias=True), (3, 15)),
    ((1, 1, 4, 4), dict(scale_factor=1.0001, mode="bicubic"), (4, 4)),
    ((1, 1, 4, 4), dict(scale_factor=0.9999), (3, 3)),
    ((1, 1, 3, 3), dict(scale_factor=37.5), (112, 112)),
    ((1, 1, 3, 3), dict(scale_factor=np.int64(3)), (9, 9)),
    ((1, 1, 3, 3), dict(scale_factor=True), (3, 3)),
    ((1, 1, 3, 3), dict(scale_factor=np.float16(2.5)), (7, 7)),
    ((1, 1, 3, 3), dict(scale_factor=np.array(2.5), recompute_scale_factor=True), (7, 7)),
    ((1, 1, 3, 3), dict(size=(5, 7)), (5, 7)),
    ((1, 1, 3, 3), dict(size=[5, 7], mode="area"), (5, 7)),
    ((1, 1, 3, 3), dict(size=np.int32(4), mode="bilinear"), (4, 4)),
    ((1, 1, 3, 3), dict(size=np.array(4)), (4, 4)),
    ((1, 1, 3, 3), dict(size=(2, True)), (2, 1)),
    ((1, 1, 3, 3), dict(size=(np.uint8(2), np.int16(9)), mode="nearest-exact"), (2, 9)),
    ((1, 1, 3, 4, 5), dict(scale_factor=(1.5, 0.5, 2.2), mode="trilinear"), (4, 2, 11)),
    ((1, 1, 3, 4, 5), dict(scale_factor=(1.5, 0.5, 2.2), mode="area"), (4, 2, 11)),
    ((1, 1, 3, 4, 5), dict(scale_factor=0.6, mode="nearest", recompute_scale_factor=True),
     (1, 2, 3)),
    ((2, 1, 6, 7, 8), dict(size=(1, 2, 3), mode="area"), (1, 2, 3)),
    ((1, 1, 64, 64), dict(scale_factor=1 / 7, mode="area"), (9, 9)),
    ((1, 1, 49, 49), dict(scale_factor=0.1, mode="bilinear", antialias=True), (4, 4)),
    ((1, 1, 33), dict(scale_factor=2.999999, mode="linear"), (98,)),
    ((1, 1, 10), dict(scale_factor=0.1, mode="nearest"), (1,)),
    ((1, 1, 10), dict(scale_factor=0.3), (3,)),
    ((1, 1, 10), dict(scale_factor=0.3, recompute_scale_factor=True), (3,)),
    ((1, 1, 3), dict(scale_factor=1e4), (30000,)),
    ((0, 1, 5, 5), dict(scale_factor=2, mode="bilinear"), (10, 10)),
    ((1, 3, 5, 5), dict(scale_factor=0.2, mode="area"), (1, 1)),
    ((1, 3, 5, 5), dict(size=0, mode="area"), (0, 0)),
    ((1, 0, 5, 5), dict(size=3, mode="area"), (3, 3)),
    ((1, 0, 5), dict(size=3, mode="area"), (3,)),
    ((1, 3, 0, 5), dict(size=1, mode="area"), (1, 1)),
    ((1, 3, 0, 5, 5), dict(size=1, mode="area"), (1, 1, 1)),
    ((1, 3, 5, 5), dict(size=(0, 2), mode="area"), (0, 2)),
    ((0, 3, 5, 5, 5), dict(size=2, mode="area"), (2, 2, 2)),
    ((1, 3, 5, 5), dict(size=(5, 5), mode="bilinear", antialias=True), (5, 5)),
]


@pytest.mark.parametrize("shape,kw,expected", SHAPE_CASES,
                         ids=["%s-%s" % (s, "-".join("%s=%s" % kv for kv in k.items()))
                              for s, k, _ in SHAPE_CASES])
def test_output_sizes(shape, kw, expected):
    req = V.interpolate_args(np.zeros(shape, np.float32), **kw)
    assert req.out_sizes == expected
    assert all(type(v) is int for v in req.out_sizes)
    if torch is not None:
        r = F.interpolate(torch.zeros(shape), **kw)
        assert tuple(r.shape[2:]) == req.out_sizes


@pytest.mark.parametrize("kw,scales", [
    (dict(scale_factor=1.7, mode="linear"), (1.7,)),
    (dict(scale_factor=f32(0.29)), (float(f32(0.29)),)),
    (dict(scale_factor=2), (2.0,)),
    (dict(scale_factor=np.int64(2), mode="linear", align_corners=True), (2.0,)),
    (dict(scale_factor=1.7, recompute_scale_factor=True), (None,)),
    (dict(scale_factor=1.7, mode="area"), (None,)),
    (dict(size=8), (None,)),
])
def test_request_scales(kw, scales):
    req = V.interpolate_args(np.zeros((1, 1, 5), np.float32), **kw)
    assert req.scales == scales
    assert all(s is None or type(s) is float for s in req.scales)


def test_request_fields():
    req = V.interpolate_args(np.zeros((1, 1, 5, 5), np.float32), scale_factor=(2, 0.5),
                             mode="bicubic")
    assert req.mode == "bicubic" and req.align_corners is False and req.antialias is False
    assert req.out_sizes == (10, 2) and req.scales == (2.0, 0.5)
    req = V.interpolate_args(np.zeros((1, 1, 5, 5), np.float32), size=3, mode="lanczos",
                             antialias=1)
    assert req.antialias is True and req.align_corners is False
    with pytest.raises(Exception):
        req.mode = "nearest"  # frozen


def test_string_scale_with_recompute_is_python_arithmetic():
    # torch evaluates int(in * sf) in Python: 4 * "2" == "2222" (sic)
    req = V.interpolate_args(np.zeros((1, 1, 4), np.float32), scale_factor="2",
                             recompute_scale_factor=True)
    assert req.out_sizes == (2222,)


def test_complex_numpy_scale_warns_and_uses_real_part():
    with pytest.warns(np.exceptions.ComplexWarning):
        req = V.interpolate_args(X4, scale_factor=np.complex64(2 + 1j))
    assert req.out_sizes == (8, 8) and req.scales == (2.0, 2.0)


# --------------------------------------------------------------------------------------------
# tests that need the compiled engine (cyresample._backend_cpu); they start passing when it
# lands
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,kw", [
    ((0, 2, 4, 4), dict(size=3, mode="bilinear")),
    ((0, 2, 4), dict(scale_factor=2.0, mode="linear")),
    ((0, 2, 3, 4, 5), dict(size=(2, 3, 4), mode="nearest")),
    ((0, 2, 4, 4), dict(size=3, mode="bicubic", antialias=True)),
    ((0, 2, 4, 4), dict(size=3, mode="area")),
    ((0, 2, 4, 4, 4), dict(size=3, mode="area")),
    ((1, 2, 4, 4), dict(size=(0, 2), mode="area")),
    ((1, 2, 7), dict(scale_factor=0.1, mode="area")),
    ((1, 0, 4, 4), dict(size=3, mode="area")),
    ((1, 0, 4), dict(size=3, mode="area")),
])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_engine_zero_size_results(shape, kw, dt):
    x = np.zeros(shape, dt)
    y = cyresample.interpolate(x, **kw)
    req = V.interpolate_args(x, **kw)
    assert y.shape == shape[:2] + req.out_sizes and y.dtype == x.dtype and y.size == 0
    if torch is not None:
        assert y.shape == tuple(F.interpolate(torch.from_numpy(x), **kw).shape)


@pytest.mark.parametrize("shape,kw,expected", SHAPE_CASES[:12])
def test_engine_output_shapes(shape, kw, expected):
    x = np.zeros(shape, np.float32)
    y = cyresample.interpolate(x, **kw)
    assert y.shape == shape[:2] + expected
