#!/usr/bin/env python
"""Benchmark cyresample's CUDA backend (CuPy arrays) against its CPU backend and, when
installed, torch's CUDA kernels; check the GPU results against the CPU while at it.

Needs CuPy and a CUDA device (exits with a message otherwise). Times are medians of GPU
event timings over ``--repeat`` calls after ``--warmup`` calls (the first call compiles
the kernels and uploads the plan tables; it is reported separately).

    python tools/bench_cuda.py [--repeat 20] [--warmup 3] [--quick] [--json FILE]
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np


def workloads(quick):
    """(name, input shape, dtype, layout, interpolate kwargs)."""
    s = 1 if quick else 4
    return [
        ("bilinear up x2 f32", (8, 3, 256 * s // 2, 256 * s // 2), "float32", "c",
         dict(scale_factor=2, mode="bilinear")),
        ("bilinear down x0.5 f32 NHWC", (8, 64, 128 * s, 128 * s), "float32", "cl",
         dict(scale_factor=0.5, mode="bilinear")),
        ("bicubic up x2 f32", (8, 3, 256 * s // 2, 256 * s // 2), "float32", "c",
         dict(scale_factor=2, mode="bicubic")),
        ("bicubic aa down x0.25 f32", (4, 3, 512 * s, 512 * s), "float32", "c",
         dict(scale_factor=0.25, mode="bicubic", antialias=True)),
        ("bilinear aa down /37 f32 (large support)", (1, 3, 2048 * s, 2048 * s), "float32", "c",
         dict(size=(55, 55), mode="bilinear", antialias=True)),
        ("bilinear aa down x0.5 u8 NHWC", (8, 3, 256 * s, 256 * s), "uint8", "cl",
         dict(scale_factor=0.5, mode="bilinear", antialias=True)),
        ("lanczos down x0.5 u8", (8, 3, 256 * s, 256 * s), "uint8", "c",
         dict(scale_factor=0.5, mode="lanczos", antialias=True)),
        ("bilinear up x2 f16", (8, 3, 256 * s // 2, 256 * s // 2), "float16", "c",
         dict(scale_factor=2, mode="bilinear")),
        ("trilinear up x2 f32", (2, 4, 16 * s, 32 * s, 32 * s), "float32", "c",
         dict(scale_factor=2, mode="trilinear")),
        ("area down x4 f32", (8, 16, 128 * s, 128 * s), "float32", "c", dict(scale_factor=0.25, mode="area")),
        ("nearest up x3 f32", (8, 3, 128 * s, 128 * s), "float32", "c", dict(scale_factor=3, mode="nearest")),
        ("nearest-exact up x2 u8 NHWC", (8, 3, 128 * s, 128 * s), "uint8", "cl",
         dict(scale_factor=2, mode="nearest-exact")),
    ]


def make_input(shape, dtype, layout, seed=0):
    rs = np.random.RandomState(seed)
    if np.dtype(dtype).kind == "u":
        a = (rs.rand(*shape) * 255).astype(dtype)
    else:
        a = rs.randn(*shape).astype(dtype)
    if layout == "cl":
        nd = a.ndim
        to_last = (0,) + tuple(range(2, nd)) + (1,)
        back = (0, nd - 1) + tuple(range(1, nd - 1))
        a = np.ascontiguousarray(a.transpose(to_last)).transpose(back)
    return a


def to_device(cupy, a):
    order = sorted(range(a.ndim), key=lambda d: -a.strides[d])
    phys = cupy.asarray(np.ascontiguousarray(a.transpose(order)))
    return phys.transpose(tuple(int(d) for d in np.argsort(order)))


def gpu_time(cupy, fn, repeat, warmup):
    """Median milliseconds of ``fn()`` by CUDA events on the current stream."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop))
    return statistics.median(times)


def cpu_time(fn, repeat):
    times = []
    for _ in range(max(1, repeat // 4)):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="smaller inputs")
    p.add_argument("--no-cpu", action="store_true", help="skip the CPU timings")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)

    import cyresample
    from cyresample import _cuda_module
    if not _cuda_module.available():
        print("bench_cuda: needs CuPy and a CUDA device; none found")
        return 0
    import cupy
    try:
        import torch
        torch = torch if torch.cuda.is_available() else None
    except ImportError:
        torch = None
    dev = cupy.cuda.Device()
    props = cupy.cuda.runtime.getDeviceProperties(dev.id)
    print("device %d: %s, CuPy %s%s" % (dev.id, props["name"].decode(), cupy.__version__,
                                         ", torch %s" % torch.__version__ if torch else ""))
    print("%-42s %10s %10s %10s %10s %8s %s" % ("workload", "first ms", "gpu ms", "GB/s", "cpu ms",
                                              "torch ms", "vs cpu"))
    rows = []
    for name, shape, dtype, layout, kw in workloads(args.quick):
        x = make_input(shape, dtype, layout)
        xd = to_device(cupy, x)
        t0 = time.perf_counter()
        y = cyresample.interpolate(xd, **kw)
        cupy.cuda.get_current_stream().synchronize()
        first = (time.perf_counter() - t0) * 1e3
        ms = gpu_time(cupy, lambda: cyresample.interpolate(xd, **kw), args.repeat, args.warmup)
        gbs = (x.nbytes + y.nbytes) / (ms * 1e-3) / 1e9
        cpu_ms = check = None
        if not args.no_cpu:
            ref = cyresample.interpolate(x, **kw)
            cpu_ms = cpu_time(lambda: cyresample.interpolate(x, **kw), args.repeat)
            host = cupy.asnumpy(y)
            same = np.array_equal(host.view(np.uint8), np.ascontiguousarray(ref).view(np.uint8)) or \
                np.array_equal(host, ref, equal_nan=True)
            check = "identical" if same else "DIFFERS (max %g)" % float(
                np.nanmax(np.abs(host.astype(np.float64) - ref.astype(np.float64))))
        torch_ms = None
        if torch is not None and dtype != "uint8" and not kw.get("mode") == "lanczos":
            xt = torch.as_tensor(xd, device="cuda")
            try:
                torch_ms = gpu_time(cupy, lambda: torch.nn.functional.interpolate(xt, **kw),
                                    args.repeat, args.warmup)
            except (RuntimeError, NotImplementedError):
                torch_ms = None
        rows.append(dict(name=name, shape=shape, dtype=dtype, layout=layout, kwargs=repr(kw),
                         first_ms=first, gpu_ms=ms, gbs=gbs, cpu_ms=cpu_ms, torch_ms=torch_ms, check=check))
        print("%-42s %10.2f %10.3f %10.1f %10s %8s %s" % (
            name, first, ms, gbs, "%.2f" % cpu_ms if cpu_ms is not None else "-",
            "%.3f" % torch_ms if torch_ms is not None else "-", check or ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=props["name"].decode(), cupy=cupy.__version__, rows=rows), f, indent=1)
    return 1 if any(r["check"] and r["check"] != "identical" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
