"""Memory-layout predicates that PyTorch's CPU path rules look at (spec §3.1, §4.1).

They decide *which kernel* PyTorch would run (and so how it rounds) and the
layout of the result; they never change what element is read.
"""


def element_strides(arr):
    """Strides of ``arr`` in elements."""
    isz = arr.itemsize
    return [s // isz for s in arr.strides]


def is_contiguous_order(shape, strides, order):
    """``TensorImpl::compute_channels_last_contiguous_{2d,3d}``: contiguous when the
    dims are visited in ``order`` (innermost first); size-1 dims are ignored."""
    expected = 1
    for d in order:
        n = shape[d]
        if n != 1:
            if strides[d] != expected:
                return False
            expected *= n
    return True


def _strides_like_order(shape, strides, order):
    # c10::is_channels_last_strides_{2d_s4,3d_s5}: strides increase along `order`
    if strides[1] == 0:
        return False
    lo = 0
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return False
        if d == 0 and lo == strides[1]:
            return False
        lo = strides[d]
        if shape[d] > 1:
            lo *= shape[d]
    return True


def strides_like_channels_last(shape, strides):
    """``c10::is_channels_last_strides_2d_s4`` (drives ``suggest_memory_format``)."""
    return _strides_like_order(shape, strides, (1, 3, 2, 0))


def strides_like_channels_last_3d(shape, strides):
    """``c10::is_channels_last_strides_3d_s5`` (5-D ``suggest_memory_format``)."""
    return _strides_like_order(shape, strides, (1, 4, 3, 2, 0))


def channels_last_contiguous(arr):
    """``is_contiguous(channels_last)`` (4-D) / ``channels_last_3d`` (5-D)."""
    if arr.ndim == 4:
        return is_contiguous_order(arr.shape, element_strides(arr), (1, 3, 2, 0))
    if arr.ndim == 5:
        return is_contiguous_order(arr.shape, element_strides(arr), (1, 4, 3, 2, 0))
    return False


def area_channels_last(arr):
    """Whether PyTorch's 2-D adaptive average pooling takes its channels-last kernel
    (1-D area runs as 2-D on ``x.unsqueeze(-2)``)."""
    if arr.ndim == 4:
        return strides_like_channels_last(arr.shape, element_strides(arr))
    if arr.ndim == 3:
        st = element_strides(arr)
        shape = (arr.shape[0], arr.shape[1], 1, arr.shape[2])
        return strides_like_channels_last(shape, [st[0], st[1], st[2] * arr.shape[2], st[2]])
    return False
