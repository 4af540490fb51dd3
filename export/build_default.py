"""`anime-export build-default [--look toon|cel]`: rebuild a shipped built-in look from scratch, on a CPU.

It is `anime-export build-student` with the look's fixed settings (ISSUE 18, 19): teacher `toon`
(shipped as `toon-default`) or `cel` (`cel-default`), Kodak24 minus the held-out five, each photo
brought to the look's working size, 4500 steps, seed 0, the look's quality gates. What it adds:

  gates         the teacher's own distance from the photo (the look must be a real change); how the
                student treats people, lines and photo sizes (export/look_measures.py: ink on skin,
                lines kept, scale consistency); for `cel`, how far it is from `toon` (a second look
                must look different)
  speed         INT8 and FP32 at 512 and 720p, interleaved with a reference model (AnimeGANv3 tiny_Cute)
  ship          resources/models/<name>-{int8,fp32}.onnx + <name>.md (the model card)

A model that misses a gate is not copied into resources/ (exit 1), so a bad rebuild cannot
replace a good default.
"""

from __future__ import annotations

import datetime
import json
import platform
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import build_student
from . import default_quality as dq
from . import look_measures as lm
from .quality import psnr

DEFAULT_STEPS = build_student.DEFAULT_STEPS
GATE_LOOKS_APART_DB = 20.0  # mean PSNR between the two looks' outputs: at most this, or they are one look
GATE_SPEED_INT8, GATE_SPEED_FP32 = 0.5, 0.8  # x AnimeGANv3 tiny_Cute's 720p time


@dataclass(frozen=True)
class BuiltIn:
    teacher: str
    name: str
    gates: build_student.Gates
    lines_gate: bool  # the default look keeps lines where they belong; the soft look may draw fewer
    what: str


LOOKS = {
    "toon": BuiltIn("toon", "toon-default", build_student.Gates(), True,
                    "the app's classical `toon` renderer: a cartoon look with flat colour bands, saturated "
                    "colour and dark ink lines only where an edge is strong and coherent"),
    "cel": BuiltIn("cel", "cel-default", build_student.Gates(mean_psnr=24.0, min_psnr=22.0), False,
                   "the app's classical `cel` renderer: soft anime cel shading in three tones, a brighter "
                   "palette and thin outlines in a coloured dark ink"),
}
NAME = LOOKS["toon"].name


def build(kodak: Path, work: Path, out: Path, steps: int, reference: Path | None, threads: int = 0,
          look: str = "toon", faces: list[Path] = (), work_mp: float | None = None) -> int:
    spec = LOOKS[look]
    started = time.perf_counter()
    student = build_student.build(spec.teacher, kodak, spec.name, work, steps, list(dq.HELD_OUT), spec.gates,
                                  speed=False, install=False, style=spec.teacher,
                                  source_url=f"anime-export build-default --look {look}", work_mp=work_mp)
    print("== look measures (ink on skin, lines, scale)", flush=True)
    card, problems = finish(spec, kodak, work, student.reports, steps, reference, list(faces), started,
                            student.train_minutes, work_mp)
    problems = list(student.problems) + problems
    minutes = (time.perf_counter() - started) / 60
    if problems:
        print("build-default: not shipped, gates missed:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for file in (student.int8, student.fp32, card):
        shutil.copy2(file, out / file.name)
    print(f"shipped {spec.name} to {out} in {minutes:.1f} min")
    return 0


def finish(spec: BuiltIn, kodak: Path, work: Path, reports: dict, steps: int, reference: Path | None,
           faces: list[Path], started: float, train_minutes: float,
           work_mp: float | None = None) -> tuple[Path, list[str]]:
    """The gates beyond the student's own, the speed table and the card; returns (card, problems)."""
    from anime_desktop.engine.loader import classical_model, load_model
    from anime_desktop.engine.runners import StylizeRunner
    from anime_desktop.engine.session import SessionConfig

    int8, fp32 = work / f"{spec.name}-int8.onnx", work / f"{spec.name}-fp32.onnx"
    photos = dq.held_out_photos(kodak)
    held = list(photos.values())
    teacher_look = StylizeRunner(classical_model(spec.teacher), work_mp=work_mp).run
    teacher = dq.teacher_psnr(photos, teacher_look)
    student_look = StylizeRunner(load_model(int8, SessionConfig(provider="cpu", spinning=False))).run
    face_photos = lm.photos_with_faces([kodak, *faces])
    looks = {"student": lm.measure(student_look, held, face_photos),
             "teacher": lm.measure(teacher_look, held, face_photos)}
    problems = [f"look: {p}" for p in looks["student"].failures(spec.lines_gate)]
    if teacher > dq.GATE_TEACHER_PSNR:
        problems.append(f"teacher is {teacher:.2f} dB from the photo (> {dq.GATE_TEACHER_PSNR}): too weak a look")
    apart = None
    if spec.teacher != "toon":
        toon_look = StylizeRunner(classical_model("toon"), work_mp=work_mp).run
        apart = float(np.mean([psnr(teacher_look(p), toon_look(p)) for p in held]))
        if apart > GATE_LOOKS_APART_DB:
            problems.append(f"only {apart:.1f} dB from `toon` (> {GATE_LOOKS_APART_DB:g}): not a second look")
    models = {"int8": int8, "fp32": fp32}
    if reference is not None and reference.is_file():
        models["reference"] = reference
    speed_720 = dq.interleaved_times(models, 1280, 720)
    speed_512 = dq.interleaved_times({"int8": int8, "fp32": fp32}, 512, 512)
    if "reference" in speed_720:
        for key, gate in (("int8", GATE_SPEED_INT8), ("fp32", GATE_SPEED_FP32)):
            ratio = speed_720[key] / speed_720["reference"]
            if ratio > gate:
                problems.append(f"{key} at 720p is {ratio:.2f}x tiny_Cute's time (> {gate:g}x)")
    minutes = (time.perf_counter() - started) / 60
    card = work / f"{spec.name}.md"
    text = model_card(spec, reports, teacher, steps, speed_512, speed_720, minutes, train_minutes,
                      json.loads((work / "run" / "config.json").read_text()), looks, apart, len(faces),
                      StylizeRunner(classical_model(spec.teacher), work_mp=work_mp).work_mp)
    card.write_text(text, encoding="utf-8")
    print(text)
    return card, problems


def model_card(spec: BuiltIn, reports, teacher: float, steps: int, speed_512: dict, speed_720: dict, minutes: float,
               train_minutes: float, config: dict, looks: dict, apart: float | None, extra_faces: int,
               work_mp: float) -> str:
    ref = speed_720.get("reference")
    ratio = (lambda k: f" ({speed_720[k] / ref:.2f}x AnimeGANv3 tiny_Cute's {ref * 1000:.0f} ms)") if ref else \
        (lambda k: "")
    losses = (f"L1 x{config['weight_l1']:g} + (1 - MS-SSIM) x{config['weight_msssim']:g} + gradient L1 "
              f"x{config['weight_gradient']:g}" + (f" + adversarial x{config['weight_adv']:g}"
                                                   if config["weight_adv"] else " (no adversarial term)"))
    g = spec.gates
    apart_line = (f"\n- **A second look:** {apart:.2f} dB PSNR from `toon`'s output on the held-out five "
                  f"(gate ≤ {GATE_LOOKS_APART_DB:g} dB).") if apart is not None else ""
    faces_from = "Kodak24" + (" and the photos given with --faces (local measurement only, never shipped or "
                              "trained on)" if extra_faces else "")
    return f"""# {spec.name}: a built-in look, a fast copy of `{spec.teacher}`

A small pixel-shuffle network ({config['channels']}/{config['half_channels']} channels, {config['blocks']} residual
blocks at 1/4 scale) that imitates {spec.what}. It exists so that the app works offline, out of the box,
with models we may ship, fast enough for the live webcam.

- **Licence:** Apache-2.0 (ours). No third-party weights, no pretrained network, no copyrighted art.
- **Working size:** {work_mp:g} MP. Every photo is brought to it (big ones down, small ones up), styled, and
  returned at its own size, so the look is the same on a thumbnail and a 12 MP photo.
- **Data:** Kodak24 (released for unrestricted use), minus the held-out five ({', '.join(dq.HELD_OUT)}):
  19 photos, each brought to {work_mp:g} MP, x scales 1, 0.75, 0.5 x (original + 2 colour jitters) = 171 pairs, rendered
  by `anime-desktop pairs --teacher {spec.teacher}`; random {config['image_size']}-px crops, flips and quarter
  turns in training.
- **Training:** `anime-train paired`, {steps} steps, batch {config['batch_size']}, Adam (lr {config['lr_g']:g},
  cosine to 0), seed {config['seed']}. Losses: {losses}.
- **Rebuild:** `anime-export build-default --look {spec.teacher} --kodak ../shared/datasets/kodak24` ({minutes:.1f} min
  on {platform.processor() or platform.machine()}, {_cpus()} cores, {train_minutes:.1f} min of it to render and train).
- **Files:** `{spec.name}-int8.onnx` (static INT8, QDQ per-channel, calibrated on the 19 training photos at
  {work_mp:g} MP) and `{spec.name}-fp32.onnx`. Any height and width (multiples of 4 inside; the app pads).
- **Teacher vs photo:** {teacher:.2f} dB PSNR (mean over the held-out five, gate ≤ {dq.GATE_TEACHER_PSNR:g}):
  the look is a real change.{apart_line}

Quality gates: mean PSNR ≥ {g.mean_psnr:g} dB, every photo ≥ {g.min_psnr:g} dB, mean SSIM ≥ {g.mean_ssim:g},
against the teacher, both at the working size.

## Quality on the held-out five, against the teacher

INT8 (shipped default):

{reports['int8'].table()}

FP32:

{reports['fp32'].table()}

## People, lines and photo sizes (export/look_measures.py)

Ink on skin over the faces OpenCV's Haar cascade finds in {faces_from} (gate ≤ {lm.GATE_SKIN * 100:g} %,
at least {lm.MIN_FACES} faces); lines kept along long strong edges of the held-out five
({'gate' if spec.lines_gate else 'reported, no gate for this look:'} ≥ {lm.GATE_LINES * 100:g} %);
scale consistency: the held-out five enlarged 4x, styled and brought back, against the plain run
(gate ≥ {lm.GATE_SCALE_DB:g} dB, fade ≤ {lm.GATE_FADE_DB:g} dB); isolated dark specks per megapixel (reported).

{lm.LookReport.HEADER}
{looks['student'].row(f'{spec.name}-int8')}
{looks['teacher'].row(f'`{spec.teacher}` (teacher)')}

## Speed (CPU, ORT, spinning off, medians of interleaved runs; the network on the frame as it is)

| input | INT8 | FP32 |
|---|---|---|
| 512x512 | {speed_512['int8'] * 1000:.0f} ms | {speed_512['fp32'] * 1000:.0f} ms |
| 1280x720 | {speed_720['int8'] * 1000:.0f} ms{ratio('int8')} | {speed_720['fp32'] * 1000:.0f} ms{ratio('fp32')} |

Built {datetime.date.today().isoformat()}.
"""


def _cpus() -> int:
    import os

    return os.cpu_count() or 1
