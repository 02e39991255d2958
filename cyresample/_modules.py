"""Deprecated functional aliases and the ``nn.Upsample*`` module classes (spec §5).

Plain-Python counterparts of ``torch.nn.functional.upsample``,
``upsample_nearest``, ``upsample_bilinear`` and ``torch.nn.Upsample``,
``UpsamplingNearest2d``, ``UpsamplingBilinear2d``: same constructor behaviour,
same attributes, same ``repr``, same warnings (category ``UserWarning``, texts
naming cyresample). Every call goes through :func:`cyresample.interpolate`,
looked up at call time (``_api.interpolate``).
"""
import warnings

from . import _api

__all__ = [
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
]


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resample ``input`` (deprecated alias of :func:`cyresample.interpolate`).

    Emits ``UserWarning: `cyresample.upsample` is deprecated. Use
    `cyresample.interpolate` instead.`` like ``torch.nn.functional.upsample``,
    then calls ``interpolate(input, size, scale_factor, mode, align_corners)``
    (no ``recompute_scale_factor`` or ``antialias``).

    Parameters
    ----------
    input : array_like
        ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` array.
    size : int or tuple of int, optional
        Output spatial size.
    scale_factor : float or tuple of float, optional
        Multiplier for the spatial size.
    mode : str, optional
        Interpolation mode, as for :func:`cyresample.interpolate`.
    align_corners : bool, optional
        As for :func:`cyresample.interpolate`.

    Returns
    -------
    numpy.ndarray
        The resampled array.
    """
    warnings.warn("`cyresample.upsample` is deprecated. Use `cyresample.interpolate` instead.",
                  UserWarning, stacklevel=2)
    return _api.interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Nearest-neighbour resampling (deprecated alias).

    Emits a ``UserWarning`` like ``torch.nn.functional.upsample_nearest`` and
    calls ``interpolate(input, size, scale_factor, mode='nearest')``.

    Parameters
    ----------
    input : array_like
        ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` array.
    size : int or tuple of int, optional
        Output spatial size.
    scale_factor : float or tuple of float, optional
        Multiplier for the spatial size.

    Returns
    -------
    numpy.ndarray
        The resampled array.
    """
    warnings.warn("`cyresample.upsample_nearest` is deprecated. "
                  "Use `cyresample.interpolate` instead.", UserWarning, stacklevel=2)
    return _api.interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Bilinear resampling with ``align_corners=True`` (deprecated alias).

    Emits a ``UserWarning`` like ``torch.nn.functional.upsample_bilinear`` and
    calls ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)``.

    Parameters
    ----------
    input : array_like
        ``(N, C, H, W)`` array.
    size : int or tuple of int, optional
        Output spatial size.
    scale_factor : float or tuple of float, optional
        Multiplier for the spatial size.

    Returns
    -------
    numpy.ndarray
        The resampled array.
    """
    warnings.warn("`cyresample.upsample_bilinear` is deprecated. "
                  "Use `cyresample.interpolate` instead.", UserWarning, stacklevel=2)
    return _api.interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


class Upsample:
    """Callable resampler mirroring ``torch.nn.Upsample`` (no PyTorch needed).

    The constructor validates nothing (like PyTorch); errors surface when the
    object is called.

    Parameters
    ----------
    size : int or tuple of int, optional
        Output spatial size, stored as given.
    scale_factor : float or tuple of float, optional
        A tuple becomes a tuple of floats; anything else becomes
        ``float(scale_factor)`` if it is truthy, else ``None`` (so ``0``
        means "no scale"; a list raises ``TypeError`` from ``float()``).
    mode : str, optional
        Interpolation mode (default ``'nearest'``).
    align_corners : bool, optional
        As for :func:`cyresample.interpolate`.
    recompute_scale_factor : bool, optional
        As for :func:`cyresample.interpolate`.

    Attributes
    ----------
    name : str
        The class name (PyTorch keeps it as a constant).
    size, scale_factor, mode, align_corners, recompute_scale_factor
        The normalised constructor arguments.

    Examples
    --------
    >>> Upsample(scale_factor=2)
    Upsample(scale_factor=2.0, mode='nearest')
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        """Resample ``input`` with the stored settings.

        Calls ``interpolate(input, self.size, self.scale_factor, self.mode,
        self.align_corners, recompute_scale_factor=self.recompute_scale_factor)``
        (``antialias`` is never set, as in PyTorch).

        Parameters
        ----------
        input : array_like
            ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` array.

        Returns
        -------
        numpy.ndarray
            The resampled array.
        """
        return _api.interpolate(input, self.size, self.scale_factor, self.mode,
                                self.align_corners,
                                recompute_scale_factor=self.recompute_scale_factor)

    def __call__(self, input):
        """Same as :meth:`forward`."""
        return self.forward(input)

    def __setstate__(self, state):
        """Restore pickled state; a missing ``recompute_scale_factor`` becomes True (as torch)."""
        if "recompute_scale_factor" not in state:
            state["recompute_scale_factor"] = True
        self.__dict__.update(state)

    def extra_repr(self):
        """Return the text inside the parentheses of ``repr``, exactly as PyTorch.

        Returns
        -------
        str
            ``'scale_factor=...'`` when a scale is set, else ``'size=...'``,
            followed by ``', mode=...'``.
        """
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        info += ", mode=" + repr(self.mode)
        return info

    def __repr__(self):
        # torch.nn.Module.__repr__ for a module without children
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        body = ""
        if len(lines) == 1:
            body = lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return type(self).__name__ + "(" + body + ")"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')``, like ``torch.nn.UpsamplingNearest2d``.

    Does not check the input rank (3-D and 5-D inputs work, as in PyTorch).

    Parameters
    ----------
    size : int or tuple of int, optional
        Output spatial size.
    scale_factor : float or tuple of float, optional
        Multiplier for the spatial size.
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(..., mode='bilinear', align_corners=True)``, like ``torch.nn.UpsamplingBilinear2d``.

    Parameters
    ----------
    size : int or tuple of int, optional
        Output spatial size.
    scale_factor : float or tuple of float, optional
        Multiplier for the spatial size.
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
