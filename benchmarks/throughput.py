"""Pure inference vs the CLI's batch pipeline, measured side by side in one run.

(a) the model alone on pre-decoded 512x512 and 1280x720 arrays; (b) `anime-desktop batch`
over 50 photos of 512x512 (decode + inference + PNG encode + atomic write, overlapped).
Prints images/s of both and their ratio (goal: batch >= 85% of pure inference), for ORT
thread spinning on and off. Usage: python benchmarks/throughput.py [MODEL.onnx]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import KODAK, TINY_CUTE, median_time, need
from PIL import Image

from anime_desktop.core import batch, pipeline
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig

N_PHOTOS = 50


def make_photos(folder: Path) -> list[np.ndarray]:
    """50 distinct 512x512 crops of the Kodak photos (written as PNG, as a user's folder would be)."""
    rng = np.random.default_rng(0)
    kodak = sorted(need(KODAK).glob("*.png"))
    crops = []
    for i in range(N_PHOTOS):
        img = np.asarray(Image.open(kodak[i % len(kodak)]).convert("RGB"))
        y, x = rng.integers(0, img.shape[0] - 512 + 1), rng.integers(0, img.shape[1] - 512 + 1)
        crop = img[y:y + 512, x:x + 512]
        crop = crop[:, ::-1] if i >= len(kodak) else crop
        Image.fromarray(np.ascontiguousarray(crop)).save(folder / f"photo{i:02d}.png")
        crops.append(crop)
    return crops


def pure(runner: StylizeRunner, image: np.ndarray) -> float:
    return 1.0 / median_time(lambda: runner.run(image), repeat=8)


def batch_rate(runner: StylizeRunner, src: Path, out: Path) -> float:
    jobs = batch.plan(batch.discover(src), src, out, ["m"], pipeline.OutputOptions())
    start = time.perf_counter()
    events = list(batch.run_batch(jobs, lambda m: lambda rgb, p: runner.run(rgb, p), pipeline.StylizeOptions()))
    elapsed = time.perf_counter() - start
    assert sum(e.kind == "done" for e in events) == N_PHOTOS, events[:3]
    return N_PHOTOS / elapsed


def main() -> None:
    model_path = sys.argv[1] if len(sys.argv) > 1 else str(need(TINY_CUTE))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photos"
        src.mkdir()
        crops = make_photos(src)
        hd = np.asarray(Image.fromarray(crops[0]).resize((1280, 720)))
        print(f"model {Path(model_path).name}; {N_PHOTOS} photos of 512x512; images/s (higher is better)")
        print(f"{'spinning':<10}{'pure 512':>10}{'pure 720p':>11}{'batch 512':>11}{'batch/pure':>12}")
        for spinning in (True, False):
            runner = StylizeRunner(load_model(model_path, SessionConfig(spinning=spinning)))
            before = pure(runner, crops[1])
            rate = batch_rate(runner, src, Path(tmp) / f"out-{spinning}")
            after = pure(runner, crops[1])
            p512 = (before + after) / 2
            p720 = pure(runner, hd)
            print(f"{'on' if spinning else 'off':<10}{p512:>10.2f}{p720:>11.2f}{rate:>11.2f}{rate / p512:>11.0%}")


if __name__ == "__main__":
    main()
