"""Snapshot, recording and virtual camera of the live view: what leaves the running feed."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QWidget

from ...core import paths, virtual_cam
from ...core.live import LiveRecorder
from ...jobs import live as jobs


class CaptureControls(QWidget):
    status = Signal(str)

    def __init__(self, window, feed) -> None:
        super().__init__()
        self.window, self.feed = window, feed
        self.recording: Path | None = None
        self.snapshot_button = QPushButton("Snapshot", clicked=self.snapshot, enabled=False)
        self.with_original = QCheckBox("with original")
        self.record_button = QPushButton("Record", checkable=True, enabled=False)
        self.record_button.toggled.connect(self._record_toggled)
        self.virtual_cam = QCheckBox("Virtual camera", enabled=False)
        self.virtual_cam.setToolTip("checking…")
        self.virtual_cam.toggled.connect(self._virtual_cam_toggled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.snapshot_button, self.with_original, self.record_button, self.virtual_cam):
            row.addWidget(w)

    def check_virtual_camera(self) -> None:
        self.window.engine.call(lambda ctx: virtual_cam.status()).returned.connect(self._virtual_cam_status)

    def _virtual_cam_status(self, value) -> None:
        available, reason = value
        self.virtual_cam.setEnabled(available)
        self.virtual_cam.setToolTip("Send the stylized stream to a virtual camera" if available
                                    else f"Unavailable: {reason}")

    def set_running(self, running: bool) -> None:
        for w in (self.snapshot_button, self.record_button):
            w.setEnabled(running)
        if not running:
            if self.record_button.isChecked():
                self.record_button.setChecked(False)  # finalises the file
            if self.virtual_cam.isChecked():
                self.virtual_cam.setChecked(False)

    def folder(self) -> Path:
        return Path(self.window.settings.live_folder) if self.window.settings.live_folder else paths.captures_dir()

    def snapshot(self) -> None:
        if self.feed.last is None:
            self.status.emit("No frame yet")
            return
        job = jobs.save_snapshot(self.feed.last.result, self.folder(), self.with_original.isChecked())
        self.window.engine.call(job).returned.connect(
            lambda written: self.window.announce("Saved " + ", ".join(Path(p).name for p in written),
                                                 Path(written[0]).parent))

    def _record_toggled(self, on: bool) -> None:
        if on:
            self.recording = self.folder() / f"recording-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
            handle = self.window.engine.call(self.feed.state.start_recording(self.recording))
            handle.errored.connect(self._record_failed)
            self.record_button.setText("Stop recording")
        else:
            handle = self.window.engine.call(self.feed.state.stop_sinks(LiveRecorder))
            handle.returned.connect(self._recorded)
            self.record_button.setText("Record")
            self.recording = None

    def _record_failed(self, _error) -> None:
        self.record_button.blockSignals(True)
        self.record_button.setChecked(False)
        self.record_button.setText("Record")
        self.record_button.blockSignals(False)
        self.recording = None

    def _recorded(self, written: list) -> None:
        written = [p for p in written if p]
        if written:
            self.window.announce(f"Recording saved: {written[0]}", Path(written[0]).parent)
        else:
            self.status.emit("Nothing was recorded")

    def _virtual_cam_toggled(self, on: bool) -> None:
        if on:
            self.window.engine.call(self.feed.state.add_sink(virtual_cam.VirtualCameraSink))
        else:
            self.window.engine.call(self.feed.state.stop_sinks(virtual_cam.VirtualCameraSink))
