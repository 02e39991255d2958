"""Thread-count policy for the CPU kernels.

The kernels are OpenMP ``prange`` loops. Their thread count is resolved here,
once per call:

* an explicit :func:`set_num_threads` / :func:`threads` setting wins;
* otherwise OpenMP's own default (``omp_get_max_threads()``), which honours
  ``OMP_NUM_THREADS`` and limits set through ``threadpoolctl``.

Results never depend on the thread count: every output element is computed
by exactly one thread in a fixed order (docs/design.md, "Threads").
"""
import contextlib
import threading

from ._dispatch import kernels as _kernels

_state = threading.local()
_global_setting = [None]


def _check(n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("num_threads must be an int or None, got %r" % (n,))
    if n == 0:
        raise ValueError("num_threads must be nonzero (negative counts back from all cores)")
    return n


def _resolve(n):
    if n is None:
        return _kernels.omp_max_threads()
    if n < 0:
        return max(1, _kernels.omp_num_procs() + 1 + n)
    return n


def get_num_threads():
    """Return the number of threads the kernels will use for the next call.

    Returns
    -------
    int
        The thread count in effect in this Python thread: a :func:`threads`
        context, else the global :func:`set_num_threads` value, else OpenMP's
        default (``OMP_NUM_THREADS`` / ``threadpoolctl`` aware).
    """
    local = getattr(_state, "n", None)
    if local is not None:
        return _resolve(local)
    return _resolve(_global_setting[0])


def set_num_threads(n):
    """Set the global number of kernel threads.

    Parameters
    ----------
    n : int or None
        Positive: that many threads. Negative: all cores plus one minus ``|n|``
        (``-1`` = all cores). ``None``: back to OpenMP's default.
    """
    _global_setting[0] = None if n is None else _check(n)


@contextlib.contextmanager
def threads(n):
    """Context manager that sets the kernel thread count in this Python thread.

    Parameters
    ----------
    n : int or None
        As for :func:`set_num_threads`.

    Examples
    --------
    >>> import numpy as np, cyresample
    >>> x = np.ones((1, 1, 4, 4), np.float32)
    >>> with cyresample.threads(1):
    ...     y = cyresample.interpolate(x, scale_factor=2, mode="bilinear")
    """
    n = None if n is None else _check(n)
    old = getattr(_state, "n", None)
    _state.n = n
    try:
        yield
    finally:
        _state.n = old
