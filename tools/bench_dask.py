"""Benchmark cyresample on Dask: in memory vs the local threaded scheduler vs a LocalCluster.

Usage (from the repository root, with ``pip install "dask[array]" distributed``)::

    python tools/bench_dask.py                       # 1 GiB float32, bilinear antialias x0.5
    python tools/bench_dask.py --size-mb 256 --mode bicubic --scale 2 --chunk 512
    python tools/bench_dask.py --json results.json   # also write the rows as JSON

Each configuration runs in a fresh Python process so that peak memory (``ru_maxrss``) is
its own. The input is a ``(1, C, S, S)`` float32 pattern, generated chunk by chunk by Dask for the
Dask runs (never whole in one process) and by NumPy, untimed, for the in-memory run. Rows:

* ``in-memory``: ``cyresample.interpolate(numpy_array)``; the input is built before the clock.
* ``dask threads``: ``da.store(cyresample.interpolate(dask_array), sink)`` on the local threaded
  scheduler, where the sink drops each result chunk (the result streams through, as it would
  into zarr); the ``generate only`` row stores the input alone, so the resampling cost is the
  difference. (A ``.sum()`` consumer would make dask's ordering hold far more chunks at once,
  for any overlapping computation, ``map_overlap`` included.)
* ``cluster``: the same on ``LocalCluster(n_workers=W, threads_per_worker=1, processes=True)``;
  peak memory is the largest ``ru_maxrss`` among the workers.

Throughput is input megabytes (10**6 bytes) per second of wall time. Results are exact either
way (the chunked result equals the in-memory one bit for bit), so only time and memory are
measured here.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size-mb", type=float, default=1024, help="input size in MiB (default 1024)")
    p.add_argument("--channels", type=int, default=4)
    p.add_argument("--chunk", type=int, default=1024, help="spatial chunk edge (default 1024)")
    p.add_argument("--mode", default="bilinear")
    p.add_argument("--scale", type=float, default=0.5)
    p.add_argument("--antialias", type=int, default=1, help="1/0 (default 1)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument("--memory-limit", default="1GB", help="per LocalCluster worker (default 1GB)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per row; the best is kept")
    p.add_argument("--configs", default="in-memory,generate-only,threads,cluster")
    p.add_argument("--json", default=None, help="write the rows to this file too")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _geometry(a):
    itemsize = 4
    side = int(((a.size_mb * 2**20) / (a.channels * itemsize)) ** 0.5)
    side -= side % a.chunk if side >= a.chunk else 0
    return (1, a.channels, side, side), (1, 1, a.chunk, a.chunk)


def _kw(a):
    kw = dict(scale_factor=a.scale, mode=a.mode)
    if a.mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kw["align_corners"] = False
    if a.antialias and a.mode in ("bilinear", "bicubic"):
        kw["antialias"] = True
    if a.mode == "lanczos":
        kw["antialias"] = True
    return kw


def _pattern(loc):
    """A cheap deterministic float32 test pattern for the block at ``loc`` (slices)."""
    import numpy as np
    (n0, n1), (c0, c1), (h0, h1), (w0, w1) = loc
    rows = np.arange(h0, h1, dtype=np.float32) * np.float32(0.37)
    cols = np.sin(np.arange(w0, w1, dtype=np.float32) * np.float32(0.11))
    plane = np.add.outer(rows % np.float32(97), cols).astype(np.float32)
    out = np.empty((n1 - n0, c1 - c0, h1 - h0, w1 - w0), np.float32)
    out[...] = plane
    out += np.arange(c0, c1, dtype=np.float32)[None, :, None, None]
    return out


def _dask_input(shape, chunks):
    """The input as a lazy Dask array, each chunk made by its own task (never whole)."""
    import dask.array as da
    import numpy as np
    from dask.array.core import normalize_chunks
    return da.map_blocks(lambda block_info=None: _pattern(block_info[None]["array-location"]),
                         chunks=normalize_chunks(chunks, shape), dtype=np.float32,
                         meta=np.empty((0, 0, 0, 0), np.float32))


class _Sink:
    """A ``da.store`` target that drops what it is given (the result streams through)."""

    def __setitem__(self, index, value):
        pass


def _peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _child(a):
    import numpy as np
    import cyresample
    shape, chunks = _geometry(a)
    kw = _kw(a)
    nbytes = int(np.prod(shape)) * 4
    row = {"config": a.child, "shape": list(shape), "chunks": list(chunks), "kw": kw}
    if a.child == "in-memory":
        x = _pattern([(0, n) for n in shape])  # the same values, made in place
        cyresample.interpolate(x[:, :, :64, :64], **kw)  # import and plan caches warm
        row["seconds"] = _best(lambda: cyresample.interpolate(x, **kw), a.repeat)
        row["peak_mb"] = [_peak_rss() / 1e6]
    elif a.child in ("threads", "generate-only"):
        import dask.array as da
        import cyresample.dask as cd
        x = _dask_input(shape, chunks)
        y = x if a.child == "generate-only" else cd.interpolate(x, **kw)
        row["seconds"] = _best(lambda: da.store(y, _Sink(), lock=False, scheduler="threads"), a.repeat)
        row["peak_mb"] = [_peak_rss() / 1e6]
    elif a.child == "cluster":
        import dask.array as da
        import distributed
        import cyresample.dask as cd
        x = _dask_input(shape, chunks)
        y = cd.interpolate(x, **kw)
        with distributed.LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                                      memory_limit=a.memory_limit, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            client.run(lambda: __import__("cyresample.dask"))
            row["seconds"] = _best(lambda: da.store(y, _Sink(), lock=False), a.repeat)
            peaks = client.run(lambda: __import__("resource").getrusage(0).ru_maxrss * 1024)
        row["peak_mb"] = [v / 1e6 for v in peaks.values()]
        row["memory_limit"] = a.memory_limit
    else:
        raise SystemExit("unknown config %r" % a.child)
    row["input_mb"] = nbytes / 1e6
    row["mb_per_s"] = nbytes / 1e6 / row["seconds"]
    print("ROW " + json.dumps(row))


def main(argv=None):
    a = _args(argv)
    if a.child:
        return _child(a)
    shape, chunks = _geometry(a)
    print("input %s float32 (%.0f MB), chunks %s, %s; load average %.1f on %d cores"
          % (shape, 4 * shape[1] * shape[2] * shape[3] / 1e6, chunks, _kw(a), os.getloadavg()[0],
             os.cpu_count()))
    rows = []
    forward = [x for x in (argv if argv is not None else sys.argv[1:])]
    for config in a.configs.split(","):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", config] + forward
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        res = subprocess.run(cmd, capture_output=True, text=True, env=env)
        line = [ln for ln in res.stdout.splitlines() if ln.startswith("ROW ")]
        if res.returncode or not line:
            print("%-14s failed:\n%s" % (config, res.stderr[-2000:]))
            continue
        rows.append(json.loads(line[-1][4:]))
    print()
    print("| configuration | wall s | MB/s (input) | peak RSS per process/worker, MB |")
    print("|---|---:|---:|---|")
    for r in rows:
        name = r["config"]
        if name == "cluster":
            name = "LocalCluster %d x 1 thread (limit %s)" % (len(r["peak_mb"]), r["memory_limit"])
        elif name == "threads":
            name = "dask threads (%d)" % os.cpu_count()
        elif name == "generate-only":
            name = "dask threads, generate only"
        print("| %s | %.2f | %.0f | %s |" % (name, r["seconds"], r["mb_per_s"],
                                             ", ".join("%.0f" % v for v in r["peak_mb"])))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
