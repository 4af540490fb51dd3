"""The work behind each `anime-desktop` subcommand (argparse lives in `cli`).

Printing is this module's job: results on stdout, problems on stderr, one line each.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from . import diffusion
from .cli import EXIT_FAILED, EXIT_OK, UsageError, progress_bar
from .core import attributes as attrs
from .core import batch, imageio, latent, model_store, pipeline, tempfiles, worksize
from .core.errors import AttributeChoiceError
from .core.progress import Progress
from .core.settings import Settings
from .diffusion.options import from_arguments
from .engine.cache import ModelCache
from .engine.loader import LoadedModel, load_model
from .engine.runners import GeneratorRunner, StylizeRunner
from .engine.session import SessionConfig
from .jobs import catalog
from .jobs import download as model_jobs
from .jobs import faces as face_jobs


def choose_model(requested: str | None) -> str:
    """-m; else the model last chosen (the window's choice or `models import --use`) if it still
    exists; else the shipped default: the same choice the window opens with. Installing a model
    never changes which model is used by itself (CONTRACTS.md)."""
    if requested:
        return requested
    rows = catalog.catalog()
    names = catalog.style_names(rows)
    last = Settings.load().last_model
    if last and last in names:
        return last
    default = catalog.shipped_default(rows)
    if default is not None:
        return default
    raise UsageError(f"no model chosen: pass -m NAME or -m PATH.onnx (can stylize: {', '.join(names)})")


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
    return load_model(model, config, overrides(ns), task="image-to-image")


def open_look(name: str, ns):
    """(model, runner) for an ONNX model, `toon` or DreamShaper; DreamShaper's steps print on a terminal."""
    if not diffusion.is_dreamshaper(name):
        model = open_model(name, ns)
        return model, _runner(model, ns)
    from .jobs.looks import open_look as open_any

    run = from_arguments(ns)
    try:
        run.params.check()  # a bad --strength is a usage problem, found before minutes of loading
    except diffusion.DiffusionError as exc:
        raise UsageError(str(exc)) from None
    cache = ModelCache(config=SessionConfig(provider=ns.provider or Settings.load().provider))
    model, runner = open_any(cache, name, dreamshaper=run)
    return model, _StepPrinter(runner) if sys.stderr.isatty() else runner


class _StepPrinter:
    """DreamShaper takes seconds per step: show them on the terminal, under the image bar."""

    def __init__(self, runner) -> None:
        self.runner = runner

    def run(self, rgb, progress=None):
        def show(fraction: float, message: str) -> None:
            sys.stderr.write(f"\r  {message} ")
            sys.stderr.flush()
            if progress is not None:
                progress.set_progress(fraction, message)

        try:
            return self.runner.run(rgb, Progress(on_change=show))
        finally:
            sys.stderr.write("\r")


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
    return StylizeRunner(model, tile_mp=tile_mp, work_mp=work_mp_of(ns))


def work_mp_of(ns) -> float | None:
    """--work-mp, else the setting (None: each model's own working size)."""
    text = getattr(ns, "work_mp", None)
    if text is None:
        return Settings.load().work_mp
    try:
        return worksize.parse(text)
    except ValueError as exc:
        raise UsageError(f"--work-mp: {exc}") from None


def writable_folder(folder: Path | None) -> None:
    """Refuse an output folder that is a file (or under one) before any work is done."""
    if folder is None:
        return
    for place in (folder, *folder.parents):
        if place.exists():
            if not place.is_dir():
                raise UsageError(f"cannot write into {folder}: {place} is a file, not a folder")
            return


def stylize(ns) -> int:
    options = stylize_options(ns)
    writable_folder(ns.output)
    model, runner = open_look(choose_model(ns.model), ns)
    name = model.info.name
    folders = [(ns.output or src.parent).resolve() for src in ns.images]
    jobs = []
    for src, stem, folder in zip(ns.images, batch.distinct_stems(ns.images, folders), folders):
        dst = folder / pipeline.output_name(Path(stem), name, options.output)
        jobs.append(batch.BatchInput(src, [batch.Target(name, dst)] if dst.resolve() != src.resolve() else []))
    _sweep(jobs)
    events = batch.run_batch(jobs, {name: _infer_with(runner)}.__getitem__, options, Progress())
    counts = _drive(events, len(jobs), "stylize")
    _summary(counts, model, "stylized")
    return EXIT_FAILED if counts["failed"] or counts["done"] + counts["exists"] < len(jobs) else EXIT_OK


def batch_command(ns) -> int:
    options = stylize_options(ns)
    in_dir, out_dir = ns.in_dir.resolve(), ns.out_dir.resolve()
    if not in_dir.is_dir():
        raise UsageError(f"input folder {ns.in_dir} does not exist or is not a folder")
    if out_dir == in_dir:
        raise UsageError("OUT_DIR must differ from IN_DIR: a batch never writes into its input folder")
    writable_folder(ns.out_dir)
    writable_folder(ns.report.parent if ns.report else None)
    if ns.ray:
        from .core.extras import require

        require("cluster", "--ray")  # before minutes of work, one line saying what to install
        if any(diffusion.is_dreamshaper(m) for m in ns.model or []):
            raise UsageError("--ray runs the ONNX looks and toon; DreamShaper batches run without --ray")
    looks = [open_look(m, ns) for m in (ns.model or [choose_model(None)])]
    loaded = [model for model, _ in looks]
    names = [m.info.name for m in loaded]
    if len(set(names)) != len(names):
        raise UsageError(f"two models share the name {names}: install one under another name")
    sources = batch.discover(in_dir, ns.recursive, exclude=out_dir)
    if not sources:
        print(f"error: no images found in {ns.in_dir}", file=sys.stderr)
        return EXIT_FAILED
    jobs = batch.plan(sources, in_dir, out_dir, names, options.output)
    _sweep(jobs)
    started = time.perf_counter()
    if ns.ray:
        counts = _ray_batch(ns, jobs, loaded, options, len(sources))
    else:
        infer = {m.info.name: _infer_with(runner) for m, runner in looks}
        events = batch.run_batch(jobs, infer.__getitem__, options, Progress())
        counts = _drive(events, len(sources), "batch", report=ns.report)
    _summary(counts, loaded[0], "stylized", time.perf_counter() - started, extra_models=loaded[1:])
    return EXIT_OK if counts["done"] + counts["exists"] else EXIT_FAILED


def _ray_batch(ns, jobs, loaded, options, total: int) -> Counter:
    """The same batch through a pool of Ray actors (jobs.ray_batch); prints how many served it."""
    from .jobs import ray_batch

    tile_mp = ns.tile_mp if ns.tile_mp is not None else Settings.load().tile_mp
    workers: Counter = Counter()

    stream = ray_batch.run(jobs, loaded, options, tile_mp,
                           ray_batch.RayOptions(ns.ray, ns.ray_actors, max(ns.threads, 1)), work_mp=work_mp_of(ns))

    def events():
        for item in stream:
            if item.worker:
                workers[item.worker] += 1
            yield item.event

    try:
        counts = _drive(events(), total, "batch", report=ns.report)
    finally:
        stream.close()  # on Ctrl-C too: a Ray started here is shut down and half-written files are swept
    if workers:
        print(f"ray: {sum(workers.values())} output(s) from {len(workers)} actor(s) at {ns.ray}")
    return counts


def _sweep(jobs: list[batch.BatchInput]) -> None:
    """Remove what killed runs left in the folders this run writes to (the one temp pattern only)."""
    tempfiles.sweep_for(t.dst for job in jobs for t in job.targets)


def _drive(events, total: int, label: str, report: Path | None = None) -> Counter:
    """Advance a batch's events (plain or Ray), printing per-file problems and a progress bar."""
    counts: Counter = Counter()
    failures: list[batch.Failure] = []
    bar = progress_bar(total, label)
    seen: set[Path] = set()
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
             extra_models: list[LoadedModel] | None = None) -> None:
    models = ", ".join(f"{m.info.name} ({m.info.precision})" for m in [model, *(extra_models or [])])
    rate = f", {counts['done'] / seconds:.2f} img/s" if seconds and counts["done"] else ""
    # "skipped", the word each problem line uses: one word for one thing.
    print(f"{verb} {counts['done']}, already done {counts['exists']}, skipped {counts['failed']} "
          f"| model {models} on {model.provider}{rate}")


def faces_model(requested: str | None) -> str:
    """-m, else the first installed latent-to-image model, else the shipped one."""
    if requested:
        return requested
    found = catalog.faces_names()
    if not found:
        raise UsageError("no faces model installed: train one (anime-train dcgan), export it "
                         "(anime-export onnx RUN -o faces.onnx) and pass -m faces.onnx or import it")
    return found[0]


def faces(ns) -> int:
    if ns.output.exists() and not ns.overwrite:
        raise UsageError(f"{ns.output} exists; pass --overwrite to replace it")
    if ns.n < 1 or ns.scale < 1:
        raise UsageError("-n and --scale must be at least 1")
    if ns.frames < 2 or ns.truncation <= 0:
        raise UsageError("--frames must be at least 2 and --truncation above 0")
    if min([ns.seed or 0, *(ns.interpolate or [])]) < 0:
        raise UsageError("seeds are 0 or more")
    writable_folder(ns.output.parent)
    tempfiles.sweep_stale(ns.output.parent)
    config = SessionConfig(provider=ns.provider or Settings.load().provider)
    model = load_model(faces_model(ns.model), config, task="latent-to-image")
    runner = GeneratorRunner(model)
    label, setting, setting_to = _face_conditioning(runner, ns)
    if ns.interpolate:
        (seed_a, seed_b), attributes = ns.interpolate, runner.attributes
        row_a, row_b = face_jobs.attribute_row(runner, setting, seed_a), face_jobs.attribute_row(runner, setting_to,
                                                                                                  seed_b)
        frames = face_jobs.interpolation(runner, seed_a, seed_b, ns.frames, ns.truncation, label, row_a, row_b)
        face_jobs.write_frames(face_jobs.enlarge(frames, ns.scale), ns.output, overwrite=ns.overwrite)
        ends = ((f" ({attrs.describe(attributes, row_a)})", f" ({attrs.describe(attributes, row_b)})")
                if attributes else ("", ""))
        print(f"wrote {ns.output}: {ns.frames} frames from seed {seed_a}{ends[0]} to {seed_b}{ends[1]}")
        return EXIT_OK
    seed = ns.seed if ns.seed is not None else secrets.randbits(24)
    seeds = list(range(seed, seed + ns.n))
    ranker = None
    if ns.rank > 1:
        from .engine.ranker import ranker_for

        ranker = ranker_for(model.info.path)
        if ranker is None:
            raise UsageError(f"--rank needs a discriminator beside the model ({model.info.path.stem}.disc.onnx)")
    faces_ = face_jobs.generate_faces(runner, ranker, seeds, ns.truncation, ns.rank, label, setting)
    images = face_jobs.enlarge(np.stack([f.image for f in faces_]), ns.scale)
    imageio.save_image(ns.output, latent.grid(images), overwrite=ns.overwrite)
    shown = f"seeds {seeds[0]}..{seeds[-1]}" if ns.rank <= 1 else f"best of {ns.rank} per face"
    chosen = f", {attrs.describe_setting(runner.attributes, setting)}" if runner.attributes else ""
    print(f"wrote {ns.output}: {ns.n} faces, {shown} (--seed {seed}), model {model.info.name}{chosen}")
    return EXIT_OK


def _face_conditioning(runner: GeneratorRunner, ns) -> tuple[int, attrs.Setting, attrs.Setting]:
    """(label, setting, end setting) from --label, --attr and --attr-to, each checked against the model."""
    name, attributes = runner.model.info.name, runner.attributes
    if ns.attr_to and not ns.interpolate:
        raise UsageError("--attr-to sets the end face of --interpolate SEED_A SEED_B; a grid takes --attr only")
    if attributes and ns.label is not None:
        raise UsageError(f"{name} is an attribute model: choose with --attr NAME=VALUE instead of --label "
                         f"(its attributes: {', '.join(attrs.names(attributes))})")
    if ns.label and not runner.num_classes:
        raise UsageError(f"{name} is not conditional: it takes no --label")
    if (ns.attr or ns.attr_to) and not attributes:
        labels = f"; it is a single-label model: choose with --label 0..{runner.num_classes - 1}"
        raise UsageError(f"{name} has no attributes, so it takes no --attr" + (labels if runner.num_classes else ""))
    start = _choices(ns.attr, "--attr")
    try:
        return ns.label or 0, runner.resolve(start), runner.resolve({**start, **_choices(ns.attr_to, "--attr-to")})
    except AttributeChoiceError as exc:
        raise UsageError(str(exc)) from None


def _choices(pairs: list[tuple[str, str]], option: str) -> dict[str, str]:
    choices: dict[str, str] = {}
    for name, value in pairs:
        if name in choices:
            raise UsageError(f"{option} {name} is given twice ({name}={choices[name]}, {name}={value})")
        choices[name] = value
    return choices


def video(ns) -> int:
    from .core import video_convert

    if not 0 <= ns.crf <= 51:
        raise UsageError("--crf must be between 0 and 51")
    if ns.output.suffix.lower() not in (".mp4", ".mkv", ".mov"):
        raise UsageError(f"{ns.output}: write the video as .mp4, .mkv or .mov")
    writable_folder(ns.output.parent)
    model = open_model(choose_model(ns.model), ns)
    runner = _runner(model, ns)
    options = video_convert.VideoOptions(short_side=max(ns.size, 0), steady=ns.steady, crf=ns.crf,
                                         overwrite=ns.overwrite)
    _, _, _, total = video_convert.probe(ns.input)
    bar = progress_bar(max(total, 1), "video")
    started = time.perf_counter()
    steps = video_convert.convert(ns.input, ns.output, runner.run, options)
    try:
        while True:
            done = next(steps)
            if bar:
                bar.update(min(done, total))
    except StopIteration as end:
        report = end.value
    finally:
        if bar:
            bar.close()
    seconds = time.perf_counter() - started
    print(f"wrote {report.path}: {report.frames} frames, {report.width}x{report.height} at {report.fps:.3g} fps, "
          f"audio {report.audio} | model {model.info.name} on {model.provider}, {report.frames / seconds:.1f} frames/s")
    return EXIT_OK


def pairs(ns) -> int:
    """`pairs --teacher MODEL` and `toon-pairs` (the same with `--teacher toon`)."""
    from .core import toon_pairs
    from .jobs import pairs as pair_jobs

    if not ns.in_dir.is_dir():
        raise UsageError(f"input folder {ns.in_dir} does not exist or is not a folder")
    if ns.out_dir.resolve() == ns.in_dir.resolve():
        raise UsageError("OUT_DIR must differ from IN_DIR: the photos are never overwritten")
    writable_folder(ns.out_dir)
    if ns.scales is None:
        scales = toon_pairs.SLOW_SCALES if ns.slow else toon_pairs.SCALES
    else:
        try:
            scales = tuple(float(v) for v in ns.scales.split(","))
        except ValueError:
            raise UsageError(f"--scales wants numbers such as 1,0.75,0.5, not {ns.scales!r}") from None
    if not scales or any(not 0.05 <= s <= 4 for s in scales) or ns.jitters < 0:
        raise UsageError("--scales must lie between 0.05 and 4, and --jitters may not be negative")
    exclude = frozenset(v.strip() for v in ns.exclude.split(",") if v.strip())
    sources = batch.discover(ns.in_dir, exclude=ns.out_dir)
    for half in ("A", "B"):
        tempfiles.sweep_stale(ns.out_dir / half)
    try:
        work_mp = worksize.parse(ns.work_mp)
    except ValueError as exc:
        raise UsageError(f"--work-mp: {exc}") from None
    plan = toon_pairs.PairPlan(scales=scales, jitters=ns.jitters, seed=ns.seed, exclude=exclude, work_mp=work_mp)
    cache = ModelCache(config=SessionConfig(provider=ns.provider)) if ns.provider else None
    used = len({s.stem for s in sources} - exclude)
    bar = progress_bar(max(used * plan.renders_per_photo(), 1), "pairs")
    total = max(used * plan.renders_per_photo(), 1)
    progress = Progress(on_change=(lambda f, _m: bar.update(round(f * bar.total))) if bar else _line_per_render(total))
    written = skipped = 0
    try:
        for item in pair_jobs.render_pairs(sources, ns.out_dir, ns.teacher, plan, progress, cache,
                                           from_arguments(ns)):
            if isinstance(item, str):
                skipped += 1
                print(item, file=sys.stderr)
            else:
                written += 1
    finally:
        if bar:
            bar.close()
    print(f"wrote {written} pairs from {used - skipped} photos to {ns.out_dir} (A: photos, B: {ns.teacher})"
          + (f"; skipped {skipped} unreadable" if skipped else ""))
    return EXIT_OK if written else EXIT_FAILED


def _line_per_render(total: int):
    """Without a terminal (a child of the window, a log file): one `pairs N/M` line per render."""
    last = [-1]

    def show(fraction: float, _message: str) -> None:
        done = round(fraction * total)
        if done != last[0]:
            last[0] = done
            print(f"pairs {done}/{total}", file=sys.stderr, flush=True)
    return show


def models_list(ns) -> int:
    rows = [["NAME", "FAMILY", "STYLE", "PREC", "SIZE", "WHERE", "LICENSE"]]
    entries = catalog.catalog()
    for r in entries:
        if r.problem:
            rows.append([r.name, f"(unreadable: {r.problem})"])
            continue
        size = f"{r.size_mb:.1f} MB" if r.size_mb else "-"
        rows.append([r.name, r.family, r.style or "-", r.precision, size, r.where, r.license])
    # Columns as wide as their longest entry, so long style names do not shift the rest.
    widths = [max(len(r[i]) for r in rows if len(r) == 7) for i in range(7)]
    for row in rows:
        if len(row) < 7:
            print(f"{row[0]:<{widths[0]}}  {row[1]}")
            continue
        cells = [f"{c:>{w}}" if i == 4 else f"{c:<{w}}" for i, (c, w) in enumerate(zip(row, widths))]
        print("  ".join(cells[:-1]) + "  " + row[-1])
    if not any(not r.builtin for r in entries):
        print("(no models installed; add one with `anime-desktop models import FILE.onnx`)")
    return EXIT_OK


def models_info(ns) -> int:
    model = load_model(ns.model, SessionConfig(provider="cpu"))
    info = model.info
    rows = {"name": info.name, "file": str(info.path), "sha256": model.sha256, "family": info.family,
            "task": info.task, "style": info.style or "-", "precision": info.precision, "license": info.license,
            "source": info.source or "-"}
    if not info.is_generator_of_faces:
        rows["working size"] = f"{info.work_mp:g} MP (photos brought to it)" if info.work_mp else "the photo's own size"
    if model.render is not None:  # a classical renderer has no tensors: layout, range and multiple do not apply
        rows.update({"file": "- (built in)", "sha256": "-", "renderer": "classical OpenCV renderer, no network",
                     "input": "any RGB picture of any size"})
    else:
        rows.update({
            "metadata": "ours" if info.has_metadata else "none (convention detected)",
            "layout": info.io.layout, "range": f"{info.io.value_range[0]:g},{info.io.value_range[1]:g}",
            "channel order": info.io.channel_order, "size multiple": info.io.size_multiple,
            "min size": info.io.min_size, "fixed size": info.io.fixed_size or "-",
            "latent size": info.io.latent_dim or "-", "input dtype": info.io.input_dtype,
        })
    for key, value in rows.items():
        print(f"{key:>14}: {value}")
    _print_conditioning(info.io)
    return EXIT_OK


def _print_conditioning(io) -> None:
    """A conditional generator's labels, or its attributes one per line in column order."""
    if io.num_classes:
        print(f"{'labels':>14}: 0..{io.num_classes - 1} (--label N)")
    if io.attributes:
        print(f"{'attributes':>14}: {len(io.attributes)}, in column order (--attr NAME=VALUE, or NAME=any)")
        for name, values in io.attributes:
            print(f"{name:>14}: {', '.join(values)}")


def _metadata(ns) -> dict[str, str]:
    try:
        return model_jobs.metadata_values(ns.style, ns.license, ns.family)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _installed(info, use: bool) -> None:
    extra = "".join(f", {k} {v}" for k, v in (("style", info.style), ("license", info.license)) if v)
    print(f"installed '{info.name}' ({info.family}, {info.precision}, {info.io.layout}{extra}) -> {info.path}")
    if use:
        settings = Settings.load()
        settings.last_model = info.name
        settings.save()
        print(f"'{info.name}' is now used when -m is not given")


def models_import(ns) -> int:
    metadata = _metadata(ns)
    info = model_jobs.import_with_metadata(ns.path, ns.name, metadata, overrides(ns))
    _installed(info, ns.use)
    return EXIT_OK


def models_edit(ns) -> int:
    metadata = _metadata(ns)
    if not metadata and not ns.new_name:
        raise UsageError("nothing to change: give --style, --license, --family and/or --name NEW")
    name = ns.model
    if ns.new_name:  # first: a refused name changes nothing
        model_store.rename(name, ns.new_name)
        name = ns.new_name
    if metadata:
        model_store.set_metadata(name, metadata)
    if ns.new_name and Settings.load().last_model == ns.model:
        settings = Settings.load()
        settings.last_model = name
        settings.save()
    changes = [f"{k} {v}" for k, v in metadata.items()] + ([f"renamed from '{ns.model}'"] if ns.new_name else [])
    print(f"edited '{name}': {', '.join(changes)}")
    return EXIT_OK


def models_download(ns) -> int:
    from .core import download

    metadata = _metadata(ns)
    try:
        url = download.check_url(ns.url)
        sha = download.check_sha256(ns.sha256)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if ns.max_mb <= 0 or ns.timeout <= 0:
        raise UsageError("--max-mb and --timeout must be positive")
    bar = _ByteBar() if sys.stderr.isatty() else None
    try:
        done = model_jobs.download_and_import(
            url, ns.name, sha, metadata, overrides(ns), max_bytes=int(ns.max_mb * 1024**2), timeout=ns.timeout,
            progress=Progress(on_change=bar.update if bar else None))
    finally:
        if bar:
            bar.close()
    print(f"downloaded {url}: {done.size} bytes ({download.megabytes(done.size)}), sha256 {done.sha256}")
    _installed(done.info, ns.use)
    return EXIT_OK


class _ByteBar:
    """`download [#####.....] 12.3/45.6 MB` on a terminal."""

    def __init__(self) -> None:
        self.shown = False

    def update(self, fraction: float, message: str) -> None:
        filled = int(30 * fraction)
        sys.stderr.write(f"\rdownload [{'#' * filled}{'.' * (30 - filled)}] {message:<40}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def models_remove(ns) -> int:
    path = model_store.remove(ns.model)
    print(f"removed '{ns.model}' ({path})")
    return EXIT_OK
