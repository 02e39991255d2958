"""Python-level concurrency: thread safety, GIL release, interruption.

* 8 Python threads calling ``interpolate`` at once -- on their own inputs and on one shared
  input, with different ``cyresample.threads(n)`` settings, with and without ``out=`` --
  get exactly the single-threaded results, and each thread's ``threads()`` setting stays its
  own.
* The GIL is released while a kernel runs. Design (no timing assertion that can flake): a
  watcher thread spins in Python, recording a timestamp every 0.1 ms of its running time,
  while the main thread runs one long call (tens of ms or more of kernel time). If the
  kernel held the GIL, no Python bytecode could run anywhere in the process during it, so
  the watcher would record *nothing* between the call's first and last few percent; with
  the GIL released it ticks throughout. The
  assertion is that the watcher ticked in most of the middle bins of the call's duration:
  it depends only on the order of events, not on how fast the machine is (a slow or
  loaded machine makes the call longer, which only gives the watcher more time), and a
  runnable thread gets scheduled within a few ms on any preemptive OS. (Checked: with a
  GIL-holding C call in place of the kernel the test fails.)
* A KeyboardInterrupt (``_thread.interrupt_main()`` and a real SIGINT) arriving during long
  calls leaves the process usable: the next calls work and give the right bits, and the
  ``threads()`` setting is restored.
"""
import _thread
import os
import signal
import threading
import time

import numpy as np
import pytest

import cyresample

interp = cyresample.interpolate


def _calls():
    """(input, kwargs) pairs covering every kernel family; some big enough for OpenMP."""
    rng = np.random.RandomState(42)
    f32 = rng.randn(2, 3, 37, 41).astype(np.float32)
    f64 = rng.randn(1, 4, 23, 29).astype(np.float64)
    u8 = rng.randint(0, 256, (2, 3, 40, 33)).astype(np.uint8)
    cl = np.ascontiguousarray(rng.randn(2, 37, 19, 8).astype(np.float32)).transpose(0, 3, 1, 2)
    v5 = rng.randn(1, 2, 9, 11, 13).astype(np.float32)
    w3 = rng.randn(3, 2, 301).astype(np.float64)
    big = rng.randn(1, 2, 120, 130).astype(np.float32)
    return [
        (f32, dict(size=(50, 60), mode="bilinear")),
        (f32, dict(size=(150, 90), mode="bicubic", align_corners=True)),
        (f32, dict(size=(13, 11), mode="bilinear", antialias=True)),
        (f32, dict(size=(19, 23), mode="lanczos", antialias=True)),
        (f32, dict(size=(7, 9), mode="area")),
        (f32, dict(scale_factor=1.7, mode="nearest")),
        (f64, dict(scale_factor=(2.5, 0.6), mode="nearest-exact")),
        (f64, dict(size=(31, 17), mode="bicubic")),
        (u8, dict(size=(57, 21), mode="bicubic", antialias=True)),
        (u8, dict(size=(80, 66), mode="bilinear")),
        (cl, dict(size=(40, 30), mode="bilinear")),
        (cl, dict(size=(9, 7), mode="area")),
        (v5, dict(size=(12, 7, 20), mode="trilinear")),
        (v5, dict(size=(4, 5, 6), mode="area")),
        (w3, dict(size=1000, mode="linear")),
        (big, dict(size=(240, 260), mode="bilinear")),     # > 2**15 outputs: OpenMP inside
        (big, dict(size=(200, 210), mode="bicubic")),
        (big, dict(scale_factor=2, mode="nearest")),
    ]


CALLS = _calls()


@pytest.fixture(scope="module")
def expected():
    with cyresample.threads(1):
        return [interp(x, **kw) for x, kw in CALLS]


def _run_threads(n_threads, work):
    """Run ``work(tid)`` in ``n_threads`` threads started together; re-raise any error."""
    errors = []
    barrier = threading.Barrier(n_threads)

    def target(tid):
        try:
            barrier.wait()
            work(tid)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append((tid, e))

    ts = [threading.Thread(target=target, args=(i,)) for i in range(n_threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(300)
    assert not any(t.is_alive() for t in ts), "a thread hung"
    if errors:
        raise AssertionError("thread %d failed: %r" % errors[0]) from errors[0][1]


@pytest.mark.parametrize("shared", [True, False], ids=["shared-inputs", "own-inputs"])
def test_eight_threads_get_single_threaded_results(expected, shared):
    inputs = [[x if shared else x.copy(order="K") for x, _ in CALLS] for _ in range(8)]
    if not shared:
        for own in inputs:  # copies keep the layout (channels-last views stay channels-last)
            for a, (x, _) in zip(own, CALLS):
                assert a.strides == x.strides
    mismatches = []

    def work(tid):
        rng = np.random.RandomState(tid)
        n_omp = (1, 2, 3, None)[tid % 4]   # different kernel thread counts at the same time
        with cyresample.threads(n_omp):
            for rep in range(3):
                for i in rng.permutation(len(CALLS)):
                    x = inputs[tid][i]
                    kw = CALLS[i][1]
                    if rep == 1:
                        y = np.empty_like(expected[i])
                        r = interp(x, out=y, **kw)
                        assert r is y
                    else:
                        y = interp(x, **kw)
                    if not np.array_equal(y, expected[i]):
                        mismatches.append((tid, rep, i))
                    if n_omp is not None:
                        assert cyresample.get_num_threads() == n_omp

    _run_threads(8, work)
    assert not mismatches, "results differ from the single-threaded ones: %s" % mismatches[:10]
    for x, (x0, _) in zip(inputs[0], CALLS):   # inputs untouched
        assert np.array_equal(x, x0)


def test_threads_setting_is_per_python_thread():
    default = cyresample.get_num_threads()
    seen = {}

    def work(tid):
        with cyresample.threads(tid + 1):
            time.sleep(0.01)
            seen[tid] = cyresample.get_num_threads()

    _run_threads(8, work)
    assert seen == {t: t + 1 for t in range(8)}
    assert cyresample.get_num_threads() == default


# -- the GIL is released in the kernels ---------------------------------------------------------

def _long_call(kind):
    """A call whose kernel runs ~0.1-1 s on one thread, and its arguments."""
    rng = np.random.RandomState(1)
    if kind == "separable":
        x = rng.rand(1, 1, 1200, 1200).astype(np.float64)
        return x, dict(size=(3600, 3600), mode="bicubic")
    if kind == "gather":
        x = rng.rand(1, 4, 1000, 1000).astype(np.float32)
        return x, dict(size=(3999, 4001), mode="nearest")
    if kind == "product":   # channels-last bilinear with C > 3: torch's per-pixel product kernel
        x = np.ascontiguousarray(rng.rand(1, 1200, 1200, 16).astype(np.float32)).transpose(0, 3, 1, 2)
        return x, dict(size=(1500, 1500), mode="bilinear")
    if kind == "area":
        x = rng.rand(1, 4, 4000, 4000).astype(np.float32)
        return x, dict(size=(997, 1001), mode="area")
    if kind == "antialias":
        x = rng.rand(1, 1, 3000, 3000).astype(np.float32)
        return x, dict(size=(333, 301), mode="lanczos", antialias=True)
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["separable", "gather", "product", "area", "antialias"])
def test_gil_released_during_kernels(kind):
    x, kw = _long_call(kind)
    interp(x[:, :, :20, :20], **dict(kw, size=(5, 5)))    # warm-up: imports, caches
    ticks = []
    stop = threading.Event()

    def watcher():
        # a tight loop (no sleep): it needs the GIL for every bytecode, and records a tick
        # every 0.1 ms of its own running time
        last = 0.0
        while not stop.is_set():
            t = time.perf_counter()
            if t - last > 1e-4:
                ticks.append(t)
                last = t

    w = threading.Thread(target=watcher)
    w.start()
    try:
        time.sleep(0.02)                      # the watcher is running
        with cyresample.threads(1):
            t0 = time.perf_counter()
            interp(x, **kw)
            t1 = time.perf_counter()
    finally:
        stop.set()
        w.join()
    dur = t1 - t0
    bins = 10
    hit = set()
    for t in ticks:
        if t0 < t < t1:
            hit.add(min(int((t - t0) / dur * bins), bins - 1))
    middle = set(range(1, bins - 1))
    assert len(hit & middle) >= len(middle) // 2, (
        "the watcher thread could not run while %s ran (%.3f s): it ticked in bins %s of %d -- "
        "the GIL is held" % (kind, dur, sorted(hit), bins))


# -- KeyboardInterrupt -----------------------------------------------------------------------

def _interrupt_during_long_calls(trigger, expected_small):
    x, kw = _long_call("separable")
    x = x[:, :, :400, :400]
    kw = dict(kw, size=(1200, 1200))
    default = cyresample.get_num_threads()
    interrupted = False
    timer = threading.Timer(0.05, trigger)
    deadline = time.monotonic() + 60
    try:
        timer.start()
        with cyresample.threads(2):
            while time.monotonic() < deadline:   # the interrupt lands in one of these calls
                interp(x, **kw)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        timer.cancel()
        timer.join()
    assert interrupted, "no KeyboardInterrupt arrived"
    # the process is usable: the thread setting is restored, calls work and are right
    assert cyresample.get_num_threads() == default
    xs, kws, ys = expected_small
    assert np.array_equal(interp(xs, **kws), ys)
    with cyresample.threads(2):
        big = interp(x, **kw)
    with cyresample.threads(1):
        assert np.array_equal(big, interp(x, **kw))


@pytest.fixture
def small_case():
    xs = np.random.RandomState(3).rand(2, 3, 17, 19).astype(np.float32)
    kws = dict(size=(40, 30), mode="bicubic")
    return xs, kws, interp(xs, **kws)


@pytest.fixture
def python_sigint():
    """Python's own SIGINT handler for the test. A process started in the background by a
    non-interactive shell inherits SIGINT = SIG_IGN, and then neither a real SIGINT nor
    ``_thread.interrupt_main()`` raises KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers can only be set on the main thread")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def test_keyboard_interrupt_interrupt_main(small_case, python_sigint):
    _interrupt_during_long_calls(_thread.interrupt_main, small_case)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs POSIX signals")
def test_keyboard_interrupt_sigint(small_case, python_sigint):
    main = threading.main_thread().ident
    _interrupt_during_long_calls(lambda: signal.pthread_kill(main, signal.SIGINT), small_case)
    # and once more from outside the thread machinery: a process-directed SIGINT
    _interrupt_during_long_calls(lambda: os.kill(os.getpid(), signal.SIGINT), small_case)


def test_small_work_runs_on_the_calling_thread(monkeypatch):
    # _threads_for: below SMALL_WORK outputs no team is used; with the passive wait policy
    # (sleeping threads, slow to wake) below SMALL_WORK_PASSIVE elements read plus written
    from cyresample import _backend_cpu as B
    small, passive = B.SMALL_WORK, B.SMALL_WORK_PASSIVE
    assert small < passive
    x = np.random.default_rng(4).random((1, 1, 256, 256), dtype=np.float32)
    with cyresample.threads(2):
        monkeypatch.setattr(B, "PASSIVE_WAIT", False)
        assert B._threads_for(small - 1, 10 ** 9) == 0
        assert B._threads_for(small, 0) == 2
        want = interp(x, scale_factor=2, mode="bilinear")
        monkeypatch.setattr(B, "PASSIVE_WAIT", True)
        assert B._threads_for(small, 0) == 0
        assert B._threads_for(passive // 2, passive // 2 - 1) == 0
        assert B._threads_for(passive // 2, passive // 2) == 2
        assert np.array_equal(interp(x, scale_factor=2, mode="bilinear"), want)


@pytest.mark.parametrize("value, passive", [("PASSIVE", True), (" passive ", True), ("ACTIVE", False), ("", False)])
def test_passive_wait_policy_is_read_at_import(value, passive):
    import subprocess
    import sys
    env = dict(os.environ, OMP_WAIT_POLICY=value)
    code = "from cyresample import _backend_cpu; print(_backend_cpu.PASSIVE_WAIT)"
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert got.stdout.strip() == str(passive)
