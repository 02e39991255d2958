"""asv benchmarks: cyresample on Dask arrays with the local threaded scheduler.

Skipped (``NotImplementedError`` in setup) when dask is not installed. The input is a
persisted (in-memory) Dask array, so only graph construction and the resampling tasks are
timed; ``time_in_memory`` is the NumPy baseline on the same values. ``tools/bench_dask.py``
measures larger arrays and the distributed scheduler.
"""
import numpy as np

try:
    import dask
    import dask.array as da
except ImportError:  # pragma: no cover - optional dependency
    dask = da = None

SHAPE = (1, 4, 2048, 2048)          # 64 MiB of float32
CHUNKS = (1, 1, 512, 512)           # 1 MiB chunks

CASES = {
    "bilinear-aa-x0.5": dict(scale_factor=0.5, mode="bilinear", antialias=True),
    "bicubic-x2": dict(scale_factor=2, mode="bicubic"),
    "area-x0.25": dict(scale_factor=0.25, mode="area"),
    "nearest-x0.1": dict(scale_factor=0.1, mode="nearest"),
}


def _input():
    rng = np.random.default_rng(0)
    return rng.random(SHAPE, dtype=np.float32)


class DaskLocal:
    """``cyresample.dask.interpolate(x).compute(scheduler="threads")``."""

    params = list(CASES)
    param_names = ["case"]
    timeout = 300

    def setup(self, case):
        if da is None:
            raise NotImplementedError("dask is not installed")
        import cyresample.dask  # noqa: F401
        self.np_x = _input()
        self.x = da.from_array(self.np_x, chunks=CHUNKS).persist(scheduler="threads")
        self.kw = CASES[case]

    def time_graph(self, case):
        import cyresample.dask as cd
        cd.interpolate(self.x, **self.kw)

    def time_compute(self, case):
        import cyresample.dask as cd
        cd.interpolate(self.x, **self.kw).compute(scheduler="threads")

    def peakmem_compute(self, case):
        import cyresample.dask as cd
        cd.interpolate(self.x, **self.kw).compute(scheduler="threads")

    def time_in_memory(self, case):
        import cyresample
        cyresample.interpolate(self.np_x, **self.kw)

    def peakmem_in_memory(self, case):
        import cyresample
        cyresample.interpolate(self.np_x, **self.kw)


class DaskLocalLazyInput:
    """Input chunks generated lazily (never whole): peak memory stays near a few chunks."""

    params = ["bilinear-aa-x0.5", "area-x0.25"]
    param_names = ["case"]
    timeout = 300

    def setup(self, case):
        if da is None:
            raise NotImplementedError("dask is not installed")
        self.x = da.random.default_rng(0).random((1, 4, 4096, 4096), chunks=(1, 1, 1024, 1024),
                                                 dtype=np.float32)
        self.kw = CASES[case]

    def time_sum(self, case):
        import cyresample.dask as cd
        cd.interpolate(self.x, **self.kw).sum().compute(scheduler="threads")

    def peakmem_sum(self, case):
        import cyresample.dask as cd
        cd.interpolate(self.x, **self.kw).sum().compute(scheduler="threads")
