"""Settings persistence and the installed-models folder."""

from __future__ import annotations

import json

import pytest

from anime_desktop.core import model_store, paths
from anime_desktop.core.errors import ModelFileError, ModelNotFoundError
from anime_desktop.core.settings import Settings
from anime_desktop.core.types import IOConvention


def test_settings_round_trip_and_keep_unknown_keys(fresh_home):
    s = Settings.load()
    assert s.provider == "auto" and s.last_model == ""
    s.last_model, s.tile_mp, s.extra["future_key"] = "hayao-int8", 1.5, [1, 2]
    s.save()
    again = Settings.load()
    assert (again.last_model, again.tile_mp, again.extra["future_key"]) == ("hayao-int8", 1.5, [1, 2])
    assert Settings.path().parent == fresh_home / "config"


def test_settings_migrate_old_files_and_survive_corrupt_ones():
    Settings.path().parent.mkdir(parents=True)
    Settings.path().write_text(json.dumps({"execution_provider": "cpu"}))
    assert Settings.load().provider == "cpu"
    Settings.path().write_text("{ not json")
    assert Settings.load() == Settings()


def test_install_resolve_and_remove(colour_onnx):
    target = model_store.install(colour_onnx, "swap-fp32")
    assert target.parent == paths.models_dir()
    assert model_store.resolve("swap-fp32") == ("swap-fp32", target)
    assert model_store.resolve(str(colour_onnx)) == ("swap", colour_onnx)
    with pytest.raises(ModelFileError, match="installed already"):
        model_store.install(colour_onnx, "swap-fp32")
    with pytest.raises(ModelFileError, match="not a valid model name"):
        model_store.install(colour_onnx, "Bad Name")
    model_store.remove("swap-fp32")
    with pytest.raises(ModelNotFoundError, match="neither an installed model"):
        model_store.resolve("swap-fp32")


def test_names_derive_from_metadata():
    assert model_store.derive_name({"style": "Hayao", "precision": "int8"}, paths.models_dir()) == "hayao-int8"
    assert model_store.derive_name({}, paths.models_dir() / "My Model v2.onnx") == "my-model-v2"


def test_a_person_confirmed_convention_outranks_a_probe():
    store = model_store.ConventionStore()
    store.put("abc", IOConvention(layout="NHWC"), confirmed=True)
    store.put("abc", IOConvention(layout="NCHW"), confirmed=False)
    assert store.get("abc") == (IOConvention(layout="NHWC"), True)
