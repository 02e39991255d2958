"""``interpolate`` for Dask arrays: lazy, chunked, bit-identical to the in-memory result.

Requires the optional dependencies ``dask[array]`` (and ``distributed`` for a
cluster): ``pip install "cyresample[dask]"``. ``cyresample.interpolate`` routes
Dask arrays here by itself; this module adds the ``output_chunks=`` argument.
See docs/dask.md.
"""
from ._backend_dask import MAX_FAN_IN, MAX_SLAB_BYTES, ChunkFanInWarning
from ._backend_dask import interpolate as _interpolate

__all__ = ["interpolate", "ChunkFanInWarning", "MAX_FAN_IN", "MAX_SLAB_BYTES"]


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False, *, out=None, output_chunks=None):
    """Resample a Dask array the way ``torch.nn.functional.interpolate`` does, lazily.

    Same arguments, output shapes, exceptions and values as
    :func:`cyresample.interpolate`: ``result.compute()`` equals
    ``cyresample.interpolate(numpy.asarray(input), ...)`` bit for bit, for every
    mode, dtype and flag and for any chunking of the input (spatial axes
    included). Arguments are validated when the graph is built; the data are
    only read when the result is computed.

    Parameters
    ----------
    input : dask.array.Array or array_like
        ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``, any chunks
        (NumPy chunks run on the CPU kernels; CuPy chunks on the CUDA backend).
        Other arrays are wrapped with ``dask.array.asarray`` (one chunk).
    size, scale_factor, mode, align_corners, recompute_scale_factor, antialias
        As for :func:`cyresample.interpolate`.
    out : array, optional
        A writable array of the result's shape and dtype (``numpy.ndarray``,
        ``numpy.memmap``, a zarr array): the result is computed into it with
        ``dask.array.store`` and ``out`` is returned. It must not share memory
        with the input.
    output_chunks : optional
        Chunks of the result, anything ``dask.array.rechunk`` accepts: an int,
        ``"auto"``, a tuple per axis (``None`` entries keep the default for
        that axis) or a dict ``{axis: chunks}``. Default: the input's N and C
        chunks, and spatial chunk boundaries mapped by ``out / in`` (about the
        input chunks times the scale), split further along upsampled axes when
        a chunk would exceed both the largest input chunk and dask's
        ``array.chunk-size``.

    Returns
    -------
    dask.array.Array
        Lazy result, dtype of ``input``, shape ``(N, C, *out_size)``
        (``out`` when given). Each output chunk is one task that reads only the
        input chunks its filter taps touch.

    Warns
    -----
    ChunkFanInWarning
        When one output chunk would read more than :data:`MAX_FAN_IN` input
        chunks or an input slab larger than :data:`MAX_SLAB_BYTES`.

    Examples
    --------
    >>> import dask.array as da, numpy as np, cyresample.dask
    >>> x = da.ones((1, 1, 64, 64), dtype=np.float32, chunks=(1, 1, 16, 16))
    >>> y = cyresample.dask.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)
    >>> y.chunks[2:]
    ((8, 8, 8, 8), (8, 8, 8, 8))
    >>> float(y.sum().compute())
    1024.0
    """
    return _interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                        antialias, out=out, output_chunks=output_chunks)
