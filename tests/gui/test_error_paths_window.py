"""Issue 15's bad inputs through the window: each ends in the banner, never in a crash or a traceback."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from anime_desktop.core import model_store
from anime_desktop.core.settings import Settings
from tests import onnx_models
from tests.gui.conftest import builtin_count

CLASS_NAME = r"\b[A-Z][a-zA-Z]+(Error|Exception)\b"


def banner_says(qtbot, window, *words) -> str:
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15_000)
    text = window.banner.text()
    assert "Traceback" not in text and all(w in text for w in words), text
    import re

    assert not re.search(CLASS_NAME, text), text
    return text


@pytest.mark.parametrize("content", ['[1, 2]', '"text"', 'null', '{"model": 5, "theme": [1], "provider": {}}',
                                     '{"schema_version": 99, "theme": "light", "future": true}', "{not json"])
def test_a_settings_file_of_any_shape_still_opens_the_window(qtbot, content):
    from anime_desktop.gui.main_window import MainWindow

    path = Settings.path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    window = MainWindow(Settings.load())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model_box.count() == builtin_count(), timeout=15_000)
    assert window.settings.theme in ("dark", "light")
    if "99" in content:
        assert window.settings.theme == "light"  # a newer file is read as far as it can be
    window.close()


def test_a_model_file_named_json_or_pb_ends_in_the_banner(qtbot, make_window, tmp_path):
    window = make_window(0)
    garbage = tmp_path / "x.json"
    garbage.write_text(json.dumps({"not": "a model"}))
    window.models.import_file(garbage)
    banner_says(qtbot, window, "x.json")
    window.banner.hide()
    pb = tmp_path / "style.pb"
    pb.write_bytes(b"\x0a\x05input\x12\x03Placeholder")
    window.models.import_file(pb)
    banner_says(qtbot, window, "TensorFlow", "tf2onnx")


def test_a_real_model_named_json_imports(qtbot, make_window, tmp_path):
    window = make_window(0)
    path = onnx_models.colour_model(tmp_path / "swap.onnx")
    renamed = path.with_suffix(".json")
    path.rename(renamed)
    window.models.import_file(renamed, "swapjson")
    qtbot.waitUntil(lambda: window.model_box.findText("swapjson") >= 0, timeout=15_000)
    assert "swapjson" in model_store.installed()


def test_a_batch_whose_output_is_a_file_ends_in_the_banner(qtbot, make_window, tmp_path):
    window = make_window(0)
    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", (32, 24), "red").save(src / "a.png")
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    window.batch.in_dir.setText(str(src))
    window.batch.out_dir.setText(str(blocker))
    window.batch.start()
    text = banner_says(qtbot, window, "not a folder")
    assert "out" in text and window.batch.handle is None  # refused before anything started
    assert blocker.read_text() == "a file where the output folder should be"  # nothing lost


def test_an_unexpected_error_is_logged_for_a_bug_report(qtbot, make_window):
    import logging
    from logging.handlers import RotatingFileHandler

    from anime_desktop.core import logs

    logger = logging.getLogger("anime_desktop")
    for handler in [h for h in logger.handlers if isinstance(h, RotatingFileHandler)]:
        logger.removeHandler(handler)  # a handler from an earlier test points at another profile
        handler.close()
    log = logs.setup_file_logging()  # what app.main does before the window opens
    try:
        window = make_window(0)
        window.engine.call(lambda ctx: [][1])
        banner_says(qtbot, window, "something went wrong")
        assert log == logs.log_file() and "IndexError" in log.read_text(encoding="utf-8")
    finally:
        for handler in [h for h in logger.handlers if isinstance(h, RotatingFileHandler)]:
            logger.removeHandler(handler)
            handler.close()


def test_a_file_that_is_not_a_video_as_the_live_source_ends_in_the_banner(qtbot, make_window, tmp_path):
    window = make_window(0)
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(b"not a video at all" * 100)
    window.live.start_file(fake, loop=False)
    banner_says(qtbot, window, "clip.mp4")
    qtbot.waitUntil(lambda: not window.live.running, timeout=5000)


def test_the_window_says_when_settings_were_reset():
    """A person does not read stderr: what was wrong with the settings reaches the banner."""
    from anime_desktop.app import load_settings

    path = Settings.path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"theme": [1], "jpeg_quality": "high"}', encoding="utf-8")
    settings, problems = load_settings()
    assert settings.theme == "dark" and problems and any("theme" in p for p in problems)
    path.write_text('{"theme": "light"}', encoding="utf-8")
    assert load_settings()[1] == []
