"""Peak memory and time of a 4000x3000 photo: overlapping tiles vs one whole-image pass.

Each variant runs in its own process (peak RSS is per process), through the same CLI code
path users run. Usage: python benchmarks/tile_memory.py [MODEL.onnx]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

from _common import LARGE, TINY_CUTE, need

CHILD = r"""
import json, resource, sys, time
from anime_desktop.cli import main
start = time.perf_counter()
code = main(["stylize", sys.argv[1], "-m", sys.argv[2], "-o", sys.argv[3], "--tile-mp", sys.argv[4],
             "--format", "jpg"])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": elapsed, "peak_mb": peak}))
"""


def run(model: str, tile_mp: str) -> dict:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(need(LARGE)), model, out, tile_mp],
                              capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else str(need(TINY_CUTE))
    tiled = run(model, "2")
    whole = run(model, "13")  # 12 MP fits in one pass
    print(f"{'variant':<22}{'peak RSS':>12}{'time':>10}")
    for name, r in (("tiles (2 MP/pass)", tiled), ("whole image (12 MP)", whole)):
        print(f"{name:<22}{r['peak_mb']:>9.0f} MB{r['seconds']:>9.1f}s")
    print(f"tiled peak / whole peak = {tiled['peak_mb'] / whole['peak_mb']:.2f} (gate: <= 0.25)")


if __name__ == "__main__":
    main()
