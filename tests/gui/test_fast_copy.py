"""Models view → "Make a fast copy…": the build runs as a child process with its progress shown."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from anime_desktop.core import model_store

pytest.importorskip("torch", reason="a student is trained with the train extra")


def photos(folder, n=4):
    folder.mkdir()
    rng = np.random.default_rng(3)
    for i in range(n):
        yy, xx = np.mgrid[0:72, 0:96]
        rgb = np.stack([xx * 2 + i * 20, yy * 3, (xx + yy) % 255], axis=2) % 256
        noisy = np.clip(rgb + rng.normal(0, 8, rgb.shape), 0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(folder / f"p{i}.png")
    return folder


def test_a_fast_copy_of_toon_is_built_installed_and_listed(qtbot, make_window, tmp_path, monkeypatch):
    from anime_desktop.gui.views import fast_copy

    # The dialog's own command, with toon's working size brought from 1 MP to 0.05 MP: the pairs,
    # calibration and checks then cost a twentieth, and every stage the bar follows still runs.
    command = fast_copy.build_command
    monkeypatch.setattr(fast_copy, "build_command", lambda *a: [*command(*a), "--work-mp", "0.05"])
    window = make_window(0)
    dialog = window.models.make_fast_copy()
    dialog.teacher.setCurrentText("toon")
    dialog.photos.setText(str(photos(tmp_path / "photos")))
    dialog.name.setText("toon-copy")
    dialog.steps.setValue(2)
    shown = []
    dialog.progress.valueChanged.connect(lambda v: shown.append((v, dialog.progress.format())))
    with qtbot.waitSignal(dialog.finished_build, timeout=240_000) as done:
        assert dialog.start(gates=False)
    assert done.args == [0], dialog.log.toPlainText()
    # The bar follows the child's stages: pairs render by render, training step by step, then export.
    labels = [label for _, label in shown]
    assert any(label.startswith("Rendering pairs: render ") for label in labels)
    assert "Training: step 2/2 · %p%" in labels and any(label.startswith("Quantizing") for label in labels)
    assert [v for v, _ in shown] == sorted(v for v, _ in shown)  # it only moves forward
    assert any(name.startswith("toon-copy") for name in model_store.installed())
    from anime_desktop.core import paths

    assert (paths.cache_dir() / "students" / "toon-copy").is_dir()  # working files in the cache, not the cwd
    qtbot.waitUntil(lambda: any(window.model_box.itemText(i).startswith("toon-copy")
                                for i in range(window.model_box.count())), timeout=15_000)


def test_without_pytorch_the_dialog_says_what_to_install(qtbot, make_window, tmp_path, monkeypatch):
    from anime_desktop.gui.views import fast_copy

    window = make_window(0)
    real = fast_copy.importlib.util.find_spec
    monkeypatch.setattr(fast_copy.importlib.util, "find_spec", lambda name, *a: None if name == "torch"
                        else real(name, *a))
    dialog = window.models.make_fast_copy()
    dialog.photos.setText(str(photos(tmp_path / "photos", 1)))
    dialog.name.setText("x")
    assert not dialog.start()
    assert "pip install 'anime-desktop[train]'" in dialog.log.toPlainText() and dialog.process is None
