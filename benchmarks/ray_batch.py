"""The same 200 photos through the plain batch and through `--ray local`, in one run.

Prints both throughputs, their ratio (what Ray's engine costs on one machine: actor start-up,
the object store, scheduling) and the per-image time one actor takes once running, which is what
predicts N machines: images/s ≈ N × CPUs per machine / (seconds per image per actor).
Usage: python benchmarks/ray_batch.py [MODEL.onnx]   (default: AnimeGANv3 tiny_Cute; `toon` works too)
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from _common import KODAK, TINY_CUTE, need
from PIL import Image

from anime_desktop.core import batch, pipeline
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig
from anime_desktop.jobs import ray_batch

N_PHOTOS, SIDE = 200, 384


def make_photos(folder: Path) -> None:
    """200 distinct 384x384 crops of the Kodak photos (flipped and shifted so no two are alike)."""
    rng = np.random.default_rng(0)
    kodak = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(need(KODAK).glob("*.png"))]
    for i in range(N_PHOTOS):
        img = kodak[i % len(kodak)]
        y, x = rng.integers(0, img.shape[0] - SIDE + 1), rng.integers(0, img.shape[1] - SIDE + 1)
        crop = img[y:y + SIDE, x:x + SIDE]
        Image.fromarray(np.ascontiguousarray(crop[:, ::-1] if i % 2 else crop)).save(folder / f"p{i:03d}.png")


def main() -> None:
    model_arg = sys.argv[1] if len(sys.argv) > 1 else str(need(TINY_CUTE))
    logging.getLogger("ray").setLevel(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    try:
        (work / "in").mkdir()
        make_photos(work / "in")
        sources = batch.discover(work / "in")
        options = pipeline.StylizeOptions()
        cpus = os.cpu_count() or 1
        model = load_model(model_arg, SessionConfig(provider="cpu", spinning=False))
        name = model.info.name
        runner = StylizeRunner(model)

        plain_jobs = batch.plan(sources, work / "in", work / "plain", [name], options.output)
        start = time.perf_counter()
        counts = Counter(e.kind for e in batch.run_batch(plain_jobs, lambda m: runner.run, options))
        plain_s = time.perf_counter() - start
        assert counts["done"] == N_PHOTOS, counts

        ray_jobs = batch.plan(sources, work / "in", work / "ray", [name], options.output)
        start = time.perf_counter()
        events = list(ray_batch.run(ray_jobs, [model], options, 2.0, ray_batch.RayOptions("local", cpus, 1)))
        ray_s = time.perf_counter() - start
        assert sum(e.event.kind == "done" for e in events) == N_PHOTOS
        actors = Counter(e.worker for e in events)

        one = [np.asarray(Image.open(p).convert("RGB")) for p in sources[:10]]
        single = StylizeRunner(load_model(model_arg, SessionConfig(provider="cpu", threads=1, spinning=False)))
        single.run(one[0])
        start = time.perf_counter()
        for rgb in one:
            single.run(rgb)
        per_image = (time.perf_counter() - start) / len(one)

        print(f"model {name}, {N_PHOTOS} photos of {SIDE}x{SIDE}, {cpus} CPUs")
        print(f"plain batch      : {N_PHOTOS / plain_s:6.2f} img/s ({plain_s:.1f} s)")
        print(f"--ray local      : {N_PHOTOS / ray_s:6.2f} img/s ({ray_s:.1f} s, start-up included; "
              f"{len(actors)} actors served {sorted(actors.values())})")
        print(f"ratio ray / plain: {plain_s / ray_s:.2f}")
        print(f"one actor, 1 thread: {per_image * 1000:.0f} ms per image -> a cluster of N machines with C CPUs "
              f"each does about N x C / {per_image:.3f} = N x C x {1 / per_image:.1f} img/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
