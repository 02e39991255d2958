"""Argument validation for :func:`cyresample.interpolate`.

This module reproduces PyTorch's front end for ``torch.nn.functional.interpolate``
(torch 2.13, CPU) on NumPy arrays: the Python-level processing order of
``torch/nn/functional.py`` (spec §1.2), the checks the C++ argument binding
applies to the values it receives (E13), the output-size computation
(spec §1.3) and the C++ shape, allocation and dtype checks (E14-E20,
spec §1.4, §3.3). Every exception has PyTorch's type and, where PyTorch's text
is deterministic, PyTorch's message.

The result is a :class:`Request`, the normalised call handed to the planner.
Nothing here copies or converts the input array.

Where PyTorch's real behaviour differs from the written spec the code follows
PyTorch and says so in a comment marked "(torch, not spec)".
"""
import dataclasses
import math
import operator

import numpy as np

from . import _layout

__all__ = [
    "Request",
    "interpolate_args",
    "check_dtype",
    "TORCH_TYPE_NAMES",
    "TORCH_DTYPE_SUPPORT",
    "EXTENSION_DTYPES",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """A validated ``interpolate`` call.

    Attributes
    ----------
    array : numpy.ndarray
        The input, ``np.asarray(input)`` (never copied); ``ndim`` is 3, 4 or 5.
    mode : str
        One of ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``,
        ``'bicubic'``, ``'trilinear'``, ``'area'``, ``'lanczos'``.
    out_sizes : tuple of int
        Output size of each spatial dimension (``len == array.ndim - 2``).
    scales : tuple of (float or None)
        Per spatial dimension, the user scale factor that reaches PyTorch's
        kernel (a Python float), or ``None`` when the kernel derives the scale
        from the sizes (``size=`` given, ``recompute_scale_factor`` truthy, or
        mode ``'area'``; spec §1.3). With ``align_corners=True`` the scale is
        still reported (the kernels ignore it).
    align_corners : bool
        After normalisation (``None`` becomes ``False``).
    antialias : bool
        Whether the antialiased kernels are requested (always ``True`` for
        ``'lanczos'``).
    """

    array: np.ndarray
    mode: str
    out_sizes: tuple
    scales: tuple
    align_corners: bool
    antialias: bool


# Building a frozen dataclass through its __init__ costs ~0.7 us (object.__setattr__ per
# field); writing the slots through their descriptors halves that. Used on the hot path.
_new_object = object.__new__
_set_fields = tuple(Request.__dict__[f.name].__set__ for f in dataclasses.fields(Request))


def _request(array, mode, out_sizes, scales, align_corners, antialias):
    r = _new_object(Request)
    s0, s1, s2, s3, s4, s5 = _set_fields
    s0(r, array)
    s1(r, mode)
    s2(r, out_sizes)
    s3(r, scales)
    s4(r, align_corners)
    s5(r, antialias)
    return r


# ---------------------------------------------------------------------------------------------
# dtypes (spec §3.3)
# ---------------------------------------------------------------------------------------------

#: NumPy dtype -> PyTorch ``ScalarType`` name, the name PyTorch prints in E19
#: (``"..." not implemented for 'Long'``). Native byte order; non-native arrays
#: are looked up through their native equivalent.
TORCH_TYPE_NAMES = {
    np.dtype(np.float16): "Half",
    np.dtype(np.float32): "Float",
    np.dtype(np.float64): "Double",
    np.dtype(np.uint8): "Byte",
    np.dtype(np.int8): "Char",
    np.dtype(np.int16): "Short",
    np.dtype(np.int32): "Int",
    np.dtype(np.int64): "Long",
    np.dtype(np.uint16): "UInt16",
    np.dtype(np.uint32): "UInt32",
    np.dtype(np.uint64): "UInt64",
    np.dtype(np.bool_): "Bool",
    np.dtype(np.complex64): "ComplexFloat",
    np.dtype(np.complex128): "ComplexDouble",
}

TORCH_NAME_SET = frozenset(TORCH_TYPE_NAMES.values()) | {"BFloat16"}
_FLOATS = frozenset({"Half", "BFloat16", "Float", "Double"})
_FLOATS_U8 = _FLOATS | {"Byte"}
_AA = frozenset({"Float", "Double", "Byte"})
_FLOATS_COMPLEX = _FLOATS | {"ComplexFloat", "ComplexDouble"}

#: What PyTorch 2.13 (CPU) accepts, per kernel family (spec §3.3, probed).
#:
#: key ``(mode, input ndim, antialias)`` -> ``(accepted type names, generic kernel name)``.
#: A dtype whose name (``TORCH_TYPE_NAMES``; ``'BFloat16'`` for ml_dtypes'
#: bfloat16) is not accepted raises E19
#: ``NotImplementedError: "{kernel}" not implemented for '{name}'``.
#: The kernel name is the generic path's; :func:`interpolate_args` substitutes the
#: channels-last kernel's name where PyTorch would take that path (spec §3.1).
#: ``'area-mean'`` is the area path whose output sizes are all 1: PyTorch calls
#: ``x.mean()``, which accepts complex and rejects the other non-float dtypes
#: with a RuntimeError (torch, not spec).
#: Do not edit this to add cyresample features: use :data:`EXTENSION_DTYPES`.
TORCH_DTYPE_SUPPORT = {
    ("nearest", 3, False): (_FLOATS_U8, "compute_indices_weights_nearest"),
    ("nearest", 4, False): (_FLOATS_U8, "compute_indices_weights_nearest"),
    ("nearest", 5, False): (_FLOATS_U8, "compute_indices_weights_nearest"),
    ("nearest-exact", 3, False): (_FLOATS_U8, "compute_indices_weights_nearest"),
    ("nearest-exact", 4, False): (_FLOATS_U8, "compute_indices_weights_nearest"),
    ("nearest-exact", 5, False): (_FLOATS_U8, "compute_indices_weights_nearest"),
    ("linear", 3, False): (_FLOATS, "compute_indices_weights_linear"),
    ("bilinear", 4, False): (_FLOATS_U8, "compute_indices_weights_linear"),
    ("bicubic", 4, False): (_FLOATS_U8, "compute_indices_weights_cubic"),
    ("trilinear", 5, False): (_FLOATS, "compute_indices_weights_linear"),
    ("bilinear", 4, True): (_AA, "compute_index_ranges_weights"),
    ("bicubic", 4, True): (_AA, "compute_index_ranges_weights"),
    ("lanczos", 4, True): (_AA, "compute_index_ranges_weights"),
    ("area", 3, False): (_FLOATS, "adaptive_avg_pool2d"),
    ("area", 4, False): (_FLOATS, "adaptive_avg_pool2d"),
    ("area", 5, False): (_FLOATS, "adaptive_avg_pool3d_cpu"),
    ("area-mean", 3, False): (_FLOATS_COMPLEX, "mean"),
    ("area-mean", 4, False): (_FLOATS_COMPLEX, "mean"),
    ("area-mean", 5, False): (_FLOATS_COMPLEX, "mean"),
}

#: cyresample's documented extensions beyond PyTorch: same keys as
#: :data:`TORCH_DTYPE_SUPPORT` -> frozenset of additional accepted names
#: (PyTorch ``ScalarType`` names, or ``numpy.dtype.name`` for dtypes PyTorch does
#: not have, e.g. ``'float128'``). Empty: exact PyTorch parity.
_EXT_INTS = frozenset({"Char", "Short", "Int", "Long", "UInt16", "UInt32", "UInt64"})
_EXT_COMPLEX = frozenset({"ComplexFloat", "ComplexDouble"})
#: Marker in :data:`EXTENSION_DTYPES`: any fixed-size dtype without fields (datetimes,
#: strings, longdouble, ...), copied bit for bit by the nearest modes.
ANY_COPYABLE = "*"
_EXT_COPY = _EXT_INTS | _EXT_COMPLEX | {"Bool", ANY_COPYABLE}
_EXT_INTERP = _EXT_INTS | _EXT_COMPLEX

EXTENSION_DTYPES = {
    **{(m, n, False): _EXT_COPY for m in ("nearest", "nearest-exact") for n in (3, 4, 5)},
    ("linear", 3, False): _EXT_INTERP | {"Byte"},
    ("trilinear", 5, False): _EXT_INTERP | {"Byte"},
    ("bilinear", 4, False): _EXT_INTERP,
    ("bicubic", 4, False): _EXT_INTERP,
    **{(m, 4, True): _EXT_INTERP | {"Half", "BFloat16"} for m in ("bilinear", "bicubic", "lanczos")},
    **{("area", n, False): _EXT_INTERP | {"Byte"} for n in (3, 4, 5)},
    **{("area-mean", n, False): _EXT_INTS | {"Byte"} for n in (3, 4, 5)},
}

_MEAN_MSG = ("mean(): could not infer output dtype. Input dtype must be either a floating point "
             "or complex dtype. Got: %s")


def _extension_names():
    names = set()
    for v in EXTENSION_DTYPES.values():
        names.update(v)
    return names


def _type_name(dt):
    """The PyTorch type name of NumPy dtype ``dt``; TypeError for non-numeric arrays."""
    name = TORCH_TYPE_NAMES.get(dt)
    if name is not None:
        return name
    if dt.byteorder not in "=|":  # non-native byte order: same values, same rules
        name = TORCH_TYPE_NAMES.get(dt.newbyteorder("="))
        if name is not None:
            return name
    if dt.name == "bfloat16":  # ml_dtypes.bfloat16 (kind 'V'), PyTorch's BFloat16
        return "BFloat16"
    if dt.kind in "biufcmMSU" or (dt.kind == "V" and dt.names is None and dt.subdtype is None):
        ext = _extension_names()
        if dt.name in ext or ANY_COPYABLE in ext:
            return dt.name
        # PyTorch cannot even hold these (torch.from_numpy raises TypeError).
        raise TypeError("interpolate(): input array has dtype %s, which has no PyTorch "
                        "equivalent and is not supported" % (dt.name,))
    raise TypeError("interpolate(): expected a numeric input array (bool, integer, floating or "
                    "complex), but got an array of dtype %s (%r)" % (dt.name, dt))


def check_dtype(dtype, mode, ndim, antialias, kernel=None):
    """Raise PyTorch's E19 when ``dtype`` is not supported for the kernel family.

    Parameters
    ----------
    dtype : numpy.dtype
        The input array's dtype.
    mode : str
        Interpolation mode, or ``'area-mean'`` for the area path whose output
        sizes are all 1 (PyTorch's ``x.mean()`` shortcut, spec §2.5).
    ndim : int
        Input rank, 3, 4 or 5.
    antialias : bool
        Whether the antialiased kernels are used (always True for lanczos).
    kernel : str, optional
        Kernel name for the message (PyTorch's name depends on the path taken,
        spec §3.1); defaults to the generic kernel's name from
        :data:`TORCH_DTYPE_SUPPORT`.

    Returns
    -------
    str
        The dtype's type name (PyTorch ``ScalarType`` name where one exists).

    Raises
    ------
    NotImplementedError
        ``"{kernel}" not implemented for '{TypeName}'`` (spec §1.4 E19).
    RuntimeError
        For ``'area-mean'``: PyTorch's ``mean()`` dtype error.
    TypeError
        For arrays that are not numeric (object, strings, datetimes, ...).
    """
    name = _type_name(dtype)
    key = (mode, ndim, bool(antialias))
    names, default_kernel = TORCH_DTYPE_SUPPORT[key]
    if name in names:
        return name
    ext = EXTENSION_DTYPES.get(key)
    if ext and (name in ext or (ANY_COPYABLE in ext and name not in TORCH_NAME_SET)):
        return name
    if mode == "area-mean":
        raise RuntimeError(_MEAN_MSG % name)
    raise NotImplementedError('"%s" not implemented for \'%s\'' % (kernel or default_kernel, name))


# ---------------------------------------------------------------------------------------------
# messages (spec §1.4)
# ---------------------------------------------------------------------------------------------

_E1 = ("align_corners option can only be set with the interpolating modes: "
       "linear | bilinear | bicubic | trilinear")
_E2 = "only one of size or scale_factor should be defined"
_E3 = ("Input and output must have the same number of spatial dimensions, but got input with "
       "spatial dimensions of {} and output size of {}. Please provide input tensor in "
       "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
_E4 = ("expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], "
       "but got size with types {}")
_E5 = ("Input and scale_factor must have the same number of spatial dimensions, but got input "
       "with spatial dimensions of {} and scale_factor of shape {}. Please provide input tensor "
       "in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
_E6 = "either size or scale_factor should be defined"
_E7 = "recompute_scale_factor is not meaningful with an explicit size."
_E8 = ("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
       "4-D tensor as input")
_E9 = "Lanczos mode does not support align_corners=True"
_E10 = "Lanczos mode requires antialias=True"
_E11 = "Got {}D input, but {} mode needs {}D input"
_E12 = ("Input Error: Only 3D, 4D and 5D input Tensors supported (got {}D) for the modes: "
        "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
        "(got {})")
_E14 = ("Input and output sizes should be greater than 0, but got input ({}) and output ({})",
        "Input and output sizes should be greater than 0, but got input ({}) output ({})",
        "Input and output sizes should be greater than 0, but got input ({}) output ({})")
_E15 = "Non-empty {}D data tensor expected but got a tensor with sizes {}"
_E16 = "value cannot be converted to type int64_t without overflow"
_E17_2D = ("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
           "received {{{}, {}}}")
_E17_3D = ("adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but "
           "received {{{}, {},{}}}")  # sic: no space before the third value
_E18 = ("adaptive_avg_pool{}d(): Expected input to have non-zero size for non-batch dimensions, "
        "but input has sizes {} with dimension {} being empty")
_E20 = "Storage size calculation overflowed with sizes={}"
_NUMEL_OVERFLOW = "numel: integer multiplication overflow"
_STRIDE_OVERFLOW = "Stride calculation overflowed"
_NOT_CONCRETE = "SymIntArrayRef expected to contain only concrete integers"
_NOT_SYMINT = "IntArrayRef contains an int that cannot be represented as a SymInt: {}"

_NO_ALIGN_MODES = ("nearest", "area", "nearest-exact")  # a tuple: `in` compares like torch
_AA_MODES = ("bilinear", "bicubic", "lanczos")
_I64_MAX = (1 << 63) - 1
_I64_MIN = -(1 << 63)
_U64_MAX = (1 << 64) - 1
_SYMINT_MIN = -(1 << 62)  # c10::SymInt stores ints >= -2**62 inline ("concrete")
_TWO63_INT = 1 << 63
_INT_TYPES = (int, np.integer)  # functional._is_integer without torch's SymInt / Tensor
_HEAPTYPE = 1 << 9
_SMALL = 1 << 58  # sizes all >= 1 with a product <= 2**58: no int64 overflow, itemsize <= 16

# (ndim, mode) -> (ATen op, takes align_corners); area and lanczos handled separately
_OPS = {
    (3, "nearest"): ("upsample_nearest1d", False),
    (4, "nearest"): ("upsample_nearest2d", False),
    (5, "nearest"): ("upsample_nearest3d", False),
    (3, "nearest-exact"): ("_upsample_nearest_exact1d", False),
    (4, "nearest-exact"): ("_upsample_nearest_exact2d", False),
    (5, "nearest-exact"): ("_upsample_nearest_exact3d", False),
    (3, "linear"): ("upsample_linear1d", True),
    (4, "bilinear"): ("upsample_bilinear2d", True),
    (5, "trilinear"): ("upsample_trilinear3d", True),
    (4, "bicubic"): ("upsample_bicubic2d", True),
}
_AA_OPS = {"bilinear": "_upsample_bilinear2d_aa", "bicubic": "_upsample_bicubic2d_aa"}
_E11_CASES = {
    (3, "bilinear"): 4, (3, "trilinear"): 5, (4, "linear"): 3,
    (4, "trilinear"): 5, (5, "linear"): 3, (5, "bilinear"): 4,
}
_SCALE_ARGS = {1: "float scales = None",
               2: "float scales_h = None, float scales_w = None",
               3: "float scales_d = None, float scales_h = None, float scales_w = None"}
_DIM_LABELS = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}


# ---------------------------------------------------------------------------------------------
# the C++ argument binding (E13), spec §1.4; torch/csrc/utils/python_arg_parser.cpp
# ---------------------------------------------------------------------------------------------

def _tp_name(obj):
    """``Py_TYPE(obj)->tp_name``: 'float', 'numpy.ndarray', 'numpy.bool', 'Fraction'."""
    t = type(obj)
    if t.__flags__ & _HEAPTYPE or t.__module__ == "builtins":
        return t.__name__
    return "%s.%s" % (t.__module__, t.__name__)


def _is_index_like(obj):
    """The binding's ``is_int_or_symint`` (THPUtils_checkIndex): an int that is not a bool."""
    if type(obj) is int or isinstance(obj, _INT_TYPES[1]):
        return True
    if isinstance(obj, bool):
        return False
    if isinstance(obj, int):
        return True
    try:
        operator.index(obj)  # e.g. 0-d integer arrays
    except Exception:  # noqa: BLE001 - any failure means "not an index"
        return False
    return True


def _is_double_like(obj):
    """``THPUtils_checkDouble(obj) || PyComplex_Check(obj)`` (match stage of a float list)."""
    return isinstance(obj, (float, int, complex, np.number, np.bool_))


def _int_list_matches(seq):
    return isinstance(seq, (list, tuple)) and (len(seq) == 0 or _is_index_like(seq[0]))


def _float_list_matches(seq):
    return isinstance(seq, (list, tuple)) and (len(seq) == 0 or _is_double_like(seq[0]))


def _unpack_ints(op, seq):
    """Getter stage of ``SymInt[]``: every element through ``__index__``, int64 range."""
    out = []
    for i, x in enumerate(seq):
        try:
            v = x if type(x) is int else operator.index(x)
        except Exception as e:  # noqa: BLE001
            raise TypeError("%s(): argument 'output_size' failed to unpack the object at pos %d "
                            "with error \"%s\"" % (op, i + 1, e)) from None
        if v > _I64_MAX or v < _I64_MIN:
            # torch appends a C++ backtrace to this message; we stop at the quote
            raise TypeError("%s(): argument 'output_size' failed to unpack the object at pos %d "
                            "with error \"Overflow when unpacking long long\"" % (op, i + 1))
        out.append(v)
    return out


def _unpack_doubles(op, seq):
    """Getter stage of ``float[]``: ``PyFloat_AsDouble`` (``__float__`` or ``__index__``)."""
    out = []
    for i, x in enumerate(seq):
        if type(x) is float:
            out.append(x)
            continue
        t = type(x)
        try:
            if not (hasattr(t, "__float__") or hasattr(t, "__index__")):
                raise TypeError  # float() would parse str/bytes; PyFloat_AsDouble does not
            out.append(float(x))
        except Exception:  # noqa: BLE001
            raise TypeError("%s(): argument 'scale_factors' must be tuple of floats, but found "
                            "element of type %s at pos %d" % (op, _tp_name(x), i + 1)) from None
    return out


def _invalid_combination(op, ndim, args, has_align):
    """E13: the binding's 'invalid combination' TypeError (first lines as torch prints them)."""
    got = ", ".join(["Tensor"] + [_tp_name(a) for a in args])
    align = "bool align_corners, " if has_align else ""
    return TypeError(
        "%s() received an invalid combination of arguments - got (%s), but expected one of:\n"
        " * (Tensor input, tuple of ints output_size, %stuple of floats scale_factors)\n"
        " * (Tensor input, tuple of ints output_size, %s%s, *, Tensor out = None)\n"
        % (op, got, align, align, _SCALE_ARGS[ndim - 2]))


def _bind_upsample(op, ndim, output_size, align_corners, scale_factors, has_align):
    """Emulate the binding of ``torch._C._nn.upsample_*`` (two overloads; spec E13)."""
    if not has_align or type(align_corners) is bool:  # fast path: plain ints / plain floats
        if scale_factors is None:
            t = type(output_size)
            if t is list or t is tuple:
                for v in output_size:
                    if type(v) is not int or v < _SYMINT_MIN or v > _I64_MAX:
                        break
                else:
                    return list(output_size), None
        elif output_size is None:
            t = type(scale_factors)
            if t is list or t is tuple:
                for v in scale_factors:
                    if type(v) is not float:
                        break
                else:
                    return None, scale_factors
    if not ((output_size is None or _int_list_matches(output_size))
            and (not has_align or type(align_corners) is bool)
            and (scale_factors is None or _float_list_matches(scale_factors))):
        args = (output_size, align_corners, scale_factors) if has_align else \
            (output_size, scale_factors)
        raise _invalid_combination(op, ndim, args, has_align)
    sizes = scales = None
    if output_size is not None:
        sizes = _unpack_ints(op, output_size)
        # The composite op converts SymInt[] to int[]: ints below -2**62 are not stored
        # inline by c10::SymInt and are rejected (torch, not spec).
        for v in sizes:
            if v < _SYMINT_MIN:
                raise RuntimeError(_NOT_CONCRETE)
    if scale_factors is not None:
        scales = _unpack_doubles(op, scale_factors)
    return sizes, scales


def _bind_pool(op, output_size):
    """Emulate the single-signature binding of ``adaptive_avg_pool{1,2,3}d(input, int[k])``."""
    if not _int_list_matches(output_size):
        raise TypeError("%s(): argument 'output_size' (position 2) must be tuple of ints, but "
                        "found element of type %s at pos 0" % (op, _tp_name(output_size[0])))
    return _unpack_ints(op, output_size)


# ---------------------------------------------------------------------------------------------
# C++ checks: output size from scales, shapes, allocation, dtype
# ---------------------------------------------------------------------------------------------

def _sizes_str(sizes):
    return "[" + ", ".join([str(s) for s in sizes]) + "]"


def _sizes_from_scales(in_sizes, scales):
    """``compute_output_size`` (UpSample.h): trunc(double(in) * sf), overflow-checked (E16)."""
    # int * float multiplies in double after converting the int exactly as C++ does
    try:
        out = [int(n * s) for n, s in zip(in_sizes, scales)]
    except (ValueError, OverflowError):  # NaN, +-inf
        raise RuntimeError(_E16) from None
    for v in out:
        if not _SYMINT_MIN <= v < _TWO63_INT:
            break
    else:
        return out
    for v in out:  # c10::checked_convert: a double beyond [-2**63, 2**63] overflows
        if v > _TWO63_INT or v < _I64_MIN:
            raise RuntimeError(_E16)
    # 2**63 itself passes that check (INT64_MAX rounds to 2**63) and the cast gives INT64_MIN
    out = [_I64_MIN if v == _TWO63_INT else v for v in out]
    for v in out:  # c10::fromIntArrayRefSlow (torch, not spec)
        if v < _SYMINT_MIN:
            raise RuntimeError(_NOT_SYMINT.format(v))
    return out


def _product_overflows(sizes, limit):
    """c10::safe_multiply_u64 (sticky overflow flag) then ``> limit``."""
    p = 1
    for s in sizes:
        p *= s
        if p > _U64_MAX:
            return True
    return p > limit


def _check_storage(sizes, itemsize):
    # computeStorageNbytesContiguous: u64 product of sizes, times itemsize, <= INT64_MAX
    if _product_overflows(sizes, _I64_MAX // itemsize):
        raise RuntimeError(_E20.format(_sizes_str(sizes)))


def _check_strides(sizes):
    # empty_tensor_restride: strides are products of max(size, 1) over all dims but the first
    p = 1
    for s in sizes[1:]:
        p *= s if s > 1 else 1
    if p > _I64_MAX:
        raise RuntimeError(_STRIDE_OVERFLOW)


def _check_alloc_empty(sizes, itemsize):
    """Output allocation of the upsample ops (``at::empty``): E20, then strides."""
    _check_storage(sizes, itemsize)
    _check_strides(sizes)


def _check_alloc_resize(sizes, itemsize):
    """Output allocation of adaptive_avg_pool (``resize_``): numel, strides, then E20."""
    if _product_overflows(sizes, _I64_MAX):
        raise RuntimeError(_NUMEL_OVERFLOW)
    _check_strides(sizes)
    _check_storage(sizes, itemsize)


_element_strides = _layout.element_strides
_is_contiguous_order = _layout.is_contiguous_order
_strides_like_channels_last = _layout.strides_like_channels_last


def _kernel_name(arr, mode, ndim, antialias, out_sizes):
    """PyTorch's kernel name for E19: the channels-last kernel where torch takes it (§3.1).

    Not reproduced: bilinear's extra rule (``torch.get_num_threads() == 1 and C == 3``
    selects the channels-last kernel), which depends on PyTorch's thread count.
    """
    shape = arr.shape
    if antialias:
        return None
    if mode == "area":
        if ndim == 5:
            return None
        strides = _element_strides(arr)
        if ndim == 3:  # 1-D area runs as 2-D on x.unsqueeze(-2)
            shape = (shape[0], shape[1], 1, shape[2])
            strides = [strides[0], strides[1], strides[2] * arr.shape[2], strides[2]]
        if _strides_like_channels_last(shape, strides):
            return "adaptive_avg_pool2d_channels_last"
        return None
    if ndim == 4 and mode in ("nearest", "nearest-exact", "bilinear"):
        if out_sizes[0] + out_sizes[1] <= 128 or (
                shape[1] > 3 and _is_contiguous_order(shape, _element_strides(arr), (1, 3, 2, 0))):
            return "upsample_%s2d_channels_last" % ("bilinear" if mode == "bilinear" else "nearest")
    elif ndim == 5 and mode in ("nearest", "nearest-exact", "trilinear"):
        if shape[1] > 3 and _is_contiguous_order(shape, _element_strides(arr), (1, 4, 3, 2, 0)):
            return "upsample_%s3d_channels_last" % ("trilinear" if mode == "trilinear" else "nearest")
    return None


def _dtype_ok(arr, name, mode, ndim, antialias, out_sizes):
    """Fast membership test, falling back to :func:`check_dtype` for the message."""
    key = (mode, ndim, antialias)
    if name in TORCH_DTYPE_SUPPORT[key][0]:
        return
    check_dtype(arr.dtype, mode, ndim, antialias,
                None if mode == "area-mean" else _kernel_name(arr, mode, ndim, antialias, out_sizes))


def _finish_upsample(arr, name, mode, antialias, sizes, scales):
    """Checks of the upsample ops after the binding: E16, E14, E15, E20, E19."""
    shape = arr.shape
    ndim = len(shape)
    in_sizes = shape[2:]
    if sizes is None:
        sizes = _sizes_from_scales(in_sizes, scales)
    # upsample_{1,2,3}d_common_check (spec §1.4 E14)
    bad = 0 in in_sizes  # input sizes are never negative
    if not bad:
        for v in sizes:
            if v <= 0:
                bad = True
                break
    if bad:
        labels = _DIM_LABELS[ndim - 2]
        raise RuntimeError(_E14[ndim - 3].format(
            ", ".join(["%s: %d" % lv for lv in zip(labels, in_sizes)]),
            ", ".join(["%s: %d" % lv for lv in zip(labels, sizes)])))
    # "Allow for empty batch size but not other dimensions" (E15): spatial sizes are > 0 here
    if shape[1] == 0:
        raise RuntimeError(_E15.format(ndim, _sizes_str(shape)))
    out_shape = [shape[0], shape[1]] + sizes
    if not 0 < math.prod(out_shape) <= _SMALL:  # else nothing can overflow
        _check_alloc_empty(out_shape, arr.itemsize)
        if shape[0] == 0:
            # The output is empty but torch still runs the kernel, whose index buffers
            # (int64, shape [1, 1, .., out_d, .., 1]) can overflow (torch, not spec).
            # Modelled for the generic kernels; buffers that merely exceed the memory
            # (torch: "can't allocate memory") are not.
            for d, v in enumerate(sizes):
                if v > _I64_MAX // 8:
                    idx_shape = [1] * ndim
                    idx_shape[d + 2] = v
                    raise RuntimeError(_E20.format(_sizes_str(idx_shape)))
    if antialias and sizes == list(in_sizes):
        # the antialias kernels copy the input when no size changes, before dispatching
        # on the dtype: any dtype passes (torch, not spec)
        return sizes
    _dtype_ok(arr, name, mode, ndim, antialias, sizes)
    return sizes


def _finish_area(arr, name, sizes):
    """adaptive_avg_pool{1,2,3}d after the binding: E17, mean shortcut, E18, E20, E19."""
    shape = arr.shape
    ndim = len(shape)
    if ndim == 3:
        w = sizes[0]
        if w < _SYMINT_MIN:  # adaptive_avg_pool1d passes an int[] on to the SymInt op
            raise RuntimeError(_NOT_SYMINT.format(w))
        if w < 0:
            raise RuntimeError(_E17_2D.format(1, w))
        view = (shape[0], shape[1], 1, shape[2])
        out_shape = [shape[0], shape[1], 1, w]
    elif ndim == 4:
        if sizes[0] < 0 or sizes[1] < 0:
            raise RuntimeError(_E17_2D.format(sizes[0], sizes[1]))
        view = shape
        out_shape = [shape[0], shape[1]] + sizes
    else:
        if sizes[0] < 0 or sizes[1] < 0 or sizes[2] < 0:
            raise RuntimeError(_E17_3D.format(sizes[0], sizes[1], sizes[2]))
        view = shape
        out_shape = [shape[0], shape[1]] + sizes
    for v in sizes:
        if v != 1:
            break
    else:
        # every output size 1: torch returns x.mean(spatial dims) -- no E18 (an empty
        # spatial input gives NaN), complex accepted, ints rejected (torch, not spec)
        _dtype_ok(arr, name, "area-mean", ndim, False, sizes)
        return sizes
    if ndim == 5:
        for i in range(1, 5):  # the 3-D pool also rejects C == 0
            if shape[i] <= 0:
                raise RuntimeError(_E18.format(3, _sizes_str(shape), i))
    else:
        for i in (2, 3):
            if view[i] <= 0:
                raise RuntimeError(_E18.format(2, _sizes_str(view), i))
    if not 0 < math.prod(out_shape) <= _SMALL:
        _check_alloc_resize(out_shape, arr.itemsize)
    if ndim != 5:
        for v in out_shape:
            if v == 0:
                # the 2-D pool returns an empty output before dispatching on the dtype, so
                # any dtype passes (torch, not spec: the spec names uint8 only)
                return sizes
    _dtype_ok(arr, name, "area", ndim, False, sizes)
    return sizes


# ---------------------------------------------------------------------------------------------
# the front end (spec §1.2)
# ---------------------------------------------------------------------------------------------

def interpolate_args(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                     recompute_scale_factor=None, antialias=False):
    """Validate an ``interpolate`` call exactly as PyTorch does and normalise it.

    Parameters
    ----------
    input : array_like
        ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``; anything
        :func:`numpy.asarray` accepts (not copied when already an ndarray).
    size, scale_factor, mode, align_corners, recompute_scale_factor, antialias
        As for :func:`torch.nn.functional.interpolate`.

    Returns
    -------
    Request
        The normalised call.

    Raises
    ------
    ValueError, TypeError, NotImplementedError, RuntimeError, OverflowError
        The exception PyTorch raises for the same call, with PyTorch's message
        (spec §1.4, E1-E20), checked in PyTorch's order. A non-numeric input
        array raises TypeError.
    """
    arr = input if type(input) is np.ndarray else np.asarray(input)
    # A tensor must exist before torch's interpolate runs: non-numeric arrays fail first.
    name = TORCH_TYPE_NAMES.get(arr.dtype)
    if name is None:
        name = _type_name(arr.dtype)

    # spec §1.2 step 1 (E1); `in` on a tuple compares with ==, as torch does, for any type of mode
    if mode in _NO_ALIGN_MODES:
        if align_corners is not None:
            raise ValueError(_E1)
    elif align_corners is None:
        align_corners = False

    # spec §1.2 step 2 (the rank is not validated yet)
    shape = arr.shape
    ndim = len(shape)
    dim = ndim - 2

    # spec §1.2 step 3 (E2-E6)
    if size is not None and scale_factor is not None:
        raise ValueError(_E2)
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(_E3.format(list(shape[2:]), size))
            for x in size:
                if type(x) is not int and not isinstance(x, _INT_TYPES):  # _is_integer
                    raise TypeError(_E4.format([type(x) for x in size]))
            output_size = size
        else:
            output_size = [size] * dim if dim > 0 else []
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(_E5.format(list(shape[2:]), scale_factor))
            scale_factors = scale_factor
        else:
            scale_factors = [scale_factor] * dim if dim > 0 else []
    else:
        raise ValueError(_E6)

    # spec §1.2 step 4 (E7)
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError(_E7)

    # spec §1.2 step 5: area always works from sizes
    if mode == "area" and output_size is None:
        recompute_scale_factor = True

    # spec §1.2 step 6 / §1.3: sizes in Python arithmetic on the operand types (a numpy.float32 scale gives a
    # float32 product); int() raises ValueError for NaN and OverflowError for +-inf.
    if recompute_scale_factor is not None and recompute_scale_factor:
        output_size = [int(shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None

    # spec §1.2 step 7 (E8)
    if antialias and not (mode in _AA_MODES and ndim == 4):
        raise ValueError(_E8)

    # spec §1.2 step 8: dispatch on (rank, mode); step 9: E11 / E12. Then the binding (E13)
    # and the C++ checks (E14-E20, spec §1.4, §3.3)
    key = (ndim, mode) if isinstance(mode, str) else None
    if mode == "area" and 3 <= ndim <= 5:
        op = ("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d")[ndim - 3]
        sizes = _finish_area(arr, name, _bind_pool(op, output_size))
        return _request(arr, "area", tuple(sizes), (None,) * dim, False, False)
    entry = _OPS.get(key) if key is not None else None
    if entry is not None:
        op, has_align = entry
        if antialias:
            op = _AA_OPS[mode]
    elif key == (4, "lanczos"):
        if align_corners:
            raise ValueError(_E9)
        if not antialias:
            raise ValueError(_E10)
        op, has_align = "_upsample_lanczos2d_aa", True
    else:
        j = _E11_CASES.get(key) if key is not None else None
        if j is not None:
            raise NotImplementedError(_E11.format(ndim, mode, j))
        raise NotImplementedError(_E12.format(ndim, mode))

    aa = bool(antialias)
    sizes, scales = _bind_upsample(op, ndim, output_size, align_corners, scale_factors, has_align)
    sizes = _finish_upsample(arr, name, mode, aa, sizes, scales)
    return _request(arr, str(mode) if type(mode) is not str else mode, tuple(sizes),
                   tuple(scales) if scales is not None else (None,) * dim,
                   bool(align_corners), aa)


def stand_in(shape, dtype, strides=None):
    """A zero-byte NumPy array with ``shape``, ``dtype`` and ``strides``, for validating
    and planning calls on arrays that live elsewhere (CuPy, Dask) without touching them.

    Parameters
    ----------
    shape : tuple of int
    dtype : numpy.dtype
    strides : tuple of int, optional
        Byte strides (all zero when omitted). Only their pattern matters
        (PyTorch's layout rules for kernel names); validation never reads an
        element, and the stand-in must never reach a kernel.
    """
    dtype = np.dtype(dtype)
    base = np.empty(1, dtype)
    if strides is None:
        strides = (0,) * len(shape)  # every element aliases the one real element
    view = np.lib.stride_tricks.as_strided(base, shape=tuple(shape), strides=tuple(strides),
                                           writeable=False)
    return view
