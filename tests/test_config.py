"""Build/runtime configuration: CPU dispatch, thread settings, show_config."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import cyresample
from cyresample import _cpuinfo, _dispatch


def _run(code, **env):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=120)


def test_show_config_reports_variants_openmp_and_threads():
    buf = io.StringIO()
    cyresample.show_config(file=buf)
    text = buf.getvalue()
    for key in ("version", "cpu_variants_built", "cpu_variant_selected", "openmp", "threads"):
        assert key in text
    cfg = cyresample._config.config()
    assert cfg["cpu_variant_selected"] in cfg["cpu_variants_built"]
    assert cfg["cpu_variant_selected"] in cfg["cpu_variants_supported"]
    assert "baseline" in cfg["cpu_variants_built"]


@pytest.mark.parametrize("cap", ["baseline", "avx2", "avx512"])
def test_dispatch_cap_selects_at_most_the_cap(cap):
    r = _run("import cyresample._dispatch as d; print(d.SELECTED)", CYRESAMPLE_CPU_DISPATCH=cap)
    assert r.returncode == 0, r.stderr
    order = _dispatch.ORDER
    got = r.stdout.strip()
    assert order.index(got) <= order.index(cap)
    best = [v for v in order[:order.index(cap) + 1]
            if v in _dispatch.built_variants() and v in _cpuinfo.supported_variants()][-1]
    assert got == best


def test_dispatch_rejects_unknown_cap():
    r = _run("import cyresample", CYRESAMPLE_CPU_DISPATCH="sse9")
    assert r.returncode != 0 and "CYRESAMPLE_CPU_DISPATCH" in r.stderr


def test_baseline_variant_computes_the_same_as_the_selected_one():
    code = ("import numpy as np, cyresample; x = np.random.default_rng(0).random((2, 3, 31, 17), "
            "dtype=np.float32); y = cyresample.interpolate(x, size=(47, 9), mode='bicubic'); "
            "import sys; sys.stdout.buffer.write(y.tobytes())")
    a = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120,
                       env=dict(os.environ, CYRESAMPLE_CPU_DISPATCH="baseline"))
    b = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert a.returncode == 0 and b.returncode == 0
    assert a.stdout == b.stdout and len(a.stdout) == 2 * 3 * 47 * 9 * 4


def test_thread_settings():
    default = cyresample.get_num_threads()
    assert default >= 1
    with cyresample.threads(1):
        assert cyresample.get_num_threads() == 1
        with cyresample.threads(3):
            assert cyresample.get_num_threads() == 3
        assert cyresample.get_num_threads() == 1
    assert cyresample.get_num_threads() == default
    cyresample.set_num_threads(2)
    try:
        assert cyresample.get_num_threads() == 2
        with cyresample.threads(-1):  # all cores
            assert cyresample.get_num_threads() == cyresample._config.config()["cpu_count"]
    finally:
        cyresample.set_num_threads(None)
    assert cyresample.get_num_threads() == default
    for bad in (0,):
        with pytest.raises(ValueError):
            cyresample.set_num_threads(bad)
    for bad in (1.5, "2", True):
        with pytest.raises(TypeError):
            cyresample.set_num_threads(bad)
        with pytest.raises(TypeError):
            with cyresample.threads(bad):
                pass


def test_omp_num_threads_is_the_default():
    r = _run("import cyresample; print(cyresample.get_num_threads())", OMP_NUM_THREADS="1")
    assert r.returncode == 0, r.stderr
    if cyresample._config.config()["openmp"]:
        assert r.stdout.strip() == "1"


def test_threadpoolctl_sees_and_limits_the_kernels():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not cyresample._config.config()["openmp"]:
        pytest.skip("built without OpenMP")
    x = np.ones((1, 1, 8, 8), np.float32)
    cyresample.interpolate(x, size=4)  # the kernels (and their OpenMP runtime) are loaded
    info = threadpoolctl.threadpool_info()
    assert any(i["user_api"] == "openmp" for i in info)
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert cyresample.get_num_threads() == 1
