"""`anime-desktop batch IN OUT --ray local` on a real local Ray instance (2 CPUs): the same files as
the plain batch, the same bad file reported, resume, at least two actors serving, and the model
reaching them through Ray's object store, not the driver's disk."""

from __future__ import annotations

import json
import logging
import sys

import numpy as np
import pytest
from PIL import Image

from anime_desktop.cli import main as app
from tests import onnx_models


def _folder(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    rng = np.random.default_rng(5)
    for i in range(8):
        where = folder / "sub" if i % 3 == 0 else folder
        Image.fromarray(rng.integers(0, 256, (40 + 8 * i, 56, 3), dtype=np.uint8)).save(where / f"p{i}.png")
    (folder / "broken.jpg").write_bytes(b"not a jpeg at all")
    return folder


def _outputs(folder):
    return {p.relative_to(folder): np.asarray(Image.open(p)).astype(int) for p in sorted(folder.rglob("*.png"))}


def test_the_ray_batch_writes_what_the_plain_batch_writes_on_two_actors(tmp_path, capsys, caplog):
    pytest.importorskip("ray", reason="the 'cluster' extra is not installed (pip install -e '.[cluster]')")
    folder = _folder(tmp_path)
    model = onnx_models.colour_model(tmp_path / "swap.onnx")
    # At the photos' own size: toon's 1 MP working size is not the subject here (it cost 0.7 s a photo, not
    # 5 ms); an actor that dropped --work-mp would now show, as a difference from the plain batch.
    common = [str(folder), "-m", str(model), "-m", "toon", "-r", "--work-mp", "full"]
    assert app(["batch", common[0], str(tmp_path / "plain"), *common[1:], "--report",
                str(tmp_path / "plain.json")]) == 0
    capsys.readouterr()
    caplog.set_level(logging.DEBUG, logger="anime_desktop.jobs.ray_batch")
    assert app(["batch", common[0], str(tmp_path / "ray"), *common[1:], "--report", str(tmp_path / "ray.json"),
                "--ray", "local", "--ray-actors", "2"]) == 0
    out = capsys.readouterr().out
    assert "stylized 16, already done 0, skipped 1" in out
    plain, ray = _outputs(tmp_path / "plain"), _outputs(tmp_path / "ray")
    assert sorted(plain) == sorted(ray) and len(ray) == 16  # same names, subfolders mirrored, two models
    for name in plain:
        assert np.abs(plain[name] - ray[name]).max() <= 1, name
    assert json.loads((tmp_path / "ray.json").read_text()) == json.loads((tmp_path / "plain.json").read_text())
    # Which actor stylized which photo, and where it opened the model: its own copy from the object store.
    served = [r.getMessage() for r in caplog.records if " by " in r.getMessage()]
    workers = {line.split(" by ")[1].split(",")[0] for line in served}
    assert len(workers) >= 2, served
    opened = {line.rsplit("opened from ", 1)[1] for line in served if "(done)" in line}
    assert str(model) not in opened and any(p.endswith("swap.onnx") and "anime-desktop-ray-" in p for p in opened)
    assert not list((tmp_path / "ray").rglob("*.part*"))
    # A second run rewrites nothing.
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "ray").rglob("*.png")}
    assert app(["batch", common[0], str(tmp_path / "ray"), *common[1:], "--ray", "local"]) == 0
    assert "stylized 0, already done 16, skipped 1" in capsys.readouterr().out
    assert stamps == {p: p.stat().st_mtime_ns for p in (tmp_path / "ray").rglob("*.png")}


def test_without_the_extra_ray_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    folder = _folder(tmp_path)
    assert app(["batch", str(folder), str(tmp_path / "out"), "-m", "toon", "--ray", "local"]) == 1
    assert "--ray needs the 'cluster' extra: pip install 'anime-desktop[cluster]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unreachable_cluster_or_a_bad_address_is_one_line_in_seconds(tmp_path, capsys):
    pytest.importorskip("ray", reason="the 'cluster' extra is not installed")
    import socket

    folder = _folder(tmp_path)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert app(["batch", str(folder), str(tmp_path / "out"), "-m", "toon", "--ray", f"127.0.0.1:{port}"]) == 1
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in capsys.readouterr().err
    assert app(["batch", str(folder), str(tmp_path / "out"), "-m", "toon", "--ray", "headnode"]) == 1
    assert "give HOST:PORT" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.png"))
