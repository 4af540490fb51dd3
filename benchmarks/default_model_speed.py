"""The shipped default against AnimeGANv3 tiny_Cute, side by side in one process.

Times one 1280x720 frame (the live-webcam case) and one 512x512 photo through the app's
runner, interleaving the models round by round with ORT spinning off, and prints medians
and the ratios CONTRACTS.md gates (INT8 <= 0.5x and FP32 <= 0.8x tiny_Cute's time at 720p).
Usage: python benchmarks/default_model_speed.py [--rounds N]
"""

from __future__ import annotations

import argparse

from _common import REPO, TINY_CUTE, need

from export.default_quality import interleaved_times

MODELS = REPO / "resources" / "models"
GATES = {"int8": 0.5, "fp32": 0.8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    ns = parser.parse_args()
    models = {"int8": need(MODELS / "toon-default-int8.onnx"), "fp32": need(MODELS / "toon-default-fp32.onnx"),
              "tiny_Cute": need(TINY_CUTE)}
    for width, height in ((1280, 720), (512, 512)):
        times = interleaved_times(models, width, height, ns.rounds)
        ref = times["tiny_Cute"]
        print(f"{width}x{height}, medians of {ns.rounds} interleaved rounds:")
        for name, seconds in times.items():
            gate = GATES.get(name)
            verdict = f"  (gate <= {gate}x: {'met' if seconds / ref <= gate else 'MISSED'})" if gate else ""
            print(f"  {name:>9}: {seconds * 1000:7.1f} ms  {seconds / ref:5.2f}x tiny_Cute  "
                  f"{1 / seconds:5.1f} fps{verdict if width == 1280 else ''}")


if __name__ == "__main__":
    main()
