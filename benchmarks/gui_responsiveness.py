"""How long the GUI thread goes without running while the engine stylizes a large photo.

A 10 ms QTimer on the GUI thread records the gaps between its ticks while a 4000x3000 photo
goes through the window's real engine thread (tiles, ORT), once with ORT's idle spinning off
(the app's setting) and once on. Prints the largest and 99th-percentile gap against the 50 ms
goal. Usage: QT_QPA_PLATFORM=offscreen python benchmarks/gui_responsiveness.py [MODEL.onnx]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import LARGE, TINY_CUTE, need

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure(model: Path, spinning: bool) -> tuple[float, float, float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from anime_desktop.core import pipeline
    from anime_desktop.gui import tasks
    from anime_desktop.gui.workers import EngineThread

    app = QApplication.instance() or QApplication([])
    engine = EngineThread(spinning=spinning)
    engine.start()
    done, gaps, last = [], [], [time.perf_counter()]
    engine.finished_job.connect(lambda job: done.append(job))

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10, timeout=tick)
    start = time.perf_counter()
    timer.start()
    engine.submit(tasks.stylize_file(need(LARGE), str(model), pipeline.StylizeOptions(), 2.0))
    while not done:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    seconds = time.perf_counter() - start
    engine.stop()
    ms = np.array(gaps) * 1000
    return float(ms.max()), float(np.percentile(ms, 99)), seconds


def main() -> None:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else need(TINY_CUTE)
    os.environ["ANIME_DESKTOP_HOME"] = tempfile.mkdtemp()
    print(f"GUI-timer gaps while {LARGE.name} is stylized by {model.name} (goal: largest gap <= 50 ms)")
    print(f"{'ORT spinning':<14}{'largest gap':>12}{'99th pct':>10}{'job time':>10}")
    for spinning in (False, True):
        largest, p99, seconds = measure(model, spinning)
        print(f"{'on' if spinning else 'off':<14}{largest:>9.0f} ms{p99:>7.0f} ms{seconds:>9.1f}s")


if __name__ == "__main__":
    main()
