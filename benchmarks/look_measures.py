"""ISSUE 19's measures for any looks, side by side: ink on skin, lines kept, scale consistency, speckles.

Usage: python benchmarks/look_measures.py [LOOK ...]   (default: toon toon-default-int8)
A LOOK is `toon`, an installed or shipped model name, or an .onnx path. Faces come from the portraits
among ../shared/test-images, Kodak24 and the first 120 photos of selfie2anime_1000/trainA (local
measurement only); lines, scale and speckles use the held-out Kodak five.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from _common import KODAK, SHARED, need
from PIL import Image

from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig
from export import look_measures as lm
from export.default_quality import HELD_OUT


def rgb(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def main() -> None:
    looks = sys.argv[1:] or ["toon", "toon-default-int8"]
    kodak = need(KODAK)
    portraits = [SHARED / "test-images" / n for n in ("astronaut.png", "grace_hopper.png")]
    selfies = sorted((SHARED / "datasets" / "selfie2anime_1000" / "trainA").glob("*.jpg"))[:120]
    face_photos = [rgb(p) for p in [*portraits, *sorted(kodak.glob("*.png")), *selfies] if p.exists()]
    held = [rgb(kodak / f"{n}.png") for n in HELD_OUT]
    print(f"{'look':<22} {'ink on skin':>14} {'lines kept':>11} {'scale PSNR':>11} {'fade':>7} {'specks/MP':>10}")
    for name in looks:
        runner = StylizeRunner(load_model(name, SessionConfig(provider="cpu", spinning=False)), tile_mp=64)
        started = time.perf_counter()
        skin = lm.ink_on_skin(runner.run, face_photos)
        lines = lm.lines_kept(runner.run, held)
        scale = [lm.scale_consistency(runner.run, p) for p in held]
        specks = lm.speckles_per_mp(runner.run, held + face_photos[:2])
        print(f"{name:<22} {skin.share * 100:6.2f} % ({skin.faces:3d}) {lines * 100:9.1f} % "
              f"{np.mean([s.psnr_db for s in scale]):8.1f} dB {np.mean([s.fade_db for s in scale]):+6.1f} "
              f"{specks:9.0f}   ({time.perf_counter() - started:.0f} s)")
    print("gates: ink on skin <= 1.0 %, lines kept >= 45 %, scale PSNR >= 26 dB, fade <= +1 dB; speckles: 5x fewer")


if __name__ == "__main__":
    main()
