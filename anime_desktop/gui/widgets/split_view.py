"""Before | after in one view: a draggable divider, shared zoom and pan for both halves."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from ..convert import to_pixmap


class SplitView(QWidget):
    """Paints `before` left of the divider and `after` right of it with one transform, so
    zooming or panning moves both together (synchronised by construction)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.before, self.after = QPixmap(), QPixmap()
        self.split = 0.5
        self.scale_factor, self.offset = 1.0, QPointF(0, 0)
        self._drag: str | None = None
        self._last = QPointF()
        self.setMinimumSize(240, 180)
        self.setMouseTracking(True)

    def set_images(self, before: np.ndarray | None, after: np.ndarray | None) -> None:
        """Show a pair; None for both empties the view."""
        self.before = to_pixmap(before) if before is not None else QPixmap()
        self.after = to_pixmap(after) if after is not None else QPixmap()
        self.fit()
        self.update()

    def fit(self) -> None:
        if self.before.isNull():
            return
        self.scale_factor = min(self.width() / self.before.width(), self.height() / self.before.height())
        w, h = self.before.width() * self.scale_factor, self.before.height() * self.scale_factor
        self.offset = QPointF((self.width() - w) / 2, (self.height() - h) / 2)
        self.update()

    def image_rect(self) -> QRectF:
        return QRectF(self.offset.x(), self.offset.y(), self.before.width() * self.scale_factor,
                      self.before.height() * self.scale_factor)

    def divider_x(self) -> float:
        return self.width() * self.split

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if self.before.isNull():
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Run a comparison to see before | after")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target, x = self.image_rect(), self.divider_x()
        painter.save()
        painter.setClipRect(QRectF(0, 0, x, self.height()))
        painter.drawPixmap(target, self.before, QRectF(self.before.rect()))
        painter.setClipRect(QRectF(x, 0, self.width() - x, self.height()))
        painter.drawPixmap(target, self.after, QRectF(self.after.rect()))
        painter.restore()
        painter.setPen(QPen(QColor(255, 255, 255, 220), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setBrush(QColor(40, 40, 40, 200))
        painter.drawEllipse(QPointF(x, self.height() / 2), 9, 9)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        near = abs(event.position().x() - self.divider_x()) < 12
        self._drag, self._last = ("split" if near else "pan"), event.position()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drag == "split":
            self.split = min(max(event.position().x() / max(self.width(), 1), 0.0), 1.0)
        elif self._drag == "pan":
            self.offset += event.position() - self._last
            self._last = event.position()
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._drag = None

    def wheelEvent(self, event) -> None:  # noqa: N802
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        anchor = event.position()
        self.offset = anchor - (anchor - self.offset) * factor
        self.scale_factor *= factor
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        self.fit()
