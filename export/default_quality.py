"""How good the default model is at imitating its teacher, with the gates of CONTRACTS.md.

Shared by `anime-export build-default` (which writes the numbers into the model card and
refuses to ship a model that misses a gate) and the test on the shipped files, so the card
and the test can never disagree about what was measured or how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from anime_desktop.core import imageio
from anime_desktop.engine.loader import load_model, toon_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig

from .quality import psnr, ssim

HELD_OUT = ("kodim03", "kodim07", "kodim15", "kodim19", "kodim23")
GATE_MEAN_PSNR, GATE_MIN_PSNR, GATE_MEAN_SSIM = 25.0, 23.0, 0.85
GATE_OVER_PHOTO_DB, GATE_MAX_LUMA_PSNR, GATE_TEACHER_PSNR = 6.0, 24.0, 21.0


@dataclass
class ImageScore:
    name: str
    psnr: float  # output vs teacher
    ssim: float
    photo_psnr: float  # plain photo vs teacher: what doing nothing would score
    luma_from_photo: float  # output vs photo, luma only: must stay low, or the look did not change


@dataclass
class Report:
    model: str
    images: list[ImageScore] = field(default_factory=list)

    @property
    def mean_psnr(self) -> float:
        return float(np.mean([s.psnr for s in self.images]))

    @property
    def mean_ssim(self) -> float:
        return float(np.mean([s.ssim for s in self.images]))

    @property
    def mean_photo_psnr(self) -> float:
        return float(np.mean([s.photo_psnr for s in self.images]))

    def table(self) -> str:
        rows = ["| image | PSNR to teacher | SSIM to teacher | photo's PSNR to teacher | luma PSNR to photo |",
                "|---|---|---|---|---|"]
        rows += [f"| {s.name} | {s.psnr:.2f} dB | {s.ssim:.3f} | {s.photo_psnr:.2f} dB | {s.luma_from_photo:.2f} dB |"
                 for s in self.images]
        rows.append(f"| **mean** | **{self.mean_psnr:.2f} dB** | **{self.mean_ssim:.3f}** | "
                    f"{self.mean_photo_psnr:.2f} dB | "
                    f"{np.mean([s.luma_from_photo for s in self.images]):.2f} dB |")
        return "\n".join(rows)


def luma(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[..., :1]


def held_out_photos(kodak: Path) -> dict[str, np.ndarray]:
    return {name: imageio.load_image(Path(kodak) / f"{name}.png").rgb for name in HELD_OUT}


def toon_look():
    """The `toon` teacher as the app runs it: at its working size, the result at the photo's size."""
    return StylizeRunner(toon_model()).run


def teacher_psnr(photos: dict[str, np.ndarray], teacher=None) -> float:
    """Mean PSNR of the teacher (default `toon`) to the photo: ≤ 21 dB means the look is a real change."""
    teacher = teacher or toon_look()
    return float(np.mean([psnr(rgb, teacher(rgb)) for rgb in photos.values()]))


def evaluate(model: Path, photos: dict[str, np.ndarray], teacher=None) -> Report:
    """The model against its teacher (default `toon`), both at their working size, as the app runs them."""
    runner = StylizeRunner(load_model(model, SessionConfig(provider="cpu", spinning=False)))
    teacher = teacher or toon_look()
    report = Report(str(model))
    for name, rgb in photos.items():
        target, out = teacher(rgb), runner.run(rgb)
        report.images.append(ImageScore(name, psnr(out, target), ssim(out, target), psnr(rgb, target),
                                        psnr(luma(out), luma(rgb))))
    return report


def interleaved_times(models: dict[str, Path], width: int, height: int, rounds: int = 7) -> dict[str, float]:
    """Median seconds per frame for each model, run in turn (A, B, C, A, B, C, ...) in one process
    with ORT spinning off, so every model sees the same machine load (CONTRACTS.md). Each network
    runs on the frame as it is (working size off), so the figures compare networks, not resizes."""
    import time

    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    runners = {name: StylizeRunner(load_model(path, SessionConfig(provider="cpu", spinning=False)), tile_mp=8.0,
                                   work_mp=0)
               for name, path in models.items()}
    times: dict[str, list[float]] = {name: [] for name in runners}
    for runner in runners.values():
        runner.run(frame)  # warm-up: first runs allocate the arena
    for _ in range(rounds):
        for name, runner in runners.items():
            start = time.perf_counter()
            runner.run(frame)
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}
