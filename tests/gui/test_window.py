"""The window, driven like a user: drops, clicks, a batch with bad files, cancel, restart."""

from __future__ import annotations

import shutil
import time

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from anime_desktop.core import model_store
from tests import onnx_models
from tests.conftest import TEST_IMAGES, need_shared
from tests.gui.conftest import builtin_count


def drop(widget, paths) -> None:
    """A real drag-enter then drop, as the platform delivers them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_dropping_a_photo_shows_its_stylized_result(qtbot, make_window, installed, photo):
    window = make_window(len(installed))
    window.model_box.setCurrentText("swap")
    with qtbot.waitSignal(window.stylize.result_ready, timeout=15_000) as signal:
        drop(window.stylize, [photo])
    result = signal.args[0]
    original = np.asarray(Image.open(photo).convert("RGB"))
    assert result.output.shape == original.shape
    assert np.abs(result.output.astype(int) - onnx_models.expected_colour(original)).max() <= 1
    assert window.stylize.view.has_image() and window.stylize.thumbs.count() == 1
    assert "swap" in window.stylize.info.text() and "cpu" in window.stylize.info.text()


def test_compare_with_three_models_fills_three_tiles(qtbot, make_window, installed, photo):
    window = make_window(len(installed))
    with qtbot.waitSignal(window.stylize.result_ready, timeout=15_000):
        drop(window.stylize, [photo])
    order = window.compare.checked_models()
    assert sorted(order) == sorted(installed)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.compare.tiles) == 3, timeout=15_000)
    captions = [t.caption() for t in window.compare.tiles]
    assert [c.split(" · ")[0] for c in captions] == order
    assert all(" ms" in c and "cpu" in c for c in captions)
    assert "fp16" in captions[order.index("swap-fp16")]
    assert not window.compare.split.before.isNull()
    target = photo.parent / "sheet.png"
    with qtbot.waitSignal(window.compare.export_to(target).finished, timeout=15_000):
        pass
    with Image.open(target) as sheet:  # the original plus three results side by side, at full size
        assert sheet.width > 3 * 70


def test_batch_lists_bad_files_and_writes_the_good_ones(qtbot, make_window, installed, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("chelsea.png", "coffee.png"):
        shutil.copy(need_shared(TEST_IMAGES / name), folder / name)
    for bad in (TEST_IMAGES / "bad").iterdir():
        shutil.copy(bad, folder / bad.name)
    window = make_window(len(installed))
    view = window.batch
    view.in_dir.setText(str(folder))
    view.out_dir.setText(str(tmp_path / "out"))
    for i in range(view.models.count()):
        item = view.models.item(i)
        item.setCheckState(Qt.CheckState.Checked if item.text() == "swap" else Qt.CheckState.Unchecked)
    with qtbot.waitSignal(view.batch_finished, timeout=30_000):
        qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    bad_rows = sorted(view.skipped.item(r, 0).text() for r in range(view.skipped.rowCount()))
    assert bad_rows == ["empty.png", "not_an_image.jpg", "truncated.jpg"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["chelsea_swap.png", "coffee_swap.png"]
    assert view.start_button.isEnabled() and not view.cancel_button.isEnabled()


def test_cancel_mid_batch_leaves_only_complete_files(qtbot, make_window, tmp_path, tiny_cute):
    model_store.install(tiny_cute, "cute")
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(24):
        shutil.copy(need_shared(TEST_IMAGES / "astronaut.png"), folder / f"a{i:02d}.png")
    window = make_window(1)
    view = window.batch
    view.in_dir.setText(str(folder))
    view.out_dir.setText(str(tmp_path / "out"))
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.progress.value() >= 2, timeout=30_000)
    with qtbot.waitSignal(view.batch_finished, timeout=30_000):
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    written = sorted((tmp_path / "out").iterdir())
    assert 2 <= len(written) < 24
    assert all(not p.name.startswith(".") for p in written), written  # no temporary files left
    for path in written:
        with Image.open(path) as image:
            image.load()  # complete and decodable
            assert image.size == (512, 512)


def test_errors_reach_the_user_as_a_banner(qtbot, make_window, installed):
    window = make_window(len(installed))
    bad = need_shared(TEST_IMAGES / "bad" / "truncated.jpg")
    drop(window.stylize, [bad])
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15_000)
    assert "truncated.jpg" in window.banner.text() and "corrupt or truncated" in window.banner.text()


def test_settings_survive_a_restart(qtbot, make_window, installed):
    window = make_window(len(installed))
    window.model_box.setCurrentText("swap-nhwc")
    window.apply_theme("light")
    window.resize(720, 610)  # within the offscreen screen (800x800): restoreGeometry clamps to it
    window.close()
    again = make_window(len(installed))
    assert again.model_box.currentText() == "swap-nhwc"
    assert again.settings.theme == "light" and "#f6f6f8" in again.styleSheet()
    # restored, not the 1200x800 default (offscreen frame margins may add a few pixels)
    assert abs(again.width() - 720) <= 30 and abs(again.height() - 610) <= 30


def test_importing_a_third_party_model_asks_for_its_convention(qtbot, make_window, installed, tmp_path):
    window = make_window(len(installed))
    asked = []
    window.models.confirm_convention = lambda path, io: asked.append(io) or {"layout": io.layout}
    third = onnx_models.colour_model(tmp_path / "Third Party.onnx", layout="NHWC", meta=False, multiple=8)
    window.models.import_file(third)
    qtbot.waitUntil(lambda: window.model_box.count() == len(installed) + 1 + builtin_count(), timeout=15_000)
    assert asked and asked[0].layout == "NHWC" and asked[0].size_multiple == 8
    assert "third-party" in model_store.installed()
    names = [window.models.table.item(r, 1).text() for r in range(window.models.table.rowCount())]
    assert "third-party" in names


def test_window_stays_responsive_while_a_large_image_is_stylized(qtbot, make_window, tmp_path, tiny_cute):
    model_store.install(tiny_cute, "cute")
    big = tmp_path / "big.png"
    photo = Image.open(need_shared(TEST_IMAGES / "coffee.png")).convert("RGB").resize((2400, 1600))
    photo.save(big)
    window = make_window(1)
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10, timeout=tick)
    timer.start()
    with qtbot.waitSignal(window.stylize.result_ready, timeout=60_000):
        drop(window.stylize, [big])
    timer.stop()
    assert len(gaps) > 20
    assert max(gaps) < 0.25, f"GUI thread blocked for {max(gaps) * 1000:.0f} ms"


def test_pytorch_weights_import_in_the_app_and_are_offered_for_use(qtbot, make_window, installed, tmp_path):
    """Converted on the engine thread without PyTorch (no subprocess); installing offers "Use it now"."""
    torch = __import__("pytest").importorskip("torch", reason="needs the train extra")
    import json

    from tests.conftest import SHARED

    spec = json.loads(need_shared(SHARED / "reference-models" / "animegan2-pytorch_generator_state_dict.json")
                      .read_text())["tensors"]
    pt = tmp_path / "paprika.pt"
    torch.save({k: torch.randn(shape) * 0.05 for k, shape in spec.items()}, pt)
    window = make_window(len(installed))
    window.models.import_file(pt)
    qtbot.waitUntil(lambda: window.model_box.count() == len(installed) + 1 + builtin_count(), timeout=120_000)
    assert "paprika-fp32" in model_store.installed()
    assert "paprika-fp32" in [window.model_box.itemText(i) for i in range(window.model_box.count())]
    assert window.model_box.currentText() != "paprika-fp32"  # installing alone never switches
    assert window.banner.action_button.isVisible() and window.banner.action_button.text() == "Use it now"
    window.banner.action_button.click()
    assert window.model_box.currentText() == "paprika-fp32"


def test_a_fresh_install_opens_on_the_shipped_default_and_stylizes_with_it(qtbot, make_window, photo):
    window = make_window(0)
    assert window.model_box.currentText() == "toon-default-int8"
    names = [window.model_box.itemText(i) for i in range(window.model_box.count())]
    assert names[-3:] == ["toon", "cel", "dreamshaper"] and "toon-default-fp32" in names
    with qtbot.waitSignal(window.stylize.result_ready, timeout=15_000):
        drop(window.stylize, [photo])
    assert "toon-default-int8" in window.stylize.info.text()
    window.refresh_models()
    qtbot.waitUntil(lambda: window.models.table.rowCount() == len(model_store.shipped()) + 2, timeout=15_000)
    labels = [window.models.table.item(r, 1).text() for r in range(window.models.table.rowCount())]
    assert "toon (built-in)" in labels
    window.models.table.selectRow(labels.index("toon (built-in)"))
    window.models.remove_selected()
    assert "cannot be removed" in window.banner.text()


def test_the_working_size_menu_restyles_at_the_chosen_size(qtbot, make_window, tmp_path):
    """View > Working size: "Each photo's own size" gives the classical look at the photo's pixels;
    the built-in default (1 MP) gives it at one megapixel, brought back to the photo's size."""
    from anime_desktop.core import toon

    rng = np.random.default_rng(3)
    rgb = np.asarray(Image.fromarray(rng.integers(0, 256, (9, 12, 3), dtype=np.uint8)).resize((120, 90)))
    path = tmp_path / "small.png"
    Image.fromarray(rgb).save(path)
    window = make_window(0)
    window.model_box.setCurrentText("toon")
    with qtbot.waitSignal(window.stylize.result_ready, timeout=30_000) as own:
        drop(window.stylize, [path])
    assert own.args[0].output.shape == rgb.shape and not np.array_equal(own.args[0].output, toon.render(rgb))
    full = next(a for a in window.work_size_actions.actions() if a.data() == 0.0)
    with qtbot.waitSignal(window.stylize.result_ready, timeout=30_000) as restyled:
        full.trigger()
    assert np.array_equal(restyled.args[0].output, toon.render(rgb))
    assert window.settings.work_mp == 0.0 and full.isChecked()
