"""Command line: ``python -m cyresample {demo,info,bench,resize}`` (also the ``cyresample`` script).

* ``demo``   resize a sample array in every mode and print what happened;
* ``info``   version, CPU variant, OpenMP and threads (``cyresample.show_config()``);
* ``bench``  side-by-side benchmark (``cyresample._bench``; ``bench --help``);
* ``resize`` resize ``.npy``/``.npz`` files and images (``resize --help``).

Exit status: 0 on success, 2 for a usage error, 1 for a failure.
"""
import argparse
import sys
import time

import numpy as np


def _demo(args):
    import cyresample

    rng = np.random.default_rng(0)
    x = rng.random((1, 3, 64, 48), dtype=np.float32)
    print("cyresample %s demo: input %s %s" % (cyresample.__version__, x.shape, x.dtype))
    calls = [
        ("nearest", dict(scale_factor=2)),
        ("nearest-exact", dict(size=(37, 29))),
        ("bilinear", dict(scale_factor=2)),
        ("bilinear", dict(size=(24, 18), align_corners=True)),
        ("bilinear", dict(size=(16, 12), antialias=True)),
        ("bicubic", dict(scale_factor=(1.5, 0.75))),
        ("bicubic", dict(size=(20, 15), antialias=True)),
        ("area", dict(size=(16, 12))),
        ("lanczos", dict(size=(32, 24), antialias=True)),
    ]
    for mode, kw in calls:
        t0 = time.perf_counter()
        y = cyresample.interpolate(x, mode=mode, **kw)
        dt = (time.perf_counter() - t0) * 1e3
        args_s = ", ".join("%s=%r" % item for item in kw.items())
        print("  %-14s %-40s -> %-16s mean %.4f  (%.2f ms)" % (mode, args_s, y.shape, y.mean(), dt))
    x1 = rng.random((1, 2, 100), dtype=np.float64)
    y1 = cyresample.interpolate(x1, scale_factor=0.29, mode="linear")
    print("  %-14s %-40s -> %-16s mean %.4f" % ("linear", "scale_factor=0.29 (1-D, float64)", y1.shape, y1.mean()))
    x3 = rng.random((1, 1, 16, 16, 16), dtype=np.float32)
    for mode in ("trilinear", "nearest", "area"):
        y3 = cyresample.interpolate(x3, scale_factor=2 if mode != "area" else 0.5, mode=mode)
        print("  %-14s %-40s -> %-16s mean %.4f" % (mode, "3-D volume", y3.shape, y3.mean()))
    return 0


def _info(args):
    import cyresample
    cyresample.show_config()
    return 0


def build_parser():
    """The ``argparse`` parser of the command line (``bench`` parses its own arguments)."""
    from . import _cli_resize

    parser = argparse.ArgumentParser(prog="cyresample", description=__doc__.split("\n\n")[0],
                                     epilog="Run 'cyresample COMMAND --help' for a command's options.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("demo", help="resize a sample array in every mode and print what happened")
    sub.add_parser("info", help="print version, CPU variant, OpenMP and threads, CUDA/CuPy/Dask availability "
                                "(cyresample.show_config())")
    sub.add_parser("bench", help="side-by-side benchmark against torch/OpenCV/Pillow/SciPy "
                                 "(python -m cyresample bench --help)", add_help=False)
    _cli_resize.add_parser(sub)
    return parser


def main(argv=None):
    """Entry point of ``python -m cyresample`` and the ``cyresample`` script.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 for a usage error, 1 for a failure.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "bench":
        from . import _bench
        return _bench.main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2): a status, not an exception
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    if args.command == "resize":
        from . import _cli_resize
        return _cli_resize.run(args)
    return {"demo": _demo, "info": _info}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
