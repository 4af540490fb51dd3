"""Stylize pictures: one file, a restyle with another model, several models side by side,
saving results and the compare sheet, and expanding dropped folders into image files.

Model loading, decoding, inference and file writing all run here, on the engine thread (or
in the CLI's own process), never on the GUI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import batch, imageio, latent, pipeline, prepost
from ..diffusion import DreamShaperRun
from .looks import open_look

THUMB_SIDE, TILE_SIDE = 96, 220


@dataclass
class Stylized:
    path: Path
    image: imageio.DecodedImage
    output: np.ndarray
    model: str
    precision: str
    provider: str
    ms: float
    thumb: np.ndarray | None = None  # small copies made here, so the GUI thread converts
    tile: np.ndarray | None = None   # only what it shows at full size


def image_files(paths: list[Path]) -> list[Path]:
    """Files among dropped paths, folders expanded (recursively), non-images left out."""
    found = []
    for path in paths:
        if path.is_dir():
            found += batch.discover(path, recursive=True)
        elif path.suffix.lower() in imageio.READ_EXTENSIONS:
            found.append(path)
    return found


def expand_dropped(paths: list[Path]):
    """An engine job: a dropped folder may hold thousands of files; walk it off the GUI thread."""
    return lambda ctx: image_files(paths)


def save_pasted(rgb: np.ndarray, target: Path):
    """A pasted picture becomes a file first, so it is stylized, restyled and saved like any photo."""
    def job(ctx) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        return imageio.save_image(target, rgb, overwrite=True)
    return job


def stylize_file(path: Path, model: str, options: pipeline.StylizeOptions, tile_mp: float,
                 dreamshaper: DreamShaperRun | None = None, work_mp: float | None = None):
    """Generator factory: decode, then stylize; returns a Stylized."""
    def job(ctx):
        image = pipeline.prepare(imageio.load_image(path), options.max_side)
        yield "decoded"
        return stylize_pixels(ctx, path, image, model, options, tile_mp, dreamshaper, work_mp)
    return job


def prepare_look(model: str, dreamshaper: DreamShaperRun):
    """Load (and, when allowed, download) a look before running it: the window's "Download" answer."""
    def job(ctx) -> str:
        name = open_look(ctx.models, model, dreamshaper=dreamshaper, progress=ctx.progress)[0].info.name
        ctx.progress.check_aborted()  # a download cannot stop midway; a Cancel pressed meanwhile still counts
        return name
    return job


def restyle(path: Path, image: imageio.DecodedImage, model: str, options: pipeline.StylizeOptions,
            tile_mp: float, dreamshaper: DreamShaperRun | None = None, work_mp: float | None = None):
    """A live item: the picture already decoded, through the newly chosen model."""
    return lambda ctx: stylize_pixels(ctx, path, image, model, options, tile_mp, dreamshaper, work_mp)


def stylize_pixels(ctx, path: Path, image: imageio.DecodedImage, model: str,
                   options: pipeline.StylizeOptions, tile_mp: float,
                   dreamshaper: DreamShaperRun | None = None, work_mp: float | None = None) -> Stylized:
    loaded, runner = open_look(ctx.models, model, tile_mp, dreamshaper, ctx.progress, work_mp)
    start = time.perf_counter()
    out = pipeline.stylize_pixels(image, lambda rgb, p: runner.run(rgb, p), options, ctx.progress)
    ms = (time.perf_counter() - start) * 1000
    return Stylized(path, image, out, loaded.info.name, loaded.info.precision, loaded.provider, ms,
                    thumb=prepost.fit_max_side(out, THUMB_SIDE), tile=prepost.fit_max_side(out, TILE_SIDE))


def save_targets(results: list[Stylized], folder: Path, options: pipeline.OutputOptions) -> list[Path]:
    """Where "Save all" writes each result: <stem>_<model>.<ext>, clashing stems told apart."""
    stems = batch.distinct_stems([r.path for r in results], [(r.model,) for r in results])
    return [folder / pipeline.output_name(Path(stem), r.model, options) for stem, r in zip(stems, results)]


@dataclass
class Saved:
    written: list[Path]
    kept: list[Path]  # targets that existed already and were not replaced

    def summary(self) -> str:
        folder = (self.written or self.kept)[0].parent if self.written or self.kept else ""
        kept = f" ({len(self.kept)} existed already and were kept)" if self.kept else ""
        return f"Saved {len(self.written)} image(s) to {folder}{kept}"


def save_results(results: list[Stylized], targets: list[Path], options: pipeline.OutputOptions):
    """Write each result to its target; an existing file is kept unless `options.overwrite`."""
    def job(ctx):
        saved = Saved([], [])
        for result, dst in zip(results, targets):
            ctx.progress.check_aborted()
            if dst.exists() and not options.overwrite:
                saved.kept.append(dst)
            else:
                saved.written.append(pipeline.write_result(dst, result.output, result.image, options))
            yield dst
        return saved
    return job


def compare(path: Path, image: imageio.DecodedImage | None, models: list[str], tile_mp: float, max_side: int,
            dreamshaper: DreamShaperRun | None = None, work_mp: float | None = None):
    """Stylize one picture with each model in turn, yielding a Stylized per model."""
    def job(ctx):
        picture = image or pipeline.prepare(imageio.load_image(path), max_side)
        tiles = []
        for model in models:
            ctx.progress.check_aborted()
            tile = stylize_pixels(ctx, path, picture, model, pipeline.StylizeOptions(), tile_mp, dreamshaper,
                                  work_mp)
            tiles.append(tile)
            yield tile
        return tiles
    return job


def compare_sheet(original: np.ndarray, outputs: list[np.ndarray]) -> np.ndarray:
    """All results at full resolution side by side, the original first."""
    images = [original, *outputs]
    return latent.grid(np.stack(images), columns=min(len(images), 4), gap=8)


def save_compare_sheet(original: np.ndarray, outputs: list[np.ndarray], target: Path):
    """An engine job: a sheet of several full-size photos is large; build and write it off the GUI."""
    return lambda ctx: imageio.save_image(target, compare_sheet(original, outputs), overwrite=True)
