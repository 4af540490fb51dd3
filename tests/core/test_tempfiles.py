"""The one temporary-file pattern: every writer uses it, and a sweep removes only dead writers' files."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from anime_desktop.core import imageio, model_store, paths, tempfiles, video_convert
from anime_desktop.core.settings import Settings
from anime_desktop.core.video import VideoRecorder
from tests.conftest import REPO


def test_names_follow_the_pattern_with_the_extension_last(tmp_path):
    part = tempfiles.part_name(tmp_path / "img_122_toon.png")
    assert part.parent == tmp_path and part.suffix == ".png"
    assert part.name.startswith(".img_122_toon.") and part.name.endswith(".part.png")
    assert tempfiles.is_part(part.name) and part != tempfiles.part_name(tmp_path / "img_122_toon.png")


def test_a_sweep_removes_only_the_pattern_and_never_a_live_writers_file(tmp_path):
    stale = [".img_toon.ab12cd34.part.png", ".clip.0123abcd.part.mp4", ".old_style.png.eb5d9173.part"]
    kept = ["img_toon.png", ".img_toon.part.png", "img.ab12cd34.part.png", ".img.AB12CD34.part.png",
            ".img.ab12cd3.part.png", "notes.part", ".hidden", "x.json.bad"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".dir.ab12cd34.part.png").mkdir()  # a folder is never swept
    with tempfiles.PartFile(tmp_path / "live.png") as live:  # a writer still at work (holds the lock)
        removed = tempfiles.sweep_stale(tmp_path)
        assert live.path.exists()
    assert sorted(p.name for p in removed) == sorted(stale)
    assert sorted(os.listdir(tmp_path)) == sorted(kept + [".dir.ab12cd34.part.png"])
    assert tempfiles.sweep_stale(tmp_path / "no-such-folder") == []


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_another_process_writing_into_the_folder_keeps_its_file(tmp_path):
    """The sweep's notion of stale is "no living process holds it", across processes too."""
    script = ("import sys, time; from anime_desktop.core import tempfiles\n"
              "with tempfiles.PartFile(sys.argv[1]) as p:\n"
              "    print(p.path, flush=True); time.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "big.mp4")], cwd=REPO,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        live = proc.stdout.readline().strip()
        assert tempfiles.sweep_stale(tmp_path) == [] and os.path.exists(live)
    finally:
        proc.kill()
        proc.wait()
    assert [p.name for p in tempfiles.sweep_stale(tmp_path)] == [os.path.basename(live)]  # now it is stale


def spy_on_parts(monkeypatch) -> list:
    seen = []
    original = tempfiles.part_name

    def spy(target):
        seen.append(original(target))
        return seen[-1]

    monkeypatch.setattr(tempfiles, "part_name", spy)
    return seen


def test_every_writer_uses_the_pattern_and_leaves_nothing_behind(tmp_path, monkeypatch, colour_onnx):
    seen = spy_on_parts(monkeypatch)
    rgb = np.full((16, 24, 3), 90, np.uint8)
    (tmp_path / "out").mkdir()
    imageio.save_image(tmp_path / "out" / "a_toon.png", rgb)
    Settings(last_model="x").save()
    model_store.install(colour_onnx, "swap-one")
    model_store.ConventionStore().put("abc", model_store.IOConvention())
    recorder = VideoRecorder(tmp_path / "rec" / "take.avi", 10, (24, 16))
    recorder.write(rgb)
    recorder.close()
    targets = {p.parent / p.name.split(".")[1] for p in seen}
    assert {tmp_path / "out" / "a_toon", paths.config_dir() / "settings", paths.models_dir() / "swap-one",
            paths.data_dir() / "conventions", tmp_path / "rec" / "take"} <= targets
    assert all(tempfiles.is_part(p.name) for p in seen)
    for folder in (tmp_path / "out", paths.config_dir(), paths.models_dir(), paths.data_dir(), tmp_path / "rec"):
        assert not [n for n in os.listdir(folder) if tempfiles.is_part(n)], folder


def test_writers_sweep_their_folder_first(tmp_path, colour_onnx):
    folders = [paths.config_dir(), paths.models_dir(), tmp_path / "rec", tmp_path / "video"]
    for folder in folders:
        folder.mkdir(parents=True)
        (folder / ".killed.0badf00d.part.png").write_bytes(b"half")
    Settings().save()
    model_store.install(colour_onnx, "swap-two")
    recorder = VideoRecorder(tmp_path / "clip.avi", 10, (32, 24))
    for _ in range(3):
        recorder.write(np.full((24, 32, 3), 90, np.uint8))
    recorder.close()  # sweeps tmp_path, which holds no pattern file of ours besides
    VideoRecorder(tmp_path / "rec" / "take.avi", 10, (24, 16)).close()
    for _ in video_convert.convert(tmp_path / "clip.avi", tmp_path / "video" / "v.mp4", lambda x: x):
        pass
    for folder in folders:
        assert not (folder / ".killed.0badf00d.part.png").exists(), folder
    assert (tmp_path / "video" / "v.mp4").is_file()


def test_installed_model_listing_ignores_temporary_files(colour_onnx):
    model_store.install(colour_onnx, "swap-three")
    (paths.models_dir() / ".swap-four.0123abcd.part.onnx").write_bytes(b"half a model")
    assert list(model_store.installed()) == ["swap-three"]
