"""The work behind each `anime-desktop` subcommand (argparse lives in `cli`).

Printing is this module's job: results on stdout, problems on stderr, one line each.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections import Counter
from pathlib import Path

from .cli import EXIT_FAILED, EXIT_OK, UsageError, progress_bar
from .core import batch, imageio, latent, model_store, modelfile, pipeline
from .core.errors import AnimeDesktopError
from .core.progress import Progress
from .core.resources import resource_path
from .core.settings import Settings
from .engine.importer import import_model
from .engine.loader import LoadedModel, load_model
from .engine.runners import GeneratorRunner, StylizeRunner
from .engine.session import SessionConfig


def shipped_default() -> Path | None:
    """The default model shipped in resources/models, if this build has one."""
    folder = resource_path("models")
    models = sorted(folder.glob("*.onnx")) if folder.is_dir() else []
    return models[0] if models else None


def choose_model(requested: str | None) -> str:
    """-m, else the model last chosen in Settings if installed, else the shipped default."""
    if requested:
        return requested
    installed = model_store.installed()
    last = Settings.load().last_model
    if last and last in installed:
        return last
    default = shipped_default()
    if default is not None:
        return str(default)
    if len(installed) == 1:
        return next(iter(installed))
    known = ", ".join(installed) or "none installed"
    raise UsageError(f"no model chosen: pass -m NAME or -m PATH.onnx (installed: {known})")


def overrides(ns) -> dict:
    values: dict = {"layout": ns.layout, "channel_order": ns.channel_order}
    if ns.value_range:
        try:
            lo, hi = (float(v) for v in ns.value_range.split(","))
        except ValueError:
            raise UsageError(f"--range wants LO,HI such as -1,1 or 0,1, not {ns.value_range!r}") from None
        values["value_range"] = (lo, hi)
    return {k: v for k, v in values.items() if v is not None}


def open_model(model: str, ns) -> LoadedModel:
    provider = ns.provider or Settings.load().provider
    # Spinning off: measured faster for both pure inference and the batch (benchmarks/throughput.py).
    config = SessionConfig(provider=provider, threads=ns.threads, spinning=False)
    return load_model(model, config, overrides(ns))


def stylize_options(ns) -> pipeline.StylizeOptions:
    if not 0.0 <= ns.keep_colours <= 1.0:
        raise UsageError("--keep-colours must be between 0 and 1")
    if not 1 <= ns.quality <= 100:
        raise UsageError("--quality must be between 1 and 100")
    out = pipeline.OutputOptions(fmt=ns.format, quality=ns.quality, overwrite=ns.overwrite)
    return pipeline.StylizeOptions(max_side=max(ns.max_side, 0), keep_colours=ns.keep_colours, output=out)


def _infer_with(runner: StylizeRunner):
    return lambda rgb, progress: runner.run(rgb, progress)


def _runner(model: LoadedModel, ns) -> StylizeRunner:
    tile_mp = ns.tile_mp if ns.tile_mp is not None else Settings.load().tile_mp
    if tile_mp <= 0:
        raise UsageError("--tile-mp must be positive")
    return StylizeRunner(model, tile_mp=tile_mp)


def stylize(ns) -> int:
    options = stylize_options(ns)
    model = open_model(choose_model(ns.model), ns)
    runner = _runner(model, ns)
    name = model.info.name
    keys = [((ns.output or src.parent).resolve(), src.stem.lower()) for src in ns.images]
    clashes = {k for k, n in Counter(keys).items() if n > 1}
    jobs = []
    for src, key in zip(ns.images, keys):
        stem = f"{src.stem}-{src.suffix.lstrip('.').lower()}" if key in clashes else src.stem
        dst = key[0] / pipeline.output_name(Path(stem), name, options.output)
        jobs.append(batch.BatchInput(src, [batch.Target(name, dst)] if dst.resolve() != src.resolve() else []))
    counts = _drive(jobs, {name: _infer_with(runner)}, options, len(jobs), "stylize")
    _summary(counts, model, "stylized")
    return EXIT_FAILED if counts["failed"] or counts["done"] + counts["exists"] < len(jobs) else EXIT_OK


def batch_command(ns) -> int:
    options = stylize_options(ns)
    in_dir, out_dir = ns.in_dir.resolve(), ns.out_dir.resolve()
    if not in_dir.is_dir():
        raise UsageError(f"input folder {ns.in_dir} does not exist or is not a folder")
    if out_dir == in_dir:
        raise UsageError("OUT_DIR must differ from IN_DIR: a batch never writes into its input folder")
    loaded = [open_model(m, ns) for m in (ns.model or [choose_model(None)])]
    names = [m.info.name for m in loaded]
    if len(set(names)) != len(names):
        raise UsageError(f"two models share the name {names}: install one under another name")
    sources = batch.discover(in_dir, ns.recursive, exclude=out_dir)
    if not sources:
        print(f"error: no images found in {ns.in_dir}", file=sys.stderr)
        return EXIT_FAILED
    jobs = batch.plan(sources, in_dir, out_dir, names, options.output)
    infer = {m.info.name: _infer_with(_runner(m, ns)) for m in loaded}
    started = time.perf_counter()
    counts = _drive(jobs, infer, options, len(sources), "batch", report=ns.report)
    _summary(counts, loaded[0], "stylized", time.perf_counter() - started, extra_models=names[1:])
    return EXIT_OK if counts["done"] + counts["exists"] else EXIT_FAILED


def _drive(jobs, infer, options, total: int, label: str, report: Path | None = None) -> Counter:
    """Advance a batch generator, printing per-file problems and a progress bar."""
    counts: Counter = Counter()
    failures: list[batch.Failure] = []
    bar = progress_bar(total, label)
    seen: set[Path] = set()
    events = batch.run_batch(jobs, lambda m: infer[m], options, Progress())
    try:
        for event in events:
            counts[event.kind] += 1
            seen.add(event.src)
            if event.failure:
                failures.append(event.failure)
                _print_problem(event.failure, bar)
            if bar:
                bar.update(len(seen))
    finally:
        if bar:
            bar.close()
        if report is not None:
            batch.write_report(report, failures)
            print(f"report: {report} ({len(failures)} skipped file(s))")
    return counts


def _print_problem(failure: batch.Failure, bar) -> None:
    if bar:
        sys.stderr.write("\r")
    print(f"skipped {failure.path} ({failure.stage}): {failure.reason}", file=sys.stderr)


def _summary(counts: Counter, model: LoadedModel, verb: str, seconds: float | None = None,
             extra_models: list[str] | None = None) -> None:
    info = model.info
    models = ", ".join([info.name, *(extra_models or [])])
    rate = f", {counts['done'] / seconds:.2f} img/s" if seconds and counts["done"] else ""
    print(f"{verb} {counts['done']}, already done {counts['exists']}, failed {counts['failed']} "
          f"| model {models} ({info.precision}) on {model.provider}{rate}")


def faces_model(requested: str | None) -> str:
    """-m, else the only installed latent-to-image model (or the shipped one)."""
    if requested:
        return requested
    found = [name for name, path in model_store.installed().items()
             if modelfile.read_metadata(path).get("task") == "latent-to-image"]
    folder = resource_path("models")
    found += [str(p) for p in (sorted(folder.glob("*.onnx")) if folder.is_dir() else [])
              if modelfile.read_metadata(p).get("task") == "latent-to-image"]
    if not found:
        raise UsageError("no faces model installed: train one (anime-train dcgan), export it "
                         "(anime-export onnx RUN -o faces.onnx) and pass -m faces.onnx or import it")
    return found[0]


def faces(ns) -> int:
    if ns.output.exists() and not ns.overwrite:
        raise UsageError(f"{ns.output} exists; pass --overwrite to replace it")
    if ns.n < 1 or ns.scale < 1:
        raise UsageError("-n and --scale must be at least 1")
    config = SessionConfig(provider=ns.provider or Settings.load().provider)
    model = load_model(faces_model(ns.model), config)
    runner = GeneratorRunner(model)
    dim = model.info.io.latent_dim
    if ns.interpolate:
        a, b = (latent.latent(s, dim, ns.truncation) for s in ns.interpolate)
        frames = _enlarge(runner.generate(latent.interpolate(a, b, ns.frames)), ns.scale)
        if ns.output.suffix.lower() == ".gif":
            imageio.save_animation(ns.output, list(frames), overwrite=ns.overwrite)
        else:
            imageio.save_image(ns.output, latent.grid(frames, columns=len(frames)), overwrite=ns.overwrite)
        print(f"wrote {ns.output}: {ns.frames} frames from seed {ns.interpolate[0]} to {ns.interpolate[1]}")
        return EXIT_OK
    seed = ns.seed if ns.seed is not None else secrets.randbits(24)
    seeds = list(range(seed, seed + ns.n))
    images = _enlarge(runner.generate(latent.latents(seeds, dim, ns.truncation)), ns.scale)
    imageio.save_image(ns.output, latent.grid(images), overwrite=ns.overwrite)
    print(f"wrote {ns.output}: {ns.n} faces, seeds {seeds[0]}..{seeds[-1]} (--seed {seed}), model {model.info.name}")
    return EXIT_OK


def _enlarge(images, scale: int):
    return images if scale == 1 else images.repeat(scale, axis=1).repeat(scale, axis=2)


def models_list(ns) -> int:
    installed = model_store.installed()
    if not installed:
        print("no models installed; add one with `anime-desktop models import FILE.onnx`")
        return EXIT_OK
    print(f"{'NAME':<24} {'FAMILY':<12} {'STYLE':<14} {'PREC':<5} {'SIZE':>8}  LICENSE")
    for name, path in installed.items():
        try:
            meta = modelfile.read_metadata(path)
        except AnimeDesktopError as exc:
            print(f"{name:<24} (unreadable: {exc.reason})")
            continue
        size = f"{path.stat().st_size / 1e6:.1f} MB"
        print(f"{name:<24} {meta.get('family', '?'):<12} {meta.get('style', '-'):<14} "
              f"{meta.get('precision', 'fp32'):<5} {size:>8}  {meta.get('license', 'unknown')}")
    return EXIT_OK


def models_info(ns) -> int:
    model = load_model(ns.model, SessionConfig(provider="cpu"))
    info = model.info
    rows = {
        "name": info.name, "file": str(info.path), "sha256": model.sha256, "family": info.family,
        "task": info.task, "style": info.style or "-", "precision": info.precision, "license": info.license,
        "source": info.source or "-", "metadata": "ours" if info.has_metadata else "none (convention detected)",
        "layout": info.io.layout, "range": f"{info.io.value_range[0]:g},{info.io.value_range[1]:g}",
        "channel order": info.io.channel_order, "size multiple": info.io.size_multiple,
        "min size": info.io.min_size, "fixed size": info.io.fixed_size or "-",
        "latent size": info.io.latent_dim or "-", "input dtype": info.io.input_dtype,
    }
    for key, value in rows.items():
        print(f"{key:>14}: {value}")
    return EXIT_OK


def models_import(ns) -> int:
    info = import_model(ns.path, ns.name, overrides(ns))
    print(f"installed '{info.name}' ({info.family}, {info.precision}, {info.io.layout}) -> {info.path}")
    return EXIT_OK


def models_remove(ns) -> int:
    path = model_store.remove(ns.model)
    print(f"removed '{ns.model}' ({path})")
    return EXIT_OK
