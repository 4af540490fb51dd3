"""Models view → "Make a fast copy…": distil a slow look into a small student model of your own.

The build trains with PyTorch, which the app itself never imports: it runs `anime-export
build-student` as a child process (ARCHITECTURE.md door 4), shows its progress lines as they
arrive, and Cancel ends the process (the build installs its model only at the very end, so a
cancelled build leaves nothing installed). Without the `train` extra the dialog says which
command installs it instead of starting.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...core import paths
from ...jobs.build_progress import BuildProgress

TRAIN_EXTRA = "pip install 'anime-desktop[train]'"


def can_build() -> str:
    """Empty when a build can start here, else the one line that says what is missing."""
    if getattr(sys, "frozen", False):
        return f"Making a fast copy trains a model with PyTorch: it needs the Python package ({TRAIN_EXTRA})"
    if importlib.util.find_spec("torch") is None:
        return f"Making a fast copy trains a model with PyTorch: {TRAIN_EXTRA}"
    return ""


def build_command(teacher: str, photos: Path, name: str, steps: int, gates: bool) -> list[str]:
    # The build's working files go to the cache folder: never next to wherever the app was started.
    work = paths.cache_dir() / "students" / name
    args = ["-m", "export", "build-student", "--teacher", teacher, "--photos", str(photos), "--name", name,
            "--work", str(work)]
    if steps:
        args += ["--steps", str(steps)]
    if not gates:
        args += ["--gates", "off"]
    return args


class FastCopyDialog(QDialog):
    finished_build = Signal(int)  # the process's exit code (-1: cancelled)

    def __init__(self, teachers: list[str], current: str | None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Make a fast copy of a look")
        self.process: QProcess | None = None
        self.teacher = QComboBox()
        self.teacher.addItems(teachers)
        if current in teachers:
            self.teacher.setCurrentText(current)
        self.photos = QLineEdit()
        self.photos.setPlaceholderText("a folder of your photos (a few dozen varied ones work best)")
        browse = QPushButton("Browse…", clicked=self._browse)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.photos, 1)
        row.addWidget(browse)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. my-watercolour (lowercase)")
        self.steps = QSpinBox()
        self.steps.setRange(0, 100_000)
        self.steps.setSpecialValueText("default")
        self.steps.setSingleStep(500)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("%p%")
        self.progress.hide()
        self.tracker = BuildProgress()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(500)
        self.log.setPlaceholderText("The build's progress appears here: pairs, training steps, export, quality gates.")
        self.start_button = QPushButton("Start", clicked=self.start)
        self.cancel_button = QPushButton("Close", clicked=self.cancel)
        form = QFormLayout(self)
        form.addRow(QLabel("Trains a small, fast model to copy the chosen look on your photos. It can take "
                           "from minutes (a few hundred steps) to most of an hour on a laptop CPU."))
        form.addRow("Look to copy", self.teacher)
        form.addRow("Photos", folder_row)
        form.addRow("Name", self.name)
        form.addRow("Training steps", self.steps)
        form.addRow(self.progress)
        form.addRow(self.log)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        form.addRow(buttons)
        self.resize(620, 480)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Photos to learn from", self.photos.text() or str(Path.home()))
        if folder:
            self.photos.setText(folder)

    def start(self, gates: bool = True) -> bool:
        missing = can_build()
        photos, name = Path(self.photos.text().strip()), self.name.text().strip()
        problem = missing or ("" if photos.is_dir() else "Choose a folder of photos that exists") or (
            "" if name else "Give the new model a name")
        if problem:
            self.log.appendPlainText(problem)
            return False
        self.process = QProcess(self)
        self.process.setProgram(sys.executable)
        self.process.setArguments(build_command(self.teacher.currentText(), photos, name, self.steps.value(), gates))
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.process.readyReadStandardOutput.connect(self._output)
        self.process.finished.connect(self._done)
        self.tracker = BuildProgress()
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.progress.show()
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.process.start()
        return True

    def _output(self) -> None:
        text = bytes(self.process.readAllStandardOutput()).decode(errors="replace")
        for line in text.replace("\r", "\n").splitlines():
            if self.tracker.feed(line):
                self.progress.setFormat(f"{self.tracker.label} · %p%")
                self.progress.setValue(round(self.tracker.fraction * 1000))
            if line.strip() and not line.startswith("pairs "):  # per-render lines drive the bar, not the log
                self.log.appendPlainText(line.rstrip())

    def _done(self, code: int, _status=None) -> None:
        cancelled = self.process is not None and self.process.property("cancelled")
        self.process = None
        self.progress.hide()
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.log.appendPlainText("Cancelled: nothing was installed." if cancelled else
                                 "Done: the new model is in the list." if code == 0 else
                                 f"The build stopped (exit code {code}); the lines above say why.")
        self.finished_build.emit(-1 if cancelled else code)

    def cancel(self) -> None:
        if self.process is not None:
            self.process.setProperty("cancelled", True)
            self.process.kill()
        else:
            self.reject()
