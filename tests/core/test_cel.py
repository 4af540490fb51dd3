"""Teacher v2's ink and the second classical look, `cel` (ISSUE 19)."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from anime_desktop.cli import main
from anime_desktop.core import cel, toon
from tests.conftest import SHARED, need_shared

HELD_OUT = ("kodim03", "kodim07", "kodim15", "kodim19", "kodim23")


def skin_with_an_eye(size: int = 160) -> np.ndarray:
    """Light, finely textured "skin" with one dark almond shape (an eye) in the middle."""
    rng = np.random.default_rng(0)
    grey = 185 + rng.normal(0, 9, (size, size))  # pores and grain: strong but pointing every way
    grey = cv2.GaussianBlur(grey, (0, 0), 0.6)
    eye = np.zeros((size, size), np.uint8)
    cv2.ellipse(eye, (size // 2, size // 2), (26, 9), 0, 0, 360, 1, -1)
    grey[eye > 0] = 50
    rgb = np.stack([grey * 1.05, grey * 0.85, grey * 0.75], axis=2)
    return np.clip(rgb, 0, 255).astype(np.uint8), eye > 0


def test_ink_stays_off_textured_skin_and_on_the_eye():
    for render in (toon.render, cel.render):
        rgb, eye = skin_with_an_eye()
        out = cv2.cvtColor(render(rgb), cv2.COLOR_RGB2GRAY)
        ring = cv2.dilate(eye.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        skin = ~cv2.dilate(ring.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
        assert (out[skin] < 90).mean() < 0.002, render.__module__  # no blotches on the skin
        edge = (cv2.dilate(eye.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & ~eye  # 2 px outside
        assert out[edge].mean() < out[skin].mean() - 30, render.__module__  # the eye keeps its outline
        assert (out[eye] < 110).mean() > 0.9, render.__module__


def test_cel_is_brighter_with_fewer_tones_than_toon():
    ramp = np.repeat(np.linspace(20, 235, 256)[None, :], 64, axis=0)
    rgb = np.stack([ramp, ramp * 0.9, ramp * 0.8], axis=2).astype(np.uint8)
    toon_l = cv2.cvtColor(toon.render(rgb), cv2.COLOR_RGB2LAB)[32, :, 0].astype(int)
    cel_l = cv2.cvtColor(cel.render(rgb), cv2.COLOR_RGB2LAB)[32, :, 0].astype(int)
    assert cel_l[:64].mean() > toon_l[:64].mean() + 15  # shadows lifted
    def plateaus(row):  # distinct brightness levels, in steps of 12
        return len(set((row // 12).tolist()))

    assert plateaus(cel_l) < plateaus(toon_l)
    assert int((np.abs(np.diff(cel_l)) <= 1).sum()) > 200  # mostly flat tones, steps between them


def test_cel_is_a_second_look_not_toon_again():
    from anime_desktop.engine.loader import classical_model
    from anime_desktop.engine.runners import StylizeRunner
    from export.default_quality import held_out_photos, toon_look
    from export.quality import psnr

    photos = held_out_photos(need_shared(SHARED / "datasets" / "kodak24"))
    cel_look, toon_ = StylizeRunner(classical_model("cel")).run, toon_look()
    apart = np.mean([psnr(cel_look(p), toon_(p)) for p in photos.values()])
    assert apart <= 20.0
    assert np.mean([psnr(cel_look(p), p) for p in photos.values()]) <= 21.0  # a real change, too


def test_cel_is_a_reserved_built_in(tmp_path, capsys, colour_onnx):
    rgb = np.full((30, 40, 3), 200, np.uint8)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    assert main(["stylize", str(tmp_path / "p.png"), "-m", "cel", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "p_cel.png").is_file()
    assert main(["models", "list"]) == 0
    assert "cel" in capsys.readouterr().out
    assert main(["models", "import", str(colour_onnx), "--name", "cel"]) == 1
