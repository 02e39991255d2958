#!/usr/bin/env python3
"""Regenerate the golden vectors ``tests/golden/*.npz`` from torch 2.13.0 (CPU).

Usage, from the repository root, with torch 2.13.0 (CPU build, x86-64 with AVX2 or better)::

    python tools/make_golden.py              # rewrite tests/golden/*.npz
    python tools/make_golden.py --measure    # ... and report stock-vs-DEFAULT torch differences

The case matrix is ``tests/cases.py`` (inputs are regenerated there, never stored). This
script refuses to run on any other torch version. It re-executes itself in two subprocesses:

* ``ATEN_CPU_CAPABILITY=default`` (plain IEEE kernels, no fused multiply-add; the evaluation
  order of spec §3.2 that cyresample reproduces bit for bit): every mode except nearest-exact;
* the stock capability (AVX2/AVX512, ``ATEN_CPU_CAPABILITY`` removed from the environment):
  nearest-exact, whose index rounding follows the fused multiply-add of the stock wheel at
  exact ties (spec §6 F3). Refused if the stock capability is DEFAULT.

Both run torch with ``torch.set_num_threads(2)`` (spec §3.1: bilinear C == 3 uses another
kernel with one thread). Cases hitting torch's width-1 antialias defect (spec §7) are not
stored. One file per mode (``<mode>.npz``, ``<mode>_aa.npz`` for antialias): case id -> output
array, plus ``__meta__`` (JSON string): torch version, CPU capability, source build, thread
count, NumPy version, and a digest of every case input (tests fail on a mismatch, so a changed
input generator cannot silently reuse stale outputs).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TESTS = os.path.join(ROOT, "tests")
GOLDEN = os.path.join(TESTS, "golden")
sys.path.insert(0, TESTS)

import cases as C  # noqa: E402

TORCH_VERSION = "2.13.0"
THREADS = 2


def _check_torch_version(version):
    if version.split("+")[0] != TORCH_VERSION:
        sys.exit("make_golden.py: torch %s found, the golden vectors must come from torch %s"
                 % (version, TORCH_VERSION))


def worker(which, out_path, cases_wanted):
    """Run in a subprocess: compute the outputs of the wanted cases with this process' torch."""
    import torch
    import torch.nn.functional as F

    _check_torch_version(torch.__version__)
    cap = torch.backends.cpu.get_cpu_capability()
    if which == "default" and cap != "DEFAULT":
        sys.exit("make_golden.py worker: expected CPU capability DEFAULT, got %s" % cap)
    if which == "stock" and cap == "DEFAULT":
        sys.exit("make_golden.py worker: the stock torch capability is DEFAULT on this machine; "
                 "nearest-exact golden needs the fused (AVX2/AVX512) build")
    torch.set_num_threads(THREADS)
    res = {}
    digests = {}
    failures = []
    for case in cases_wanted:
        x = C.make_input(case)
        try:
            y = F.interpolate(torch.from_numpy(x), **C.call_kwargs(case))
        except Exception as exc:  # noqa: BLE001 - every matrix case must be valid
            failures.append("%s: %s: %s" % (case.id, type(exc).__name__, exc))
            continue
        y = np.ascontiguousarray(y.numpy())
        if y.shape != case.out_shape or y.dtype != x.dtype:
            failures.append("%s: torch shape %r dtype %s, cases.py expects %r %s"
                            % (case.id, y.shape, y.dtype, case.out_shape, x.dtype))
        res[case.id] = y
        digests[case.id] = C.input_digest(x)
    if failures:
        sys.exit("make_golden.py worker (%s): %d invalid cases:\n  %s"
                 % (which, len(failures), "\n  ".join(failures)))
    meta = dict(torch=torch.__version__, capability=cap, threads=torch.get_num_threads(),
                numpy=np.__version__, digests=digests)
    np.savez(out_path, __meta__=np.array(json.dumps(meta)), **res)


def _load(path):
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["__meta__"]))
        return meta, {k: z[k] for k in z.files if k != "__meta__"}


def _run_worker(which, tmp, measure):
    env = dict(os.environ)
    env.pop("ATEN_CPU_CAPABILITY", None)
    if which == "default":
        env["ATEN_CPU_CAPABILITY"] = "default"
    out = os.path.join(tmp, which + ".npz")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", which, "--out", out]
    if measure:
        cmd.append("--all")
    subprocess.run(cmd, env=env, check=True)
    return _load(out)


def _measure(cases, stock, default):
    """Report stock-vs-DEFAULT torch differences on the matrix: exactness of nearest / area,
    nearest-exact tie cases, non-finite disagreements, and per (mode, dtype) the largest
    |diff| / (eps * max|x|) and the arithmetic term the live tolerance needs beyond
    K_COORD * spacing(max in) (see tests/cases.py, live_tolerance)."""
    worst = defaultdict(lambda: [0.0, 0.0, 0, ""])
    tie_cases, nonfinite, bad = [], [], []
    headroom = [np.inf, ""]
    for case in cases:
        a, b = stock[case.id], default[case.id]
        if C.compare(a, b) is None:
            worst[(C.golden_group(case), case.dtype)][2] += 1
            continue
        x = C.make_input(case)
        if case.mode == "nearest-exact":
            tie_cases.append(case.id)
            continue
        if case.mode in ("nearest", "area"):
            bad.append("%s: %s" % (case.id, C.compare(a, b)))
            continue
        if C.compare(a, b, atol=np.inf) is not None:
            nonfinite.append(case.id)
            if C.live_nonfinite_exact(case, x):
                bad.append("%s: %s" % (case.id, C.compare(a, b, atol=np.inf)))
        w = worst[(C.golden_group(case), case.dtype)]
        w[2] += 1
        m = C.max_abs_finite(x)
        fin = np.isfinite(a) & np.isfinite(b)
        if m == 0 or not fin.any():
            continue
        eps = float(np.finfo(case.dtype).eps)
        k_eps = float(np.abs(a[fin].astype(np.float64) - b[fin]).max()) / (eps * m)
        sp = float(np.spacing(np.dtype(case.dtype).type(max(case.in_spatial)))) / eps
        need = k_eps - C.K_COORD * sp
        h = C.live_tolerance(case, x)[0] / (k_eps * eps * m) if k_eps else np.inf
        if h < headroom[0]:
            headroom[:] = [h, case.id]
        if k_eps > w[0]:
            w[0], w[3] = k_eps, case.id
        w[1] = max(w[1], need)
    print("stock (%s) vs DEFAULT torch on %d cases:" % ("this machine's capability", len(cases)))
    print("  nearest-exact cases differing (exact ties, spec F3): %d  %s" % (len(tie_cases), tie_cases))
    print("  cases whose NaN/Inf pattern differs (inf input; see cases.live_nonfinite_exact): %d  %s"
          % (len(nonfinite), nonfinite))
    print("  contract violations (nearest/area inexact, NaN pattern without inf input): %d" % len(bad))
    for line in bad:
        print("    " + line)
    print("  %-14s %-8s %5s %9s %12s  %s" % ("group", "dtype", "cases", "max k_eps", "K_ARITH need",
                                            "worst case"))
    for (g, dt), (k_eps, need, n, cid) in sorted(worst.items()):
        print("  %-14s %-8s %5d %9.3f %12.3f  %s" % (g, dt, n, k_eps, need, cid))
    print("  smallest headroom of the live tolerance (atol / max|diff|): %.2f  %s" % tuple(headroom))
    print("  (k_eps = max|diff| / (eps * max|x|); K_ARITH need = k_eps - K_COORD * spacing(max in)/eps;"
          " tests/cases.py uses K_COORD = %g, K_ARITH = %g)" % (C.K_COORD, C.K_ARITH))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--measure", action="store_true",
                    help="also run every case on both builds and report their differences")
    ap.add_argument("--worker", choices=("default", "stock"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--all", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    todo = [c for c in C.CASES if not c.torch_defect]
    if args.worker:
        if not args.all:
            todo = [c for c in todo if C.golden_source(c) == args.worker]
        worker(args.worker, args.out, todo)
        return

    from importlib.metadata import version
    _check_torch_version(version("torch"))
    with tempfile.TemporaryDirectory() as tmp:
        meta_d, out_d = _run_worker("default", tmp, args.measure)
        meta_s, out_s = _run_worker("stock", tmp, args.measure)
    by_src = {"default": (meta_d, out_d), "stock": (meta_s, out_s)}

    groups = defaultdict(list)
    for case in todo:
        groups[C.golden_group(case)].append(case)
    os.makedirs(GOLDEN, exist_ok=True)
    written = set()
    total = 0
    for name, group in sorted(groups.items()):
        srcs = {C.golden_source(c) for c in group}
        assert len(srcs) == 1, (name, srcs)
        src = srcs.pop()
        meta, outs = by_src[src]
        file_meta = dict(torch=meta["torch"], capability=meta["capability"], source=src,
                         env="ATEN_CPU_CAPABILITY=default" if src == "default" else "(stock)",
                         threads=meta["threads"], numpy=meta["numpy"],
                         generator="tools/make_golden.py",
                         inputs={c.id: meta["digests"][c.id] for c in group})
        path = os.path.join(GOLDEN, name + ".npz")
        np.savez_compressed(path, __meta__=np.array(json.dumps(file_meta, sort_keys=True)),
                            **{c.id: outs[c.id] for c in group})
        written.add(name + ".npz")
        size = os.path.getsize(path)
        total += size
        print("wrote %-40s %4d cases %8d bytes  (%s, %s)"
              % (os.path.relpath(path, ROOT), len(group), size, src, meta["capability"]))
    for f in os.listdir(GOLDEN):
        if f.endswith(".npz") and f not in written:
            os.remove(os.path.join(GOLDEN, f))
            print("removed stale %s" % f)
    print("total %d cases, %d bytes" % (len(todo), total))
    if args.measure:
        _measure(todo, out_s, out_d)


if __name__ == "__main__":
    main()
