"""cyresample: PyTorch's ``interpolate`` for NumPy arrays, compiled with Cython.

The public API mirrors ``torch.nn.functional.interpolate`` and its aliases:
same output shapes, same values (bit-exact where PyTorch is deterministic),
same exception types, without PyTorch installed.
"""
from ._version import __version__
from ._api import interpolate
from ._adjoint import interpolate_adjoint
from ._resize import resize
from ._modules import (
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from ._threads import get_num_threads, set_num_threads, threads
from ._config import show_config

__all__ = [
    "__version__",
    "interpolate",
    "interpolate_adjoint",
    "resize",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "get_num_threads",
    "set_num_threads",
    "threads",
    "show_config",
]
