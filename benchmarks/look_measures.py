"""ISSUE 19's measures for any looks, side by side: ink on skin, lines kept, scale consistency, speckles.

Usage: python benchmarks/look_measures.py [LOOK ...]   (default: toon toon-default-int8 cel cel-default-int8)
A LOOK is `toon`, an installed or shipped model name, or an .onnx path. Faces come from the portraits
among ../shared/test-images, Kodak24 and the first 120 photos of selfie2anime_1000/trainA (local
measurement only); lines, scale and speckles use the held-out Kodak five. An .onnx path of a model
made before the working size (no `work_mp` key) runs at each photo's own size, as it did then.
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
    looks = sys.argv[1:] or ["toon", "toon-default-int8", "cel", "cel-default-int8"]
    kodak = need(KODAK)
    portraits = [SHARED / "test-images" / n for n in ("astronaut.png", "grace_hopper.png")]
    face_photos = [rgb(p) for p in portraits if p.exists()]
    face_photos += lm.photos_with_faces([kodak, SHARED / "datasets" / "selfie2anime_1000" / "trainA"])
    held = [rgb(kodak / f"{n}.png") for n in HELD_OUT]
    print(f"{len(face_photos)} photos for faces; looks at their own working size (toon, cel and students: 1 MP)")
    print(lm.LookReport.HEADER)
    for name in looks:
        runner = StylizeRunner(load_model(name, SessionConfig(provider="cpu", spinning=False)), tile_mp=64)
        started = time.perf_counter()
        report = lm.measure(runner.run, held, face_photos)
        print(report.row(name), f"({time.perf_counter() - started:.0f} s)", flush=True)
    print("gates: ink on skin <= 1.0 %, lines kept >= 45 % (toon), scale PSNR >= 26 dB, fade <= +1 dB; "
          "speckles: 5x fewer")


if __name__ == "__main__":
    main()
