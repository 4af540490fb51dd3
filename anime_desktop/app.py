"""QApplication bootstrap: settings, theme, main window. The only non-gui module that imports Qt."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from .core.settings import Settings


def main(argv: list[str] | None = None) -> int:
    from .gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName("Anime Desktop")
    app.setOrganizationName("anime-desktop")
    window = MainWindow(Settings.load())
    window.show()
    return app.exec()
