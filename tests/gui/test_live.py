"""The Live view in a real window: a video file stands in for the camera (this machine has none)."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import Qt

from anime_desktop.core import model_store, paths
from tests import onnx_models
from tests.core.test_live_video import make_video_with_audio, read_back, write_clip


def install(tmp_path, name, **kwargs):
    model_store.install(onnx_models.colour_model(tmp_path / f"{name}.onnx", **kwargs), name)


def live_window(make_window, tmp_path, *names):
    install(tmp_path, "swap")
    install(tmp_path, "same", style="Same", matrix=np.eye(3))
    for name in names:
        install(tmp_path, name)
    window = make_window(2 + len(names))
    window.model_box.setCurrentText("swap")
    window.tabs.setCurrentWidget(window.live)
    return window


def test_live_from_a_clip_shows_stylized_frames_and_switches_models(qtbot, make_window, tmp_path):
    window = live_window(make_window, tmp_path)
    view = window.live
    write_clip(tmp_path / "clip.avi", 60, fps=25)
    shown = []
    view.frame_shown.connect(shown.append)
    view.start_file(tmp_path / "clip.avi", loop=False)
    qtbot.waitUntil(lambda: len(shown) >= 8, timeout=15_000)
    first = shown[-1].result
    assert first.model == "swap" and np.array_equal(first.stylized, onnx_models.expected_colour(first.original))
    assert view.view.has_image() and view.stop_button.isEnabled()
    switch_count = len(shown)
    window.model_box.setCurrentText("same")
    qtbot.waitUntil(lambda: len(shown) >= switch_count + 8, timeout=15_000)
    later = shown[-1].result
    assert later.model == "same" and np.array_equal(later.stylized, later.original)
    indices = [f.result.index for f in shown]
    assert indices == sorted(set(indices))
    qtbot.waitUntil(lambda: not view.running, timeout=15_000)  # the clip ended: the view stops by itself
    assert window.statusBar().currentMessage() == "clip.avi ended"
    assert not view.stop_button.isEnabled() and view.readouts.text().startswith("Stopped")
    view.view.grab()  # paints without error after stopping


def test_snapshot_and_record_write_readable_files(qtbot, make_window, tmp_path):
    window = live_window(make_window, tmp_path)
    view = window.live
    view.size_box.setCurrentIndex(view.size_box.findData(256))
    view.split.setChecked(True)
    write_clip(tmp_path / "clip.avi", 200, fps=25, size=(640, 480))
    shown = []
    view.frame_shown.connect(shown.append)
    view.start_file(tmp_path / "clip.avi", loop=True)
    qtbot.waitUntil(lambda: len(shown) >= 3, timeout=15_000)
    assert shown[-1].result.display.shape == (256, 2 * 342, 3)  # original | stylized at 256 px
    view.capture.with_original.setChecked(True)
    qtbot.mouseClick(view.capture.snapshot_button, Qt.MouseButton.LeftButton)
    folder = paths.captures_dir()
    qtbot.waitUntil(lambda: folder.is_dir() and len(list(folder.glob("snapshot-*.png"))) == 2, timeout=10_000)
    stylized = cv2.imread(str(next(p for p in folder.glob("snapshot-*.png") if "original" not in p.name)))
    assert stylized.shape == (256, 342, 3)
    qtbot.mouseClick(view.capture.record_button, Qt.MouseButton.LeftButton)
    recorded_from = len(shown)
    qtbot.waitUntil(lambda: len(shown) >= recorded_from + 40, timeout=20_000)
    qtbot.mouseClick(view.capture.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(list(folder.glob("recording-*.mp4"))) == 1, timeout=10_000)
    view.stop()
    cap = cv2.VideoCapture(str(next(folder.glob("recording-*.mp4"))))
    frames = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames += 1
        assert frame.shape == (256, 342, 3)
    assert frames >= 30
    assert not list(folder.glob(".*"))  # no temporary file left


def test_a_missing_camera_gets_a_clear_message(qtbot, make_window, tmp_path):
    window = live_window(make_window, tmp_path)
    view = window.live
    view.camera_box.addItem("Camera 97", 97)
    view.camera_box.setCurrentIndex(view.camera_box.count() - 1)
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15_000)
    assert "no camera at index 97" in window.banner.text()
    qtbot.waitUntil(lambda: not view.running, timeout=5_000)
    assert view.start_button.isEnabled()


def test_virtual_camera_is_disabled_with_the_reason(qtbot, make_window, tmp_path):
    window = live_window(make_window, tmp_path)
    qtbot.waitUntil(lambda: window.live.capture.virtual_cam.toolTip() != "checking…", timeout=10_000)
    assert not window.live.capture.virtual_cam.isEnabled()
    assert window.live.capture.virtual_cam.toolTip().startswith("Unavailable:")


def test_when_the_model_cannot_keep_up_faster_choices_are_offered(qtbot, make_window, tmp_path):
    window = live_window(make_window, tmp_path, "anime-fp32", "anime-int8")
    view = window.live
    window.model_box.setCurrentText("anime-fp32")
    view.size_box.setCurrentIndex(view.size_box.findData(512))
    choices = view.faster_choices()
    assert choices == {"size": "256 px", "int8": "anime-int8", "default": "toon-default-int8"}
    view._offer_faster()
    assert view.slow_box.isVisibleTo(view) and all(b.isVisibleTo(view) for b in view.faster_buttons.values())
    qtbot.mouseClick(view.faster_buttons["int8"], Qt.MouseButton.LeftButton)
    assert window.model_box.currentText() == "anime-int8" and not view.slow_box.isVisibleTo(view)
    view._offer_faster()
    qtbot.mouseClick(view.faster_buttons["size"], Qt.MouseButton.LeftButton)
    assert view.options.short_side == 256


def test_converting_a_video_from_the_window(qtbot, make_window, tmp_path):
    window = live_window(make_window, tmp_path)
    view = window.live
    make_video_with_audio(tmp_path / "in.mp4", frames=20, fps=10)
    view.converter.video_in.setText(str(tmp_path / "in.mp4"))
    view.converter.video_out.setText(str(tmp_path / "out.mp4"))
    with qtbot.waitSignal(view.conversion_finished, timeout=30_000) as done:
        qtbot.mouseClick(view.converter.convert_button, Qt.MouseButton.LeftButton)
    report = done.args[0]
    assert report is not None and report.frames == 20 and report.audio == "copied"
    frames, audio = read_back(tmp_path / "out.mp4")
    assert len(frames) == 20 and audio > 1.9
    assert view.converter.progress.value() == 100 and view.converter.convert_button.isEnabled()


def test_the_windows_live_path_drops_frames_instead_of_queueing(qtbot, make_window, tmp_path):
    """Acceptance, on the path the window ships (capture loop -> engine live slot -> LiveFeed): with a
    model slower than the camera, the shown frame's age does not grow, and dropped frames hold nothing."""
    window = live_window(make_window, tmp_path)
    window.model_box.setCurrentText("toon")  # the classical renderer at 640x480: slower than a 100 fps clip
    view = window.live
    view.size_box.setCurrentIndex(view.size_box.findData(384))
    write_clip(tmp_path / "fast.avi", 1000, fps=100, size=(640, 480))
    shown = []
    view.frame_shown.connect(shown.append)
    view.start_file(tmp_path / "fast.avi", loop=False)
    qtbot.waitUntil(lambda: not view.running, timeout=60_000)
    ages = list(view.feed.ages)
    assert len(ages) >= 80 and len(shown) < 1000 * 0.8  # most frames were dropped: the model is slower
    first, last = np.mean(ages[:40]), np.mean(ages[-40:])
    assert last < first + 0.05, (first, last)  # a queue would add ~10 ms per frame: seconds by the end
    qtbot.wait(200)
    assert window.engine.pending() <= 1  # no handle of a dropped frame is kept
