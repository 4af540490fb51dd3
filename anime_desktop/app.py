"""QApplication bootstrap: log file, settings, theme, main window. The only non-gui module that imports Qt."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from .core.logs import setup_file_logging
from .core.settings import Settings


def _qt_message(kind, context, message: str) -> None:
    """Qt's own messages go to our log, not to the user's terminal ("This plugin does not support
    propagateSizeHints()" on every start under a virtual display means nothing to a person)."""
    level = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
             QtMsgType.QtWarningMsg: logging.INFO}.get(kind, logging.ERROR)
    logging.getLogger("anime_desktop.qt").log(level, "%s", message)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def load_settings() -> tuple[Settings, list[str]]:
    """Settings, plus what was wrong with the file (a reset field, a file kept aside as .bad):
    the window shows it in its banner, because a person does not read stderr."""
    collect = _Collect()
    core = logging.getLogger("anime_desktop.core")
    core.addHandler(collect)
    try:
        return Settings.load(), collect.lines
    finally:
        core.removeHandler(collect)


def main(argv: list[str] | None = None) -> int:
    from .gui.main_window import MainWindow

    log_path = setup_file_logging()  # before anything else, so a failing start is in the log too
    qInstallMessageHandler(_qt_message)
    logging.getLogger(__name__).info("window starting (log: %s)", log_path)
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName("Anime Desktop")
    app.setOrganizationName("anime-desktop")
    settings, problems = load_settings()
    window = MainWindow(settings)
    window.show()
    if problems:
        window.notify(f"Some settings could not be read and were reset: {problems[0]}", "\n".join(problems))
    return app.exec()
