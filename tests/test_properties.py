"""Hypothesis property tests of ``cyresample.interpolate`` over the whole argument space.

Drawn: mode family (every mode x rank x antialias), dtype (float32, float64, uint8, float16
and the int16 / int32 extensions), batch and channel counts (N = 0 included, C up to 17 so
that PyTorch's SIMD channel lanes are exercised), spatial sizes from 1 pixel up, ``size=`` or
``scale_factor=`` (scalar or per axis, Python or numpy.float32, with or without
``recompute_scale_factor``), ``align_corners``, data (random, integer-valued, constant,
NaN/Inf) and the memory layout of the input (C, Fortran, channels-last view, negative
strides, step slices, N/C swapped, misaligned data pointer).

Properties:

* **oracle**: the result equals live PyTorch 2.13 when it is importable and supports the
  call (tolerances as tests/test_values.py / tests/cases.py: nearest modes, area and uint8
  bit-exact, float interpolating modes within the stock-vs-DEFAULT-build rounding,
  float16 within 1 ulp), and otherwise the dense float64 oracle of tests/reference.py
  (``reference.tolerance``; nearest outputs whose index depends on one float rounding are
  left out). Calls on which torch 2.13 is documented to be wrong (the width-1 antialias
  defect, docs/semantics.md) go to the reference oracle.
* **constant**: a constant image stays constant (exactly for the nearest modes and the
  integer dtypes; within the rounding torch itself shows otherwise).
* **identity**: ``size == input size`` (and ``scale_factor=1.0``) copies exactly in every
  mode, dtype and layout, into a new array.
* **batch**: a batch equals its items done one by one, bit for bit.
* **threads**: 1, 2 and 8 threads give identical bits (the small-work single-thread cut-off is
  lowered to 0 so that tiny arrays really split across threads).
* **out=**: writing into ``out`` of any layout (also a view overlapping the input) gives the
  bits of the plain call.

Profiles (``CYRESAMPLE_HYPOTHESIS_PROFILE``, see docs/reliability.md): each property runs
once with the fast, derandomised ``cyresample-default`` settings, and once more, marked
``slow`` (excluded by default), with the long profile (``cyresample-long``: 20 000
examples per property, >= 100 000 interpolate calls in this file).
"""
import contextlib
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import cyresample
import reference as R

try:
    import torch
    import torch.nn.functional as F
    if not torch.__version__.startswith("2.13."):  # semantics are pinned to torch 2.13
        torch = None
    else:
        torch.set_num_threads(2)  # torch's bilinear C == 3 rule (spec §3.1 F14): never 1 thread
except ImportError:
    torch = None

# ---------------------------------------------------------------------------------------------
# hypothesis profiles
# ---------------------------------------------------------------------------------------------
_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile("cyresample-default", max_examples=40, derandomize=True, **_COMMON)
settings.register_profile("cyresample-long", max_examples=20000, **_COMMON)
settings.register_profile("cyresample-dev", max_examples=500, **_COMMON)
settings.register_profile("cyresample-medium", max_examples=5000, **_COMMON)
PROFILE_ENV = "CYRESAMPLE_HYPOTHESIS_PROFILE"


def long_profile():
    """The profile of the slow variants: ``cyresample-<$CYRESAMPLE_HYPOTHESIS_PROFILE>``
    (default ``long``)."""
    name = os.environ.get(PROFILE_ENV, "long")
    return settings.get_profile(name if name.startswith("cyresample-") else "cyresample-" + name)


def fast_profile():
    """The default run's profile; ``CYRESAMPLE_HYPOTHESIS_PROFILE=dev`` (or any other
    registered name) applies to it too, ``long`` only to the slow variants."""
    name = os.environ.get(PROFILE_ENV, "default")
    if name in ("long", "cyresample-long"):
        name = "default"
    return settings.get_profile(name if name.startswith("cyresample-") else "cyresample-" + name)


def property_tests(body):
    """``test_<name>`` (fast profile) and ``test_<name>_long`` (slow marker, long profile)
    running ``body(data)``."""
    def fast(data):
        body(data)

    def slow(data):
        body(data)

    fast = settings(fast_profile())(given(data=st.data())(fast))
    slow = pytest.mark.slow(settings(long_profile())(given(data=st.data())(slow)))
    fast.__name__ = fast.__qualname__ = "test_" + body.__name__
    slow.__name__ = slow.__qualname__ = "test_" + body.__name__ + "_long"
    fast.__doc__ = slow.__doc__ = body.__doc__
    return fast, slow


# ---------------------------------------------------------------------------------------------
# counting calls (the long profile reports how many interpolate calls it made)
# ---------------------------------------------------------------------------------------------
CALLS = [0]
COUNT_FILE_ENV = "CYRESAMPLE_COUNT_FILE"


def interp(x, **kw):
    CALLS[0] += 1
    return cyresample.interpolate(x, **kw)


@pytest.fixture(autouse=True)
def _report_calls(request):
    start = CALLS[0]
    yield
    path = os.environ.get(COUNT_FILE_ENV)
    if path:
        with open(path, "a") as f:
            f.write("%s %d\n" % (request.node.nodeid, CALLS[0] - start))


# ---------------------------------------------------------------------------------------------
# the argument space
# ---------------------------------------------------------------------------------------------
FAMILIES = [  # (mode, rank, antialias)
    ("nearest", 3, False), ("nearest", 4, False), ("nearest", 5, False),
    ("nearest-exact", 3, False), ("nearest-exact", 4, False), ("nearest-exact", 5, False),
    ("linear", 3, False), ("bilinear", 4, False), ("bicubic", 4, False), ("trilinear", 5, False),
    ("bilinear", 4, True), ("bicubic", 4, True), ("lanczos", 4, True),
    ("area", 3, False), ("area", 4, False), ("area", 5, False),
]
DTYPES = [np.dtype(t) for t in (np.float32, np.float64, np.uint8, np.float16, np.int16, np.int32)]
LAYOUTS = ["C", "F", "channels_last", "negative", "step", "nc_swapped", "unaligned"]
INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
NICE_SCALES = [0.5, 2.0, 1.5, 0.3, 3.0, 1.0, 1.7, 2.05, 0.29, 1.0001, 0.75, 4.0]
MAX_IN = 6000       # elements of an input
MAX_OUT = 30000     # elements of an output


class Call:
    """One drawn call: array + kwargs + what the oracle needs to know."""

    def __init__(self, x, kw, mode, aa, layout, kind):
        self.x, self.kw, self.mode, self.aa, self.layout, self.kind = x, kw, mode, aa, layout, kind
        in_sizes = x.shape[2:]
        self.in_sizes = tuple(in_sizes)
        outs, _ = R.output_sizes(in_sizes, kw.get("size"), kw.get("scale_factor"), mode,
                                 kw.get("recompute_scale_factor"))
        self.out_sizes = tuple(outs)

    def __repr__(self):
        return "Call(shape=%s, dtype=%s, strides=%s, layout=%s, data=%s, kw=%r)" % (
            self.x.shape, self.x.dtype, self.x.strides, self.layout, self.kind, self.kw)


def _values(shape, dt, rng, kind):
    """C-contiguous data of ``shape`` and dtype ``dt``."""
    if kind == "constant":
        if dt.kind == "f":
            v = rng.choice([0.1, -3.25, 1e3, 7.0, 0.0])
        else:
            info = np.iinfo(dt)
            v = rng.choice([info.min, info.max, 0, 1, 100 if info.max >= 100 else 1])
        return np.full(shape, v, dt)
    if dt.kind == "f":
        if kind == "integers":
            return rng.randint(-50, 51, shape).astype(dt)
        scale = {"randn": 1.0, "big": 1e3, "tiny": 1e-3}.get(kind, 1.0)
        a = (rng.randn(*shape) * scale).astype(dt)
        if kind == "nonfinite" and a.size:
            flat = a.reshape(-1)
            k = max(1, a.size // 20)
            pos = rng.choice(a.size, size=k, replace=False)
            flat[pos] = rng.choice([np.nan, np.inf, -np.inf], size=k)
        return a
    info = np.iinfo(dt)
    if kind in ("big", "randn") or dt == np.uint8:
        lo, hi = int(info.min), int(info.max)
    else:
        lo, hi = -100, 100
    return rng.randint(lo, hi + 1, shape, dtype=np.int64).astype(dt)


def make_layout(values, layout, rng):
    """A view with the memory layout ``layout`` holding exactly ``values``."""
    nd = values.ndim
    if layout == "C":
        return values
    if layout == "F":
        return np.asfortranarray(values)
    if layout == "channels_last":
        perm = (0,) + tuple(range(2, nd)) + (1,)
        return np.ascontiguousarray(values.transpose(perm)).transpose(np.argsort(perm))
    if layout == "nc_swapped":
        return np.ascontiguousarray(values.swapaxes(0, 1)).swapaxes(0, 1)
    if layout == "negative":
        flips = [bool(rng.randint(2)) for _ in range(nd)]
        flips[-1] = True
        sl = tuple(slice(None, None, -1) if f else slice(None) for f in flips)
        return np.ascontiguousarray(values[sl])[sl]
    if layout == "unaligned":
        # C order, but the data pointer is off by one byte (flags.aligned is False)
        buf = np.zeros(values.nbytes + 1, np.uint8)
        view = buf[1:].view(values.dtype).reshape(values.shape)
        view[...] = values
        return view
    if layout == "step":
        steps = [int(rng.randint(1, 4)) for _ in range(nd)]
        steps[-1] = max(steps[-1], 2)
        big = np.zeros([s * n + int(rng.randint(0, 2)) for s, n in zip(steps, values.shape)], values.dtype)
        sl = tuple(slice(None, s * n, s) for s, n in zip(steps, values.shape))
        view = big[sl]
        view[...] = values
        return view
    raise ValueError(layout)


def draw_call(data, families=FAMILIES, dtypes=DTYPES, layouts=LAYOUTS, kinds=None,
              allow_empty=True, size_only=False, min_batch=0):
    """Draw a valid call (``Call``)."""
    mode, nd, aa = data.draw(st.sampled_from(families), label="family")
    dt = data.draw(st.sampled_from(dtypes), label="dtype")
    nsp = nd - 2
    n = data.draw(st.sampled_from([b for b in [1, 1, 1, 2, 3] + ([0] if allow_empty else [])
                                   if b >= min_batch]), label="N")
    c = data.draw(st.one_of(st.integers(1, 5), st.sampled_from([3, 4, 8, 9, 16, 17])), label="C")
    small = st.integers(1, 9)
    if nsp == 1:
        ins = [data.draw(st.one_of(small, st.integers(10, 200)), label="W")]
    elif nsp == 2:
        ins = [data.draw(st.one_of(small, st.integers(10, 48)), label="H/W") for _ in range(2)]
    else:
        ins = [data.draw(small, label="D/H/W") for _ in range(3)]
    assume(max(n, 1) * c * int(np.prod(ins)) <= MAX_IN)
    kw = {"mode": mode}
    if aa:
        kw["antialias"] = True
    if mode in INTERPOLATING or mode == "lanczos":
        choices = [None, False] if mode == "lanczos" else [None, False, True]
        ac = data.draw(st.sampled_from(choices), label="align_corners")
        if ac is not None:
            kw["align_corners"] = ac
    use_size = size_only or data.draw(st.booleans(), label="use size")
    out_axis = st.one_of(st.integers(1, 12), st.integers(13, 150)) if nsp < 3 else st.integers(1, 12)
    if use_size:
        outs = [data.draw(out_axis if mode != "area" else st.integers(0 if allow_empty else 1, 12),
                          label="size") for _ in range(nsp)]
        if data.draw(st.booleans(), label="scalar size") and len(set(outs)) == 1:
            kw["size"] = outs[0] if data.draw(st.booleans()) else np.int64(outs[0])
        else:
            kw["size"] = tuple(outs) if data.draw(st.booleans()) else list(outs)
    else:
        def one_scale(m):
            sf = data.draw(st.one_of(st.sampled_from(NICE_SCALES),
                                     st.floats(min_value=max(0.05, 1.0 / m), max_value=5.0)),
                           label="scale")
            return np.float32(sf) if data.draw(st.integers(0, 5)) == 0 else sf
        sfs = [one_scale(m) for m in ins]
        kw["scale_factor"] = sfs[0] if (len(set(map(float, sfs))) == 1 and
                                        data.draw(st.booleans())) else tuple(sfs)
        rsf = data.draw(st.sampled_from([None, None, False, True]), label="recompute")
        if rsf is not None:
            kw["recompute_scale_factor"] = rsf
    shape = (n, c) + tuple(ins)
    outs, _ = R.output_sizes(ins, kw.get("size"), kw.get("scale_factor"), mode,
                             kw.get("recompute_scale_factor"))
    if mode == "area":
        assume(min(outs) >= (0 if allow_empty else 1))
    else:
        assume(min(outs) >= 1)
    assume(max(n, 1) * c * int(np.prod(outs)) <= MAX_OUT)
    kind_choices = kinds or (["randn", "integers", "big", "tiny", "constant"] +
                             (["nonfinite"] if dt.kind == "f" else []))
    kind = data.draw(st.sampled_from(kind_choices), label="data")
    layout = data.draw(st.sampled_from(layouts), label="layout")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label="seed")
    rng = np.random.RandomState(seed)
    x = make_layout(_values(shape, dt, rng, kind), layout, rng)
    call = Call(x, kw, mode, aa or mode == "lanczos", layout, kind)
    note(repr(call))
    return call


# ---------------------------------------------------------------------------------------------
# oracles
# ---------------------------------------------------------------------------------------------
_TORCH_DTYPES = {  # spec §3.3
    "f16": {"nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"},
    "u8": {"nearest", "nearest-exact", "bilinear", "bicubic", "bilinear-aa", "bicubic-aa",
           "lanczos-aa"},
}


def torch_handles(call):
    """Whether live torch is a valid oracle for this call."""
    if torch is None:
        return False
    dt = call.x.dtype
    key = call.mode + ("-aa" if call.aa else "")
    if dt in (np.float32, np.float64):
        pass
    elif dt == np.float16:
        if key not in _TORCH_DTYPES["f16"]:
            return False
    elif dt == np.uint8:
        if key not in _TORCH_DTYPES["u8"]:
            return False
    else:
        return False
    # torch 2.13's width-1 defect (spec §7): separable antialias / uint8 kernels, output width
    # 1 with a changed height -> every row gets row 0's taps. Not replicated on purpose.
    separable_u8 = dt == np.uint8 and call.mode in ("bilinear", "bicubic", "lanczos")
    if (call.aa or separable_u8) and len(call.in_sizes) == 2 and call.out_sizes[1] == 1 \
            and call.out_sizes[0] != call.in_sizes[0]:
        return False
    return True


def torch_result(call):
    x = call.x
    if any(s < 0 for s in x.strides) or not x.flags.aligned:  # torch cannot hold these
        x = x.copy()
    elif x.dtype == np.uint8 and call.mode in ("bilinear", "bicubic", "lanczos"):
        # torch 2.13's uint8 AVX2 kernels (C <= 4) read with the stride of a size-1 dim of a
        # channels-last input, e.g. np.asfortranarray of a (1, 2, 10, 1) array -> garbage.
        # uint8 results do not depend on torch's kernel path or layout (spec §2.7), so a
        # C-contiguous copy is an exact oracle.
        x = np.ascontiguousarray(x)
    if torch.get_num_threads() != 2:
        torch.set_num_threads(2)
    return F.interpolate(torch.from_numpy(x), **call.kw).numpy()


def _max_abs_finite(x):
    a = np.asarray(x, np.float64)
    a = a[np.isfinite(a)]
    return float(np.abs(a).max()) if a.size else 0.0


def torch_tolerance(call):
    """(atol, rtol, nonfinite_exact) vs live stock torch (tests/cases.py's live_tolerance)."""
    dt = call.x.dtype
    m = _max_abs_finite(call.x)
    all_ones = call.mode == "area" and all(o == 1 for o in call.out_sizes)
    if call.mode in ("nearest", "nearest-exact") or dt == np.uint8:
        return 0.0, 0.0, True
    eps = float(np.finfo(dt).eps)
    if call.mode == "area":
        if all_ones:  # torch's mean(): another summation order
            return 4 * eps * m, 4 * eps, True
        return 0.0, 0.0, True
    has_inf = bool(np.isinf(np.asarray(call.x, np.float64)).any())
    if dt == np.float16:  # DEFAULT-exact, <= 1 ulp of the dtype from stock (docs/semantics.md)
        return 1.5 * eps * m, 0.0, not has_inf
    n = max(call.in_sizes)
    atol = (4.0 * float(np.spacing(dt.type(n))) + 16.0 * eps) * m
    if call.mode == "lanczos" and dt == np.float32:
        passes = max(1, sum(1 for i, o in zip(call.in_sizes, call.out_sizes) if i != o))
        atol += 4.0 * passes * eps * m
    return atol, 0.0, not has_inf


def compare(got, expected, atol=0.0, rtol=0.0, nonfinite_exact=True, mask=None):
    """None when equal within tolerance (NaN-aware), else a message."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return "shape %r != expected %r" % (got.shape, expected.shape)
    if got.size == 0:
        return None
    g = got.astype(np.float64)
    e = expected.astype(np.float64)
    if mask is None:
        mask = np.ones(g.shape, bool)
    if nonfinite_exact:
        ng, ne = np.isnan(g), np.isnan(e)
    else:
        ng, ne = ~np.isfinite(g), ~np.isfinite(e)
    bad = (ng != ne) & mask
    if bad.any():
        i = tuple(np.argwhere(bad)[0])
        return "NaN/non-finite mismatch at %s: got %r, expected %r (%d positions)" % (
            i, g[i], e[i], int(bad.sum()))
    inf = (np.isinf(g) | np.isinf(e)) & ~ne & mask
    if (g[inf] != e[inf]).any():
        i = tuple(np.argwhere(inf & (g != e))[0])
        return "Inf mismatch at %s: got %r, expected %r" % (i, g[i], e[i])
    fin = mask & ~(ne | inf)
    with np.errstate(invalid="ignore"):
        d = np.where(fin, np.abs(g - e), 0.0)
    lim = atol + rtol * np.abs(np.where(fin, e, 0.0))
    bad = fin & (d > lim)
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, d, -1.0)), d.shape)
        return ("%d/%d values differ; max |diff| %.6g at %s (got %r, expected %r); atol %.3g rtol %.3g"
                % (int(bad.sum()), d.size, d[i], tuple(int(v) for v in i), g[i], e[i], atol, rtol))
    return None


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------

def vs_oracle(data):
    """The result equals torch (when importable and valid for the call) or the reference."""
    call = draw_call(data)
    y = interp(call.x, **call.kw)
    assert y.dtype == call.x.dtype
    assert y.shape == call.x.shape[:2] + call.out_sizes
    if torch_handles(call):
        expected = torch_result(call)
        atol, rtol, nfe = torch_tolerance(call)
        mask = None
        if call.kind == "nonfinite" and call.mode not in ("nearest", "nearest-exact", "area"):
            # Stock torch fuses the source coordinate (spec §3.2); where the exact coordinate is
            # an integer k it can land just below k and take the taps (k-1, k) instead of the
            # DEFAULT build's (k, k+1) with a zero weight: a NaN/Inf in one of them then
            # reaches the output in one build and not in the other. cyresample follows DEFAULT,
            # so only outputs that are finite in both are compared.
            mask = np.isfinite(np.asarray(y, np.float64)) & np.isfinite(np.asarray(expected, np.float64))
        msg = compare(y, expected, atol, rtol, nfe, mask)
        assert msg is None, "vs torch: %s\n%r" % (msg, call)
        return
    if call.kind == "nonfinite":
        return  # the dense oracle needs finite data (torch covers NaN/Inf)
    ref, mask = R.interpolate(call.x, **call.kw)
    tol = R.tolerance(call.x, call.mode, call.in_sizes, call.out_sizes, call.aa)
    msg = compare(y, ref, tol, 0.0, True, mask)
    assert msg is None, "vs reference: %s\n%r" % (msg, call)


# Largest relative deviation of a constant image, in eps of the dtype (tests/test_invariants.py
# measured torch's own: linear/area <= 1.25, bilinear 1.23, antialias/lanczos 3.1, bicubic 13.8,
# on windows of a few taps); area and antialias grow with the window (see constant()).
CONST_RTOL_EPS = {"nearest": 0, "nearest-exact": 0, "linear": 2, "trilinear": 2, "area": 2,
                  "bilinear": 3, "bicubic": 32, "aa": 8, "lanczos": 8}


def constant(data):
    """A constant image stays constant."""
    call = draw_call(data, kinds=["constant"], layouts=LAYOUTS)
    x = call.x
    y = interp(x, **call.kw)
    if y.size == 0:
        return
    v = x.reshape(-1)[0]
    dt = x.dtype
    if dt.kind in "iu" or call.mode in ("nearest", "nearest-exact"):
        assert np.array_equal(y, np.full_like(y, v)), (call, np.unique(y))
        return
    eps = float(np.finfo(dt).eps)
    if dt == np.float16:
        k = 4.0
        if call.mode == "area" and x.ndim == 5:  # float16 accumulation (spec §2.5)
            k = 2.0 + float(np.prod([-(-i // max(o, 1)) + 1 for i, o in zip(call.in_sizes, call.out_sizes)]))
    else:
        k = CONST_RTOL_EPS["aa" if call.aa and call.mode != "lanczos" else call.mode]
        changed = [(i, o) for i, o in zip(call.in_sizes, call.out_sizes) if i != o]
        if call.mode == "area":
            # a window of k equal values summed in T: up to ~(k-1)/2 eps, then the divisions
            window = 1
            for i, o in zip(call.in_sizes, call.out_sizes):
                window *= -(-i // max(o, 1)) + 1
            k = max(k, 2 + window / 2)
        elif call.aa:
            # normalised weights, one pass per changed axis, each summing up to `taps` products
            interp_w = {"bilinear": 2, "bicubic": 4, "lanczos": 6}[call.mode]
            taps = sum(2 * int(np.ceil(interp_w / 2 * max(i / o, 1.0))) + 1 for i, o in changed)
            k = max(k, 8 + taps / 2)
    np.testing.assert_allclose(y.astype(np.float64), float(v), rtol=k * eps, atol=0,
                               err_msg=repr(call))


def identity(data):
    """``size`` equal to the input's spatial size copies exactly, into a new array."""
    call = draw_call(data, size_only=True, kinds=["randn", "integers", "big", "tiny"])
    x = call.x
    kw = dict(call.kw)
    kw["size"] = call.in_sizes
    y = interp(x, **kw)
    assert y.dtype == x.dtype and y.shape == x.shape
    assert np.array_equal(y, x), (call, kw)
    assert x.size == 0 or not np.shares_memory(y, x)
    # scale_factor=1.0: the kernel scale is exactly 1 for every mode
    kw.pop("size")
    kw["scale_factor"] = 1.0
    assert np.array_equal(interp(x, **kw), x), (call, kw)


def batch(data):
    """A batch equals its items done one by one (bit-exact)."""
    call = draw_call(data, allow_empty=False, min_batch=2)
    x = call.x
    y = interp(x, **call.kw)
    for i in range(x.shape[0]):
        yi = interp(x[i:i + 1], **call.kw)
        assert np.array_equal(yi, y[i:i + 1], equal_nan=True), (call, i)


@contextlib.contextmanager
def forced_threading():
    """Lower the backend's single-thread cut-off so that every call splits across threads."""
    from cyresample import _backend_cpu
    names = [n for n in ("SMALL_WORK", "SMALL_WORK_PASSIVE") if hasattr(_backend_cpu, n)]
    old = {n: getattr(_backend_cpu, n) for n in names}
    for n in names:
        setattr(_backend_cpu, n, 0)
    try:
        yield
    finally:
        for n, v in old.items():
            setattr(_backend_cpu, n, v)


def threads(data):
    """1, 2 and 8 threads give identical results."""
    call = draw_call(data)
    results = []
    with forced_threading():
        for n in (1, 2, 8):
            with cyresample.threads(n):
                results.append(interp(call.x, **call.kw))
    for n, r in zip((2, 8), results[1:]):
        assert np.array_equal(results[0], r, equal_nan=True), (call, n)
        assert r.strides == results[0].strides


def out_param(data):
    """``out=`` of any layout (or overlapping the input) receives the plain call's bits."""
    call = draw_call(data)
    x = call.x
    y = interp(x, **call.kw)
    rng = np.random.RandomState(data.draw(st.integers(0, 2 ** 32 - 1), label="out seed"))
    layout = data.draw(st.sampled_from(["C", "F", "channels_last", "negative", "step", "overlap"]),
                       label="out layout")
    if layout == "overlap":
        # a view of the input itself when the shapes allow it, else of a buffer holding both
        if x.size and x.shape == y.shape and x.flags.writeable:
            out = x
        else:
            buf = np.zeros(y.size + x.size, x.dtype)
            xin = buf[:x.size].reshape(x.shape)
            xin[...] = x
            start = data.draw(st.integers(0, x.size), label="offset")
            out = buf[start:start + y.size].reshape(y.shape)
            x = xin
            y = interp(xin.copy(), **call.kw)  # the C-ordered copy takes xin's kernel path
    else:
        out = make_layout(np.zeros(y.shape, y.dtype), layout, rng)
    before = x.copy()
    r = interp(x, out=out, **call.kw)
    assert r is out
    assert np.array_equal(out, y, equal_nan=True), (call, layout)
    if not np.shares_memory(out, x):
        assert np.array_equal(x, before, equal_nan=True), "input modified"


test_vs_oracle, test_vs_oracle_long = property_tests(vs_oracle)
test_constant, test_constant_long = property_tests(constant)
test_identity, test_identity_long = property_tests(identity)
test_batch, test_batch_long = property_tests(batch)
test_threads, test_threads_long = property_tests(threads)
test_out_param, test_out_param_long = property_tests(out_param)


def test_oracle_is_torch_when_available():
    """Documents which oracle the run used (skips are visible in -rs output)."""
    if torch is None:
        pytest.skip("torch not importable: properties compared against tests/reference.py")
    assert torch.__version__.startswith("2.13.")
