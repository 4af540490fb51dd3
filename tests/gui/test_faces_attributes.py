"""The Faces view with an attribute model: a picker per attribute, "Any" per tile, locked tiles kept,
interpolation and saving with the faces' own attribute rows; in a real window, offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from anime_desktop.core import attributes as attrs
from anime_desktop.core import latent, model_store
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import GeneratorRunner
from anime_desktop.gui.views import faces as faces_view
from anime_desktop.jobs import faces as face_jobs

af = pytest.importorskip("tests.attribute_faces", reason="the tiny generators are built with torch")

HAIR = af.ATTRIBUTES["hair"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("gui-attribute-models")
    return {"tiny-attr": af.attribute_model(root / "attr.onnx"), "tiny-plain": af.plain_model(root / "plain.onnx"),
            "tiny-label": af.label_model(root / "label.onnx", classes=3)}


def open_view(qtbot, make_window, models, size=(1280, 800)):
    for name, path in models.items():
        model_store.install(path, name)
    window = make_window(0)
    window.resize(*size)
    view = window.faces
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: all(view.model_box.findText(n) >= 0 for n in models), timeout=10_000)
    return window, view


def generate(qtbot, view, action) -> None:
    with qtbot.waitSignal(view.grid_ready, timeout=15_000):
        action()


def band_colour(face, j: int) -> np.ndarray:
    return af.band(face.image, j).astype(float).mean(axis=(0, 1))


def test_pickers_follow_the_model(qtbot, make_window, models):
    _, view = open_view(qtbot, make_window, models)
    view.model_box.setCurrentText("tiny-plain")
    assert not view.pickers.isVisibleTo(view) and not view.label_box.isVisibleTo(view)
    view.model_box.setCurrentText("tiny-attr")
    assert view.pickers.isVisibleTo(view) and not view.label_box.isVisibleTo(view)
    assert [t.text() for t in view.pickers.titles] == ["Hair", "Eyes", "Expression"]
    hair = view.pickers.boxes[0]
    assert [hair.itemText(i) for i in range(hair.count())] == ["Any", "Black", "Brown", "Light brown", "Blonde",
                                                               "Green", "Red"]
    assert view.pickers.setting() == (None, None, None)
    view.model_box.setCurrentText("tiny-label")  # the label picker stays for single-label models
    assert view.label_box.isVisibleTo(view) and not view.pickers.isVisibleTo(view)


def test_six_pickers_fit_one_line_at_both_window_sizes_and_wrap_when_narrower(qtbot, make_window, tmp_path):
    six = af.attribute_model(tmp_path / "six.onnx", attributes=af.SIX_ATTRIBUTES, scorer=None)
    window, view = open_view(qtbot, make_window, {"six": six})
    view.model_box.setCurrentText("six")
    assert [t.text() for t in view.pickers.titles] == ["Hair", "Eyes", "Hairstyle", "Fringe", "Expression",
                                                       "Accessory"]
    for width, height, lines in ((1280, 800, 1), (1024, 640, 1), (700, 800, 2)):
        window.resize(width, height)
        qtbot.waitUntil(lambda n=lines: view.pickers.lines() == n, timeout=5_000)
        assert (window.width(), window.height()) == (width, height), "the pickers force the window larger"
        for box in view.pickers.boxes:
            corner = box.mapTo(window, box.rect().bottomRight())
            assert corner.x() < width and corner.y() < height
        large = view.large.mapTo(window, view.large.rect().bottomRight())
        assert large.y() < height and view.large.height() >= 80  # the enlarged face still shows


def test_picking_values_redraws_unlocked_tiles_and_locked_ones_keep_their_face(qtbot, make_window, models, tmp_path):
    _, view = open_view(qtbot, make_window, models)
    view.model_box.setCurrentText("tiny-attr")
    view.seed.setValue(21)
    generate(qtbot, view, view.generate)
    attributes = view.pickers.attributes
    seeds = list(range(21, 37))
    assert [t.face.seed for t in view.tiles] == seeds
    assert [t.face.attributes for t in view.tiles] == [attrs.row_for(attributes, (None,) * 3, s) for s in seeds]
    assert len({t.face.attributes[0] for t in view.tiles}) > 2  # "Any" is drawn per tile
    assert "Attributes: hair " in view.tiles[0].toolTip()

    locked = {i: view.tiles[i].face for i in (0, 6)}
    for i in locked:
        view.tiles[i].lock.setChecked(True)
    green, red = HAIR.index("green"), HAIR.index("red")
    generate(qtbot, view, lambda: view.pickers.choose("hair", "green"))
    for i, tile in enumerate(view.tiles):
        if i in locked:  # the same face: seed, attribute row and pixels
            assert tile.face is locked[i]
            continue
        assert tile.face.seed == seeds[i] and tile.face.attributes[0] == green
        assert tile.face.attributes[1:] == attrs.row_for(attributes, (None,) * 3, seeds[i])[1:]
    greens = {i: t.face for i, t in enumerate(view.tiles) if i not in locked}
    generate(qtbot, view, lambda: view.pickers.choose("hair", "red"))
    for i, face in greens.items():  # the hair band's colour changed, the eyes' band did not
        now = view.tiles[i].face
        assert now.attributes[0] == red and now.seed == face.seed
        assert np.abs(band_colour(now, 0) - band_colour(face, 0)).max() > 20
        assert np.abs(band_colour(now, 1) - band_colour(face, 1)).max() < 1e-9
    assert all(view.tiles[i].face is face for i, face in locked.items())
    generate(qtbot, view, view.reroll)  # a re-roll and a fresh Generate keep locked tiles too
    generate(qtbot, view, view.generate)
    assert all(view.tiles[i].face is face for i, face in locked.items())

    # What the view shows is what the jobs draw: the window and the CLI agree on a seed and setting.
    runner = GeneratorRunner(load_model(models["tiny-attr"]))
    expected = face_jobs.generate_faces(runner, None, seeds[1:3], 1.0, setting=(red, None, None))
    assert all(np.array_equal(view.tiles[i + 1].face.image, f.image) for i, f in enumerate(expected))

    # Interpolation from a locked "any" face to a red-haired one uses each face's own row.
    a, b = view.tiles[0].face, view.tiles[5].face
    view.select(0)
    view.mark(0)
    view.select(5)
    view.mark(1)
    view.steps.setValue(6)
    view.interpolate()
    qtbot.waitUntil(lambda: view.frames is not None, timeout=15_000)
    assert np.array_equal(view.frames, face_jobs.interpolation(runner, a.seed, b.seed, 6, 1.0, 0, a.attributes,
                                                               b.attributes))
    assert np.array_equal(view.frames[0], a.image) and np.array_equal(view.frames[-1], b.image)
    view.save_scale.setCurrentIndex(view.save_scale.findData(1))
    view.export_frames(".gif", str(tmp_path / "walk.gif"))
    view.save_selected(str(tmp_path / "face.png"))
    qtbot.waitUntil(lambda: (tmp_path / "walk.gif").exists() and (tmp_path / "face.png").exists(), timeout=10_000)
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 6
    assert np.array_equal(np.asarray(Image.open(tmp_path / "face.png").convert("RGB")), b.image)
    names = [v[i] for (_, v), i in zip(attributes, b.attributes)]
    assert faces_view._face_name(view.tiles[5]) == "-".join(["face", str(b.seed), *names])
    assert names[0] == "red"


def test_a_wrong_latent_or_row_would_show(qtbot, make_window, models):
    """Guards the test above: the seeds' latents and the rows both reach the pixels."""
    runner = GeneratorRunner(load_model(models["tiny-attr"]))
    z = latent.latents([21, 22], af.LATENT)
    same_row = runner.generate(z, attributes=[0, 0, 0])
    assert not np.array_equal(same_row[0], same_row[1])
    assert not np.array_equal(runner.generate(z[:1], attributes=[1, 0, 0]), same_row[:1])
