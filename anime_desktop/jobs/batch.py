"""A folder through one or more models, one event per step, with rate and ETA text."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..core import batch, pipeline, tempfiles
from ..core.errors import AnimeDesktopError
from ..core.progress import format_eta  # noqa: F401 - the views' ETA text
from ..engine.runners import StylizeRunner


@dataclass
class BatchProgress:
    event: batch.BatchEvent
    done: int
    total: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float:
        return (self.total - self.done) / self.rate if self.rate > 0 else 0.0


@dataclass
class BatchResult:
    failures: list[batch.Failure]
    out_dir: Path
    written: int


def run_batch(in_dir: Path, out_dir: Path, models: list[str], options: pipeline.StylizeOptions,
              recursive: bool, tile_mp: float, work_mp: float | None = None):
    """Generator factory: yields a BatchProgress per output; returns a BatchResult."""
    def job(ctx):
        if Path(out_dir).resolve() == Path(in_dir).resolve():
            raise AnimeDesktopError("the output folder must differ from the input folder")
        if Path(out_dir).exists() and not Path(out_dir).is_dir():
            raise AnimeDesktopError(f"cannot write into {out_dir}: it is a file, not a folder; choose a folder")
        loaded = {m: ctx.models.get(m) for m in models}
        names = {m: model.info.name for m, model in loaded.items()}
        sources = batch.discover(in_dir, recursive, exclude=out_dir)
        if not sources:
            raise AnimeDesktopError(f"no images found in {in_dir}")
        jobs = batch.plan(sources, in_dir, out_dir, list(names.values()), options.output)
        tempfiles.sweep_for([t.dst for job in jobs for t in job.targets])  # a killed run's leftovers
        infer = {names[m]: _infer(StylizeRunner(model, tile_mp, work_mp)) for m, model in loaded.items()}
        start, seen, failures, written = time.perf_counter(), set(), [], 0
        for event in batch.run_batch(jobs, lambda m: infer[m], options, ctx.progress):
            seen.add(event.src)
            written += event.kind == "done"
            if event.failure:
                failures.append(event.failure)
            yield BatchProgress(event, len(seen), len(sources), time.perf_counter() - start)
        return BatchResult(failures, Path(out_dir), written)
    return job


def _infer(runner: StylizeRunner):
    return lambda rgb, progress: runner.run(rgb, progress)
