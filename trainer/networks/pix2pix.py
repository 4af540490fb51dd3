"""Pix2Pix (Isola et al., CVPR 2017): U-Net generator and 70x70 PatchGAN discriminator.

The U-Net halves the size at each level down to a `bottleneck_size` map: 1x1 in the paper
(8 levels at 256 px, 9 at 512 px), so the skip connections carry the detail; the slides'
variant (source 001) stops at 2x2 and gives the encoder's last layer a 5x5 kernel. The optional
8-head self-attention mixes spatial positions, so it sits on the deepest map that has at least
four of them: the bottleneck when it is 2x2 or larger, else the 2x2 map just above a 1x1 one
(attention over a single token would mix nothing).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .common import activation

MIN_ATTENTION_SIDE = 2  # a 2x2 map: four positions


class SpatialAttention(nn.Module):
    """Multi-head self-attention over a feature map's spatial positions, with a residual."""

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
                 attention: bool = False, dropout: float = 0.5, bottleneck_size: int = 1, final_kernel: int = 4,
                 decoder_act: str = "relu") -> None:
        super().__init__()
        depth = _depth(image_size, bottleneck_size)
        widths = [min(ngf * 2**i, ngf * 8) for i in range(depth)]
        self.down = nn.ModuleList()
        cin = in_channels
        for i, cout in enumerate(widths):
            kernel = final_kernel if i == depth - 1 else 4
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2, True)]
            # padding (k - 1) // 2 halves an even side for any kernel size k at stride 2
            layers.append(nn.Conv2d(cin, cout, kernel, 2, (kernel - 1) // 2, bias=False))
            if 0 < i < depth - 1:
                layers.append(nn.BatchNorm2d(cout))
            self.down.append(nn.Sequential(*layers))
            cin = cout
        self.attention_level = -1
        if attention:
            side = max(bottleneck_size, MIN_ATTENTION_SIDE)
            self.attention_level = depth - 1 - int(math.log2(side // bottleneck_size))
            if self.attention_level < 0:
                raise ValueError(f"attention needs a {side}x{side} map; {image_size} px has none")
            self.attention = SpatialAttention(widths[self.attention_level])
        self.up = nn.ModuleList()
        for i in reversed(range(depth)):
            cin = widths[i] * (1 if i == depth - 1 else 2)
            cout = out_channels if i == 0 else widths[i - 1]
            layers = [activation(decoder_act), nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=i == 0)]
            if i == 0:
                layers.append(nn.Tanh())
            else:
                layers.append(nn.BatchNorm2d(cout))
                if dropout and i >= depth - 3:  # the paper's CD512-CD1024-CD1024: the three innermost decoders
                    layers.append(nn.Dropout(dropout))
            self.up.append(nn.Sequential(*layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, layer in enumerate(self.down):
            x = layer(x)
            if i == self.attention_level:
                x = self.attention(x)
            skips.append(x)
        for i, layer in enumerate(self.up):
            if i > 0:
                x = torch.cat([x, skips[-1 - i]], dim=1)
            x = layer(x)
        return x


def _depth(image_size: int, bottleneck_size: int) -> int:
    """Stride-2 levels from image_size down to bottleneck_size (both powers of two)."""
    depth = int(math.log2(image_size))
    if 2**depth != image_size:
        raise ValueError(f"Pix2Pix image_size must be a power of two, not {image_size}")
    b = bottleneck_size
    if b < 1 or b & (b - 1) or b >= image_size:
        raise ValueError(f"bottleneck_size must be a power of two below image_size ({image_size}), not {b}")
    return depth - int(math.log2(b))


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
