"""Run a per-pixel model over an image too large for one pass, in overlapping tiles.

Tiles overlap and are blended with linear ramps, so no seam shows. Results are flushed
band by band into the uint8 output, so the float accumulators cover one row of tiles and
memory grows with the tile size, not the image size. Tiles are kept large (the budget is
megapixels per pass) because AnimeGAN-family generators normalise with per-image
statistics: small tiles would each get their own tone (AnimeGANv3 PR #48 shows the seams).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .progress import Progress, null_progress

MIN_OVERLAP = 32


def tile_side(budget_px: float, multiple: int) -> int:
    """Largest square tile side, a multiple of `multiple`, within a pixel budget."""
    side = int(math.sqrt(budget_px)) // multiple * multiple
    return max(side, 4 * multiple, 64)


def overlap_for(side: int, multiple: int) -> int:
    """About 1/8 of a tile, rounded up to the size multiple (at least 32 px)."""
    ov = max(MIN_OVERLAP, side // 8)
    return -(-ov // multiple) * multiple


def starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile start offsets along one axis: evenly stepped, last tile flush with the end."""
    if length <= tile:
        return [0]
    step = tile - overlap
    count = -(-(length - tile) // step) + 1
    positions = [min(i * step, length - tile) for i in range(count)]
    return sorted(set(positions))


def ramps(length: int, tile: int, offsets: list[int]) -> list[np.ndarray]:
    """1-D blend weights per tile: linear in each overlap, so neighbours sum to exactly 1."""
    ends = [min(s + tile, length) for s in offsets]
    weights = []
    for i, (s, e) in enumerate(zip(offsets, ends)):
        w = np.ones(e - s, np.float32)
        if i > 0:
            ov = ends[i - 1] - s
            w[:ov] = (np.arange(ov, dtype=np.float32) + 0.5) / ov
        if i < len(offsets) - 1:
            ov = e - offsets[i + 1]
            w[len(w) - ov:] = np.minimum(w[len(w) - ov:], (np.arange(ov, 0, -1, dtype=np.float32) - 0.5) / ov)
        weights.append(w)
    return weights


def needs_tiles(height: int, width: int, budget_px: float) -> bool:
    return height * width > budget_px


def run_tiled(rgb: np.ndarray, process: Callable[[np.ndarray], np.ndarray], budget_px: float,
              multiple: int = 1, progress: Progress | None = None) -> np.ndarray:
    """Apply `process` (HxWx3 uint8 -> same size) over overlapping tiles and blend them."""
    progress = progress or null_progress()
    h, w = rgb.shape[:2]
    side = tile_side(budget_px, multiple)
    ov = overlap_for(side, multiple)
    ys, xs = starts(h, side, ov), starts(w, side, ov)
    wy, wx = ramps(h, side, ys), ramps(w, side, xs)
    out = np.empty_like(rgb)
    carry: tuple[np.ndarray, np.ndarray] | None = None
    total, done = len(ys) * len(xs), 0
    for r, y0 in enumerate(ys):
        y1 = min(y0 + side, h)
        acc = np.zeros((y1 - y0, w, 3), np.float32)
        wsum = np.zeros((y1 - y0, w), np.float32)
        if carry is not None:
            acc[: len(carry[0])] += carry[0]
            wsum[: len(carry[1])] += carry[1]
        for c, x0 in enumerate(xs):
            progress.check_aborted()
            x1 = min(x0 + side, w)
            tile = process(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
            weight = wy[r][:, None] * wx[c][None, :]
            acc[:, x0:x1] += np.multiply(tile, weight[..., None], dtype=np.float32)
            wsum[:, x0:x1] += weight
            del tile
            done += 1
            progress.set_progress(done / total, f"tile {done}/{total}")
        next_y0 = ys[r + 1] if r + 1 < len(ys) else y1
        final = next_y0 - y0
        band = acc[:final]
        band /= wsum[:final, :, None]
        out[y0:next_y0] = np.clip(np.rint(band, out=band), 0, 255, out=band)
        # Copies, not views: a view would keep this whole band alive beside the next one.
        carry = (acc[final:].copy(), wsum[final:].copy())
        del acc, wsum, band
    return out
