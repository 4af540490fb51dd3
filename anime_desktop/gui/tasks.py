"""Work the engine thread runs for the views: plain functions and generators, no Qt.

Each takes the EngineContext (sessions, progress/cancel) and returns or yields plain
dataclasses the views display. Model loading, decoding and file writing all happen here,
never on the GUI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import batch, imageio, model_store, modelfile, pipeline, prepost, toon
from ..core.errors import AnimeDesktopError
from ..engine.importer import import_model, trial_run
from ..engine.loader import load_model
from ..engine.runners import StylizeRunner
from ..engine.session import SessionConfig

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


@dataclass
class ModelRow:
    name: str
    path: Path
    family: str
    style: str
    precision: str
    license: str
    size_mb: float
    problem: str = ""
    builtin: bool = False  # comes with the app: listed, usable, never removed
    task: str = "image-to-image"  # latent-to-image models belong to the Faces view, not the style box


@dataclass
class BatchProgress:
    event: batch.BatchEvent
    done: int
    total: int
    seconds: float


def _runner(ctx, model: str, tile_mp: float) -> tuple[StylizeRunner, object]:
    loaded = ctx.models.get(model, provider=ctx.provider)
    return StylizeRunner(loaded, tile_mp), loaded


def stylize_file(path: Path, model: str, options: pipeline.StylizeOptions, tile_mp: float):
    """Generator factory: decode, then stylize; returns a Stylized."""
    def job(ctx):
        image = pipeline.prepare(imageio.load_image(path), options.max_side)
        yield "decoded"
        return stylize_pixels(ctx, path, image, model, options, tile_mp)
    return job


def restyle(path: Path, image: imageio.DecodedImage, model: str, options: pipeline.StylizeOptions,
            tile_mp: float):
    """A live item: the picture already decoded, through the newly chosen model."""
    return lambda ctx: stylize_pixels(ctx, path, image, model, options, tile_mp)


def stylize_pixels(ctx, path: Path, image: imageio.DecodedImage, model: str,
                   options: pipeline.StylizeOptions, tile_mp: float) -> Stylized:
    runner, loaded = _runner(ctx, model, tile_mp)
    start = time.perf_counter()
    out = pipeline.stylize_pixels(image, lambda rgb, p: runner.run(rgb, p), options, ctx.progress)
    ms = (time.perf_counter() - start) * 1000
    return Stylized(path, image, out, loaded.info.name, loaded.info.precision, loaded.provider, ms,
                    thumb=prepost.fit_max_side(out, THUMB_SIDE), tile=prepost.fit_max_side(out, TILE_SIDE))


def save_results(results: list[Stylized], folder: Path | None, target: Path | None,
                 options: pipeline.OutputOptions):
    """Write one result to `target`, or all of them into `folder` as <stem>_<model>.<ext>."""
    def job(ctx):
        written = []
        for result in results:
            ctx.progress.check_aborted()
            dst = target or folder / pipeline.output_name(result.path, result.model, options)
            written.append(pipeline.write_result(dst, result.output, result.image, options))
            yield dst
        return written
    return job


def compare(path: Path, image: imageio.DecodedImage | None, models: list[str], tile_mp: float, max_side: int):
    """Stylize one picture with each model in turn, yielding a Stylized per model."""
    def job(ctx):
        picture = image or pipeline.prepare(imageio.load_image(path), max_side)
        tiles = []
        for model in models:
            ctx.progress.check_aborted()
            tile = stylize_pixels(ctx, path, picture, model, pipeline.StylizeOptions(), tile_mp)
            tiles.append(tile)
            yield tile
        return tiles
    return job


def run_batch(in_dir: Path, out_dir: Path, models: list[str], options: pipeline.StylizeOptions,
              recursive: bool, tile_mp: float):
    """The foundation's batch, one event per step; returns the skipped files."""
    def job(ctx):
        if Path(out_dir).resolve() == Path(in_dir).resolve():
            raise AnimeDesktopError("the output folder must differ from the input folder")
        runners = {m: _runner(ctx, m, tile_mp) for m in models}
        names = {m: loaded.info.name for m, (_, loaded) in runners.items()}
        sources = batch.discover(in_dir, recursive, exclude=out_dir)
        if not sources:
            raise AnimeDesktopError(f"no images found in {in_dir}")
        jobs = batch.plan(sources, in_dir, out_dir, list(names.values()), options.output)
        infer = {names[m]: (lambda r: lambda rgb, p: r.run(rgb, p))(runner) for m, (runner, _) in runners.items()}
        start, seen, failures = time.perf_counter(), set(), []
        for event in batch.run_batch(jobs, lambda m: infer[m], options, ctx.progress):
            seen.add(event.src)
            if event.failure:
                failures.append(event.failure)
            yield BatchProgress(event, len(seen), len(sources), time.perf_counter() - start)
        return failures
    return job


def list_models(ctx) -> list[ModelRow]:
    """Installed models, then the shipped ones (the INT8 default first), then `toon`. The model
    box opens on its first entry when no choice is remembered: the user's own model if there is
    one, the shipped default on a fresh install."""
    shipped = sorted(model_store.shipped().items(), key=lambda item: ("int8" not in item[0], item[0]))
    rows = []
    for builtin, models in ((False, model_store.installed().items()), (True, shipped)):
        for name, path in models:
            size = path.stat().st_size / 1e6
            try:
                meta = modelfile.read_metadata(path)
            except AnimeDesktopError as exc:
                rows.append(ModelRow(name, path, "?", "", "?", "?", size, exc.reason, builtin))
                continue
            rows.append(ModelRow(name, path, meta.get("family", "unknown"), meta.get("style", ""),
                                 meta.get("precision", "fp32"), meta.get("license", "unknown"), size, "", builtin,
                                 meta.get("task", "image-to-image")))
    rows.append(ModelRow(toon.NAME, Path(toon.NAME), "classical", "toon", "-", "Apache-2.0", 0.0, "", True))
    return rows


def inspect_model(path: Path):
    """Load and test-run a file before import; returns its detected info for confirmation."""
    def fn(ctx):
        model = load_model(path, SessionConfig(provider="cpu"))
        trial_run(model)
        return model.info
    return fn


def install_model(path: Path, name: str | None, overrides: dict | None):
    return lambda ctx: import_model(path, name, overrides)


def remove_model(name: str):
    return lambda ctx: model_store.remove(name)


def provider_in_use(model: str):
    return lambda ctx: ctx.models.get(model, provider=ctx.provider).provider
