"""The classical "toon" style: a cel-shaded cartoon look made without a neural network.

It is a style in its own right (the reserved model name `toon`, CONTRACTS.md) and the
teacher of the shipped default model, which learns to imitate it at a fraction of the cost.
Every step is local, with radii fixed in pixels (a few to ~30 px): a small convolutional
network can only learn what it can see through its receptive field, so a palette chosen from the
whole image (k-means), a threshold set from global statistics, or a rule over whole connected
components would cap what the student can reach. The app applies it at a fixed working size
(`WORK_MP`), so "a few pixels" means the same share of any photo.

Steps: edge-preserving smoothing (bilateral, then a median that removes the remaining texture),
brightness pulled towards a few soft levels (flat shading bands with a thin ramp between them),
a little more colour, then ink.

Ink (version 2, ISSUE 19) goes only where an edge is strong and coherent: a structure tensor on
the slightly blurred grey image says, per pixel, how strong the local gradient is and how much it
points one way (coherence). Skin texture, pores and stubble are weak or point every way, so they
stay clean; the outline of a face, the eyes, brows and mouth are strong and coherent, so they stay
lines. Two detectors feed it: a dark-valley detector (adaptive threshold, for thin dark strokes)
and Canny (for outlines between two flat areas), both gated the same way. On light pixels the ink
is softened (a strong stroke on light skin reads as a blotch; on dark hair it reads as a line).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

NAME = "toon"
WORK_MP = 1.0  # megapixels the app applies the look at (CONTRACTS.md "Working size")


@dataclass(frozen=True)
class ToonStyle:
    smooth_passes: int = 2
    smooth_diameter: int = 7
    smooth_sigma_colour: float = 40.0
    smooth_sigma_space: float = 4.0
    flat_median: int = 7  # after the bilateral passes: the texture they keep goes too
    levels: int = 5  # brightness bands
    band_sharpness: float = 10.0  # larger: harder steps between bands
    saturation: float = 1.4
    line_median: int = 5  # denoise before thresholding, so texture does not ink as speckle
    line_block: int = 9  # adaptive-threshold neighbourhood (px, odd)
    line_offset: float = 6.0  # how much darker than its neighbourhood a pixel must be to ink
    gradient_sigma: float = 1.0  # structure tensor: blur before the gradient (px)
    tensor_sigma: float = 3.0  # ... and the neighbourhood it is averaged over (px)
    strength_range: tuple[float, float] = (4.0, 10.0)  # gradient magnitude (grey levels/px): no ink .. full
    coherence_range: tuple[float, float] = (0.3, 0.6)  # 0: no direction, 1: one direction
    canny: tuple[float, float] = (60.0, 150.0)  # outline thresholds on the Gaussian-blurred grey image
    canny_sigma: float = 1.2
    line_width: int = 3  # thickening (px)
    line_softness: float = 0.8  # Gaussian sigma of the stroke edge (px)
    line_strength: float = 0.95  # on dark pixels; 1: lines are black
    light_strength: float = 0.55  # on light pixels (a line on light skin is a pencil line, not a blotch)
    light_range: tuple[float, float] = (75.0, 115.0)  # photo luma from "dark" to "light"


DEFAULT_STYLE = ToonStyle()


def render(rgb: np.ndarray, style: ToonStyle = DEFAULT_STYLE) -> np.ndarray:
    """Cartoonise an HxWx3 uint8 RGB image; the result has the same size and dtype."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"toon.render wants HxWx3 uint8 RGB, got {rgb.shape} {rgb.dtype}")
    flat = _flat_colour(smooth(rgb, style), style)
    return apply_ink(flat, rgb, ink(rgb, style), style)


def smooth(rgb: np.ndarray, style: ToonStyle = DEFAULT_STYLE) -> np.ndarray:
    out = rgb
    for _ in range(style.smooth_passes):
        out = cv2.bilateralFilter(out, style.smooth_diameter, style.smooth_sigma_colour, style.smooth_sigma_space)
    return cv2.medianBlur(out, style.flat_median) if style.flat_median > 1 else out


def soft_levels(value: np.ndarray, levels: int, sharpness: float) -> np.ndarray:
    """Pull values in [0, 1] towards the centres of `levels` bands, with a smooth step between bands."""
    t = value * levels - 0.5
    base = np.floor(t)
    frac = t - base
    step = 1.0 / (1.0 + np.exp(-sharpness * (frac - 0.5)))
    lo, hi = 1.0 / (1.0 + np.exp(sharpness * 0.5)), 1.0 / (1.0 + np.exp(-sharpness * 0.5))
    step = (step - lo) / (hi - lo)
    return np.clip((base + step + 0.5) / levels, 0.0, 1.0)


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _flat_colour(smoothed: np.ndarray, style: ToonStyle) -> np.ndarray:
    lab = cv2.cvtColor(smoothed, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] = 255.0 * soft_levels(lab[..., 0] / 255.0, style.levels, style.band_sharpness)
    lab[..., 1:] = 128.0 + (lab[..., 1:] - 128.0) * style.saturation
    return cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def edge_gate(grey: np.ndarray, style: ToonStyle = DEFAULT_STYLE) -> tuple[np.ndarray, np.ndarray]:
    """(strength x coherence gate, coherence gate), each in [0, 1], from the structure tensor."""
    g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), style.gradient_sigma)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    jxx, jyy, jxy = (cv2.GaussianBlur(a, (0, 0), style.tensor_sigma) for a in (gx * gx, gy * gy, gx * gy))
    root = np.sqrt(((jxx - jyy) / 2.0) ** 2 + jxy ** 2)
    major, minor = (jxx + jyy) / 2.0 + root, (jxx + jyy) / 2.0 - root
    coherence = smoothstep((major - minor) / (major + minor + 1e-6), *style.coherence_range)
    strength = smoothstep(np.sqrt(np.maximum(major, 0.0)), *style.strength_range)
    return strength * coherence, coherence


def ink(rgb: np.ndarray, style: ToonStyle = DEFAULT_STYLE) -> np.ndarray:
    """Line coverage in [0, 1]: 1 where the brush is fully down."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    quiet = cv2.medianBlur(grey, style.line_median)
    paper = cv2.adaptiveThreshold(quiet, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY,
                                  style.line_block, style.line_offset)
    gate, coherent = edge_gate(quiet, style)
    lines = (paper == 0).astype(np.float32) * gate
    if style.line_width > 1:
        lines = cv2.dilate(lines, np.ones((style.line_width, style.line_width), np.uint8))
    outline = cv2.Canny(cv2.GaussianBlur(quiet, (0, 0), style.canny_sigma), *style.canny) > 0
    outline = cv2.dilate(outline.astype(np.float32) * coherent, np.ones((3, 3), np.uint8))
    lines = np.maximum(lines, outline)
    return cv2.GaussianBlur(lines, (0, 0), style.line_softness) if style.line_softness > 0 else lines


def apply_ink(flat: np.ndarray, photo: np.ndarray, coverage: np.ndarray, style: ToonStyle = DEFAULT_STYLE,
              colour: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> np.ndarray:
    """Darken `flat` towards `colour` by `coverage`, less where the photo is light."""
    lum = cv2.GaussianBlur(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 1.0)
    k = style.line_strength - (style.line_strength - style.light_strength) * smoothstep(lum, *style.light_range)
    a = (k * coverage)[..., None]
    out = flat.astype(np.float32) * (1.0 - a) + np.asarray(colour, np.float32) * a
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
