"""GUI tests: offscreen Qt, real widgets and events, a real engine thread and real models."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt", reason="GUI tests need pytest-qt (the dev extra)")

from anime_desktop.core import model_store  # noqa: E402
from anime_desktop.core.settings import Settings  # noqa: E402
from tests import onnx_models  # noqa: E402


@pytest.fixture
def installed(tmp_path):
    """Three small real models, installed the way a user would have them."""
    names = []
    for name, kwargs in (("swap", {}), ("swap-nhwc", {"layout": "NHWC"}), ("swap-fp16", {"fp16_weights": True})):
        path = onnx_models.colour_model(tmp_path / f"{name}.onnx", **kwargs)
        model_store.install(path, name)
        names.append(name)
    return names


def builtin_count() -> int:
    """Entries the style box always has besides installed models: shipped style models, the classical
    looks (`toon`, `cel`) and DreamShaper."""
    from anime_desktop.core import classical, modelfile

    shipped = sum(modelfile.read_metadata(p).get("task") == "image-to-image" for p in model_store.shipped().values())
    return shipped + len(classical.LOOKS) + 1


@pytest.fixture
def make_window(qtbot):
    from anime_desktop.gui.main_window import MainWindow

    windows = []

    def make(installed_models: int):
        window = MainWindow(Settings.load())
        # Imports ask for style and licence in a dialog; tests keep the file's own values
        # (tests/gui/test_window_traps.py drives the dialog itself).
        window.models.describe = lambda title, style, license: {}
        qtbot.addWidget(window)
        window.show()
        expected = installed_models + builtin_count()
        qtbot.waitUntil(lambda: window.model_box.count() == expected, timeout=15_000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.engine.isRunning():
            window.close()
