"""Sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al., ICLR 2018, sec. 5).

Needs no pretrained network, so it is the metric these machines can compute. Fixed
defaults (CONTRACTS.md) make numbers comparable across runs: 7x7 neighbourhoods, 128
descriptors per image per level, pyramid down to 16 px, 512 directions x 4 repeats, seeded.
Reported x1e3 as in the paper; lower is better.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

PATCH = 7
PER_IMAGE = 128
MIN_SIZE = 16
DIRECTIONS = 512
REPEATS = 4

_GAUSS = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(x: torch.Tensor) -> torch.Tensor:
    k = (_GAUSS[:, None] * _GAUSS[None, :]).to(x).expand(x.shape[1], 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k, groups=x.shape[1])


def laplacian_pyramid(images: torch.Tensor, min_size: int = MIN_SIZE) -> list[torch.Tensor]:
    """Band-pass levels from full size down to `min_size`, the last one the low-pass residual."""
    levels, current = [], images
    while current.shape[-1] > min_size and current.shape[-2] > min_size:
        down = F.avg_pool2d(_blur(current), 2)
        up = F.interpolate(down, size=current.shape[-2:], mode="bilinear", align_corners=False)
        levels.append(current - _blur(up))
        current = down
    levels.append(current)
    return levels


def descriptors(level: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """`count` random 7x7x3 neighbourhoods per image, flattened (N*count x 147)."""
    n, c, h, w = level.shape
    ys = torch.randint(0, h - PATCH + 1, (n, count), generator=generator)
    xs = torch.randint(0, w - PATCH + 1, (n, count), generator=generator)
    offsets = torch.arange(PATCH)
    rows = (ys[..., None] + offsets)[..., :, None].expand(n, count, PATCH, PATCH)
    cols = (xs[..., None] + offsets)[..., None, :].expand(n, count, PATCH, PATCH)
    batch = torch.arange(n)[:, None, None, None].expand_as(rows)
    patches = level.permute(0, 2, 3, 1)[batch, rows, cols]  # n, count, 7, 7, c
    return patches.reshape(n * count, PATCH * PATCH * c)


def _normalise(desc: torch.Tensor) -> torch.Tensor:
    per_channel = desc.reshape(desc.shape[0], -1, 3)
    mean = per_channel.mean(dim=(0, 1), keepdim=True)
    std = per_channel.std(dim=(0, 1), keepdim=True) + 1e-8
    return ((per_channel - mean) / std).reshape(desc.shape)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, generator: torch.Generator) -> float:
    """Mean over random unit directions of the 1-D Wasserstein distance of the projections."""
    dims, total = a.shape[1], 0.0
    for _ in range(REPEATS):
        dirs = torch.randn(dims, DIRECTIONS, generator=generator)
        dirs /= dirs.norm(dim=0, keepdim=True)
        # Sorted along contiguous rows (one row per direction): the same values, 2x faster than
        # sorting the strided columns of the projection matrix.
        pa, _ = torch.sort((a @ dirs).t().contiguous(), dim=1)
        pb, _ = torch.sort((b @ dirs).t().contiguous(), dim=1)
        total += (pa - pb).abs().mean().item()
    return total / REPEATS


def swd(real: torch.Tensor, fake: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """SWD x1e3 per pyramid level and their mean; images NCHW in [-1, 1] (or 0..255), same size."""
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(f"real {tuple(real.shape[1:])} and fake {tuple(fake.shape[1:])} images differ in size")
    n = min(len(real), len(fake))
    generator = torch.Generator().manual_seed(seed)
    real_levels = laplacian_pyramid(real[:n].float())
    fake_levels = laplacian_pyramid(fake[:n].float())
    result = {}
    for lr, lf in zip(real_levels, fake_levels):
        da = _normalise(descriptors(lr, PER_IMAGE, generator))
        db = _normalise(descriptors(lf, PER_IMAGE, generator))
        result[f"swd_{lr.shape[-1]}px"] = 1e3 * sliced_wasserstein(da, db, generator)
    result["swd"] = sum(result.values()) / len(result)
    return result
