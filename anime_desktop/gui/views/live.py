"""Live: a camera (or a video file standing in for one) stylized as it plays, and whole-video
conversion with progress and Cancel.

Three threads: capture (a plain thread here: it only reads the source and hands the newest
frame to the engine's live slot, replacing one not yet started), inference (the engine
thread), display (the GUI thread, which only paints). The model and options in effect are
those chosen when a frame was captured, so a switch shows on the next frame.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
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
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...core import paths, video_convert, virtual_cam
from ...core.errors import AnimeDesktopError
from ...core.live import PROCESSING_SIZES, SLOW_FPS, LiveOptions, LiveRecorder, RateMeter
from ...core.video import CameraSource, FrameSource, SourceStalled, VideoFileSource, list_cameras
from .. import live_tasks
from ..widgets.image_view import ImageView

LIVE_KEY = "live"
SLOW_AFTER_S = 2.0  # judge speed only once the rate has settled


class LiveView(QWidget):
    status = Signal(str)
    source_event = Signal(str, str)  # kind (stalled, ended, failed), message: from the capture thread
    frame_shown = Signal(object)  # a LiveFrame, after it is painted
    conversion_finished = Signal(object)  # VideoReport, or None when cancelled or failed

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.state = live_tasks.LiveState()
        self.model = ""
        self.options = LiveOptions()
        self.video_file: Path | None = None
        self._capture: threading.Thread | None = None
        self._stop = threading.Event()
        self._ids_lock = threading.Lock()
        self._live_ids: set[int] = set()
        self._jobs: dict[int, str] = {}
        self.captured, self.processed = RateMeter(2.0), RateMeter(2.0)
        self.ages: deque[float] = deque(maxlen=10_000)  # displayed frames' age in seconds, for readouts and tests
        self.last: live_tasks.LiveFrame | None = None
        self.started_at = 0.0
        self.recording: Path | None = None
        self.convert_job: int | None = None
        self._build()
        self.source_event.connect(self._on_source_event)
        self._readout_timer = QTimer(self, interval=500, timeout=self._update_readouts)

    # --- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        self.camera_box = QComboBox()
        self.camera_box.setPlaceholderText("none found yet")
        self.find_button = QPushButton("Find cameras", clicked=self.find_cameras)
        self.file_button = QPushButton("Clip as source…", clicked=self.choose_video_source)
        self.file_button.setToolTip("Play a video file as if it were a camera (looping, at its own frame rate)")
        self.start_button = QPushButton("Start camera", clicked=self.start_camera)
        self.stop_button = QPushButton("Stop", clicked=self.stop, enabled=False)
        self.size_box = QComboBox()
        for size in PROCESSING_SIZES:
            self.size_box.addItem(f"{size} px", size)
        self.size_box.addItem("full size", 0)
        self.mirror = QCheckBox("Mirror")
        self.split = QCheckBox("Original | stylized")
        self.steady = QCheckBox("Steady")
        self.steady.setToolTip("Blend each frame with the last where the picture did not move: less flicker")
        for box in (self.mirror, self.split, self.steady):
            box.toggled.connect(self._options_changed)
        self.size_box.currentIndexChanged.connect(self._options_changed)
        self.snapshot_button = QPushButton("Snapshot", clicked=self.snapshot, enabled=False)
        self.with_original = QCheckBox("with original")
        self.record_button = QPushButton("Record", checkable=True, enabled=False)
        self.record_button.toggled.connect(self._record_toggled)
        self.virtual_cam = QCheckBox("Virtual camera", enabled=False)
        self.virtual_cam.setToolTip("checking…")
        self.virtual_cam.toggled.connect(self._virtual_cam_toggled)
        self.view = ImageView("Start the camera, or pick a video file as the source")
        self.readouts = QLabel("")
        self.readouts.setObjectName("readouts")
        self.slow_label = QLabel("")
        self.slow_label.setWordWrap(True)
        self.faster_buttons = {key: QPushButton(text) for key, text in
                               (("size", "Process at 256 px"), ("int8", "Use the INT8 file"),
                                ("default", "Use the built-in default"))}
        for key, button in self.faster_buttons.items():
            button.clicked.connect(lambda checked=False, k=key: self.apply_faster(k))
        slow_row = QHBoxLayout()
        slow_row.addWidget(self.slow_label, 1)
        for button in self.faster_buttons.values():
            slow_row.addWidget(button)
        self.slow_box = QWidget()
        self.slow_box.setLayout(slow_row)
        self.slow_box.hide()

        source_row = QHBoxLayout()
        for w in (QLabel("Camera"), self.camera_box, self.find_button, self.start_button, self.file_button,
                  self.stop_button):
            source_row.addWidget(w)
        source_row.addStretch(1)
        option_row, capture_row = QHBoxLayout(), QHBoxLayout()
        for w in (QLabel("Process at"), self.size_box, self.mirror, self.split, self.steady):
            option_row.addWidget(w)
        option_row.addStretch(1)
        for w in (self.snapshot_button, self.with_original, self.record_button, self.virtual_cam):
            capture_row.addWidget(w)
        capture_row.addStretch(1)

        self.video_in, self.video_out = QLineEdit(), QLineEdit()
        self.video_in.setPlaceholderText("video to stylize")
        self.video_out.setPlaceholderText("output .mp4 (audio is kept)")
        browse_in = QPushButton("…", clicked=lambda: self._browse_video(self.video_in, save=False))
        browse_out = QPushButton("…", clicked=lambda: self._browse_video(self.video_out, save=True))
        self.convert_steady = QCheckBox("Steady")
        self.convert_button = QPushButton("Convert", clicked=self.convert)
        self.cancel_button = QPushButton("Cancel", clicked=self.cancel_conversion, enabled=False)
        self.convert_progress = QProgressBar()
        files_row, run_row = QHBoxLayout(), QHBoxLayout()
        for w in (self.video_in, browse_in, self.video_out, browse_out):
            files_row.addWidget(w)
        for w in (QLabel("Process at"), self._convert_size(), self.convert_steady, self.convert_button,
                  self.cancel_button, self.convert_progress):
            run_row.addWidget(w)
        convert_layout = QVBoxLayout()
        convert_layout.addLayout(files_row)
        convert_layout.addLayout(run_row)
        convert_box = QGroupBox("Convert a video file (every frame, with its sound)")
        convert_box.setLayout(convert_layout)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(source_row)
        layout.addLayout(option_row)
        layout.addLayout(capture_row)
        layout.addWidget(self.slow_box)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.readouts)
        layout.addWidget(convert_box)
        _scrolled(self, content)

    def _convert_size(self) -> QComboBox:
        self.convert_size = QComboBox()
        self.convert_size.addItem("full size", 0)
        for size in (720, 512, 384):
            self.convert_size.addItem(f"{size} px", size)
        return self.convert_size

    def restore(self, settings) -> None:
        index = self.size_box.findData(settings.live_size)
        self.size_box.setCurrentIndex(index if index >= 0 else 1)
        self.mirror.setChecked(settings.live_mirror)
        self.split.setChecked(settings.live_split)
        self.steady.setChecked(settings.live_steady)
        self._options_changed()
        self._jobs[self.window.engine.call(lambda ctx: virtual_cam.status())] = "virtual-cam-status"

    def remember(self, settings) -> None:
        o = self.options
        settings.live_size, settings.live_mirror, settings.live_split, settings.live_steady = (
            o.short_side, o.mirror, o.split, o.steady)

    # --- sources --------------------------------------------------------------------------
    def find_cameras(self) -> None:
        self.status.emit("Looking for cameras (indices 0–9)…")
        self._jobs[self.window.engine.call(lambda ctx: list_cameras())] = "cameras"

    def choose_video_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Video file as the live source", str(Path.home()),
                                              "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v)")
        if path:
            self.start_file(Path(path))

    def start_camera(self) -> None:
        index = self.camera_box.currentData()
        self.start(lambda: CameraSource(int(index if index is not None else 0)),
                   f"camera {index if index is not None else 0}")

    def start_file(self, path: Path, loop: bool = True, realtime: bool = True) -> None:
        """A clip standing in for a camera: paced to its frame rate, looping by default."""
        self.start(lambda: VideoFileSource(path, loop=loop, realtime=realtime), path.name)

    def start(self, open_source, label: str) -> None:
        if self._capture is not None:
            self.stop()
        if not self.model:
            self.window.notify("No model selected: choose one in the toolbar")
            return
        self._stop.clear()
        self.captured, self.processed = RateMeter(2.0), RateMeter(2.0)
        self.ages.clear()
        self.started_at = time.perf_counter()
        self._capture = threading.Thread(target=self._capture_loop, args=(open_source,), name="live-capture",
                                         daemon=True)
        self._capture.start()
        self._set_running(True)
        self._readout_timer.start()
        self.status.emit(f"Live from {label} with {self.model}")

    def _capture_loop(self, open_source) -> None:
        """The capture thread: read, hand the newest frame to the engine, never wait for it."""
        try:
            source: FrameSource = open_source()
        except AnimeDesktopError as exc:
            self.source_event.emit("failed", str(exc))
            return
        try:
            while not self._stop.is_set():
                try:
                    frame = source.read()
                except SourceStalled as exc:
                    self.source_event.emit("stalled", str(exc))
                    continue
                if frame is None:
                    if source.finished:
                        self.source_event.emit("ended", f"{source.name} ended")
                        break
                    continue
                self.captured.tick(frame.captured_at)
                job = self.state.frame_job(frame, self.model, self.options)
                with self._ids_lock:
                    self._live_ids.add(self.window.engine.set_live(LIVE_KEY, job))
        except Exception as exc:  # noqa: BLE001 - a backend crash must reach the user, not end the app
            self.source_event.emit("failed", f"{source.name}: capture failed ({exc})")
        finally:
            source.close()

    def stop(self) -> None:
        self._stop.set()
        if self._capture is not None:
            self._capture.join(5.0)
            self._capture = None
        if self.record_button.isChecked():
            self.record_button.setChecked(False)  # finalises the file
        if self.virtual_cam.isChecked():
            self.virtual_cam.setChecked(False)
        self._set_running(False)
        self._readout_timer.stop()
        self.slow_box.hide()

    @property
    def running(self) -> bool:
        return self._capture is not None

    def _set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)
        for w in (self.snapshot_button, self.record_button):
            w.setEnabled(running)
        self.start_button.setEnabled(not running)

    def _on_source_event(self, kind: str, message: str) -> None:
        if kind == "stalled":
            self.window.notify(message)
            return
        if kind == "failed":
            self.window.notify(message)
        else:
            self.status.emit(message)
        self.stop()

    # --- options and model ----------------------------------------------------------------
    def _options_changed(self, *_) -> None:
        self.options = LiveOptions(short_side=int(self.size_box.currentData() or 0), mirror=self.mirror.isChecked(),
                                   split=self.split.isChecked(), steady=self.steady.isChecked())

    def set_model(self, name: str) -> None:
        self.model = name
        self.slow_box.hide()
        self.started_at = time.perf_counter()
        self.processed = RateMeter(2.0)

    # --- engine replies -------------------------------------------------------------------
    def on_returned(self, job_id: int, value) -> bool:
        """True when the reply was this view's."""
        if isinstance(value, live_tasks.LiveFrame):
            with self._ids_lock:
                self._live_ids.discard(job_id)
            if self.running:
                self._show(value)
            return True
        kind = self._jobs.pop(job_id, None)
        if kind == "cameras":
            self.camera_box.clear()
            for index in value:
                self.camera_box.addItem(f"Camera {index}", index)
            self.status.emit(f"{len(value)} camera(s) found" if value else "No camera found (indices 0–9)")
        elif kind == "virtual-cam-status":
            available, reason = value
            self.virtual_cam.setEnabled(available)
            self.virtual_cam.setToolTip("Send the stylized stream to a virtual camera" if available
                                        else f"Unavailable: {reason}")
        elif kind == "snapshot":
            self.status.emit("Saved " + ", ".join(str(p) for p in value))
        elif kind == "record-stop":
            written = [p for p in value if p]
            self.status.emit(f"Recording saved: {written[0]}" if written else "Nothing was recorded")
            self.window.notify(f"Recording saved: {written[0]}") if written else None
        elif kind == "convert":
            self._conversion_done(value)
        elif kind is None:
            return False
        return True

    def on_failed(self, job_id: int) -> None:
        with self._ids_lock:
            live = job_id in self._live_ids
            self._live_ids.discard(job_id)
        kind = self._jobs.pop(job_id, None)
        if live and self.running:
            self.stop()  # a model that fails on one frame fails on all: stop instead of flooding
        if kind == "record-start":
            self.record_button.blockSignals(True)
            self.record_button.setChecked(False)
            self.record_button.blockSignals(False)
        if kind == "convert":
            self._conversion_done(None)

    def on_finished(self, job_id: int) -> None:
        """A conversion that ended without a result was cancelled (its partial file is gone)."""
        if job_id == self.convert_job and self._jobs.pop(job_id, None) == "convert":
            self.status.emit("Conversion cancelled; nothing was written")
            self._conversion_done(None)

    def on_progress(self, job_id: int, fraction: float, message: str) -> None:
        if job_id == self.convert_job:
            self.convert_progress.setValue(round(fraction * 100))
            if message:
                self.convert_progress.setFormat(f"%p% · {message}")

    def _show(self, frame: live_tasks.LiveFrame) -> None:
        now = time.perf_counter()
        self.processed.tick(now)
        self.ages.append(now - frame.result.captured_at)
        self.last = frame
        self.view.set_image(frame.result.display)
        self.frame_shown.emit(frame)

    def _update_readouts(self) -> None:
        if not self.running:
            return
        recent = list(self.ages)[-15:]
        latency = 1000 * sum(recent) / len(recent) if recent else 0.0
        provider = self.last.provider if self.last else "…"
        infer = f" · model {self.last.infer_ms:.0f} ms" if self.last else ""
        rec = f" · ● REC {self.recording.name}" if self.recording else ""
        self.readouts.setText(f"captured {self.captured.rate:.1f} fps · shown {self.processed.rate:.1f} fps · "
                              f"latency {latency:.0f} ms{infer} · {self.model} on {provider}{rec}")
        settled = time.perf_counter() - self.started_at > SLOW_AFTER_S
        if settled and self.last is not None and self.processed.rate < SLOW_FPS:
            self._offer_faster()
        elif self.processed.rate >= SLOW_FPS:
            self.slow_box.hide()

    # --- when the model cannot keep up -------------------------------------------------------
    def faster_choices(self) -> dict[str, str]:
        """What could make this faster, as {kind: what it switches to}."""
        names = [self.window.model_box.itemText(i) for i in range(self.window.model_box.count())]
        choices = {}
        if self.options.short_side == 0 or self.options.short_side > 256:
            choices["size"] = "256 px"
        base = self.model.removesuffix("-fp32").removesuffix("-fp16")
        if base != self.model and f"{base}-int8" in names:
            choices["int8"] = f"{base}-int8"
        default = next((n for n in names if n.startswith("toon-default") and "int8" in n), None)
        if default and self.model != default:
            choices["default"] = default
        return choices

    def _offer_faster(self) -> None:
        choices = self.faster_choices()
        self.slow_label.setText(f"{self.model} shows {self.processed.rate:.1f} fps, under {SLOW_FPS:.0f}: "
                                "it cannot keep up at this size." + ("" if choices else " No faster choice here."))
        for key, button in self.faster_buttons.items():
            button.setVisible(key in choices)
            if key in choices and key != "size":
                button.setToolTip(f"switch to {choices[key]}")
        self.slow_box.show()

    def apply_faster(self, kind: str) -> None:
        choices = self.faster_choices()
        if kind == "size":
            self.size_box.setCurrentIndex(self.size_box.findData(256))
        elif kind in choices:
            self.window.model_box.setCurrentText(choices[kind])
        self.slow_box.hide()
        self.started_at = time.perf_counter()
        self.processed = RateMeter(2.0)

    # --- snapshot, record, virtual camera ---------------------------------------------------
    def capture_folder(self) -> Path:
        return Path(self.window.settings.live_folder) if self.window.settings.live_folder else paths.captures_dir()

    def snapshot(self) -> None:
        if self.last is None:
            self.status.emit("No frame yet")
            return
        job = live_tasks.save_snapshot(self.last.result, self.capture_folder(), self.with_original.isChecked())
        self._jobs[self.window.engine.call(job)] = "snapshot"

    def _record_toggled(self, on: bool) -> None:
        if on:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.recording = self.capture_folder() / f"recording-{stamp}.mp4"
            self._jobs[self.window.engine.call(self.state.start_recording(self.recording))] = "record-start"
            self.record_button.setText("Stop recording")
        else:
            self._jobs[self.window.engine.call(self.state.stop_sinks(LiveRecorder))] = "record-stop"
            self.record_button.setText("Record")
            self.recording = None

    def _virtual_cam_toggled(self, on: bool) -> None:
        if on:
            self._jobs[self.window.engine.call(self.state.add_sink(virtual_cam.VirtualCameraSink))] = "vcam"
        else:
            self._jobs[self.window.engine.call(self.state.stop_sinks(virtual_cam.VirtualCameraSink))] = "vcam-stop"

    # --- whole-video conversion ----------------------------------------------------------------
    def _browse_video(self, line: QLineEdit, save: bool) -> None:
        pattern = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v)"
        if save:
            path, _ = QFileDialog.getSaveFileName(self, "Save the stylized video", line.text(), "MP4 (*.mp4)")
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Video to stylize", line.text() or str(Path.home()), pattern)
        if path:
            line.setText(path)
            if not save and not self.video_out.text():
                src = Path(path)
                self.video_out.setText(str(src.with_name(f"{src.stem}_{self.model or 'styled'}.mp4")))

    def convert(self) -> None:
        src, dst = Path(self.video_in.text()), Path(self.video_out.text())
        if not self.video_in.text() or not self.video_out.text():
            self.window.notify("Choose a video and where to write the result")
            return
        if not self.model:
            self.window.notify("No model selected: choose one in the toolbar")
            return
        options = video_convert.VideoOptions(short_side=int(self.convert_size.currentData() or 0),
                                             steady=self.convert_steady.isChecked())
        self.convert_job = self.window.engine.submit(live_tasks.convert_video(src, dst, self.model, options))
        self._jobs[self.convert_job] = "convert"
        self.convert_progress.setValue(0)
        self.convert_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.emit(f"Converting {src.name} with {self.model}…")

    def cancel_conversion(self) -> None:
        if self.convert_job is not None:
            self.window.engine.cancel(self.convert_job)

    def _conversion_done(self, report) -> None:
        self.convert_job = None
        self.convert_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if report is not None:
            self.convert_progress.setValue(100)
            self.status.emit(f"Wrote {report.path}: {report.frames} frames, audio {report.audio}")
        else:
            self.convert_progress.setValue(0)
        self.conversion_finished.emit(report)

    def shutdown(self) -> None:
        """Window closing: stop capture, finalise any recording before the engine stops."""
        if self.running:
            self.stop()





def _scrolled(view: QWidget, content: QWidget) -> None:
    """Put `content` in a scroll area filling `view`: the window may be smaller than the controls."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(content)
    outer = QVBoxLayout(view)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
