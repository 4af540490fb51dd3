"""Helpers shared by the benchmark scripts (paths to ../shared, timing)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
TINY_CUTE = SHARED / "reference-models" / "AnimeGANv3_via_tuanmjnh-AnimeGANv3_Video" / "AnimeGANv3_tiny_Cute.onnx"
KODAK = SHARED / "datasets" / "kodak24"
LARGE = SHARED / "test-images" / "robustness" / "coffee_large_4000x3000.jpg"


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"benchmark needs {path} (../shared beside the checkout)")
    return path


def median_time(fn, repeat: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
