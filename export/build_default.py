"""`anime-export build-default`: rebuild the shipped default model from scratch, on a CPU.

It is `anime-export build-student` with the default look's fixed settings (ISSUE 18): teacher
`toon`, Kodak24 minus the held-out five, 4500 steps, seed 0, the default gates. What it adds:

  gates         also the teacher's own distance from the photo (the look must be a real change)
  speed         INT8 and FP32 at 512 and 720p, interleaved with a reference model (AnimeGANv3 tiny_Cute)
  ship          resources/models/toon-default-{int8,fp32}.onnx + toon-default.md (the model card)

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
from pathlib import Path

from . import build_student
from . import default_quality as dq

DEFAULT_STEPS = build_student.DEFAULT_STEPS
NAME = "toon-default"


def build(kodak: Path, work: Path, out: Path, steps: int, reference: Path | None, threads: int = 0) -> int:
    started = time.perf_counter()
    student = build_student.build("toon", kodak, NAME, work, steps, list(dq.HELD_OUT), build_student.Gates(),
                                  speed=False, install=False, style="toon",
                                  source_url="anime-export build-default")
    int8, fp32 = student.int8, student.fp32
    photos = dq.held_out_photos(kodak)
    teacher = dq.teacher_psnr(photos)
    models = {"int8": int8, "fp32": fp32}
    if reference is not None and reference.is_file():
        models["reference"] = reference
    speed_720 = dq.interleaved_times(models, 1280, 720)
    speed_512 = dq.interleaved_times({"int8": int8, "fp32": fp32}, 512, 512)
    minutes = (time.perf_counter() - started) / 60
    card = model_card(student.reports, teacher, steps, speed_512, speed_720, minutes, student.train_minutes,
                      json.loads((work / "run" / "config.json").read_text()))
    (work / f"{NAME}.md").write_text(card, encoding="utf-8")
    print(card)
    problems = list(student.problems)
    if teacher > dq.GATE_TEACHER_PSNR:
        problems.append(f"teacher is {teacher:.2f} dB from the photo (> {dq.GATE_TEACHER_PSNR}): too weak a look")
    if problems:
        print("build-default: not shipped, gates missed:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for file in (int8, fp32, work / f"{NAME}.md"):
        shutil.copy2(file, out / file.name)
    print(f"shipped {NAME} to {out} in {minutes:.1f} min")
    return 0


def model_card(reports, teacher: float, steps: int, speed_512: dict, speed_720: dict, minutes: float,
               train_minutes: float, config: dict) -> str:
    ref = speed_720.get("reference")
    ratio = (lambda k: f" ({speed_720[k] / ref:.2f}x AnimeGANv3 tiny_Cute's {ref * 1000:.0f} ms)") if ref else \
        (lambda k: "")
    losses = (f"L1 x{config['weight_l1']:g} + (1 - MS-SSIM) x{config['weight_msssim']:g} + gradient L1 "
              f"x{config['weight_gradient']:g}" + (f" + adversarial x{config['weight_adv']:g}"
                                                   if config["weight_adv"] else " (no adversarial term)"))
    return f"""# {NAME}: the shipped default style model

A small pixel-shuffle network ({config['channels']}/{config['half_channels']} channels, {config['blocks']} residual
blocks at 1/4 scale) that imitates the app's classical `toon` renderer: flat colour bands, saturated
colour and dark ink lines. It exists so that the app works offline, out of the box, with a model we may ship,
and fast enough to be the live-webcam default.

- **Licence:** Apache-2.0 (ours). No third-party weights, no pretrained network, no copyrighted art.
- **Data:** Kodak24 (released for unrestricted use), minus the held-out five ({', '.join(dq.HELD_OUT)}):
  19 photos x scales 1, 0.75, 0.5 x (original + 2 colour jitters) = 171 pairs, each rendered by
  `anime-desktop toon-pairs`; random {config['image_size']}-px crops, flips and quarter turns in training.
- **Training:** `anime-train paired`, {steps} steps, batch {config['batch_size']}, Adam (lr {config['lr_g']:g},
  cosine to 0), seed {config['seed']}. Losses: {losses}.
- **Rebuild:** `anime-export build-default --kodak ../shared/datasets/kodak24` ({minutes:.1f} min on
  {platform.processor() or platform.machine()}, {_cpus()} cores, {train_minutes:.1f} min of it to render and train).
- **Files:** `{NAME}-int8.onnx` (static INT8, QDQ per-channel, calibrated on the 19 training photos; the default)
  and `{NAME}-fp32.onnx`. Any height and width (multiples of 4 inside; the app pads).
- **Teacher vs photo:** {teacher:.2f} dB PSNR (mean over the held-out five): the look is a real change.

## Quality on the held-out five, against the teacher

INT8 (shipped default):

{reports['int8'].table()}

FP32:

{reports['fp32'].table()}

## Speed (CPU, ORT, spinning off, medians of interleaved runs)

| input | INT8 | FP32 |
|---|---|---|
| 512x512 | {speed_512['int8'] * 1000:.0f} ms | {speed_512['fp32'] * 1000:.0f} ms |
| 1280x720 | {speed_720['int8'] * 1000:.0f} ms{ratio('int8')} | {speed_720['fp32'] * 1000:.0f} ms{ratio('fp32')} |

Built {datetime.date.today().isoformat()}.
"""


def _cpus() -> int:
    import os

    return os.cpu_count() or 1
