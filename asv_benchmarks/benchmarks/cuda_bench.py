"""asv benchmarks of the CUDA backend (CuPy arrays). Skipped (NotImplementedError in
``setup``, asv's convention) where CuPy or a CUDA device is missing.

Each timed call synchronises the device at the end, so the time is the GPU work plus the
Python dispatch; plan tables and compiled kernels are warm (``setup`` runs one call).
"""
import numpy as np


def _cupy():
    try:
        from cyresample import _cuda_module
    except ImportError:
        raise NotImplementedError("cyresample not importable")
    if not _cuda_module.available():
        raise NotImplementedError("needs CuPy and a CUDA device")
    import cupy
    return cupy


def _input(cupy, shape, dtype, channels_last=False):
    rs = np.random.RandomState(0)
    a = (rs.rand(*shape) * 255).astype(dtype) if np.dtype(dtype).kind == "u" else rs.randn(*shape).astype(dtype)
    if channels_last:
        a = np.ascontiguousarray(a.transpose(0, 2, 3, 1))
        return cupy.asarray(a).transpose(0, 3, 1, 2)
    return cupy.asarray(a)


class CudaInterpolate2D:
    """4-D images: the separable, product, area and gather kernels."""
    params = (["nearest", "bilinear", "bicubic", "bilinear-aa", "area"],
              ["float32", "float16", "uint8"], [0.5, 2.0])
    param_names = ["mode", "dtype", "scale"]
    timeout = 120

    def setup(self, mode, dtype, scale):
        cupy = _cupy()
        import cyresample
        if mode == "area" and dtype == "uint8" and scale > 1:
            raise NotImplementedError("upsampling area is a copy")
        self.cupy = cupy
        self.x = _input(cupy, (4, 3, 512, 512), dtype)
        kw = dict(scale_factor=scale, mode=mode.replace("-aa", ""))
        if mode.endswith("-aa"):
            kw["antialias"] = True
        if mode == "area":
            kw["scale_factor"] = min(scale, 0.5)
        self.kw = kw
        self.f = cyresample.interpolate
        self.f(self.x, **kw)
        cupy.cuda.Device().synchronize()

    def time_interpolate(self, mode, dtype, scale):
        self.f(self.x, **self.kw)
        self.cupy.cuda.Device().synchronize()


class CudaChannelsLast:
    """NHWC batches (the product kernel and channels-last passes)."""
    params = ([3, 16, 64],)
    param_names = ["channels"]

    def setup(self, channels):
        cupy = _cupy()
        import cyresample
        self.cupy = cupy
        self.x = _input(cupy, (8, channels, 128, 128), "float32", channels_last=True)
        self.f = cyresample.interpolate
        self.f(self.x, size=(200, 200), mode="bilinear")
        cupy.cuda.Device().synchronize()

    def time_bilinear(self, channels):
        self.f(self.x, size=(200, 200), mode="bilinear")
        self.cupy.cuda.Device().synchronize()


class CudaLargeDownscale:
    """Antialias with a large filter support (taps from global memory)."""
    params = ([8, 64],)
    param_names = ["factor"]

    def setup(self, factor):
        cupy = _cupy()
        import cyresample
        self.cupy = cupy
        self.x = _input(cupy, (1, 3, 2048, 2048), "float32")
        self.size = (2048 // factor, 2048 // factor)
        self.f = cyresample.interpolate
        self.f(self.x, size=self.size, mode="bicubic", antialias=True)
        cupy.cuda.Device().synchronize()

    def time_bicubic_aa(self, factor):
        self.f(self.x, size=self.size, mode="bicubic", antialias=True)
        self.cupy.cuda.Device().synchronize()


class CudaDispatchOverhead:
    """A tiny call: validation/plan caches, argument marshalling, one launch."""

    def setup(self):
        cupy = _cupy()
        import cyresample
        self.cupy = cupy
        self.x = _input(cupy, (1, 1, 8, 8), "float32")
        self.f = cyresample.interpolate
        self.f(self.x, size=(4, 4), mode="bilinear")
        cupy.cuda.Device().synchronize()

    def time_small_call(self):
        self.f(self.x, size=(4, 4), mode="bilinear")
        self.cupy.cuda.Device().synchronize()
