"""Live: a camera (or a video file standing in for one) stylized as it plays, with readouts,
faster choices when the model cannot keep up, capture controls and whole-video conversion.

The parts each have a module: `live_feed` (capture loop -> engine live slot -> frames),
`live_capture` (snapshot, record, virtual camera), `video_panel` (file conversion). This view
lays them out and owns the source choice and the readouts.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core.live import PROCESSING_SIZES, SLOW_FPS, LiveOptions
from ...core.video import CameraSource, VideoFileSource, list_cameras
from ..widgets.image_view import ImageView
from .live_capture import CaptureControls
from .live_feed import LiveFeed
from .video_panel import VIDEO_PATTERN, VideoConvertPanel

SLOW_AFTER_S = 2.0  # judge speed only once the rate has settled
IDLE_READOUT = "Stopped. Start the camera or pick a clip as the source."


class LiveView(QWidget):
    status = Signal(str)
    frame_shown = Signal(object)  # a LiveFrame, after it is painted

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.feed = LiveFeed(window.engine)
        self.feed.frame.connect(self._show)
        self.feed.source_event.connect(self._on_source_event)
        self.feed.failed.connect(self._on_failed)
        self.started_at = 0.0
        self.capture = CaptureControls(window, self.feed)
        self.converter = VideoConvertPanel(window, lambda: self.feed.model)
        for part in (self.capture, self.converter):
            part.status.connect(self.status)
        self.conversion_finished = self.converter.conversion_finished
        self._build()
        self._readout_timer = QTimer(self, interval=500, timeout=self._update_readouts)

    # --- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        self.camera_box = QComboBox()
        self.camera_box.setMinimumWidth(130)
        self.camera_box.setPlaceholderText("not searched yet")
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
        self.view = ImageView("Start the camera, or pick a video file as the source")
        self.readouts = QLabel(IDLE_READOUT)
        self.readouts.setObjectName("readouts")
        self._build_slow_box()
        source_row = QHBoxLayout()
        for w in (QLabel("Camera"), self.camera_box, self.find_button, self.start_button, self.file_button,
                  self.stop_button):
            source_row.addWidget(w)
        source_row.addStretch(1)
        option_row = QHBoxLayout()
        for w in (QLabel("Process at"), self.size_box, self.mirror, self.split, self.steady):
            option_row.addWidget(w)
        option_row.addStretch(1)
        capture_row = QHBoxLayout()
        capture_row.addWidget(self.capture)
        capture_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(source_row)
        layout.addLayout(option_row)
        layout.addLayout(capture_row)
        layout.addWidget(self.slow_box)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.readouts)
        layout.addWidget(self.converter)

    def _build_slow_box(self) -> None:
        self.slow_label = QLabel("")
        self.slow_label.setWordWrap(True)
        self.faster_buttons = {key: QPushButton(text) for key, text in
                               (("size", "Process at 256 px"), ("int8", "Use the INT8 file"),
                                ("default", "Use the built-in default"))}
        for key, button in self.faster_buttons.items():
            button.clicked.connect(lambda checked=False, k=key: self.apply_faster(k))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slow_label, 1)
        for button in self.faster_buttons.values():
            row.addWidget(button)
        self.slow_box = QWidget()
        self.slow_box.setLayout(row)
        self.slow_box.hide()

    def restore(self, settings) -> None:
        index = self.size_box.findData(settings.live_size)
        self.size_box.setCurrentIndex(index if index >= 0 else 1)
        self.mirror.setChecked(settings.live_mirror)
        self.split.setChecked(settings.live_split)
        self.steady.setChecked(settings.live_steady)
        self._options_changed()
        self.capture.check_virtual_camera()

    def remember(self, settings) -> None:
        o = self.feed.options
        settings.live_size, settings.live_mirror, settings.live_split, settings.live_steady = (
            o.short_side, o.mirror, o.split, o.steady)

    # --- sources --------------------------------------------------------------------------
    @property
    def model(self) -> str:
        return self.feed.model

    @property
    def options(self) -> LiveOptions:
        return self.feed.options

    @property
    def running(self) -> bool:
        return self.feed.running

    def find_cameras(self) -> None:
        self.status.emit("Looking for cameras (indices 0–9)…")
        self.find_button.setEnabled(False)
        handle = self.window.engine.call(lambda ctx: list_cameras())
        handle.returned.connect(self._cameras_found)
        handle.finished.connect(lambda: self.find_button.setEnabled(True))

    def _cameras_found(self, indices: list[int]) -> None:
        self.camera_box.clear()
        for index in indices:
            self.camera_box.addItem(f"Camera {index}", index)
        self.camera_box.setPlaceholderText("no camera found")
        self.start_button.setEnabled(bool(indices) and not self.running)
        self.start_button.setToolTip("" if indices else "No camera was found; try Find cameras again, "
                                     "or use a clip as the source")
        self.status.emit(f"{len(indices)} camera(s) found" if indices else "No camera found (indices 0–9)")

    def choose_video_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Video file as the live source", str(Path.home()),
                                              VIDEO_PATTERN)
        if path:
            self.start_file(Path(path))

    def start_camera(self) -> None:
        index = self.camera_box.currentData()
        index = int(index) if index is not None else 0
        self.start(lambda: CameraSource(index), f"camera {index}")

    def start_file(self, path: Path, loop: bool = True, realtime: bool = True) -> None:
        """A clip standing in for a camera: paced to its frame rate, looping by default."""
        self.start(lambda: VideoFileSource(path, loop=loop, realtime=realtime), path.name)

    def start(self, open_source, label: str) -> None:
        if not self.feed.model:
            self.window.notify("No model selected: choose one in the toolbar")
            return
        self.feed.start(open_source)
        self.started_at = time.perf_counter()
        self._set_running(True)
        self._readout_timer.start()
        self.readouts.setText(f"Starting {label}…")
        self.status.emit(f"Live from {label} with {self.feed.model}")

    def stop(self) -> None:
        self.feed.stop()
        self._set_running(False)
        self._readout_timer.stop()
        self.slow_box.hide()
        self.readouts.setText(IDLE_READOUT)

    def _set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)
        self.capture.set_running(running)
        has_camera = self.camera_box.count() > 0 or self.camera_box.placeholderText() != "no camera found"
        self.start_button.setEnabled(not running and has_camera)

    def _on_source_event(self, kind: str, message: str) -> None:
        if kind == "stalled":
            self.window.notify(message)
            return
        if kind == "failed":
            self.window.notify(message)
        else:
            self.status.emit(message)
        self.stop()

    def _on_failed(self, message: str) -> None:
        self.stop()

    # --- options and model ----------------------------------------------------------------
    def _options_changed(self, *_) -> None:
        self.feed.options = LiveOptions(short_side=int(self.size_box.currentData() or 0),
                                        mirror=self.mirror.isChecked(), split=self.split.isChecked(),
                                        steady=self.steady.isChecked())

    def set_model(self, name: str) -> None:
        self.feed.model = name
        self.slow_box.hide()
        self.started_at = time.perf_counter()
        self.feed.reset_rate()

    # --- frames and readouts ----------------------------------------------------------------
    def _show(self, frame) -> None:
        self.view.set_image(frame.result.display)
        self.frame_shown.emit(frame)

    def _update_readouts(self) -> None:
        if not self.running:
            return
        feed = self.feed
        recent = list(feed.ages)[-15:]
        latency = 1000 * sum(recent) / len(recent) if recent else 0.0
        provider = feed.last.provider if feed.last else "…"
        infer = f" · model {feed.last.infer_ms:.0f} ms" if feed.last else ""
        rec = f" · ● REC {self.capture.recording.name}" if self.capture.recording else ""
        self.readouts.setText(f"captured {feed.captured.rate:.1f} fps · shown {feed.processed.rate:.1f} fps · "
                              f"latency {latency:.0f} ms{infer} · {feed.model} on {provider}{rec}")
        settled = time.perf_counter() - self.started_at > SLOW_AFTER_S
        if settled and feed.last is not None and feed.processed.rate < SLOW_FPS:
            self._offer_faster()
        elif feed.processed.rate >= SLOW_FPS:
            self.slow_box.hide()

    # --- when the model cannot keep up -------------------------------------------------------
    def faster_choices(self) -> dict[str, str]:
        """What could make this faster, as {kind: what it switches to}."""
        names = [self.window.model_box.itemText(i) for i in range(self.window.model_box.count())]
        model = self.feed.model
        choices = {}
        if self.options.short_side == 0 or self.options.short_side > 256:
            choices["size"] = "256 px"
        base = model.removesuffix("-fp32").removesuffix("-fp16")
        if base != model and f"{base}-int8" in names:
            choices["int8"] = f"{base}-int8"
        default = next((n for n in names if n.startswith("toon-default") and "int8" in n), None)
        if default and model != default:
            choices["default"] = default
        return choices

    def _offer_faster(self) -> None:
        choices = self.faster_choices()
        self.slow_label.setText(f"{self.feed.model} shows {self.feed.processed.rate:.1f} fps, under "
                                f"{SLOW_FPS:.0f}: it cannot keep up at this size."
                                + ("" if choices else " No faster choice here."))
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
        self.feed.reset_rate()

    def shutdown(self) -> None:
        """Window closing: stop capture, finalise any recording before the engine stops."""
        if self.running:
            self.stop()
