"""The thin facade: validate the arguments, plan, execute on the array's backend."""
import numpy as np

from . import _backend_cpu
from . import _lastcall
from . import _validate


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False, *, out=None):
    """Down/up-sample an array the way ``torch.nn.functional.interpolate`` does.

    The array is interpreted as ``(N, C, W)``, ``(N, C, H, W)`` or
    ``(N, C, D, H, W)``: the spatial dimensions are resampled, batch and
    channels are carried through. Output shapes, values and exceptions follow
    PyTorch 2.13 (see ``docs/semantics.md`` for the exactness contract).

    Parameters
    ----------
    input : array_like
        A NumPy array, or anything ``numpy.asarray`` accepts, of rank 3, 4 or 5.
    size : int or sequence of int, optional
        Output spatial size. Exactly one of ``size`` and ``scale_factor``.
    scale_factor : float or sequence of float, optional
        Multiplier for the spatial size. Unless ``recompute_scale_factor`` is
        true, the kernels use ``1 / scale_factor`` as the coordinate scale,
        exactly as PyTorch does (not ``in / out``).
    mode : str, optional
        ``'nearest'`` (default), ``'nearest-exact'``, ``'linear'`` (3-D),
        ``'bilinear'`` (4-D), ``'bicubic'`` (4-D), ``'trilinear'`` (5-D),
        ``'area'`` (adaptive average pooling) or ``'lanczos'`` (4-D, needs
        ``antialias=True``).
    align_corners : bool, optional
        Interpolating modes only: align the centres of the corner pixels
        (``True``) or their outer edges (``False``, the default).
    recompute_scale_factor : bool, optional
        Recompute the scale from the truncated output size, as PyTorch does.
    antialias : bool, optional
        Antialiasing filter for 4-D ``bilinear``, ``bicubic`` and ``lanczos``
        (PyTorch's / Pillow's definition).
    out : ndarray, optional
        Array to write the result into: the result's shape and dtype, any
        strides. May overlap the input (computed into a temporary first).

    Returns
    -------
    ndarray
        The resampled array, dtype of ``input``, shape ``(N, C, *out_size)``;
        channels-last input gives channels-last output (PyTorch's rule). When
        ``out`` is given, ``out``.

    Raises
    ------
    ValueError, TypeError, NotImplementedError, RuntimeError, OverflowError
        The exception PyTorch raises for the same arguments.

    See Also
    --------
    Upsample : the same as a callable object.

    Notes
    -----
    Beyond PyTorch: every integer dtype, bool (nearest modes), complex (per
    component) and float16/bfloat16 with antialias; see ``docs/semantics.md``.

    Examples
    --------
    >>> import numpy as np, cyresample
    >>> x = np.arange(4, dtype=np.float32).reshape(1, 1, 4)
    >>> cyresample.interpolate(x, size=8, mode="linear")
    array([[[0.  , 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.  ]]], dtype=float32)
    """
    key = None
    if type(input) is not np.ndarray:
        backend = _array_backend(input)
        if backend is not None:
            return backend.interpolate(input, size, scale_factor, mode, align_corners,
                                       recompute_scale_factor, antialias, out=out)
    else:
        result = _lastcall.call(_EXECUTORS, input, size, scale_factor, mode, align_corners,
                                recompute_scale_factor, antialias, out)
        if result is not None:
            return result
        try:
            # every argument with its exact type (element types for sequences)
            ts, tf = type(size), type(scale_factor)
            if ts is tuple or ts is list:
                size_k, size_t = tuple(size), _element_types(size)
            else:
                size_k, size_t = size, None
            if tf is tuple or tf is list:
                scale_k, scale_t = tuple(scale_factor), _element_types(scale_factor)
            else:
                scale_k, scale_t = scale_factor, None
            key = (input.shape, input.strides, input.dtype, size_k, scale_k, mode, align_corners,
                   recompute_scale_factor, antialias, ts, size_t, tf, scale_t, type(mode),
                   type(align_corners), type(recompute_scale_factor), type(antialias))
            executor = _EXECUTORS.get(key)
        except TypeError:  # an unhashable argument: no caching
            key = executor = None
        if executor is not None:
            _lastcall.remember(_EXECUTORS, input, size, scale_factor, mode, align_corners,
                               recompute_scale_factor, antialias, executor)
            return executor(input, out)
    req = _validate.interpolate_args(input, size, scale_factor, mode, align_corners,
                                     recompute_scale_factor, antialias)
    executor = _backend_cpu.prepare(req)
    if key is not None:
        if len(_EXECUTORS) >= _MAX_EXECUTORS:
            _EXECUTORS.clear()
        _EXECUTORS[key] = executor
        _lastcall.remember(_EXECUTORS, input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                           antialias, executor)
    return executor(req.array, out)


# Prepared calls, keyed on everything validation and planning depend on: the input's
# shape, strides and dtype and every argument with its exact type (so that 2 and 2.0, or
# True and 1, never share an entry). Only successful calls are stored, so a cached call
# behaves exactly like a fresh one, minus the validation and planning work.
_EXECUTORS = {}
_MAX_EXECUTORS = 1024


# The last cached call is remembered in front of the cache (_lastcall.KEY in _EXECUTORS,
# so that it goes wherever the cache goes: cleared or replaced with it): a call with the
# very same argument objects and an input laid out the same way skips building the key.
_LAST_CALL = _lastcall.KEY


def _element_types(seq):
    """``tuple(map(type, seq))``, a third of the time for the usual 1 to 3 sizes (this runs
    on every call, before the cache lookup)."""
    n = len(seq)
    if n == 2:
        return type(seq[0]), type(seq[1])
    if n == 3:
        return type(seq[0]), type(seq[1]), type(seq[2])
    if n == 1:
        return (type(seq[0]),)
    return tuple(map(type, seq))


def _k(value):
    kind = type(value)
    if kind is list or kind is tuple:
        return kind, tuple(value), tuple(map(type, value))
    return kind, value


def _array_backend(array):
    """The backend module for a non-NumPy array type (imported lazily), or None.

    CuPy arrays run on the GPU (``_backend_cuda``), Dask arrays lazily chunk by
    chunk (``_backend_dask``); everything else goes through ``numpy.asarray``.
    Importing cyresample never imports CuPy or Dask.
    """
    module = type(array).__module__
    if module.startswith("cupy"):
        from . import _backend_cuda
        return _backend_cuda
    if module.startswith("dask"):
        from . import _backend_dask
        return _backend_dask
    return None
