"""The `anime-desktop` command as users and scripts run it: real files, real models, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from anime_desktop.cli import main
from tests.conftest import REFERENCE_OUTPUTS, TEST_IMAGES, need_shared

REFERENCE_NAMES = ["astronaut", "coffee_512", "grace_hopper_crop512"]


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and "anime-desktop" in capsys.readouterr().out


def test_stylize_reproduces_the_authors_output(tmp_path, tiny_cute):
    """Acceptance: same model, same inputs -> the official script's PNGs within 1 grey level."""
    inputs = [need_shared(REFERENCE_OUTPUTS / "inputs" / f"{n}.png") for n in REFERENCE_NAMES]
    assert main(["stylize", *map(str, inputs), "-m", str(tiny_cute), "-o", str(tmp_path)]) == 0
    for name in REFERENCE_NAMES:
        ours = np.asarray(Image.open(tmp_path / f"{name}_animeganv3_tiny_cute.png")).astype(int)
        theirs = np.asarray(Image.open(REFERENCE_OUTPUTS / "AnimeGANv3_tiny_Cute" / f"{name}.png")).astype(int)
        assert ours.shape == theirs.shape and np.abs(ours - theirs).max() <= 1


def test_every_robustness_file_stylizes_upright_at_its_size(tmp_path, tiny_cute, capsys):
    folder = need_shared(TEST_IMAGES / "robustness")
    files = sorted(p for p in folder.iterdir() if "4000x3000" not in p.name)  # the large one: next test
    assert main(["stylize", *map(str, files), "-m", str(tiny_cute), "-o", str(tmp_path / "out")]) == 0
    for src in files:
        with Image.open(src) as original:
            from PIL import ImageOps
            upright = ImageOps.exif_transpose(original)
            size, has_alpha = upright.size, upright.mode in ("RGBA", "LA", "PA")
        out = tmp_path / "out" / f"{src.stem}_animeganv3_tiny_cute.png"
        with Image.open(out) as result:
            assert result.size == size, src.name
            assert (result.mode == "RGBA") == has_alpha, src.name
    summary = capsys.readouterr().out
    assert "skipped 0" in summary and "on cpu" in summary


def test_a_large_photo_goes_through_tiles(tmp_path, tiny_cute):
    big = need_shared(TEST_IMAGES / "robustness" / "coffee_large_4000x3000.jpg")
    assert main(["stylize", str(big), "-m", str(tiny_cute), "-o", str(tmp_path), "--format", "jpg"]) == 0
    with Image.open(tmp_path / "coffee_large_4000x3000_animeganv3_tiny_cute.jpg") as result:
        assert result.size == (4000, 3000)


def test_bad_files_each_get_one_specific_line_and_exit_1(tmp_path, tiny_cute, capsys):
    bad = sorted(need_shared(TEST_IMAGES / "bad").iterdir())
    assert main(["stylize", *map(str, bad), "-m", str(tiny_cute), "-o", str(tmp_path)]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == len(bad)
    for path, line in zip(bad, err):
        assert path.name in line
    assert "empty" in err[0] and "not an image" in err[1] and "truncated" in err[2]
    assert list(tmp_path.iterdir()) == []


def mixed_folder(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("chelsea.png", "coffee.png"):
        shutil.copy(need_shared(TEST_IMAGES / name), folder / name)
    for path in (TEST_IMAGES / "robustness").iterdir():
        if "4000x3000" not in path.name:
            shutil.copy(path, folder / path.name)
    for path in (TEST_IMAGES / "bad").iterdir():
        shutil.copy(path, folder / path.name)
    return folder


def test_batch_over_good_and_bad_files_finishes_and_reports(tmp_path, tiny_cute, capsys):
    folder = mixed_folder(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out, report = tmp_path / "out", tmp_path / "report.json"
    code = main(["batch", str(folder), str(out), "-m", str(tiny_cute), "--report", str(report), "--max-side", "256"])
    assert code == 0
    rows = json.loads(report.read_text())
    assert sorted(os.path.basename(r["path"]) for r in rows) == ["empty.png", "not_an_image.jpg", "truncated.jpg"]
    assert all(r["stage"] == "decode" and r["reason"] for r in rows)
    good = len(before) - 3
    assert len(list(out.glob("*.png"))) == good
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # originals untouched
    capsys.readouterr()
    assert main(["batch", str(folder), str(out), "-m", str(tiny_cute), "--max-side", "256"]) == 0
    assert f"already done {good}" in capsys.readouterr().out  # a re-run resumes


def test_batch_exit_codes(tmp_path, tiny_cute):
    only_bad = tmp_path / "bad"
    shutil.copytree(need_shared(TEST_IMAGES / "bad"), only_bad)
    assert main(["batch", str(only_bad), str(tmp_path / "o"), "-m", str(tiny_cute)]) == 1
    assert main(["batch", str(only_bad), str(only_bad), "-m", str(tiny_cute)]) == 2
    assert main(["batch", str(tmp_path / "missing"), str(tmp_path / "o"), "-m", str(tiny_cute)]) == 2
    with pytest.raises(SystemExit) as info:
        main(["batch", str(only_bad)])
    assert info.value.code == 2


def test_batch_with_several_models_and_nested_output(tmp_path, tiny_cute, colour_onnx):
    folder = tmp_path / "in"
    (folder / "deep").mkdir(parents=True)
    Image.new("RGB", (40, 30), (200, 10, 10)).save(folder / "deep" / "red.png")
    Image.new("RGB", (40, 30), (10, 200, 10)).save(folder / "green.jpg")
    out = folder / "results"  # inside the input folder: must never be read as input
    for _ in range(2):
        assert main(["batch", str(folder), str(out), "-m", str(tiny_cute), "-m", str(colour_onnx), "-r"]) == 0
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert names == ["deep/red_animeganv3_tiny_cute.png", "deep/red_swap.png",
                     "green_animeganv3_tiny_cute.png", "green_swap.png"]


def test_models_commands(tmp_path, colour_onnx, capsys):
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "no models installed" in listing and "toon" in listing and "built-in" in listing
    assert main(["models", "import", str(colour_onnx)]) == 0
    assert main(["models", "import", str(colour_onnx)]) == 1  # a clash is refused, never overwritten
    assert main(["models", "import", str(colour_onnx), "--name", "second"]) == 0
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "swap-fp32" in listing and "second" in listing and "Apache-2.0" in listing
    rows = listing.splitlines()
    # Columns line up whatever the names' lengths ("Procedural faces" is wider than most styles).
    starts = {max(r.find(" built-in "), r.find(" installed ")) for r in rows[1:]}
    assert len(starts) == 1 and rows[0].find(" WHERE ") in starts
    assert main(["models", "info", "second"]) == 0
    assert "layout: NCHW" in capsys.readouterr().out
    photo = tmp_path / "p.png"
    Image.new("RGB", (20, 20), (255, 0, 0)).save(photo)
    assert main(["stylize", str(photo), "-m", "second"]) == 0  # installed name; output beside the input
    assert (tmp_path / "p_second.png").exists()
    assert main(["models", "remove", "second"]) == 0
    assert main(["stylize", str(photo), "-m", "second"]) == 1


def test_without_a_model_the_shipped_default_is_used(tmp_path, capsys):
    photo = tmp_path / "p.png"
    Image.new("RGB", (40, 30), (200, 120, 40)).save(photo)
    assert main(["stylize", str(photo)]) == 0
    assert "toon-default-int8" in capsys.readouterr().out
    with Image.open(tmp_path / "p_toon-default-int8.png") as out:
        assert out.size == (40, 30)


def test_installing_never_changes_the_model_in_use_but_use_does(tmp_path, colour_onnx, capsys):
    """CONTRACTS.md: installing a model never changes which model is used by itself."""
    assert main(["models", "import", str(colour_onnx), "--name", "mine"]) == 0
    photo = tmp_path / "p.png"
    Image.new("RGB", (20, 20)).save(photo)
    assert main(["stylize", str(photo)]) == 0
    assert (tmp_path / "p_toon-default-int8.png").exists() and not (tmp_path / "p_mine.png").exists()
    assert main(["models", "import", str(colour_onnx), "--name", "mine2", "--use"]) == 0
    assert main(["stylize", str(photo)]) == 0
    assert (tmp_path / "p_mine2.png").exists()


def test_no_model_at_all_is_a_usage_error(tmp_path, capsys, monkeypatch):
    from anime_desktop.core import model_store

    monkeypatch.setattr(model_store, "shipped", dict)  # a build without resources/models
    photo = tmp_path / "p.png"
    Image.new("RGB", (20, 20)).save(photo)
    assert main(["stylize", str(photo)]) == 2
    assert "no model chosen" in capsys.readouterr().err


def test_toon_is_a_model_name_that_runs_the_classical_renderer(tmp_path, capsys):
    from anime_desktop.core import toon

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    rgb = np.asarray(Image.fromarray(small).resize((160, 120), Image.BICUBIC))
    Image.fromarray(rgb).save(tmp_path / "p.png")
    assert main(["stylize", str(tmp_path / "p.png"), "-m", "toon"]) == 0
    assert "toon (classical)" in capsys.readouterr().out
    out = np.asarray(Image.open(tmp_path / "p_toon.png"))
    from anime_desktop.core import prepost

    # at toon's working size (1 MP), brought back to the photo's 160x120
    assert np.array_equal(out, prepost.resize_to(toon.render(prepost.to_megapixels(rgb, toon.WORK_MP)), 160, 120))


def test_built_in_names_cannot_be_taken_or_removed(colour_onnx, capsys):
    assert main(["models", "import", str(colour_onnx), "--name", "toon"]) == 1
    assert main(["models", "import", str(colour_onnx), "--name", "toon-default-int8"]) == 1
    assert "comes with the app" in capsys.readouterr().err
    assert main(["models", "remove", "toon-default-int8"]) == 1
    assert "cannot be removed" in capsys.readouterr().err


def test_toon_pairs_writes_a_paired_data_set_the_trainer_reads(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("kodim01", "kodim03"):
        Image.new("RGB", (64, 48), (30, 160, 90)).save(photos / f"{name}.png")
    out = tmp_path / "pairs"
    assert main(["toon-pairs", str(photos), str(out), "--scales", "1,0.5", "--jitters", "1",
                 "--exclude", "kodim03"]) == 0
    assert "wrote 4 pairs from 1 photos" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "A").iterdir()) == sorted(p.name for p in (out / "B").iterdir())
    assert not list((out / "A").glob("kodim03*"))
    assert main(["toon-pairs", str(photos), str(photos)]) == 2
    assert main(["toon-pairs", str(photos), str(out), "--scales", "big"]) == 2


def test_overrides_change_how_a_model_is_fed(tmp_path, tiny_cute):
    photo = need_shared(REFERENCE_OUTPUTS / "inputs" / "astronaut.png")
    assert main(["stylize", str(photo), "-m", str(tiny_cute), "-o", str(tmp_path / "a")]) == 0
    assert main(["stylize", str(photo), "-m", str(tiny_cute), "-o", str(tmp_path / "b"),
                 "--channel-order", "BGR"]) == 0
    a = np.asarray(Image.open(next((tmp_path / "a").iterdir()))).astype(int)
    b = np.asarray(Image.open(next((tmp_path / "b").iterdir()))).astype(int)
    assert np.abs(a - b).mean() > 2


def run_python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout


def test_cli_never_imports_torch_or_qt(tmp_path, tiny_cute):
    photo = need_shared(REFERENCE_OUTPUTS / "inputs" / "coffee_512.png")
    out = run_python(
        "import sys, anime_desktop.cli as c\n"
        "assert 'PySide6' not in sys.modules\n"
        f"code = c.main(['stylize', {str(photo)!r}, '-m', {str(tiny_cute)!r}, '-o', {str(tmp_path)!r}])\n"
        "print(code, 'torch' in sys.modules, 'PySide6' in sys.modules)\n")
    assert out.split()[-3:] == ["0", "False", "False"]


def test_video_command_keeps_frame_count_and_audio(tmp_path, colour_onnx, capsys):
    from tests.core.test_live_video import make_video_with_audio, read_back

    make_video_with_audio(tmp_path / "clip.mp4", frames=24, fps=12)
    frames_in, audio_in = read_back(tmp_path / "clip.mp4")
    assert main(["video", str(tmp_path / "clip.mp4"), str(tmp_path / "out.mp4"), "-m", str(colour_onnx),
                 "--size", "32", "--steady"]) == 0
    frames_out, audio_out = read_back(tmp_path / "out.mp4")
    assert len(frames_out) == len(frames_in) == 24 and frames_out[0].shape == frames_in[0].shape
    assert audio_out == pytest.approx(audio_in, abs=1e-3)
    printed = capsys.readouterr().out
    assert "24 frames" in printed and "audio copied" in printed
    assert main(["video", str(tmp_path / "clip.mp4"), str(tmp_path / "out.mp4"), "-m", "toon"]) == 1  # exists
    assert main(["video", str(tmp_path / "clip.mp4"), str(tmp_path / "out.gif"), "-m", "toon"]) == 2
