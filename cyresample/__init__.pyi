# Type stubs of the public API (the package ships py.typed).
#
# dtype is preserved: an NDArray[T] input gives an NDArray[T] result. Other
# array-likes (lists, objects with __array__, CuPy and Dask arrays, which are
# returned as their own type) give Any.
from contextlib import AbstractContextManager
from typing import IO, Any, Sequence, TypeVar, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__version__: str
__all__: list[str]

_T = TypeVar("_T", bound=np.generic)
_Size = int | Sequence[int] | None
_Scale = float | Sequence[float] | None

@overload
def interpolate(
    input: NDArray[_T],
    size: _Size = ...,
    scale_factor: _Scale = ...,
    mode: str = ...,
    align_corners: bool | None = ...,
    recompute_scale_factor: bool | None = ...,
    antialias: bool = ...,
    *,
    out: NDArray[_T] | None = ...,
) -> NDArray[_T]: ...
@overload
def interpolate(
    input: ArrayLike,
    size: _Size = ...,
    scale_factor: _Scale = ...,
    mode: str = ...,
    align_corners: bool | None = ...,
    recompute_scale_factor: bool | None = ...,
    antialias: bool = ...,
    *,
    out: Any = ...,
) -> Any: ...
@overload
def interpolate_adjoint(
    grad_output: NDArray[_T],
    input_size: Sequence[int],
    size: _Size = ...,
    scale_factor: _Scale = ...,
    mode: str = ...,
    align_corners: bool | None = ...,
    recompute_scale_factor: bool | None = ...,
    antialias: bool = ...,
    *,
    out: NDArray[_T] | None = ...,
) -> NDArray[_T]: ...
@overload
def interpolate_adjoint(
    grad_output: ArrayLike,
    input_size: Sequence[int],
    size: _Size = ...,
    scale_factor: _Scale = ...,
    mode: str = ...,
    align_corners: bool | None = ...,
    recompute_scale_factor: bool | None = ...,
    antialias: bool = ...,
    *,
    out: Any = ...,
) -> Any: ...
@overload
def resize(
    arr: NDArray[_T],
    shape: _Size = ...,
    scale: _Scale = ...,
    axes: int | Sequence[int] | None = ...,
    mode: str = ...,
    align_corners: bool = ...,
    antialias: bool = ...,
    recompute_scale: bool = ...,
    out: NDArray[_T] | None = ...,
) -> NDArray[_T]: ...
@overload
def resize(
    arr: ArrayLike,
    shape: _Size = ...,
    scale: _Scale = ...,
    axes: int | Sequence[int] | None = ...,
    mode: str = ...,
    align_corners: bool = ...,
    antialias: bool = ...,
    recompute_scale: bool = ...,
    out: NDArray[Any] | None = ...,
) -> NDArray[Any]: ...
def upsample(
    input: ArrayLike,
    size: _Size = ...,
    scale_factor: _Scale = ...,
    mode: str = ...,
    align_corners: bool | None = ...,
) -> NDArray[Any]: ...
def upsample_nearest(input: ArrayLike, size: _Size = ..., scale_factor: _Scale = ...) -> NDArray[Any]: ...
def upsample_bilinear(input: ArrayLike, size: _Size = ..., scale_factor: _Scale = ...) -> NDArray[Any]: ...

class Upsample:
    name: str
    size: _Size
    scale_factor: float | tuple[float, ...] | None
    mode: str
    align_corners: bool | None
    recompute_scale_factor: bool | None
    def __init__(
        self,
        size: _Size = ...,
        scale_factor: _Scale = ...,
        mode: str = ...,
        align_corners: bool | None = ...,
        recompute_scale_factor: bool | None = ...,
    ) -> None: ...
    def forward(self, input: ArrayLike) -> NDArray[Any]: ...
    def __call__(self, input: ArrayLike) -> NDArray[Any]: ...
    def __setstate__(self, state: dict[str, Any]) -> None: ...
    def extra_repr(self) -> str: ...

class UpsamplingNearest2d(Upsample):
    def __init__(self, size: _Size = ..., scale_factor: _Scale = ...) -> None: ...

class UpsamplingBilinear2d(Upsample):
    def __init__(self, size: _Size = ..., scale_factor: _Scale = ...) -> None: ...

def get_num_threads() -> int: ...
def set_num_threads(n: int | None) -> None: ...
def threads(n: int | None) -> AbstractContextManager[None]: ...
def show_config(file: IO[str] | None = ...) -> None: ...
