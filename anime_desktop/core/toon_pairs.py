"""Photo -> teacher training pairs for the trainer's paired mode (the shipped default's data,
and every student `anime-export build-student` makes).

A teacher is any callable HxWx3 uint8 RGB -> HxWx3 uint8 RGB: the classical `toon` renderer (the
default here) or any model the app can run (jobs/pairs.py wraps one). The trainer may not import
the app (ARCHITECTURE.md), so the teacher's output is written to disk as an ordinary A/ + B/
paired data set. Scale and colour augmentation happen here, before rendering, because a look is
defined in pixels and in absolute brightness levels: jittering a rendered pair afterwards would
teach the student a look the teacher never makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import imageio, prepost, toon
from .errors import AnimeDesktopError
from .progress import Progress, null_progress

Teacher = Callable[[np.ndarray], np.ndarray]
SCALES = (1.0, 0.75, 0.5)
SLOW_SCALES = (1.0,)  # `--slow`: one scale for teachers that take seconds a photo (a third of the renders)


@dataclass(frozen=True)
class PairPlan:
    scales: tuple[float, ...] = SCALES
    jitters: int = 2  # colour-jittered copies per scale, besides the untouched one
    seed: int = 0
    exclude: frozenset[str] = frozenset()  # file stems never rendered (held-out evaluation images)
    # Megapixels each photo is brought to before the scales apply (None or 0: as it is). A look with a
    # working size sees every photo at that size in the app, so its student learns from that size.
    work_mp: float | None = None

    def renders_per_photo(self) -> int:
        return len(self.scales) * (self.jitters + 1)


def jitter_colours(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random brightness, contrast, saturation and hue, in ranges a camera or grade would give."""
    x = rgb.astype(np.float32) / 255.0
    x = (x - 0.5) * rng.uniform(0.8, 1.2) + 0.5 + rng.uniform(-0.1, 0.1)
    hsv = cv2.cvtColor(np.clip(x, 0, 1), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-12, 12)) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.7, 1.3), 0, 1)
    return np.clip(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def variants(rgb: np.ndarray, plan: PairPlan, rng: np.random.Generator) -> Iterator[tuple[str, np.ndarray]]:
    if plan.work_mp:
        rgb = prepost.to_megapixels(rgb, plan.work_mp)
    for scale in plan.scales:
        h, w = rgb.shape[:2]
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        scaled = rgb if scale == 1.0 else cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        tag = f"s{round(scale * 100):03d}"
        yield f"{tag}-j0", scaled
        for j in range(1, plan.jitters + 1):
            yield f"{tag}-j{j}", jitter_colours(scaled, rng)


def render_pairs(sources: list[Path], out_dir: Path, plan: PairPlan = PairPlan(), teacher: Teacher = toon.render,
                 progress: Progress | None = None) -> Iterator[Path | str]:
    """Write `out_dir/A/<stem>-<variant>.png` (photo) and `out_dir/B/...` (the teacher's output);
    yields each written photo path, or a one-line reason for a source that could not be read.
    `progress` gets the fraction of renders done and is checked for Cancel before each render."""
    progress = progress or null_progress()
    (out_dir / "A").mkdir(parents=True, exist_ok=True)
    (out_dir / "B").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(plan.seed)
    todo = [src for src in sources if src.stem not in plan.exclude]
    total, done = max(len(todo) * plan.renders_per_photo(), 1), 0
    for src in todo:
        progress.check_aborted()
        try:
            photo = imageio.load_image(src).rgb
        except AnimeDesktopError as exc:
            done += plan.renders_per_photo()
            yield f"skipped {src}: {getattr(exc, 'reason', exc)}"
            continue
        for tag, rgb in variants(photo, plan, rng):
            progress.check_aborted()
            name = f"{src.stem}-{tag}.png"
            styled = teacher(rgb)
            if styled.shape != rgb.shape:
                styled = cv2.resize(styled, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_AREA)
            imageio.save_image(out_dir / "B" / name, styled, overwrite=True)
            done += 1
            progress.set_progress(done / total, f"pairs {done}/{total}")
            yield imageio.save_image(out_dir / "A" / name, rgb, overwrite=True)
