"""How long the GUI thread goes without running while the engine stylizes a large photo.

A 10 ms QTimer on the GUI thread records the gaps between its ticks while a 4000x3000 photo
goes through the window's real engine thread (tiles, ORT), once with ORT's idle spinning off
(the app's setting) and once on. Prints the largest and 99th-percentile gap against the 50 ms
goal. Then the busiest case the window meets: the Live view's feed running (a clip standing in
for a camera, shipped INT8 model) while a batch of Kodak photos goes through the same engine.
Usage: QT_QPA_PLATFORM=offscreen python benchmarks/gui_responsiveness.py [MODEL.onnx]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import KODAK, LARGE, REPO, TINY_CUTE, need

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def gaps_while(app, engine, job) -> tuple[np.ndarray, float]:
    """GUI-timer gaps (ms) while `job` runs on `engine`, and the seconds it took."""
    from PySide6.QtCore import QTimer

    done, gaps, last = [], [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10, timeout=tick)
    start = time.perf_counter()
    timer.start()
    engine.submit(job).finished.connect(lambda: done.append(True))
    while not done:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return np.array(gaps) * 1000, time.perf_counter() - start


def measure(model: Path, spinning: bool) -> tuple[float, float, float]:
    from PySide6.QtWidgets import QApplication

    from anime_desktop.core import pipeline
    from anime_desktop.gui.workers import EngineThread
    from anime_desktop.jobs import stylize

    app = QApplication.instance() or QApplication([])
    engine = EngineThread(spinning=spinning)
    engine.start()
    ms, seconds = gaps_while(app, engine, stylize.stylize_file(need(LARGE), str(model), pipeline.StylizeOptions(),
                                                            2.0))
    engine.stop()
    return float(ms.max()), float(np.percentile(ms, 99)), seconds


def measure_live_and_batch(photos: int = 12) -> tuple[float, float, float, int]:
    """Largest and 99th-percentile gap, seconds, frames shown: Live running while a batch runs."""
    import shutil

    import cv2
    from PySide6.QtWidgets import QApplication

    from anime_desktop.core import pipeline, video
    from anime_desktop.core.live import LiveOptions
    from anime_desktop.gui.views.live_feed import LiveFeed
    from anime_desktop.gui.workers import EngineThread
    from anime_desktop.jobs import batch

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    kodak = sorted(need(KODAK).glob("*.png"))[:photos]
    (tmp / "in").mkdir()
    for path in kodak:
        shutil.copy(path, tmp / "in" / path.name)
    clip = tmp / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (640, 480))
    frame = cv2.imread(str(kodak[0]))[16:496, :640]
    for i in range(90):
        writer.write(np.roll(frame, i * 4, axis=1))
    writer.release()
    model = str(need(REPO / "resources" / "models" / "toon-default-int8.onnx"))
    engine = EngineThread()
    engine.start()
    feed = LiveFeed(engine)
    feed.model, feed.options = model, LiveOptions(short_side=256)
    shown = []
    feed.frame.connect(shown.append)
    feed.start(lambda: video.VideoFileSource(clip, loop=True, realtime=True))
    job = batch.run_batch(tmp / "in", tmp / "out", [model], pipeline.StylizeOptions(), False, 2.0)
    ms, seconds = gaps_while(app, engine, job)
    feed.stop()
    engine.stop()
    return float(ms.max()), float(np.percentile(ms, 99)), seconds, len(shown)


def main() -> None:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else need(TINY_CUTE)
    os.environ["ANIME_DESKTOP_HOME"] = tempfile.mkdtemp()
    print(f"GUI-timer gaps while {LARGE.name} is stylized by {model.name} (goal: largest gap <= 50 ms)")
    print(f"{'ORT spinning':<14}{'largest gap':>12}{'99th pct':>10}{'job time':>10}")
    for spinning in (False, True):
        largest, p99, seconds = measure(model, spinning)
        print(f"{'on' if spinning else 'off':<14}{largest:>9.0f} ms{p99:>7.0f} ms{seconds:>9.1f}s")
    largest, p99, seconds, frames = measure_live_and_batch()
    print(f"Live running (256 px, toon-default-int8) while a batch of 12 Kodak photos runs: largest gap "
          f"{largest:.0f} ms, 99th pct {p99:.0f} ms, {seconds:.1f} s, {frames} live frames shown "
          f"({frames / seconds:.1f} fps) — goal <= 50 ms")


if __name__ == "__main__":
    main()
