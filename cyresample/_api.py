"""The thin facade: validate the arguments, plan, execute on the CPU backend."""
from . import _validate


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Placeholder until the engine lands (see _backend_cpu)."""
    req = _validate.interpolate_args(input, size, scale_factor, mode, align_corners,
                                     recompute_scale_factor, antialias)
    from . import _backend_cpu
    return _backend_cpu.execute(req)
