"""The folder batch on a Ray cluster (`anime-desktop batch IN OUT --ray ADDRESS|local`).

Ray Data does the distribution: the planned images become a dataset, one row per photo, and
`map_batches` sends them to a pool of actors, each holding one ONNX Runtime session per model
and reusing it for every image it is given. Each actor runs the plain batch (`core.batch.run_batch`)
on its photo, so names, atomic writes, resume and the failure stages are the plain batch's own.

- The model files travel through Ray's object store (`ray.put` of their bytes); an actor writes
  them into its own temporary folder and opens them there, so no worker needs the driver's disk.
- Inputs and outputs are paths every worker must reach (a shared file system): what Ray moves is
  the model and the per-image results, not the pictures.
- Existing outputs are skipped on the driver before anything is sent (resume).
- `local` starts a Ray instance in this process and always shuts it down, on Ctrl-C too; the
  temporary files of an interrupted write are swept from the output folders afterwards.

ray is imported inside the functions: the app never loads it unless `--ray` is given.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core import batch, pipeline, tempfiles
from ..core.errors import AnimeDesktopError
from ..core.extras import require
from ..core.progress import null_progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelShipment:
    """What an actor needs to open one model: its name, and its bytes in the object store."""

    name: str
    filename: str
    ref: object | None  # an ObjectRef; None for `toon`, which needs no file
    overrides: tuple = ()


@dataclass(frozen=True)
class RayOptions:
    address: str = "local"
    actors: int = 0  # 0: one per CPU the cluster has (local: this machine's)
    threads: int = 1  # ONNX Runtime intra-op threads per actor, = the CPUs Ray gives each


class StylizeActor:
    """One Ray actor: sessions for every model, opened once from the object store's bytes."""

    def __init__(self, shipments: list[ModelShipment], options: pipeline.StylizeOptions,
                 sizes: tuple[float, float | None], threads: int) -> None:
        import ray

        from ..engine.loader import load_model
        from ..engine.runners import StylizeRunner
        from ..engine.session import SessionConfig

        self.options = options
        self.folder = Path(tempfile.mkdtemp(prefix="anime-desktop-ray-"))
        self.worker = f"{os.uname().nodename}:{os.getpid()}:{ray.get_runtime_context().get_actor_id()}"
        self.runners, self.loaded_from = {}, {}
        config = SessionConfig(provider="cpu", threads=threads, spinning=False)
        for item in shipments:
            if item.ref is None:
                model = load_model(item.name, config)
            else:
                path = self.folder / item.filename
                path.write_bytes(ray.get(item.ref))
                model = load_model(path, config, dict(item.overrides) or None, task="image-to-image")
            self.runners[item.name] = StylizeRunner(model, *sizes)  # tile and working size
            self.loaded_from[item.name] = str(path) if item.ref is not None else item.name

    def __call__(self, rows: dict) -> dict:
        """A batch of planned photos (Ray Data's columns) -> one result row per output."""
        out: dict[str, list] = {k: [] for k in ("src", "dst", "model", "kind", "stage", "reason", "worker",
                                                "loaded_from")}
        infer = {name: (lambda rgb, p, r=runner: r.run(rgb, p)) for name, runner in self.runners.items()}
        for src, targets in zip(rows["src"], rows["targets"]):
            job = batch.BatchInput(Path(src), [batch.Target(str(m), Path(str(d))) for m, d in targets])
            for event in batch.run_batch([job], infer.__getitem__, self.options, null_progress(), workers=1):
                out["src"].append(str(event.src))
                out["dst"].append(str(event.dst or ""))
                out["model"].append(event.model or "")
                out["kind"].append(event.kind)
                out["stage"].append(event.failure.stage if event.failure else "")
                out["reason"].append(event.failure.reason if event.failure else "")
                out["worker"].append(self.worker)
                out["loaded_from"].append(self.loaded_from.get(event.model or "", ""))
        return out


@dataclass(frozen=True)
class RayEvent:
    """A plain batch event plus which actor produced it and where it opened the model."""

    event: batch.BatchEvent
    worker: str = ""
    loaded_from: str = ""


def ship_models(models: list, ray) -> list[ModelShipment]:
    """Put each model file's bytes in the object store once; the actors fetch them from there."""
    shipments = []
    for model in models:
        path = Path(model.info.path)
        if model.render is not None:  # `toon`: a renderer, not a file
            shipments.append(ModelShipment(model.info.name, "", None))
            continue
        io = model.info.io  # the driver's convention (metadata, a choice by eye, overrides) travels too
        overrides = (("channel_order", io.channel_order), ("layout", io.layout), ("value_range", io.value_range))
        shipments.append(ModelShipment(model.info.name, f"{model.info.name}{path.suffix or '.onnx'}",
                                       ray.put(path.read_bytes()), overrides))
    return shipments


def run(jobs: list[batch.BatchInput], models: list, options: pipeline.StylizeOptions, tile_mp: float,
        ray_options: RayOptions = RayOptions(), work_mp: float | None = None) -> Iterator[RayEvent]:
    """Stylize `jobs` on Ray; yields an event per output (resume skips first), like `core.batch.run_batch`."""
    require("cluster", "--ray")
    import ray

    todo = []
    for job in jobs:
        pending = [t for t in job.targets if options.output.overwrite or not t.dst.exists()]
        for target in job.targets:
            if target not in pending:
                yield RayEvent(batch.BatchEvent("exists", job.src, target.dst, target.model))
        if pending:
            todo.append(job.__class__(job.src, pending))
    if not todo:
        return
    started_here = not ray.is_initialized()
    if started_here:
        _connect(ray, ray_options.address)
    try:
        yield from _run_on_ray(ray, todo, models, options, (tile_mp, work_mp), ray_options)
    finally:
        if started_here:
            ray.shutdown()  # also stops the actors: nothing writes after this
        tempfiles.sweep_for(t.dst for job in todo for t in job.targets)


def _connect(ray, address: str) -> None:
    import ray.data

    quiet = {"logging_level": logging.WARNING, "log_to_driver": False, "include_dashboard": False}
    _reachable(address)
    try:
        if address == "local":
            ray.init(num_cpus=os.cpu_count() or 1, **quiet)
        else:
            ray.init(address=address, **{k: v for k, v in quiet.items() if k != "include_dashboard"})
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = "start a local Ray instance" if address == "local" else f"reach the Ray cluster at {address}"
        raise AnimeDesktopError(f"--ray: cannot {where}: {first}") from None
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = True
    # Start only when the whole pool is up: otherwise the first actor may take every photo
    # while the others are still starting, and a pool is what the user asked for.
    context.wait_for_min_actors_s = 300


def _reachable(address: str, seconds: float = 10.0) -> None:
    """Ray retries an unreachable head for many minutes; a plain connection attempt answers in seconds."""
    import socket

    if address in ("local", "auto"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise AnimeDesktopError(f"--ray {address}: give HOST:PORT (6379 for `ray start`, or ray://HOST:10001), "
                                "`auto` or `local`")
    try:
        socket.create_connection((host, int(port)), timeout=seconds).close()
    except OSError as exc:
        raise AnimeDesktopError(f"--ray: cannot reach the Ray cluster at {address} "
                                f"({exc.strerror or exc}); is `ray start --head` running there?") from None


def _run_on_ray(ray, todo, models, options, sizes, ray_options: RayOptions) -> Iterator[RayEvent]:
    import ray.data

    shipments = ship_models(models, ray)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    actors = max(1, min(ray_options.actors or cpus // max(ray_options.threads, 1), len(todo)))
    rows = [{"src": str(job.src), "targets": [[t.model, str(t.dst)] for t in job.targets]} for job in todo]
    data = ray.data.from_items(rows, override_num_blocks=len(rows))  # one photo per block: every actor gets work
    results = data.map_batches(StylizeActor, batch_size=1, compute=ray.data.ActorPoolStrategy(size=actors),
                               num_cpus=ray_options.threads,
                               fn_constructor_args=(shipments, options, sizes, ray_options.threads),
                               batch_format="numpy")
    log.info("ray batch: %d photos on %d actors at %s", len(rows), actors, ray_options.address)
    for row in results.iter_rows():
        failure = batch.Failure(Path(row["src"]), row["stage"], row["reason"]) if row["kind"] == "failed" else None
        event = batch.BatchEvent(row["kind"], Path(row["src"]), Path(row["dst"]) if row["dst"] else None,
                                 row["model"] or None, failure)
        log.debug("ray batch: %s (%s) by %s, model opened from %s", row["src"], row["kind"], row["worker"],
                  row["loaded_from"])
        yield RayEvent(event, row["worker"], row["loaded_from"])
