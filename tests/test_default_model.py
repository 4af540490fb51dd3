"""The shipped default model: present, licensed, and as good as its model card says.

These are CONTRACTS.md's gates, measured the same way `anime-export build-default` measured
them (export.default_quality), on the shipped files themselves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from anime_desktop.core import model_store, modelfile
from tests.conftest import REPO, SHARED, need_shared

MODELS = REPO / "resources" / "models"
SHIPPED = {"int8": MODELS / "toon-default-int8.onnx", "fp32": MODELS / "toon-default-fp32.onnx"}
CARD = MODELS / "toon-default.md"


def test_the_default_ships_with_its_card_and_our_licence():
    for precision, path in SHIPPED.items():
        meta = modelfile.read_metadata(path)
        assert meta["license"] == "Apache-2.0" and meta["precision"] == precision
        assert meta["task"] == "image-to-image" and meta["style"] == "toon"
    assert SHIPPED["int8"].stat().st_size < 0.35 * SHIPPED["fp32"].stat().st_size
    assert set(model_store.shipped()) >= {"toon-default-int8", "toon-default-fp32"}
    card = CARD.read_text(encoding="utf-8")
    assert "Apache-2.0" in card and "Kodak24" in card and "anime-export build-default" in card
    samples = sorted(p.stem for p in (REPO / "resources" / "samples").glob("*.png"))
    assert samples and set(samples) <= {"kodim03", "kodim07", "kodim15", "kodim19", "kodim23"}  # held out


@pytest.fixture(scope="module")
def held_out():
    from export.default_quality import held_out_photos

    return held_out_photos(need_shared(SHARED / "datasets" / "kodak24"))


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_shipped_model_imitates_the_teacher_on_held_out_photos(precision, held_out):
    from export.build_student import Gates
    from export.default_quality import evaluate

    report = evaluate(SHIPPED[precision], held_out)
    assert Gates().failures(report) == []  # the gates build-default (= build-student) applied
    # The card was written from the same measurement at build time: it must still be true.
    card = CARD.read_text(encoding="utf-8")
    section = card.split("INT8 (shipped default):")[1] if precision == "int8" else card.split("FP32:")[1]
    mean = float(re.search(r"\*\*mean\*\* \| \*\*([0-9.]+) dB", section).group(1))
    assert abs(mean - report.mean_psnr) < 0.05


FACES_CARD = MODELS / "faces-default.md"


def shipped_faces() -> Path:
    found = sorted(p for p in MODELS.glob("faces-default-*.onnx") if not p.name.endswith(".disc.onnx"))
    assert len(found) == 1, found
    return found[0]


def test_the_faces_model_ships_with_its_discriminator_and_card():
    model = shipped_faces()
    meta = modelfile.read_metadata(model)
    assert meta["license"] == "Apache-2.0" and meta["task"] == "latent-to-image"
    disc = model_store.discriminator_for(model)
    assert disc is not None and modelfile.read_metadata(disc)["role"] == "discriminator"
    assert model.stem in model_store.shipped() and disc.stem not in model_store.shipped()
    card = FACES_CARD.read_text(encoding="utf-8")
    assert "Apache-2.0" in card and "procedural" in card and "anime-export build-faces" in card


def test_faces_work_out_of_the_box(tmp_path):
    """`anime-desktop faces` with no -m and nothing installed uses the shipped model."""
    out = tmp_path / "grid.png"
    env = {**os.environ, "ANIME_DESKTOP_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "anime_desktop", "faces", "-n", "16", "--seed", "7", "-o", str(out)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert shipped_faces().stem in done.stdout
    from PIL import Image

    grid = np.asarray(Image.open(out))
    assert grid.shape[0] >= 4 * 64 and grid.std() > 20  # sixteen faces, not a blank sheet


@pytest.mark.slow  # 2 min: 1000 faces rendered and generated, SWD between them
def test_shipped_faces_are_distinct_and_far_better_than_untrained():
    """The card's SWD is recomputed here on the shipped file (same seeds, same held-out renders)."""
    pytest.importorskip("torch", reason="SWD lives in the trainer (train extra)")
    from export.build_faces import onnx_faces, swd_to
    from trainer.procedural_faces import render_set

    model = shipped_faces()
    faces = onnx_faces(model, 1000)
    flat = faces[:64].reshape(64, -1).astype(int)
    assert min(np.abs(flat[i] - flat[j]).mean() for i in range(64) for j in range(i + 1, 64)) > 2
    measured = swd_to(render_set(1000, seed=1), faces)
    card = FACES_CARD.read_text(encoding="utf-8")
    untrained = float(re.search(r"untrained \(same initial weights\) \| ([0-9.]+)", card).group(1))
    precision = "INT8" if model.stem.endswith("int8") else "FP32"
    claimed = float(re.search(rf"trained, {precision} \| ([0-9.]+)", card).group(1))
    assert abs(measured - claimed) < 0.5 and claimed < 0.5 * untrained
