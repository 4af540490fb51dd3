"""Stylize: drop or open photos (or folders); each is stylized off the GUI thread with the
current model; thumbnails on the left, the result with zoom/pan; save, save all, copy."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core import batch, imageio
from .. import tasks
from ..convert import to_pixmap, to_qimage
from ..widgets.image_view import ImageView

THUMB = tasks.THUMB_SIDE


def image_files(paths: list[Path]) -> list[Path]:
    """Files among dropped paths, folders expanded (recursively), non-images left out."""
    found = []
    for path in paths:
        if path.is_dir():
            found += batch.discover(path, recursive=True)
        elif path.suffix.lower() in imageio.READ_EXTENSIONS:
            found.append(path)
    return found


class StylizeView(QWidget):
    status = Signal(str)
    result_ready = Signal(object)  # tasks.Stylized, for tests and the compare view

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.results: dict[Path, tasks.Stylized] = {}
        self.pending: dict[int, Path] = {}
        self.setAcceptDrops(True)
        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(THUMB, THUMB))
        self.thumbs.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbs.setFixedWidth(THUMB + 36)
        self.thumbs.currentItemChanged.connect(self._show_current)
        self.view = ImageView("Drop photos or folders here\nor press Ctrl+O")
        self.save_button = QPushButton("Save…")
        self.save_all_button = QPushButton("Save all…")
        self.copy_button = QPushButton("Copy")
        self.info = QLabel("")
        for button, slot in ((self.save_button, window.save_current), (self.save_all_button, window.save_all),
                             (self.copy_button, self.copy_current)):
            button.clicked.connect(slot)
            button.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(self.info, 1)
        for b in (self.copy_button, self.save_button, self.save_all_button):
            bar.addWidget(b)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.view, 1)
        column.addLayout(bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.thumbs)
        layout.addWidget(right, 1)

    # --- input --------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.add_paths(paths)

    def add_paths(self, paths: list[Path]) -> None:
        files = image_files(paths)
        if not files:
            self.window.notify("Nothing to stylize: drop image files or folders of images")
            return
        model = self.window.current_model()
        if model is None:
            self.window.notify("No model selected: import one in the Models tab")
            return
        for path in files:
            job = self.window.engine.submit(tasks.stylize_file(path, model, self.window.stylize_options(),
                                                               self.window.settings.tile_mp))
            self.pending[job] = path
        self.status.emit(f"Stylizing {len(files)} image(s) with {model}…")

    def restyle_all(self) -> None:
        """The model changed: restyle the open pictures as live items, one slot per picture,
        so switching models quickly replaces work not yet started instead of queueing it."""
        model = self.window.current_model()
        if model is None:
            return
        for path, result in self.results.items():
            job = self.window.engine.set_live(f"restyle:{path}", tasks.restyle(
                path, result.image, model, self.window.stylize_options(), self.window.settings.tile_mp))
            self.pending[job] = path
        if self.results:
            self.status.emit(f"Restyling {len(self.results)} image(s) with {model}…")

    # --- engine replies -----------------------------------------------------------------
    def on_returned(self, job_id: int, value) -> None:
        path = self.pending.pop(job_id, None)
        if path is None or not isinstance(value, tasks.Stylized):
            return
        replacing = path in self.results
        self.results[path] = value
        if replacing:
            self._update_thumb(path, value)
            self.result_ready.emit(value)
            return
        item = QListWidgetItem(QIcon(to_pixmap(value.thumb)), path.name)
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        item.setToolTip(f"{path}\n{value.model} ({value.precision}, {value.provider}) {value.ms:.0f} ms")
        self.thumbs.addItem(item)
        self.thumbs.setCurrentItem(item)
        for b in (self.save_button, self.save_all_button, self.copy_button):
            b.setEnabled(True)
        self.status.emit(f"{path.name}: {value.model} on {value.provider}, {value.ms:.0f} ms")
        self.result_ready.emit(value)

    def _update_thumb(self, path: Path, value: tasks.Stylized) -> None:
        for i in range(self.thumbs.count()):
            item = self.thumbs.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == str(path):
                item.setIcon(QIcon(to_pixmap(value.thumb)))
        if self.current_result() is value:
            self._show_current(self.thumbs.currentItem())
        self.status.emit(f"{path.name}: {value.model} on {value.provider}, {value.ms:.0f} ms")

    def on_failed(self, job_id: int) -> None:
        self.pending.pop(job_id, None)

    def _show_current(self, item, _previous=None) -> None:
        result = self.current_result()
        if result is not None:
            self.view.set_image(result.output)
            w, h = result.image.size
            self.info.setText(f"{result.path.name} · {w}×{h} · {result.model} ({result.precision}) · "
                              f"{result.provider} · {result.ms:.0f} ms")

    def current_result(self) -> tasks.Stylized | None:
        item = self.thumbs.currentItem()
        return self.results.get(Path(item.data(Qt.ItemDataRole.UserRole))) if item else None

    def copy_current(self) -> None:
        result = self.current_result()
        if result is not None:
            QGuiApplication.clipboard().setImage(to_qimage(result.output))
            self.status.emit("Copied to the clipboard")
