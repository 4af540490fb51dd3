"""The traps a new user fell into (issue 14), each driven as the user met it, with real widgets."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QCheckBox

from anime_desktop.core import model_store, paths
from tests import onnx_models
from tests.core.test_live_video import write_clip
from tests.gui.test_window import drop


def photos(tmp_path, n=3):
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        path = tmp_path / f"photo{i}.png"
        Image.fromarray(rng.integers(0, 255, (48 + 8 * i, 64, 3), dtype=np.uint8)).save(path)
        out.append(path)
    return out


def stylized_all(qtbot, window, files):
    window.model_box.setCurrentText("swap")
    drop(window.stylize, files)
    qtbot.waitUntil(lambda: len(window.stylize.results) == len(files), timeout=15_000)


# --- WCAG contrast, for "the unticked box is visible" -----------------------------------------
def _luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def best_contrast(pixels: np.ndarray, background: np.ndarray) -> float:
    lum, bg = _luminance(pixels.reshape(-1, 3)), float(_luminance(background.reshape(1, 3))[0])
    hi, lo = np.maximum(lum, bg), np.minimum(lum, bg)
    return float(((hi + 0.05) / (lo + 0.05)).max())


def grab(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)[:, :3 * w].reshape(h, w, 3)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_unticked_boxes_are_visible_and_a_click_on_the_row_ticks_them(qtbot, make_window, installed, theme):
    window = make_window(len(installed))
    window.apply_theme(theme)
    window.tabs.setCurrentWidget(window.batch)
    models = window.batch.models
    qtbot.waitUntil(lambda: models.count() >= 3, timeout=5000)
    row = next(i for i in range(models.count()) if models.item(i).checkState() == Qt.CheckState.Unchecked)
    item = models.item(row)
    rect = models.visualItemRect(item)
    pixels = grab(models.viewport())
    box = pixels[rect.top():rect.bottom(), rect.left():rect.left() + 20]  # the indicator, not the name after it
    background = pixels[rect.center().y(), rect.right() - 3]
    assert best_contrast(box, background) >= 3.0
    # a plain check box too (Include subfolders)
    check: QCheckBox = window.batch.recursive
    check.setChecked(False)
    pixels = grab(check)
    assert best_contrast(pixels[:, :22], pixels[pixels.shape[0] // 2, -2]) >= 3.0
    # a click on the name, not on the box, ticks it
    qtbot.mouseClick(models.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert item.checkState() == Qt.CheckState.Checked
    qtbot.mouseClick(models.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert item.checkState() == Qt.CheckState.Unchecked


def test_compare_runs_on_the_photo_selected_in_stylize(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    files = photos(tmp_path)
    stylized_all(qtbot, window, files)
    first = window.stylize.thumbs.item(0)
    window.stylize.thumbs.setCurrentItem(first)
    assert window.stylize.current_result().path == files[0]
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.compare.tiles) >= 1, timeout=15_000)
    assert all(t.result.path == files[0] for t in window.compare.tiles)


def test_compare_grid_is_cleared_between_runs(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    stylized_all(qtbot, window, photos(tmp_path, 1))
    compare = window.compare
    compare.set_source(window.stylize.current_result())
    compare.models.set_checked(["swap", "swap-nhwc", "swap-fp16"])
    compare.run()
    qtbot.waitUntil(lambda: len(compare.tiles) == 3, timeout=15_000)
    compare.models.set_checked(["swap", "swap-fp16"])
    compare.run()
    qtbot.waitUntil(lambda: len(compare.tiles) == 2, timeout=15_000)
    qtbot.wait(200)  # deleteLater has run
    shown = [compare.grid.itemAt(i).widget() for i in range(compare.grid.count())]
    captions = [t.caption() for t in compare.tiles]
    assert len(shown) == 2 and [c.split(" · ")[0] for c in captions] == ["swap", "swap-fp16"]


def test_batch_starts_from_the_toolbar_model_and_finishes_once(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    window.model_box.setCurrentText("swap-nhwc")
    assert window.batch.checked_models() == ["swap-nhwc"]
    window.model_box.setCurrentText("swap-fp16")
    assert window.batch.checked_models() == ["swap-fp16"]
    src = tmp_path / "in"
    src.mkdir()
    for p in photos(tmp_path, 2):
        p.rename(src / p.name)
    window.batch.in_dir.setText(str(src))
    window.batch.out_dir.setText(str(tmp_path / "out"))
    ended = []
    window.batch.batch_finished.connect(ended.append)
    window.batch.start()
    qtbot.waitUntil(lambda: bool(ended), timeout=15_000)
    qtbot.wait(300)
    assert len(ended) == 1 and ended[0] == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["photo0_swap-fp16.png", "photo1_swap-fp16.png"]
    # the result says where it went, with a way to open it
    assert window.banner.isVisible() and window.banner.open_button.isVisible()
    assert window.banner.folder == tmp_path / "out"


def test_the_banner_does_not_move_the_layout(qtbot, make_window, installed):
    window = make_window(len(installed))
    window.tabs.setCurrentWidget(window.live)
    button = window.live.capture.record_button
    before = button.mapTo(window, button.rect().topLeft())
    window.notify("something failed")
    qtbot.wait(50)
    assert window.banner.isVisible()
    assert button.mapTo(window, button.rect().topLeft()) == before
    window.banner.hide()
    qtbot.wait(50)
    assert button.mapTo(window, button.rect().topLeft()) == before


def test_error_banner_copies_its_details(qtbot, make_window, installed):
    window = make_window(len(installed))
    window.engine.call(lambda ctx: {}["missing"])
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "KeyError" not in window.banner.text() and window.banner.copy_button.isVisible()
    window.banner.copy_button.click()
    assert "KeyError" in QGuiApplication.clipboard().text()


def test_finding_no_camera_says_so_and_readouts_reset_after_stop(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    window.model_box.setCurrentText("swap")
    live = window.live
    window.tabs.setCurrentWidget(live)
    live._cameras_found([])  # what list_cameras returns on a machine without a camera
    assert live.camera_box.placeholderText() == "no camera found" and not live.start_button.isEnabled()
    live.find_cameras()  # the real probe: this machine has no camera either
    qtbot.waitUntil(lambda: live.find_button.isEnabled(), timeout=15_000)
    assert not live.start_button.isEnabled()
    write_clip(tmp_path / "clip.avi", 200, fps=25)
    shown = []
    live.frame_shown.connect(shown.append)
    live.start_file(tmp_path / "clip.avi")
    qtbot.waitUntil(lambda: len(shown) >= 5 and "fps" in live.readouts.text(), timeout=15_000)
    live.stop()
    assert live.readouts.text().startswith("Stopped")
    qtbot.wait(300)
    assert window.engine.pending() <= 1  # replaced frames' handles are let go, not kept by the view


def test_the_provider_item_opens_the_provider_choice(qtbot, make_window, installed):
    window = make_window(len(installed))
    menu = window.provider_button.menu()
    keys = {a.data(): a for a in menu.actions()}
    assert set(keys) == {"auto", "cpu", "cuda", "dml", "coreml"}
    assert keys["cpu"].isEnabled() and not keys["cuda"].isEnabled()  # this machine's ONNX Runtime is CPU-only
    assert "not in this ONNX Runtime build" in keys["cuda"].text()
    keys["cpu"].trigger()
    assert window.settings.provider == "cpu" and window.engine.models.provider == "cpu"
    qtbot.waitUntil(lambda: window.provider_button.text().startswith("⚙ cpu"), timeout=5000)


def test_a_provider_switch_reaches_live_faces_and_the_ranker(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    window.model_box.setCurrentText("swap")
    live, faces = window.live, window.faces
    write_clip(tmp_path / "clip.avi", 400, fps=25)
    shown = []
    live.frame_shown.connect(shown.append)
    live.start_file(tmp_path / "clip.avi")
    qtbot.waitUntil(lambda: len(shown) >= 3, timeout=15_000)
    qtbot.waitUntil(lambda: faces.model_box.count() > 0, timeout=10_000)
    faces.rank.setChecked(True)
    with qtbot.waitSignal(faces.grid_ready, timeout=15_000):
        faces.generate()
    old = (live.feed.state.session, faces.state.runner.model.session, faces.state.ranker.session)
    window.set_provider("cpu")
    count = len(shown)
    qtbot.waitUntil(lambda: len(shown) >= count + 3, timeout=15_000)
    with qtbot.waitSignal(faces.grid_ready, timeout=15_000):
        faces.generate()
    new = (live.feed.state.session, faces.state.runner.model.session, faces.state.ranker.session)
    live.stop()
    for before, after in zip(old, new):
        assert after is not before  # rebuilt on the new provider, read from the sessions themselves
        assert after.get_providers() == ["CPUExecutionProvider"]
    assert window.engine.models.generation == 1


@pytest.mark.parametrize("size", [QSize(1024, 640), QSize(1280, 800)])
def test_every_view_fits_without_nested_scrollbars(qtbot, make_window, installed, size):
    window = make_window(len(installed))
    window.resize(size)
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(30)
        assert window.size() == size, f"{window.tabs.tabText(index)} forces the window larger"
        view = window.tabs.currentWidget()
        areas = [a for a in view.findChildren(QAbstractScrollArea) if a.isVisibleTo(view)]
        for outer in areas:
            nested = [a for a in areas if a is not outer and outer.viewport().isAncestorOf(a)]
            assert not nested, f"{window.tabs.tabText(index)}: a scroll area inside another's content"
    window.tabs.setCurrentWidget(window.faces)
    large = window.faces.large
    corner = large.mapTo(window, large.rect().bottomRight())
    assert corner.x() < size.width() and corner.y() < size.height()  # the enlarged face is not cut off


def test_stylize_offers_samples_before_after_and_paste(qtbot, make_window, installed):
    window = make_window(len(installed))
    window.model_box.setCurrentText("swap")
    view = window.stylize
    assert view.sample_button.isVisibleTo(view)
    qtbot.mouseClick(view.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(view.results) == 3, timeout=30_000)
    assert not view.sample_button.isVisibleTo(view)
    result = view.current_result()
    shown_after = view.view._item.pixmap().toImage()
    qtbot.mousePress(view.before_button, Qt.MouseButton.LeftButton)
    before = view.view._item.pixmap().toImage()
    qtbot.mouseRelease(view.before_button, Qt.MouseButton.LeftButton)
    assert before != shown_after and view.view._item.pixmap().toImage() == shown_after
    from anime_desktop.gui.convert import from_qimage

    assert np.array_equal(from_qimage(before), result.image.rgb)
    # Ctrl+V: a picture on the clipboard becomes a new stylized result
    pasted = np.full((40, 50, 3), (200, 30, 60), np.uint8)
    from anime_desktop.gui.convert import to_qimage

    QGuiApplication.clipboard().setImage(to_qimage(pasted))
    window.paste_action.trigger()
    qtbot.waitUntil(lambda: len(view.results) == 4, timeout=15_000)
    newest = view.current_result()
    assert newest.path.parent == paths.cache_dir() / "pasted"
    assert np.array_equal(newest.output, onnx_models.expected_colour(pasted))


def test_a_result_drags_out_as_a_png_file(qtbot, make_window, installed, tmp_path):
    from anime_desktop.gui.views.stylize import drag_data

    window = make_window(len(installed))
    stylized_all(qtbot, window, photos(tmp_path, 1))
    result = window.stylize.current_result()
    mime = drag_data(result)
    dragged = mime.urls()[0].toLocalFile()
    assert np.array_equal(np.asarray(Image.open(dragged).convert("RGB")), result.output)
    assert not mime.imageData().isNull()


def test_help_menu_about_names_the_licences(qtbot, make_window, installed):
    from anime_desktop.gui import help as help_menu

    window = make_window(len(installed))
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in titles
    text = help_menu.about_text(window.rows)
    assert "Apache License 2.0" in text and "toon-default-int8" in text and "LGPL" in text
    assert all(r.name in text for r in window.rows)


def test_one_catalogue_refresh_per_install(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    reads = []
    window.models.changed.connect(lambda: reads.append("changed"))
    original = window._catalogue_ready
    window._catalogue_ready = lambda rows: (reads.append("read"), original(rows))
    path = onnx_models.colour_model(tmp_path / "extra.onnx")
    window.models.import_file(path, "extra")
    qtbot.waitUntil(lambda: window.model_box.findText("extra") >= 0 or "read" in reads, timeout=15_000)
    qtbot.wait(500)
    assert reads.count("changed") == 1 and reads.count("read") <= 1
    assert model_store.installed().get("extra") is not None
    QApplication.processEvents()


def test_models_show_previews_and_dropped_model_files_import(qtbot, make_window, installed, tmp_path):
    """Every model has a preview (table and toolbar box); a model file dropped with a photo is imported
    while the photo still opens in Stylize."""
    window = make_window(len(installed))
    models = window.models
    qtbot.waitUntil(lambda: all(r.name in models.thumbs for r in models.rows if r.usable), timeout=60_000)
    assert not models.table.verticalHeader().isVisible()
    swap = models.thumbs["swap"]
    from anime_desktop.jobs.previews import sample

    assert np.array_equal(swap, onnx_models.expected_colour(sample()))  # the look, on the bundled sample
    assert not window.model_box.itemIcon(window.model_box.findText("swap")).isNull()
    qtbot.waitUntil(lambda: "MB" in models.cache_label.text(), timeout=10_000)  # measured after the previews
    extra = onnx_models.colour_model(tmp_path / "dropped.onnx", style="Dropped")
    photo = photos(tmp_path, 1)[0]
    window.model_box.setCurrentText("swap")
    drop(window.stylize, [extra, photo])
    qtbot.waitUntil(lambda: "dropped-fp32" in model_store.installed(), timeout=15_000)
    qtbot.waitUntil(lambda: photo in window.stylize.results, timeout=15_000)
    assert extra not in window.stylize.results


def test_the_convention_is_chosen_from_previews(qtbot, make_window, installed, tmp_path):
    from anime_desktop.gui.views.convention_chooser import ConventionChooser

    window = make_window(len(installed))
    third = onnx_models.colour_model(tmp_path / "third.onnx", layout="NHWC", meta=False, multiple=8)
    chooser = ConventionChooser(third, window)
    from anime_desktop.jobs.previews import convention_candidates

    handle = window.engine.submit(convention_candidates(third))
    handle.yielded.connect(chooser.add)
    with qtbot.waitSignal(handle.finished, timeout=30_000):
        pass
    assert len(chooser.buttons) == 6 and chooser.buttons[0].isChecked() and "1 · RGB" in chooser.buttons[0].toolTip()
    assert chooser.choice == {"layout": "NHWC", "value_range": (-1.0, 1.0), "channel_order": "RGB"}
    chooser.buttons[3].setChecked(True)
    assert chooser.choice != {"layout": "NHWC", "value_range": (-1.0, 1.0), "channel_order": "RGB"}


def test_import_asks_style_and_licence_and_edit_changes_them(qtbot, make_window, installed, tmp_path):
    from anime_desktop.core import modelfile
    from anime_desktop.gui.views.model_dialogs import DescribeDialog

    window = make_window(len(installed))
    models = window.models
    asked = []
    models.describe = lambda title, style, license: asked.append((style, license)) or {
        "style": "Sunset Glow", "license": "CC-BY-NC-4.0"}
    source = onnx_models.colour_model(tmp_path / "glow.onnx", style="Glow")
    before = source.read_bytes()
    told = []
    models.status.connect(told.append)
    models.import_file(source)
    # the install job's own word, not the file showing up: the copy lands before its metadata is written
    qtbot.waitUntil(lambda: "Installed 'sunset-glow-fp32'" in told, timeout=15_000)
    assert asked == [("Glow", "Apache-2.0")]  # the file's own values were offered
    meta = modelfile.read_metadata(model_store.installed()["sunset-glow-fp32"])
    assert (meta["style"], meta["license"]) == ("Sunset Glow", "CC-BY-NC-4.0") and source.read_bytes() == before
    qtbot.waitUntil(lambda: any(r.name == "sunset-glow-fp32" for r in models.rows), timeout=15_000)
    models.table.selectRow(next(i for i, r in enumerate(models.rows) if r.name == "sunset-glow-fp32"))
    models.describe = lambda title, style, license: {"style": style, "license": "MIT"}
    models.edit_selected()
    qtbot.waitUntil(lambda: modelfile.read_metadata(model_store.installed()["sunset-glow-fp32"])["license"] == "MIT",
                    timeout=15_000)
    dialog = DescribeDialog("Import x", "Hayao", "", window)
    assert dialog.values() == {"style": "Hayao", "license": "unknown"}


def test_add_from_url_installs_and_a_bad_download_leaves_nothing(qtbot, make_window, installed, tmp_path):
    from tests.core.test_download import ModelServer

    window = make_window(len(installed))
    (tmp_path / "served").mkdir()
    server = ModelServer(tmp_path / "served")
    try:
        before = set(model_store.installed())
        window.models.add_from_url(server.url("missing.onnx"))
        banner_text = []
        qtbot.waitUntil(lambda: window.banner.isVisible() and bool(banner_text.append(window.banner.text())
                                                                    or True), timeout=15_000)
        assert "404" in window.banner.text() and "Traceback" not in window.banner.text()
        assert set(model_store.installed()) == before
        qtbot.waitUntil(lambda: window.models.download_handle is None, timeout=5000)
        window.models.add_from_url(server.url("good.onnx"))
        qtbot.waitUntil(lambda: bool(set(model_store.installed()) - before), timeout=15_000)
        qtbot.waitUntil(lambda: window.banner.action_button.isVisible(), timeout=5000)
        assert window.models.url_button.text() == "Add from URL…"
    finally:
        server.close()


def test_the_compare_tabs_own_button_uses_the_selected_photo(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    files = photos(tmp_path)
    stylized_all(qtbot, window, files)
    window.stylize.thumbs.setCurrentRow(1)
    window.tabs.setCurrentWidget(window.compare)
    qtbot.mouseClick(window.compare.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.compare.tiles) >= 1, timeout=15_000)
    assert all(t.result.path == files[1] for t in window.compare.tiles)


def test_holding_b_on_the_thumbnails_shows_the_photo_before(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    stylized_all(qtbot, window, photos(tmp_path, 1))
    view = window.stylize
    view.thumbs.setFocus()
    after = view.view._item.pixmap().toImage()
    qtbot.keyPress(view.thumbs, Qt.Key.Key_B)
    assert view.view._item.pixmap().toImage() != after
    qtbot.keyRelease(view.thumbs, Qt.Key.Key_B)
    assert view.view._item.pixmap().toImage() == after


def test_an_installed_model_does_not_become_the_model_in_use(qtbot, tmp_path):
    """A fresh profile with one model installed (no choice made yet) opens on the shipped default."""
    from anime_desktop.core.settings import Settings
    from anime_desktop.gui.main_window import MainWindow

    model_store.install(onnx_models.colour_model(tmp_path / "aaa.onnx"), "aaa-first")
    window = MainWindow(Settings.load())
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.model_box.count() > 1, timeout=15_000)
    assert window.model_box.currentText() == "toon-default-int8"
    assert window.batch.checked_models() == ["toon-default-int8"]
    window.close()
