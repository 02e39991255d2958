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
        would use), ``cpu_count``.
    """
    from ._threads import get_num_threads
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
    }


def show_config(file=None):
    """Print the build and runtime configuration (see :func:`config`).

    Parameters
    ----------
    file : file-like, optional
        Where to print; ``sys.stdout`` by default.
    """
    for key, value in config().items():
        print("%-24s %s" % (key + ":", value), file=file or sys.stdout)
