"""DCGAN latents from seeds, truncation, interpolation, and face grids.

A face is its seed: `latent(seed)` draws from numpy's PCG64 with that seed alone, which is
specified bit for bit across platforms, so seed 7 is the same face on every machine and
the gallery can show a seed that regenerates its tile.
"""

from __future__ import annotations

import numpy as np


def latent(seed: int, dim: int, truncation: float = 1.0) -> np.ndarray:
    """z ~ N(0, I) from `seed`, scaled by `truncation` (< 1: more typical, less varied faces)."""
    if truncation <= 0:
        raise ValueError("truncation must be positive")
    z = np.random.Generator(np.random.PCG64(seed)).standard_normal(dim)
    return (z * truncation).astype(np.float32)


def latents(seeds: list[int], dim: int, truncation: float = 1.0) -> np.ndarray:
    return np.stack([latent(s, dim, truncation) for s in seeds])


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: stays on the shell where Gaussian latents live (White 2016)."""
    na, nb = a / np.linalg.norm(a), b / np.linalg.norm(b)
    omega = np.arccos(np.clip(np.dot(na, nb), -1.0, 1.0))
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return ((1 - t) * a + t * b).astype(np.float32)


def interpolate(a: np.ndarray, b: np.ndarray, frames: int, spherical: bool = True) -> np.ndarray:
    """`frames` latents from a to b inclusive."""
    if frames < 2:
        raise ValueError("an interpolation needs at least 2 frames")
    step = slerp if spherical else lerp
    return np.stack([step(a, b, i / (frames - 1)) for i in range(frames)])


def grid(images: np.ndarray, columns: int | None = None, gap: int = 2) -> np.ndarray:
    """N x H x W x 3 uint8 -> one image, nearly square by default, with a dark gap."""
    n, h, w, _ = images.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    out = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap, 3), 24, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        out[gap + r * (h + gap):gap + r * (h + gap) + h, gap + c * (w + gap):gap + c * (w + gap) + w] = image
    return out


def best(scores: np.ndarray, keep: int) -> np.ndarray:
    """Indices of the `keep` highest scores, best first (ties: lower index first)."""
    order = np.lexsort((np.arange(len(scores)), -np.asarray(scores)))
    return order[:keep]


def mean_abs_steps(frames: np.ndarray) -> np.ndarray:
    """Mean absolute difference between consecutive frames (how smooth an interpolation is)."""
    f = frames.astype(np.int16)
    return np.abs(f[1:] - f[:-1]).reshape(len(f) - 1, -1).mean(axis=1)
