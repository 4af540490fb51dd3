"""`anime-export build-student`: distil any look the app can run into a small, fast model of your own.

  render pairs  anime-desktop pairs PHOTOS WORK/pairs --teacher MODEL --exclude <held-out>
  train         anime-train paired --data WORK/pairs --out WORK/run --steps N --decay_steps=N
  export        anime-export onnx WORK/run -> FP32;  anime-export int8 (calibrated on the training photos)
  check         PSNR / SSIM to the teacher on the held-out photos (worst photo named), speed side by side
  card          WORK/NAME.md: the teacher's licence carries over to the student
  install       the INT8 model into the app's models folder, as NAME (only when every gate passes)

Each stage runs the command a user would type (training in a subprocess: the trainer stays free
of the app's code), and every stage's output can be inspected in WORK/. Gates
are on by default with the shipped default model's thresholds (CONTRACTS.md); a student that misses
one is not installed, and the card and the console say which gate failed.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from anime_desktop.core import batch, imageio, modelfile
from anime_desktop.engine.runners import StylizeRunner

from . import default_quality as dq
from .quality import psnr, ssim

DEFAULT_STEPS = 4500


@dataclass(frozen=True)
class Gates:
    """The default model's gates, against the teacher on the held-out photos; each can be set."""

    mean_psnr: float = dq.GATE_MEAN_PSNR
    min_psnr: float = dq.GATE_MIN_PSNR
    mean_ssim: float = dq.GATE_MEAN_SSIM
    over_photo_db: float = dq.GATE_OVER_PHOTO_DB
    max_luma_psnr: float = dq.GATE_MAX_LUMA_PSNR  # output vs photo: above it, the look did not change

    @classmethod
    def parse(cls, text: str) -> Gates | None:
        """'on' (the defaults), 'off' (None), or 'mean_psnr=22,min_psnr=20,...'."""
        text = text.strip().lower()
        if text in ("on", "default", ""):
            return cls()
        if text == "off":
            return None
        known, values = {f.name for f in fields(cls)}, {}
        for part in text.split(","):
            key, _, value = part.partition("=")
            key = key.strip().replace("-", "_")
            if key not in known:
                raise ValueError(f"--gates: unknown gate {key!r} (known: {', '.join(sorted(known))}, or on/off)")
            values[key] = float(value)
        return replace(cls(), **values)

    def failures(self, report: dq.Report) -> list[str]:
        out = []
        if report.mean_psnr < self.mean_psnr:
            out.append(f"mean PSNR {report.mean_psnr:.2f} dB < {self.mean_psnr:g}")
        out += [f"{s.name}: PSNR {s.psnr:.2f} dB < {self.min_psnr:g}" for s in report.images if s.psnr < self.min_psnr]
        if report.mean_ssim < self.mean_ssim:
            out.append(f"mean SSIM {report.mean_ssim:.3f} < {self.mean_ssim:g}")
        if report.mean_psnr - report.mean_photo_psnr < self.over_photo_db:
            out.append(f"only {report.mean_psnr - report.mean_photo_psnr:.2f} dB better than the plain photo "
                       f"(< {self.over_photo_db:g})")
        out += [f"{s.name}: luma {s.luma_from_photo:.2f} dB from the photo > {self.max_luma_psnr:g} (look unchanged)"
                for s in report.images if s.luma_from_photo > self.max_luma_psnr]
        return out


@dataclass
class Student:
    name: str
    teacher: str
    teacher_license: str
    int8: Path
    fp32: Path
    card: Path
    reports: dict[str, dq.Report]
    problems: list[str]
    installed: Path | None = None
    train_minutes: float = 0.0  # pairs and training, the part a faster machine shortens
    teacher_settings: str = ""  # DreamShaper's prompt, strength, steps and seed: the look is theirs too


def run(stage: str, args: list[str]) -> None:
    """Run one stage's command. Pairs and training run in a subprocess (the trainer stays free of
    the app's code, and export may not import the app's CLI); the export stages run in this
    process with the same arguments, which saves a Python + torch start-up each."""
    print(f"== {stage}: {' '.join(args)}", flush=True)
    if args[0] == "export":
        from .cli import main as export

        code = export(args[1:])
    else:
        code = subprocess.run([sys.executable, "-m", *args]).returncode
    if code != 0:
        raise SystemExit(f"build-student: stage '{stage}' failed (exit {code})")


def held_out_of(photos: list[Path], requested: list[str]) -> list[Path]:
    """The named stems, or by default every fifth photo (at least one, never all of them)."""
    if requested:
        by_stem = {p.stem: p for p in photos}
        missing = [s for s in requested if s not in by_stem]
        if missing:
            raise ValueError(f"--held-out names photos that are not there: {', '.join(missing)}")
        chosen = [by_stem[s] for s in requested]
    else:
        chosen = photos[4::5] or photos[-1:]
    if len(chosen) >= len(photos):
        raise ValueError("every photo is held out: nothing is left to train on")
    return chosen


def evaluate(model: Path, teacher, photos: dict[str, np.ndarray]) -> dq.Report:
    """The student against its teacher (a callable rgb -> rgb) on each held-out photo."""
    from anime_desktop.engine.loader import load_model
    from anime_desktop.engine.session import SessionConfig

    runner = StylizeRunner(load_model(model, SessionConfig(provider="cpu", spinning=False)))
    report = dq.Report(str(model))
    for name, rgb in photos.items():
        target, out = teacher(rgb), runner.run(rgb)
        report.images.append(dq.ImageScore(name, psnr(out, target), ssim(out, target), psnr(rgb, target),
                                           psnr(dq.luma(out), dq.luma(rgb))))
    return report


def frame_times(student: Path, teacher, width: int = 1280, height: int = 720, rounds: int = 3) -> dict[str, float]:
    """Median seconds per 720p frame, student and teacher run in turn in one process."""
    from anime_desktop.engine.loader import load_model
    from anime_desktop.engine.session import SessionConfig

    frame = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    runs = {"student": StylizeRunner(load_model(student, SessionConfig(provider="cpu", spinning=False)),
                                     tile_mp=8.0).run, "teacher": teacher}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for fn in runs.values():
        fn(frame)
    for _ in range(rounds):
        for k, fn in runs.items():
            start = time.perf_counter()
            fn(frame)
            times[k].append(time.perf_counter() - start)
    return {k: float(np.median(v)) for k, v in times.items()}


def build(teacher: str, photos_dir: Path, name: str, work: Path, steps: int = DEFAULT_STEPS,
          held_out: list[str] = (), gates: Gates | None = Gates(), slow: bool = False,
          speed: bool = True, install: bool = True, dreamshaper=None, style: str | None = None,
          source_url: str | None = None, work_mp: float | None = None) -> Student:
    """`dreamshaper` (a `DreamShaperRun`) is the prompt, seed and steps a DreamShaper teacher runs with;
    such a teacher takes seconds a photo, so its pairs are rendered as with --slow (one scale).
    `work_mp` (None: the teacher's own working size, 0: none) is the size the look is learned and
    judged at, and the student's own working size."""
    from anime_desktop import diffusion
    from anime_desktop.diffusion.options import to_arguments
    from anime_desktop.engine.importer import import_model
    from anime_desktop.jobs.pairs import open_teacher

    started = time.perf_counter()
    photos = batch.discover(photos_dir)
    if not photos:
        raise ValueError(f"{photos_dir} holds no photos")
    held = held_out_of(photos, list(held_out))
    sd_args, loaded, teach = [], None, None
    if diffusion.is_dreamshaper(teacher):
        from anime_desktop.diffusion.backend import file_label

        dreamshaper, slow = dreamshaper or diffusion.DreamShaperRun(), True
        sd_args = to_arguments(dreamshaper)
        # Checked here (paths, config), opened only after training: the pairs child loads its own
        # copy, and two pipelines at once would double the GPU memory a build needs.
        dreamshaper.params.check()
        source = dreamshaper.source(str(teacher))
        teacher_name, teacher_style, licence = file_label(source), "DreamShaper", source.license
    else:
        # Fails here, before any work, for a model that cannot stylize.
        loaded, teach = open_teacher(teacher, work_mp=work_mp)
        work_mp = loaded.info.work_mp if work_mp is None else work_mp
        teacher_name, teacher_style = loaded.info.name, loaded.info.style or loaded.info.name
        licence = loaded.info.license or "unknown"
    work.mkdir(parents=True, exist_ok=True)
    pairs, run_dir = work / "pairs", work / "run"
    fp32, int8 = work / f"{name}-fp32.onnx", work / f"{name}-int8.onnx"
    for stale in (run_dir, pairs):
        shutil.rmtree(stale, ignore_errors=True)  # a rebuild starts from scratch: same command, same result
    run("render pairs", ["anime_desktop", "pairs", str(photos_dir), str(pairs), "--teacher", str(teacher),
                         "--exclude", ",".join(p.stem for p in held), *(["--slow"] if slow else []), *sd_args,
                         *(["--work-mp", f"{work_mp:g}" if work_mp else "full"] if loaded is not None else [])])
    calibration = work / "calibration"
    shutil.rmtree(calibration, ignore_errors=True)
    calibration.mkdir()
    for photo in sorted((pairs / "A").glob("*-s100-j0.png")):
        shutil.copy2(photo, calibration / photo.name)
    every = max(steps // 4, 1)
    run("train", ["trainer", "paired", "--data", str(pairs), "--out", str(run_dir), "--steps", str(steps),
                  f"--decay_steps={steps}", "--seed=0", f"--save_every={every}", f"--sample_every={every}",
                  f"--log_every={max(1, min(100, steps // 100))}"])  # a hundred progress lines at most
    trained = time.perf_counter()
    style = style or f"{teacher_style} (fast copy)"
    facts = ["--style", style, "--license", licence, "--source-url",
             source_url or f"anime-export build-student --teacher {teacher_name}"]
    run("export FP32", ["export", "onnx", str(run_dir), "-o", str(fp32), *facts])
    run("export INT8", ["export", "int8", str(fp32), "--calibration", str(calibration), "-o", str(int8),
                        "--count", str(len(list(calibration.iterdir())))])
    if work_mp:  # the student is applied at its teacher's working size: that is the look it learned
        for file in (fp32, int8):
            modelfile.rewrite_metadata(file, {"work_mp": f"{work_mp:g}"})
    print("== check: held-out", ", ".join(p.stem for p in held), flush=True)
    held_rgb = {p.stem: imageio.load_image(p).rgb for p in held}
    if teach is None:  # DreamShaper, now that the pairs child and training are done with the memory
        _, teach = open_teacher(teacher, dreamshaper=dreamshaper)
    reports = {"int8": evaluate(int8, teach, held_rgb), "fp32": evaluate(fp32, teach, held_rgb)}
    # A DreamShaper frame takes minutes on a CPU: one timed round is enough to show the gap.
    times = frame_times(int8, teach, rounds=1 if sd_args else 3) if speed else {}
    problems = [f"{p}: {f}" for p, r in reports.items() for f in gates.failures(r)] if gates else []
    config = json.loads((run_dir / "config.json").read_text())
    card = work / f"{name}.md"
    student = Student(name, teacher_name, licence, int8, fp32, card, reports, problems,
                      train_minutes=(trained - started) / 60,
                      teacher_settings=_settings_of(dreamshaper) if sd_args else "")
    minutes = (time.perf_counter() - started) / 60
    card.write_text(model_card(student, steps, config, gates, times, minutes, len(photos) - len(held)),
                    encoding="utf-8")
    if problems:
        print(f"build-student: '{name}' not installed, gates missed:\n  " + "\n  ".join(problems), file=sys.stderr)
        return student
    if install:
        info = import_model(int8, name)
        student.installed = info.path
        shutil.copy2(card, info.path.with_suffix(".md"))
        print(f"installed '{info.name}' ({info.precision}, licence {licence}) -> {info.path} in {minutes:.1f} min")
    return student


def _settings_of(run) -> str:
    p = run.params
    return (f"prompt \"{p.prompt}\", negative \"{p.negative_prompt}\", strength {p.strength:g}, "
            f"{p.steps} steps ({p.scheduler}), guidance {p.guidance:g}, seed {p.seed}, working size {p.max_side} px")


def model_card(s: Student, steps: int, config: dict, gates: Gates | None, times: dict[str, float],
               minutes: float, trained_on: int) -> str:
    if gates is None:
        verdict = "Gates: **off** (a quick build; the quality below was not checked against any threshold)."
    elif s.problems:
        verdict = "**Not installed: gates missed.**\n\n" + "\n".join(f"- {p}" for p in s.problems)
    else:
        verdict = (f"Gates passed: mean PSNR ≥ {gates.mean_psnr:g} dB, every photo ≥ {gates.min_psnr:g} dB, "
                   f"mean SSIM ≥ {gates.mean_ssim:g}, ≥ {gates.over_photo_db:g} dB better than the plain photo, "
                   f"every output ≤ {gates.max_luma_psnr:g} dB (luma) from its photo.")
    worst = {k: min(r.images, key=lambda i: i.psnr) for k, r in s.reports.items()}
    speed = "| 1280x720 | not measured | | |"
    if times:
        speed = (f"| 1280x720 | {times['student'] * 1000:.0f} ms | {times['teacher'] * 1000:.0f} ms "
                 f"| {times['teacher'] / max(times['student'], 1e-9):.1f}x |")
    return f"""# {s.name}: a fast copy of `{s.teacher}`

A small pixel-shuffle network ({config['channels']}/{config['half_channels']} channels, {config['blocks']} residual
blocks at 1/4 scale) trained to imitate the teacher `{s.teacher}`.

- **Licence:** {s.teacher_license} (the teacher's: a student made from a model's output carries its terms).
- **Teacher:** `{s.teacher}`{f" ({s.teacher_settings})" if s.teacher_settings else ""}.
- **Data:** {trained_on} photos (scale and colour jitter, rendered by `anime-desktop pairs --teacher {s.teacher}`);
  held out: {', '.join(i.name for i in s.reports['int8'].images)}.
- **Training:** `anime-train paired`, {steps} steps, batch {config['batch_size']}, seed {config['seed']}
  ({minutes:.1f} min in all).
- **Files:** `{s.int8.name}` (static INT8, installed) and `{s.fp32.name}`.

{verdict}

## Quality on the held-out photos, against the teacher

INT8 (worst photo: {worst['int8'].name}, {worst['int8'].psnr:.2f} dB):

{s.reports['int8'].table()}

FP32 (worst photo: {worst['fp32'].name}, {worst['fp32'].psnr:.2f} dB):

{s.reports['fp32'].table()}

## Speed (CPU, medians, student and teacher run in turn)

| input | student INT8 | teacher | speed-up |
|---|---|---|---|
{speed}

Built {datetime.date.today().isoformat()}.
"""
