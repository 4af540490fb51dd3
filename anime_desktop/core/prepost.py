"""Turn uint8 RGB pixels into a model's input tensor and back, per `IOConvention`.

Also the geometry around a model call: a resize cap that keeps the aspect ratio,
reflection padding up to the model's size multiple (cropped off afterwards, so nothing is
stretched), and "keep colours", which puts the photo's colour statistics back on the output.
"""

from __future__ import annotations

import cv2
import numpy as np

from .types import IOConvention


def to_tensor(rgb: np.ndarray, io: IOConvention) -> np.ndarray:
    """HxWx3 uint8 RGB -> 1x3xHxW or 1xHxWx3 in the model's range, order and dtype."""
    pixels = rgb[..., ::-1] if io.channel_order == "BGR" else rgb
    lo, hi = io.value_range
    x = pixels.astype(np.float32)  # in-place arithmetic below: one full-size float copy only
    x *= np.float32((hi - lo) / 255.0)
    x += np.float32(lo)
    x = x[None] if io.layout == "NHWC" else x.transpose(2, 0, 1)[None]
    return np.ascontiguousarray(x, dtype=np.float16 if io.input_dtype == "float16" else np.float32)


def from_tensor(y: np.ndarray, io: IOConvention) -> np.ndarray:
    """Model output (batch 1, any float dtype) -> HxWx3 uint8 RGB, rounded and clipped."""
    y = np.array(y, dtype=np.float32)  # a private float32 copy we may change in place
    y = y[0] if y.ndim == 4 else y
    if io.layout == "NCHW" or (y.shape[0] in (1, 3) and y.shape[-1] not in (1, 3)):
        y = y.transpose(1, 2, 0)
    if y.shape[2] == 1:
        y = np.repeat(y, 3, axis=2)
    lo, hi = io.value_range
    y -= np.float32(lo)
    y *= np.float32(255.0 / (hi - lo))
    out = np.clip(np.rint(y, out=y), 0, 255, out=y).astype(np.uint8)
    return np.ascontiguousarray(out[..., ::-1] if io.channel_order == "BGR" else out)


def fit_max_side(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink so the longer side is at most `max_side` (0 = no cap); never enlarges."""
    h, w = rgb.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def resize_to(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize with the filter that suits the direction (area down, cubic up)."""
    h, w = rgb.shape[:2]
    if (w, h) == (width, height):
        return rgb
    shrinking = width * height < w * h
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def to_megapixels(rgb: np.ndarray, megapixels: float) -> np.ndarray:
    """Resize (keeping aspect) to about `megapixels`, up or down: the working size of a look."""
    h, w = rgb.shape[:2]
    scale = (megapixels * 1e6 / (h * w)) ** 0.5
    return resize_to(rgb, max(1, round(w * scale)), max(1, round(h * scale)))


def upscale_to_minimum(rgb: np.ndarray, min_size: int) -> np.ndarray:
    """Enlarge (keeping aspect) so both sides reach `min_size`; tiny inputs are never an error."""
    h, w = rgb.shape[:2]
    if min(h, w) >= min_size:
        return rgb
    scale = min_size / min(h, w)
    return resize_to(rgb, max(min_size, round(w * scale)), max(min_size, round(h * scale)))


def pad_to_multiple(rgb: np.ndarray, multiple: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Reflect-pad bottom/right to multiples of `multiple`; returns the padded image and (h, w)."""
    h, w = rgb.shape[:2]
    pad_h, pad_w = (-h) % multiple, (-w) % multiple
    if not (pad_h or pad_w):
        return rgb, (h, w)
    # BORDER_REFLECT_101 needs the pad smaller than the side; replicate covers tiny images.
    border = cv2.BORDER_REFLECT_101 if pad_h < h and pad_w < w else cv2.BORDER_REPLICATE
    return cv2.copyMakeBorder(rgb, 0, pad_h, 0, pad_w, border), (h, w)


def keep_colours(output: np.ndarray, photo: np.ndarray, strength: float) -> np.ndarray:
    """Move the output's per-channel Lab mean/std towards the photo's (Reinhard et al. 2001).

    AnimeGAN outputs are often darker or colour-cast; `strength` 0 leaves the model's look,
    1 takes the photo's overall colour and brightness while keeping the drawn structure.
    """
    if strength <= 0:
        return output
    if photo.shape != output.shape:
        photo = resize_to(photo, output.shape[1], output.shape[0])
    out_lab = cv2.cvtColor(output, cv2.COLOR_RGB2LAB).astype(np.float32)
    ref_lab = cv2.cvtColor(photo, cv2.COLOR_RGB2LAB).astype(np.float32)
    out_mean, out_std = out_lab.mean(axis=(0, 1)), out_lab.std(axis=(0, 1)) + 1e-6
    ref_mean, ref_std = ref_lab.mean(axis=(0, 1)), ref_lab.std(axis=(0, 1))
    matched = (out_lab - out_mean) * (ref_std / out_std) + ref_mean
    mixed = out_lab + min(float(strength), 1.0) * (matched - out_lab)
    return cv2.cvtColor(np.clip(mixed, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)
