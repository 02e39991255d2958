"""Runtime CPU dispatch: import the best kernel module this machine supports.

Every wheel carries the same kernels built for several instruction sets
(``baseline``, ``avx2``, ``avx512`` on x86-64; ``baseline`` elsewhere). The
choice happens once, at import, after checking the CPU and OS (``_cpuinfo``);
``CYRESAMPLE_CPU_DISPATCH=baseline|avx2|avx512`` caps it. All variants compute
bit-identical results (floating-point contraction is disabled in every build).
"""
import importlib
import importlib.util
import os

from . import _cpuinfo

ORDER = ("baseline", "avx2", "avx512")


def built_variants():
    """Variants whose kernel module was built (importable by name)."""
    return [name for name in ORDER if importlib.util.find_spec("cyresample._kernels_" + name) is not None]


def _choose():
    supported = set(_cpuinfo.supported_variants())
    cap = os.environ.get("CYRESAMPLE_CPU_DISPATCH", "").strip().lower() or ORDER[-1]
    if cap not in ORDER:
        raise ImportError("CYRESAMPLE_CPU_DISPATCH must be one of %s, got %r" % ("|".join(ORDER), cap))
    allowed = ORDER[:ORDER.index(cap) + 1]
    built = built_variants()
    for name in reversed(allowed):
        if name in built and name in supported:
            return name
    raise ImportError("no usable cyresample kernel module (built: %s)" % built)


def load(name):
    """Import and return the kernel module of variant ``name``."""
    return importlib.import_module("cyresample._kernels_" + name)


SELECTED = _choose()
kernels = load(SELECTED)
