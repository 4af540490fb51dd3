"""Infer the IOConvention of a third-party ONNX file that carries none of our metadata.

Layout, fixed size and dtype come from the declared input shape. The size multiple and the
minimum size are not declared anywhere, so they are found by running the model once at a
few small sizes (cheap: ~80 px images); callers cache the answer by file SHA-256.
Value range and colour order cannot be seen from a graph: they default to the AnimeGAN
convention ([-1, 1], RGB) and the user can override them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from ..core.errors import ModelFileError
from ..core.types import IOConvention

MULTIPLES = (1, 2, 4, 8, 16, 32, 64)
PROBE_TARGET = 64  # probe sides are the first odd multiple of m at or above this


@dataclass(frozen=True)
class InputShape:
    name: str
    dims: tuple  # ints for fixed dims, None or a str for symbolic ones
    dtype: str


def input_shape(session) -> InputShape:
    arg = session.get_inputs()[0]
    dims = tuple(d if isinstance(d, int) and d > 0 else None for d in arg.shape)
    dtype = "float16" if arg.type == "tensor(float16)" else "float32"
    return InputShape(arg.name, dims, dtype)


def static_convention(shape: InputShape, path: Path) -> IOConvention:
    """What the declared input shape tells: layout, fixed size, latent size, dtype."""
    dims = shape.dims
    if len(dims) == 2 and isinstance(dims[1], int):
        return IOConvention(latent_dim=dims[1], input_dtype=shape.dtype)
    if len(dims) != 4:
        raise ModelFileError(path, f"its input has shape {list(dims)}; an image model needs 4 dimensions")
    if dims[2] == 1 and dims[3] == 1 and isinstance(dims[1], int) and dims[1] > 4:
        return IOConvention(latent_dim=dims[1], input_dtype=shape.dtype)  # DCGAN: N x Z x 1 x 1
    if dims[3] in (1, 3) and dims[1] not in (1, 3):
        layout, hw = "NHWC", (dims[1], dims[2])
    elif dims[1] in (1, 3) or dims[1] is None:
        layout, hw = "NCHW", (dims[2], dims[3])
    else:
        raise ModelFileError(path, f"its input has shape {list(dims)}, with no 3-channel axis: not an image model")
    fixed = hw if all(isinstance(v, int) for v in hw) else None
    return IOConvention(layout=layout, fixed_size=fixed, input_dtype=shape.dtype)


def _runs(session, shape: InputShape, io: IOConvention, height: int, width: int) -> bool:
    dims = (1, height, width, 3) if io.layout == "NHWC" else (1, 3, height, width)
    x = np.zeros(dims, np.float16 if shape.dtype == "float16" else np.float32)
    quiet = ort.RunOptions()
    quiet.log_severity_level = 4  # a refused probe size is expected; keep ORT's log quiet
    try:
        y = session.run(None, {shape.name: x}, quiet)[0]
    except Exception:  # noqa: BLE001 - any failure means "this size is not accepted"
        return False
    return y.ndim == 4


def probe_sizes(session, shape: InputShape, io: IOConvention, path: Path) -> IOConvention:
    """Find the smallest size multiple and minimum side the model accepts, by trying."""
    if io.fixed_size or io.latent_dim:
        return io
    for m in MULTIPLES:
        k = -(-PROBE_TARGET // m) | 1  # odd, so the side is a multiple of m but not of 2m
        if _runs(session, shape, io, m * k, m * (k + 2)):
            return io.with_(size_multiple=m, min_size=_smallest_side(session, shape, io, m))
    raise ModelFileError(path, "it did not run on any probe size (64-192 px); it is not an image-to-image model "
                               "this app can drive")


def _smallest_side(session, shape: InputShape, io: IOConvention, multiple: int) -> int:
    side = multiple
    while side < PROBE_TARGET and not _runs(session, shape, io, side, side):
        side += multiple
    return side
