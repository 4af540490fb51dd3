"""The Faces view in a real window, with a DCGAN trained and exported by our own tools."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from anime_desktop.core import latent, model_store
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.ranker import Ranker
from anime_desktop.engine.runners import GeneratorRunner

pytest.importorskip("torch", reason="the test model is trained with the train extra")

from tests.export.test_faces import faces_model  # noqa: E402, F401 - the module-scoped fixture


def faces_window(make_window, faces_model):  # noqa: F811
    model_store.install(faces_model, "tiny-faces")
    window = make_window(0)
    window.tabs.setCurrentWidget(window.faces)
    return window


def test_gallery_fills_and_locked_tiles_survive_a_reroll(qtbot, make_window, faces_model):  # noqa: F811
    window = faces_window(make_window, faces_model)
    view = window.faces
    qtbot.waitUntil(lambda: view.model_box.findText("tiny-faces") >= 0, timeout=10_000)
    view.model_box.setCurrentText("tiny-faces")
    assert not view.hint.isVisibleTo(view) and not view.label_box.isVisibleTo(view)  # not conditional
    view.seed.setValue(11)
    with qtbot.waitSignal(view.grid_ready, timeout=15_000):
        qtbot.mouseClick(view.generate_button, Qt.MouseButton.LeftButton)
    assert len(view.tiles) == 16 and all(t.face is not None for t in view.tiles)
    assert [t.face.seed for t in view.tiles] == list(range(11, 27))
    assert view.tiles[0].caption.text() == "seed 11"  # no score without ranking
    assert "Seed" in view.tiles[0].toolTip() and "score" in view.legend.text()
    locked = {i: view.tiles[i].face for i in (0, 5, 9)}
    for i in locked:
        view.tiles[i].lock.setChecked(True)
    before = {i: t.face.seed for i, t in enumerate(view.tiles)}
    with qtbot.waitSignal(view.grid_ready, timeout=15_000):
        qtbot.mouseClick(view.reroll_button, Qt.MouseButton.LeftButton)
    for i, face in locked.items():
        assert view.tiles[i].face is face and np.array_equal(view.tiles[i].face.image, face.image)
    changed = [i for i, t in enumerate(view.tiles) if i not in locked and t.face.seed != before[i]]
    assert len(changed) == 13


def test_ranking_interpolation_and_saving(qtbot, make_window, faces_model, tmp_path):  # noqa: F811
    window = faces_window(make_window, faces_model)
    view = window.faces
    qtbot.waitUntil(lambda: view.model_box.findText("tiny-faces") >= 0, timeout=10_000)
    view.model_box.setCurrentText("tiny-faces")
    assert view.rank.isEnabled()
    view.rank.setChecked(True)
    view.rank_k.setValue(4)
    with qtbot.waitSignal(view.grid_ready, timeout=15_000):
        view.generate()
    # Each slot kept the best of its 4 candidates, as the discriminator scores them.
    loaded = load_model(faces_model)
    runner, ranker = GeneratorRunner(loaded), Ranker(model_store.discriminator_for(faces_model))
    base = view.seed.value()
    for slot, tile in enumerate(view.tiles[:6]):
        candidates = [(base + slot) * 4 + j for j in range(4)]
        scores = ranker.scores(runner.generate(latent.latents(candidates, runner.io.latent_dim, 1.0)))
        assert tile.face.seed == candidates[int(np.argmax(scores))]
        assert tile.face.score == pytest.approx(float(scores.max()), abs=1e-4)
    assert "score" in view.tiles[0].caption.text()
    qtbot.mouseClick(view.tiles[2].picture, Qt.MouseButton.LeftButton)
    assert view.selected == 2 and view.large.has_image()
    view.mark(0)
    view.select(7)
    view.mark(1)
    view.steps.setValue(10)
    view.interpolate()
    qtbot.waitUntil(lambda: view.frames is not None, timeout=15_000)
    assert len(view.frames) == 10 and not view.strip.pixmap().isNull()
    view.save_scale.setCurrentIndex(view.save_scale.findData(4))
    view.save_selected(str(tmp_path / "face.png"))
    view.export_frames(".gif", str(tmp_path / "walk.gif"))
    qtbot.waitUntil(lambda: (tmp_path / "walk.gif").exists() and (tmp_path / "face.png").exists(), timeout=10_000)
    from PIL import Image

    assert Image.open(tmp_path / "face.png").size == (256, 256)
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 10


def test_a_fresh_install_opens_the_gallery_on_the_shipped_model(qtbot, make_window):
    """Nothing installed: the Faces view picks faces-default, ranking is on offer, the grid fills."""
    window = make_window(0)
    view = window.faces
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.model_box.count() > 0, timeout=10_000)
    assert view.model_box.currentText().startswith("faces-default-") and not view.hint.isVisibleTo(view)
    assert view.rank.isEnabled()  # its discriminator ships beside it
    with qtbot.waitSignal(view.grid_ready, timeout=15_000):
        qtbot.mouseClick(view.generate_button, Qt.MouseButton.LeftButton)
    images = [t.face.image.astype(int) for t in view.tiles]
    assert len(images) == 16 and all(im.shape == (64, 64, 3) and im.std() > 20 for im in images)
    assert min(np.abs(a - b).mean() for i, a in enumerate(images) for b in images[i + 1:]) > 2


def test_without_a_faces_model_the_view_says_how_to_get_one(qtbot, make_window, monkeypatch):
    monkeypatch.setattr(model_store, "shipped", lambda: {})
    window = make_window(0)  # nothing shipped: only `toon` in the style box
    view = window.faces
    qtbot.waitUntil(lambda: view.hint.isVisibleTo(view), timeout=10_000)
    assert "anime-train dcgan" in view.hint.text() and not view.generate_button.isEnabled()
