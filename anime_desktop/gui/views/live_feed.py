"""The running camera (or clip): the core capture loop feeding the engine's live slot.

Three threads: capture (`core.live.CaptureLoop`, which only reads the source and hands the
newest frame on), inference (the engine thread, whose live slot replaces a frame not yet
started), display (the GUI thread, which only paints). The model and options in effect are
those chosen when a frame was captured, so a switch shows on the next frame.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QObject, Signal

from ...core.live import CaptureLoop, LiveOptions, RateMeter
from ...jobs.live import LiveFrame, LiveState

LIVE_KEY = "live"


class LiveFeed(QObject):
    frame = Signal(object)  # a LiveFrame, on the GUI thread
    source_event = Signal(str, str)  # kind (stalled, ended, failed), message: from the capture thread
    failed = Signal(str)  # a frame could not be stylized: the feed has stopped

    def __init__(self, engine) -> None:
        super().__init__()
        self.engine = engine
        self.state = LiveState()
        self.model = ""
        self.options = LiveOptions()
        self.loop: CaptureLoop | None = None
        self.processed = RateMeter(2.0)
        self.ages: deque[float] = deque(maxlen=10_000)  # displayed frames' age in seconds
        self.last: LiveFrame | None = None

    @property
    def running(self) -> bool:
        return self.loop is not None

    @property
    def captured(self) -> RateMeter:
        return self.loop.captured if self.loop else RateMeter(2.0)

    def start(self, open_source) -> None:
        self.stop()
        self.processed = RateMeter(2.0)
        self.ages.clear()
        self.last = None
        self.loop = CaptureLoop(open_source, self._deliver, self.source_event.emit).start()

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.stop()
            self.loop = None

    def _deliver(self, captured) -> None:
        """Capture thread: hand the frame to the engine, wired before it can run."""
        job = self.state.frame_job(captured, self.model, self.options)
        self.engine.set_live(LIVE_KEY, job, wire=self._wire)

    def _wire(self, handle) -> None:
        handle.returned.connect(self._show)
        handle.errored.connect(self._failed)

    def _show(self, frame: LiveFrame) -> None:
        if not self.running:
            return
        now = time.perf_counter()
        self.processed.tick(now)
        self.ages.append(now - frame.result.captured_at)
        self.last = frame
        self.frame.emit(frame)

    def _failed(self, error) -> None:
        if self.running:
            self.stop()  # a model that fails on one frame fails on all: stop instead of flooding
            self.failed.emit(error.message)

    def reset_rate(self) -> None:
        self.processed = RateMeter(2.0)
