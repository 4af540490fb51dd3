"""Where the app keeps its files: one function each, one environment override.

`ANIME_DESKTOP_HOME` moves everything (settings, installed models, caches) under one folder:
tests point it at `tmp_path`, portable installs at a USB stick. Otherwise platformdirs picks
the platform's usual places.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "anime-desktop"
HOME_ENV = "ANIME_DESKTOP_HOME"


def _root(kind: str) -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / kind
    if kind == "config":
        return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    if kind == "cache":
        return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return _root("config")


def data_dir() -> Path:
    return _root("data")


def cache_dir() -> Path:
    return _root("cache")


def models_dir() -> Path:
    """Installed models live here as `<name>.onnx`."""
    return data_dir() / "models"


def captures_dir() -> Path:
    """Live snapshots and recordings: the user's Pictures folder, where people look for them."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / "captures"
    return Path(platformdirs.user_pictures_dir()) / "Anime Desktop"
