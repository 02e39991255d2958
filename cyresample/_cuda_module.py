"""The CUDA kernels of the CuPy backend: source, names, signatures, compilation.

``cuda/kernels.cu`` (package data) holds four kernel templates, instantiated per
storage type only (shapes, strides and plan tables are kernel arguments):

=================================  ==============================================
``cyr_separable<S, D>``            one separable pass (``_separable.pxi.tp``)
``cyr_gather<U>``                  nearest modes: copy ``U`` units per element
``cyr_product<S>``                 PyTorch's channels-last linear kernel
``cyr_area<S, LOW>``               adaptive average pooling
=================================  ==============================================

The instantiations are grouped by dtype code (``f32``, ``f16``, ``i8``... and
``gather``): one CuPy ``RawModule`` per group and device, compiled with NVRTC on
first use with :data:`OPTIONS` (no FMA contraction, IEEE division, no
flush-to-zero, so every operation rounds as on the CPU) and cached with
``functools.lru_cache``; CuPy also keeps the binaries in its on-disk kernel cache.

Nothing here imports CuPy at module level; :func:`import_cupy` does, on demand.
"""
import functools
import os

import numpy as np

#: NVRTC options. ``--fmad=false`` is what makes the GPU agree with the CPU kernels
#: (compiled with ``-ffp-contract=off``); the other three are NVRTC's defaults, spelt
#: out so that no global setting can turn them off.
OPTIONS = ("-std=c++17", "--fmad=false", "--ftz=false", "--prec-div=true", "--prec-sqrt=true")

#: dtype code (``_dtypes``) -> C type the kernels are instantiated with
CTYPES = {
    "f32": "float",
    "f64": "double",
    "f16": "cyr_f16",
    "bf16": "cyr_bf16",
    "u8": "unsigned char",
    "i8": "signed char",
    "i16": "short",
    "u16": "unsigned short",
    "i32": "int",
    "u32": "unsigned int",
    "i64": "long long",
    "u64": "unsigned long long",
}

#: gather copy unit in bytes -> C type
GATHER_UNITS = {1: "unsigned char", 2: "unsigned short", 4: "unsigned int", 8: "unsigned long long",
                16: "cyr_u128"}

_INTS = ("i8", "u16", "i16", "i32", "u32", "i64", "u64")

#: Separable pass variants ``"<src>_<dst>"``: the CPU kernels' set (``SEPARABLE_VARIANTS``).
SEPARABLE_VARIANTS = (
    ("f32_f32", "f64_f64")
    + tuple(v for c in ("f16", "bf16") for v in (c + "_f32", "f32_" + c, c + "_" + c))
    + tuple(v for c in _INTS for v in (c + "_f64", "f64_" + c, c + "_" + c))
    + ("u8_u8",)
)
#: product variants (dtype codes): the CPU's ``PRODUCT_VARIANTS``
PRODUCT_VARIANTS = ("f32", "f64", "f16", "bf16") + _INTS
#: area variants: the CPU's ``AREA_VARIANTS``
AREA_VARIANTS = ("f32", "f64", "f16", "bf16", "f16_low", "bf16_low", "u8") + _INTS

#: Module groups: every dtype code, plus "gather" (dtype-agnostic byte copies).
GROUPS = ("f32", "f64", "f16", "bf16", "u8") + _INTS + ("gather",)

# Kernel signatures, one letter per parameter: p pointer, q 64-bit integer, i 32-bit int.
# The backend converts its arguments with kernel_args() (CuPy passes a NumPy scalar by
# its own size, so every scalar must have exactly the parameter's type); the test-suite
# checks these strings against the compiled source.
_GEOM = "ii" + "q" * 15
SIGNATURES = {
    "cyr_separable": "qppppp" + "qi" + _GEOM,
    "cyr_gather": "qppppp" + "ii" + _GEOM,
    "cyr_product": "qpppppppp" + "iq" + _GEOM,
    "cyr_area": "qpppppppp" + "q" + _GEOM,
}


def ctype(code):
    """C type of a dtype code (KeyError for codes without kernels)."""
    return CTYPES[code]


def separable_name(variant):
    """Name expression of a separable pass variant, e.g. ``cyr_separable<cyr_f16, float>``."""
    src, dst = variant.split("_")
    return "cyr_separable<%s, %s>" % (CTYPES[src], CTYPES[dst])


def gather_name(unit):
    """Name expression of the gather kernel copying ``unit``-byte words."""
    return "cyr_gather<%s>" % GATHER_UNITS[unit]


def product_name(code):
    """Name expression of the channels-last linear kernel of dtype ``code``."""
    if code not in PRODUCT_VARIANTS:
        raise KeyError(code)
    return "cyr_product<%s>" % CTYPES[code]


def area_name(variant):
    """Name expression of the area kernel of ``variant`` (``f16_low``: reduced precision)."""
    if variant not in AREA_VARIANTS:
        raise KeyError(variant)
    low = variant.endswith("_low")
    return "cyr_area<%s, %d>" % (CTYPES[variant[:-4] if low else variant], int(low))


def group_of(kind, variant):
    """The module group (dtype code, or ``"gather"``) that holds a kernel."""
    if kind == "gather":
        return "gather"
    if kind == "separable":
        src, dst = variant.split("_")
        return src if src not in ("f32", "f64") else dst
    if kind == "area" and variant.endswith("_low"):
        return variant[:-4]
    return variant


def name_expressions(group):
    """Every kernel instantiation of a module group, as NVRTC name expressions."""
    if group == "gather":
        return tuple(gather_name(u) for u in sorted(GATHER_UNITS))
    names = [separable_name(v) for v in SEPARABLE_VARIANTS if group_of("separable", v) == group]
    names += [product_name(v) for v in PRODUCT_VARIANTS if v == group]
    names += [area_name(v) for v in AREA_VARIANTS if group_of("area", v) == group]
    if not names:
        raise KeyError(group)
    return tuple(names)


def all_name_expressions():
    """``(group, name)`` for every instantiation the backend may request."""
    return [(g, n) for g in GROUPS for n in name_expressions(g)]


def family(name):
    """Kernel template of a name expression (a key of :data:`SIGNATURES`)."""
    return name.split("<", 1)[0]


def kernel_args(name, args):
    """The argument tuple of a launch, every scalar converted to its parameter's type.

    Parameters
    ----------
    name : str
        Name expression (its template decides the signature).
    args : sequence
        Device arrays for ``p`` parameters (passed through), integers otherwise.
    """
    sig = SIGNATURES[family(name)]
    if len(args) != len(sig):
        raise TypeError("%s takes %d arguments, got %d" % (name, len(sig), len(args)))
    out = []
    for code, a in zip(sig, args):
        if code == "q":
            out.append(np.int64(a))
        elif code == "i":
            out.append(np.int32(a))
        else:
            out.append(a)
    return tuple(out)


KERNELS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cuda", "kernels.cu")


@functools.lru_cache(maxsize=None)
def source():
    """The text of ``cuda/kernels.cu``."""
    with open(KERNELS_PATH, encoding="utf-8") as f:
        return f.read()


def import_cupy():
    """Import CuPy, or raise an ImportError that says what to install."""
    try:
        import cupy
    except ImportError as exc:  # also raised for sys.modules["cupy"] = None
        raise ImportError(
            "cyresample: a CuPy array was given but CuPy cannot be imported (%s). Install CuPy "
            "for your CUDA version (e.g. `pip install cupy-cuda12x`, or cyresample's `cuda` "
            "extra) to resample GPU arrays." % (exc,)) from exc
    return cupy


@functools.lru_cache(maxsize=None)
def get_module(group, device_id):
    """The compiled ``RawModule`` of a group on a device (compiled once, cached).

    Must be called with ``device_id`` current: CuPy compiles for, and loads into, the
    current device.
    """
    cupy = import_cupy()
    if getattr(cupy.cuda.runtime, "is_hip", False):
        raise RuntimeError("cyresample: the GPU backend needs an NVIDIA GPU (CUDA); CuPy is running "
                           "on ROCm/HIP, which these kernels (PTX arithmetic) do not support")
    return cupy.RawModule(code=source(), options=OPTIONS, name_expressions=name_expressions(group))


@functools.lru_cache(maxsize=None)
def get_function(group, name, device_id):
    """A kernel of the group's module on ``device_id`` (which must be current)."""
    return get_module(group, device_id).get_function(name)


def available():
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        cupy = import_cupy()
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no CuPy, no driver, no device: all mean "no"
        return False
