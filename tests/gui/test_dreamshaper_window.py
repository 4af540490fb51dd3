"""DreamShaper in the window, on the tiny real pipeline: chosen from the model box it shows its
panel and runs nothing by itself; dropped photos come back at their size with the panel's steps;
Cancel stops it; it can be a Compare column; it is never remembered or given to Live; a model
not downloaded offers the download instead of an error. And without choosing it, the window
never imports torch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from tests.gui.test_window import drop

pytest.importorskip("diffusers", reason="the 'diffusion' extra is not installed")


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    from tests.diffusion import tiny_sd

    return tiny_sd.build(tmp_path_factory.mktemp("tiny-sd") / "sd")


def _photo(path, w=61, h=45):
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).resize((w, h), Image.BICUBIC).save(path)
    return path


def _choose(window, qtbot, name):
    window.model_box.setCurrentText(name)
    qtbot.waitUntil(lambda: window.model_box.currentText() == name, timeout=5_000)


def test_dreamshaper_runs_from_its_panel_and_is_never_remembered_or_live(qtbot, make_window, tiny_sd, tmp_path):
    window = make_window(0)
    remembered, live_model = window.settings.last_model, window.live.feed.model
    panel = window.stylize.dreamshaper
    assert not panel.isVisible()
    _choose(window, qtbot, "dreamshaper")
    assert panel.isVisible() and "PyTorch" in window.provider_button.text()
    assert window.settings.last_model == remembered and window.live.feed.model == live_model
    panel.source.setText(str(tiny_sd))
    panel.steps.setValue(6)
    panel.strength.setValue(0.5)
    seen = []
    original = panel.working
    panel.working = lambda f, m="": (seen.append((f, m)), original(f, m))
    photo = _photo(tmp_path / "cat.png")
    with qtbot.waitSignal(window.stylize.result_ready, timeout=60_000) as got:
        drop(window.stylize, [photo])
    result = got.args[0]
    assert result.model == "dreamshaper-sd" and result.output.shape == (45, 61, 3)
    assert [m for f, m in seen if f] == [f"cat.png: DreamShaper step {i}/3" for i in (1, 2, 3)]
    qtbot.waitUntil(lambda: not panel.bar.isVisible(), timeout=10_000)
    # Cancel: a long run stops between steps and the picture keeps its last result.
    panel.steps.setValue(100)
    panel.strength.setValue(1.0)
    panel.run_button.click()
    qtbot.waitUntil(lambda: any("step 2/100" in m for _, m in seen), timeout=60_000)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not window.stylize.sd_handles, timeout=30_000)
    assert not any("step 100/100" in m for _, m in seen)
    assert window.stylize.results[photo] is result
    # A Compare column, beside an ONNX look.
    panel.steps.setValue(4)
    window.compare.models.set_checked(["toon", "dreamshaper"])
    window.compare.run()
    qtbot.waitUntil(lambda: len(window.compare.tiles) == 2, timeout=60_000)
    assert [t.result.model for t in window.compare.tiles] == ["toon", "dreamshaper-sd"]
    _choose(window, qtbot, "toon")
    assert not panel.isVisible() and window.settings.last_model == "toon"
    window.close()
    assert window.settings.dreamshaper["steps"] == 4 and window.settings.dreamshaper["source"] == str(tiny_sd)


def test_a_dreamshaper_not_downloaded_offers_the_download_and_fetches_nothing_unasked(
        qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(0)
    _choose(window, qtbot, "dreamshaper")
    window.stylize.dreamshaper.source.setText("anime-desktop-tests/no-such-model")  # in no cache
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (asked.append(a[2]), QMessageBox.StandardButton.No)[1])
    drop(window.stylize, [_photo(tmp_path / "p.png")])
    qtbot.waitUntil(lambda: window.banner.isVisible() and "not downloaded" in window.banner.label.text(),
                    timeout=30_000)
    assert window.banner.action_button.text() == "Download…"
    window.banner.action_button.click()
    assert asked and "anime-desktop-tests/no-such-model is not on this computer" in asked[0]
    assert window.stylize.sd_waiting == [tmp_path / "p.png"] and not window.stylize.sd_handles  # No: nothing ran


def test_the_window_never_imports_torch_unless_dreamshaper_runs(tmp_path):
    """Model list, previews, a stylized photo and Compare, in a fresh process with the extra installed."""
    script = f"""
import sys, time
from PySide6.QtWidgets import QApplication
from anime_desktop.core.settings import Settings
from anime_desktop.gui.main_window import MainWindow
app = QApplication([])
w = MainWindow(Settings.load()); w.show()
def wait(cond, s=60):
    end = time.time() + s
    while not cond() and time.time() < end:
        app.processEvents(); time.sleep(0.01)
    assert cond()
wait(lambda: w.model_box.count() > 2 and len(w.models.thumbs) >= 2)
w.stylize.add_paths([__import__('pathlib').Path({str(_photo(tmp_path / 'p.png'))!r})])
wait(lambda: w.stylize.results)
w.compare.models.set_checked(['toon', w.model_box.itemText(0)]); w.compare.run()
wait(lambda: len(w.compare.tiles) == 2)
print('loaded:', [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules])
w.close()
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ANIME_DESKTOP_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=240)
    assert "loaded: []" in done.stdout, done.stdout + done.stderr


def test_bad_dreamshaper_settings_fall_back_and_the_name_stays_reserved(qtbot, make_window, colour_onnx, capsys):
    """A hand-edited settings file cannot stop the window, and no model can be installed as `dreamshaper`."""
    from anime_desktop.cli import main as app
    from anime_desktop.core.settings import Settings

    settings = Settings.load()
    settings.dreamshaper = {"seed": "7", "prompt": 5, "strength": 3.0, "steps": 12, "source": ["x"]}
    settings.save()
    window = make_window(0)
    panel = window.stylize.dreamshaper
    assert panel.steps.value() == 20 and panel.seed.value() == 1  # strength 3.0 is out of range: all defaults
    assert panel.prompt.toPlainText().startswith("anime style") and panel.source.text() == ""
    _choose(window, qtbot, "dreamshaper")
    window.set_provider("cpu")  # no session to ask about: no false error
    qtbot.wait(300)
    assert not window.banner.isVisible() and "PyTorch" in window.provider_button.text()
    window.compare.models.set_checked(["toon", "dreamshaper"])
    window.close()
    saved = Settings.load()
    assert "dreamshaper" not in saved.compare_models and saved.last_model != "dreamshaper"
    assert app(["models", "import", str(colour_onnx), "--name", "dreamshaper"]) != 0
    assert "dreamshaper" in capsys.readouterr().err
