"""``cyresample resize``: resize ``.npy``/``.npz`` files and images from the command line.

Examples::

    cyresample resize in.png out.png --size 512 512 --mode bicubic --antialias
    cyresample resize volume.npy small.npy --scale 0.5 --axes 0 1 2 --mode area
    cyresample resize frames/*.png thumbs/ --size 128 128 --antialias --threads 4

Arrays go through :func:`cyresample.resize` (any rank, any axes; default: the
last two axes, or the last ``k`` when ``k`` sizes/scales are given). Images
(read and written with Pillow, when installed) are ``(H, W)`` or
``(H, W, C)`` arrays resized on axes ``(0, 1)``; their dtype (uint8 for
most files) is preserved. Several inputs need an output directory. Large
arrays are resized in slabs along an axis that is not resampled (the result
is the same bit for bit), read from and written to memory-mapped ``.npy``
files, with a progress bar on stderr.

Exit status: 0 on success, 2 for a usage error (bad option, missing input,
bad mode or size), 1 when a file cannot be read, resized or written.
"""
import argparse
import math
import os
import sys
import time
import zipfile

import numpy as np

DESCRIPTION = """\
Resize .npy/.npz arrays and images with cyresample.resize (PyTorch's interpolate
semantics on any axes).

  arrays   any rank; resized on --axes (default: the last two axes, or the last k
           when k --size/--scale values are given); dtype preserved
  .npz     every array of rank >= 2 (or those named by --key); others copied
  images   through Pillow (when installed): (H, W) or (H, W, C) arrays resized on
           axes (0, 1), uint8 stays uint8; --size is HEIGHT WIDTH

Several inputs need an output directory (created when missing); the files keep
their names. Large arrays are resized in slabs along an axis that is not resized
(the same result bit for bit), memory-mapped from and to .npy files."""

EPILOG = """\
examples:
  cyresample resize in.png out.png --size 512 512 --mode bicubic --antialias
  cyresample resize volume.npy small.npy --scale 0.5 --axes 0 1 2 --mode area
  cyresample resize frames/*.png thumbs/ --size 128 128 --antialias --threads 4
  cyresample resize data.npz half.npz --scale 0.5 --key image --key mask

exit status: 0 success, 2 usage error (bad option, missing input, bad mode or
size), 1 a file could not be read, resized or written."""

#: arrays with at least this many input bytes are resized in slabs (progress, bounded memory)
SLAB_BYTES = 64 << 20


class UsageError(Exception):
    """Bad command line (exit status 2)."""


class JobError(Exception):
    """A file that cannot be read, resized or written (exit status 1)."""


# --------------------------------------------------------------------------------------------
# argument parsing
# --------------------------------------------------------------------------------------------


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("size must be a positive integer, got %r" % text) from None
    if value < 1:
        raise argparse.ArgumentTypeError("size must be a positive integer, got %r" % text)
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("scale must be a positive number, got %r" % text) from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("scale must be a positive finite number, got %r" % text)
    return value


def _threads(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("threads must be an integer, got %r" % text) from None
    if value == 0:
        raise argparse.ArgumentTypeError("threads must be nonzero (negative counts back from all cores)")
    return value


def add_parser(subparsers):
    """Add the ``resize`` subcommand to ``subparsers``; returns its parser."""
    from ._resize import MODES

    p = subparsers.add_parser(
        "resize", help="resize .npy/.npz files and images (PNG, JPEG, TIFF... through Pillow)",
        usage="cyresample resize INPUT [INPUT ...] OUTPUT (--size N [N ...] | --scale F [F ...]) [options]",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="input files (.npy, .npz or an image), then the output file or directory "
                        "(a directory when there are several inputs; created if missing)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--size", "-s", nargs="+", type=_positive_int, metavar="N",
                      help="output length of each resized axis, in array order (images: HEIGHT WIDTH); "
                           "one value applies to every resized axis")
    what.add_argument("--scale", nargs="+", type=_positive_float, metavar="F",
                      help="scale factor of each resized axis (output length trunc(n * F)); one value "
                           "applies to every resized axis")
    p.add_argument("--mode", "-m", default="linear", choices=sorted(MODES), metavar="MODE",
                   help="linear (default), cubic, nearest, nearest-exact, area, lanczos; PyTorch's names "
                        "bilinear, trilinear, bicubic are accepted")
    p.add_argument("--antialias", "-a", action="store_true",
                   help="antialias when downsampling (linear, cubic; lanczos always is)")
    p.add_argument("--align-corners", action="store_true", help="align corner pixel centres (linear, cubic)")
    p.add_argument("--axes", nargs="+", type=int, metavar="AXIS",
                   help="axes of .npy/.npz arrays to resize (default: the last two, or the last k when "
                        "k sizes or scales are given); images are always resized on (0, 1)")
    p.add_argument("--key", "-k", action="append", metavar="NAME",
                   help=".npz: resize only this array (repeatable); the others are copied unchanged. "
                        "Default: every array of rank >= the number of resized axes (>= 2 for one "
                        "--size/--scale value without --axes)")
    p.add_argument("--threads", "-j", type=_threads, metavar="N",
                   help="kernel threads (default: OpenMP's, OMP_NUM_THREADS; -1 = all cores)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: for several files or large arrays, when "
                        "stderr is a terminal)")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    return p


# --------------------------------------------------------------------------------------------
# progress bar: plain text on stderr
# --------------------------------------------------------------------------------------------


class Progress:
    """A text progress bar: ``\\r``-redrawn on a terminal, one line per step otherwise."""

    WIDTH = 30

    def __init__(self, enabled, stream=None):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()
        self.last = -1.0
        self.fraction = -1.0
        self.shown = False
        self.last_len = 0

    def update(self, fraction, note=""):
        if not self.enabled:
            return
        fraction = min(max(fraction, 0.0), 1.0)
        now = time.perf_counter()
        if self.tty and fraction < 1.0 and now - self.last < 0.1:
            return
        if not self.tty and fraction <= self.fraction:  # a log: one line per step forward
            return
        self.fraction = fraction
        self.last = now
        filled = int(round(fraction * self.WIDTH))
        line = "[%s%s] %3d%% %6.1fs %s" % ("#" * filled, "." * (self.WIDTH - filled), round(fraction * 100),
                                           now - self.t0, note)
        if self.tty:
            pad = max(0, self.last_len - len(line))
            self.stream.write("\r" + line + " " * pad)
            self.last_len = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.shown = True

    def close(self):
        if self.enabled and self.tty and self.shown:
            self.stream.write("\n")
            self.stream.flush()


# --------------------------------------------------------------------------------------------
# reading and writing
# --------------------------------------------------------------------------------------------


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _kind(path):
    """'npy', 'npz' or 'image' from the file name."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".npy":
        return "npy"
    if suffix == ".npz":
        return "npz"
    return "image"


def _check_image_path(path, role):
    Image = _pillow()
    if Image is None:
        raise UsageError("%s %r is not .npy/.npz; images need Pillow (pip install pillow)" % (role, path))
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in Image.registered_extensions():
        raise UsageError("%s %r: unknown file type %r (use .npy, .npz or an image type Pillow knows, "
                         "e.g. .png, .jpg, .tif)" % (role, path, suffix or "(no extension)"))


def read_image(path):
    """An image file as an array: (H, W) or (H, W, C), Pillow's dtype (uint8 for most files)."""
    Image = _pillow()
    with Image.open(path) as img:
        if img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode == "PA":
            img = img.convert("RGBA")
        elif img.mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
            img = img.convert("L" if img.mode == "1" else "RGB")
        return np.asarray(img).copy()


def write_image(path, arr, name=None):
    """Write (H, W) or (H, W, C) ``arr`` to ``path`` with Pillow (``name``: the path to report)."""
    Image = _pillow()
    name = name or path
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    ok = (arr.ndim == 2 and arr.dtype in (np.uint8, np.uint16, np.int32, np.float32)) or \
         (arr.ndim == 3 and arr.shape[2] in (2, 3, 4) and arr.dtype == np.uint8)
    if not ok:
        raise JobError("cannot write a %s array of shape %s as an image (%s): images are (H, W) or "
                       "(H, W, 2|3|4) uint8; write .npy instead" % (arr.dtype, arr.shape, name))
    try:
        Image.fromarray(np.ascontiguousarray(arr)).save(path)
    except (OSError, ValueError, KeyError) as e:
        raise JobError("cannot write %s: %s" % (name, e)) from None


def _temp_path(path):
    d, name = os.path.split(path)
    return os.path.join(d, ".%s.%d.tmp%s" % (name, os.getpid(), os.path.splitext(name)[1]))


# --------------------------------------------------------------------------------------------
# the job
# --------------------------------------------------------------------------------------------


class Spec:
    """What to do to each array: ``resize`` keywords plus the axes rule."""

    def __init__(self, args):
        self.size = args.size
        self.scale = args.scale
        self.axes = args.axes
        self.mode = args.mode
        self.antialias = args.antialias
        self.align_corners = args.align_corners
        self.keys = args.key
        self.count = len(self.size or self.scale)

    def default_axes(self, ndim):
        k = self.count if self.count > 1 else min(2, ndim)
        return tuple(range(ndim - k, ndim)) if k <= ndim else None

    def axes_for(self, ndim, image):
        if image:
            if ndim < 2:
                return None
            return (0, 1)
        if self.axes is not None:
            return tuple(self.axes)
        return self.default_axes(ndim)

    def kwargs(self, axes):
        k = len(axes)
        values = self.size if self.size is not None else self.scale
        if len(values) == 1:
            values = values * k
        elif len(values) != k:
            raise JobError("%d %s values for %d axes %s" % (len(values), "--size" if self.size else "--scale",
                                                            k, axes))
        kw = dict(axes=axes, mode=self.mode, antialias=self.antialias, align_corners=self.align_corners)
        if self.size is not None:
            kw["shape"] = tuple(values)
        else:
            kw["scale"] = tuple(values)
        return kw


def _result_shape(x, kw):
    """The output shape ``resize(x, **kw)`` gives (interpolate's rule: ``trunc(n * scale)``)."""
    shape = list(x.shape)
    for j, a in enumerate(kw["axes"]):
        if "shape" in kw:
            shape[a] = kw["shape"][j]
        else:
            shape[a] = int(math.trunc(float(x.shape[a]) * kw["scale"][j]))
    return tuple(shape)


def resize_array(x, kw, out=None, report=None):
    """``cyresample.resize(x, **kw)``, in slabs along a non-resampled axis when ``x`` is large.

    Slabs give the same result bit for bit (axes that are not resampled are independent).
    ``report(fraction)`` is called after each slab.
    """
    import cyresample
    try:
        axes = [a % x.ndim if -x.ndim <= a < x.ndim else a for a in kw["axes"]]
        others = [d for d in range(x.ndim) if d not in axes and x.shape[d] > 1]
        if x.nbytes < SLAB_BYTES or not others:
            y = cyresample.resize(x, out=out, **kw)
            if report:
                report(1.0)
            return y
        if out is None:
            out = np.empty(_result_shape(x, kw), x.dtype)
        ax = others[0]
        n = x.shape[ax]
        per = max(1, int(n * SLAB_BYTES // max(x.nbytes, 1)))
        index = [slice(None)] * x.ndim
        for start in range(0, n, per):
            index[ax] = slice(start, min(n, start + per))
            cyresample.resize(x[tuple(index)], out=out[tuple(index)], **kw)
            if report:
                report(min(n, start + per) / n)
        return out
    except (ValueError, TypeError, NotImplementedError, RuntimeError, OverflowError) as e:
        raise JobError(str(e)) from None


def process(src, dst, spec, report):
    """Resize one file ``src`` into ``dst``. Returns a one-line summary."""
    kin, kout = _kind(src), _kind(dst)
    t0 = time.perf_counter()
    if kin == "npz":
        if kout != "npz":
            raise JobError("%s: an .npz archive can only be written as .npz, not %s" % (src, dst))
        return _process_npz(src, dst, spec, report, t0)
    try:
        if kin == "npy":
            x = np.load(src, mmap_mode="r", allow_pickle=False)
            if not x.flags.c_contiguous and not x.flags.f_contiguous:
                x = np.asarray(x)
        else:
            x = read_image(src)
    except (OSError, ValueError, SyntaxError) as e:
        raise JobError("cannot read %s: %s" % (src, e)) from None
    if x.dtype.hasobject:
        raise JobError("%s: object arrays cannot be resized" % src)
    axes = spec.axes_for(x.ndim, kin == "image")
    if axes is None:
        raise JobError("%s: array of shape %s has fewer axes than the %d to resize" % (src, x.shape, spec.count))
    kw = spec.kwargs(axes)
    tmp = _temp_path(dst)
    try:
        if kout == "npy":
            try:
                shape = _result_shape(x, kw) if all(-x.ndim <= a < x.ndim for a in axes) else None
            except (TypeError, IndexError):
                shape = None
            if shape is not None and x.nbytes >= SLAB_BYTES and all(s > 0 for s in shape):
                out = np.lib.format.open_memmap(tmp, mode="w+", dtype=x.dtype, shape=shape)
                y = resize_array(x, kw, out=out, report=report)
                out.flush()
                del out
            else:
                y = resize_array(x, kw, report=report)
                with open(tmp, "wb") as f:
                    np.save(f, y, allow_pickle=False)
        elif kout == "npz":
            raise JobError("%s: write a single array as .npy, not .npz" % dst)
        else:
            y = resize_array(x, kw, report=report)
            write_image(tmp, y, dst)
        shape_out = tuple(y.shape)
        os.replace(tmp, dst)
    except OSError as e:
        raise JobError("cannot write %s: %s" % (dst, e)) from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    dt = time.perf_counter() - t0
    return "%s: %s -> %s axes %s %s -> %s (%.1f ms)" % (src, tuple(x.shape), shape_out, tuple(axes), x.dtype,
                                                      dst, dt * 1e3)


def _process_npz(src, dst, spec, report, t0):
    try:
        with zipfile.ZipFile(src) as zf:
            compressed = any(i.compress_type != zipfile.ZIP_STORED for i in zf.infolist())
        archive = np.load(src, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise JobError("cannot read %s: %s" % (src, e)) from None
    with archive:
        keys = list(archive.files)
        # default selection: every array of rank >= the number of resized axes (>= 2 when one
        # size/scale value and no --axes are given); 0-d and 1-d metadata are copied unchanged
        need = len(spec.axes) if spec.axes is not None else max(2, spec.count)
        if spec_keys_missing(spec, keys):
            raise JobError("%s has no array named %s (it has: %s)" % (src, ", ".join(spec_keys_missing(spec, keys)),
                                                                       ", ".join(keys)))
        results, done = {}, []
        for i, key in enumerate(keys):
            try:
                x = archive[key]
            except ValueError as e:
                raise JobError("cannot read %s[%s]: %s" % (src, key, e)) from None
            selected = key in spec.keys if spec.keys else x.ndim >= need and not x.dtype.hasobject
            if selected:
                axes = spec.axes_for(x.ndim, False)
                if axes is None:
                    raise JobError("%s[%s]: array of shape %s has fewer axes than the %d to resize"
                                   % (src, key, x.shape, spec.count))
                try:
                    y = resize_array(x, spec.kwargs(axes))
                except JobError as e:
                    hint = "" if spec.keys else " (choose the arrays to resize with --key NAME)"
                    raise JobError("%s[%s]: %s%s" % (src, key, e, hint)) from None
                done.append("%s %s->%s" % (key, tuple(x.shape), tuple(y.shape)))
            else:
                y = x
            results[key] = y
            report((i + 1) / len(keys))
    tmp = _temp_path(dst)
    try:
        with open(tmp, "wb") as f:
            (np.savez_compressed if compressed else np.savez)(f, **results)
        os.replace(tmp, dst)
    except OSError as e:
        raise JobError("cannot write %s: %s" % (dst, e)) from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    dt = time.perf_counter() - t0
    return "%s: %s; %d other array(s) copied -> %s (%.1f ms)" % (src, ", ".join(done) or "no array resized",
                                                               len(keys) - len(done), dst, dt * 1e3)


def spec_keys_missing(spec, keys):
    return [k for k in (spec.keys or ()) if k not in keys]


def plan_outputs(paths):
    """(inputs, [(src, dst)]) from the positional paths; raises UsageError."""
    if len(paths) < 2:
        raise UsageError("give at least one input and an output (file or directory)")
    inputs, target = paths[:-1], paths[-1]
    for src in inputs:
        if not os.path.exists(src):
            raise UsageError("input %r does not exist" % src)
        if os.path.isdir(src):
            raise UsageError("input %r is a directory (give the files, e.g. %s)" % (src, os.path.join(src, "*.png")))
    into_dir = os.path.isdir(target) or len(inputs) > 1 or target.endswith(("/", os.sep))
    if into_dir:
        if os.path.exists(target) and not os.path.isdir(target):
            raise UsageError("several inputs need an output directory; %r is a file" % target)
        if not os.path.exists(target) and os.path.splitext(target.rstrip("/" + os.sep))[1]:
            raise UsageError("several inputs need an output directory; %r looks like a file name "
                             "(give a directory, it is created when missing)" % target)
        names = [os.path.basename(s) for s in inputs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise UsageError("several inputs have the same file name %s: they would overwrite each other in %r"
                             % (", ".join(dupes), target))
        pairs = [(s, os.path.join(target, os.path.basename(s))) for s in inputs]
    else:
        pairs = [(inputs[0], target)]
    for src, dst in pairs:
        for path, role in ((src, "input"), (dst, "output")):
            if _kind(path) == "image":
                _check_image_path(path, role)
    return into_dir, pairs


def run(args):
    """Run ``cyresample resize`` with parsed ``args``; returns the exit status."""
    from ._resize import MODES

    prog = "cyresample resize"

    def say(text):
        if not args.quiet:
            print(text)

    try:
        kind = MODES[args.mode]
        if args.antialias and kind in ("nearest", "nearest-exact", "area"):
            raise UsageError("--antialias works with linear, cubic and lanczos modes, not %r" % args.mode)
        if args.align_corners and kind not in ("linear", "cubic"):
            raise UsageError("--align-corners works with linear and cubic modes, not %r" % args.mode)
        if args.axes is not None:
            if len(set(args.axes)) != len(args.axes):
                raise UsageError("--axes has a repeated axis: %s" % " ".join(map(str, args.axes)))
            count = len(args.size or args.scale)
            if count > 1 and count != len(args.axes):
                raise UsageError("%d --axes but %d %s values" % (len(args.axes), count,
                                                                "--size" if args.size else "--scale"))
        into_dir, pairs = plan_outputs(args.paths)
        if args.axes is not None and any(_kind(s) == "image" for s, _ in pairs):
            raise UsageError("--axes applies to .npy/.npz inputs; images are resized on axes (0, 1)")
        if into_dir:
            os.makedirs(args.paths[-1], exist_ok=True)
    except UsageError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return 2
    except OSError as e:
        print("%s: error: cannot create the output directory: %s" % (prog, e), file=sys.stderr)
        return 1

    spec = Spec(args)
    big = False
    for src, _ in pairs:
        try:
            big = big or os.path.getsize(src) >= SLAB_BYTES
        except OSError:
            pass
    show = args.progress if args.progress is not None else (
        not args.quiet and (len(pairs) > 1 or big) and sys.stderr.isatty())
    bar = Progress(bool(show))
    import cyresample
    status = 0
    try:
        with cyresample.threads(args.threads):
            for i, (src, dst) in enumerate(pairs):
                note = "%d/%d %s" % (i + 1, len(pairs), os.path.basename(src))

                def report(fraction, i=i, note=note):
                    bar.update((i + fraction) / len(pairs), note)

                report(0.0)
                try:
                    line = process(src, dst, spec, report)
                except JobError as e:
                    bar.close()
                    print("%s: error: %s" % (prog, e), file=sys.stderr)
                    status = 1
                    break
                if bar.enabled and bar.tty and not args.quiet:
                    bar.stream.write("\r" + " " * bar.last_len + "\r")
                say(line)
            else:
                bar.update(1.0, "%d file(s) done" % len(pairs))
    except KeyboardInterrupt:
        bar.close()
        print("%s: interrupted" % prog, file=sys.stderr)
        return 130
    bar.close()
    return status
