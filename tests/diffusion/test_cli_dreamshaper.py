"""DreamShaper from the command line: stylize, pairs and build-student on the tiny real pipeline,
and the errors a user meets (not downloaded, bad parameters, missing extra)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

from anime_desktop.cli import main as app
from export.cli import main as export


def _photo(path, w=61, h=45, seed=0):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).resize((w, h), Image.BICUBIC).save(path)
    return path


def test_stylize_with_dreamshaper_writes_the_photos_size_and_repeats_with_a_seed(tmp_path, tiny_sd, capsys):
    photo = _photo(tmp_path / "cat.png")
    common = ["-m", f"dreamshaper:{tiny_sd}", "--prompt", "anime cat", "--steps", "4", "--strength", "0.5",
              "--provider", "cpu"]
    assert app(["stylize", str(photo), *common, "--seed", "7", "-o", str(tmp_path / "a")]) == 0
    assert "dreamshaper-sd (fp32) on CPU (torch)" in capsys.readouterr().out
    out = tmp_path / "a" / "cat_dreamshaper-sd.png"
    assert Image.open(out).size == (61, 45)
    assert app(["stylize", str(photo), *common, "--seed", "7", "-o", str(tmp_path / "b")]) == 0
    assert app(["stylize", str(photo), *common, "--seed", "8", "-o", str(tmp_path / "c")]) == 0
    a, b, c = (np.asarray(Image.open(tmp_path / d / "cat_dreamshaper-sd.png")).astype(int) for d in "abc")
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).mean() > 0.5


def test_a_model_that_is_not_downloaded_fails_offline_with_the_way_to_get_it(tmp_path, capsys):
    photo = _photo(tmp_path / "p.png")
    assert app(["stylize", str(photo), "-m", "dreamshaper:anime-desktop-tests/no-such-model", "-o",
                str(tmp_path / "o"), "--provider", "cpu"]) == 1
    err = capsys.readouterr().err
    assert "'anime-desktop-tests/no-such-model' is not downloaded" in err and "--allow-download" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_impossible_parameters_are_usage_errors_before_any_loading(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "diffusers", None)  # loading would fail: it must not be reached
    photo = _photo(tmp_path / "p.png")
    assert app(["stylize", str(photo), "-m", "dreamshaper", "--strength", "1.5"]) == 2
    assert "--strength must be in (0, 1]" in capsys.readouterr().err
    assert app(["stylize", str(photo), "-m", "dreamshaper"]) == 1
    assert "pip install 'anime-desktop[diffusion]'" in capsys.readouterr().err


def test_pairs_and_a_student_from_dreamshaper(tmp_path, tiny_sd, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        _photo(photos / f"p{i}.png", 64, 48, seed=i)
    sd = ["--prompt", "anime", "--strength", "0.5", "--guidance", "2"]
    out = tmp_path / "pairs"
    assert app(["pairs", str(photos), str(out), "--teacher", f"dreamshaper:{tiny_sd}", *sd, "--steps", "2",
                "--slow", "--jitters", "0", "--provider", "cpu"]) == 0
    assert sorted(p.name for p in (out / "B").iterdir()) == [f"p{i}-s100-j0.png" for i in range(4)]
    photo, target = (np.asarray(Image.open(out / h / "p0-s100-j0.png")).astype(int) for h in "AB")
    assert photo.shape == target.shape and np.abs(photo - target).mean() > 1  # B is DreamShaper's, not the photo
    work = tmp_path / "work"
    capsys.readouterr()
    assert export(["build-student", "--teacher", f"dreamshaper:{tiny_sd}", "--photos", str(photos), "--name",
                   "sd-fast", "--held-out", "p3", "--steps", "2", "--gates", "off", "--work", str(work),
                   "--no-speed", *sd, "--sd-steps", "2"]) == 0
    assert "installed 'sd-fast'" in capsys.readouterr().out
    card = (work / "sd-fast.md").read_text(encoding="utf-8")
    assert 'prompt "anime"' in card and "strength 0.5, 2 steps" in card and "unknown" in card  # a folder's terms
    assert sorted(p.name for p in (work / "pairs" / "B").iterdir()) == [f"p{i}-s100-j{j}.png" for i in range(3)
                                                                        for j in range(3)]  # one scale: slow
    assert app(["stylize", str(photos / "p3.png"), "-m", "sd-fast", "-o", str(tmp_path / "styled")]) == 0
    assert Image.open(tmp_path / "styled" / "p3_sd-fast.png").size == (64, 48)


@pytest.mark.parametrize("argv", [
    ["models", "list"],
    ["stylize", "{photo}", "-o", "{out}"],
    ["batch", "{folder}", "{out}/batch"],
    ["pairs", "{folder}", "{out}/pairs", "--teacher", "toon", "--slow", "--jitters", "0"],
])
def test_with_the_extra_installed_the_cli_never_imports_torch_unless_dreamshaper_is_chosen(tmp_path, argv):
    import subprocess

    folder = tmp_path / "in"
    folder.mkdir()
    photo = _photo(folder / "p.png")
    argv = [a.format(photo=photo, out=tmp_path / "out", folder=folder) for a in argv]
    code = ("import sys, anime_desktop.cli as c\n"
            f"code = c.main({argv!r})\n"
            "print(code, [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr
