"""Seconds per DreamShaper step on this machine: FP16 on a CUDA GPU when torch sees one, FP32 on
the CPU always, on the tiny offline pipeline the tests build (the real model's step time scales
with its UNet; this measures the backend's own overhead and the device path).
Usage: python benchmarks/dreamshaper_steps.py [DIFFUSERS_FOLDER]   (default: the tiny pipeline)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anime_desktop import diffusion  # noqa: E402
from anime_desktop.diffusion import backend  # noqa: E402


def step_time(model, size: int, steps: int = 20) -> float:
    photo = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    params = diffusion.Img2ImgParams(steps=steps, strength=1.0, max_side=size)
    model.run(photo, diffusion.Img2ImgParams(steps=2, strength=1.0, max_side=size))  # warm-up
    start = time.perf_counter()
    model.run(photo, params)
    return (time.perf_counter() - start) / params.steps_run


def main() -> None:
    import torch

    if len(sys.argv) > 1:
        folder = Path(sys.argv[1])
    else:
        from tests.diffusion import tiny_sd

        folder = tiny_sd.build(Path(tempfile.mkdtemp(prefix="tiny-sd-")) / "sd")
    spec = diffusion.parse_source(f"dreamshaper:{folder}")
    providers = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for provider in providers:
        model = backend.load(spec, provider=provider)
        for size in (256, 512):
            ms = step_time(model, size) * 1000
            print(f"{model.provider:>12} {model.info.precision}  {size}x{size}: {ms:7.1f} ms/step")
    if "cuda" not in providers:
        print("no CUDA GPU visible to torch here: the FP16 path was not measured")


if __name__ == "__main__":
    main()
