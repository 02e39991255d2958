"""Side-by-side benchmark: cyresample against every installed peer, one process.

``python -m cyresample bench`` runs the case matrix of the benchmark spec
(docs/benchmarks.md) for cyresample, PyTorch, OpenCV, Pillow and SciPy where
installed, interleaving the tools (each round starting one tool later: A B C,
B C A, ...), and prints for every case and thread count: median and best
milliseconds, the ratio to torch, the ratio to the fastest equivalent peer,
and the multiple of the memory-copy floor measured in the same run (input +
output bytes at the bandwidth of a large ``np.copyto``).

Two OpenMP runtimes live in this process when torch is imported (torch ships
its own); their idle threads spin and steal the other runtime's cores, so the
command sets ``OMP_WAIT_POLICY=PASSIVE`` for both before they start (it
re-executes itself when needed). Speed claims belong here, never in tests.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

# --------------------------------------------------------------------------------------------
# the case matrix (docs/benchmarks.md)
# --------------------------------------------------------------------------------------------


class Case:
    """One benchmark row: an input, an ``interpolate`` call, and the peers that compute
    the same (or an equivalent) operation."""

    def __init__(self, cid, shape, dtype, layout, kwargs, group):
        self.id = cid
        self.shape = shape
        self.dtype = np.dtype(dtype)
        self.layout = layout          # "nchw" or "cl" (channels-last memory)
        self.kwargs = kwargs
        self.group = group            # matrix letter, for --cases

    def make_input(self):
        rng = np.random.default_rng(0)
        if self.dtype == np.uint8:
            x = rng.integers(0, 256, self.shape, dtype=np.uint8)
        else:
            x = rng.random(self.shape, dtype=np.float64).astype(self.dtype)
        if self.layout == "cl":
            nd = x.ndim
            perm = [0] + list(range(2, nd)) + [1]
            x = np.ascontiguousarray(x.transpose(perm)).transpose(np.argsort(perm))
        return x


def _ops_2d(prefix, shape, dtype, layout, group, ops):
    table = {
        "up2 nearest": dict(scale_factor=2, mode="nearest"),
        "up2 bilinear": dict(scale_factor=2, mode="bilinear"),
        "up2 bicubic": dict(scale_factor=2, mode="bicubic"),
        "down2 nearest": dict(scale_factor=0.5, mode="nearest"),
        "down2 bilinear": dict(scale_factor=0.5, mode="bilinear"),
        "down2 bilinear aa": dict(scale_factor=0.5, mode="bilinear", antialias=True),
        "down2 bicubic aa": dict(scale_factor=0.5, mode="bicubic", antialias=True),
        "down2 area": dict(scale_factor=0.5, mode="area"),
        "224 bilinear aa": dict(size=(224, 224), mode="bilinear", antialias=True),
        "224 bicubic aa": dict(size=(224, 224), mode="bicubic", antialias=True),
    }
    return [Case("%s %s" % (prefix, op), shape, dtype, layout, table[op], group) for op in ops]


def build_cases():
    """The full matrix: groups A-I of the benchmark spec."""
    allops = ["up2 nearest", "up2 bilinear", "up2 bicubic", "down2 nearest", "down2 bilinear",
              "down2 bilinear aa", "down2 bicubic aa", "down2 area"]
    cases = []
    cases += _ops_2d("A", (1, 3, 1024, 1024), np.float32, "nchw", "A", allops)
    cases += _ops_2d("B cl", (1, 3, 1024, 1024), np.float32, "cl", "B", allops)
    cases += _ops_2d("C", (8, 64, 128, 128), np.float32, "nchw", "C", ["up2 nearest", "up2 bilinear"])
    dops = ["224 bilinear aa", "224 bicubic aa", "up2 bilinear", "up2 bicubic"]
    cases += _ops_2d("D u8", (1, 3, 1024, 1024), np.uint8, "nchw", "D", dops)
    cases += _ops_2d("D u8 cl", (1, 3, 1024, 1024), np.uint8, "cl", "D", dops)
    e = (1, 1, 128, 128, 128)
    cases += [Case("E up2 trilinear", e, np.float32, "nchw", dict(scale_factor=2, mode="trilinear"), "E"),
              Case("E down2 trilinear", e, np.float32, "nchw", dict(scale_factor=0.5, mode="trilinear"), "E"),
              Case("E up2 nearest", e, np.float32, "nchw", dict(scale_factor=2, mode="nearest"), "E"),
              Case("E down2 area", e, np.float32, "nchw", dict(scale_factor=0.5, mode="area"), "E")]
    cases += [Case("F f64 1-D up2 linear", (1, 1, 4096), np.float64, "nchw",
                   dict(scale_factor=2, mode="linear"), "F")]
    cases += _ops_2d("F f64", (1, 3, 2048, 2048), np.float64, "nchw", "F", ["up2 bilinear", "down2 bilinear"])
    for s in (256, 512, 1024, 2048, 4096):
        cases.append(Case("G %d up2 bilinear" % s, (1, 1, s, s), np.float32, "nchw",
                          dict(scale_factor=2, mode="bilinear"), "G"))
    cases += [Case("H 8x8->16 bilinear", (1, 1, 8, 8), np.float32, "nchw", dict(size=(16, 16), mode="bilinear"), "H"),
              Case("H 8x8->16 nearest", (1, 1, 8, 8), np.float32, "nchw", dict(size=(16, 16), mode="nearest"), "H")]
    i = (1, 4, 64, 64, 64)
    cases += [Case("I f16 up2 trilinear", i, np.float16, "nchw", dict(scale_factor=2, mode="trilinear"), "I"),
              Case("I f16 down2 area", i, np.float16, "nchw", dict(scale_factor=0.5, mode="area"), "I")]
    return cases


# --------------------------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------------------------


def _available(name):
    try:
        __import__(name)
        return True
    except Exception:  # noqa: BLE001 - any import failure means "not installed here"
        return False


def peers_for(case, x, y_ref):
    """Callables ``f()`` of the installed peers for ``case`` (name -> (fn, equivalent))."""
    kw = case.kwargs
    mode = kw["mode"]
    aa = kw.get("antialias", False)
    out = {}
    if _available("torch"):
        import torch
        import torch.nn.functional as F
        if case.dtype.name in ("float16", "float32", "float64", "uint8"):
            tx = torch.from_numpy(x)
            out["torch"] = (lambda: F.interpolate(tx, **kw), True)
    nd = x.ndim - 2
    oshape = y_ref.shape
    if nd == 2 and _available("cv2") and not kw.get("align_corners") and case.dtype.name in ("float32", "float64", "uint8"):
        import cv2
        flag = {"nearest": cv2.INTER_NEAREST, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC,
                "area": cv2.INTER_AREA}.get(mode)
        if flag is not None and not aa:
            # Like cyresample's two columns: "opencv" makes a fresh output per call (what a user
            # does), "opencv out=" writes into a pre-touched one (compared with cyresample out=).
            H, W = oshape[2:]
            if case.layout == "cl" and x.shape[1] <= 4:
                hwc = x[0].transpose(1, 2, 0)  # the NHWC memory as HWC
                pre = cv2.resize(hwc, (W, H), interpolation=flag)
                out["opencv"] = (lambda: cv2.resize(hwc, (W, H), interpolation=flag), True)
                out["opencv out="] = (lambda: cv2.resize(hwc, (W, H), dst=pre, interpolation=flag), False)
            else:
                def cv_planes(dst=None, W=W, H=H, flag=flag):
                    dst = np.empty(oshape, x.dtype) if dst is None else dst
                    for n in range(x.shape[0]):
                        for c in range(x.shape[1]):
                            cv2.resize(x[n, c], (W, H), dst=dst[n, c], interpolation=flag)
                    return dst
                pre = cv_planes()
                out["opencv"] = (cv_planes, True)
                out["opencv out="] = (lambda: cv_planes(pre), False)
    if nd == 2 and _available("PIL") and aa and mode in ("bilinear", "bicubic") and \
            case.dtype.name in ("uint8", "float32"):
        from PIL import Image
        resample = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}[mode]
        H, W = oshape[2:]
        if case.dtype == np.uint8 and x.shape[1] == 3:
            img = Image.fromarray(np.ascontiguousarray(x[0].transpose(1, 2, 0)))
            out["pillow"] = (lambda: img.resize((W, H), resample), True)
        elif case.dtype == np.float32:
            imgs = [Image.fromarray(np.ascontiguousarray(x[n, c]), mode="F") for n in range(x.shape[0])
                    for c in range(x.shape[1])]
            out["pillow"] = (lambda: [im.resize((W, H), resample) for im in imgs], True)
    if nd in (1, 3) and _available("scipy") and mode in ("nearest", "linear", "trilinear") and \
            not kw.get("align_corners") and case.dtype.name in ("float32", "float64"):
        from scipy import ndimage
        order = 0 if mode == "nearest" else 1
        zoom = (1, 1) + tuple(o / i for o, i in zip(oshape[2:], x.shape[2:]))
        out["scipy"] = (lambda: ndimage.zoom(x, zoom, order=order, grid_mode=True, mode="nearest"), False)
    return out


def _time_interleaved(fns, budget):
    """Run the callables interleaved until each has used ~budget seconds; per-call times.

    Each round starts one callable later than the one before (A B C, B C A, C A B, ...), so
    that every tool runs as often right after each other one: what a call finds in the
    caches (its input, warm from the call before it, or evicted by another tool's large
    output) is spread evenly instead of always favouring the same tool."""
    times = {k: [] for k in fns}
    for f in fns.values():  # warm-up
        f()
    spent = {k: 0.0 for k in fns}
    deadline = time.perf_counter() + budget * len(fns) * 3
    order = list(fns.items())
    start = 0
    while True:
        for k, f in order[start:] + order[:start]:
            t = time.perf_counter()
            f()
            dt = time.perf_counter() - t
            times[k].append(dt)
            spent[k] += dt
        start = (start + 1) % len(order)
        if all(s >= budget and len(times[k]) >= 5 for k, s in spent.items()) or time.perf_counter() > deadline:
            break
    return times


def copy_bandwidth():
    """Bytes/s of a large ``np.copyto`` (read + write), best of several."""
    src = np.ones(64 << 20, np.uint8)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    best = min(_timeit(lambda: np.copyto(dst, src)) for _ in range(5))
    return 2 * src.nbytes / best


def _timeit(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def _set_threads(n):
    import cyresample
    cyresample.set_num_threads(n)
    if _available("torch"):
        import torch
        torch.set_num_threads(n)
    if _available("cv2"):
        import cv2
        cv2.setNumThreads(n)


def run(cases, threads, budget, out_variant=True):
    """Benchmark ``cases`` at each thread count; returns a list of result dicts."""
    import cyresample
    bw = copy_bandwidth()
    rows = []
    for n in threads:
        _set_threads(n)
        for case in cases:
            x = case.make_input()
            y = cyresample.interpolate(x, **case.kwargs)
            fns = {"cyresample": lambda x=x, kw=case.kwargs: cyresample.interpolate(x, **kw)}
            if out_variant:
                pre = np.empty_like(y)
                pre.fill(0)
                fns["cyresample out="] = lambda x=x, kw=case.kwargs, pre=pre: cyresample.interpolate(x, out=pre, **kw)
            peers = peers_for(case, x, y)
            for name, (fn, _) in peers.items():
                fns[name] = fn
            times = _time_interleaved(fns, budget)
            floor_s = (x.nbytes + y.nbytes) / bw
            med = {k: statistics.median(v) for k, v in times.items()}
            row = {"case": case.id, "threads": n, "floor_ms": floor_s * 1e3,
                   "median_ms": {k: v * 1e3 for k, v in med.items()},
                   "best_ms": {k: min(v) * 1e3 for k, v in times.items()},
                   "equivalent": {k: eq for k, (fn, eq) in peers.items()}}
            rows.append(row)
            _print_row(row)
    return {"bandwidth_GBps": bw / 1e9, "rows": rows, "machine": machine_facts()}


def machine_facts():
    """Where the numbers were taken."""
    import cyresample
    cfg = cyresample._config.config()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    facts = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
             "numpy": np.__version__, "cyresample": cfg["version"],
             "cpu_variant": cfg["cpu_variant_selected"], "openmp": cfg["openmp"]}
    for mod in ("torch", "cv2", "PIL", "scipy"):
        if _available(mod):
            facts[mod] = getattr(__import__(mod), "__version__", "?")
    return facts


_HEADER = ("%-26s %2s %9s %9s %9s %7s %7s %7s %7s  %s" %
           ("case", "T", "cyr med", "cyr best", "out= med", "x torch", "x peer", "x p.out", "x floor",
            "peers (median ms)"))


def _print_row(row):
    if not getattr(_print_row, "header", False):
        print(_HEADER)
        _print_row.header = True
    med, best = row["median_ms"], row["best_ms"]
    cy = med["cyresample"]
    torch_ratio = med["torch"] / cy if "torch" in med else float("nan")
    eq = [k for k, e in row["equivalent"].items() if e and k != "torch"]
    peer_ratio = min(med[k] for k in eq) / cy if eq else float("nan")
    peers = ", ".join("%s %.3g" % (k, v) for k, v in med.items() if not k.startswith("cyresample"))
    print("%-26s %2d %9.3f %9.3f %9.3f %7.2f %7.2f %7.2f %7.2f  %s" % (
        row["case"], row["threads"], cy, best["cyresample"], med.get("cyresample out=", float("nan")),
        torch_ratio, peer_ratio, _peer_out_ratio(row), cy / row["floor_ms"], peers), flush=True)


def _peer_out_ratio(row):
    """Fastest peer writing into a pre-touched output / cyresample ``out=`` (NaN if none)."""
    med = row["median_ms"]
    outs = [v for k, v in med.items() if k.endswith(" out=") and not k.startswith("cyresample")]
    if not outs or "cyresample out=" not in med:
        return float("nan")
    return min(outs) / med["cyresample out="]


def markdown_report(result):
    """The docs report: machine facts and the table."""
    lines = ["# Benchmark report", "",
             "Generated by `python -m cyresample bench --report docs/benchmarks.md`.", "",
             "## Machine", ""]
    for k, v in result["machine"].items():
        lines.append("- %s: %s" % (k, v))
    lines.append("- copy bandwidth (np.copyto, read+write): %.1f GB/s" % result["bandwidth_GBps"])
    lines += ["", "## Results", "",
              "Median ms; `x torch` = torch median / cyresample median (higher is better for "
              "cyresample); `x peer` = fastest equivalent peer (OpenCV, Pillow) / cyresample, both "
              "making a fresh output per call; `x peer out=` = OpenCV writing into a pre-touched "
              "output / cyresample `out=`; `x floor` = cyresample median / copy floor of "
              "input+output bytes.", "",
              "| case | threads | cyresample | out= | torch | x torch | best peer | x peer | x peer out= "
              "| x floor |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for row in result["rows"]:
        med = row["median_ms"]
        cy = med["cyresample"]
        eq = [k for k, e in row["equivalent"].items() if e and k != "torch"]
        best_peer = min(eq, key=lambda k: med[k]) if eq else None
        out_ratio = _peer_out_ratio(row)
        lines.append("| %s | %d | %.3f | %.3f | %s | %s | %s | %s | %s | %.2f |" % (
            row["case"], row["threads"], cy, med.get("cyresample out=", float("nan")),
            "%.3f" % med["torch"] if "torch" in med else "-",
            "%.2f" % (med["torch"] / cy) if "torch" in med else "-",
            "%s %.3f" % (best_peer, med[best_peer]) if best_peer else "-",
            "%.2f" % (med[best_peer] / cy) if best_peer else "-",
            "%.2f" % out_ratio if out_ratio == out_ratio else "-", cy / row["floor_ms"]))
    return "\n".join(lines) + "\n"


def plot(result, path):
    """Bar chart of the speed-up over torch per case and thread count (needs matplotlib)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [r for r in result["rows"] if "torch" in r["median_ms"]]
    threads = sorted({r["threads"] for r in rows})
    cases = []
    for r in rows:
        if r["case"] not in cases:
            cases.append(r["case"])
    fig, ax = plt.subplots(figsize=(10, max(4, 0.28 * len(cases))))
    h = 0.8 / max(len(threads), 1)
    for k, t in enumerate(threads):
        vals = []
        for c in cases:
            r = [r for r in rows if r["case"] == c and r["threads"] == t]
            vals.append(r[0]["median_ms"]["torch"] / r[0]["median_ms"]["cyresample"] if r else 0)
        ax.barh(np.arange(len(cases)) + k * h, vals, height=h, label="%d thread%s" % (t, "s" * (t > 1)))
    ax.axvline(1, color="k", lw=0.8)
    ax.axvline(3, color="g", lw=0.8, ls="--")
    ax.set_yticks(np.arange(len(cases)) + h * (len(threads) - 1) / 2)
    ax.set_yticklabels(cases, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("speed-up over torch 2.13 (median time ratio; dashed: 3x goal)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    """``python -m cyresample bench`` (see ``--help``)."""
    p = argparse.ArgumentParser(prog="cyresample bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", default="", help="comma-separated substrings or group letters (A-I) to run")
    p.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2 (default)")
    p.add_argument("--quick", action="store_true", help="short timing budget (~0.05 s per tool)")
    p.add_argument("--budget", type=float, default=0.3, help="seconds of timing per tool and case")
    p.add_argument("--json", help="write the raw results here")
    p.add_argument("--report", help="write a markdown report here (and a PNG plot next to it)")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    args = p.parse_args(argv)
    if os.environ.get("OMP_WAIT_POLICY", "").upper() != "PASSIVE" and not args.list:
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
        return subprocess.call([sys.executable, "-m", "cyresample", "bench"] + list(argv or []), env=env)
    cases = build_cases()
    if args.cases:
        keys = [k.strip() for k in args.cases.split(",") if k.strip()]
        cases = [c for c in cases if any(k == c.group or k.lower() in c.id.lower() for k in keys)]
    if args.list:
        for c in cases:
            print("%-26s %s %s %s %s" % (c.id, c.shape, c.dtype, c.layout, c.kwargs))
        return 0
    if not cases:
        print("no case matches %r" % args.cases, file=sys.stderr)
        return 2
    try:
        threads = [int(t) for t in args.threads.split(",") if t.strip()]
    except ValueError:
        print("--threads must be comma-separated integers, got %r" % args.threads, file=sys.stderr)
        return 2
    budget = 0.05 if args.quick else args.budget
    result = run(cases, threads, budget)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.report:
        with open(args.report, "w") as f:
            f.write(markdown_report(result))
        try:
            png = os.path.splitext(args.report)[0] + ".png"
            plot(result, png)
            with open(args.report, "a") as f:
                f.write("\n![speed-up over torch](%s)\n" % os.path.basename(png))
        except ImportError:
            print("matplotlib is not installed: no plot", file=sys.stderr)
    return 0
