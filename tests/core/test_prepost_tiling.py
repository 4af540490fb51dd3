"""Tensor conventions, padding, colour keeping and seamless tiles."""

from __future__ import annotations

import numpy as np
import pytest

from anime_desktop.core import prepost, tiling
from anime_desktop.core.errors import Cancelled
from anime_desktop.core.progress import Progress
from anime_desktop.core.types import IOConvention

RNG = np.random.default_rng(0)
IMG = RNG.integers(0, 256, (37, 53, 3), dtype=np.uint8)


@pytest.mark.parametrize("io", [IOConvention(), IOConvention(layout="NHWC"), IOConvention(channel_order="BGR"),
                                IOConvention(value_range=(0.0, 1.0)), IOConvention(input_dtype="float16")])
def test_tensor_round_trip_is_exact(io):
    x = prepost.to_tensor(IMG, io)
    assert x.shape == ((1, 3, 37, 53) if io.layout == "NCHW" else (1, 37, 53, 3))
    assert x.dtype == (np.float16 if io.input_dtype == "float16" else np.float32)
    assert np.array_equal(prepost.from_tensor(x, io), IMG)


def test_tensor_values_follow_the_convention():
    x = prepost.to_tensor(np.array([[[0, 128, 255]]], np.uint8), IOConvention(channel_order="BGR"))
    assert x[0, :, 0, 0].tolist() == pytest.approx([1.0, 128 / 127.5 - 1, -1.0], abs=1e-6)


def test_pad_reflects_and_crop_restores():
    padded, (h, w) = prepost.pad_to_multiple(IMG, 16)
    assert padded.shape == (48, 64, 3) and (h, w) == (37, 53)
    assert np.array_equal(padded[:37, :53], IMG)
    assert np.array_equal(padded[37, :53], IMG[35])  # reflection, not zeros or stretching


def test_tiny_images_are_upscaled_to_minimum():
    tiny = IMG[:5, :7]
    assert prepost.upscale_to_minimum(tiny, 32).shape[:2] == (32, 45)


def test_fit_max_side_keeps_aspect_and_never_enlarges():
    assert prepost.fit_max_side(IMG, 26).shape[:2] == (18, 26)
    assert prepost.fit_max_side(IMG, 1000) is IMG


def test_keep_colours_moves_statistics_towards_the_photo():
    photo = np.full((20, 20, 3), (200, 150, 100), np.uint8) + RNG.integers(0, 20, (20, 20, 3), dtype=np.uint8)
    dark = (photo // 3).astype(np.uint8)
    assert prepost.keep_colours(dark, photo, 0.0) is dark
    full = prepost.keep_colours(dark, photo, 1.0)
    half = prepost.keep_colours(dark, photo, 0.5)
    gap = lambda img: abs(img.mean() - photo.mean())  # noqa: E731
    assert gap(full) < 3 < gap(half) < gap(dark)


def test_ramps_sum_to_one_everywhere():
    offsets = tiling.starts(1000, 256, 32)
    assert offsets[0] == 0 and offsets[-1] == 1000 - 256
    total = np.zeros(1000, np.float32)
    for s, w in zip(offsets, tiling.ramps(1000, 256, offsets)):
        total[s:s + len(w)] += w
    assert np.allclose(total, 1.0)


def test_identity_through_tiles_is_exact():
    big = RNG.integers(0, 256, (300, 410, 3), dtype=np.uint8)
    calls = []

    def identity(tile):
        calls.append(tile.shape)
        return tile

    out = tiling.run_tiled(big, identity, budget_px=128 * 128, multiple=8)
    assert len(calls) > 4 and all(s[0] <= 128 and s[1] <= 128 for s in calls)
    assert np.array_equal(out, big)


def test_tone_offsets_between_tiles_are_blended_without_steps():
    flat = np.full((200, 600, 3), 100, np.uint8)
    counter = iter(range(100))

    def shifted(tile):  # each tile comes back with its own brightness, like per-image statistics
        return np.clip(tile.astype(int) + 10 * next(counter), 0, 255).astype(np.uint8)

    out = tiling.run_tiled(flat, shifted, budget_px=200 * 200, multiple=1).astype(int)
    steps = np.abs(np.diff(out[100], axis=0)).max()
    assert steps <= 1  # ramps turn the jumps of 10 grey levels into gentle slopes


def test_cancel_stops_between_tiles():
    progress = Progress()
    seen = []

    def cancel_after_first(tile):
        seen.append(1)
        progress.abort()
        return tile

    with pytest.raises(Cancelled):
        tiling.run_tiled(IMG.repeat(8, 0).repeat(8, 1), cancel_after_first, 64 * 64, 1, progress)
    assert len(seen) == 1
