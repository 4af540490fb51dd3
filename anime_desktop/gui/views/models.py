"""Models: every model with a preview of its look, metadata, size and licence; import (an .onnx
file checked by a test run, or PyTorch weights converted without PyTorch, all on the engine
thread); a third-party file's convention chosen by eye; remove; provider; cache; where to get styles."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import model_store
from ...core.types import IOConvention
from ...jobs import catalog, previews
from ...jobs import download as download_jobs
from ...jobs import models as jobs
from ..convert import to_pixmap
from .convention_chooser import ConventionChooser
from .fast_copy import FastCopyDialog
from .model_dialogs import DescribeDialog, UrlDialog

COLUMNS = ["Look", "Name", "Family", "Style", "Precision", "Size", "Licence"]
MODEL_SUFFIXES = (".onnx", ".pt", ".pth")
THUMB = 64
GET_STYLES = """<h3>Where to get styles</h3>
<p>Published styles are mostly <b>non-commercial</b>: read each licence before you use the pictures.</p>
<ul>
<li><b>AnimeGANv3</b> (Hayao, Shinkai, Cute, ... as ONNX): the authors' GitHub releases
(TachibanaYoshino/AnimeGANv3). Licence: non-commercial, see their README. Import the .onnx file.</li>
<li><b>AnimeGANv2 for PyTorch</b> (face_paint_512, celeba_distill, paprika): bryandlee/animegan2-pytorch,
weights under its releases. Licence: MIT code; the weights follow AnimeGAN's non-commercial terms.
Import the .pt file: no PyTorch needed.</li>
<li><b>CartoonGAN PyTorch ports</b> (Hayao, Hosoda, Paprika, Shinkai .pth): Yijunmaverick/CartoonGAN-Test-Pytorch-Torch.
Licence: research use. Import the .pth file.</li>
</ul>
<p>Bring the file (Import…, or drop it on the window), or use
<code>anime-desktop models download URL --sha256 HEX</code>. Nothing is ever downloaded unless you ask for it.</p>"""


def size_text(row: catalog.ModelRow) -> str:
    if row.builtin and not row.size_mb:
        return "built-in"
    return f"{row.size_mb:.1f} MB" if row.size_mb >= 0.1 else f"{max(1, round(row.size_mb * 1000))} KB"


def is_model_file(path: Path) -> bool:
    return path.suffix.lower() in MODEL_SUFFIXES


class ModelsView(QWidget):
    status = Signal(str)
    changed = Signal()
    preview_ready = Signal(str, object)  # model name, RGB thumbnail (the toolbar's box shows it too)

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.rows: list[catalog.ModelRow] = []
        self.thumbs: dict[str, object] = {}
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()  # row numbers say nothing here
        self.table.setIconSize(QSize(THUMB, THUMB))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Licence"), QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 8)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.import_button, self.remove_button = QPushButton("Import…"), QPushButton("Remove")
        self.import_button.setToolTip("An .onnx file, or PyTorch weights (.pt/.pth) of AnimeGANv2 or CartoonGAN; "
                                      "you can also drop model files on the window")
        self.import_button.clicked.connect(self.ask_import)
        self.remove_button.clicked.connect(self.remove_selected)
        self.url_button = QPushButton("Add from URL…", clicked=self.ask_url)
        self.edit_button = QPushButton("Edit…", clicked=self.edit_selected)
        self.edit_button.setToolTip("Change the style name and licence of an installed model")
        self.styles_button = QPushButton("Get styles…", clicked=self.show_get_styles)
        self.copy_button = QPushButton("Make a fast copy…", clicked=self.make_fast_copy)
        self.copy_button.setToolTip("Distil a slow look (an imported model, toon, ...) into a small model "
                                    "fast enough for Live and big batches")
        self.cache_label = QLabel("")
        self.clear_button = QPushButton("Clear cache", clicked=self.clear_cache)
        self.clear_button.setToolTip("Previews and the copies made for dragging and pasting; they are made again")
        self.provider = QComboBox()
        for key, label, unavailable in jobs.provider_choices():
            self.provider.addItem(key)
            if unavailable:  # listed, greyed out, with the reason: the user sees what this build lacks
                index = self.provider.count() - 1
                self.provider.model().item(index).setEnabled(False)
                self.provider.setItemData(index, f"{label}: {unavailable}", Qt.ItemDataRole.ToolTipRole)
        self.provider.setCurrentText(window.settings.provider)
        self.provider.currentTextChanged.connect(window.set_provider)
        self.in_use = QLabel("in use: –")
        bar = QHBoxLayout()
        for w in (self.import_button, self.url_button, self.edit_button, self.remove_button, self.copy_button,
                  self.styles_button):
            bar.addWidget(w)
        bar.addStretch(1)
        footer = QHBoxLayout()
        footer.addWidget(QLabel("Execution provider"))
        footer.addWidget(self.provider)
        footer.addWidget(self.in_use)
        footer.addStretch(1)
        footer.addWidget(self.cache_label)
        footer.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)
        self.confirm_convention = self._ask_convention
        self.describe = self._ask_description  # (title, style, licence) -> values or None; tests replace it
        self.download_handle = None

    # --- the table and its previews ---------------------------------------------------------
    def fill(self, rows: list[catalog.ModelRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = ["", row.name + (" (built-in)" if row.builtin else ""), row.family, row.style, row.precision,
                     size_text(row), row.problem or row.license]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
            if row.name in self.thumbs:
                self._set_thumb(r, self.thumbs[row.name])
        handle = self.window.engine.submit(previews.previews([r for r in rows if r.name not in self.thumbs]))
        handle.yielded.connect(self._preview_ready)
        handle.finished.connect(self.update_cache_size)

    def _preview_ready(self, item: previews.Preview) -> None:
        if item.image is None:
            return
        self.thumbs[item.name] = item.image
        for r, row in enumerate(self.rows):
            if row.name == item.name:
                self._set_thumb(r, item.image)
        self.preview_ready.emit(item.name, item.image)

    def _set_thumb(self, r: int, image) -> None:
        cell = QTableWidgetItem()
        cell.setIcon(QIcon(to_pixmap(image)))
        self.table.setItem(r, 0, cell)

    def update_cache_size(self) -> None:
        handle = self.window.engine.call(lambda ctx: previews.cache_size())
        handle.returned.connect(lambda n: self.cache_label.setText(f"Cache: {n / 1e6:.1f} MB"))

    def clear_cache(self) -> None:
        handle = self.window.engine.call(lambda ctx: previews.clear_cache())
        handle.returned.connect(lambda n: (self.thumbs.clear(), self.status.emit(f"Cleared {n / 1e6:.1f} MB"),
                                           self.update_cache_size(), self.changed.emit()))

    def make_fast_copy(self) -> FastCopyDialog:
        dialog = FastCopyDialog(catalog.style_names(self.rows), self.window.current_model(), self)
        dialog.finished_build.connect(lambda code: self.changed.emit() if code == 0 else None)
        dialog.open()
        return dialog

    def show_get_styles(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Get styles")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(GET_STYLES)
        box.open()

    # --- import -------------------------------------------------------------------------------
    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a model", str(Path.home()),
                                              "Models (*.onnx *.pt *.pth);;ONNX models (*.onnx)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, name: str | None = None) -> None:
        """An .onnx file is test-run first (and its convention chosen by eye when it has no metadata);
        PyTorch weights are converted on the engine thread, without PyTorch. Then the user says (or
        confirms) its style and licence."""
        if path.suffix.lower() in (".pt", ".pth"):
            self._describe_and_install(path, name, None, path.stem.split("_net_G")[0], "unknown")
            return
        self.status.emit(f"Checking {path.name} with a test run…")
        handle = self.window.engine.call(jobs.inspect_model(path))
        handle.returned.connect(lambda info: self._inspected(path, name, info))

    def _inspected(self, path: Path, name: str | None, info) -> None:
        overrides = None
        if not info.has_metadata:
            overrides = self.confirm_convention(path, info.io)
            if overrides is None:
                self.status.emit("Import cancelled")
                return
        self._describe_and_install(path, name, overrides, info.style or path.stem, info.license)

    def _describe_and_install(self, path: Path, name, overrides, style: str, license: str) -> None:
        values = self.describe(f"Import {path.name}", style, license)
        if values is None:
            self.status.emit("Import cancelled")
            return
        metadata = self._checked(values)
        if metadata is None:
            return
        self.status.emit(f"Installing {path.name}…")
        handle = self.window.engine.call(lambda ctx: download_jobs.import_with_metadata(path, name, metadata,
                                                                                        overrides))
        handle.returned.connect(self._installed)

    def _checked(self, values: dict) -> dict | None:
        """The style and licence a person typed, checked as the CLI checks them (None: told why)."""
        try:
            return download_jobs.metadata_values(values.get("style") or None, values.get("license") or None)
        except ValueError as exc:
            self.window.notify(str(exc).replace("--style", "The style").replace("--license", "The licence"))
            return None

    def _installed(self, info) -> None:
        """Installing never changes the model in use by itself: offer it instead."""
        self._changed(f"Installed '{info.name}'")
        if info.task == catalog.IMAGE_TO_IMAGE:
            self.window.announce(f"Installed '{info.name}'.",
                                 action=("Use it now", lambda: self.window.use_model(info.name)))
        else:
            self.window.announce(f"Installed '{info.name}': find it in the Faces view.")

    def _ask_description(self, title: str, style: str, license: str) -> dict | None:
        dialog = DescribeDialog(title, style, license, self)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def edit_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.status.emit("Select a model first")
            return
        model = self.rows[row]
        if model.builtin:
            self.window.notify(f"'{model.name}' comes with the app and cannot be edited")
            return
        values = self.describe(f"Edit {model.name}", model.style, model.license)
        if values is None:
            return
        metadata = self._checked(values)
        if metadata is None:
            return
        handle = self.window.engine.call(lambda ctx: model_store.set_metadata(model.name, metadata))
        handle.returned.connect(lambda _: self._changed(f"Updated '{model.name}'"))

    def ask_url(self) -> None:
        dialog = UrlDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        url, sha = dialog.values()
        if url:
            self.add_from_url(url, sha)

    def add_from_url(self, url: str, sha256: str | None = None) -> None:
        """Download (only now, on the user's action), check and install, with progress and Cancel."""
        self.download_handle = handle = self.window.engine.call(download_jobs.install_from_url(url, sha256=sha256))
        self.url_button.setText("Cancel download")
        self.url_button.clicked.disconnect()
        self.url_button.clicked.connect(handle.cancel)
        handle.progressed.connect(lambda f, m: self.status.emit(f"Downloading: {f:.0%} {m}"))
        handle.returned.connect(lambda got: self._installed(got.info))
        handle.finished.connect(self._download_done)

    def _download_done(self) -> None:
        self.download_handle = None
        self.url_button.setText("Add from URL…")
        self.url_button.clicked.disconnect()
        self.url_button.clicked.connect(self.ask_url)

    def _ask_convention(self, path: Path, io: IOConvention) -> dict | None:
        chooser = ConventionChooser(path, self)
        handle = self.window.engine.submit(previews.convention_candidates(path))
        handle.yielded.connect(chooser.add)
        accepted = chooser.exec() == QDialog.DialogCode.Accepted
        handle.cancel()
        return chooser.choice if accepted else None

    # --- remove, provider ---------------------------------------------------------------------
    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        name = self.rows[row].name
        if self.rows[row].builtin:
            self.window.notify(f"'{name}' comes with the app and cannot be removed")
            return
        answer = QMessageBox.question(self, "Remove model", f"Delete the installed model '{name}'?")
        if answer == QMessageBox.StandardButton.Yes:
            handle = self.window.engine.call(jobs.remove_model(name))
            handle.returned.connect(lambda _: self._changed(f"Removed '{name}'"))

    def _changed(self, message: str) -> None:
        """One catalogue refresh per change (the window re-reads it and updates every view)."""
        self.status.emit(message)
        self.changed.emit()

    def show_provider(self, provider: str) -> None:
        self.in_use.setText(f"in use: {provider}")

    def set_provider_choice(self, provider: str) -> None:
        self.provider.blockSignals(True)
        self.provider.setCurrentText(provider)
        self.provider.blockSignals(False)

