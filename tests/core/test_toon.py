"""The classical toon style: flat bands, ink on edges, and the training pairs made from it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from anime_desktop.core import toon, toon_pairs
from tests.conftest import SHARED, need_shared

HELD_OUT = ("kodim03", "kodim07", "kodim15", "kodim19", "kodim23")


def square_on_paper(size: int = 96) -> np.ndarray:
    rgb = np.full((size, size, 3), 220, np.uint8)
    rgb[size // 4:3 * size // 4, size // 4:3 * size // 4] = (60, 90, 200)
    return rgb


def test_edges_get_dark_ink_and_flat_areas_stay_clean():
    rgb = square_on_paper()
    out = toon.render(rgb)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    grey = out.astype(float).mean(axis=2)
    darkest_across_left_edge = grey[30:66, 18:32].min(axis=1)  # one value per row along the edge
    paper, inside = grey[5:15, 5:15], grey[40:56, 40:56]
    assert np.all(darkest_across_left_edge < 0.5 * inside.mean()), "no continuous ink line on the edge"
    assert paper.std() < 1.0 and inside.std() < 1.0, "flat areas picked up marks"
    assert abs(paper.mean() - 220) < 25  # the paper stays paper-coloured


def test_soft_levels_make_flat_bands_with_smooth_steps():
    ramp = np.linspace(0, 1, 1001)
    out = toon.soft_levels(ramp, levels=5, sharpness=10)
    assert np.all(np.diff(out) >= -1e-9), "banding must keep the order of brightness"
    slopes = np.gradient(out, ramp)
    centres = [(i + 0.5) / 5 for i in range(5)]
    assert all(slopes[round(c * 1000)] < 0.5 for c in centres), "bands must be flat at their centres"
    assert slopes.max() > 2.0, "steps between bands must be steeper than the ramp"
    assert np.allclose(toon.soft_levels(np.array(centres), 5, 10), centres, atol=0.01)


def test_noise_is_not_inked_as_speckle():
    rng = np.random.default_rng(0)
    rgb = np.clip(140 + rng.normal(0, 4, (128, 128, 3)), 0, 255).astype(np.uint8)
    out = toon.render(rgb).astype(float).mean(axis=2)
    assert (out < 80).mean() < 0.01


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        toon.render(np.zeros((8, 8), np.uint8))


def test_teacher_look_is_a_real_change_on_the_held_out_photos():
    from export.default_quality import toon_look
    from export.quality import psnr

    scores = []
    for name in HELD_OUT:
        rgb = np.asarray(Image.open(need_shared(SHARED / "datasets" / "kodak24" / f"{name}.png")).convert("RGB"))
        scores.append(psnr(rgb, toon_look()(rgb)))  # as the app applies it: at its working size
    assert np.mean(scores) <= 21.0  # CONTRACTS.md: a cartoon look, not a filter


def test_pairs_are_rendered_per_scale_and_jitter_and_skip_held_out_and_bad_files(tmp_path):
    src = tmp_path / "photos"
    src.mkdir()
    rng = np.random.default_rng(1)
    for name in ("a", "b", "held"):
        Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)).save(src / f"{name}.png")
    (src / "broken.jpg").write_bytes(b"not a jpeg")
    plan = toon_pairs.PairPlan(scales=(1.0, 0.5), jitters=1, seed=3, exclude=frozenset({"held"}))
    items = list(toon_pairs.render_pairs(sorted(src.iterdir()), tmp_path / "pairs", plan))
    problems = [i for i in items if isinstance(i, str)]
    assert len(problems) == 1 and "broken.jpg" in problems[0]
    a = sorted(p.name for p in (tmp_path / "pairs" / "A").iterdir())
    b = sorted(p.name for p in (tmp_path / "pairs" / "B").iterdir())
    assert a == b == [f"{n}-s{s}-j{j}.png" for n in ("a", "b") for s in ("050", "100") for j in (0, 1)]
    photo = np.asarray(Image.open(tmp_path / "pairs" / "A" / "a-s050-j0.png"))
    target = np.asarray(Image.open(tmp_path / "pairs" / "B" / "a-s050-j0.png"))
    assert photo.shape == target.shape == (20, 30, 3)
    assert np.array_equal(target, toon.render(photo))  # B is exactly the teacher's look of A
    jittered = np.asarray(Image.open(tmp_path / "pairs" / "A" / "a-s100-j1.png"))
    original = np.asarray(Image.open(src / "a.png"))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "pairs" / "A" / "a-s100-j0.png")), original)
    assert np.abs(jittered.astype(int) - original).mean() > 2  # the jitter changed the colours
