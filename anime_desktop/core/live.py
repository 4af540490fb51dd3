"""The live path: newest-frame hand-over, per-frame processing, steadier output, rates, recording.

Capture runs on its own thread and never waits for inference: each captured frame replaces an
unprocessed older one in a one-item slot (`NewestSlot`), so however slow the model, the frame
being processed is at most one capture interval old and latency cannot grow with run time.
`FrameProcessor` is what happens to one frame (mirror, processing size, model, steadying,
split view, sinks such as a recording). One `CaptureLoop` reads every source: the window
feeds its frames into the engine's live slot, `LivePipeline` into a `NewestSlot` read by a
processing thread of its own for headless use.
Inference arrives as a callable, keeping this module free of ONNX Runtime.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .errors import AnimeDesktopError
from .video import Frame, FrameSource, SourceStalled, VideoRecorder

Infer = Callable[[np.ndarray], np.ndarray]
PROCESSING_SIZES = (256, 384, 512)
SLOW_FPS = 10.0  # below this the view suggests faster choices


class NewestSlot:
    """A one-item hand-over: `put` replaces what has not been taken yet; `take` waits for an item."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item = None
        self._closed = False
        self.replaced = 0  # frames dropped because a newer one arrived first

    def put(self, item) -> None:
        with self._cond:
            if self._item is not None:
                self.replaced += 1
            self._item = item
            self._cond.notify()

    def take(self, timeout: float | None = None):
        """The newest item, or None once closed (or after `timeout` with nothing new)."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is not None or self._closed, timeout)
            item, self._item = self._item, None
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class RateMeter:
    """Events per second over the last `window` seconds."""

    def __init__(self, window: float = 1.0) -> None:
        self.window = window
        self.times: deque[float] = deque()

    def tick(self, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        self.times.append(now)
        while self.times and now - self.times[0] > self.window:
            self.times.popleft()

    @property
    def rate(self) -> float:
        if len(self.times) < 2:
            return 0.0
        span = self.times[-1] - self.times[0]
        return (len(self.times) - 1) / span if span > 0 else 0.0


@dataclass(frozen=True)
class LiveOptions:
    short_side: int = 384  # processing size; 0 keeps the captured size
    mirror: bool = False
    split: bool = False  # original | stylized side by side
    steady: bool = False


@dataclass(frozen=True)
class LiveResult:
    index: int
    captured_at: float
    processed_at: float
    display: np.ndarray  # what the view shows (stylized, or original | stylized)
    stylized: np.ndarray
    original: np.ndarray  # the processed-size input, mirrored if mirroring is on
    model: str


def processing_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """(width, height) with the short side at `short_side` (never upscaled), multiples of 2."""
    short = min(width, height)
    if short_side <= 0 or short <= short_side:
        return width, height
    scale = short_side / short
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


class Steadier:
    """Less frame-to-frame flicker: where the input barely changed since the last frame, the
    output is blended with the previous output (a per-pixel running average); where the scene
    moved, the new output is taken as is, so motion does not smear. Costs a blur and a few
    array operations at processing size, far below a model's time."""

    def __init__(self, strength: float = 0.75, threshold: float = 12.0) -> None:
        self.strength, self.threshold = strength, threshold
        self.previous_in: np.ndarray | None = None
        self.previous_out: np.ndarray | None = None

    def reset(self) -> None:
        self.previous_in = self.previous_out = None

    def apply(self, rgb_in: np.ndarray, rgb_out: np.ndarray) -> np.ndarray:
        grey = cv2.GaussianBlur(cv2.cvtColor(rgb_in, cv2.COLOR_RGB2GRAY), (5, 5), 1.5).astype(np.float32)
        out = rgb_out.astype(np.float32)
        if self.previous_in is not None and self.previous_in.shape == grey.shape:
            change = np.abs(grey - self.previous_in)
            keep = self.strength * np.clip(1.0 - change / self.threshold, 0.0, 1.0)[..., None]
            out = keep * self.previous_out + (1.0 - keep) * out
        self.previous_in, self.previous_out = grey, out
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class FrameProcessor:
    """One frame through the live path. Not thread-safe: one thread processes (the engine's in
    the window, LivePipeline's headless); options and model are swapped between frames."""

    def __init__(self, infer: Infer, model: str, options: LiveOptions = LiveOptions()) -> None:
        self.infer, self.model, self.options = infer, model, options
        self.steadier = Steadier()
        self.sinks: list = []  # objects with write(LiveResult) and close(): recordings, virtual camera

    def set_model(self, infer: Infer, model: str) -> None:
        self.infer, self.model = infer, model
        self.steadier.reset()  # never blend two models' pictures

    def set_options(self, options: LiveOptions) -> None:
        if options.short_side != self.options.short_side or options.mirror != self.options.mirror:
            self.steadier.reset()
        self.options = options

    def process(self, frame: Frame) -> LiveResult:
        o = self.options
        rgb = frame.rgb[:, ::-1] if o.mirror else frame.rgb
        h, w = rgb.shape[:2]
        size = processing_size(w, h, o.short_side)
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if size != (w, h) else np.ascontiguousarray(rgb)
        out = self.infer(small)
        if o.steady:
            out = self.steadier.apply(small, out)
        display = np.concatenate([small, out], axis=1) if o.split else out
        result = LiveResult(frame.index, frame.captured_at, time.perf_counter(), display, out, small, self.model)
        for sink in list(self.sinks):
            sink.write(result)
        return result

    def close_sinks(self) -> list:
        closed = [sink.close() for sink in self.sinks]
        self.sinks.clear()
        return closed


class LiveRecorder:
    """Records the stylized stream at the rate it is actually processed: frames of the first
    second are held while that rate is measured (CONTRACTS.md), then the file is opened."""

    def __init__(self, path, measure_seconds: float = 1.0) -> None:
        self.path, self.measure_seconds = path, measure_seconds
        self.pending: list[LiveResult] = []
        self.recorder: VideoRecorder | None = None

    def write(self, result: LiveResult) -> None:
        if self.recorder is None:
            self.pending.append(result)
            if result.processed_at - self.pending[0].processed_at >= self.measure_seconds:
                self._open()
            return
        self.recorder.write(result.stylized)

    def _open(self) -> None:
        first, last = self.pending[0], self.pending[-1]
        span = last.processed_at - first.processed_at
        fps = (len(self.pending) - 1) / span if span > 0 and len(self.pending) > 1 else 10.0
        h, w = first.stylized.shape[:2]
        self.recorder = VideoRecorder(self.path, fps, (w, h))
        for item in self.pending:
            self.recorder.write(item.stylized)
        self.pending.clear()

    def close(self):
        if self.recorder is None and self.pending:
            self._open()
        return self.recorder.close() if self.recorder is not None else None

    @property
    def frames(self) -> int:
        return (self.recorder.frames if self.recorder else 0) + len(self.pending)


@dataclass(frozen=True)
class LiveStats:
    captured_fps: float
    processed_fps: float
    latency_ms: float  # capture -> result, averaged over recent frames
    dropped: int


class CaptureLoop:
    """The one capture loop: read a source on its own thread and hand every frame to `deliver`
    without waiting for it to be processed.

    `deliver` is the newest-item hand-over: a `NewestSlot.put` for headless use, the engine's
    live slot in the window. `on_event(kind, message)` hears "stalled" (the loop keeps going),
    "ended" (a file source ran out) and "failed" (the source could not open or broke); `on_close`
    runs when the loop has stopped, whatever the reason.
    """

    def __init__(self, open_source: Callable[[], FrameSource], deliver: Callable[[Frame], None],
                 on_event: Callable[[str, str], None] | None = None,
                 on_close: Callable[[], None] | None = None) -> None:
        self.open_source, self.deliver = open_source, deliver
        self.on_event = on_event or (lambda kind, message: None)
        self.on_close = on_close or (lambda: None)
        self.captured = RateMeter(2.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CaptureLoop:
        self._thread = threading.Thread(target=self._run, name="live-capture", daemon=True)
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            try:
                source = self.open_source()
            except AnimeDesktopError as exc:
                self.on_event("failed", str(exc))
                return
            try:
                self._read(source)
            finally:
                source.close()
        finally:
            self.on_close()

    def _read(self, source: FrameSource) -> None:
        frames = 0
        while not self._stop.is_set():
            try:
                frame = source.read()
            except SourceStalled as exc:
                self.on_event("stalled", str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a backend failure must reach the user, not kill the app
                self.on_event("failed", f"{source.name}: capture failed ({exc})")
                return
            if frame is None:
                if source.finished and not frames:
                    self.on_event("failed", f"{source.name}: no frame could be read (not a video, or a format "
                                            "this build cannot decode)")
                    return
                if source.finished:
                    self.on_event("ended", f"{source.name} ended")
                    return
                continue
            frames += 1
            self.captured.tick(frame.captured_at)
            self.deliver(frame)


class LivePipeline:
    """The capture loop -> newest-frame slot -> processing thread -> `on_result`, headless.

    `on_status` gets one-line reports (a stalled camera, a failed frame); the pipeline keeps
    going after a stall and stops on an inference error (a model that fails once fails on
    every frame). `wait()` returns when a file source has ended and its last frame is out.
    """

    def __init__(self, source: FrameSource, processor: FrameProcessor, on_result: Callable[[LiveResult], None],
                 on_status: Callable[[str], None] | None = None) -> None:
        self.source, self.processor = source, processor
        self.on_result, self.on_status = on_result, on_status or (lambda message: None)
        self.slot = NewestSlot()
        self.capture = CaptureLoop(lambda: source, self.slot.put, self._on_event, self.slot.close)
        self.processed = RateMeter()
        self.latencies: deque[float] = deque(maxlen=30)
        self._stop = threading.Event()
        self._process_thread: threading.Thread | None = None
        self.error: str | None = None

    @property
    def captured(self) -> RateMeter:
        return self.capture.captured

    def start(self) -> LivePipeline:
        self.capture.start()
        self._process_thread = threading.Thread(target=self._process, name="live-process", daemon=True)
        self._process_thread.start()
        return self

    def _on_event(self, kind: str, message: str) -> None:
        if kind != "ended":
            self.on_status(message)

    def switch_model(self, infer: Infer, model: str) -> None:
        """Takes effect from the next frame processed (set between two frames, under the slot's lock)."""
        self._pending_model = (infer, model)

    def set_options(self, options: LiveOptions) -> None:
        self._pending_options = options

    def _process(self) -> None:
        while True:
            frame = self.slot.take()
            if frame is None or self._stop.is_set():
                break
            self._apply_pending()
            try:
                result = self.processor.process(frame)
            except AnimeDesktopError as exc:
                self.error = str(exc)
                self.on_status(f"stopped: {exc}")
                self._stop.set()
                self.capture.stop(0)
                break
            self.processed.tick(result.processed_at)
            self.latencies.append(result.processed_at - result.captured_at)
            self.on_result(result)

    def _apply_pending(self) -> None:
        pending = self.__dict__.pop("_pending_model", None)
        if pending:
            self.processor.set_model(*pending)
        options = self.__dict__.pop("_pending_options", None)
        if options:
            self.processor.set_options(options)

    def stats(self) -> LiveStats:
        latency = 1000 * float(np.mean(self.latencies)) if self.latencies else 0.0
        return LiveStats(self.captured.rate, self.processed.rate, latency, self.slot.replaced)

    def wait(self, timeout: float | None = None) -> bool:
        """True once both threads are done (the source ended or `stop()` was called)."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        self.capture.join(timeout)
        if self._process_thread is not None:
            self._process_thread.join(None if deadline is None else max(0.0, deadline - time.perf_counter()))
        return not self.capture.alive and not (self._process_thread and self._process_thread.is_alive())

    def stop(self) -> list:
        """Stop both threads, close the source and finalise the sinks; returns what the sinks wrote."""
        self._stop.set()
        self.capture.stop(5.0)
        self.slot.close()
        self.wait(5.0)
        self.source.close()
        return self.processor.close_sinks()


def with_options(options: LiveOptions, **changes) -> LiveOptions:
    return replace(options, **changes)
