"""Batch: a folder through one or more models with progress, throughput, ETA, Cancel,
Resume (existing outputs are skipped) and a table of skipped files with reasons."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import pipeline
from ...jobs import batch as jobs
from ..widgets.check_list import CheckList


class BatchView(QWidget):
    status = Signal(str)
    batch_finished = Signal(object)  # list of failures; None when cancelled or failed (once per batch)

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.handle = None
        self._failures = None
        self.user_picked = False  # the user ticked models here: the toolbar no longer decides
        self.in_dir, self.out_dir = QLineEdit(), QLineEdit()
        self.in_dir.setPlaceholderText("folder of photos")
        self.out_dir.setPlaceholderText("where results go (never the input folder)")
        self.recursive = QCheckBox("Include subfolders")
        self.models = CheckList()
        self.models.changed_by_user.connect(lambda: setattr(self, "user_picked", True))
        self.models.setMaximumHeight(110)
        self.format = QComboBox()
        self.format.addItems(["png", "jpg", "webp"])
        self.max_side = QSpinBox()
        self.max_side.setRange(0, 20000)
        self.max_side.setSpecialValueText("no limit")
        self.max_side.setSingleStep(256)
        for narrow in (self.format, self.max_side):
            narrow.setMaximumWidth(160)
        form = QFormLayout()
        form.addRow("Input", self._with_browse(self.in_dir))
        form.addRow("Output", self._with_browse(self.out_dir))
        form.addRow("", self.recursive)
        form.addRow("Models", self.models)
        form.addRow("Format", self.format)
        form.addRow("Longest side", self.max_side)
        self.start_button, self.cancel_button = QPushButton("Start"), QPushButton("Cancel")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m")
        self.rate = QLabel("Outputs that exist already are skipped, so Start again resumes a cancelled batch.")
        self.skipped = QTableWidget(0, 3)
        self.skipped.setHorizontalHeaderLabels(["File", "Stage", "Reason"])
        self.skipped.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.skipped.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.rate)
        layout.addWidget(QLabel("Skipped files"))
        layout.addWidget(self.skipped, 1)

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        button = QPushButton("Browse…")
        button.clicked.connect(lambda: self._browse(edit))
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(edit, 1)
        h.addWidget(button)
        return row

    def _browse(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text() or str(Path.home()))
        if folder:
            edit.setText(folder)

    def set_models(self, names: list[str], toolbar_model: str | None) -> None:
        """A new catalogue: keep the user's own ticks where they still exist, else the toolbar's model."""
        kept = [m for m in self.checked_models() if m in names] if self.user_picked else []
        self.models.set_items(names, kept or ([toolbar_model] if toolbar_model else []))
        self.user_picked = bool(kept)

    def follow_model(self, name: str) -> None:
        """The toolbar's model changed: the batch starts from it until the user ticks models here."""
        if not self.user_picked and self.handle is None:
            self.models.set_checked([name])

    def checked_models(self) -> list[str]:
        return self.models.checked()

    def start(self) -> None:
        in_dir, out_dir = Path(self.in_dir.text().strip()), Path(self.out_dir.text().strip())
        models = self.checked_models()
        if not self.in_dir.text().strip() or not in_dir.is_dir():
            self.window.notify("Choose an input folder that exists")
            return
        if not self.out_dir.text().strip() or out_dir.resolve() == in_dir.resolve():
            self.window.notify("Choose an output folder other than the input folder")
            return
        if not models:
            self.window.notify("Tick at least one model")
            return
        if out_dir.exists() and not out_dir.is_dir():
            self.window.notify(f"{out_dir} is a file, not a folder: choose a folder for the results")
            return
        self.window.banner.hide()  # an old message must not sit over a new batch
        s = self.window.settings
        s.last_input_dir, s.last_output_dir, s.output_format = str(in_dir), str(out_dir), self.format.currentText()
        options = pipeline.StylizeOptions(max_side=self.max_side.value(),
                                          output=pipeline.OutputOptions(fmt=self.format.currentText()))
        self.skipped.setRowCount(0)
        self.progress.setValue(0)
        self.handle = self.window.engine.submit(jobs.run_batch(in_dir, out_dir, models, options,
                                                               self.recursive.isChecked(), s.tile_mp,
                                                               s.work_mp))
        self.handle.yielded.connect(self._on_progress)
        self.handle.returned.connect(self._on_result)
        self.handle.finished.connect(self._on_finished)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.emit("Batch started")

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.status.emit("Cancelling after the current image…")

    def _on_progress(self, value: jobs.BatchProgress) -> None:
        self.progress.setMaximum(value.total)
        self.progress.setValue(value.done)
        self.rate.setText(f"{value.done} of {value.total} · {value.rate:.2f} images/s · "
                          f"ETA {jobs.format_eta(value.eta_seconds)}")
        if value.event.failure:
            self._add_skipped(value.event.failure)

    def _add_skipped(self, failure) -> None:
        row = self.skipped.rowCount()
        self.skipped.insertRow(row)
        for col, text in enumerate((failure.path.name, failure.stage, failure.reason)):
            item = QTableWidgetItem(text)
            item.setToolTip(str(failure.path))
            self.skipped.setItem(row, col, item)

    def _on_result(self, result: jobs.BatchResult) -> None:
        skipped = f"; {len(result.failures)} file(s) skipped, listed below" if result.failures else ""
        self.window.announce(f"Batch done: {result.written} new image(s) in {result.out_dir}{skipped}",
                             result.out_dir)
        self._failures = result.failures

    def _on_finished(self) -> None:
        """Once per batch, whether it completed, failed or was cancelled."""
        cancelled = self.handle is not None and self.handle.progress.aborted
        self.handle = None
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if cancelled:
            self.window.announce("Batch cancelled: finished images are kept; Start again resumes")
        failures, self._failures = self._failures, None
        self.batch_finished.emit(failures)
