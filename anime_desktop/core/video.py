"""Where live frames come from and where a recording goes: cameras, video files, AVI/MP4 files.

OpenCV does the capture because it reaches every platform's camera API with one call; it has
no way to list cameras, so `list_cameras` probes indices (CONTRACTS.md: 0-9). A source
hands out RGB frames with the time they were captured, which is what latency is measured
from. A camera that stops delivering (unplugged, taken by another app) raises
`SourceStalled` once per outage and is reopened on the next reads, so the live view can say
so and recover without a restart.
"""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import tempfiles
from .errors import AnimeDesktopError

PROBE_INDICES = range(10)


class SourceError(AnimeDesktopError):
    """A camera or video file that cannot be opened; the message says which and why."""


class SourceStalled(AnimeDesktopError):
    """A source that was working stopped delivering frames (reads keep failing)."""


class RecordingError(AnimeDesktopError):
    """A recording could not be started or finalised (folder not writable, no codec)."""


@dataclass(frozen=True)
class Frame:
    rgb: np.ndarray
    index: int  # 0, 1, 2... in capture order
    captured_at: float  # time.perf_counter() when the frame was read


class FrameSource(ABC):
    """Common ground of cameras and files: `read()` gives the next Frame, or None when there is
    none right now; `finished` tells the end of a file from a camera's missed frame."""

    name = "source"
    fps: float = 0.0
    size: tuple[int, int] = (0, 0)  # width, height
    finished = False

    @abstractmethod
    def read(self) -> Frame | None:
        """The next frame, or None when there is none right now (see `finished`)."""

    @abstractmethod
    def close(self) -> None:
        """Release the device or file; reading afterwards is not allowed."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _capture_facts(cap: cv2.VideoCapture) -> tuple[float, tuple[int, int]]:
    fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    return (fps if 0 < fps < 1000 else 0.0), size


class VideoFileSource(FrameSource):
    """Frames of a video file, as fast as they are read, or paced to the file's frame rate
    (`realtime`), which is how a clip stands in for a camera; `loop` starts again at the end."""

    def __init__(self, path: str | Path, loop: bool = False, realtime: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such video file")
        self.cap = cv2.VideoCapture(str(self.path))
        if not self.cap.isOpened():
            raise SourceError(f"{self.path}: not a video OpenCV can read (unknown container or codec)")
        self.name = self.path.name
        self.fps, self.size = _capture_facts(self.cap)
        self.frame_count = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.loop, self.realtime = loop, realtime
        self._index = 0
        self._started: float | None = None

    def read(self) -> Frame | None:
        ok, bgr = self.cap.read()
        if not ok and self.loop and self._index > 0:
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = self.cap.read()
        if not ok:
            self.finished = True
            return None
        if self.realtime and self.fps:
            self._started = self._started or time.perf_counter()
            due = self._started + self._index / self.fps
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        frame = Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self._index, time.perf_counter())
        self._index += 1
        return frame

    def close(self) -> None:
        self.cap.release()


class CameraSource(FrameSource):
    """A camera by index. Opening fails at once, with the cameras that do exist, when the index
    has none; after `stall_after` failed reads in a row the camera is reported stalled and
    reopened on the following reads."""

    def __init__(self, index: int, stall_after: int = 10, backend: int = cv2.CAP_ANY) -> None:
        self.index, self.backend, self.stall_after = index, backend, stall_after
        self.name = f"camera {index}"
        self.cap = self._open()
        if self.cap is None:
            raise SourceError(f"no camera at index {index} (cameras found: "
                              f"{', '.join(map(str, list_cameras())) or 'none'})")
        self.fps, self.size = _capture_facts(self.cap)
        self._index, self._failures, self._stalled = 0, 0, False

    def _open(self) -> cv2.VideoCapture | None:
        cap = cv2.VideoCapture(self.index, self.backend)
        if cap.isOpened():
            return cap
        cap.release()
        return None

    def read(self) -> Frame | None:
        ok, bgr = self.cap.read() if self.cap is not None else (False, None)
        if ok:
            self._failures, self._stalled = 0, False
            frame = Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self._index, time.perf_counter())
            self._index += 1
            return frame
        self._failures += 1
        if self._failures % self.stall_after == 0:
            if self.cap is not None:
                self.cap.release()
            self.cap = self._open()  # comes back when the camera is plugged in again
            if not self._stalled:
                self._stalled = True
                raise SourceStalled(f"{self.name} stopped delivering frames (unplugged, or in use by another "
                                    "app?); retrying")
        time.sleep(0.2 if self._stalled else 0.01)
        return None

    def close(self) -> None:
        if self.cap is not None:
            self.cap.release()


def list_cameras(indices=PROBE_INDICES) -> list[int]:
    """Indices with a camera that opens. OpenCV's backends print warnings for empty indices;
    they are silenced here, because probing empty indices is the point."""
    previous = os.environ.get("OPENCV_LOG_LEVEL")
    os.environ["OPENCV_LOG_LEVEL"] = "SILENT"
    from cv2.utils import logging as cv_logging  # the variable only counts before cv2 is imported

    level = cv_logging.getLogLevel()
    cv_logging.setLogLevel(cv_logging.LOG_LEVEL_SILENT)
    try:
        found = []
        for i in indices:
            cap = cv2.VideoCapture(i)
            if cap.isOpened():
                found.append(i)
            cap.release()
        return found
    finally:
        cv_logging.setLogLevel(level)
        if previous is None:
            os.environ.pop("OPENCV_LOG_LEVEL", None)
        else:
            os.environ["OPENCV_LOG_LEVEL"] = previous


class VideoRecorder:
    """Frames to an MP4 (mp4v) or AVI (MJPG) file at a fixed rate, written under a temporary
    name and renamed by `close()`, so a crash never leaves a half-written file that looks done."""

    CODECS = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]) -> None:
        self.path = Path(path)
        codec = self.CODECS.get(self.path.suffix.lower())
        if codec is None:
            raise RecordingError(f"{self.path}: record to .mp4 or .avi")
        if self.path.exists():
            raise RecordingError(f"{self.path}: exists already; choose another name")
        self.size, self.fps = size, max(1.0, float(fps))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tempfiles.sweep_stale(self.path.parent)
            self.reservation = tempfiles.PartFile(self.path).reserve()
        except OSError as exc:
            raise RecordingError(f"{self.path.parent}: cannot write recordings here ({exc.strerror})") from None
        self.part = self.reservation.path
        self.writer = cv2.VideoWriter(str(self.part), cv2.VideoWriter_fourcc(*codec), self.fps, size)
        if not self.writer.isOpened():
            self.reservation.discard()
            raise RecordingError(f"{self.path}: cannot write here (read-only folder, full disk or no "
                                 f"{codec} encoder)")
        self.frames = 0

    def write(self, rgb: np.ndarray) -> None:
        if (rgb.shape[1], rgb.shape[0]) != self.size:
            rgb = cv2.resize(rgb, self.size, interpolation=cv2.INTER_AREA)
        self.writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> Path | None:
        """Finalise; returns the file, or None (and nothing on disk) when no frame was written."""
        self.writer.release()
        try:
            if not self.frames:
                return None
            self.reservation.publish(overwrite=True)
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot finish the recording ({exc.strerror})") from None
        finally:
            self.reservation.discard()  # removes the temporary file unless it was published
        return self.path
