"""asv benchmarks over the case matrix of ``python -m cyresample bench``.

The cases come from ``cyresample._bench.build_cases`` (one source for both the
side-by-side command and asv). Each case is timed with a fresh output and with
``out=``, at 1 and 2 threads, and its peak memory is tracked; ``peakmem_reference``
is the memory of the input and output arrays alone, so the difference is the
scratch memory cyresample needs.
"""
import numpy as np

import cyresample
from cyresample import _bench

_CASES = {c.id: c for c in _bench.build_cases()}
_IDS = sorted(_CASES)


class Interpolate:
    params = (_IDS, [1, 2])
    param_names = ["case", "threads"]
    timeout = 120

    def setup(self, case_id, threads):
        case = _CASES[case_id]
        self.kwargs = case.kwargs
        self.x = case.make_input()
        self.out = cyresample.interpolate(self.x, **self.kwargs)
        cyresample.set_num_threads(threads)

    def teardown(self, case_id, threads):
        cyresample.set_num_threads(None)

    def time_interpolate(self, case_id, threads):
        cyresample.interpolate(self.x, **self.kwargs)

    def time_interpolate_out(self, case_id, threads):
        cyresample.interpolate(self.x, out=self.out, **self.kwargs)


class Memory:
    params = (_IDS,)
    param_names = ["case"]
    timeout = 120

    def setup(self, case_id):
        case = _CASES[case_id]
        self.kwargs = case.kwargs
        self.x = case.make_input()
        self.out_shape = cyresample.interpolate(self.x, **self.kwargs).shape

    def peakmem_interpolate(self, case_id):
        cyresample.interpolate(self.x, **self.kwargs)

    def peakmem_reference(self, case_id):
        # the result's own bytes, without any kernel work
        np.ones(self.out_shape, self.x.dtype)


class PerCallOverhead:
    """(1,1,8,8) -> 16x16: the Python overhead of a call (the spec's goal: <= 4 us)."""

    params = (["bilinear", "nearest", "bicubic", "area"],)
    param_names = ["mode"]

    def setup(self, mode):
        self.x = np.random.default_rng(0).random((1, 1, 8, 8), dtype=np.float32)
        self.size = (16, 16) if mode != "area" else (4, 4)
        self.mode = mode
        cyresample.interpolate(self.x, size=self.size, mode=mode)

    def time_call(self, mode):
        cyresample.interpolate(self.x, size=self.size, mode=self.mode)


class CpuVariants:
    """The same case on every CPU variant the machine supports (imported directly)."""

    params = (["baseline", "avx2", "avx512"], ["A up2 bilinear", "A down2 bicubic aa", "D u8 224 bilinear aa"])
    param_names = ["variant", "case"]
    timeout = 120

    def setup(self, variant, case_id):
        from cyresample import _api, _backend_cpu, _cpuinfo, _dispatch
        if variant not in _dispatch.built_variants() or variant not in _cpuinfo.supported_variants():
            raise NotImplementedError("variant not available here")
        self._saved = _backend_cpu._kernels
        _backend_cpu._kernels = _dispatch.load(variant)
        _api._EXECUTORS.clear()
        case = _CASES[case_id]
        self.kwargs = case.kwargs
        self.x = case.make_input()

    def teardown(self, variant, case_id):
        from cyresample import _api, _backend_cpu
        _backend_cpu._kernels = self._saved
        _api._EXECUTORS.clear()

    def time_interpolate(self, variant, case_id):
        cyresample.interpolate(self.x, **self.kwargs)
