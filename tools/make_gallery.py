"""Regenerate the pictures of docs/gallery.md (docs/gallery/*.png).

    python tools/make_gallery.py [--out docs/gallery] [--synthetic]

Works offline. The photograph is scikit-image's bundled ``skimage.data.astronaut()``
(NASA, public domain) when scikit-image is installed (``pip install scikit-image``),
else a synthetic test card drawn here (``--synthetic`` forces it). The aliasing
figure uses a zone plate and the volume figure a synthetic 3-D phantom, both
computed here. Needs matplotlib (docs/requirements.txt) and Pillow.

Every panel shows the array cyresample returned, pixel for pixel (matplotlib draws it
with ``interpolation="nearest"``, so no second resampling hides anything). The PNGs are
palette-quantized to keep the gallery small (< 1 MB in all).
"""
import argparse
import io
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.exists(os.path.join(ROOT, "cyresample", "__init__.py")):
    sys.path.insert(0, ROOT)

import cyresample  # noqa: E402


# --------------------------------------------------------------------------------------------
# source images
# --------------------------------------------------------------------------------------------


def test_card(n=512):
    """A synthetic colour test card: discs, a colour ramp, fine lines and text-like bars."""
    y, x = np.mgrid[0:n, 0:n] / n
    img = np.zeros((n, n, 3))
    img[..., 0] = x
    img[..., 1] = y
    img[..., 2] = 1 - x
    for cy, cx, r, c in ((0.3, 0.3, 0.18, (1, 0.9, 0.2)), (0.35, 0.7, 0.12, (0.1, 0.2, 0.8)),
                         (0.72, 0.5, 0.2, (0.9, 0.3, 0.3))):
        disc = (y - cy) ** 2 + (x - cx) ** 2 < r ** 2
        img[disc] = c
    lines = (np.floor(x * n / 3) % 2 == 0) & (y > 0.05) & (y < 0.15)
    img[lines] = 0
    ring = np.abs(np.hypot(y - 0.72, x - 0.5) - 0.1) < 0.006
    img[ring] = 1
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def photo(synthetic):
    """(name, HWC uint8 image) of the source photograph."""
    if not synthetic:
        try:
            from skimage import data
            return "skimage.data.astronaut()", data.astronaut()
        except Exception:  # noqa: BLE001 - not installed, or the bundled file is missing
            pass
    return "synthetic test card", test_card()


def zone_plate(n=512):
    """cos(pi k r^2): the local frequency grows linearly to Nyquist at the edge."""
    y, x = (np.mgrid[0:n, 0:n] - n / 2 + 0.5) / (n / 2)
    return 0.5 + 0.5 * np.cos(np.pi * (n / 2) * (x ** 2 + y ** 2) / 2)


def phantom(n=96):
    """A (Z, Y, X) float32 volume: nested ellipsoids, a bright rod and a striped slab."""
    z, y, x = (np.mgrid[0:n, 0:n, 0:n] + 0.5) / n * 2 - 1
    v = np.zeros((n, n, n), np.float32)
    v[(x / 0.8) ** 2 + (y / 0.9) ** 2 + (z / 0.85) ** 2 < 1] = 0.6
    v[(x / 0.7) ** 2 + (y / 0.8) ** 2 + (z / 0.75) ** 2 < 1] = 0.25
    v[((x + 0.3) / 0.15) ** 2 + ((y - 0.2) / 0.25) ** 2 + (z / 0.5) ** 2 < 1] = 0.9
    v[((x - 0.3) / 0.2) ** 2 + ((y - 0.1) / 0.15) ** 2 + (z / 0.6) ** 2 < 1] = 0.05
    v[(np.hypot(x - 0.05, y + 0.45) < 0.05)] = 1.0
    stripes = (np.abs(y - 0.45) < 0.2) & (np.abs(x) < 0.5) & (np.floor((x + 1) * n / 4) % 2 == 0)
    v[stripes] = 0.8
    return v


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------


def _grid(plt, panels, cols, size=1.9, gray=False, title=None):
    """A figure of labelled panels; the first (the input) is display-filtered when large,
    the others are drawn pixel for pixel."""
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size, rows * (size + 0.32)), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, (ax, (label, img)) in enumerate(zip(axes.ravel(), panels)):
        kw = dict(cmap="gray", vmin=0, vmax=1) if gray else {}
        # panels are ~190 px wide: a 512-pixel input shown "nearest" would alias on screen
        big = i == 0 and img.shape[0] > 2 * size * 100
        ax.imshow(img, interpolation="antialiased" if big else "nearest", **kw)
        ax.set_title(label, fontsize=7.5)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout(pad=0.3)
    return fig


def _save(plt, fig, path, colors=128):
    """Save ``fig`` as a palette PNG (grey figures as 8-bit grey)."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    buf.seek(0)
    img = Image.open(buf).convert("RGB")
    arr = np.asarray(img)
    if np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 1], arr[..., 2]):
        img = Image.fromarray(arr[..., 0])
    else:
        img = img.quantize(colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    img.save(path, optimize=True)
    return os.path.getsize(path)


def fig_upsampling(plt, name, img):
    crop = img[84:116, 190:222] if name.startswith("skimage") else img[130:162, 130:162]   # an eye
    panels = [("input 32x32", crop)]
    for mode in ("nearest", "nearest-exact", "linear", "cubic", "lanczos", "area"):
        y = cyresample.resize(crop, (256, 256), axes=(0, 1), mode=mode)
        panels.append(("%s x8" % mode, y))
    y = cyresample.resize(crop, (256, 256), axes=(0, 1), mode="cubic", align_corners=True)
    panels.append(("cubic, align_corners", y))
    return _grid(plt, panels, 4, title="Upsampling a 32x32 uint8 crop to 256x256, every mode")


def fig_downsampling(plt, name, img):
    panels = [("input 512x512 (display-filtered)", img)]
    for mode, aa in (("nearest", False), ("nearest-exact", False), ("linear", False), ("linear", True),
                     ("cubic", True), ("lanczos", True), ("area", False)):
        y = cyresample.resize(img, (64, 64), axes=(0, 1), mode=mode, antialias=aa)
        panels.append(("%s%s" % (mode, ", antialias" if aa else ""), y))
    return _grid(plt, panels, 4, title="Downsampling 512x512 to 64x64 (shown pixel for pixel)")


def fig_aliasing(plt):
    zp = zone_plate(512)
    panels = [("input 512x512 (display-filtered)", zp)]
    for mode, aa in (("nearest", False), ("linear", False), ("linear", True), ("cubic", False),
                     ("cubic", True), ("lanczos", True), ("area", False)):
        y = cyresample.resize(zp, (128, 128), mode=mode, antialias=aa)
        panels.append(("%s%s" % (mode, ", antialias" if aa else ""), y))
    return _grid(plt, panels, 4, gray=True,
                 title="Aliasing: 512 to 128 without and with antialias (moire = aliasing)")


def fig_volume(plt):
    v = phantom(96)
    mid = v.shape[0] // 2
    panels = [("(96, 96, 96) slice z=48", v[mid])]
    small = {}
    for mode, aa in (("nearest", False), ("linear", False), ("linear", True), ("area", False)):
        s = cyresample.resize(v, (24, 24, 24), mode=mode, antialias=aa)   # all three axes
        small[(mode, aa)] = s
        panels.append(("%s%s to 24\u00b3" % (mode, ", aa" if aa else ""), s[12]))
    up = cyresample.resize(small[("linear", True)], (96, 96, 96), mode="cubic")
    panels.append(("linear aa 24\u00b3, back up: cubic", up[mid]))
    aniso = cyresample.resize(v, (24, 96, 96), axes=(0, 1, 2), mode="linear", antialias=True)
    panels.append(("z only: (24, 96, 96)", aniso[12]))
    thick = cyresample.resize(v, (96, 48, 48), mode="area")
    panels.append(("area, y and x only", thick[mid]))
    return _grid(plt, panels, 4, gray=True,
                 title="A 3-D volume resized on all axes with resize(); the middle slice")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "gallery"))
    p.add_argument("--synthetic", action="store_true", help="use the synthetic test card, not skimage")
    args = p.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(args.out, exist_ok=True)
    name, img = photo(args.synthetic)
    print("source photograph: %s %s" % (name, img.shape))
    total = 0
    for fname, make in (("upsampling.png", lambda: fig_upsampling(plt, name, img)),
                        ("downsampling.png", lambda: fig_downsampling(plt, name, img)),
                        ("aliasing.png", lambda: fig_aliasing(plt)),
                        ("volume.png", lambda: fig_volume(plt))):
        size = _save(plt, make(), os.path.join(args.out, fname))
        total += size
        print("%-18s %7.1f kB" % (fname, size / 1e3))
    print("total %.1f kB" % (total / 1e3))
    if total > 1e6:
        print("gallery is over 1 MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
