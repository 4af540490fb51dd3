"""CartoonGAN (Chen et al., CVPR 2018): generator and discriminator as in the paper.

G: 7x7 conv, two stride-2 down stages, 8 residual blocks, two up stages, 7x7 conv, tanh.
Instance norm, as the widely used PyTorch ports of the published weights have.
"""

from __future__ import annotations

import torch
from torch import nn

from .common import sn


def _cnr(cin: int, cout: int, kernel: int = 3, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, stride, kernel // 2), nn.InstanceNorm2d(cout, affine=True), nn.ReLU(True)]


def _up(cin: int, cout: int) -> list[nn.Module]:
    """The paper's up block: fractionally strided conv, flat conv, then norm and ReLU."""
    return [nn.ConvTranspose2d(cin, cout, 3, 2, 1, output_padding=1), nn.Conv2d(cout, cout, 3, 1, 1),
            nn.InstanceNorm2d(cout, affine=True), nn.ReLU(True)]


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1), nn.InstanceNorm2d(channels, affine=True), nn.ReLU(True),
            nn.Conv2d(channels, channels, 3, 1, 1), nn.InstanceNorm2d(channels, affine=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class CartoonGANGenerator(nn.Module):
    size_multiple = 4

    def __init__(self, channels: int = 64, blocks: int = 8) -> None:
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            *_cnr(3, c, 7),
            *_cnr(c, 2 * c, 3, 2), *_cnr(2 * c, 2 * c),
            *_cnr(2 * c, 4 * c, 3, 2), *_cnr(4 * c, 4 * c),
            *[ResidualBlock(4 * c) for _ in range(blocks)],
            *_up(4 * c, 2 * c), *_up(2 * c, c),
            nn.Conv2d(c, 3, 7, 1, 3), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class CartoonGANDiscriminator(nn.Module):
    """Flat conv stack ending in a patch map; LeakyReLU 0.2, instance norm, optional SN."""

    def __init__(self, channels: int = 32, use_sn: bool = False) -> None:
        super().__init__()
        c = channels
        lrelu = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
        self.net = nn.Sequential(
            sn(nn.Conv2d(3, c, 3, 1, 1), use_sn), lrelu(),
            sn(nn.Conv2d(c, 2 * c, 3, 2, 1), use_sn), lrelu(),
            sn(nn.Conv2d(2 * c, 4 * c, 3, 1, 1), use_sn), nn.InstanceNorm2d(4 * c, affine=True), lrelu(),
            sn(nn.Conv2d(4 * c, 4 * c, 3, 2, 1), use_sn), lrelu(),
            sn(nn.Conv2d(4 * c, 8 * c, 3, 1, 1), use_sn), nn.InstanceNorm2d(8 * c, affine=True), lrelu(),
            sn(nn.Conv2d(8 * c, 8 * c, 3, 1, 1), use_sn), nn.InstanceNorm2d(8 * c, affine=True), lrelu(),
            sn(nn.Conv2d(8 * c, 1, 3, 1, 1), use_sn))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
