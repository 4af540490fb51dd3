"""A slim image-to-image generator for live use: most work at 1/4 resolution, none at full.

Pixel-unshuffle trades resolution for channels without losing a pixel, so 3x3 convolutions
at 1/4 scale see a wide neighbourhood (each adds 8 px of receptive field) at 1/16 of the
cost per layer; a 1/2-scale branch keeps thin detail such as ink lines, and the output is a
residual on the input, so the net spends its capacity on what the style changes. Sized to
run a 1280x720 frame well inside a live frame budget on a laptop CPU (CONTRACTS.md).
"""

from __future__ import annotations

import torch
from torch import nn


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.body(x))


class PixelShuffleGenerator(nn.Module):
    """Input and output NCHW in [-1, 1]; height and width must be multiples of 4."""

    size_multiple = 4

    def __init__(self, channels: int = 48, half_channels: int = 24, blocks: int = 4) -> None:
        super().__init__()
        self.down = nn.PixelUnshuffle(2)
        self.half_in = nn.Sequential(nn.Conv2d(12, half_channels, 3, padding=1), nn.ReLU(inplace=True))
        self.quarter_in = nn.Sequential(nn.Conv2d(4 * half_channels, channels, 1), nn.ReLU(inplace=True))
        self.quarter = nn.Sequential(*[_Residual(channels) for _ in range(blocks)])
        self.quarter_out = nn.Conv2d(channels, 4 * half_channels, 1)
        self.up = nn.PixelShuffle(2)
        self.half_out = nn.Sequential(nn.Conv2d(half_channels, half_channels, 3, padding=1), nn.ReLU(inplace=True),
                                      nn.Conv2d(half_channels, 12, 3, padding=1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        half = self.half_in(self.down(image))
        quarter = self.quarter(self.quarter_in(self.down(half)))
        half = half + self.up(self.quarter_out(quarter))
        return torch.clamp(image + self.up(self.half_out(half)), -1.0, 1.0)
