"""Faces: grids of generated faces (best-of-K ranking), interpolations, enlargement, saving.

`generate_faces` is the one implementation of "each slot draws K candidate seeds and keeps
the one the discriminator scores highest"; the gallery and `anime-desktop faces` both use it,
so a slot's seed gives the same face in the window and on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import imageio, latent
from ..core.errors import AnimeDesktopError
from ..engine.ranker import Ranker
from ..engine.runners import GeneratorRunner


@dataclass(frozen=True)
class Face:
    seed: int
    image: np.ndarray  # H x W x 3 uint8
    score: float | None = None  # discriminator logit when ranking is on


def generate_faces(runner: GeneratorRunner, ranker: Ranker | None, seeds: list[int], truncation: float,
                   rank_k: int = 1, label: int = 0) -> list[Face]:
    """One Face per seed slot. With rank_k > 1 each slot draws k candidate seeds (slot seed s
    gives candidates s*k .. s*k+k-1, so a slot is reproducible) and keeps the best-scoring."""
    dim = runner.io.latent_dim
    if rank_k <= 1 or ranker is None:  # no ranking, no score: a number nobody asked for only puzzles
        images = runner.generate(latent.latents(seeds, dim, truncation), label)
        return [Face(s, im) for s, im in zip(seeds, images)]
    candidates = [s * rank_k + j for s in seeds for j in range(rank_k)]
    images = runner.generate(latent.latents(candidates, dim, truncation), label)
    scores = ranker.scores(images)
    faces = []
    for slot in range(len(seeds)):
        pick = slot * rank_k + int(latent.best(scores[slot * rank_k:(slot + 1) * rank_k], 1)[0])
        faces.append(Face(candidates[pick], images[pick], float(scores[pick])))
    return faces


def interpolation(runner: GeneratorRunner, seed_a: int, seed_b: int, frames: int, truncation: float,
                  label: int = 0) -> np.ndarray:
    dim = runner.io.latent_dim
    a, b = latent.latent(seed_a, dim, truncation), latent.latent(seed_b, dim, truncation)
    return runner.generate(latent.interpolate(a, b, frames), label)


class FacesState:
    """Runner and ranker of the chosen faces model, rebuilt when the model or the cache's
    generation (a provider switch) changes; used only on the engine thread."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.runner: GeneratorRunner | None = None
        self.ranker: Ranker | None = None

    def use(self, ctx, model: str) -> None:
        key = (model, ctx.models.generation)
        if key != self.key:
            loaded = ctx.models.get(model)
            self.runner = GeneratorRunner(loaded)
            self.ranker = ctx.models.ranker(loaded.info.path)
            self.key = key

    def generate(self, model: str, seeds: list[int], truncation: float, rank_k: int = 1, label: int = 0):
        def job(ctx) -> list[Face]:
            self.use(ctx, model)
            return generate_faces(self.runner, self.ranker, seeds, truncation, rank_k, label)
        return job

    def interpolate(self, model: str, seed_a: int, seed_b: int, frames: int, truncation: float, label: int = 0):
        def job(ctx) -> np.ndarray:
            self.use(ctx, model)
            return interpolation(self.runner, seed_a, seed_b, frames, truncation, label)
        return job


def enlarge(image: np.ndarray, scale: int, smooth: bool = False) -> np.ndarray:
    """Upscale one face (H x W x 3) or a stack (N x H x W x 3): nearest keeps the pixels sharp,
    bicubic smooths them."""
    if scale <= 1:
        return image
    if image.ndim == 4:
        return np.stack([enlarge(im, scale, smooth) for im in image])
    if not smooth:
        return image.repeat(scale, axis=0).repeat(scale, axis=1)
    import cv2

    return cv2.resize(image, (image.shape[1] * scale, image.shape[0] * scale), interpolation=cv2.INTER_CUBIC)


def write_frames(frames: np.ndarray, path: Path, overwrite: bool) -> Path:
    """An interpolation as an animated GIF (.gif) or a strip (any other image format)."""
    if path.suffix.lower() == ".gif":
        return imageio.save_animation(path, list(frames), overwrite=overwrite)
    return imageio.save_image(path, latent.grid(frames, columns=len(frames)), overwrite=overwrite)


def save_face(image: np.ndarray, path: Path, scale: int, smooth: bool):
    return lambda ctx: imageio.save_image(path, enlarge(image, scale, smooth), overwrite=True)


def save_frames(frames: np.ndarray, path: Path, scale: int):
    return lambda ctx: write_frames(enlarge(frames, scale), path, overwrite=True)


def require_ranker(ranker: Ranker | None, model_path: Path) -> Ranker:
    if ranker is None:
        raise AnimeDesktopError(f"ranking needs a discriminator beside the model ({model_path.stem}.disc.onnx)")
    return ranker
