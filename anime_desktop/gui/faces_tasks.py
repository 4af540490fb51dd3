"""Engine-thread work of the Faces view: grids, re-rolls, ranking, interpolation, saving."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import imageio, latent, model_store, modelfile
from ..engine.ranker import Ranker, ranker_for
from ..engine.runners import GeneratorRunner


@dataclass(frozen=True)
class Face:
    seed: int
    image: np.ndarray  # H x W x 3 uint8
    score: float | None = None  # discriminator logit when ranking is on


@dataclass(frozen=True)
class FacesModelInfo:
    name: str
    path: Path
    latent_dim: int
    can_rank: bool
    num_classes: int = 0


def faces_models(ctx) -> list[FacesModelInfo]:
    """Installed and shipped latent-to-image generators (discriminator files excluded)."""
    found = []
    for name, path in {**model_store.installed(), **model_store.shipped()}.items():
        try:
            meta = modelfile.read_metadata(path)
        except Exception:  # noqa: BLE001 - an unreadable file is simply not a faces model
            continue
        if meta.get("task") == "latent-to-image" and meta.get("role", "generator") == "generator":
            found.append(FacesModelInfo(name, path, int(meta.get("latent_dim", 0) or 0),
                                        model_store.discriminator_for(path) is not None,
                                        int(meta.get("num_classes", 0) or 0)))
    return found


class FacesState:
    """Runner and ranker of the chosen faces model; used only on the engine thread."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.runner: GeneratorRunner | None = None
        self.ranker: Ranker | None = None

    def _use(self, ctx, model: str) -> None:
        if model != self.model:
            loaded = ctx.models.get(model, provider=ctx.provider)
            self.runner = GeneratorRunner(loaded)
            self.ranker = ranker_for(loaded.info.path)
            self.model = model

    def generate(self, model: str, seeds: list[int], truncation: float, rank_k: int = 1, label: int = 0):
        """One Face per seed slot. With rank_k > 1 each slot draws k candidate seeds (slot seed s
        gives candidates s*k .. s*k+k-1 so a slot is reproducible) and keeps the best-scoring."""
        def job(ctx) -> list[Face]:
            self._use(ctx, model)
            dim = self.runner.io.latent_dim
            if rank_k <= 1 or self.ranker is None:
                images = self.runner.generate(latent.latents(seeds, dim, truncation), label)
                scores = self.ranker.scores(images) if self.ranker is not None else [None] * len(seeds)
                return [Face(s, im, None if sc is None else float(sc)) for s, im, sc in zip(seeds, images, scores)]
            candidates = [s * rank_k + j for s in seeds for j in range(rank_k)]
            images = self.runner.generate(latent.latents(candidates, dim, truncation), label)
            scores = self.ranker.scores(images)
            faces = []
            for slot in range(len(seeds)):
                pick = slot * rank_k + int(latent.best(scores[slot * rank_k:(slot + 1) * rank_k], 1)[0])
                faces.append(Face(candidates[pick], images[pick], float(scores[pick])))
            return faces
        return job

    def interpolate(self, model: str, seed_a: int, seed_b: int, frames: int, truncation: float, label: int = 0):
        def job(ctx) -> np.ndarray:
            self._use(ctx, model)
            dim = self.runner.io.latent_dim
            a, b = latent.latent(seed_a, dim, truncation), latent.latent(seed_b, dim, truncation)
            return self.runner.generate(latent.interpolate(a, b, frames), label)
        return job


def save_face(image: np.ndarray, path: Path, scale: int, smooth: bool):
    def job(ctx) -> Path:
        out = enlarge(image, scale, smooth)
        return imageio.save_image(path, out, overwrite=True)
    return job


def save_frames(frames: np.ndarray, path: Path, scale: int):
    """An interpolation as an animated GIF (.gif) or a strip (.png)."""
    def job(ctx) -> Path:
        big = np.stack([enlarge(f, scale, False) for f in frames])
        if path.suffix.lower() == ".gif":
            return imageio.save_animation(path, list(big), overwrite=True)
        return imageio.save_image(path, latent.grid(big, columns=len(big)), overwrite=True)
    return job


def enlarge(image: np.ndarray, scale: int, smooth: bool) -> np.ndarray:
    """Upscale for display or saving: nearest keeps the pixels sharp, bicubic smooths them."""
    if scale <= 1:
        return image
    if not smooth:
        return image.repeat(scale, axis=0).repeat(scale, axis=1)
    import cv2

    return cv2.resize(image, (image.shape[1] * scale, image.shape[0] * scale), interpolation=cv2.INTER_CUBIC)
