"""`anime-export build-default` end to end on a miniature Kodak set: every stage runs, and a
model that misses the gates is kept out of the shipping folder."""

from __future__ import annotations

import numpy as np
from PIL import Image

from export.cli import main as export


def test_a_rebuild_that_misses_the_gates_is_not_shipped(tmp_path, capsys):
    kodak = tmp_path / "kodak"
    kodak.mkdir()
    rng = np.random.default_rng(0)
    for i in range(1, 25):
        small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        Image.fromarray(small).resize((128, 96), Image.BICUBIC).save(kodak / f"kodim{i:02d}.png")
    work, ship = tmp_path / "work", tmp_path / "ship"
    code = export(["build-default", "--kodak", str(kodak), "--work", str(work), "--out", str(ship), "--steps", "2"])
    assert code == 1 and not ship.exists()  # two steps cannot pass: nothing replaces a good default
    assert "gates missed" in capsys.readouterr().err
    assert (work / "toon-default-int8.onnx").stat().st_size < (work / "toon-default-fp32.onnx").stat().st_size
    card = (work / "toon-default.md").read_text(encoding="utf-8")
    assert "| kodim19 |" in card and "2 steps" in card
    pairs = sorted(p.name for p in (work / "pairs" / "A").iterdir())
    assert len(pairs) == 19 * 9 and not any(p.startswith(("kodim03", "kodim07", "kodim23")) for p in pairs)


def test_build_default_needs_the_whole_kodak_set(tmp_path, capsys):
    (tmp_path / "kodak").mkdir()
    assert export(["build-default", "--kodak", str(tmp_path / "kodak"), "--work", str(tmp_path / "w")]) == 1
    assert "kodim01.png" in capsys.readouterr().err
