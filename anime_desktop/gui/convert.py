"""ndarray <-> QImage, always copied: a QImage must never point into a numpy buffer that
another thread may free (ARCHITECTURE.md: always on the GUI thread, with .copy())."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPixmap


def to_qimage(rgb: np.ndarray, alpha: np.ndarray | None = None) -> QImage:
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    if alpha is not None:
        rgba = np.ascontiguousarray(np.dstack([rgb, alpha]))
        return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def to_pixmap(rgb: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(to_qimage(rgb))


def from_qimage(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return buffer[:, : 3 * w].reshape(h, w, 3).copy()
