"""Shared fixtures: the golden vectors, the (optional) live torch oracle, and running the
calls on one CPU variant's kernels.

torch is optional: nothing here imports it at module level. The ``torch_interpolate`` fixture
imports it on first use and skips the requesting test when it is not installed (or is not the
torch 2.13 line the semantics are pinned to). The oracle always runs with
``torch.set_num_threads(2)``: torch's bilinear picks another kernel for C == 3 with a single
thread (spec §3.1, F14), and cyresample reproduces the multi-threaded choice.
"""
import os

import pytest

from cases import Golden
from cyresample import _api, _backend_cpu, _dispatch

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
TORCH_THREADS = 2
TORCH_LINE = "2.13."


@pytest.fixture(scope="session")
def golden():
    return Golden(GOLDEN_DIR)


_TORCH = {}


def _load_torch():
    if "mod" not in _TORCH:
        try:
            import torch
            import torch.nn.functional as F
        except ImportError:
            torch = F = None
        if torch is not None:
            torch.set_num_threads(TORCH_THREADS)
        _TORCH["mod"] = (torch, F)
    return _TORCH["mod"]


@pytest.fixture(scope="session")
def torch_module():
    """The torch module (threads set to 2), or skip."""
    torch, _ = _load_torch()
    if torch is None:
        pytest.skip("torch is not installed (live-oracle tests need it; golden tests do not)")
    if not torch.__version__.startswith(TORCH_LINE):
        pytest.skip("live oracle needs torch %sx (semantics are pinned to it), found %s"
                    % (TORCH_LINE, torch.__version__))
    return torch


@pytest.fixture(scope="session")
def torch_interpolate(torch_module):
    """``f(x: np.ndarray, **kwargs) -> np.ndarray`` running F.interpolate with 2 threads.

    ``torch.from_numpy`` keeps the array's strides, so a channels-last view reaches torch as a
    channels_last tensor (which selects torch's channels-last kernels, spec §3.1)."""
    torch = torch_module
    F = _load_torch()[1]

    def run(x, **kwargs):
        if torch.get_num_threads() != TORCH_THREADS:    # someone changed it; never use 1 thread
            torch.set_num_threads(TORCH_THREADS)
        return F.interpolate(torch.from_numpy(x), **kwargs).numpy()

    return run


@pytest.fixture
def variant_kernels(monkeypatch):
    """``use(name)``: later calls run on CPU variant ``name``'s kernels (prepared calls are
    dropped on the way in and out, so none keeps another variant's kernels)."""
    def use(name):
        monkeypatch.setattr(_backend_cpu, "_kernels", _dispatch.load(name))
        _api._EXECUTORS.clear()
    yield use
    _api._EXECUTORS.clear()
