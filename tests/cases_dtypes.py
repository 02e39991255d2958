"""Deterministic case matrix for the reduced-precision and integer dtypes (pure NumPy; never
imports torch; imports ``ml_dtypes`` only when a bfloat16 array is built).

Same conventions as ``tests/cases.py`` (whose helpers it reuses): every case is a frozen
:class:`DCase` (a :class:`cases.Case`) with a stable, readable ``id`` -- the pytest id and the
key of its output in ``tests/golden/dtypes/*.npz`` -- and inputs are regenerated from the case
alone (``np.random.RandomState`` seeded from a CRC of the id), never stored; the golden files
record a digest of every input.

Three lists:

``GOLDEN_CASES``
    cases whose torch 2.13.0 output is stored (``tools/make_golden_dtypes.py``):

    * uint8 in every mode torch supports for it (nearest, nearest-exact 1/2/3-D, bilinear,
      bicubic, with and without antialias, lanczos), C in {1, 3, 4, 5} (torch's AVX2 kernel
      handles C <= 4, the generic separable kernel C > 4), C-contiguous and channels-last;
      the spec §6 F9 examples; golden from the *stock* build (its uint8 kernels are integer
      exact and its C <= 4 kernel is free of the width-1 defect, spec §7);
    * float16 and bfloat16 in every mode torch supports for them (nearest, nearest-exact,
      linear, bilinear, bicubic, trilinear, area), both sides of the path rules of spec §3.1
      (bilinear ``outH + outW <= 128``, channels-last with C > 3, C >= 16 vector lanes);
      nearest modes from the stock build, everything else from ``ATEN_CPU_CAPABILITY=default``;
    * ``LAYOUT_CASES``: strided inputs on the layout-dependent paths of spec §3.1 (see there).

``LAYOUT_CASES``
    layout recipes (:func:`apply_layout`) whose result may depend on the strides: the
    expected values come from torch on the *same strided* array (golden), not from the
    C-contiguous copy.
"""
import os

import numpy as np

import cases as C

# ------------------------------------------------------------------------------------------
# dtypes
# ------------------------------------------------------------------------------------------
DT_SHORT = {
    "float16": "f16", "bfloat16": "bf16", "float32": "f32", "float64": "f64", "uint8": "u8",
    "int8": "i8", "uint16": "u16", "int16": "i16", "int32": "i32", "uint32": "u32",
    "int64": "i64", "uint64": "u64", "bool": "b1", "complex64": "c64", "complex128": "c128",
}
HALF = ("float16", "bfloat16")
OTHER_INTS = ("int8", "uint16", "int16", "int32", "uint32", "int64", "uint64")


def np_dtype(name):
    """NumPy dtype of a dtype name; ``'bfloat16'`` needs ``ml_dtypes`` (ImportError otherwise)."""
    if name == "bfloat16":
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def dtype_eps(name):
    """Machine epsilon of a float dtype name (bfloat16: 2**-7)."""
    if name == "bfloat16":
        return 2.0 ** -7
    return float(np.finfo(np.dtype(name)).eps)


# ------------------------------------------------------------------------------------------
# the case record
# ------------------------------------------------------------------------------------------
class DCase(C.Case):
    """A :class:`cases.Case` for any dtype and layout recipe (see :func:`apply_layout`)."""

    @property
    def id(self):
        parts = [self.mode + ("+aa" if self.antialias and self.mode != "lanczos" else ""),
                 DT_SHORT[self.dtype],
                 "x".join(str(s) for s in self.shape) + ("" if self.layout == "c" else self.layout)]
        if self.size is not None:
            parts.append("size=" + C._fmt_target(self.size))
        if self.scale is not None:
            parts.append("sf=" + C._fmt_target(self.scale))
        if self.align is not None:
            parts.append("ac=" + repr(self.align))
        if self.rsf is not None:
            parts.append("rsf=" + repr(self.rsf))
        parts.append(self.data)
        return "__".join(parts)

    @property
    def torch_defect(self):
        """torch 2.13's width-1 defect (spec §7) in its *generic separable* kernel: output width
        1 and a changed height (with more than one output row) gives every output row the taps
        of row 0. Float antialias, and uint8 bilinear / bicubic / lanczos -- with or without
        antialias -- when C > 4 (torch's AVX2 uint8 kernel handles C <= 4 correctly).
        Measured: a channels-last input with C > 1 is computed correctly (both uint8 with
        C = 5 and float antialias), so only C-contiguous (or C == 1) inputs are affected."""
        if self.mode not in ("bilinear", "bicubic", "lanczos") or self.rank != 4:
            return False
        if self.layout != "c" and self.shape[1] > 1:
            return False
        if self.dtype == "uint8":
            if self.shape[1] <= 4:
                return False
        elif not self.antialias:
            return False
        oh, ow = self.out_spatial
        return ow == 1 and oh != self.shape[2] and oh > 1

    @property
    def torch_u8_assert(self):
        """torch 2.13's stock (AVX2/AVX512) uint8 kernel fails an internal assert
        (``RuntimeError: num_channels == unpacked_output.size(0) INTERNAL ASSERT FAILED``,
        UpSampleKernelAVXAntialias.h:269) for C == 3, a C-contiguous input and output size
        1 x 1 (bilinear, bicubic, lanczos; any antialias; not in the spec). The DEFAULT build
        (generic kernel) computes it; its golden comes from there."""
        return (self.dtype == "uint8" and self.mode in ("bilinear", "bicubic", "lanczos")
                and self.rank == 4 and self.shape[1] == 3 and self.layout == "c"
                and self.out_spatial == (1, 1) and self.in_spatial != (1, 1))

    @property
    def is_half(self):
        return self.dtype in HALF


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
_EXPLICIT = {
    "F9a": [1.0, 2.0],                       # spec §6 F9: [1, 2] -> 3, align_corners -> [1, 2, 2]
    "F9b": [0.0, 0.0, 255.0, 255.0],         # F9: bicubic -> 8 = [0, 0, 0, 58, 197, 255, 255, 255]
    "defect7x3": list(np.repeat(np.arange(7.0) * 10, 3)),
}


def logical_values(case):
    """float64 logical values of the case (before the dtype conversion), shape ``case.shape``."""
    n = int(np.prod(case.shape, dtype=np.int64))
    rs = np.random.RandomState(case.seed)
    kind = case.data
    if kind == "u8full":                     # uniform over the whole uint8 range
        a = rs.randint(0, 256, size=n).astype(np.float64)
    elif kind == "u8edge":                   # 0 / 255 only: maximal bicubic overshoot, saturation
        a = rs.randint(0, 2, size=n).astype(np.float64) * 255.0
    elif kind in _EXPLICIT:
        a = np.asarray(_EXPLICIT[kind], dtype=np.float64)
        if a.size != n:
            raise ValueError("explicit data %r has %d values, shape %r needs %d" % (kind, a.size, case.shape, n))
    else:
        return C._logical_values(case)
    return a.reshape(case.shape)


def logical_input(case):
    """The case's input values as a C-contiguous array of ``case.dtype`` (no layout applied)."""
    a = logical_values(case)
    dt = np_dtype(case.dtype)
    if case.dtype == "uint8":
        if case.data not in ("u8full", "u8edge") and case.data not in _EXPLICIT:
            with np.errstate(invalid="ignore"):
                a = np.clip(np.round(np.nan_to_num(a * 40.0 + 128.0, nan=0.0, posinf=255.0, neginf=0.0)), 0, 255)
        return a.astype(dt)
    if case.dtype in HALF:
        return a.astype(np.float32).astype(dt)   # one rounding (float64 -> float32 is exact here
    return a.astype(dt)                          # for every finite value the generators make)


def make_input(case):
    """The case's input array: values of :func:`logical_input` laid out by ``case.layout``."""
    return apply_layout(logical_input(case), case.layout)


def input_digest(x):
    return C.input_digest(x)


# ------------------------------------------------------------------------------------------
# layouts
# ------------------------------------------------------------------------------------------
#: Layout recipes. All keep the logical values; they differ in strides only.
LAYOUTS = {
    "c": "C-contiguous",
    "cl": "channels-last: an N(D)HWC buffer seen as NC(D)HW via transpose",
    "f": "Fortran order",
    "neg": "negative strides on every spatial axis and the channel axis",
    "step": "every axis a step-2 slice of a larger C-order buffer",
    "clstep": "channels-last buffer whose W axis is a step-2 slice (strides like channels-last, "
              "not channels-last-contiguous)",
    "clneg": "channels-last buffer with the W axis reversed (torch cannot hold it)",
    "hw": "H and W swapped in memory (N C W H buffer transposed)",
    "nc": "N and C swapped in memory",
}


def apply_layout(a, layout):
    """Return an array with the values of ``a`` (any rank >= 3) in the memory layout ``layout``."""
    nd = a.ndim
    if layout == "c":
        return np.ascontiguousarray(a)
    if layout in ("cl", "clstep", "clneg"):
        to_last = (0,) + tuple(range(2, nd)) + (1,)
        back = (0, nd - 1) + tuple(range(1, nd - 1))
        phys = np.ascontiguousarray(np.transpose(a, to_last))
        if layout == "clstep":
            big = np.zeros(phys.shape[:-2] + (2 * phys.shape[-2], phys.shape[-1]), a.dtype)
            big[..., ::2, :] = phys
            phys = big[..., ::2, :]
        elif layout == "clneg":
            phys = np.ascontiguousarray(phys[..., ::-1, :])[..., ::-1, :]
        return phys.transpose(back)
    if layout == "f":
        return np.asfortranarray(a)
    if layout == "neg":
        idx = (slice(None), slice(None, None, -1)) + (slice(None, None, -1),) * (nd - 2)
        return np.ascontiguousarray(a[idx])[idx]
    if layout == "step":
        big = np.zeros(tuple(2 * s + 1 for s in a.shape), a.dtype)
        big[(slice(1, None, 2),) * nd] = a
        return big[(slice(1, None, 2),) * nd]
    if layout == "hw":
        perm = tuple(range(nd - 2)) + (nd - 1, nd - 2)
        return np.ascontiguousarray(a.transpose(perm)).transpose(perm)
    if layout == "nc":
        perm = (1, 0) + tuple(range(2, nd))
        return np.ascontiguousarray(a.transpose(perm)).transpose(perm)
    raise ValueError("unknown layout %r" % (layout,))


# ------------------------------------------------------------------------------------------
# golden source
# ------------------------------------------------------------------------------------------
def golden_source(case):
    """'stock' (nearest modes, and uint8: integer exact, and torch's C <= 4 uint8 kernel is
    free of the width-1 defect) or 'default' (``ATEN_CPU_CAPABILITY=default``: the plain IEEE
    evaluation order cyresample reproduces for the float kernels; and the uint8 cases on which
    the stock build fails, :attr:`DCase.torch_u8_assert`)."""
    if case.mode in ("nearest", "nearest-exact"):
        return "stock"
    if case.dtype == "uint8":
        return "default" if case.torch_u8_assert else "stock"
    return "default"


def golden_group(case):
    """Golden file (without ``.npz``) of a case, under ``tests/golden/dtypes/``."""
    if "layout" in case.tags:
        return "dtypes_layouts_" + golden_source(case)
    return "dtypes_%s_%s" % (DT_SHORT[case.dtype], golden_source(case))


# ------------------------------------------------------------------------------------------
# the matrix
# ------------------------------------------------------------------------------------------
F32 = np.float32

U8_FAMILIES = [("bilinear", False), ("bicubic", False), ("bilinear", True), ("bicubic", True),
               ("lanczos", True)]
U8_GEOS = [
    ((5, 7), "size", (9, 13)), ((9, 13), "size", (5, 7)), ((6, 8), "sf", 2.0),
    ((12, 16), "sf", 0.5), ((7, 9), "sf", (1.7, 0.6)), ((7, 3), "size", (12, 1)),
    ((5, 6), "size", (1, 1)), ((4, 4), "sf", 1.0001), ((1, 6), "size", (1, 3)),
    ((3, 40), "sf", (1.0, 0.29)), ((2, 5), "size", (7, 5)), ((16, 3), "size", (5, 11)),
]
# (C, layout): C <= 4 takes torch's AVX2 uint8 kernel, C = 5 the generic one (spec §3.1)
U8_CHANNELS = [(1, "c"), (3, "c"), (3, "cl"), (4, "c"), (4, "cl"), (5, "c"), (5, "cl")]
U8_DATA = ["u8full", "u8edge", "randn", "u8full", "ramp", "int"]

U8_NEAREST_GEOS = {
    1: [((5,), "sf", 1.7), ((2,), "size", (41,)), ((8,), "size", (5,)), ((13,), "sf", 1 / 3),
        ((100,), "sf", F32(0.29))],
    2: [((5, 7), "size", (9, 13)), ((9, 13), "sf", 0.6), ((1, 10), "sf", (1.0, 2.05)),
        ((4, 3), "size", (125, 3)), ((4, 3), "size", (126, 3)), ((5, 6), "size", (1, 1)),
        ((2, 7), "size", (3, 130))],
    3: [((2, 3, 4), "size", (3, 2, 5)), ((2, 3, 2), "sf", 2.0), ((3, 4, 5), "size", (2, 3, 3)),
        ((4, 5, 3), "sf", (0.5, 1 / 3, 2.0))],
}
U8_NEAREST_CHANNELS = {1: [(1, "c"), (3, "c"), (5, "c")], 2: U8_CHANNELS,
                       3: [(1, "c"), (4, "c"), (4, "cl"), (5, "cl")]}

HALF_FAMILIES = [
    ("nearest", 3), ("nearest-exact", 3), ("linear", 3), ("area", 3),
    ("nearest", 4), ("nearest-exact", 4), ("bilinear", 4), ("bicubic", 4), ("area", 4),
    ("nearest", 5), ("nearest-exact", 5), ("trilinear", 5), ("area", 5),
]
HALF_GEOS = {
    1: [((5,), "size", (8,)), ((8,), "size", (5,)), ((5,), "sf", 1.7), ((2,), "size", (41,)),
        ((100,), "sf", 0.29), ((7,), "size", (7,)), ((4,), "size", (1,)), ((13,), "sf", 1 / 3),
        ((17,), "size", (13,))],
    2: [((5, 7), "size", (9, 13)), ((9, 13), "size", (5, 7)), ((6, 8), "sf", 2.0),
        ((7, 9), "sf", (1.7, 0.6)), ((4, 4), "sf", 1.0001), ((4, 3), "size", (126, 3)),
        ((2, 7), "size", (3, 130)), ((5, 6), "size", (1, 1)), ((7, 3), "size", (12, 1)),
        ((12, 16), "sf", 0.5)],
    3: [((3, 4, 5), "size", (5, 7, 6)), ((5, 7, 6), "size", (3, 4, 5)), ((2, 3, 2), "sf", 2.0),
        ((3, 4, 5), "sf", (0.5, 1.7, 1.0)), ((3, 4, 5), "size", (1, 1, 1)),
        ((4, 6, 4), "size", (2, 3, 2))],
}
# (C, layout) per rank; the channels-last ones with C > 3 take torch's channels-last kernels
HALF_CHANNELS = {1: [(1, "c"), (3, "c")], 2: [(1, "c"), (3, "c"), (4, "cl")],
                 3: [(1, "c"), (2, "c"), (5, "cl")]}
# extra wide channels-last cases (float16/bfloat16 vector lanes: 16 in the DEFAULT build)
HALF_WIDE = {2: [16, 17], 3: [16, 17]}
HALF_DATA = ["randn", "int", "ramp", "randn", "nanin", "const", "arange"]

INTERPOLATING = C.INTERPOLATING


def _align_options(mode, k):
    if mode in INTERPOLATING:
        return [(None, False)[k % 2], True]
    if mode == "lanczos":
        return [(None, False)[k % 2]]
    return [None]


def _rsf(kind, k):
    if kind == "size":
        return None
    return (None, True, False)[k % 3]


def _build():
    cases = []
    seen = set()

    def add(case):
        if case.id in seen or any(o <= 0 for o in case.out_spatial):
            return
        seen.add(case.id)
        cases.append(case)

    # 1) uint8, interpolating modes: every family x geometry x (C, layout); align rotates
    for fi, (mode, aa) in enumerate(U8_FAMILIES):
        for k, (ins, kind, target) in enumerate(U8_GEOS):
            for j, (c, lay) in enumerate(U8_CHANNELS):
                aligns = _align_options(mode, k + j)
                align = aligns[(k + j + fi) % len(aligns)]
                kw = dict(size=target) if kind == "size" else dict(scale=target)
                data = U8_DATA[(k + 2 * j + fi) % len(U8_DATA)]
                add(DCase(mode, "uint8", (1 + (j == 2), c) + ins, data, align=align,
                          rsf=_rsf(kind, k + j), antialias=aa, layout=lay, **kw))
    # 2) uint8, nearest modes
    for mode in ("nearest", "nearest-exact"):
        for rank in (1, 2, 3):
            for k, (ins, kind, target) in enumerate(U8_NEAREST_GEOS[rank]):
                for j, (c, lay) in enumerate(U8_NEAREST_CHANNELS[rank]):
                    kw = dict(size=target) if kind == "size" else dict(scale=target)
                    data = U8_DATA[(k + j) % len(U8_DATA)]
                    add(DCase(mode, "uint8", (1, c) + ins, data, rsf=_rsf(kind, k + j), layout=lay, **kw))
    # 3) spec §6 F9 (uint8 examples) and the §7 defect shape with C = 5 (not stored: defect)
    add(DCase("bilinear", "uint8", (1, 1, 1, 2), "F9a", size=(1, 3), align=True, tags=("F9",)))
    add(DCase("bicubic", "uint8", (1, 1, 1, 4), "F9b", size=(1, 8), tags=("F9",)))
    # 4) float16 / bfloat16
    for dt in HALF:
        for fam_i, (mode, rank) in enumerate(HALF_FAMILIES):
            for k, (ins, kind, target) in enumerate(HALF_GEOS[rank - 2]):
                for j, (c, lay) in enumerate(HALF_CHANNELS[rank - 2]):
                    aligns = _align_options(mode, k + j)
                    align = aligns[(k + j + fam_i) % len(aligns)]
                    kw = dict(size=target) if kind == "size" else dict(scale=target)
                    data = HALF_DATA[(k + 3 * j + fam_i) % len(HALF_DATA)]
                    if data == "arange" and dt == "float16" and int(np.prod(ins)) * c > 2048:
                        data = "ramp"
                    add(DCase(mode, dt, (1 + (j == 1), c) + ins, data, align=align,
                              rsf=_rsf(kind, k + j), layout=lay, **kw))
            if rank > 3:
                for k, (ins, kind, target) in enumerate(HALF_GEOS[rank - 2][:2]):
                    for c in HALF_WIDE[rank - 2]:
                        kw = dict(size=target) if kind == "size" else dict(scale=target)
                        add(DCase(mode, dt, (1, c) + ins, ("randn", "nanin")[k], layout="cl", **kw))
        if dt == "bfloat16":
            add(DCase("bilinear", dt, (1, 2, 5, 7), "big", size=(9, 13)))
            add(DCase("bicubic", dt, (1, 2, 9, 13), "big", size=(5, 7), align=True))
    # 5) layout-dependent paths on strided inputs (spec §3.1): see LAYOUT_CASES
    for case in LAYOUT_CASES:
        add(case)
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


def _layout_cases():
    """Strided inputs whose *kernel path* (and so rounding or index map) depends on the layout
    (spec §3.1, §2.5): the expected values are torch's on the same strided tensor
    (``torch.from_numpy`` keeps the strides; torch cannot hold negative strides, so those
    layouts are tested against the C-contiguous copy in test_layouts.py instead).

    * area 1-D/2-D: torch's channels-last pooling whenever the strides are *like*
      channels-last (``suggest_memory_format``), also for a non-contiguous such view (clstep);
    * 2-D bilinear / nearest with C > 3: the channels-last kernels when the input is
      channels-last-*contiguous*, even for large outputs; a channels-last-like but
      non-contiguous view (clstep) takes the generic kernels;
    * 3-D trilinear / nearest with channels-last-3d input and C > 3; 3-D area never.
    """
    out = []
    T = dict(tags=("layout",))
    for dt in ("float32", "float64", "float16", "uint8"):
        for lay in ("cl", "clstep", "hw"):
            out.append(DCase("nearest", dt, (1, 5, 130, 2), "randn", scale=(1.05, 2.01), layout=lay, **T))
            out.append(DCase("nearest", dt, (1, 5, 2, 3, 4), "randn", scale=(1.0, 1.0, 2.01), layout=lay, **T))
            if dt == "uint8":
                continue
            out.append(DCase("area", dt, (2, 9, 15, 14), "randn", size=(4, 3), layout=lay, **T))
            out.append(DCase("area", dt, (2, 5, 11), "randn", size=(4,), layout=lay if lay != "hw" else "nc", **T))
            out.append(DCase("bilinear", dt, (1, 5, 4, 3), "randn", size=(126, 3), layout=lay, **T))
            out.append(DCase("trilinear", dt, (1, 5, 3, 4, 5), "randn", size=(5, 7, 6), layout=lay, **T))
            out.append(DCase("area", dt, (1, 5, 3, 4, 5), "randn", size=(2, 3, 2), layout=lay, **T))
    return out


LAYOUT_CASES = _layout_cases()
GOLDEN_CASES = _build()
GOLDEN_BY_ID = {c.id: c for c in GOLDEN_CASES}


def stored(case):
    """Whether the case has a golden output (torch's values are wrong on the §7 defect)."""
    return not case.torch_defect


# ------------------------------------------------------------------------------------------
# comparison contract
# ------------------------------------------------------------------------------------------
def golden_tolerance(case, x):
    """(atol, rtol) of cyresample vs the golden output; (0, 0) = bit-exact.

    Bit-exact everywhere except area with every output size 1, where torch calls ``mean()``
    (summation order depends on torch's thread count, spec F12): within 1 ulp of the dtype
    (float32 lanczos is not in this matrix)."""
    if case.area_all_ones:
        return dtype_eps(case.dtype) * C.max_abs_finite(x.astype(np.float64)), 0.0
    if case.mode == "lanczos" and case.dtype == "float32":
        return C.golden_tolerance(case, x)
    return 0.0, 0.0


#: live stock torch vs cyresample, float16/bfloat16 interpolating modes and area: the stock
#: build rounds the float32 accumulation differently (fused multiply-adds, other SIMD lane
#: orders), which can move the one final rounding to the dtype by one ulp of the result.
#: Results are bounded by ~1.3 max|x| (bicubic overshoot), and the ulp of a value v is at
#: most eps*|v|, so 1 ulp(dtype)*max|x| (docs/semantics.md) is budgeted as 1.5 eps*max|x|
#: for bicubic and 1 eps*max|x| otherwise.
HALF_LIVE_ULPS = {"bicubic": 1.5}


def live_tolerance(case, x):
    """(atol, rtol) of cyresample vs live stock torch."""
    if case.dtype == "uint8" or case.mode in ("nearest", "nearest-exact"):
        return 0.0, 0.0
    if case.mode == "area":          # bit-identical on every build (mean(): 1 ulp)
        return golden_tolerance(case, x)
    if case.dtype in HALF:
        m = C.max_abs_finite(x.astype(np.float64))
        return HALF_LIVE_ULPS.get(case.mode, 1.0) * dtype_eps(case.dtype) * m, 0.0
    return C.live_tolerance(case, x)


def live_nonfinite_exact(case, x):
    """As :func:`cases.live_nonfinite_exact` (an infinite input may change NaN/Inf positions
    between the stock and the DEFAULT build in the float interpolating modes)."""
    if case.dtype == "uint8":
        return True
    return C.live_nonfinite_exact(case, x.astype(np.float64))


def compare(got, expected, atol=0.0, rtol=0.0, nonfinite_exact=True):
    """:func:`cases.compare` for any dtype: bfloat16 is compared through float32 values, and
    the dtypes must match (byte order included)."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    if got.dtype != expected.dtype:
        return "dtype %s != expected %s" % (got.dtype, expected.dtype)
    if got.dtype.kind == "V":        # ml_dtypes.bfloat16
        got = got.astype(np.float32)
        expected = expected.astype(np.float32)
    if got.dtype.kind == "c":        # each component on its own
        msg = C.compare(got.real, expected.real, atol, rtol, nonfinite_exact)
        if msg is None:
            msg = C.compare(got.imag, expected.imag, atol, rtol, nonfinite_exact)
            return None if msg is None else "imaginary part: " + msg
        return "real part: " + msg
    return C.compare(got, expected, atol, rtol, nonfinite_exact)


# ------------------------------------------------------------------------------------------
# torch bridge (torch is passed in; this module never imports it)
# ------------------------------------------------------------------------------------------
def to_torch(torch, x):
    """A tensor sharing ``x``'s memory and strides (bfloat16 through its uint16 bits)."""
    if x.dtype.kind == "V" and x.dtype.name == "bfloat16":
        return torch.from_numpy(x.view(np.uint16)).view(torch.bfloat16)
    return torch.from_numpy(x)


def from_torch(torch, t, like):
    """NumPy array of tensor ``t`` (strides kept), dtype ``like.dtype`` for bfloat16."""
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(np.uint16).view(like.dtype)
    return t.numpy()


def torch_interpolate(torch, F, x, **kwargs):
    """``F.interpolate`` on the same strided memory as ``x``; NumPy result in torch's layout."""
    return from_torch(torch, F.interpolate(to_torch(torch, x), **kwargs), x)


# ------------------------------------------------------------------------------------------
# golden files
# ------------------------------------------------------------------------------------------
GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "dtypes")


class Golden(C.Golden):
    """The dtype golden files, with bfloat16 outputs seen as bfloat16."""

    def expected(self, case):
        y = self.outputs[case.id]
        if case.dtype == "bfloat16":       # stored as uint16 bit patterns
            return y.view(np_dtype("bfloat16"))
        return y
