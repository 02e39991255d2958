"""The command line: ``python -m cyresample`` / the ``cyresample`` script.

Subcommands ``demo``, ``info``, ``bench`` (delegates to ``cyresample._bench``) and
``resize`` (``cyresample._cli_resize``): in-process through ``main([...])`` (fast,
exit status returned) and a few end-to-end runs in a subprocess.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import cyresample
from cyresample import _cli_resize
from cyresample.__main__ import main

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(cyresample.__file__)))


def run_cli(args, cwd, timeout=120):
    """``python -m cyresample ARGS`` in a subprocess, importing the package under test."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "cyresample"] + list(args), cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def pil():
    return pytest.importorskip("PIL.Image")


# --------------------------------------------------------------------------------------------
# subprocess: the real entry point
# --------------------------------------------------------------------------------------------


def test_help_lists_commands(tmp_path):
    r = run_cli(["--help"], tmp_path)
    assert r.returncode == 0, r.stderr
    for cmd in ("demo", "info", "bench", "resize"):
        assert cmd in r.stdout


def test_info_matches_show_config(tmp_path):
    r = run_cli(["info"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert cyresample.__version__ in r.stdout
    for key in cyresample._config.config():
        assert key + ":" in r.stdout


def test_demo_runs(tmp_path):
    r = run_cli(["demo"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "lanczos" in r.stdout and "trilinear" in r.stdout


def test_bench_delegates(tmp_path):
    r = run_cli(["bench", "--help"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "cyresample bench" in r.stdout


def test_no_command_is_usage_error(tmp_path):
    r = run_cli([], tmp_path)
    assert r.returncode == 2
    assert "usage" in r.stderr


def test_resize_npy_subprocess(tmp_path, rng):
    x = rng.random((3, 10, 12)).astype(np.float32)
    np.save(tmp_path / "in.npy", x)
    r = run_cli(["resize", "in.npy", "out.npy", "--size", "5", "7", "--mode", "cubic"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "in.npy" in r.stdout
    y = np.load(tmp_path / "out.npy")
    np.testing.assert_array_equal(y, cyresample.resize(x, (5, 7), axes=(1, 2), mode="cubic"))


@pytest.mark.parametrize("args, message", [
    (["missing.npy", "out.npy", "--size", "4", "4"], "does not exist"),
    (["in.npy", "out.npy", "--size", "4", "4", "--mode", "bogus"], "invalid choice"),
    (["in.npy", "out.npy", "--size", "0", "4"], "positive integer"),
    (["in.npy", "out.npy", "--size", "four"], "positive integer"),
    (["in.npy", "out.npy", "--scale", "-1"], "positive"),
    (["in.npy", "out.npy"], "--size"),
])
def test_resize_usage_errors_subprocess(tmp_path, args, message):
    np.save(tmp_path / "in.npy", np.zeros((4, 4)))
    r = run_cli(["resize"] + args, tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out.npy").exists()


# --------------------------------------------------------------------------------------------
# in-process: main([...])
# --------------------------------------------------------------------------------------------


def test_main_help_returns_zero(capsys):
    assert main(["resize", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--size" in out and "--antialias" in out and "--axes" in out


def test_main_info(capsys):
    assert main(["info"]) == 0
    assert "version:" in capsys.readouterr().out


def test_main_bench_list(capsys):
    assert main(["bench", "--list"]) == 0
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("extra, axes", [
    ([], (1, 2)),                       # default: the last two axes
    (["--axes", "0", "2"], (0, 2)),
    (["--axes", "-1"], (2,)),
])
def test_resize_npy_axes(tmp_path, rng, extra, axes):
    x = rng.random((6, 8, 10))
    np.save(tmp_path / "a.npy", x)
    size = ["5"] if len(axes) == 1 else ["4", "5"]
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--size"] + size + extra
                + ["-q"]) == 0
    shape = tuple(int(s) for s in size)
    want = cyresample.resize(x, shape, axes=axes, mode="linear")
    got = np.load(tmp_path / "b.npy")
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, want)


def test_resize_npy_k_values_take_last_k_axes(tmp_path, rng):
    x = rng.random((4, 6, 8)).astype(np.float32)
    np.save(tmp_path / "a.npy", x)
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--scale", "2", "0.5", "1.5",
                 "--mode", "trilinear", "-q"]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"),
                                  cyresample.resize(x, scale=(2, 0.5, 1.5), axes=(0, 1, 2), mode="linear"))


@pytest.mark.parametrize("mode", ["linear", "cubic", "nearest", "nearest-exact", "area", "lanczos",
                                  "bilinear", "bicubic"])
def test_resize_modes_match_api(tmp_path, rng, mode):
    x = rng.random((2, 12, 9)).astype(np.float32)
    np.save(tmp_path / "a.npy", x)
    extra = ["--antialias"] if mode in ("linear", "bilinear", "cubic", "bicubic") else []
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--size", "5", "4",
                 "--mode", mode, "-q"] + extra) == 0
    want = cyresample.resize(x, (5, 4), axes=(1, 2), mode=mode, antialias=bool(extra))
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), want)


def test_resize_align_corners_and_threads(tmp_path, rng):
    x = rng.random((1, 7, 7))
    np.save(tmp_path / "a.npy", x)
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--size", "13",
                 "--align-corners", "--threads", "1", "-q"]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"),
                                  cyresample.resize(x, 13, axes=(1, 2), align_corners=True))


def test_resize_large_array_in_slabs_is_bit_identical(tmp_path, rng, monkeypatch, capsys):
    monkeypatch.setattr(_cli_resize, "SLAB_BYTES", 4096)
    x = rng.random((9, 16, 20)).astype(np.float32)     # 11520 bytes: three slabs
    np.save(tmp_path / "a.npy", x)
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--scale", "1.5", "0.5",
                 "--mode", "cubic", "--antialias", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "100%" in err and err.count("\n") >= 3      # one progress line per slab (stderr is no tty)
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"),
                                  cyresample.resize(x, scale=(1.5, 0.5), axes=(1, 2), mode="cubic",
                                                    antialias=True))
    assert sorted(os.listdir(tmp_path)) == ["a.npy", "b.npy"]   # no temporary file left


def test_resize_in_place_npy(tmp_path, rng):
    x = rng.random((5, 6))
    np.save(tmp_path / "a.npy", x)
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"), "--size", "3", "3", "-q"]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), cyresample.resize(x, (3, 3)))


def test_resize_npz(tmp_path, rng, capsys):
    img = rng.random((3, 20, 30))
    mask = rng.integers(0, 2, (20, 30)).astype(bool)
    spacing = np.array([0.5, 0.25])
    np.savez_compressed(tmp_path / "d.npz", image=img, mask=mask, spacing=spacing)
    assert main(["resize", str(tmp_path / "d.npz"), str(tmp_path / "e.npz"), "--scale", "0.5",
                 "--mode", "nearest"]) == 0
    assert "1 other array(s) copied" in capsys.readouterr().out
    with np.load(tmp_path / "e.npz") as z:
        assert sorted(z.files) == ["image", "mask", "spacing"]
        np.testing.assert_array_equal(z["image"], cyresample.resize(img, scale=0.5, axes=(1, 2), mode="nearest"))
        np.testing.assert_array_equal(z["mask"], cyresample.resize(mask, scale=0.5, mode="nearest"))
        np.testing.assert_array_equal(z["spacing"], spacing)
    # --key selects; a bool mask under linear is an error that names the array and the fix
    assert main(["resize", str(tmp_path / "d.npz"), str(tmp_path / "f.npz"), "--scale", "0.5", "-k", "image",
                 "-q"]) == 0
    with np.load(tmp_path / "f.npz") as z:
        assert z["mask"].shape == (20, 30) and z["image"].shape == (3, 10, 15)
    assert main(["resize", str(tmp_path / "d.npz"), str(tmp_path / "g.npz"), "--scale", "0.5"]) == 1
    err = capsys.readouterr().err
    assert "mask" in err and "--key" in err
    assert main(["resize", str(tmp_path / "d.npz"), str(tmp_path / "g.npz"), "--scale", "0.5", "-k", "nope"]) == 1
    assert "no array named nope" in capsys.readouterr().err
    assert not (tmp_path / "g.npz").exists()


def test_resize_image_rgb_and_gray(tmp_path, rng, pil):
    rgb = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    gray = rng.integers(0, 256, (40, 50), dtype=np.uint8)
    pil.fromarray(rgb).save(tmp_path / "rgb.png")
    pil.fromarray(gray).save(tmp_path / "gray.png")
    for name, arr in (("rgb.png", rgb), ("gray.png", gray)):
        out = tmp_path / ("small_" + name)
        assert main(["resize", str(tmp_path / name), str(out), "--size", "20", "24", "--mode", "bicubic",
                     "--antialias", "-q"]) == 0
        got = np.asarray(pil.open(out))
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, cyresample.resize(arr, (20, 24), axes=(0, 1), mode="bicubic",
                                                             antialias=True))


def test_resize_image_to_npy_and_back(tmp_path, rng, pil):
    rgb = rng.integers(0, 256, (16, 16, 4), dtype=np.uint8)
    pil.fromarray(rgb).save(tmp_path / "a.png")
    assert main(["resize", str(tmp_path / "a.png"), str(tmp_path / "a.npy"), "--scale", "2", "-q"]) == 0
    y = np.load(tmp_path / "a.npy")
    assert y.shape == (32, 32, 4) and y.dtype == np.uint8
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "b.png"), "--scale", "0.5", "--axes", "0",
                 "1", "-q"]) == 0
    assert np.asarray(pil.open(tmp_path / "b.png")).shape == (16, 16, 4)


def test_resize_many_files_into_directory(tmp_path, rng, pil, capsys):
    names = []
    for i in range(3):
        names.append(str(tmp_path / ("im%d.png" % i)))
        pil.fromarray(rng.integers(0, 256, (30, 20, 3), dtype=np.uint8)).save(names[-1])
    np.save(tmp_path / "arr.npy", rng.random((30, 20)))
    names.append(str(tmp_path / "arr.npy"))
    outdir = tmp_path / "out" / "nested"
    assert main(["resize"] + names + [str(outdir), "--size", "15", "10", "--progress"]) == 0
    cap = capsys.readouterr()
    assert sorted(os.listdir(outdir)) == ["arr.npy", "im0.png", "im1.png", "im2.png"]
    assert np.load(outdir / "arr.npy").shape == (15, 10)
    assert "4/4" in cap.err and "100%" in cap.err
    assert cap.out.count("\n") == 4


@pytest.mark.parametrize("argv, message", [
    (["a.npy", "b.npy", "c.npy", "--size", "2"], "looks like a file name"),
    (["a.npy", "a.npy", "out", "--size", "2"], "same file name"),
    (["a.npy", "b.npy", "--size", "2", "--mode", "nearest", "--antialias"], "--antialias"),
    (["a.npy", "b.npy", "--size", "2", "--mode", "area", "--align-corners"], "--align-corners"),
    (["a.npy", "b.npy", "--size", "2", "3", "--axes", "0"], "--axes"),
    (["a.npy", "b.npy", "--size", "2", "--axes", "0", "0"], "repeated"),
    (["a.npy", "b.npy", "--size", "2", "--threads", "0"], "threads"),
    (["a.npy", "b.xyz", "--size", "2"], "output 'b.xyz'"),   # unknown type, or "needs Pillow"
    (["a.npy", "b.npy", "--size", "2", "--mode", "Bilinear"], "invalid choice"),
    (["a.npy"], "--size"),
    (["a.npy", "--size", "2"], "an output"),
])
def test_resize_usage_errors(tmp_path, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "a.npy", np.zeros((4, 4)))
    np.save(tmp_path / "b.npy", np.zeros((4, 4)))
    assert main(["resize"] + argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["a.npy", "b.npy", "--size", "2", "--axes", "0", "5"], "out of bounds"),
    (["a.npy", "b.npy", "--size", "2", "2", "2"], "fewer axes"),
    (["a.npy", "b.npy", "--scale", "0.01"], "not positive"),
    (["a.npy", "b.npz", "--size", "2"], ".npy"),
    (["bad.npy", "b.npy", "--size", "2"], "cannot read"),
])
def test_resize_job_errors(tmp_path, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "a.npy", np.zeros((4, 4)))
    (tmp_path / "bad.npy").write_bytes(b"not an array")
    assert main(["resize"] + argv) == 1
    err = capsys.readouterr().err
    assert message in err, err
    assert not (tmp_path / "b.npy").exists() and not (tmp_path / "b.npz").exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp.npy")]


def test_resize_float_array_to_image_is_an_error(tmp_path, capsys, pil):
    np.save(tmp_path / "a.npy", np.zeros((4, 4, 3)))
    assert main(["resize", str(tmp_path / "a.npy"), str(tmp_path / "a.png"), "--size", "2", "2"]) == 1
    assert "write .npy instead" in capsys.readouterr().err


def test_resize_axes_with_image_is_usage_error(tmp_path, capsys, pil):
    pil.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "a.png")
    assert main(["resize", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--size", "2", "2",
                 "--axes", "0", "1"]) == 2
    assert "images are resized on axes (0, 1)" in capsys.readouterr().err


def test_progress_bar_on_a_terminal():
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    bar = _cli_resize.Progress(True, stream)
    bar.update(0.5, "x")
    bar.update(1.0, "done")
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r[") and "100%" in text and text.endswith("\n")
    quiet = io.StringIO()
    off = _cli_resize.Progress(False, quiet)
    off.update(1.0)
    off.close()
    assert quiet.getvalue() == ""


def test_bench_interleaving_rotates_the_order():
    # every tool runs right after every other one, not always after the same one
    from cyresample import _bench
    calls = []
    fns = {k: (lambda k=k: calls.append(k)) for k in "abc"}
    times = _bench._time_interleaved(fns, 0.001)  # calls of ~0 s: rounds until the deadline
    counts = [len(v) for v in times.values()]
    assert min(counts) >= 5 and max(counts) - min(counts) <= 1
    rounds = calls[3:]  # after the warm-up
    assert rounds[:9] == list("abcbcacab")
    after = {(rounds[i - 1], rounds[i]) for i in range(1, len(rounds))}
    assert {(p, k) for p in "abc" for k in "abc" if p != k} <= after
