"""Faces: grids of generated faces (best-of-K ranking), interpolations, enlargement, saving.

`generate_faces` is the one implementation of "each slot draws K candidate seeds and keeps
the one the discriminator scores highest"; the gallery and `anime-desktop faces` both use it,
so a slot's seed gives the same face in the window and on the command line.

Attribute models take a *setting* (a value index per attribute, None for "any"): each face's
row of attributes is the setting with its "any" drawn from that face's own seed
(`core.attributes.row_for`), so seed and setting bring a face back, candidates included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import attributes as attrs
from ..core import imageio, latent
from ..core.errors import AnimeDesktopError
from ..engine.ranker import Ranker
from ..engine.runners import GeneratorRunner


@dataclass(frozen=True)
class Face:
    seed: int
    image: np.ndarray  # H x W x 3 uint8
    score: float | None = None  # discriminator logit when ranking is on
    attributes: tuple[int, ...] = ()  # the attribute row it was drawn with (attribute models)


def generate_faces(runner: GeneratorRunner, ranker: Ranker | None, seeds: list[int], truncation: float,
                   rank_k: int = 1, label: int = 0, setting: attrs.Setting | None = None) -> list[Face]:
    """One Face per seed slot. With rank_k > 1 each slot draws k candidate seeds (slot seed s
    gives candidates s*k .. s*k+k-1, so a slot is reproducible) and keeps the best-scoring.

    `setting` (attribute models; None: all "any"): every candidate's row comes from its own seed,
    and the discriminator scores it with that row when it takes attributes.
    """
    candidates = seeds if rank_k <= 1 or ranker is None else [s * rank_k + j for s in seeds for j in range(rank_k)]
    rows = _rows(runner, setting, candidates)
    images = runner.generate(latent.latents(candidates, runner.io.latent_dim, truncation), label, rows)
    if candidates is seeds:  # no ranking, no score: a number nobody asked for only puzzles
        return [Face(s, im, None, _row(rows, i)) for i, (s, im) in enumerate(zip(seeds, images))]
    scores = ranker.scores(images, rows)
    faces = []
    for slot in range(len(seeds)):
        pick = slot * rank_k + int(latent.best(scores[slot * rank_k:(slot + 1) * rank_k], 1)[0])
        faces.append(Face(candidates[pick], images[pick], float(scores[pick]), _row(rows, pick)))
    return faces


def _rows(runner: GeneratorRunner, setting: attrs.Setting | None, seeds: list[int]) -> np.ndarray | None:
    if setting:
        runner.require_attributes()
    if not runner.attributes:
        return None
    setting = setting or (None,) * len(runner.attributes)
    return attrs.rows_for(runner.attributes, setting, seeds)


def _row(rows: np.ndarray | None, i: int) -> tuple[int, ...]:
    return () if rows is None else tuple(int(v) for v in rows[i])


def interpolation(runner: GeneratorRunner, seed_a: int, seed_b: int, frames: int, truncation: float,
                  label: int = 0, row_a: tuple[int, ...] = (), row_b: tuple[int, ...] = ()) -> np.ndarray:
    """`frames` faces on the spherical path from seed A's latent to seed B's.

    Attribute models: face A is drawn with `row_a`, face B with `row_b` (concrete rows, e.g. two
    tiles' `Face.attributes`, or `attribute_row` of a setting; left out: the row a grid tile of that
    seed gets with every attribute "any"). The `attributes` input takes indices, which cannot be
    blended, so this is the honest limit of index inputs: each attribute that differs between the
    rows keeps A's value for the first half of the frames and takes B's for the second half (the
    latent moves smoothly all the way); attributes the rows share never change.
    """
    dim = runner.io.latent_dim
    a, b = latent.latent(seed_a, dim, truncation), latent.latent(seed_b, dim, truncation)
    if row_a or row_b:
        runner.require_attributes()
    rows = None
    if runner.attributes:
        row_a, row_b = row_a or attribute_row(runner, None, seed_a), row_b or attribute_row(runner, None, seed_b)
        rows = attrs.switch_rows(row_a, row_b, frames)
    return runner.generate(latent.interpolate(a, b, frames), label, rows)


def attribute_row(runner: GeneratorRunner, setting: attrs.Setting | None, seed: int) -> tuple[int, ...]:
    """The row face `seed` gets under `setting` (what a grid tile of that seed is drawn with)."""
    return _row(_rows(runner, setting, [seed]), 0)


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

    def generate(self, model: str, seeds: list[int], truncation: float, rank_k: int = 1, label: int = 0,
                 setting: attrs.Setting | None = None):
        def job(ctx) -> list[Face]:
            self.use(ctx, model)
            return generate_faces(self.runner, self.ranker, seeds, truncation, rank_k, label, setting)
        return job

    def interpolate(self, model: str, seed_a: int, seed_b: int, frames: int, truncation: float, label: int = 0,
                    row_a: tuple[int, ...] = (), row_b: tuple[int, ...] = ()):
        def job(ctx) -> np.ndarray:
            self.use(ctx, model)
            return interpolation(self.runner, seed_a, seed_b, frames, truncation, label, row_a, row_b)
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
