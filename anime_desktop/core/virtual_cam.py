"""Sending the stylized stream to a virtual camera that video-call and streaming apps can pick.

`pyvirtualcam` is optional (extra `virtualcam`) and needs a device: v4l2loopback on Linux,
OBS's virtual camera on Windows and macOS. `status()` says whether it can work here and, if
not, why, so the window can show the option disabled with that reason instead of failing
when it is ticked.
"""

from __future__ import annotations

import cv2
import numpy as np

from .errors import AnimeDesktopError

WIDTH, HEIGHT, FPS = 1280, 720, 30


class VirtualCameraError(AnimeDesktopError):
    """The virtual camera could not be opened."""


def status() -> tuple[bool, str]:
    """(available, reason when not)."""
    try:
        import pyvirtualcam
    except ImportError:
        return False, "needs the optional pyvirtualcam package: pip install 'anime-desktop[virtualcam]'"
    try:
        with pyvirtualcam.Camera(width=64, height=48, fps=10):
            pass
    except Exception as exc:  # noqa: BLE001 - pyvirtualcam raises RuntimeError or OSError by backend
        return False, f"no virtual camera device ({str(exc).splitlines()[0]}); install v4l2loopback or OBS"
    return True, ""


class VirtualCameraSink:
    """A live-pipeline sink: each stylized frame, letterboxed to the camera's fixed size."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT, fps: int = FPS) -> None:
        try:
            import pyvirtualcam

            self.camera = pyvirtualcam.Camera(width=width, height=height, fps=fps)
        except Exception as exc:  # noqa: BLE001 - see status()
            raise VirtualCameraError(f"the virtual camera cannot start: {exc}") from None
        self.size = (width, height)

    def write(self, result) -> None:
        self.camera.send(letterbox(result.stylized, *self.size))

    def close(self) -> None:
        self.camera.close()


def letterbox(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to fit inside width x height, centred on black (a camera's size is fixed)."""
    h, w = rgb.shape[:2]
    scale = min(width / w, height / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    canvas = np.zeros((height, width, 3), np.uint8)
    y, x = (height - nh) // 2, (width - nw) // 2
    canvas[y:y + nh, x:x + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    return canvas
