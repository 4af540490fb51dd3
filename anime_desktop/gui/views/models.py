"""Models: installed models with metadata, size, precision and licence; import (validated by
a test run; a third-party file's convention confirmed by the user); remove; provider."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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

from ...core.types import IOConvention
from ...jobs import catalog
from ...jobs import models as jobs

COLUMNS = ["Name", "Family", "Style", "Precision", "Size", "Licence"]


class ConventionDialog(QDialog):
    """Ask a person to confirm how a file without our metadata is fed (detected values preset)."""

    def __init__(self, path: Path, io: IOConvention, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Confirm how to feed this model")
        self.layout_box, self.range_box, self.order_box = QComboBox(), QComboBox(), QComboBox()
        self.layout_box.addItems(["NCHW", "NHWC"])
        self.layout_box.setCurrentText(io.layout)
        self.range_box.addItems(["-1,1", "0,1", "0,255"])
        self.range_box.setCurrentText(f"{io.value_range[0]:g},{io.value_range[1]:g}")
        self.order_box.addItems(["RGB", "BGR"])
        self.order_box.setCurrentText(io.channel_order)
        form = QFormLayout(self)
        form.addRow(QLabel(f"{path.name} has no Anime Desktop metadata. Detected: size multiple "
                           f"{io.size_multiple}, minimum {io.min_size} px. Check the rest:"))
        form.addRow("Layout", self.layout_box)
        form.addRow("Value range", self.range_box)
        form.addRow("Colour order", self.order_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def overrides(self) -> dict:
        lo, hi = (float(v) for v in self.range_box.currentText().split(","))
        return {"layout": self.layout_box.currentText(), "value_range": (lo, hi),
                "channel_order": self.order_box.currentText()}


class ModelsView(QWidget):
    status = Signal(str)
    changed = Signal()

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.rows: list[catalog.ModelRow] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.empty = QLabel("No models installed yet. Import an .onnx file, or export one with anime-export.")
        self.import_button, self.remove_button = QPushButton("Import .onnx…"), QPushButton("Remove")
        self.import_button.clicked.connect(self.ask_import)
        self.remove_button.clicked.connect(self.remove_selected)
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
        for w in (self.import_button, self.remove_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(QLabel("Execution provider"))
        bar.addWidget(self.provider)
        bar.addWidget(self.in_use)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.confirm_convention = self._ask_convention
        self.processes: list[QProcess] = []

    def fill(self, rows: list[catalog.ModelRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            size = ("built-in" if row.builtin and not row.size_mb else
                    f"{row.size_mb:.1f} MB" if row.size_mb >= 0.1 else f"{row.size_mb * 1000:.0f} KB")
            cells = [row.name + (" (built-in)" if row.builtin else ""), row.family, row.style, row.precision,
                     size, row.problem or row.license]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a model", str(Path.home()),
                                              "Models (*.onnx *.pt *.pth);;ONNX models (*.onnx)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, name: str | None = None) -> None:
        if path.suffix.lower() in (".pt", ".pth"):
            self.import_pytorch(path)
            return
        self.status.emit(f"Checking {path.name} with a test run…")
        handle = self.window.engine.call(jobs.inspect_model(path))
        handle.returned.connect(lambda info: self._inspected(path, name, info))

    def import_pytorch(self, path: Path) -> None:
        """PyTorch weights go through `anime-export import` in a subprocess: the app itself never
        imports torch, and the exporter's output is shown line by line as it arrives."""
        if importlib.util.find_spec("torch") is None:
            self.window.notify("Importing PyTorch weights needs the trainer's packages: "
                               "pip install 'anime-desktop[train]'")
            return
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "export", "import", str(path)])
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        lines: list[str] = []
        process.readyReadStandardOutput.connect(lambda: self._subprocess_output(process, lines))
        process.finished.connect(lambda code, _status: self._subprocess_done(path, code, lines))
        self.processes.append(process)
        self.status.emit(f"Converting {path.name} with anime-export…")
        process.start()

    def _subprocess_output(self, process: QProcess, lines: list[str]) -> None:
        text = bytes(process.readAllStandardOutput()).decode(errors="replace")
        for line in text.splitlines():
            if line.strip():
                lines.append(line.strip())
                self.status.emit(line.strip()[:200])

    def _subprocess_done(self, path: Path, code: int, lines: list[str]) -> None:
        self.processes = [p for p in self.processes if p.state() != QProcess.ProcessState.NotRunning]
        if code == 0:
            self.status.emit(lines[-1] if lines else f"Imported {path.name}")
            self.changed.emit()
        else:
            self.window.notify(next((ln for ln in reversed(lines) if ln.startswith("error")),
                                    f"{path.name}: the import failed (exit code {code})"))

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

    def _ask_convention(self, path: Path, io: IOConvention) -> dict | None:
        dialog = ConventionDialog(path, io, self)
        return dialog.overrides() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _inspected(self, path: Path, name: str | None, info) -> None:
        overrides = None
        if not info.has_metadata:
            overrides = self.confirm_convention(path, info.io)
            if overrides is None:
                self.status.emit("Import cancelled")
                return
        handle = self.window.engine.call(jobs.install_model(path, name, overrides))
        handle.returned.connect(lambda installed: self._changed(f"Installed '{installed.name}'"))

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
