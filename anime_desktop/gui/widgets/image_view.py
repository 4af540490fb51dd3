"""A zoomable, pannable image view (wheel to zoom around the cursor, drag to pan, F to fit)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView

from ..convert import to_pixmap


class ImageView(QGraphicsView):
    zoomed = Signal(float)

    def __init__(self, placeholder: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        self.placeholder = placeholder
        self._fit = True

    def set_image(self, rgb: np.ndarray | None) -> None:
        self.set_pixmap(to_pixmap(rgb) if rgb is not None else QPixmap())

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._item.setPixmap(pixmap)
        self.scene().setSceneRect(self._item.boundingRect())
        if self._fit:
            self.fit()
        self.viewport().update()

    def has_image(self) -> bool:
        return not self._item.pixmap().isNull()

    def fit(self) -> None:
        self._fit = True
        if self.has_image():
            self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoomed.emit(self.transform().m11())

    def zoom(self, factor: float) -> None:
        self._fit = False
        self.scale(factor, factor)
        self.zoomed.emit(self.transform().m11())

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.zoom(1.25 if event.angleDelta().y() > 0 else 0.8)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_F:
            self.fit()
        elif event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.25)
        elif event.key() == Qt.Key.Key_Minus:
            self.zoom(0.8)
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fit:
            self.fit()

    def drawForeground(self, painter: QPainter, rect) -> None:  # noqa: N802
        if not self.has_image() and self.placeholder:
            painter.save()
            painter.resetTransform()
            painter.setPen(self.palette().placeholderText().color())
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            painter.setFont(font)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            painter.restore()
