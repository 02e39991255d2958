"""Hypothesis fuzzing of ``cyresample.interpolate`` with invalid (and odd) arguments.

Drawn: inputs of rank 0 to 7 in every dtype NumPy has (object, strings, datetimes, void,
structured, bool, complex, non-native byte order, longdouble...) and odd layouts, array-likes
and non-arrays; ``size`` / ``scale_factor`` of every type (negative, zero, NaN, +-inf,
subnormal, huge, beyond int64 / uint64, bool, str, None, nested or wrongly sized sequences,
numpy scalars and arrays); modes, ``align_corners``, ``recompute_scale_factor`` and
``antialias`` of wrong types and values; bad ``out=`` arrays.

Properties:

* every call returns an array or raises an ``Exception`` of the documented kinds (ValueError,
  TypeError, NotImplementedError, RuntimeError, OverflowError, MemoryError) -- never another
  exception, never a crash;
* with torch 2.13 importable (and cyresample's dtype extensions switched off, as
  tests/test_errors.py does), the outcome equals torch's: same exception type, or the same
  result shape and dtype. One documented difference: where torch's allocator fails with a
  RuntimeError ("can't allocate memory"), NumPy's allocation raises MemoryError;
* calls whose output (or any intermediate) would need more memory than exists raise
  quickly without allocating it (checked in a subprocess with its peak RSS);
* bad ``out=`` arrays raise (wrong shape: ValueError, wrong dtype: TypeError, read-only:
  ValueError, not an ndarray: TypeError) before anything is written; an ``out`` that
  overlaps the input gives the correct result;
* the whole fuzz also runs in a subprocess (without torch), so that a segfault or an abort is
  reported as a test failure instead of killing pytest.

Profiles as tests/test_properties.py (``CYRESAMPLE_HYPOTHESIS_PROFILE``): fast by default,
``*_long`` variants marked ``slow``.
"""
import contextlib
import fractions
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

import cyresample
import reference as R
from cyresample import _validate

try:
    import torch
    import torch.nn.functional as F
    if not torch.__version__.startswith("2.13."):
        torch = None
    else:
        torch.set_num_threads(2)
except ImportError:
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# profiles (same names as tests/test_properties.py; registering twice is harmless)
# ---------------------------------------------------------------------------------------------
_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile("cyresample-default", max_examples=40, derandomize=True, **_COMMON)
settings.register_profile("cyresample-long", max_examples=20000, **_COMMON)
settings.register_profile("cyresample-dev", max_examples=500, **_COMMON)
settings.register_profile("cyresample-medium", max_examples=5000, **_COMMON)
PROFILE_ENV = "CYRESAMPLE_HYPOTHESIS_PROFILE"


def _profile(name):
    return settings.get_profile(name if name.startswith("cyresample-") else "cyresample-" + name)


def fast_profile(scale=1):
    name = os.environ.get(PROFILE_ENV, "default")
    if name in ("long", "cyresample-long"):
        name = "default"
    p = _profile(name)
    return settings(p, max_examples=p.max_examples * scale)


def long_profile():
    return _profile(os.environ.get(PROFILE_ENV, "long"))


def property_tests(body, scale=1):
    def fast(data):
        body(data)

    def slow(data):
        body(data)

    fast = settings(fast_profile(scale))(given(data=st.data())(fast))
    slow = pytest.mark.slow(settings(long_profile())(given(data=st.data())(slow)))
    fast.__name__ = fast.__qualname__ = "test_" + body.__name__
    slow.__name__ = slow.__qualname__ = "test_" + body.__name__ + "_long"
    fast.__doc__ = slow.__doc__ = body.__doc__
    return fast, slow


CALLS = [0]
COUNT_FILE_ENV = "CYRESAMPLE_COUNT_FILE"


def interp(*a, **kw):
    CALLS[0] += 1
    return cyresample.interpolate(*a, **kw)


@pytest.fixture(autouse=True)
def _report_calls(request):
    start = CALLS[0]
    yield
    path = os.environ.get(COUNT_FILE_ENV)
    if path:
        with open(path, "a") as f:
            f.write("%s %d\n" % (request.node.nodeid, CALLS[0] - start))


ALLOWED = (ValueError, TypeError, NotImplementedError, RuntimeError, OverflowError, MemoryError)

# ---------------------------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------------------------
_DTYPES = [np.float32, np.float64, np.float16, np.uint8, np.int8, np.int16, np.int32, np.int64,
           np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128, np.longdouble,
           "<U3", "S3", "datetime64[s]", "timedelta64[ms]", "V4", [("a", "f4"), ("b", "i4")],
           ">f4", ">i2", ">f8", object, (np.float32, (2,))]
_VALID_MODES = ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area",
                "lanczos"]
_HUGE_INTS = [0, -1, -2, 2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 58, 2 ** 62, 2 ** 63 - 1, 2 ** 63,
              2 ** 64, 2 ** 64 + 3, -(2 ** 62), -(2 ** 62) - 1, -(2 ** 63), -(2 ** 63) - 1, 10 ** 30,
              -(10 ** 30)]
_ODD_FLOATS = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, -1.0, -0.5, 1e300, 1e-300,
               5e-324, 2.0, 0.5, 1.0, 1e17, 2.0 ** 63, 2.0 ** 64, 0.29, 1e-9, 1e9]


@st.composite
def input_arrays(draw):
    """Mostly small ndarrays of rank 0-7 in any dtype and layout; sometimes array-likes."""
    kind = draw(st.sampled_from(["array"] * 8 + ["list", "scalar", "none", "str", "tuple"]))
    if kind == "list":
        return draw(st.sampled_from([[[[1.0, 2.0, 3.0]]], [[[1, 2], [3, 4]]], [], [[[]]], [[[1.0, "a"]]],
                                     [[[[1.0, 2.0], [3.0, 4.0]]]], [[[1.0, 2.0], [3.0]]]]))
    if kind == "scalar":
        return draw(st.sampled_from([1.0, 3, np.float32(2.0), True, 1j]))
    if kind == "none":
        return None
    if kind == "str":
        return "abc"
    if kind == "tuple":
        return ((1.0, 2.0),)
    nd = draw(st.sampled_from([0, 1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7]))
    shape = tuple(draw(st.sampled_from([0, 1, 1, 2, 3, 4, 5])) for _ in range(nd))
    assume(int(np.prod(shape)) <= 400)
    dt = np.dtype(draw(st.sampled_from(_DTYPES)))
    if dt.kind == "O":
        fill = draw(st.sampled_from([None, 1.5, "x", 3]))
        a = np.empty(shape, object)
        a[...] = fill
    else:
        a = np.zeros(shape, dt)
        if dt.kind in "fc" and a.size:
            a[...] = np.arange(a.size).reshape(shape) if a.ndim else 1.0
    layout = draw(st.sampled_from(["C", "C", "F", "negative", "step", "readonly"]))
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "negative" and nd:
        a = a[(slice(None, None, -1),) * nd]
    elif layout == "step" and nd:
        big_shape = tuple(2 * s for s in shape)
        big = np.zeros(big_shape, dt) if dt.kind != "O" else np.empty(big_shape, object)
        a = big[(slice(None, None, 2),) * nd]
    elif layout == "readonly":
        a.setflags(write=False)
    return a


def _int_like(draw, v):
    wrap = draw(st.sampled_from(["int", "int", "int", "np.int64", "np.uint64", "np.int32", "bool",
                                 "float", "str", "np.float32"]))
    try:
        return {"int": lambda: v, "np.int64": lambda: np.int64(v), "np.uint64": lambda: np.uint64(v),
                "np.int32": lambda: np.int32(v), "bool": lambda: bool(v), "float": lambda: float(v),
                "str": lambda: str(v), "np.float32": lambda: np.float32(v)}[wrap]()
    except (OverflowError, ValueError):
        return v


@st.composite
def sizes(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([None, "3", 2.5, np.array([2, 3]), np.array(3), [[2]], (), [],
                                     {"a": 1}, fractions.Fraction(3, 1), 1j]))

    def one():
        v = draw(st.one_of(st.integers(-3, 12), st.sampled_from(_HUGE_INTS), st.integers()))
        return _int_like(draw, v)
    if draw(st.booleans()):
        return one()
    n = draw(st.integers(0, 4))
    seq = [one() for _ in range(n)]
    return tuple(seq) if draw(st.booleans()) else seq


@st.composite
def scales(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([None, "2", 1j, np.array([2.0, 2.0]), np.array(2.0), [[2.0]], (),
                                     fractions.Fraction(3, 2), True, np.complex64(2)]))

    def one():
        v = draw(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                           st.sampled_from(_ODD_FLOATS), st.floats(0.05, 5.0),
                           st.integers(-3, 5)))
        wrap = draw(st.sampled_from(["py", "py", "np.float32", "np.float64", "np.float16"]))
        if wrap == "py":
            return v
        with np.errstate(all="ignore"):
            return {"np.float32": np.float32, "np.float64": np.float64, "np.float16": np.float16}[wrap](v)
    if draw(st.booleans()):
        return one()
    n = draw(st.integers(0, 4))
    seq = [one() for _ in range(n)]
    return tuple(seq) if draw(st.booleans()) else seq


MODES = st.one_of(st.sampled_from(_VALID_MODES),
                  st.sampled_from(["", "Nearest", "bilinear ", "cubic", "lanczos3", "area\x00", None,
                                   3, np.str_("bicubic"), b"nearest", ("nearest",)]))
ALIGN = st.sampled_from([None, None, True, False, 0, 1, "x", np.bool_(True), 2.0, [True]])
RECOMPUTE = st.sampled_from([None, None, True, False, 0, 1, "yes", np.bool_(True), 0.0])
ANTIALIAS = st.sampled_from([False, False, True, 0, 1, None, "x", np.bool_(True), 2])


def _estimate_elements(x, size, sf, mode, rsf):
    """Largest array a *valid* reading of the call could allocate (output, separable
    intermediate, or torch's per-axis index buffers, in elements), or None when the arguments
    cannot describe a valid call."""
    try:
        shape = np.shape(x) if not isinstance(x, np.ndarray) else x.shape
        if len(shape) < 3:
            return None
        ins = shape[2:]
        dim = len(ins)
        if size is not None:
            vals = list(size) if isinstance(size, (list, tuple)) else [size] * dim
            outs = [int(v) for v in vals]
        elif sf is not None:
            vals = list(sf) if isinstance(sf, (list, tuple)) else [sf] * dim
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outs = [int(n * float(v)) for n, v in zip(ins, vals)]
        else:
            return None
        if len(outs) != dim:
            return None
        outs = [abs(o) for o in outs]
        total = shape[0] * shape[1]
        for i, o in zip(ins, outs):
            total *= max(i, o)
        # torch computes its int64 index/weight buffers (~12 bytes per output index of each
        # axis) even when N == 0 and the output is empty: a 2**31-long axis costs it 24 GB
        return max(total, 4 * sum(outs))
    except Exception:  # noqa: BLE001 - not a valid call
        return None


# Outputs between these bounds could really be allocated and computed (too slow, or more RAM
# than the machine has): the fuzz stays below or far above (where allocation must fail).
SMALL_LIMIT = 2 * 10 ** 5
HUGE_LIMIT = 2 ** 36


_FAMILIES = [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 3), ("nearest-exact", 4),
             ("nearest-exact", 5), ("linear", 3), ("bilinear", 4), ("bicubic", 4), ("trilinear", 5),
             ("area", 3), ("area", 4), ("area", 5), ("lanczos", 4)]


@st.composite
def near_valid_calls(draw):
    """A valid call with 0-2 of its arguments replaced by wild ones: reaches the deep checks
    (binding, sizes, allocation, dtype) instead of stopping at the first Python-level one."""
    mode, nd = draw(st.sampled_from(_FAMILIES))
    shape = [draw(st.sampled_from([0, 1, 1, 2, 3]))] + [draw(st.sampled_from([0, 1, 1, 2, 3, 4, 5]))
                                                        for _ in range(nd - 1)]
    dt = np.dtype(draw(st.sampled_from([np.float32, np.float32, np.float64, np.uint8, np.float16,
                                        np.int64, np.bool_, np.complex64, np.int16])))
    x = np.zeros(shape, dt)
    if draw(st.booleans()):
        size = tuple(draw(st.one_of(st.integers(0, 9), st.sampled_from(_HUGE_INTS)))
                     for _ in range(nd - 2))
        sf = None
    else:
        size = None
        sf = tuple(draw(st.one_of(st.floats(0.1, 4.0), st.sampled_from(_ODD_FLOATS)))
                   for _ in range(nd - 2))
    kw = dict(size=size, scale_factor=sf, mode=mode,
              align_corners=draw(st.sampled_from([None, False, True]))
              if mode in ("linear", "bilinear", "bicubic", "trilinear") else None,
              recompute_scale_factor=draw(st.sampled_from([None, False, True])) if sf else None,
              antialias=mode == "lanczos" or (mode in ("bilinear", "bicubic") and draw(st.booleans())))
    wild = {"input": input_arrays(), "size": sizes(), "scale_factor": scales(), "mode": MODES,
            "align_corners": ALIGN, "recompute_scale_factor": RECOMPUTE, "antialias": ANTIALIAS}
    for key in draw(st.lists(st.sampled_from(sorted(wild)), max_size=2, unique=True)):
        if key == "input":
            x = draw(wild[key])
        else:
            kw[key] = draw(wild[key])
    return x, kw


@st.composite
def wild_calls(draw):
    x = draw(input_arrays())
    if draw(st.booleans()):
        size, sf = draw(sizes()), None
    elif draw(st.integers(0, 5)) == 0:
        size, sf = draw(sizes()), draw(scales())
    else:
        size, sf = None, draw(scales())
    kw = dict(size=size, scale_factor=sf, mode=draw(MODES), align_corners=draw(ALIGN),
              recompute_scale_factor=draw(RECOMPUTE), antialias=draw(ANTIALIAS))
    return x, kw


@st.composite
def fuzz_calls(draw):
    x, kw = draw(st.one_of(near_valid_calls(), wild_calls()))
    est = _estimate_elements(x, kw["size"], kw["scale_factor"], kw["mode"], kw["recompute_scale_factor"])
    assume(est is None or est <= SMALL_LIMIT or est >= HUGE_LIMIT)
    return x, kw


# ---------------------------------------------------------------------------------------------
# outcomes
# ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def torch_parity_dtypes():
    """cyresample's documented dtype extensions off, as tests/test_errors.py does."""
    from cyresample import _api
    cache = getattr(_api, "_EXECUTORS", None)   # prepared calls skip validation: start afresh
    old = _validate.EXTENSION_DTYPES
    _validate.EXTENSION_DTYPES = {}
    if cache is not None:
        cache.clear()
    try:
        yield
    finally:
        _validate.EXTENSION_DTYPES = old
        if cache is not None:
            cache.clear()


def outcome(fn):
    try:
        with warnings.catch_warnings():  # e.g. ComplexWarning from int(n * complex64 scale), as torch
            warnings.simplefilter("ignore")
            r = fn()
    except Exception as e:  # noqa: BLE001 - BaseExceptions propagate and fail the test
        return ("raise", type(e), str(e).split("\n")[0][:300])
    return ("ok", tuple(r.shape), r.dtype)


def cy_outcome(x, kw):
    res = outcome(lambda: interp(x, **kw))
    event("cyresample: %s" % ("ok" if res[0] == "ok" else res[1].__name__))
    if res[0] == "raise":
        assert issubclass(res[1], ALLOWED), "unexpected exception %s: %s" % (res[1].__name__, res[2])
    return res


def torch_input(x):
    """The tensor torch would get for ``x`` (None when torch cannot hold it)."""
    if not isinstance(x, np.ndarray):
        return None
    if x.dtype.kind not in "biufc" or x.dtype.fields is not None or x.dtype.subdtype is not None:
        return None
    if not x.dtype.isnative:
        x = x.astype(x.dtype.newbyteorder("="))
    if any(s < 0 for s in x.strides):
        x = x.copy(order="K")
    try:
        with warnings.catch_warnings():  # read-only arrays: torch warns, we never write
            warnings.simplefilter("ignore")
            return torch.from_numpy(x)
    except (TypeError, ValueError):
        return None


def _alloc_failure(res):
    return res[0] == "raise" and res[1] is RuntimeError and "allocate" in res[2]


def same_outcome(cy, th, empty_batch=False):
    if empty_batch and _alloc_failure(th):
        # documented (cyresample._validate): with N == 0 torch still allocates its int64 index
        # buffers (out_d elements each), before its dtype check, and can run out of memory;
        # cyresample returns the empty result (or raises the error that comes next in torch's
        # order). Only the index buffers that overflow int64 (E20) are reproduced.
        return cy[0] == "ok" and 0 in cy[1] or cy[0] == "raise"
    if cy[0] == "ok" or th[0] == "ok":
        # non-native byte order: torch got the native copy, cyresample keeps the caller's dtype
        return cy[0] == th[0] and cy[1] == th[1] and \
            np.dtype(cy[2]).newbyteorder("=") == np.dtype(th[2]).newbyteorder("=")
    if cy[1] is th[1]:
        return True
    if _alloc_failure(th):
        # NumPy's allocation failure is a MemoryError where torch's allocator raises
        # RuntimeError. And torch allocates its output before dispatching on the dtype, so an
        # unsupported dtype with an output too big for this machine gives torch's allocation
        # error but cyresample's E19 NotImplementedError (cyresample checks everything before
        # allocating; which error wins in torch depends on the machine's memory).
        return issubclass(cy[1], MemoryError) or (cy[1] is NotImplementedError and
                                                  "not implemented for" in cy[2])
    return False


# ---------------------------------------------------------------------------------------------
# the fuzz
# ---------------------------------------------------------------------------------------------

def fuzz_no_crash(data):
    """Any argument combination: an array or one of the documented exceptions."""
    x, kw = data.draw(fuzz_calls(), label="call")
    cy_outcome(x, kw)


def fuzz_vs_torch(data):
    """Same exception type (or same result shape/dtype) as torch 2.13."""
    if torch is None:
        pytest.skip("torch is not importable")
    x, kw = data.draw(fuzz_calls(), label="call")
    t = torch_input(x)
    with torch_parity_dtypes():
        cy = cy_outcome(x, kw)
    if t is None:
        if isinstance(x, np.ndarray):
            # torch cannot even hold the array: cyresample rejects it with TypeError (unless it
            # is a dtype torch has under another byte order)
            assert cy[0] == "raise" and cy[1] is TypeError or not x.dtype.isnative, (cy, x.dtype)
        return
    if torch.get_num_threads() != 2:
        torch.set_num_threads(2)
    th = outcome(lambda: F.interpolate(t, **kw).numpy())
    note("cyresample: %r\ntorch: %r" % (cy, th))
    empty_batch = isinstance(x, np.ndarray) and x.ndim >= 3 and x.shape[0] == 0
    assert same_outcome(cy, th, empty_batch), "cyresample %r != torch %r for input %s %s %s, kwargs %r" % (
        cy, th, getattr(x, "shape", None), getattr(x, "dtype", type(x)), getattr(x, "strides", ""), kw)


test_fuzz_no_crash, test_fuzz_no_crash_long = property_tests(fuzz_no_crash, scale=5)
test_fuzz_vs_torch, test_fuzz_vs_torch_long = property_tests(fuzz_vs_torch, scale=5)


# ---------------------------------------------------------------------------------------------
# bad out= arrays
# ---------------------------------------------------------------------------------------------
_VALID = [  # (shape, kwargs)
    ((2, 3, 5), dict(size=7, mode="linear")),
    ((1, 2, 4, 6), dict(size=(3, 8), mode="bilinear")),
    ((1, 4, 4, 6), dict(scale_factor=2, mode="nearest")),
    ((2, 1, 5, 5), dict(size=(3, 3), mode="bicubic", antialias=True)),
    ((1, 2, 3, 4, 5), dict(size=(2, 5, 3), mode="trilinear", align_corners=True)),
    ((1, 2, 6, 6), dict(size=(4, 4), mode="area")),
    ((0, 2, 6, 6), dict(size=(4, 4), mode="area")),
    ((1, 2, 6, 6), dict(size=(6, 6), mode="lanczos", antialias=True)),
    ((3, 2, 7), dict(size=7, mode="nearest-exact")),
]


def bad_out(data):
    """Bad ``out=`` arrays raise the documented type before writing anything; overlap works."""
    shape, kw = data.draw(st.sampled_from(_VALID), label="call")
    dt = np.dtype(data.draw(st.sampled_from([np.float32, np.float64, np.uint8, np.int16]), label="dtype"))
    rng = np.random.RandomState(data.draw(st.integers(0, 2 ** 31), label="seed"))
    x = (rng.rand(*shape) * 100).astype(dt)
    expected = interp(x, **kw)
    oshape = expected.shape
    kind = data.draw(st.sampled_from(["shape", "dtype", "byteorder", "readonly", "not-array", "overlap",
                                      "same-buffer", "self-overlap", "bad-args"]), label="out kind")
    if kind == "shape":
        axis = data.draw(st.integers(0, len(oshape) - 1))
        bad = list(oshape)
        bad[axis] += data.draw(st.sampled_from([-1, 1, 2])) if bad[axis] > 0 else 1
        out = np.full(bad, 7, dt)
        with pytest.raises(ValueError):
            interp(x, out=out, **kw)
        assert (out == 7).all()
    elif kind in ("dtype", "byteorder"):
        other = (np.dtype(np.int32) if dt == np.float32 else np.dtype(np.float32)) if kind == "dtype" \
            else dt.newbyteorder(">" if dt.byteorder != ">" else "<")
        if other == dt:  # uint8 has no byte order
            other = np.dtype(np.int8)
        out = np.full(oshape, 7, other)
        with pytest.raises(TypeError):
            interp(x, out=out, **kw)
        assert (out == 7).all()
    elif kind == "readonly":
        out = np.full(oshape, 7, dt)
        if data.draw(st.booleans()):
            out.setflags(write=False)
        else:
            out = np.broadcast_to(np.full(oshape[1:] or (1,), 7, dt), oshape)
        with pytest.raises(ValueError):
            interp(x, out=out, **kw)
        assert (out == 7).all()
    elif kind == "not-array":
        out = data.draw(st.sampled_from([[0.0], 3, "out", memoryview(b"abcd"), (1, 2)]))
        with pytest.raises(TypeError):
            interp(x, out=out, **kw)
    elif kind == "overlap":
        # out is a view into a buffer that also holds the input, at any offset
        buf = np.zeros(x.size + expected.size + 8, dt)
        off_in = data.draw(st.integers(0, 8))
        xin = buf[off_in:off_in + x.size].reshape(x.shape)
        xin[...] = x
        want = interp(xin.copy(), **kw)
        off_out = data.draw(st.integers(0, buf.size - expected.size))
        out = buf[off_out:off_out + expected.size].reshape(oshape)
        r = interp(xin, out=out, **kw)
        assert r is out
        assert np.array_equal(out, want)
    elif kind == "same-buffer":
        if x.shape != oshape:
            return
        want = expected.copy()
        r = interp(x, out=x, **kw)
        assert r is x and np.array_equal(x, want)
    elif kind == "self-overlap":
        # an out whose elements alias each other (zero strides, writeable): no crash required
        if expected.size == 0:
            return
        base = np.zeros(8, dt)
        out = np.lib.stride_tricks.as_strided(base, oshape, (0,) * len(oshape))
        try:
            interp(x, out=out, **kw)
        except ALLOWED:
            pass
    elif kind == "bad-args":
        out = np.full(oshape, 7, dt)
        with pytest.raises(ALLOWED):
            interp(x, out=out, **dict(kw, mode="bogus"))
        assert (out == 7).all()


test_bad_out, test_bad_out_long = property_tests(bad_out)


# ---------------------------------------------------------------------------------------------
# huge outputs: raise quickly, allocate nothing (measured in a fresh process)
# ---------------------------------------------------------------------------------------------
HUGE_CALLS = [  # (input shape, dtype, kwargs): outputs of 2**40 elements and more
    ((1, 1, 4), "float32", dict(size=2 ** 40, mode="linear")),
    ((1, 1, 4), "uint8", dict(size=2 ** 40, mode="nearest")),
    ((1, 1, 4, 4), "float32", dict(size=2 ** 20, mode="nearest")),
    ((1, 1, 4, 4), "float32", dict(size=2 ** 20, mode="bilinear")),
    ((1, 1, 4, 4), "float64", dict(size=(2 ** 20, 2 ** 20), mode="bicubic")),
    ((1, 1, 4, 4), "float32", dict(size=2 ** 20, mode="bilinear", antialias=True)),
    ((1, 1, 4, 4), "uint8", dict(size=2 ** 20, mode="lanczos", antialias=True)),
    ((1, 1, 4, 4), "float32", dict(size=2 ** 20, mode="area")),
    ((1, 1, 4, 4, 4), "float32", dict(size=2 ** 14, mode="trilinear")),
    ((1, 1, 4, 4, 4), "float16", dict(size=2 ** 14, mode="area")),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2 ** 19, mode="nearest-exact")),
    ((2, 3, 4, 4), "float32", dict(scale_factor=1e6, mode="bilinear", recompute_scale_factor=True)),
    ((1, 1, 4, 4), "complex64", dict(size=2 ** 20, mode="bilinear")),
    ((1, 1, 4, 4), "int32", dict(size=2 ** 20, mode="bicubic")),
]

_HUGE_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    sys.modules.setdefault("torch", None)
    import numpy as np
    import cyresample
    calls = json.loads(sys.argv[1])
    x0 = np.zeros((1, 1, 4, 4), np.float32)
    cyresample.interpolate(x0, size=3, mode="bilinear")   # warm up: imports, plan caches
    results = []
    for shape, dtype, kw in calls:
        print(json.dumps(dict(starting=repr(kw))), flush=True)
        x = np.zeros(shape, dtype)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        try:
            y = cyresample.interpolate(x, **kw)
            err = None
        except BaseException as e:
            err = [type(e).__name__, [c.__name__ for c in type(e).__mro__], str(e)[:200]]
        dt = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(dict(kw=repr(kw), err=err, seconds=dt, rss_kb=after - before)), flush=True)
""")


def test_huge_outputs_raise_quickly_without_allocating():
    """2**40 (and more) output elements: MemoryError / RuntimeError / ValueError, raised in well
    under a second, with the process's peak RSS growing by less than 64 MB. A fresh process
    (torch hidden) gives a clean peak-RSS baseline."""
    args = [[list(s), d, kw] for s, d, kw in HUGE_CALLS]
    try:
        proc = subprocess.run([sys.executable, "-c", _HUGE_SCRIPT, json.dumps(args)],
                              capture_output=True, text=True, timeout=30, cwd=HERE)
        out, rc, err = proc.stdout, proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as e:  # a healthy run takes ~1 s: report the call that hung
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        pending = [d["starting"] for d in lines if "starting" in d][-1:]
        pytest.fail("still running after 30 s, in the call %s" % (pending or ["?"])[0])
    assert rc == 0, "child died (rc %d): %s" % (rc, err[-3000:])
    results = [json.loads(line) for line in out.splitlines() if line.startswith('{"kw"')]
    assert len(results) == len(HUGE_CALLS)
    bad = []
    for r in results:
        err = r["err"]
        if err is None or not ({"MemoryError", "ValueError", "RuntimeError"} & set(err[1])):
            bad.append("%s: %s" % (r["kw"], "returned" if err is None else err[0] + ": " + err[2]))
        elif r["rss_kb"] > 64 * 1024 or r["seconds"] > 5.0:
            # 5 s is ~1000x the measured time: only a real allocation/computation gets there
            bad.append("%s: %.2f s, peak RSS +%d MB" % (r["kw"], r["seconds"], r["rss_kb"] // 1024))
    assert not bad, "\n".join(bad)


def test_small_output_needs_no_huge_intermediate():
    """A separable call whose first pass, run over every input row, would need a 256 GiB
    intermediate (N*C*H_in*W_out = 2**36 floats) although the output has 2**16 elements:
    only the rows the second pass reads may be resampled. (Regression test: an early engine
    raised MemoryError here where torch returns the result.)"""
    x = np.zeros((1, 1, 2 ** 20, 2), np.float32)
    x[0, 0, :, 0] = np.arange(2 ** 20) % 251
    x[0, 0, :, 1] = 7.0
    for mode in ("bilinear", "bicubic"):
        y = interp(x, size=(1, 2 ** 16), mode=mode)
        assert y.shape == (1, 1, 1, 2 ** 16)
        hrow = R.axis_rows(mode, 2 ** 20, 1, rows=[0])[0][0]
        col = sum(w * x[0, 0, j].astype(np.float64) for j, w in hrow.items())
        want = R.axis_matrix(mode, 2, 2 ** 16)[0] @ col
        assert np.abs(y[0, 0, 0] - want).max() <= 1e-3 * max(1.0, np.abs(want).max()), mode


# ---------------------------------------------------------------------------------------------
# the fuzz in a subprocess: a segfault or abort is a failure, not a dead pytest
# ---------------------------------------------------------------------------------------------
CHILD_ENV = "CYRESAMPLE_FUZZ_CHILD"


def test_fuzz_in_subprocess():
    if os.environ.get(CHILD_ENV):
        pytest.skip("already the child")
    env = dict(os.environ, **{CHILD_ENV: "1"})
    code = ("import sys; sys.modules['torch'] = None; import pytest; "
            "sys.exit(pytest.main(['-q', '-x', '-p', 'no:cacheprovider', '-m', 'not slow', "
            "'-k', 'fuzz_no_crash or bad_out', %r]))" % os.path.abspath(__file__))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          cwd=os.path.dirname(HERE), env=env)
    tail = (proc.stdout[-4000:] + "\n" + proc.stderr[-4000:])
    assert proc.returncode >= 0, "fuzz child killed by signal %d (crash):\n%s" % (-proc.returncode, tail)
    assert proc.returncode == 0, "fuzz child failed (rc %d):\n%s" % (proc.returncode, tail)
