"""`models import --style/--license/--family`, `models edit` and `models download` as a user runs them:
real files, a real HTTP server on 127.0.0.1, exit codes, one stderr line per problem, nothing left behind."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from anime_desktop.core import download, model_store, modelfile, paths
from anime_desktop.core.settings import Settings
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from tests import onnx_models
from tests.cli.test_error_paths import assert_one_clean_line, run
from tests.core.test_download import leftovers, server  # noqa: F401 - the fixture

# --------------------------------------------------------------------------- import with metadata


def test_import_writes_style_licence_and_family_into_the_copy_only(capsys, tmp_path):
    source = onnx_models.colour_model(tmp_path / "swap.onnx")
    before = source.read_bytes()
    code, out, err = run(capsys, "models", "import", source, "--style", "Paprika Sky", "--license", "CC-BY-NC-4.0",
                         "--family", "AnimeGANv2")
    assert code == 0, err
    assert "installed 'paprika-sky-fp32'" in out and "style Paprika Sky" in out
    installed = paths.models_dir() / "paprika-sky-fp32.onnx"
    meta = modelfile.read_metadata(installed)
    assert (meta["style"], meta["license"], meta["family"]) == ("Paprika Sky", "CC-BY-NC-4.0", "animeganv2")
    assert meta["layout"] == "NCHW"  # the rest of the metadata is kept
    assert source.read_bytes() == before  # the original is never modified
    assert sorted(p.name for p in paths.models_dir().iterdir()) == ["paprika-sky-fp32.onnx"]  # no temp files


def test_import_with_a_name_keeps_the_name_and_without_style_keeps_the_usual_name(capsys, tmp_path):
    source = onnx_models.colour_model(tmp_path / "swap.onnx")
    assert run(capsys, "models", "import", source, "--name", "mine", "--style", "Hayao")[0] == 0
    assert modelfile.read_metadata(paths.models_dir() / "mine.onnx")["style"] == "Hayao"
    assert run(capsys, "models", "import", source, "--license", "MIT")[0] == 0
    assert modelfile.read_metadata(paths.models_dir() / "swap-fp32.onnx")["license"] == "MIT"  # as anime-export
    assert Settings.load().last_model == ""  # importing never changes the model in use


def test_a_third_party_file_with_a_style_still_runs_with_its_convention(capsys, tmp_path):
    """Writing the style changes the file's SHA-256: the stored convention must follow it."""
    source = onnx_models.colour_model(tmp_path / "nhwc.onnx", layout="NHWC", meta=False)
    code, out, err = run(capsys, "models", "import", source, "--style", "Cute", "--use")
    assert code == 0, err
    model = load_model("cute")
    assert model.info.io.layout == "NHWC" and model.info.style == "Cute"
    rgb = np.random.default_rng(0).integers(0, 256, (16, 24, 3), dtype=np.uint8)
    assert np.abs(StylizeRunner(model).run(rgb).astype(int) - onnx_models.expected_colour(rgb)).max() <= 1
    assert Settings.load().last_model == "cute"


@pytest.mark.parametrize(("args", "words"), [
    (["--style", "  "], "--style wants"),
    (["--license", "MIT\nX"], "--license wants"),
    (["--family", "Anime GAN!"], "--family wants"),
])
def test_import_refuses_unusable_values_as_usage_errors(capsys, tmp_path, args, words):
    source = onnx_models.colour_model(tmp_path / "swap.onnx")
    assert_one_clean_line(*run(capsys, "models", "import", source, *args), words, codes=(2,))
    assert not paths.models_dir().exists() or list(paths.models_dir().iterdir()) == []


def test_an_import_that_clashes_leaves_the_installed_model_alone(capsys, tmp_path):
    source = onnx_models.colour_model(tmp_path / "swap.onnx")
    assert run(capsys, "models", "import", source, "--style", "Hayao")[0] == 0
    before = (paths.models_dir() / "hayao-fp32.onnx").read_bytes()
    assert_one_clean_line(*run(capsys, "models", "import", source, "--style", "Hayao", "--license", "MIT"),
                          "installed already")
    assert (paths.models_dir() / "hayao-fp32.onnx").read_bytes() == before


# --------------------------------------------------------------------------- edit


@pytest.fixture
def installed(capsys, tmp_path) -> str:
    source = onnx_models.colour_model(tmp_path / "swap.onnx")
    assert run(capsys, "models", "import", source, "--name", "swap")[0] == 0
    return "swap"


def test_edit_changes_the_metadata_atomically(capsys, installed):
    code, out, err = run(capsys, "models", "edit", installed, "--style", "Shinkai", "--license", "MIT")
    assert code == 0, err
    assert out.strip() == "edited 'swap': style Shinkai, license MIT"
    meta = modelfile.read_metadata(paths.models_dir() / "swap.onnx")
    assert (meta["style"], meta["license"], meta["family"]) == ("Shinkai", "MIT", "test")
    assert sorted(p.name for p in paths.models_dir().iterdir()) == ["swap.onnx"]


def test_edit_renames_and_follows_the_model_in_use(capsys, installed):
    settings = Settings.load()
    settings.last_model = installed
    settings.save()
    assert run(capsys, "models", "edit", installed, "--name", "sky", "--style", "Sky")[0] == 0
    assert sorted(p.name for p in paths.models_dir().iterdir()) == ["sky.onnx"]
    assert modelfile.read_metadata(paths.models_dir() / "sky.onnx")["style"] == "Sky"
    assert Settings.load().last_model == "sky"


def test_edit_refuses_a_name_in_use_and_changes_nothing(capsys, installed, tmp_path):
    other = onnx_models.colour_model(tmp_path / "other.onnx")
    assert run(capsys, "models", "import", other, "--name", "other")[0] == 0
    before = {p.name: p.read_bytes() for p in paths.models_dir().iterdir()}
    assert_one_clean_line(*run(capsys, "models", "edit", installed, "--name", "other", "--style", "X"),
                          "'other' is installed already")
    assert {p.name: p.read_bytes() for p in paths.models_dir().iterdir()} == before


def test_edit_refuses_built_in_models(capsys, installed, tmp_path, monkeypatch):
    assert_one_clean_line(*run(capsys, "models", "edit", "toon", "--style", "X"), "'toon' comes with the app")
    for name in model_store.shipped():  # the models the app ships, as they are
        assert_one_clean_line(*run(capsys, "models", "edit", name, "--name", "mine"), "comes with the app")
    shipped = onnx_models.colour_model(tmp_path / "default.onnx")
    monkeypatch.setattr(model_store, "shipped", lambda: {"default": shipped})
    before = shipped.read_bytes()
    assert_one_clean_line(*run(capsys, "models", "edit", "default", "--license", "MIT"), "comes with the app")
    assert shipped.read_bytes() == before
    assert_one_clean_line(*run(capsys, "models", "edit", installed, "--name", "default"), "comes with the app")
    assert_one_clean_line(*run(capsys, "models", "edit", installed, "--name", "toon"), "comes with the app")


@pytest.mark.parametrize(("args", "words", "code"), [
    (["nothere", "--style", "X"], "no installed model named 'nothere'", 1),
    (["swap"], "nothing to change", 2),
    (["swap", "--name", "Bad Name"], "not a valid model name", 1),
])
def test_edit_errors_are_one_line(capsys, installed, args, words, code):
    assert_one_clean_line(*run(capsys, "models", "edit", *args), words, codes=(code,))


# --------------------------------------------------------------------------- download


def test_download_installs_and_prints_size_and_sha256(capsys, server):  # noqa: F811 - the fixture
    sha = hashlib.sha256(server.good).hexdigest()
    code, out, err = run(capsys, "models", "download", server.url("good.onnx"), "--sha256", sha,
                         "--style", "Kyoto", "--license", "MIT")
    assert code == 0, err
    assert f"{len(server.good)} bytes" in out and f"sha256 {sha}" in out
    assert "installed 'kyoto-fp32'" in out
    installed = paths.models_dir() / "kyoto-fp32.onnx"
    meta = modelfile.read_metadata(installed)
    assert (meta["style"], meta["license"]) == ("Kyoto", "MIT")
    assert sorted(p.name for p in paths.models_dir().iterdir()) == ["kyoto-fp32.onnx"]
    assert list(download.downloads_dir().iterdir()) == []
    assert Settings.load().last_model == ""


def test_download_names_a_file_without_metadata_after_the_url(capsys, server):  # noqa: F811
    code, out, err = run(capsys, "models", "download", server.url("plain.onnx"))
    assert code == 0, err
    assert (paths.models_dir() / "plain.onnx").is_file()
    assert run(capsys, "models", "download", server.url("good.onnx"), "--name", "mine", "--use")[0] == 0
    assert Settings.load().last_model == "mine"


@pytest.mark.parametrize(("route", "args", "words"), [
    ("good.onnx", ["--sha256", "ab" * 32], "SHA-256 mismatch"),
    ("truncated.onnx", [], "truncated"),
    ("missing.onnx", [], "HTTP 404"),
    ("page.onnx", [], "web page (HTML)"),
    ("sniffed.onnx", [], "web page (HTML)"),
    ("stall.onnx", ["--timeout", "0.5"], "stopped sending"),
    ("good.onnx", ["--max-mb", "0.0001"], "size limit"),
    ("garbage.onnx", [], "not a valid ONNX file"),
])
def test_each_failed_download_is_one_line_exit_1_and_leaves_nothing(capsys, server, route, args, words):  # noqa: F811
    line = assert_one_clean_line(*run(capsys, "models", "download", server.url(route), *args), words, codes=(1,))
    assert line.startswith(f"error: {server.url(route)}: ")  # the URL, never the temporary file
    assert leftovers() == []


def test_a_download_that_clashes_is_refused_and_the_installed_model_kept(capsys, server):  # noqa: F811
    assert run(capsys, "models", "download", server.url("good.onnx"), "--name", "taken")[0] == 0
    before = (paths.models_dir() / "taken.onnx").read_bytes()
    assert_one_clean_line(*run(capsys, "models", "download", server.url("plain.onnx"), "--name", "taken"),
                          "installed already", codes=(1,))
    assert sorted(p.name for p in paths.models_dir().iterdir()) == ["taken.onnx"]
    assert (paths.models_dir() / "taken.onnx").read_bytes() == before
    assert list(download.downloads_dir().iterdir()) == []


@pytest.mark.parametrize(("args", "words"), [
    (["ftp://example.org/x.onnx"], "not an http"),
    (["http://127.0.0.1:9/x.onnx", "--sha256", "xyz"], "64 hexadecimal"),
    (["http://127.0.0.1:9/x.onnx", "--max-mb", "0"], "must be positive"),
    (["http://127.0.0.1:9/x.onnx", "--style", ""], "--style wants"),
])
def test_download_usage_errors_exit_2(capsys, args, words):
    assert_one_clean_line(*run(capsys, "models", "download", *args), words, codes=(2,))
    assert leftovers() == []
