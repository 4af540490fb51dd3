"""Pix2Pix (Isola et al., CVPR 2017): U-Net generator and 70x70 PatchGAN discriminator.

The U-Net halves the size at each of log2(image_size) levels (8 at 256 px, 9 at 512 px),
so its bottleneck is 1x1 and its skip connections carry the detail. The optional 8-head
self-attention sits on the bottleneck tokens.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class Bottleneck(nn.Module):
    """Multi-head self-attention over the bottleneck's spatial positions, with a residual."""

    def __init__(self, channels: int, heads: int = 8) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)
        attended, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return (self.norm(tokens + attended)).transpose(1, 2).reshape(b, c, h, w)


class UNetGenerator(nn.Module):
    def __init__(self, image_size: int = 256, ngf: int = 64, in_channels: int = 3, out_channels: int = 3,
                 attention: bool = False, dropout: float = 0.5) -> None:
        super().__init__()
        depth = int(math.log2(image_size))
        if 2**depth != image_size:
            raise ValueError(f"Pix2Pix image_size must be a power of two, not {image_size}")
        widths = [min(ngf * 2**i, ngf * 8) for i in range(depth)]
        self.down = nn.ModuleList()
        cin = in_channels
        for i, cout in enumerate(widths):
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2, True)]
            layers.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=False))
            if 0 < i < depth - 1:
                layers.append(nn.BatchNorm2d(cout))
            self.down.append(nn.Sequential(*layers))
            cin = cout
        self.bottleneck = Bottleneck(widths[-1]) if attention else nn.Identity()
        self.up = nn.ModuleList()
        for i in reversed(range(depth)):
            cin = widths[i] * (1 if i == depth - 1 else 2)
            cout = out_channels if i == 0 else widths[i - 1]
            layers = [nn.ReLU(True), nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=i == 0)]
            if i == 0:
                layers.append(nn.Tanh())
            else:
                layers.append(nn.BatchNorm2d(cout))
                if dropout and depth - 4 < i < depth - 1:  # the three innermost decoders after the bottleneck
                    layers.append(nn.Dropout(dropout))
            self.up.append(nn.Sequential(*layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        x = self.bottleneck(x)
        for i, layer in enumerate(self.up):
            if i > 0:
                x = torch.cat([x, skips[-1 - i]], dim=1)
            x = layer(x)
        return x


class PatchGANDiscriminator(nn.Module):
    """70x70 PatchGAN on the concatenated (input, output) pair."""

    def __init__(self, in_channels: int = 6, ndf: int = 64, layers: int = 3) -> None:
        super().__init__()
        blocks: list[nn.Module] = [nn.Conv2d(in_channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < layers else 1
            blocks += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=False), nn.BatchNorm2d(ndf * mult),
                       nn.LeakyReLU(0.2, True)]
        blocks.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
