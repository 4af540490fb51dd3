"""Every error a user can reach from the command line: one line that says what and which, never a
traceback (issue 15). Each case names its own expected words, so a blanket `print(exc)` fails.

In-process (`main([...])` with capsys) where that is what a user gets; a subprocess where the
process boundary is the point: no display, no torch, kill -9 (tests/cli/test_kill_resume.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from anime_desktop.cli import main
from anime_desktop.core import paths
from tests import onnx_models
from tests.conftest import REPO, SHARED

CLASS_NAME = re.compile(r"\b[A-Z][a-zA-Z]+(Error|Exception)\b")
TF_PB = SHARED / "reference-models" / "AnimeGANv3_via_tuanmjnh-AnimeGANv3_Video" / "AnimeGANv3_Shinkai_37.pb"
# The start of a frozen TensorFlow GraphDef: a NodeDef named "input" whose op is Placeholder.
GRAPHDEF_BYTES = b"\n\x19\n\x05input\x12\x0bPlaceholder*\x03\n\x01x"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clean_line(code: int, out: str, err: str, *expected: str, codes=(1, 2)) -> str:
    """Exit 1 or 2, exactly one line on stderr holding every expected piece, nothing a
    developer would write (traceback, exception class names) anywhere."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert code in codes, (code, out, err)
    assert len(lines) == 1, err
    for piece in expected:
        assert piece in lines[0], (piece, lines[0])
    both = out + err
    assert "Traceback" not in both and not CLASS_NAME.search(both), both
    return lines[0]


# The settings tests stylize with `toon` at the picture's own size: its 1 MP working size is not what
# they are about (and took ~0.7 s a run here).
OWN_SIZE = ("--work-mp", "full")


@pytest.fixture
def picture(tmp_path) -> Path:
    path = tmp_path / "pic.png"
    Image.fromarray(np.full((24, 32, 3), 120, np.uint8)).save(path)
    return path


@pytest.fixture
def folder_of_pictures(tmp_path, picture) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.open(picture).save(folder / "a.png")
    return folder


@pytest.fixture
def bogus_json_model(tmp_path) -> Path:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"weights": [1, 2, 3]}))
    return path


@pytest.fixture
def tf_graph(tmp_path) -> Path:
    path = tmp_path / "shinkai.pb"
    path.write_bytes(GRAPHDEF_BYTES)
    return path


def a_file(tmp_path, name="blocker") -> Path:
    path = tmp_path / name
    path.write_text("a file where a folder is expected")
    return path


# --- settings files of every bad shape: the command still works, with one warning line ---------

BAD_SETTINGS = {
    "a list": ("[1, 2]", "holds a list"),
    "a string": ('"text"', "holds a string"),
    "null": ("null", "holds null"),
    "not json": ("{ nope", "is not valid JSON"),
}


@pytest.mark.parametrize("shape", BAD_SETTINGS)
def test_a_settings_file_of_the_wrong_shape_is_set_aside_and_the_command_runs(shape, capsys, picture, tmp_path):
    text, words = BAD_SETTINGS[shape]
    settings = paths.config_dir() / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(text)
    code, out, err = run(capsys, "stylize", picture, "-m", "toon", "-o", tmp_path / "out", *OWN_SIZE)
    line = assert_one_clean_line(code, out, err, str(settings), words, "settings.json.bad", codes=(0,))
    assert line.startswith("warning: ")
    assert (tmp_path / "out" / "pic_toon.png").is_file()
    assert settings.with_name("settings.json.bad").read_text() == text and not settings.exists()


@pytest.mark.parametrize("field, value", [("theme", [1]), ("last_model", 5), ("provider", "quantum"),
                                          ("tile_mp", "big"), ("compare_models", {"a": 1})])
def test_a_settings_field_of_the_wrong_type_falls_back_with_a_warning_naming_it(field, value, capsys, picture,
                                                                                 tmp_path):
    settings = paths.config_dir() / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({field: value, "jpeg_quality": 80}))
    code, out, err = run(capsys, "stylize", picture, "-m", "toon", "-o", tmp_path / "out", *OWN_SIZE)
    assert_one_clean_line(code, out, err, str(settings), f"field '{field}'", "using the default", codes=(0,))
    from anime_desktop.core.settings import Settings

    assert Settings.load().jpeg_quality == 80  # the good field next to it is kept


def test_settings_from_a_newer_version_are_read_as_far_as_they_go(capsys, picture, tmp_path):
    settings = paths.config_dir() / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"schema_version": 9, "provider": "cpu", "hologram": True}))
    code, out, err = run(capsys, "stylize", picture, "-m", "toon", "-o", tmp_path / "out", *OWN_SIZE)
    assert_one_clean_line(code, out, err, "newer Anime Desktop", "schema 9", codes=(0,))
    from anime_desktop.core.settings import Settings

    s = Settings.load()
    assert s.provider == "cpu" and s.extra == {"hologram": True}


def test_a_broken_conventions_cache_is_set_aside_and_rebuilt(capsys, tmp_path, picture):
    model = onnx_models.colour_model(tmp_path / "third.onnx", meta=False)
    store = paths.data_dir() / "conventions.json"
    store.parent.mkdir(parents=True)
    store.write_text("[1, 2]")
    code, out, err = run(capsys, "stylize", picture, "-m", model, "-o", tmp_path / "out")
    assert_one_clean_line(code, out, err, str(store), "holds a list", codes=(0,))
    assert json.loads(store.read_text())  # rebuilt with the probed convention


# --- model files that are not ONNX ----------------------------------------------------------------

def model_commands(model: Path, tmp_path: Path, picture: Path, folder: Path) -> dict[str, list]:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")  # never reached: the model is refused first
    return {
        "stylize": ["stylize", picture, "-m", model, "-o", tmp_path / "o1"],
        "batch": ["batch", folder, tmp_path / "o2", "-m", model],
        "video": ["video", video, tmp_path / "o3.mp4", "-m", model],
        "faces": ["faces", "-m", model, "-o", tmp_path / "f.png"],
        "models info": ["models", "info", model],
        "models import": ["models", "import", model],
    }


@pytest.mark.parametrize("command", ["stylize", "batch", "video", "faces", "models info", "models import"])
def test_a_model_named_json_is_read_as_onnx_and_refused_in_one_line(command, capsys, tmp_path, picture,
                                                                     folder_of_pictures, bogus_json_model):
    argv = model_commands(bogus_json_model, tmp_path, picture, folder_of_pictures)[command]
    code, out, err = run(capsys, *argv)
    assert_one_clean_line(code, out, err, str(bogus_json_model), "not a valid ONNX file")
    assert "json_format" not in err and "Expecting" not in err  # no JSON parser's words


def test_a_real_onnx_model_named_json_works(capsys, tmp_path, picture):
    model = onnx_models.colour_model(tmp_path / "swap.onnx").rename(tmp_path / "swap.json")  # binary ONNX bytes
    code, out, err = run(capsys, "stylize", picture, "-m", model, "-o", tmp_path / "out")
    assert code == 0 and (tmp_path / "out" / "pic_swap.png").is_file(), err
    code, out, err = run(capsys, "models", "import", model)
    assert code == 0 and "installed 'swap-fp32'" in out, err


@pytest.mark.parametrize("command", ["stylize", "batch", "video", "models info", "models import"])
def test_a_tensorflow_graph_is_named_and_the_converter_given(command, capsys, tmp_path, picture,
                                                             folder_of_pictures, tf_graph):
    argv = model_commands(tf_graph, tmp_path, picture, folder_of_pictures)[command]
    code, out, err = run(capsys, *argv)
    assert_one_clean_line(code, out, err, str(tf_graph), "TensorFlow graph", "python -m tf2onnx.convert")


def test_the_real_tensorflow_model_of_the_shared_folder_is_named_too(capsys):
    if not TF_PB.exists():
        pytest.skip("../shared is absent")
    code, out, err = run(capsys, "models", "import", TF_PB)
    assert_one_clean_line(code, out, err, TF_PB.name, "TensorFlow graph", "tf2onnx.convert")


# --- unknown names: list what can do the job --------------------------------------------------

@pytest.mark.parametrize("command", ["stylize", "batch", "video"])
def test_an_unknown_model_lists_only_models_that_can_stylize(command, capsys, tmp_path, picture,
                                                            folder_of_pictures):
    argv = model_commands(Path("no-such-look"), tmp_path, picture, folder_of_pictures)[command]
    code, out, err = run(capsys, *argv)
    line = assert_one_clean_line(code, out, err, "no model 'no-such-look'", "models that can stylize:", "toon")
    listed = line.split("models that can stylize:")[1]
    assert "toon-default-int8" in listed and "faces-default" not in listed


def test_an_unknown_faces_model_lists_only_face_models(capsys, tmp_path):
    code, out, err = run(capsys, "faces", "-m", "no-such-faces", "-o", tmp_path / "f.png")
    line = assert_one_clean_line(code, out, err, "no model 'no-such-faces'", "models that can draw faces:")
    listed = line.split("draw faces:")[1]
    assert "faces-default-int8" in listed and "toon" not in listed


def test_models_info_toon_shows_what_applies_to_a_classical_renderer(capsys):
    code, out, err = run(capsys, "models", "info", "toon")
    assert code == 0 and not err
    assert "classical OpenCV renderer" in out and "any size" in out
    for absent in ("layout", "range", "size multiple", "NCHW"):
        assert absent not in out


# --- inputs that are missing or not what they claim ----------------------------------------------

def test_missing_and_non_image_inputs(capsys, tmp_path):
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture")
    code, out, err = run(capsys, "stylize", notes, "-m", "toon", "-o", tmp_path / "out")
    assert_one_clean_line(code, out, err, f"skipped {notes}", "not an image file")
    assert "skipped 1" in out and "failed" not in out  # one word for one thing

    missing = tmp_path / "gone.jpg"
    code, out, err = run(capsys, "stylize", missing, "-m", "toon")
    assert_one_clean_line(code, out, err, str(missing), "no such file")

    code, out, err = run(capsys, "batch", tmp_path / "no-dir", tmp_path / "out", "-m", "toon")
    assert_one_clean_line(code, out, err, "no-dir", "does not exist")

    code, out, err = run(capsys, "video", missing, tmp_path / "v.mp4", "-m", "toon")
    assert_one_clean_line(code, out, err, str(missing), "no such video file")

    code, out, err = run(capsys, "video", notes.with_suffix(".mp4"), tmp_path / "v.mp4", "-m", "toon")
    assert_one_clean_line(code, out, err, "notes.mp4", "no such video file")

    text_video = tmp_path / "fake.mp4"
    text_video.write_text("not a video")
    code, out, err = run(capsys, "video", text_video, tmp_path / "v.mp4", "-m", "toon")
    assert_one_clean_line(code, out, err, str(text_video), "not a readable video")

    code, out, err = run(capsys, "models", "import", missing)
    assert_one_clean_line(code, out, err, str(missing), "no such file")

    code, out, err = run(capsys, "models", "remove", "never-installed")
    assert_one_clean_line(code, out, err, "never-installed", "no installed model named")

    code, out, err = run(capsys, "toon-pairs", tmp_path / "no-dir", tmp_path / "pairs")
    assert_one_clean_line(code, out, err, "no-dir", "does not exist")


# --- a file where an output folder is expected (CI runs as root: permissions do not bite) --------

def test_a_file_where_the_output_folder_should_be(capsys, tmp_path, picture, folder_of_pictures):
    blocker = a_file(tmp_path)
    cases = [
        (["stylize", picture, "-m", "toon", "-o", blocker], str(blocker)),
        (["stylize", picture, "-m", "toon", "-o", blocker / "sub"], str(blocker)),
        (["batch", folder_of_pictures, blocker, "-m", "toon"], str(blocker)),
        (["batch", folder_of_pictures, tmp_path / "out", "-m", "toon", "--report", blocker / "r.json"], str(blocker)),
        (["video", tmp_path / "in.mp4", blocker / "v.mp4", "-m", "toon"], str(blocker)),
        (["faces", "-o", blocker / "grid.png"], str(blocker)),
        (["faces", "--interpolate", "1", "2", "-o", blocker / "sub" / "walk.gif"], str(blocker)),
        (["toon-pairs", folder_of_pictures, blocker], str(blocker)),
    ]
    for argv, name in cases:
        code, out, err = run(capsys, *argv)
        assert_one_clean_line(code, out, err, name, "is a file, not a folder")
        assert blocker.read_text().startswith("a file where")


def test_a_file_where_the_models_folder_should_be(capsys, tmp_path):
    model = onnx_models.colour_model(tmp_path / "swap.onnx")
    models = paths.models_dir()
    models.parent.mkdir(parents=True)
    models.write_text("in the way")
    code, out, err = run(capsys, "models", "import", model)
    assert_one_clean_line(code, out, err, str(models), "cannot install models here")


# --- across the process boundary: no display, no torch ------------------------------------------

def subprocess_env(tmp_path, **changes) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update({"ANIME_DESKTOP_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}, **changes)
    return env


def run_module(module: str, args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux has DISPLAY / WAYLAND_DISPLAY")
def test_no_display_says_so_and_points_at_the_cli(tmp_path):
    result = run_module("anime_desktop", [], subprocess_env(tmp_path))
    assert_one_clean_line(result.returncode, result.stdout, result.stderr, "no display found",
                          "anime-desktop --help", codes=(1,))
    assert "PySide6" not in result.stderr


NO_TORCH = '''
import sys

class _NoTorch:
    """Make the train extra unimportable, as on an install without `anime-desktop[train]`."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchvision", "torchmetrics", "torch_fidelity", "onnxscript",
                                  "onnxconverter_common"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoTorch())
'''


@pytest.fixture
def no_torch_env(tmp_path) -> dict:
    site = tmp_path / "no-torch"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_TORCH)
    return subprocess_env(tmp_path, PYTHONPATH=os.pathsep.join([str(site), str(REPO)]))


def test_without_torch_the_trainer_and_exporter_name_the_extra(no_torch_env, tmp_path):
    probe = subprocess.run([sys.executable, "-c", "import torch"], env=no_torch_env, capture_output=True)
    assert probe.returncode != 0  # the blocker works
    for module in ("trainer", "export"):
        helped = run_module(module, ["--help"], no_torch_env)
        assert helped.returncode == 0 and "usage:" in helped.stdout, helped.stderr
    cases = [
        ("trainer", ["paired", "--data", str(tmp_path), "--out", str(tmp_path / "run")]),
        ("trainer", ["eval", "--real", str(tmp_path), "--fake", str(tmp_path)]),
        ("export", ["onnx", str(tmp_path / "run"), "-o", str(tmp_path / "m.onnx")]),
        ("export", ["build-faces", "--work", str(tmp_path / "work")]),
    ]
    for module, args in cases:
        result = run_module(module, args, no_torch_env)
        assert_one_clean_line(result.returncode, result.stdout, result.stderr,
                              "pip install 'anime-desktop[train]'", codes=(1,))
    # Importing PyTorch weights needs no PyTorch (issue 17): a missing file is just a missing file.
    result = run_module("export", ["import", str(tmp_path / "weights.pt")], no_torch_env)
    assert_one_clean_line(result.returncode, result.stdout, result.stderr, "weights.pt", codes=(1, 2))
    assert "[train]" not in result.stderr


def test_a_negative_size_or_an_empty_name_is_a_usage_error(tmp_path, capsys):
    from anime_desktop.cli import main

    photo = tmp_path / "p.png"
    Image.new("RGB", (20, 20)).save(photo)
    with pytest.raises(SystemExit) as stop:
        main(["stylize", str(photo), "--max-side", "-5"])
    assert stop.value.code == 2 and "--max-side" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["models", "import", str(photo), "--name", " "])
    assert stop.value.code == 2 and "empty name" in capsys.readouterr().err
