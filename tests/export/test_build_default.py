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
    # A small working size keeps the pairs small; the shipped looks use their own (1 MP).
    code = export(["build-default", "--kodak", str(kodak), "--work", str(work), "--out", str(ship), "--steps", "2",
                   "--work-mp", "0.05"])
    assert code == 1 and not ship.exists()  # two steps cannot pass: nothing replaces a good default
    err = capsys.readouterr().err
    assert "gates missed" in err and "look: ink on skin measured over 0 faces" in err  # noise has no faces
    from anime_desktop.core import modelfile

    assert modelfile.read_metadata(work / "toon-default-int8.onnx")["work_mp"] == "0.05"
    assert Image.open(work / "pairs" / "A" / "kodim01-s100-j0.png").size == (258, 194)  # 0.05 MP, 4:3
    assert (work / "toon-default-int8.onnx").stat().st_size < (work / "toon-default-fp32.onnx").stat().st_size
    card = (work / "toon-default.md").read_text(encoding="utf-8")
    assert "| kodim19 |" in card and "2 steps" in card and "Working size:** 0.05 MP" in card
    assert "| toon-default-int8 |" in card and "lines kept" in card
    pairs = sorted(p.name for p in (work / "pairs" / "A").iterdir())
    assert len(pairs) == 19 * 9 and not any(p.startswith(("kodim03", "kodim07", "kodim23")) for p in pairs)


def test_build_default_needs_the_whole_kodak_set(tmp_path, capsys):
    (tmp_path / "kodak").mkdir()
    assert export(["build-default", "--kodak", str(tmp_path / "kodak"), "--work", str(tmp_path / "w")]) == 1
    assert "kodim01.png" in capsys.readouterr().err
