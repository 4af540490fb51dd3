"""`anime-desktop faces --attr NAME=VALUE` (CONTRACTS.md, "Faces"): attribute models on the command line,
`--label` still for single-label models, usage errors in one line with exit 2."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from anime_desktop.cli import main as app
from anime_desktop.core import attributes as attrs
from anime_desktop.core import latent
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import GeneratorRunner
from anime_desktop.jobs import faces as face_jobs
from tests import onnx_models

af = pytest.importorskip("tests.attribute_faces", reason="the tiny generators are built with torch")

HAIR = af.ATTRIBUTES["hair"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-attribute-models")
    plain = onnx_models.latent_model(root / "plain.onnx")
    return {"attr": af.attribute_model(root / "attr.onnx", scorer=None),
            "label": af.label_model(root / "label.onnx", classes=4), "plain": plain}


def run(capsys, *args):
    code = app([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys, *args) -> str:
    """Exit 2 with one clean line on stderr (no traceback), and that line."""
    code, out, err = run(capsys, *args)
    assert code == 2 and not out, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_attr_fixes_values_and_any_draws_per_face_from_the_seed(models, capsys, tmp_path):
    args = ["faces", "-m", models["attr"], "-n", "9", "--seed", "4", "--attr", "hair=light-brown",
            "--attr", "eyes=any"]
    code, out, err = run(capsys, *args, "-o", tmp_path / "a.png")
    assert code == 0, err
    assert out.strip().endswith("model attr, hair light-brown, eyes any, expression any")
    assert run(capsys, *args, "-o", tmp_path / "b.png")[0] == 0
    grid = np.asarray(Image.open(tmp_path / "a.png"))
    assert np.array_equal(grid, np.asarray(Image.open(tmp_path / "b.png")))  # same seed, same settings
    runner = GeneratorRunner(load_model(models["attr"]))
    setting = (HAIR.index("light-brown"), None, None)
    faces = face_jobs.generate_faces(runner, None, list(range(4, 13)), 1.0, setting=setting)
    assert np.array_equal(grid, latent.grid(np.stack([f.image for f in faces])))
    assert {f.attributes[0] for f in faces} == {HAIR.index("light-brown")}
    assert len({f.attributes[1:] for f in faces}) > 2
    code, _, err = run(capsys, "faces", "-m", models["attr"], "-n", "9", "--seed", "4", "--attr", "hair=red",
                       "-o", tmp_path / "red.png")
    red = np.asarray(Image.open(tmp_path / "red.png"))
    assert code == 0 and red.shape == grid.shape and not np.array_equal(red, grid)


def test_unknown_names_and_values_list_the_choices(models, capsys, tmp_path):
    out = tmp_path / "f.png"
    line = usage_error(capsys, "faces", "-m", models["attr"], "--attr", "hat=red", "-o", out)
    assert line.endswith("attr has no attribute 'hat'; its attributes: hair, eyes, expression")
    line = usage_error(capsys, "faces", "-m", models["attr"], "--attr", "hair=teal", "-o", out)
    assert line.endswith("hair has no value 'teal'; choose one of: any, " + ", ".join(HAIR))
    with pytest.raises(SystemExit) as exc:  # argparse's own usage error: the usage, then the one error line
        app(["faces", "-m", str(models["attr"]), "--attr", "hair", "-o", str(out)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "argument --attr: wants NAME=VALUE such as hair=green (or hair=any), not 'hair'")
    line = usage_error(capsys, "faces", "-m", models["attr"], "--attr", "hair=red", "--attr", "hair=black", "-o", out)
    assert "hair is given twice" in line
    line = usage_error(capsys, "faces", "-m", models["attr"], "--attr-to", "hair=red", "-o", out)
    assert "--attr-to" in line and "--interpolate" in line
    assert not out.exists()


def test_attr_on_a_model_without_attributes_and_label_on_an_attribute_model(models, capsys, tmp_path):
    out = tmp_path / "f.png"
    line = usage_error(capsys, "faces", "-m", models["plain"], "--attr", "hair=red", "-o", out)
    assert line.endswith("plain has no attributes, so it takes no --attr")
    line = usage_error(capsys, "faces", "-m", models["label"], "--attr", "hair=red", "-o", out)
    assert "takes no --attr" in line and "--label 0..3" in line
    line = usage_error(capsys, "faces", "-m", models["attr"], "--label", "1", "-o", out)
    assert "attribute model" in line and "--attr NAME=VALUE" in line and "hair, eyes, expression" in line
    line = usage_error(capsys, "faces", "-m", models["plain"], "--label", "1", "-o", out)
    assert line.endswith("plain is not conditional: it takes no --label")


def test_label_keeps_working_for_single_label_models(models, capsys, tmp_path):
    code, _, err = run(capsys, "faces", "-m", models["label"], "-n", "4", "--seed", "2", "--label", "3",
                       "-o", tmp_path / "l.png")
    assert code == 0, err
    runner = GeneratorRunner(load_model(models["label"]))
    expected = latent.grid(runner.generate(latent.latents([2, 3, 4, 5], af.LATENT), 3))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "l.png")), expected)


def test_interpolating_between_two_attribute_settings(models, capsys, tmp_path):
    code, out, err = run(capsys, "faces", "-m", models["attr"], "--interpolate", "3", "40", "--frames", "6",
                         "--attr", "hair=green", "--attr", "eyes=red", "--attr-to", "hair=blonde",
                         "-o", tmp_path / "walk.png")
    assert code == 0, err
    runner = GeneratorRunner(load_model(models["attr"]))
    green, blonde = (runner.resolve({"hair": h, "eyes": "red"}) for h in ("green", "blonde"))
    row_a, row_b = face_jobs.attribute_row(runner, green, 3), face_jobs.attribute_row(runner, blonde, 40)
    assert row_a[:2] == (HAIR.index("green"), 1) and row_b[:2] == (HAIR.index("blonde"), 1)
    assert f"from seed 3 ({attrs.describe(runner.attributes, row_a)}) to 40 (" in out
    frames = face_jobs.interpolation(runner, 3, 40, 6, 1.0, 0, row_a, row_b)
    strip = np.asarray(Image.open(tmp_path / "walk.png"))
    assert np.array_equal(strip, latent.grid(frames, columns=6))
    # The end faces are the grid tiles of those seeds under those settings.
    assert np.array_equal(frames[0], face_jobs.generate_faces(runner, None, [3], 1.0, setting=green)[0].image)
    assert np.array_equal(frames[-1], face_jobs.generate_faces(runner, None, [40], 1.0, setting=blonde)[0].image)
    code, _, err = run(capsys, "faces", "-m", models["attr"], "--interpolate", "3", "40", "--frames", "5",
                       "--attr", "hair=green", "-o", tmp_path / "walk.gif")
    assert code == 0, err
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 5


def test_models_info_lists_the_attributes_in_column_order(models, capsys):
    code, out, _ = run(capsys, "models", "info", models["attr"])
    assert code == 0
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("attributes:"))
    assert "3, in column order" in lines[start]
    assert [line.split(":")[0].strip() for line in lines[start + 1:start + 4]] == ["hair", "eyes", "expression"]
    assert lines[start + 1].split(": ")[1] == ", ".join(HAIR)
    code, out, _ = run(capsys, "models", "info", models["label"])
    assert code == 0 and "labels: 0..3" in out and "attributes" not in out


@pytest.mark.parametrize("args, words", [
    (["--interpolate", "1", "2", "--frames", "1"], "--frames must be at least 2"),
    (["--truncation", "0"], "--truncation above 0"),
    (["--seed", "-3"], "seeds are 0 or more"),
    (["--interpolate", "-1", "2"], "seeds are 0 or more"),
])
def test_out_of_range_numbers_are_usage_errors_not_tracebacks(models, capsys, tmp_path, args, words):
    assert words in usage_error(capsys, "faces", "-m", models["attr"], *args, "-o", tmp_path / "f.gif")
