"""No file the app reads from its folders can stop it: settings, stored conventions; and the log file."""

from __future__ import annotations

import json
import logging
from logging.handlers import RotatingFileHandler

import pytest

from anime_desktop.core import logs, model_store, paths
from anime_desktop.core.settings import SCHEMA_VERSION, Settings
from anime_desktop.core.types import IOConvention


def write_settings(content: str):
    path = Settings.path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


@pytest.mark.parametrize("content", ["[1, 2]", '"text"', "null", "12", "{ not json", ""])
def test_a_settings_file_that_is_no_object_is_kept_aside_and_defaults_used(content, caplog):
    path = write_settings(content)
    assert Settings.load() == Settings()
    assert path.with_name("settings.json.bad").read_text() == content and not path.exists()
    assert any("settings.json.bad" in r.getMessage() for r in caplog.records)


def test_a_settings_file_that_is_not_text_is_kept_aside():
    path = write_settings("")
    path.write_bytes(b"\xff\xfe\x00binary")
    assert Settings.load() == Settings() and path.with_name("settings.json.bad").read_bytes().endswith(b"binary")


def test_each_bad_field_falls_back_alone_with_one_warning_naming_it(caplog):
    write_settings(json.dumps({"model": 5, "theme": [1], "provider": "warp", "jpeg_quality": 500,
                               "keep_colours": 0.5, "last_model": "hayao", "live_mirror": "yes", "extra": [3]}))
    caplog.set_level(logging.WARNING)
    s = Settings.load()
    assert (s.theme, s.provider, s.jpeg_quality, s.live_mirror) == ("dark", "auto", 95, False)
    assert (s.keep_colours, s.last_model) == (0.5, "hayao")
    assert s.extra == {"model": 5}  # an unknown key is kept for a newer version, a malformed `extra` is not
    warned = [r.getMessage() for r in caplog.records]
    for field in ("theme", "provider", "jpeg_quality", "live_mirror"):
        assert sum(f"field '{field}'" in m for m in warned) == 1, warned
    assert not any("keep_colours" in m or "last_model" in m for m in warned)


def test_theme_and_provider_only_take_known_values():
    write_settings(json.dumps({"theme": "neon", "provider": "cuda"}))
    s = Settings.load()
    assert (s.theme, s.provider) == ("dark", "cuda")


def test_a_newer_schema_is_read_as_far_as_it_goes_and_not_downgraded():
    write_settings(json.dumps({"schema_version": SCHEMA_VERSION + 3, "tile_mp": 1.5, "new_thing": {"a": 1}}))
    s = Settings.load()
    assert (s.tile_mp, s.extra, s.schema_version) == (1.5, {"new_thing": {"a": 1}}, SCHEMA_VERSION + 3)
    s.save()
    saved = json.loads(Settings.path().read_text())
    assert saved["new_thing"] == {"a": 1} and saved["schema_version"] == SCHEMA_VERSION + 3


def test_assignment_still_works_and_round_trips():
    s = Settings.load()
    s.last_model, s.theme, s.compare_models = "toon", "light", ["a", "b"]
    s.save()
    assert (Settings.load().last_model, Settings.load().theme, Settings.load().compare_models) == \
        ("toon", "light", ["a", "b"])


@pytest.mark.parametrize("content", ["[1, 2]", "null", "{", '{"abc": [1], "def": {"io": "x"}}'])
def test_a_broken_conventions_store_never_stops_a_lookup_or_a_write(content):
    store = model_store.ConventionStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(content)
    assert store.get("abc") is None and store.get("def") is None
    store.put("abc", IOConvention(layout="NHWC"), confirmed=True)
    assert store.get("abc") == (IOConvention(layout="NHWC"), True)


def test_the_log_folder_follows_the_home_override_and_rotates(fresh_home):
    assert logs.log_dir() == fresh_home / "logs" and logs.log_file().parent == logs.log_dir()
    logger = logging.getLogger("anime_desktop")
    before = list(logger.handlers)
    try:
        path = logs.setup_file_logging()
        assert logs.setup_file_logging() == path  # once per process
        handler = next(h for h in logger.handlers if isinstance(h, RotatingFileHandler))
        assert handler.maxBytes == logs.MAX_BYTES and handler.backupCount == logs.BACKUPS
        logging.getLogger("anime_desktop.core.test").warning("a line a user can send")
        handler.flush()
        assert "a line a user can send" in path.read_text()
    finally:
        for h in set(logger.handlers) - set(before):
            logger.removeHandler(h)
            h.close()


def test_a_log_folder_that_cannot_be_made_does_not_stop_the_start(fresh_home):
    (fresh_home / "logs").write_text("a file in the way")
    assert logs.setup_file_logging() is None


def test_data_folders_follow_the_home_override(fresh_home):
    assert paths.data_dir() == fresh_home / "data"
