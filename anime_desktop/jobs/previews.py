"""A look before choosing it: each model's output on a bundled sample, made once and cached.

Previews are keyed by the model file's SHA-256 (a renamed or re-imported file keeps its
preview; a changed file gets a new one) and live in the cache folder, so "Clear" in the
Models view can always remove them. Style models stylize a small crop of a bundled Kodak
photo; faces models draw four faces from fixed seeds. The convention chooser runs the same
sample under each plausible way of feeding a third-party file, for the user to pick by eye.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import classical, imageio, latent, modelfile, paths, prepost
from ..core.resources import resource_path
from ..engine.loader import load_model
from ..engine.runners import GeneratorRunner, StylizeRunner
from ..engine.session import SessionConfig
from .catalog import LATENT_TO_IMAGE, ModelRow
from .faces import generate_faces

SAMPLE, SIDE = "kodim23.png", 160
FACE_SEEDS = (7, 8, 9, 10)
RANGES = ((-1.0, 1.0), (0.0, 1.0), (0.0, 255.0))
CACHED = ("previews", "dragged", "pasted", "downloads")  # cache folders "Clear" may empty
ORDERS = ("RGB", "BGR")


def preview_dir() -> Path:
    return paths.cache_dir() / "previews"


def sample() -> np.ndarray:
    """The bundled sample, centre-cropped to a square and shrunk: small enough to run any model fast."""
    rgb = imageio.load_image(resource_path("samples", SAMPLE)).rgb
    h, w = rgb.shape[:2]
    side = min(h, w)
    crop = rgb[(h - side) // 2:(h + side) // 2, (w - side) // 2:(w + side) // 2]
    return prepost.resize_to(crop, SIDE, SIDE)


def _key(row: ModelRow) -> str:
    return row.name if classical.get(row.name) else modelfile.file_sha256(row.path)


def preview(ctx, row: ModelRow) -> np.ndarray:
    """The cached preview of one model, made on first use (engine thread)."""
    target = preview_dir() / f"{_key(row)}.png"
    if target.is_file():
        try:
            return imageio.load_image(target).rgb
        except Exception:  # noqa: BLE001 - a damaged cache entry is simply made again
            target.unlink(missing_ok=True)
    picture = _render(ctx, row)
    target.parent.mkdir(parents=True, exist_ok=True)
    imageio.save_image(target, picture, overwrite=True)
    return picture


def _render(ctx, row: ModelRow) -> np.ndarray:
    loaded = ctx.models.get(row.name)
    if row.task == LATENT_TO_IMAGE:
        # The gallery's own path: an attribute model's faces draw every attribute from their seeds.
        faces = generate_faces(GeneratorRunner(loaded), None, list(FACE_SEEDS), 0.8)
        return prepost.resize_to(latent.grid(np.stack([f.image for f in faces]), columns=2), SIDE, SIDE)
    # At the thumbnail's own size, not the look's working size: 160 px brought to 1 MP would cost
    # half a second a look on the engine thread (live frames wait behind it), and the lines drawn
    # at 1 MP would shrink to nothing in the thumbnail.
    return StylizeRunner(loaded, tile_mp=8.0, work_mp=0).run(sample())


@dataclass(frozen=True)
class Preview:
    name: str
    image: np.ndarray | None
    problem: str = ""


def previews(rows: list[ModelRow]):
    """Generator job: one Preview per usable model, so the views fill in as each is ready."""
    def job(ctx):
        for row in rows:
            if not row.usable:
                continue
            try:
                yield Preview(row.name, preview(ctx, row))
            except Exception as exc:  # noqa: BLE001 - one model's failure must not hide the others'
                yield Preview(row.name, None, str(exc))
    return job


@dataclass(frozen=True)
class ConventionCandidate:
    overrides: dict
    image: np.ndarray | None
    label: str
    detected: bool


def convention_candidates(path: Path):
    """Generator job: the sample under each plausible (range, colour order), detected guess first."""
    def job(ctx):
        base = load_model(path, SessionConfig(provider="cpu"))
        detected = (tuple(base.info.io.value_range), base.info.io.channel_order)
        choices = sorted(((r, o) for r in RANGES for o in ORDERS), key=lambda c: c != detected)
        for value_range, order in choices:
            overrides = {"value_range": value_range, "channel_order": order}
            label = f"{value_range[0]:g}..{value_range[1]:g} · {order}"
            try:
                model = load_model(path, SessionConfig(provider="cpu"), overrides=overrides)
                image = StylizeRunner(model, tile_mp=8.0).run(sample())
                if float(image.std()) < 3.0:
                    image = None  # a flat picture (all black or white) is not a look anyone would pick
            except Exception:  # noqa: BLE001 - a convention the model cannot run is just not offered
                image = None
            yield ConventionCandidate({"layout": base.info.io.layout, **overrides}, image, label,
                                      (value_range, order) == detected)
    return job


def cache_size() -> int:
    """Bytes held by previews, dragged/pasted copies and leftover downloads (the Models view shows
    it and can clear it)."""
    folders = [paths.cache_dir() / name for name in CACHED]
    return sum(f.stat().st_size for folder in folders if folder.is_dir() for f in folder.rglob("*") if f.is_file())


def clear_cache() -> int:
    """Remove those cache folders; returns the bytes freed. A download in progress keeps its file
    open under a lock in `downloads/`; this runs on the engine thread, between jobs, not during one."""
    freed = cache_size()
    for name in CACHED:
        shutil.rmtree(paths.cache_dir() / name, ignore_errors=True)
    return freed
