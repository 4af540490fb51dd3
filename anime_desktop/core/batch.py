"""Folder jobs as generators: discover, plan (resume), run with overlapped I/O, report.

`run_batch` yields one event per output and is advanced by whoever drives it (the CLI's
loop, the window's engine thread), so Cancel takes effect between two images. Decoding and
encoding run on a small thread pool while the caller's thread runs inference (ONNX Runtime
releases the GIL), which keeps a batch close to pure inference throughput. Originals are
never written; outputs appear atomically or not at all.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import imageio, pipeline
from .errors import AnimeDesktopError, Cancelled, ImageWriteError
from .progress import Progress, null_progress

PREFETCH = 2  # decoded images waiting for the model; bounds memory on huge photos
MAX_PENDING_WRITES = 2


@dataclass(frozen=True)
class Target:
    model: str
    dst: Path


@dataclass
class BatchInput:
    src: Path
    targets: list[Target] = field(default_factory=list)


@dataclass(frozen=True)
class Failure:
    path: Path
    stage: str  # read, decode, infer, write
    reason: str


@dataclass(frozen=True)
class BatchEvent:
    kind: str  # "done", "exists" (resume skip) or "failed"
    src: Path
    dst: Path | None = None
    model: str | None = None
    failure: Failure | None = None


def discover(in_dir: Path, recursive: bool = False, exclude: Path | None = None) -> list[Path]:
    """Image files under `in_dir` by extension (bad ones included: they get reported).

    Hidden files and anything inside `exclude` (an output folder nested in the input
    folder) are never read as input.
    """
    in_dir, exclude = Path(in_dir).resolve(), (Path(exclude).resolve() if exclude else None)
    found: list[Path] = []
    for root, dirs, files in os.walk(in_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (exclude is None or here / d != exclude))
        found += [here / f for f in sorted(files)
                  if not f.startswith(".") and Path(f).suffix.lower() in imageio.READ_EXTENSIONS]
        if not recursive:
            break
    return found


def plan(sources: list[Path], in_dir: Path, out_dir: Path, models: list[str],
         options: pipeline.OutputOptions) -> list[BatchInput]:
    """One BatchInput per source, with a target per model, mirroring subfolders.

    Two sources that would share an output name (`a.jpg`, `a.png`) both get their source
    extension in the name (`a-jpg_<model>.png`), so neither overwrites the other and the
    names stay the same on a resumed run.
    """
    in_dir, out_dir = Path(in_dir).resolve(), Path(out_dir).resolve()
    folders = [s.parent.relative_to(in_dir) for s in sources]
    inputs = {s.resolve() for s in sources}
    planned = []
    for src, stem, sub in zip(sources, distinct_stems(sources, folders), folders):
        folder = out_dir / sub
        targets = [Target(m, folder / pipeline.output_name(Path(stem), m, options)) for m in models]
        planned.append(BatchInput(src, [t for t in targets if t.dst.resolve() not in inputs]))
    return planned


def distinct_stems(sources: list[Path], folders: list) -> list[str]:
    """Output stems for `sources` written into `folders` (one per source): two sources that
    would share a name in one folder (`a.jpg`, `a.png`) both get their extension in it
    (`a-jpg`, `a-png`), so neither overwrites the other and a re-run finds the same names."""
    keys = [(folder, s.stem.lower()) for s, folder in zip(sources, folders)]
    clashes = {k for k, n in Counter(keys).items() if n > 1}
    return [f"{s.stem}-{s.suffix.lstrip('.').lower()}" if k in clashes else s.stem for s, k in zip(sources, keys)]


def run_batch(jobs: list[BatchInput], infer_for: Callable[[str], pipeline.Infer],
              options: pipeline.StylizeOptions, progress: Progress | None = None,
              workers: int = 2) -> Iterator[BatchEvent]:
    """Process `jobs`, yielding an event per output; raises Cancelled after a clean stop."""
    progress = progress or null_progress()
    todo = []
    for job in jobs:
        pending = [t for t in job.targets if options.output.overwrite or not t.dst.exists()]
        yield from (BatchEvent("exists", job.src, t.dst, t.model) for t in job.targets if t not in pending)
        if pending:
            todo.append(BatchInput(job.src, pending))
    total = max(len(todo), 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch-io") as pool:
        runner = _Runner(pool, infer_for, options, progress)
        yield from runner.run(todo, total)


class _Runner:
    """The overlapped decode -> infer -> encode loop of one batch run."""

    def __init__(self, pool: ThreadPoolExecutor, infer_for, options: pipeline.StylizeOptions,
                 progress: Progress) -> None:
        self.pool, self.infer_for, self.options, self.progress = pool, infer_for, options, progress
        self.decodes: deque[tuple[BatchInput, Future]] = deque()
        self.writes: deque[tuple[BatchInput, Target, Future]] = deque()

    def run(self, todo: list[BatchInput], total: int) -> Iterator[BatchEvent]:
        queue = iter(todo)
        self._prefetch(queue)
        done = 0
        try:
            while self.decodes:
                self.progress.check_aborted()
                job, decoded = self.decodes.popleft()
                self._prefetch(queue)
                yield from self._one(job, decoded, self.progress.sub_progress(done / total, 1 / total))
                done += 1
                self.progress.set_progress(done / total, f"{done}/{total} images")
        except Cancelled:
            for _, future in self.decodes:
                future.cancel()
            yield from self._drain(0)
            raise
        yield from self._drain(0)

    def _prefetch(self, queue: Iterator[BatchInput]) -> None:
        while len(self.decodes) < PREFETCH:
            job = next(queue, None)
            if job is None:
                return
            self.decodes.append((job, self.pool.submit(_decode, job.src, self.options.max_side)))

    def _one(self, job: BatchInput, decoded: Future, progress: Progress) -> Iterator[BatchEvent]:
        try:
            image = decoded.result()
        except AnimeDesktopError as exc:
            yield _failed(job.src, exc, "decode")
            return
        for i, target in enumerate(job.targets):
            try:
                sub = progress.sub_progress(i / len(job.targets), 1 / len(job.targets))
                out = pipeline.stylize_pixels(image, self.infer_for(target.model), self.options, sub)
            except Cancelled:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad image never aborts a batch
                yield _failed(job.src, exc, "infer", target.model)
                continue
            future = self.pool.submit(_write, target.dst, out, image, self.options.output)
            self.writes.append((job, target, future))
            yield from self._drain(MAX_PENDING_WRITES)

    def _drain(self, keep: int) -> Iterator[BatchEvent]:
        while len(self.writes) > keep or (self.writes and self.writes[0][2].done()):
            job, target, future = self.writes.popleft()
            try:
                future.result()
            except Exception as exc:  # noqa: BLE001
                yield _failed(job.src, exc, "write", target.model)
            else:
                yield BatchEvent("done", job.src, target.dst, target.model)


def _decode(src: Path, max_side: int) -> imageio.DecodedImage:
    return pipeline.prepare(imageio.load_image(src), max_side)


def _write(dst: Path, rgb, image: imageio.DecodedImage, options: pipeline.OutputOptions) -> Path:
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImageWriteError(dst.parent, imageio.write_reason(exc), "write") from None
    return pipeline.write_result(dst, rgb, image, options)


def _failed(src: Path, exc: Exception, default_stage: str, model: str | None = None) -> BatchEvent:
    stage = getattr(exc, "stage", "") or default_stage
    reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    if isinstance(exc, MemoryError):
        reason = "not enough memory for this image; try --max-side or a smaller --tile-mp"
    return BatchEvent("failed", src, None, model, Failure(src, stage, reason))


def write_report(path: Path, failures: list[Failure]) -> Path:
    """JSON or CSV by extension: one row per skipped file (path, stage, reason)."""
    rows = [{"path": str(f.path), "stage": f.stage, "reason": f.reason} for f in failures]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["path", "stage", "reason"])
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return path
