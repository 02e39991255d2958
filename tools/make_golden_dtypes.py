#!/usr/bin/env python3
"""Regenerate the dtype golden vectors ``tests/golden/dtypes/*.npz`` from torch 2.13.0 (CPU).

Usage, from the repository root, with torch 2.13.0 (CPU build, x86-64 with AVX2 or better)
and ``ml_dtypes`` installed::

    python tools/make_golden_dtypes.py              # rewrite tests/golden/dtypes/*.npz
    python tools/make_golden_dtypes.py --measure    # ... and report stock-vs-DEFAULT differences

The case matrix is ``tests/cases_dtypes.py`` (``GOLDEN_CASES``; inputs are regenerated there,
never stored). Like ``tools/make_golden.py`` this script refuses any other torch version and
re-executes itself in two subprocesses, both with ``torch.set_num_threads(2)``:

* the stock capability (AVX2/AVX512; ``ATEN_CPU_CAPABILITY`` removed from the environment):
  every uint8 case (integer-exact kernels; torch's AVX2 uint8 kernel, used for C <= 4, is the
  only torch kernel free of the width-1 defect, spec §7) and the nearest / nearest-exact cases
  (index maps; nearest-exact ties follow the fused build, spec §6 F3);
* ``ATEN_CPU_CAPABILITY=default``: everything else (float16/bfloat16 interpolating modes and
  area, and the float layout cases) -- the plain IEEE evaluation order cyresample reproduces.

Cases on torch's width-1 defect are not stored. Files (``cases_dtypes.golden_group``):
``dtypes_<u8|f16|bf16>_<stock|default>.npz`` and ``dtypes_layouts_<stock|default>.npz``
(strided inputs, see ``cases_dtypes.LAYOUT_CASES``); each maps case id -> output (C order)
plus ``__meta__`` (JSON: torch version, capability, source build, threads, NumPy version, the
digest of every input). bfloat16 outputs are stored as their uint16 bit patterns
(``meta["bfloat16"] == "uint16 bits"``) so the files load without ml_dtypes.

The files live in a sub-directory so that ``tests/conftest.py``'s ``Golden`` (which loads every
``tests/golden/*.npz`` as the float32/float64 matrix of ``tests/cases.py``) does not see them.
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
GOLDEN = os.path.join(TESTS, "golden", "dtypes")
sys.path.insert(0, TESTS)

import cases_dtypes as D  # noqa: E402

TORCH_VERSION = "2.13.0"
THREADS = 2
SIZE_LIMIT = 1_500_000  # bytes, all files together


def _check_torch_version(version):
    if version.split("+")[0] != TORCH_VERSION:
        sys.exit("make_golden_dtypes.py: torch %s found, the golden vectors must come from torch %s"
                 % (version, TORCH_VERSION))


def to_storage(y):
    """bfloat16 -> uint16 bits (loadable without ml_dtypes); everything else unchanged."""
    y = np.ascontiguousarray(y)
    if y.dtype.kind == "V":
        return y.view(np.uint16)
    return y


def worker(which, out_path, cases_wanted):
    """Run in a subprocess: compute the outputs of the wanted cases with this process' torch."""
    import torch
    import torch.nn.functional as F

    _check_torch_version(torch.__version__)
    cap = torch.backends.cpu.get_cpu_capability()
    if which == "default" and cap != "DEFAULT":
        sys.exit("make_golden_dtypes.py worker: expected CPU capability DEFAULT, got %s" % cap)
    if which == "stock" and cap == "DEFAULT":
        sys.exit("make_golden_dtypes.py worker: the stock torch capability is DEFAULT on this "
                 "machine; the uint8 / nearest-exact golden needs the AVX2/AVX512 build")
    torch.set_num_threads(THREADS)
    res, digests, failures = {}, {}, []
    for case in cases_wanted:
        x = D.make_input(case)
        try:
            y = D.torch_interpolate(torch, F, x, **D.C.call_kwargs(case))
        except Exception as exc:  # noqa: BLE001 - every matrix case must be valid
            failures.append("%s: %s: %s" % (case.id, type(exc).__name__, exc))
            continue
        if y.shape != case.out_shape or y.dtype != x.dtype:
            failures.append("%s: torch shape %r dtype %s, cases_dtypes.py expects %r %s"
                            % (case.id, y.shape, y.dtype, case.out_shape, x.dtype))
        res[case.id] = to_storage(y)
        digests[case.id] = D.input_digest(x)
    if failures:
        sys.exit("make_golden_dtypes.py worker (%s): %d invalid cases:\n  %s"
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
    """Report stock-vs-DEFAULT torch differences: which groups are build-independent, and per
    (mode, dtype) the largest |diff| in units of eps(dtype) * max|x| (the live tolerance of
    tests/test_dtypes.py is 1 such unit, 1.5 for bicubic: cases_dtypes.HALF_LIVE_ULPS)."""
    worst = defaultdict(lambda: [0, 0.0, ""])
    for case in cases:
        if case.id not in stock:
            continue
        a, b = stock[case.id], default[case.id]
        w = worst[(case.mode + ("+aa" if case.antialias else ""), case.dtype)]
        w[0] += 1
        if a.dtype == np.uint16 and case.dtype == "bfloat16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
            b = (b.astype(np.uint32) << 16).view(np.float32)
        if np.array_equal(a, b, equal_nan=True):
            continue
        x = D.make_input(case).astype(np.float64)
        m = D.C.max_abs_finite(x)
        fin = np.isfinite(a.astype(np.float64)) & np.isfinite(b.astype(np.float64))
        d = np.abs(a.astype(np.float64)[fin] - b.astype(np.float64)[fin]).max() if fin.any() else 0.0
        if case.dtype == "uint8":
            k = float(d)
        else:
            k = float(d) / (D.dtype_eps(case.dtype) * m) if m else float("inf")
        if k >= w[1]:
            w[1], w[2] = k, case.id
    print("stock vs DEFAULT torch on %d cases (uint8: max |diff| in units; floats: in eps*max|x|):"
          % len(cases))
    for (g, dt), (n, k, cid) in sorted(worst.items()):
        print("  %-14s %-9s %5d cases  max %.3f  %s" % (g, dt, n, k, cid))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--measure", action="store_true",
                    help="also run every case on both builds and report their differences")
    ap.add_argument("--worker", choices=("default", "stock"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--all", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    todo = [c for c in D.GOLDEN_CASES if D.stored(c)]
    if args.worker:
        if not args.all:
            todo = [c for c in todo if D.golden_source(c) == args.worker]
        elif args.worker == "stock":  # the stock build fails these (cases_dtypes.DCase.torch_u8_assert)
            todo = [c for c in todo if not c.torch_u8_assert]
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
        groups[D.golden_group(case)].append(case)
    os.makedirs(GOLDEN, exist_ok=True)
    written, total = set(), 0
    for name, group in sorted(groups.items()):
        srcs = {D.golden_source(c) for c in group}
        assert len(srcs) == 1, (name, srcs)
        src = srcs.pop()
        meta, outs = by_src[src]
        file_meta = dict(torch=meta["torch"], capability=meta["capability"], source=src,
                         env="ATEN_CPU_CAPABILITY=default" if src == "default" else "(stock)",
                         threads=meta["threads"], numpy=meta["numpy"], bfloat16="uint16 bits",
                         generator="tools/make_golden_dtypes.py",
                         inputs={c.id: meta["digests"][c.id] for c in group})
        path = os.path.join(GOLDEN, name + ".npz")
        np.savez_compressed(path, __meta__=np.array(json.dumps(file_meta, sort_keys=True)),
                            **{c.id: outs[c.id] for c in group})
        written.add(name + ".npz")
        size = os.path.getsize(path)
        total += size
        print("wrote %-48s %4d cases %8d bytes  (%s, %s)"
              % (os.path.relpath(path, ROOT), len(group), size, src, meta["capability"]))
    for f in os.listdir(GOLDEN):
        if f.endswith(".npz") and f not in written:
            os.remove(os.path.join(GOLDEN, f))
            print("removed stale %s" % f)
    print("total %d cases, %d bytes" % (len(todo), total))
    if total > SIZE_LIMIT:
        sys.exit("make_golden_dtypes.py: the golden files exceed %d bytes; shrink the matrix" % SIZE_LIMIT)
    if args.measure:
        _measure(todo, out_s, out_d)


if __name__ == "__main__":
    main()
