"""QApplication bootstrap: log file, settings, theme, main window. The only non-gui module that imports Qt."""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication

from .core.logs import setup_file_logging
from .core.settings import Settings


def main(argv: list[str] | None = None) -> int:
    from .gui.main_window import MainWindow

    log_path = setup_file_logging()  # before anything else, so a failing start is in the log too
    logging.getLogger(__name__).info("window starting (log: %s)", log_path)
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName("Anime Desktop")
    app.setOrganizationName("anime-desktop")
    window = MainWindow(Settings.load())
    window.show()
    return app.exec()
