"""The classical "cel" look: soft anime cel shading, the second built-in look (reserved name `cel`).

Where `toon` is a cartoon (five brightness bands, black ink), `cel` is nearer to what artists call
anime: colour in three tones (shadow, base, light) with a soft edge between them, a brighter
palette (shadows lifted, colour richer), and clean, thin outlines in a dark ink that takes some
colour from what it outlines instead of pure black. Outlines use `toon`'s gated ink (strong,
coherent edges only), so faces keep eyes, brows and mouth but skin stays clean.

Every step is local (radii of a few pixels up to ~20), so a small student can learn it; anything
tied to pixel position (screentone, paper grain) belongs after the student, not in the teacher.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import toon

NAME = "cel"
WORK_MP = toon.WORK_MP


@dataclass(frozen=True)
class CelStyle:
    smooth: toon.ToonStyle = replace(toon.DEFAULT_STYLE, smooth_passes=3, smooth_sigma_colour=50.0, flat_median=9)
    tones: int = 3  # shadow, base, light
    tone_sharpness: float = 8.0  # a soft edge between tones, not an aliased step
    lift: float = 0.18  # shadows lifted: the darkest tone sits this far above black (0..1 of L)
    saturation: float = 1.45
    ink: toon.ToonStyle = replace(toon.DEFAULT_STYLE, line_width=2, line_softness=0.7, line_strength=0.9,
                                  light_strength=0.6)
    ink_colour_share: float = 0.25  # how much of the outlined colour the ink keeps (0: plain dark ink)
    ink_base: tuple[float, float, float] = (30.0, 24.0, 40.0)  # a dark blue-violet, not black


DEFAULT_STYLE = CelStyle()


def render(rgb: np.ndarray, style: CelStyle = DEFAULT_STYLE) -> np.ndarray:
    """Cel-shade an HxWx3 uint8 RGB image; the result has the same size and dtype."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"cel.render wants HxWx3 uint8 RGB, got {rgb.shape} {rgb.dtype}")
    smoothed = toon.smooth(rgb, style.smooth)
    flat = _tones(smoothed, style)
    coverage = toon.ink(rgb, style.ink)
    ink = flat.astype(np.float32) * style.ink_colour_share + np.asarray(style.ink_base, np.float32) * (
        1.0 - style.ink_colour_share)
    k = _ink_strength(rgb, style.ink)
    a = (k * coverage)[..., None]
    out = flat.astype(np.float32) * (1.0 - a) + ink * a
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _tones(smoothed: np.ndarray, style: CelStyle) -> np.ndarray:
    lab = cv2.cvtColor(smoothed, cv2.COLOR_RGB2LAB).astype(np.float32)
    level = toon.soft_levels(lab[..., 0] / 255.0, style.tones, style.tone_sharpness)
    lab[..., 0] = 255.0 * (style.lift + (1.0 - style.lift) * level)
    lab[..., 1:] = 128.0 + (lab[..., 1:] - 128.0) * style.saturation
    return cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def _ink_strength(photo: np.ndarray, style: toon.ToonStyle) -> np.ndarray:
    lum = cv2.GaussianBlur(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 1.0)
    return style.line_strength - (style.line_strength - style.light_strength) * toon.smoothstep(lum, *style.light_range)
