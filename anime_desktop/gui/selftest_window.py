"""The self-test's window check: start the window exactly as `anime-desktop` does (`app.main`), wait until
it is shown and has listed the models, optionally save a screenshot, close it (`anime_desktop.selftest`)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

TIMEOUT_S = 60.0


def open_and_close(screenshot: Path | None = None, timeout_s: float = TIMEOUT_S) -> tuple[float, float, int]:
    """(seconds to shown, seconds to models listed, models listed); raises RuntimeError on a timeout."""
    from .. import app
    from .main_window import MainWindow

    qapp = QApplication.instance() or QApplication(["anime-desktop"])
    started = time.perf_counter()
    state: dict = {}

    def poll() -> None:
        window = next((w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)), None)
        now = time.perf_counter() - started
        if window is not None and "shown" not in state and window.isVisible() and window.windowHandle() \
                and window.windowHandle().isExposed():
            state["shown"] = now
        if "shown" in state and window.model_box.count() > 0:
            state.setdefault("listed", now)
            state["models"] = window.model_box.count()
            if screenshot is None or now - state["listed"] > 1.0:  # let a screenshot's views paint
                if screenshot is not None:
                    _save(window, screenshot)
                timer.stop()
                window.close()
                return
        if now > timeout_s:
            state["timeout"] = now
            timer.stop()
            if window is not None:
                window.close()
            qapp.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    app.main(["anime-desktop"])
    if "timeout" in state or "listed" not in state:
        where = "shown" if "shown" in state else "not shown"
        raise RuntimeError(f"the window was {where} but listed no models within {timeout_s:.0f} s")
    return state["shown"], state["listed"], state["models"]


def _save(window, path: Path) -> None:
    screen = window.screen() or QApplication.primaryScreen()
    picture = screen.grabWindow(window.winId()) if QApplication.platformName() == "xcb" else window.grab()
    if picture.isNull():
        picture = window.grab()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not picture.save(str(path)):
        raise RuntimeError(f"cannot save the screenshot {path}")
