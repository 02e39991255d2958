"""Build and runtime introspection (``cyresample.show_config``)."""
import sys

import numpy as np

from . import _cpuinfo
from . import _dispatch
from ._dispatch import kernels as _kernels
from ._version import __version__


def config():
    """Return the build and runtime configuration as a dict.

    Returns
    -------
    dict
        Keys: ``version``, ``cpu_variants_built``, ``cpu_variants_supported``,
        ``cpu_variant_selected`` (see ``CYRESAMPLE_CPU_DISPATCH``), ``numpy``,
        ``python``, ``openmp`` (bool), ``threads`` (the count the next call
        would use), ``cpu_count``, and the optional backends: ``cupy``
        (version or ``None``), ``cuda`` (``"N device(s): NAME"``, or why CUDA
        is unavailable), ``dask`` (version or ``None``). CuPy is imported here
        (only here) to count the devices; Dask is not imported.
    """
    from ._threads import get_num_threads
    cupy_version, cuda = _cuda_info()
    return {
        "version": __version__,
        "cpu_variants_built": _dispatch.built_variants(),
        "cpu_variants_supported": _cpuinfo.supported_variants(),
        "cpu_variant_selected": _dispatch.SELECTED,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "openmp": bool(_kernels.openmp_enabled()),
        "threads": get_num_threads(),
        "cpu_count": _kernels.omp_num_procs(),
        "cupy": cupy_version,
        "cuda": cuda,
        "dask": _dist_version("dask"),
    }


def _dist_version(name):
    """The installed version of distribution ``name`` (not imported), or None."""
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _cuda_info():
    """(CuPy version or None, a line on the CUDA devices the CuPy backend can use)."""
    import importlib.util
    if importlib.util.find_spec("cupy") is None:
        return None, "unavailable (CuPy not installed)"
    try:
        import cupy
    except Exception as e:  # noqa: BLE001 - a broken CUDA install must not break show_config
        return None, "unavailable (import cupy failed: %s)" % e
    try:
        n = cupy.cuda.runtime.getDeviceCount()
        names = [cupy.cuda.runtime.getDeviceProperties(i)["name"] for i in range(n)]
    except Exception as e:  # noqa: BLE001 - no driver, no device
        return cupy.__version__, "unavailable (%s)" % e
    names = [v.decode() if isinstance(v, bytes) else str(v) for v in names]
    return cupy.__version__, "%d device(s)%s" % (n, ": " + ", ".join(names) if n else "")


def show_config(file=None):
    """Print the build and runtime configuration (see :func:`config`).

    Parameters
    ----------
    file : file-like, optional
        Where to print; ``sys.stdout`` by default.
    """
    for key, value in config().items():
        print("%-24s %s" % (key + ":", value), file=file or sys.stdout)
