"""The shipped default model: present, licensed, and as good as its model card says.

These are CONTRACTS.md's gates, measured the same way `anime-export build-default` measured
them (export.default_quality), on the shipped files themselves.
"""

from __future__ import annotations

import re

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
    from export.default_quality import evaluate

    report = evaluate(SHIPPED[precision], held_out)
    assert report.failures() == []
    # The card was written from the same measurement at build time: it must still be true.
    card = CARD.read_text(encoding="utf-8")
    section = card.split("INT8 (shipped default):")[1] if precision == "int8" else card.split("FP32:")[1]
    mean = float(re.search(r"\*\*mean\*\* \| \*\*([0-9.]+) dB", section).group(1))
    assert abs(mean - report.mean_psnr) < 0.05

