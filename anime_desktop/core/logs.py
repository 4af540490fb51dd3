"""The log a user can send: a rotating file in the platform's log folder.

The window has no terminal, so without a file an error a user reports is gone once its
banner closes. `setup_file_logging` (called when the window starts) sends the `anime_desktop`
loggers to `log_dir()/anime-desktop.log`, rotated at 1 MB with three old files kept, so it
never grows without bound. `log_dir()` is what the Help menu's "Open log folder" opens.
The CLI does not write this file: its problems go to stderr, where the user already looks.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from . import paths

LOG_NAME = "anime-desktop.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def log_dir() -> Path:
    """Where the log files live: `$ANIME_DESKTOP_HOME/logs` when set, else the platform's
    user log folder (e.g. ~/.local/state/anime-desktop/log on Linux)."""
    override = os.environ.get(paths.HOME_ENV)
    if override:
        return Path(override) / "logs"
    return Path(platformdirs.user_log_dir(paths.APP_NAME, appauthor=False))


def log_file() -> Path:
    """The current log file (older ones are `anime-desktop.log.1` ... `.3`)."""
    return log_dir() / LOG_NAME


def setup_file_logging(level: int = logging.INFO) -> Path | None:
    """Attach the rotating file handler to the `anime_desktop` logger (once per process).

    Returns the log file, or None when the folder cannot be written: a missing log must never
    stop the window from starting.
    """
    logger = logging.getLogger("anime_desktop")
    for handler in logger.handlers:
        if isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=False)
    except OSError as exc:
        logger.warning("cannot write the log file in %s (%s); logging to the console only",
                       path.parent, exc.strerror or exc)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    return path
