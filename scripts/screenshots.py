"""Take the README's screenshots of each view in a real window (run under Xvfb).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py [MODEL.onnx ...]
        [--faces FACES.onnx]

Installs the given models (default: three colour-grade models this script builds, so the
committed pictures contain nothing under another licence) into a throw-away
ANIME_DESKTOP_HOME, drives the window like a user (open photos, compare, a batch with a
bad file, a clip in Live, a ranked faces grid), then saves every view with its content at
1280x800 and 1024x640, dark and light, as docs/screenshots/<view>-<W>x<H>-<theme>.png.
Photos: Kodak24 (released for any use).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"


def pump(app, seconds: float, until=None) -> None:
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        if until and until():
            return
        time.sleep(0.02)


def colour_grades(folder: Path) -> list[Path]:
    """Three tiny colour-grade models of our own (sepia, cool, warm), with metadata."""
    import numpy as np

    from tests.onnx_models import colour_model

    grades = {
        "Sepia": [[0.39, 0.77, 0.19], [0.35, 0.69, 0.17], [0.27, 0.53, 0.13]],
        "Cool": [[0.8, 0.1, 0.0], [0.05, 0.9, 0.1], [0.0, 0.15, 1.0]],
        "Warm": [[1.0, 0.1, 0.0], [0.05, 0.85, 0.05], [0.0, 0.05, 0.7]],
    }
    # The models work in [-1, 1]; a grade y = M x in [0, 1] becomes y = M x + (M 1 - 1) there.
    return [colour_model(folder / f"{name.lower()}.onnx", style=name, matrix=np.array(m),
                         bias=np.array(m).sum(axis=1) - 1) for name, m in grades.items()]


def faces_view(app, window) -> None:
    """The Faces view with the shipped faces model: a ranked 6x6 grid asked for green hair and red
    eyes (when the model takes attributes), one face enlarged, a walk between two faces."""
    view = window.faces
    window.tabs.setCurrentWidget(view)
    pump(app, 5, lambda: view.model_box.count() > 0)
    if not view.model_box.count():
        return
    view.grid_box.setCurrentIndex(view.grid_box.findData(6))
    view.seed.setValue(2026)
    view.rank.setChecked(view.rank.isEnabled())
    names = [name for name, _ in view.pickers.attributes]
    if "hair" in names and "eyes" in names:
        view.pickers.choose("hair", "green")
        view.pickers.choose("eyes", "red")
    view.generate()
    pump(app, 20, lambda: all(t.face is not None for t in view.tiles))
    view.select(3)
    view.mark(0)
    view.select(20)
    view.mark(1)
    view.interpolate()
    pump(app, 10, lambda: view.frames is not None)


def live_view(app, window, kodak: Path, home: Path) -> None:
    """The Live view playing a slow pan over a Kodak photo (a clip standing in for a camera), left running."""
    import cv2

    clip = home / "pan.avi"
    photo = cv2.imread(str(kodak / "kodim15.png"))
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    for i in range(60):
        writer.write(photo[16:496, i:i + 640])
    writer.release()
    window.tabs.setCurrentWidget(window.live)
    window.live.split.setChecked(True)
    window.live.start_file(clip)
    pump(app, 6)


def looks(app, window, home: Path) -> None:
    """Models as looks: the model box with previews, and the convention chosen by eye."""
    from PySide6.QtCore import QTimer

    from anime_desktop.gui.views.convention_chooser import ConventionChooser
    from anime_desktop.jobs.previews import convention_candidates
    from tests.onnx_models import colour_model

    models = window.models
    pump(app, 30, lambda: all(r.name in models.thumbs for r in models.rows if r.usable))
    window.tabs.setCurrentWidget(window.stylize)
    window.model_box.showPopup()
    pump(app, 1)
    window.grab().save(str(OUT / "model-box-previews.png"))
    popup = window.model_box.view().window()
    popup.grab().save(str(OUT / "model-box-popup.png"))
    window.model_box.hidePopup()
    third = colour_model(home / "third-party.onnx", meta=False, style="Cool",
                         matrix=__import__("numpy").array([[0.8, 0.1, 0.0], [0.05, 0.9, 0.1], [0.0, 0.15, 1.0]]))
    chooser = ConventionChooser(third, window)
    handle = window.engine.submit(convention_candidates(third))
    handle.yielded.connect(chooser.add)
    done = []
    handle.finished.connect(lambda: done.append(True))
    chooser.show()
    pump(app, 30, lambda: bool(done))
    pump(app, 1)
    chooser.grab().save(str(OUT / "convention-chooser.png"))
    QTimer.singleShot(0, chooser.reject)
    chooser.close()


def dreamshaper_view(app, window, home: Path) -> None:
    """The DreamShaper panel mid-run, on the tiny test pipeline (its pictures are noise: the panel is the point)."""
    try:
        from tests.diffusion import tiny_sd
    except ImportError:
        return
    source = tiny_sd.build(home / "tiny-sd")
    window.tabs.setCurrentWidget(window.stylize)
    window.model_box.setCurrentText("dreamshaper")
    panel = window.stylize.dreamshaper
    panel.source.setText(str(source))
    panel.steps.setValue(400)
    panel.strength.setValue(1.0)
    panel.run_button.click()
    pump(app, 60, lambda: "step 3/" in panel.state.text())
    window.grab().save(str(OUT / "dreamshaper-panel.png"))
    panel.cancel_button.click()
    pump(app, 30, lambda: not window.stylize.sd_handles)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="ad-shots-"))
    os.environ["ANIME_DESKTOP_HOME"] = str(home)
    sys.path.insert(0, str(REPO))
    from PySide6.QtWidgets import QApplication

    from anime_desktop.core import model_store
    from anime_desktop.gui.main_window import MainWindow

    args = sys.argv[1:]
    faces = None
    if "--faces" in args:  # a faces model (ours) to show in the Faces view
        at = args.index("--faces")
        faces = Path(args[at + 1])
        del args[at:at + 2]
    models = [Path(m) for m in args] or colour_grades(home)
    for model in models:
        model_store.install(model, model_store.sanitize_name(model.stem))
    if faces is not None:
        model_store.install(faces, "procedural-faces")
    kodak = REPO.parent / "shared" / "datasets" / "kodak24"
    photos = [kodak / f"kodim{n:02d}.png" for n in (23, 3, 7)]
    app = QApplication([])
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    pump(app, 10, lambda: window.model_box.count() == len(models) + len(model_store.shipped()) + 2)
    OUT.mkdir(parents=True, exist_ok=True)
    if "toon-default-int8" in model_store.shipped():
        window.model_box.setCurrentText("toon-default-int8")  # the shipped default, as a new user sees it
        window.compare.set_models([window.model_box.itemText(i) for i in range(window.model_box.count())],
                                  ["toon-default-int8", "toon", model_store.sanitize_name(models[0].stem)])
    window.tabs.setCurrentWidget(window.stylize)
    window.stylize.add_paths(photos)
    pump(app, 60, lambda: len(window.stylize.results) == len(photos))
    window.start_compare()
    pump(app, 90, lambda: len(window.compare.tiles) == len(window.compare.checked_models()))
    window.compare.split.split = 0.5
    batch_in = home / "batch-in"
    batch_in.mkdir()
    for p in sorted(kodak.glob("*.png"))[:6]:
        shutil.copy(p, batch_in / p.name)
    (batch_in / "broken.jpg").write_bytes(b"not really a jpeg")
    window.tabs.setCurrentWidget(window.batch)
    window.batch.in_dir.setText(str(batch_in))
    window.batch.out_dir.setText(str(home / "batch-out"))
    window.batch.max_side.setValue(512)
    window.batch.start()
    pump(app, 120, lambda: window.batch.handle is None)
    window.banner.hide()
    faces_view(app, window)
    live_view(app, window, kodak, home)
    for width, height in ((1280, 800), (1024, 640)):
        for theme in ("dark", "light"):
            window.apply_theme(theme)
            window.resize(width, height)
            for name in ("stylize", "compare", "batch", "live", "faces", "models"):
                window.tabs.setCurrentWidget(getattr(window, name))
                pump(app, 1.5 if name == "live" else 0.5)
                window.grab().save(str(OUT / f"{name}-{width}x{height}-{theme}.png"))
    window.live.stop()
    window.apply_theme("dark")
    window.resize(1280, 800)
    looks(app, window, home)
    dreamshaper_view(app, window, home)
    window.close()
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
