"""Stylize: drop, open or paste photos (or folders); each is stylized off the GUI thread with
the current model; thumbnails on the left, the result with zoom/pan and a before/after toggle;
save, save all, copy, or drag a result out into another application or a folder."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDrag, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from ... import diffusion
from ...core import paths, pipeline
from ...core.resources import resource_path
from ...jobs import stylize as jobs
from ..convert import from_qimage, to_pixmap, to_qimage
from ..widgets.image_view import ImageView
from .dreamshaper_panel import DreamShaperPanel

THUMB = jobs.THUMB_SIDE


def sample_photos() -> list[Path]:
    return sorted(resource_path("samples").glob("*.png"))


class ResultList(QListWidget):
    """Thumbnails; dragging one out carries the stylized picture as a PNG file and as image data."""

    def __init__(self, view: StylizeView) -> None:
        super().__init__()
        self.owner = view
        self.setDragEnabled(True)

    def startDrag(self, actions) -> None:  # noqa: N802 - Qt's name
        result = self.owner.current_result()
        if result is None:
            return
        drag = QDrag(self)
        drag.setMimeData(drag_data(result))
        drag.setPixmap(to_pixmap(result.thumb))
        drag.exec(Qt.DropAction.CopyAction)


def drag_data(result: jobs.Stylized) -> QMimeData:
    """The stylized picture as a PNG file (for file managers) and as image data (for editors).

    Another application needs a file at drop time, so the PNG is written here, once per drag,
    into the cache folder, never next to the user's photos."""
    folder = paths.cache_dir() / "dragged"
    folder.mkdir(parents=True, exist_ok=True)
    image = to_qimage(result.output)
    target = folder / f"{result.path.stem}_{result.model}.png"
    image.save(str(target), "PNG")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(target))])
    mime.setImageData(image)
    return mime


class StylizeView(QWidget):
    status = Signal(str)
    result_ready = Signal(object)  # jobs.Stylized, for tests

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.results: dict[Path, jobs.Stylized] = {}
        self.sd_handles: list = []  # DreamShaper jobs running or queued: the panel's bar and Cancel
        self.sd_waiting: list[Path] = []  # photos that met "not downloaded", run again after the download
        self.setAcceptDrops(True)
        self.dreamshaper = DreamShaperPanel(window.settings.dreamshaper)
        self.dreamshaper.hide()
        self.dreamshaper.run_current.connect(self.run_dreamshaper_current)
        self.dreamshaper.run_all.connect(lambda: self.restyle_all(force=True))
        self.dreamshaper.cancel.connect(self.cancel_dreamshaper)
        self.thumbs = ResultList(self)
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(THUMB, THUMB))
        self.thumbs.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbs.setFixedWidth(THUMB + 36)
        self.thumbs.currentItemChanged.connect(self._show_current)
        self.thumbs.installEventFilter(self)  # hold B wherever the focus is in this view
        self.view = ImageView("")
        self.view.installEventFilter(self)
        self.empty = self._empty_state()
        self.stack = QStackedLayout()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.before_button = QPushButton("Before")
        self.before_button.setToolTip("Hold to see the photo before stylizing (or hold B)")
        self.before_button.pressed.connect(lambda: self.show_before(True))
        self.before_button.released.connect(lambda: self.show_before(False))
        self.save_button = QPushButton("Save…")
        self.save_all_button = QPushButton("Save all…")
        self.copy_button = QPushButton("Copy")
        self.info = QLabel("")
        for button, slot in ((self.save_button, window.save_current), (self.save_all_button, window.save_all),
                             (self.copy_button, self.copy_current)):
            button.clicked.connect(slot)
        self._enable(False)
        bar = QHBoxLayout()
        bar.addWidget(self.info, 1)
        for b in (self.before_button, self.copy_button, self.save_button, self.save_all_button):
            bar.addWidget(b)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self.stack, 1)
        column.addLayout(bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.thumbs)
        layout.addWidget(right, 1)
        layout.addWidget(self.dreamshaper)

    def _empty_state(self) -> QWidget:
        box = QWidget()
        box.setObjectName("empty-state")
        text = QLabel("Drop photos or folders here, press Ctrl+O to open, or Ctrl+V to paste a picture.")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sample_button = QPushButton("Try a sample photo")
        self.sample_button.setToolTip("Stylize the photos that come with the app (Kodak, free to use)")
        self.sample_button.clicked.connect(self.try_samples)
        layout = QVBoxLayout(box)
        layout.addStretch(1)
        layout.addWidget(text)
        layout.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return box

    def _enable(self, on: bool) -> None:
        for b in (self.save_button, self.save_all_button, self.copy_button, self.before_button):
            b.setEnabled(on)

    # --- input --------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and event.source() is not self.thumbs:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths_ = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.window.open_paths(paths_)  # model files among them are imported, the rest stylized

    def try_samples(self) -> None:
        self.add_paths(sample_photos())

    def add_paths(self, paths_: list[Path]) -> None:
        """Folders are walked on the engine thread (a dropped folder may hold thousands of files)."""
        if self.window.current_model() is None:
            self.window.notify("No model selected: import one in the Models tab")
            return
        self.window.engine.call(jobs.expand_dropped(paths_)).returned.connect(self._stylize_files)

    def paste(self) -> None:
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.window.notify("The clipboard holds no picture: copy an image first, then press Ctrl+V")
            return
        rgb = from_qimage(image)
        folder = paths.cache_dir() / "pasted"
        target = folder / f"pasted-{time.strftime('%Y%m%d-%H%M%S')}.png"
        handle = self.window.engine.call(jobs.save_pasted(rgb, target))
        handle.returned.connect(lambda path: self._stylize_files([Path(path)]))

    def _stylize_files(self, files: list[Path]) -> None:
        model = self.window.current_model()
        if not files:
            self.window.notify("Nothing to stylize: drop image files or folders of images")
            return
        if model is None:
            return
        run = self.dreamshaper_run(model)
        for path in files:
            self._submit(jobs.stylize_file(path, model, self.window.stylize_options(), self.window.settings.tile_mp,
                                           run, self.window.settings.work_mp), path=path if run else None)
        self.status.emit(f"Stylizing {len(files)} image(s) with {model}…")

    def _submit(self, job, live_key: str | None = None, path: Path | None = None):
        """`path` marks a DreamShaper job: its steps drive the panel's bar, and Cancel reaches it."""
        engine = self.window.engine
        handle = engine.set_live(live_key, job) if live_key else engine.submit(job)
        handle.returned.connect(self._on_result)
        if path is not None:
            self._track_dreamshaper(handle, path)
        return handle

    def dreamshaper_run(self, model: str | None, allow_download: bool = False) -> diffusion.DreamShaperRun | None:
        """The panel's settings when `model` is DreamShaper (None for every other look)."""
        if not diffusion.is_dreamshaper(model):
            return None
        self.window.settings.dreamshaper = self.dreamshaper.remembered()
        return self.dreamshaper.run_settings(allow_download)

    def show_dreamshaper(self, on: bool) -> None:
        self.dreamshaper.setVisible(on)

    def restyle_all(self, force: bool = False) -> None:
        """The model changed: restyle the open pictures as live items, one slot per picture,
        so switching models quickly replaces work not yet started instead of queueing it.

        DreamShaper takes minutes for what the others do in milliseconds: choosing it restyles
        nothing until the panel's "Run on all" (`force`) or "Run on this photo"."""
        model = self.window.current_model()
        run = self.dreamshaper_run(model)
        if model is None or (run is not None and not force):
            return
        for path, result in self.results.items():
            self._submit(jobs.restyle(path, result.image, model, self.window.stylize_options(),
                                      self.window.settings.tile_mp, run, self.window.settings.work_mp),
                         live_key=f"restyle:{path}",
                         path=path if run else None)
        if self.results:
            self.status.emit(f"Restyling {len(self.results)} image(s) with {model}…")

    def run_dreamshaper_current(self) -> None:
        result, model = self.current_result(), self.window.current_model()
        if result is None:
            self.window.notify("Open a photo first: drop one here, or press Ctrl+O")
            return
        self._submit(jobs.restyle(result.path, result.image, model, self.window.stylize_options(),
                                  self.window.settings.tile_mp, self.dreamshaper_run(model)),
                     live_key=f"restyle:{result.path}", path=result.path)

    def _track_dreamshaper(self, handle, path: Path | None) -> None:
        """The panel's bar and Cancel follow `handle`; a photo that met "not downloaded" waits for the download."""
        prefix = f"{path.name}: " if path else ""
        self.sd_handles.append(handle)
        self.dreamshaper.working(0.0, f"{prefix}waiting")
        handle.progressed.connect(lambda f, m: self.dreamshaper.working(f, f"{prefix}{m}"))
        if path is not None:
            handle.errored.connect(lambda e: self.sd_waiting.append(path) if e.kind == "NotDownloaded" else None)

        def done() -> None:
            if handle in self.sd_handles:
                self.sd_handles.remove(handle)
            if not self.sd_handles:
                self.dreamshaper.working(None, "")
        handle.finished.connect(done)

    def cancel_dreamshaper(self) -> None:
        """Stops between two steps: the step callback checks the job's cancel flag."""
        for handle in list(self.sd_handles):
            handle.cancel()
        self.status.emit("DreamShaper cancelled")

    def download_dreamshaper(self) -> None:
        """The user agreed to the download: fetch (with the panel's bar), then run what waited for it."""
        model = self.window.current_model() or diffusion.NAME
        model = model if diffusion.is_dreamshaper(model) else diffusion.NAME
        handle = self.window.engine.submit(jobs.prepare_look(model, self.dreamshaper_run(model, allow_download=True)))
        self._track_dreamshaper(handle, None)

        def ready(_name) -> None:
            waiting, self.sd_waiting = self.sd_waiting, []
            self.window.announce("DreamShaper is downloaded and ready")
            if waiting and diffusion.is_dreamshaper(self.window.current_model()):
                self._stylize_files(waiting)
        handle.returned.connect(ready)

    # --- engine replies -----------------------------------------------------------------
    def _on_result(self, value: jobs.Stylized) -> None:
        path = value.path
        replacing = path in self.results
        self.results[path] = value
        if replacing:
            self._update_thumb(path, value)
        else:
            item = QListWidgetItem(QIcon(to_pixmap(value.thumb)), path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.thumbs.addItem(item)
            self.thumbs.setCurrentItem(item)
            self._enable(True)
            self.stack.setCurrentWidget(self.view)
        self._set_tooltip(path, value)
        self.status.emit(f"{path.name}: {value.model} on {value.provider}, {value.ms:.0f} ms")
        self.result_ready.emit(value)

    def _items_of(self, path: Path) -> list[QListWidgetItem]:
        return [self.thumbs.item(i) for i in range(self.thumbs.count())
                if self.thumbs.item(i).data(Qt.ItemDataRole.UserRole) == str(path)]

    def _set_tooltip(self, path: Path, value: jobs.Stylized) -> None:
        for item in self._items_of(path):
            item.setToolTip(f"{path}\n{value.model} ({value.precision}, {value.provider}) {value.ms:.0f} ms\n"
                            "Drag out to copy the stylized picture into another application or a folder")

    def _update_thumb(self, path: Path, value: jobs.Stylized) -> None:
        for item in self._items_of(path):
            item.setIcon(QIcon(to_pixmap(value.thumb)))
        if self.current_result() is value:
            self._show_current(self.thumbs.currentItem())

    def _show_current(self, item, _previous=None) -> None:
        result = self.current_result()
        if result is not None:
            self.view.set_image(result.output)
            w, h = result.image.size
            self.info.setText(f"{result.path.name} · {w}×{h} · {result.model} ({result.precision}) · "
                              f"{result.provider} · {result.ms:.0f} ms")

    def current_result(self) -> jobs.Stylized | None:
        item = self.thumbs.currentItem()
        return self.results.get(Path(item.data(Qt.ItemDataRole.UserRole))) if item else None

    # --- before / after -----------------------------------------------------------------
    def show_before(self, before: bool) -> None:
        """While held, the photo as it was; released, the result again (same zoom and pan)."""
        result = self.current_result()
        if result is None:
            return
        self.view.set_image(result.image.rgb if before else result.output)  # same size: zoom and pan stay
        self.showing_before = before

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not self._before_key(event):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if not self._before_key(event):
            super().keyReleaseEvent(event)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return self._before_key(event)
        return False

    def _before_key(self, event) -> bool:
        """B held: the photo before stylizing (the thumbnails and the picture both pass it here)."""
        if event.key() != Qt.Key.Key_B:
            return False
        if not event.isAutoRepeat():
            self.show_before(event.type() == QEvent.Type.KeyPress)
        return True

    # --- output ---------------------------------------------------------------------------
    def copy_current(self) -> None:
        result = self.current_result()
        if result is not None:
            QGuiApplication.clipboard().setImage(to_qimage(result.output))
            self.status.emit("Copied to the clipboard")

    def save(self, results: list[jobs.Stylized], targets: list[Path], options: pipeline.OutputOptions) -> None:
        handle = self.window.engine.submit(jobs.save_results(results, targets, options))
        handle.returned.connect(lambda saved: self.window.announce(saved.summary(), targets[0].parent))

    def save_all(self, folder: Path, options: pipeline.OutputOptions) -> None:
        results = list(self.results.values())
        self.save(results, jobs.save_targets(results, folder, options), options)
        self.status.emit(f"Saving {len(results)} image(s) to {folder} (existing files are kept)")
