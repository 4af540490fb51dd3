"""Time to generate a 64-face grid with the shipped faces model (goal: under 0.2 s on this CPU),
with and without discriminator ranking (best of 4), next to the model's per-face cost.

Usage: python benchmarks/faces_grid.py [FACES_MODEL.onnx]
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import REPO, median_time, need

from anime_desktop.core import latent
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.ranker import ranker_for
from anime_desktop.engine.runners import GeneratorRunner
from anime_desktop.engine.session import SessionConfig


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else next(iter(sorted(need(REPO / "resources" / "models")
                                                                       .glob("faces-default-*[0-9].onnx"))))
    model = load_model(path, SessionConfig(provider="cpu", spinning=False))
    runner, ranker = GeneratorRunner(model), ranker_for(path)
    dim, seeds = runner.io.latent_dim, list(range(64))
    grid = median_time(lambda: latent.grid(runner.generate(latent.latents(seeds, dim))))
    print(f"{path.name}: 64-face grid {grid * 1000:.0f} ms (goal < 200 ms), {grid / 64 * 1000:.2f} ms per face")
    if ranker is not None:
        def ranked():
            pool = runner.generate(latent.latents(list(range(256)), dim))
            ranker.scores(pool)
        print(f"  ranked, best of 4 (256 candidates + scores): {median_time(ranked) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
