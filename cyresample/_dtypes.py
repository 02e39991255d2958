"""dtype policy: which kernels a dtype goes through, and how it is rounded.

One table decides, for every NumPy dtype, the short code the kernels use, the
opmath type arithmetic is done in, and the *family*:

========  ==================  ===========================================================
family    dtypes              interpolating modes / area
========  ==================  ===========================================================
float     float32, float64    PyTorch's float kernels (spec §2, §3)
half      float16, bfloat16   float32 opmath, one rounding at the end (spec §3.4)
fixed     uint8               PyTorch's int16 fixed point, uint8 between passes (§2.7)
int       other integers      float64 opmath, round half up, saturate (extension)
complex   complex64/128       each component through the float kernels (extension)
copy      bool, anything else nearest modes only (values copied)
========  ==================  ===========================================================

See docs/semantics.md ("Dtypes") for the per mode x dtype exactness table.
"""
import numpy as np

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)

_CODES = {
    "float32": ("f32", "float", F32),
    "float64": ("f64", "float", F64),
    "float16": ("f16", "half", F32),
    "bfloat16": ("bf16", "half", F32),
    "uint8": ("u8", "fixed", F32),
    "int8": ("i8", "int", F64),
    "uint16": ("u16", "int", F64),
    "int16": ("i16", "int", F64),
    "int32": ("i32", "int", F64),
    "uint32": ("u32", "int", F64),
    "int64": ("i64", "int", F64),
    "uint64": ("u64", "int", F64),
    "complex64": ("c64", "complex", F32),
    "complex128": ("c128", "complex", F64),
}

#: Largest magnitude a 64-bit integer may have to go through float64 arithmetic exactly.
EXACT_INT_LIMIT = 2 ** 53


def info(dtype):
    """Return ``(code, family, opmath dtype)`` for a dtype.

    Parameters
    ----------
    dtype : numpy.dtype
        Any dtype; byte order is ignored.

    Returns
    -------
    tuple
        ``code`` is ``None`` and family ``"copy"`` for dtypes the
        interpolating modes do not support (bool, strings, datetimes, ...).
    """
    dtype = np.dtype(dtype)
    name = dtype.newbyteorder("=").name if dtype.byteorder not in ("=", "|") else dtype.name
    entry = _CODES.get(name)
    if entry is None or dtype.kind == "V" and name != "bfloat16":
        return None, "copy", F32
    return entry


def component_dtype(dtype):
    """The real dtype of a complex dtype's components."""
    return np.dtype(np.float32) if np.dtype(dtype).itemsize == 8 else np.dtype(np.float64)
