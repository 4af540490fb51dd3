"""AnimeGAN generators (v2 and a v3-style variant) and the spectral-norm PatchGAN discriminator.

`AnimeGANv2Generator` is laid out so that its `state_dict` has exactly the keys and shapes
of the animegan2-pytorch port (77 tensors, 2,143,552 parameters): the published `.pt`
weights load with `strict=True`. Its norm is GroupNorm(1, C), i.e. layer norm over each
image, which is why AnimeGAN outputs depend on per-image statistics (see core/tiling).
The v3-style generator keeps the topology but uses instance norm (AnimeGANv3, Liu et al.).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import sn


class LayerNorm2d(nn.GroupNorm):
    """GroupNorm(1, C) written as plain mean/variance ops (same math, same parameter names).

    nn.GroupNorm exports as Reshape -> InstanceNormalization -> Reshape, whose reshape
    hides the activation's rank from ONNX Runtime's shape inference; its INT8 fusion
    (QDQ -> QLinearConv) then refuses the graph. Reductions over (C, H, W) keep the rank.
    """

    def __init__(self, channels: int) -> None:
        super().__init__(1, channels, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        centred = x - mean
        var = (centred * centred).mean(dim=(1, 2, 3), keepdim=True)
        y = centred / torch.sqrt(var + self.eps)
        return y * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class InstanceNorm2d(nn.InstanceNorm2d):
    """nn.InstanceNorm2d (affine) written as plain per-channel mean/variance ops, same parameters.

    PyTorch's CPU instance norm reshapes to a (1, N*C, H, W) batch norm and back, and the copies
    and layout changes around it made the v3 generator's training step 5x slower than v2's on
    this CPU (14.1 s against 2.7 s for a batch of eight 32 px images, identical outputs to 1e-5).
    """

    def __init__(self, channels: int) -> None:
        super().__init__(channels, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(2, 3), keepdim=True)
        centred = x - mean
        var = (centred * centred).mean(dim=(2, 3), keepdim=True)
        y = centred / torch.sqrt(var + self.eps)
        return y * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


def _norm(channels: int, kind: str) -> nn.Module:
    return LayerNorm2d(channels) if kind == "layer" else InstanceNorm2d(channels)


def _conv_norm_lrelu(cin: int, cout: int, kernel: int = 3, stride: int = 1, padding=1, groups: int = 1,
                     bias: bool = False, norm: str = "layer") -> nn.Sequential:
    """pad -> conv -> norm -> LeakyReLU(0.2); indices 1 and 2 carry the weights (port layout)."""
    return nn.Sequential(
        nn.ReflectionPad2d(padding),
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=0, groups=groups, bias=bias),
        _norm(cout, norm),
        nn.LeakyReLU(0.2, inplace=True),
    )


class InvertedResBlock(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 project; residual when shapes match."""

    def __init__(self, cin: int, cout: int, expansion: int = 2, norm: str = "layer") -> None:
        super().__init__()
        self.use_residual = cin == cout
        mid = cin * expansion
        self.layers = nn.Sequential(
            _conv_norm_lrelu(cin, mid, kernel=1, padding=0, norm=norm),
            _conv_norm_lrelu(mid, mid, groups=mid, bias=True, norm=norm),
            nn.Conv2d(mid, cout, 1, bias=False),
            _norm(cout, norm),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(x)
        return x + out if self.use_residual else out


class AnimeGANv2Generator(nn.Module):
    """Photo -> anime, any size whose sides are multiples of 4 (two stride-2 stages)."""

    size_multiple = 4

    def __init__(self, norm: str = "layer", align_corners: bool = True) -> None:
        super().__init__()
        c = lambda *a, **k: _conv_norm_lrelu(*a, norm=norm, **k)  # noqa: E731
        self.align_corners = align_corners
        self.block_a = nn.Sequential(c(3, 32, kernel=7, padding=3), c(32, 64, stride=2, padding=(0, 1, 0, 1)),
                                     c(64, 64))
        self.block_b = nn.Sequential(c(64, 128, stride=2, padding=(0, 1, 0, 1)), c(128, 128))
        self.block_c = nn.Sequential(c(128, 128), InvertedResBlock(128, 256, norm=norm),
                                     *[InvertedResBlock(256, 256, norm=norm) for _ in range(3)], c(256, 128))
        self.block_d = nn.Sequential(c(128, 128), c(128, 128))
        self.block_e = nn.Sequential(c(128, 64), c(64, 64), c(64, 32, kernel=7, padding=3))
        self.out_layer = nn.Sequential(nn.Conv2d(32, 3, 1, bias=False), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        half = self.block_a(x)
        out = self.block_c(self.block_b(half))
        out = self._up(out, half.shape[-2:])
        out = self.block_d(out)
        out = self._up(out, x.shape[-2:])
        return self.out_layer(self.block_e(out))

    def _up(self, x: torch.Tensor, size) -> torch.Tensor:
        if self.align_corners:
            return F.interpolate(x, size=size, mode="bilinear", align_corners=True)
        return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)


def animeganv3_generator() -> AnimeGANv2Generator:
    """The v3-style generator: same topology, instance norm, half-pixel upsampling."""
    return AnimeGANv2Generator(norm="instance", align_corners=False)


class PatchDiscriminator(nn.Module):
    """AnimeGAN's discriminator: stride-2 stages, LeakyReLU, spectral norm, 1-channel patch map."""

    def __init__(self, channels: int = 32, layers: int = 3, use_sn: bool = True) -> None:
        super().__init__()
        blocks: list[nn.Module] = [sn(nn.Conv2d(3, channels, 3, 1, 1), use_sn), nn.LeakyReLU(0.2, True)]
        ch = channels
        for _ in range(1, layers):
            blocks += [sn(nn.Conv2d(ch, ch * 2, 3, 2, 1, bias=False), use_sn), nn.LeakyReLU(0.2, True),
                       sn(nn.Conv2d(ch * 2, ch * 4, 3, 1, 1, bias=False), use_sn),
                       nn.GroupNorm(1, ch * 4), nn.LeakyReLU(0.2, True)]
            ch *= 4
        blocks += [sn(nn.Conv2d(ch, ch, 3, 1, 1, bias=False), use_sn), nn.GroupNorm(1, ch), nn.LeakyReLU(0.2, True),
                   sn(nn.Conv2d(ch, 1, 3, 1, 1), use_sn)]
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
