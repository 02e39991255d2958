"""The adjoint (transpose) of the resampling operator, without autograd.

Every mode is separable in exact arithmetic: the operator is a tensor product
of per-axis matrices ``A = A_D ⊗ A_H ⊗ A_W``, so ``Aᵀ = A_Dᵀ ⊗ A_Hᵀ ⊗ A_Wᵀ``.
Each ``A_dᵀ`` is built from the forward :class:`~cyresample._plan.AxisPlan` as
another table: for every *input* index, the outputs that read it and their
weights (duplicate taps of clamped cubic borders kept as separate terms). The
result is an ordinary separable :class:`~cyresample._plan.Plan`, so the same
kernels run it — gather-based (each adjoint element is one thread's sum in a
fixed order: no atomics, deterministic, parallel), and any backend that runs
separable plans (CUDA, Dask) runs the adjoint too.

Area uses the averaging matrices ``1/k`` per axis (PyTorch's successive
divisions are the same operator up to rounding); nearest uses 0/1 selection
matrices. uint8 fixed point has no adjoint (PyTorch does not differentiate it).
"""
import functools
import operator

import numpy as np

from . import _plan


@functools.lru_cache(maxsize=256)
def transpose_axis(ax, T):
    """``A_dᵀ`` of one forward axis table, as an AxisPlan over the forward inputs.

    Parameters
    ----------
    ax : AxisPlan
        Forward table (weighted, gather or area window).
    T : numpy dtype
        Opmath type of the adjoint weights.

    Returns
    -------
    AxisPlan
        ``n_in`` = forward ``n_out``, ``n_out`` = forward ``n_in``.
    """
    T = np.dtype(T).type
    n_out, n_in = ax.n_out, ax.n_in
    if ax.skip:
        return _plan.identity_axis(n_in)
    if ax.window:
        starts, sizes = ax.index[:, 0], ax.ntaps
        o = np.repeat(np.arange(n_out, dtype=np.int64), sizes)
        i = np.concatenate([np.arange(a, a + b, dtype=np.int64) for a, b in zip(starts, sizes)]) \
            if n_out else np.zeros(0, np.int64)
        w = np.repeat((T(1) / sizes.astype(T)).astype(T), sizes)
    else:
        k = ax.index.shape[1]
        used = np.arange(k)[None, :] < ax.ntaps[:, None]
        o = np.broadcast_to(np.arange(n_out, dtype=np.int64)[:, None], ax.index.shape)[used]
        i = ax.index[used]
        if ax.weight is None:
            w = np.ones(i.shape, T)
        else:
            w = ax.weight[used].astype(T)
    # group the entries by input index, keeping increasing (output, tap) order within a group
    order = np.lexsort((np.arange(i.size), o, i))
    i, o, w = i[order], o[order], w[order]
    counts = np.bincount(i, minlength=n_in).astype(np.int64)
    K = max(int(counts.max()) if n_in else 0, 1)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    col = np.arange(i.size) - np.repeat(first, counts)
    idx = np.zeros((n_in, K), np.int64)
    wt = np.zeros((n_in, K), T)
    idx[i, col] = o
    wt[i, col] = w
    return _plan.AxisPlan(n_out, n_in, idx, wt, counts)


def adjoint_plan(plan, T):
    """The separable plan of ``Aᵀ`` for a forward plan (any method but fixed point)."""
    if plan.variant == "fixed":
        raise TypeError("the adjoint of the uint8 fixed-point operator is not defined")
    axes = [transpose_axis(ax, np.dtype(T)) for ax in plan.axes]
    if all(a.skip for a in axes):
        return _plan.Plan(_plan.COPY, axes, (), T)
    # Aᵀ applies the forward passes' transposes in reverse order (D first, W last)
    order = tuple(reversed(plan.order)) if plan.order else tuple(range(len(axes)))
    return _plan.Plan(_plan.SEPARABLE, axes, order, T)


def interpolate_adjoint(grad_output, input_size, size=None, scale_factor=None, mode="nearest",
                        align_corners=None, recompute_scale_factor=None, antialias=False, *,
                        channels_last=False, out=None):
    """Apply the transpose of :func:`cyresample.interpolate`'s linear operator.

    For ``y = interpolate(x, ...)`` with ``x`` of shape ``input_size``, this
    returns ``Aᵀ g`` for ``g = grad_output`` of ``y``'s shape: the gradient of
    ``<interpolate(x), g>`` with respect to ``x`` — what ``torch.autograd``
    computes for ``interpolate``, without PyTorch and without autograd. It is
    deterministic (every element is a gather-sum in a fixed order, no atomics)
    and runs in parallel.

    Parameters
    ----------
    grad_output : array_like
        Array of the forward call's output shape ``(N, C, *out_size)``; float16,
        bfloat16, float32, float64 or complex.
    input_size : sequence of int
        The forward input's shape ``(N, C, *in_size)`` (or just ``in_size``).
    size, scale_factor, mode, align_corners, recompute_scale_factor, antialias
        Exactly the forward call's arguments (validated the same way, with the
        same exceptions).
    channels_last : bool, optional
        True when the forward input had channels-last memory (an NHWC buffer
        seen as NCHW, or NDHWC). PyTorch picks some index formulas by layout
        (2-D/3-D nearest with C > 3, spec §3.1); this makes the adjoint the
        transpose of exactly the forward operator that was applied.
    out : ndarray, optional
        Where to write the result (shape ``input_size``, dtype of ``grad_output``).

    Returns
    -------
    ndarray
        ``Aᵀ grad_output``, shape ``input_size``, dtype of ``grad_output``.

    Notes
    -----
    ``<interpolate(x), y> == <x, interpolate_adjoint(y, x.shape, ...)>`` up to
    rounding (the dot-product test). Area and the all-ones ``mean`` are treated
    as their exact averaging operators; nearest modes as 0/1 selections.
    uint8 and other integer dtypes are rejected: their forward operator rounds.

    Examples
    --------
    Least-squares super-resolution: find ``x`` whose downsampling matches ``y``.

    >>> import numpy as np, cyresample
    >>> y = np.random.default_rng(0).random((1, 1, 16, 16))
    >>> x = np.zeros((1, 1, 32, 32))
    >>> kw = dict(size=(16, 16), mode="bilinear", antialias=True)
    >>> for _ in range(50):  # gradient descent on ||A x - y||^2
    ...     r = cyresample.interpolate(x, **kw) - y
    ...     x -= 2.0 * cyresample.interpolate_adjoint(r, x.shape, **kw)
    >>> float(np.abs(cyresample.interpolate(x, **kw) - y).max()) < 1e-3
    True
    """
    from . import _backend_cpu, _dtypes, _layout, _validate

    gpu = type(grad_output).__module__.startswith("cupy")
    if gpu:  # the CUDA twin: the same adjoint plan, run by the CUDA backend's separable kernels
        g = _validate.stand_in(grad_output.shape, grad_output.dtype, grad_output.strides)
    else:
        g = grad_output if type(grad_output) is np.ndarray else np.asarray(grad_output)
    if g.ndim < 3:
        raise ValueError("grad_output must have rank 3, 4 or 5 (N, C, *spatial), got shape %s" % (g.shape,))
    try:
        shape = tuple(operator.index(v) for v in input_size)
    except TypeError:
        raise TypeError("input_size must be a sequence of ints, got %r" % (input_size,)) from None
    if len(shape) == g.ndim - 2:
        shape = tuple(g.shape[:2]) + shape
    if len(shape) != g.ndim:
        raise ValueError("input_size %s does not match grad_output of rank %d" % (shape, g.ndim))
    code, family, _ = _dtypes.info(g.dtype)
    if family not in ("float", "half", "complex"):
        raise TypeError("interpolate_adjoint needs a floating or complex grad_output, got %s" % g.dtype)
    strides = None
    if channels_last:
        if len(shape) not in (4, 5):
            raise ValueError("channels_last needs a 4-D or 5-D input_size, got %s" % (shape,))
        perm = [0] + list(range(2, len(shape))) + [1]  # NHWC / NDHWC memory order
        step, strides = g.dtype.itemsize, [0] * len(shape)
        for d in reversed(perm):
            strides[d] = step
            step *= max(shape[d], 1)
    like = _validate.stand_in(shape, g.dtype, strides)
    req = _validate.interpolate_args(like, size, scale_factor, mode, align_corners, recompute_scale_factor,
                                     antialias)
    expect = tuple(shape[:2]) + tuple(req.out_sizes)
    if g.shape != expect:
        raise ValueError("grad_output has shape %s but the forward output has shape %s" % (g.shape, expect))
    if family == "complex":
        plan_code = _dtypes.info(_dtypes.component_dtype(g.dtype))[0]
    else:
        plan_code = code
    layout = (_layout.channels_last_contiguous(like), _layout.area_channels_last(like))
    key = _plan.plan_key(req.mode, shape, req.out_sizes, req.scales, req.align_corners,
                         req.antialias, plan_code, layout)
    fwd = _plan.get_plan(key)
    if fwd.variant == "fixed":
        raise TypeError("interpolate_adjoint: the uint8 fixed-point operator has no adjoint")
    plan = adjoint_plan(fwd, fwd.opmath)
    if gpu:
        from . import _backend_cuda
        if grad_output.size == 0 or 0 in shape:
            import cupy
            result = out if out is not None else cupy.zeros(shape, grad_output.dtype)
            result[...] = 0
            return result
        return _backend_cuda.executor_for_plan(grad_output, plan, shape)(grad_output, out)
    if out is not None:
        if _backend_cpu.check_out(out, g, shape):
            np.copyto(out, interpolate_adjoint(g, shape, size, scale_factor, mode, align_corners,
                                               recompute_scale_factor, antialias,
                                               channels_last=channels_last))
            return out
    if g.size == 0 or 0 in shape:
        result = out if out is not None else np.zeros(shape, g.dtype)
        result[...] = 0
        return result
    ex = _backend_cpu.executor_for_plan(g, plan, shape)
    return ex(g, out)
