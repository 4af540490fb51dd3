"""The classical "toon" style: a cel-shaded cartoon look made without a neural network.

It is a style in its own right (the reserved model name `toon`, CONTRACTS.md) and the
teacher of the shipped default model, which learns to imitate it at a fraction of the cost.
Every step is local, with radii fixed in pixels: a small convolutional network can only
learn what it can see through its receptive field, so a palette chosen from the whole image
(k-means) or a threshold set from global statistics would cap what the student can reach.

Steps: edge-preserving smoothing (bilateral), brightness pulled towards a few soft levels
(flat shading bands that keep a thin ramp between them instead of aliased steps), a little
more colour, then ink lines from a local adaptive threshold, thickened and softened so they
read as brush strokes rather than pixel noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

NAME = "toon"


@dataclass(frozen=True)
class ToonStyle:
    smooth_passes: int = 2
    smooth_diameter: int = 7
    smooth_sigma_colour: float = 40.0
    smooth_sigma_space: float = 4.0
    levels: int = 6  # brightness bands
    band_sharpness: float = 10.0  # larger: harder steps between bands
    saturation: float = 1.25
    line_median: int = 7  # denoise before thresholding, so texture does not ink as speckle
    line_block: int = 9  # adaptive-threshold neighbourhood (px, odd)
    line_offset: float = 6.0  # how much darker than its neighbourhood a pixel must be to ink
    line_width: int = 2  # thickening (px)
    line_softness: float = 0.8  # Gaussian sigma of the stroke edge (px)
    line_strength: float = 0.85  # 1: lines are black


DEFAULT_STYLE = ToonStyle()


def render(rgb: np.ndarray, style: ToonStyle = DEFAULT_STYLE) -> np.ndarray:
    """Cartoonise an HxWx3 uint8 RGB image; the result has the same size and dtype."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"toon.render wants HxWx3 uint8 RGB, got {rgb.shape} {rgb.dtype}")
    smooth = _smooth(rgb, style)
    flat = _flat_colour(smooth, style)
    ink = _ink(rgb, style)
    out = flat.astype(np.float32) * (1.0 - style.line_strength * ink[..., None])
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _smooth(rgb: np.ndarray, style: ToonStyle) -> np.ndarray:
    out = rgb
    for _ in range(style.smooth_passes):
        out = cv2.bilateralFilter(out, style.smooth_diameter, style.smooth_sigma_colour, style.smooth_sigma_space)
    return out


def soft_levels(value: np.ndarray, levels: int, sharpness: float) -> np.ndarray:
    """Pull values in [0, 1] towards the centres of `levels` bands, with a smooth step between bands."""
    t = value * levels - 0.5
    base = np.floor(t)
    frac = t - base
    step = 1.0 / (1.0 + np.exp(-sharpness * (frac - 0.5)))
    lo, hi = 1.0 / (1.0 + np.exp(sharpness * 0.5)), 1.0 / (1.0 + np.exp(-sharpness * 0.5))
    step = (step - lo) / (hi - lo)
    return np.clip((base + step + 0.5) / levels, 0.0, 1.0)


def _flat_colour(smooth: np.ndarray, style: ToonStyle) -> np.ndarray:
    lab = cv2.cvtColor(smooth, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] = 255.0 * soft_levels(lab[..., 0] / 255.0, style.levels, style.band_sharpness)
    lab[..., 1:] = 128.0 + (lab[..., 1:] - 128.0) * style.saturation
    return cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def _ink(rgb: np.ndarray, style: ToonStyle) -> np.ndarray:
    """Line coverage in [0, 1]: 1 where the brush is fully down."""
    grey = cv2.medianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), style.line_median)
    paper = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY,
                                  style.line_block, style.line_offset)
    lines = (paper == 0).astype(np.uint8)
    if style.line_width > 1:
        lines = cv2.dilate(lines, np.ones((style.line_width, style.line_width), np.uint8))
    ink = lines.astype(np.float32)
    if style.line_softness > 0:
        ink = cv2.GaussianBlur(ink, (0, 0), style.line_softness)
    return ink
