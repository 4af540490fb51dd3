"""Unpaired data keeps each image resized once: the batches, and the random stream behind them,
are exactly those of resizing the full picture at every draw (so runs and resumes are unchanged)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from trainer.data import ImageSet, UnpairedData, fit, short_side
from trainer.losses import edge_promote


def _folder(root, sizes):
    rng = np.random.default_rng(0)
    for sub in ("real_images", "anime_images", "smooth"):
        (root / sub).mkdir(parents=True)
        for i, (w, h) in enumerate(sizes):
            small = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
            image = Image.fromarray(small).resize((w, h), Image.BICUBIC)
            (image.convert("L") if i == 1 else image).save(root / sub / f"{i}.png")
    return root


def test_images_resized_once_give_the_batches_of_a_resize_per_draw(tmp_path):
    root = _folder(tmp_path, [(451, 300), (300, 451), (40, 44), (33, 32), (32, 90)])
    prepared = UnpairedData(root, 32)
    per_draw = UnpairedData(root, 32)
    for name in ("photos", "styles", "smooth"):  # the old way: full pictures, resized by fit() each time
        setattr(per_draw, name, ImageSet(getattr(per_draw, name).files))
    a, b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    for _ in range(6):
        x, y = prepared.batch(2, a, edge_promote), per_draw.batch(2, b, edge_promote)
        assert x.keys() == y.keys() == {"photo", "style", "smooth"}
        for key in x:
            assert torch.equal(x[key], y[key]), key
        assert torch.equal(a.get_state(), b.get_state())
    assert min(prepared.photos.get(0).shape[:2]) == 32 and min(per_draw.photos.get(0).shape[:2]) == 300


def test_short_side_is_what_fit_resizes_to_and_a_second_call_changes_nothing():
    image = np.random.default_rng(1).integers(0, 256, (301, 451, 3), dtype=np.uint8)
    for size, crop_scale in ((32, 1.0), (64, 1.12), (300, 1.0)):
        once = short_side(image, size, crop_scale)
        assert min(once.shape[:2]) == max(size, round(size * crop_scale))
        assert short_side(once, size, crop_scale) is once
        assert np.array_equal(fit(image, size, None, crop_scale), fit(once, size, None, crop_scale))
