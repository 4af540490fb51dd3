"""The steps around a model call for one picture: prepare, stylize, write.

Shared by `stylize`, `batch`, the window and the exporter's checks, so every path treats
alpha, EXIF, ICC, the size cap and "keep colours" the same way. Inference is passed in as
a callable, which keeps `core` free of ONNX Runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import imageio, prepost
from .progress import Progress

Infer = Callable[[np.ndarray, Progress], np.ndarray]
EXTENSIONS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True)
class OutputOptions:
    fmt: str = "png"
    quality: int = 95
    png_level: int = imageio.DEFAULT_PNG_LEVEL
    overwrite: bool = False

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.fmt.lower(), self.fmt.lower())


@dataclass(frozen=True)
class StylizeOptions:
    max_side: int = 0
    keep_colours: float = 0.0
    output: OutputOptions = field(default_factory=OutputOptions)


def output_name(source: Path, model_name: str, options: OutputOptions) -> str:
    """`<stem>_<model>.<ext>` (CONTRACTS.md)."""
    return f"{source.stem}_{model_name}.{options.extension}"


def prepare(image: imageio.DecodedImage, max_side: int) -> imageio.DecodedImage:
    """Apply the size cap to the pixels and the alpha plane alike."""
    rgb = prepost.fit_max_side(image.rgb, max_side)
    if rgb is image.rgb:
        return image
    alpha = None
    if image.alpha is not None:
        alpha = prepost.resize_to(image.alpha, rgb.shape[1], rgb.shape[0])
    return replace(image, rgb=rgb, alpha=alpha)


def stylize_pixels(image: imageio.DecodedImage, infer: Infer, options: StylizeOptions,
                   progress: Progress) -> np.ndarray:
    out = infer(image.rgb, progress)
    return prepost.keep_colours(out, image.rgb, options.keep_colours)


def write_result(dst: Path, rgb: np.ndarray, source: imageio.DecodedImage, options: OutputOptions) -> Path:
    """Atomic write keeping the source's alpha, EXIF and ICC where the format allows."""
    return imageio.save_image(dst, rgb, alpha=source.alpha, exif=source.exif, icc=source.icc,
                              fmt=options.fmt, quality=options.quality, png_level=options.png_level,
                              overwrite=options.overwrite)
