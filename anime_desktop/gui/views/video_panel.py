"""Convert a whole video file, every frame with its sound, as an engine job with progress and Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from ...core import video_convert
from ...jobs import live as jobs

VIDEO_PATTERN = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v)"


class VideoConvertPanel(QGroupBox):
    status = Signal(str)
    conversion_finished = Signal(object)  # VideoReport, or None when cancelled or failed

    def __init__(self, window, model_name) -> None:
        super().__init__("Convert a video file (every frame, with its sound)")
        self.window, self.model_name = window, model_name
        self.handle = None
        self._report = None
        self.video_in, self.video_out = QLineEdit(), QLineEdit()
        self.video_in.setPlaceholderText("video to stylize")
        self.video_out.setPlaceholderText("output .mp4 (audio is kept)")
        browse_in = QPushButton("…", clicked=lambda: self._browse(self.video_in, save=False))
        browse_out = QPushButton("…", clicked=lambda: self._browse(self.video_out, save=True))
        self.size = QComboBox()
        self.size.addItem("full size", 0)
        for size in (720, 512, 384):
            self.size.addItem(f"{size} px", size)
        self.steady = QCheckBox("Steady")
        self.convert_button = QPushButton("Convert", clicked=self.convert)
        self.cancel_button = QPushButton("Cancel", clicked=self.cancel, enabled=False)
        self.progress = QProgressBar()
        files_row = QHBoxLayout()
        for w in (self.video_in, browse_in, QLabel("→"), self.video_out, browse_out):
            files_row.addWidget(w)
        run_row = QHBoxLayout()
        for w in (QLabel("Process at"), self.size, self.steady, self.convert_button, self.cancel_button,
                  self.progress):
            run_row.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addLayout(files_row)
        layout.addLayout(run_row)

    def _browse(self, line: QLineEdit, save: bool) -> None:
        if save:
            path, _ = QFileDialog.getSaveFileName(self, "Save the stylized video", line.text(), "MP4 (*.mp4)")
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Video to stylize", line.text() or str(Path.home()),
                                                  VIDEO_PATTERN)
        if path:
            line.setText(path)
            if not save and not self.video_out.text():
                src = Path(path)
                self.video_out.setText(str(src.with_name(f"{src.stem}_{self.model_name() or 'styled'}.mp4")))

    def convert(self) -> None:
        src, dst = Path(self.video_in.text()), Path(self.video_out.text())
        if not self.video_in.text() or not self.video_out.text():
            self.window.notify("Choose a video and where to write the result")
            return
        model = self.model_name()
        if not model:
            self.window.notify("No model selected: choose one in the toolbar")
            return
        options = video_convert.VideoOptions(short_side=int(self.size.currentData() or 0),
                                             steady=self.steady.isChecked())
        self._report = None
        self.handle = self.window.engine.submit(jobs.convert_video(src, dst, model, options))
        self.handle.progressed.connect(self._on_progress)
        self.handle.returned.connect(self._on_report)
        self.handle.finished.connect(self._on_finished)
        self.progress.setValue(0)
        self.convert_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.emit(f"Converting {src.name} with {model}…")

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        if message:
            self.progress.setFormat(f"%p% · {message}")

    def _on_report(self, report) -> None:
        self._report = report

    def _on_finished(self) -> None:
        """Once per conversion: written, failed (the banner says why) or cancelled (nothing written)."""
        cancelled = self.handle.progress.aborted
        self.handle = None
        self.convert_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        report, self._report = self._report, None
        if report is not None:
            self.progress.setValue(100)
            self.window.announce(f"Wrote {report.path}: {report.frames} frames, audio {report.audio}",
                                 Path(report.path).parent)
        else:
            self.progress.setValue(0)
            if cancelled:
                self.status.emit("Conversion cancelled; nothing was written")
        self.conversion_finished.emit(report)
