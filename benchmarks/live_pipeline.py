"""The live path the window ships against pure inference, and flicker with "steady" off and on.

The path measured is the window's own: the core capture loop feeding the engine thread's live
slot, frames processed by `jobs.live.LiveState` and received on the GUI thread by the Live
view's `LiveFeed` (no window drawn; a QApplication runs the event loop).

Source: a 640x480 clip made from a Kodak photo (a slow pan), paced at 120 fps so the camera
is never the bottleneck. For each model and processing size (256, 384 short side):
pure inference fps (the model alone on pre-resized frames), then the pipeline's processed
fps and capture->result latency over a few seconds. Goal: pipeline >= 90% of pure inference.
Flicker: a still clip with sensor-like noise; mean frame-to-frame change of the output.

Usage: python benchmarks/live_pipeline.py [MODEL.onnx ...]   (default: the shipped INT8 and FP32)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from _common import KODAK, REPO, need

from anime_desktop.core import live, video
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig
from anime_desktop.gui.views.live_feed import LiveFeed
from anime_desktop.gui.workers import EngineThread

SECONDS = 6.0


def make_clip(path: Path, frames: int, fps: float, still: bool) -> None:
    photo = cv2.imread(str(need(KODAK / "kodim23.png")))
    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for i in range(frames):
        x = 0 if still else (i * 2) % 120
        frame = photo[16:496, x:x + 640].astype(np.float32)
        if still:
            frame = np.clip(frame + rng.normal(0, 3.0, frame.shape), 0, 255)  # sensor noise
        writer.write(frame.astype(np.uint8))
    writer.release()


def pure_fps(runner: StylizeRunner, size: tuple[int, int]) -> float:
    frame = np.ascontiguousarray(cv2.resize(cv2.imread(str(KODAK / "kodim23.png"))[..., ::-1], size))
    runner.run(frame)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS / 2:
        runner.run(frame)
        count += 1
    return count / (time.perf_counter() - start)


def _pump(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def pipeline_run(app, clip: Path, model: Path, options: live.LiveOptions, seconds: float = SECONDS):
    outputs, latencies = [], []
    engine = EngineThread("cpu")
    engine.start()
    feed = LiveFeed(engine)
    feed.model, feed.options = str(model), options

    def collect(frame):
        latencies.append(time.perf_counter() - frame.result.captured_at)
        outputs.append(frame.result.stylized)

    feed.frame.connect(collect)
    feed.start(lambda: video.VideoFileSource(clip, loop=True, realtime=True))
    _pump(app, 1.0)  # warm-up: sessions allocate their arenas on the first frames
    first = len(outputs)
    start = time.perf_counter()
    _pump(app, seconds)
    done = len(outputs) - first
    elapsed = time.perf_counter() - start
    feed.stop()
    engine.stop()
    return done / elapsed, 1000 * float(np.median(latencies[first:])), outputs[first:]


def flicker(outputs: list[np.ndarray]) -> float:
    return float(np.mean([np.abs(a.astype(np.int16) - b).mean() for a, b in zip(outputs, outputs[1:])]))


def main() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    models = [Path(p) for p in sys.argv[1:]] or [need(REPO / "resources" / "models" / "toon-default-int8.onnx"),
                                                  need(REPO / "resources" / "models" / "toon-default-fp32.onnx")]
    with tempfile.TemporaryDirectory() as tmp:
        moving, still = Path(tmp) / "moving.avi", Path(tmp) / "still.avi"
        make_clip(moving, 240, 120.0, still=False)
        make_clip(still, 120, 30.0, still=True)
        print(f"{'model':<26} {'size':>5} {'pure fps':>9} {'pipeline fps':>13} {'ratio':>6} {'latency ms':>11}")
        for path in models:
            runner = StylizeRunner(load_model(path, SessionConfig(provider="cpu", spinning=False)), tile_mp=8.0)
            for short in (256, 384):
                size = live.processing_size(640, 480, short)
                pure = pure_fps(runner, size)
                fps, latency, _ = pipeline_run(app, moving, path, live.LiveOptions(short_side=short))
                print(f"{path.stem:<26} {short:>5} {pure:>9.1f} {fps:>13.1f} {fps / pure:>6.0%} {latency:>11.1f}")
        print(f"\nflicker on a still, noisy 640x480 clip at 384 px ({models[0].stem}): mean |frame t - frame t-1|")
        for steady in (False, True):
            fps, _, outputs = pipeline_run(app, still, models[0], live.LiveOptions(short_side=384, steady=steady), 4.0)
            print(f"  steady {'on ' if steady else 'off'}: {flicker(outputs):.2f} grey levels at {fps:.1f} fps")


if __name__ == "__main__":
    main()
