"""The AnimeGANv3 "tiny" generator, laid out as the authors' published ONNX graph is.

AnimeGANv3's training code is unpublished; its published `AnimeGANv3_tiny_*.onnx` files are
the one exact description of a v3 generator there is. Read off that graph (tf2onnx export of
`generator/base` + `generator/main`, 605,670 parameters):

- base: a 7x7 convolution, then four stages of (stride-2 3x3, 3x3) convolutions to 16, 32, 64
  and 128 channels, then two bottleneck residual blocks (1x1 to 64, 3x3, 1x1 back to 128, added,
  then LeakyReLU). No normalisation anywhere in it.
- main: four 2x bilinear upsamplings (TF1's `resize_bilinear` without half-pixel centres: the
  ONNX Resize says `asymmetric`), each followed by a convolution whose output is *added* to the
  base feature of the same size (a U-Net with additive skips); then LADE, LeakyReLU and a 7x7
  convolution to RGB with tanh.
- LADE (linearly adaptive denormalisation, AnimeGANv3 paper): t = conv3x3(x), s = conv1x1(t),
  out = (t - mean(t)) / std(t) * std(s) + mean(s), statistics per image and channel.
- Every convolution pads by reflection (TF's MirrorPad); stride-2 ones pad only the top and left;
  LeakyReLU slope 0.2; the convolutions before a residual add, LADE's and the last one have no bias.

Unlike instance norm after every layer (our `animeganv3_generator`), nothing here throws away a
photo's mean colour or contrast: the skips carry them to the output, so the init phase can rebuild
the photo. With the same weights this module gives the published file's output (a test loads
`AnimeGANv3_tiny_Cute.onnx`'s weights into it).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SLOPE = 0.2
EPS = 1e-5  # the graph's variance epsilon, inside the square root


def upsample2x(x: torch.Tensor) -> torch.Tensor:
    """2x bilinear upsampling with TF1's asymmetric sampling: output pixel 2i is input pixel i,
    2i+1 the mean of i and i+1 (the last row and column repeat their edge). PyTorch's
    `interpolate` has only half-pixel and align-corners sampling, neither of which is this."""
    n, c, h, w = x.shape
    down = torch.cat([x[:, :, 1:], x[:, :, -1:]], dim=2)
    x = torch.stack([x, (x + down) * 0.5], dim=3).reshape(n, c, 2 * h, w)
    right = torch.cat([x[:, :, :, 1:], x[:, :, :, -1:]], dim=3)
    return torch.stack([x, (x + right) * 0.5], dim=4).reshape(n, c, 2 * h, 2 * w)


class Conv(nn.Module):
    """Reflection pad, convolution, optional LeakyReLU (the graph's MirrorPad -> Conv -> LeakyRelu)."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, bias: bool = True,
                 act: bool = True) -> None:
        super().__init__()
        if stride == 2:  # TF 'SAME' on an even side: one row and column before, none after
            self.pad = (kernel // 2, 0, kernel // 2, 0)
        else:
            self.pad = (kernel // 2,) * 4
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, bias=bias)
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if any(self.pad):
            x = F.pad(x, self.pad, mode="reflect")
        x = self.conv(x)
        return F.leaky_relu(x, SLOPE) if self.act else x


class Bottleneck(nn.Module):
    """1x1 down, 3x3, 1x1 up (no bias), added to the input, then LeakyReLU."""

    def __init__(self, channels: int = 128, mid: int = 64) -> None:
        super().__init__()
        self.layers = nn.Sequential(Conv(channels, mid, 1), Conv(mid, mid, 3), Conv(mid, channels, 1, bias=False,
                                                                                    act=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.layers(x) + x, SLOPE)


def _moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean = x.mean(dim=(2, 3), keepdim=True)
    centred = x - mean
    return mean, torch.sqrt((centred * centred).mean(dim=(2, 3), keepdim=True) + EPS)


class LADE(nn.Module):
    """Normalise a 3x3 convolution's output by its own statistics and give it those of a 1x1
    convolution of it: the output keeps a learned, input-dependent mean and spread."""

    def __init__(self, channels: int = 16) -> None:
        super().__init__()
        self.conv = Conv(channels, channels, 3, bias=False, act=False)
        self.point = Conv(channels, channels, 1, bias=False, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.conv(x)
        s = self.point(t)
        t_mean, t_std = _moments(t)
        s_mean, s_std = _moments(s)
        return (t - t_mean) / t_std * s_std + s_mean


class AnimeGANv3TinyGenerator(nn.Module):
    """Photo -> anime, NCHW in [-1, 1]; sides must be multiples of 16 (four stride-2 stages)."""

    size_multiple = 16
    min_size = 32  # at 16 px the deepest map is 1x1, which reflection padding cannot pad
    widths = (16, 16, 32, 64, 128)

    def __init__(self) -> None:
        super().__init__()
        w = self.widths
        self.stem = Conv(3, w[0], 7)
        self.down = nn.ModuleList(nn.Sequential(Conv(a, b, 3, stride=2), Conv(b, b, 3)) for a, b in zip(w, w[1:]))
        self.blocks = nn.Sequential(Bottleneck(w[-1], w[-2]), Bottleneck(w[-1], w[-2]))
        # decoder stage i: upsample, conv to the skip's width, add the skip, then two convs (the last stage one)
        self.up = nn.ModuleList(Conv(a, b, 3) for a, b in zip(w[:0:-1], w[-2::-1]))
        self.refine = nn.ModuleList(nn.Sequential(Conv(b, b, 3), Conv(b, b, 3)) for b in w[-2:0:-1])
        self.lade = LADE(w[0])
        self.out = Conv(w[0], 3, 7, bias=False, act=False)

    def published_order(self) -> list[Conv]:
        """The convolutions in the order the published graph runs them: the order in which a
        tf2onnx export of AnimeGANv3_tiny lists its Conv nodes, to load its weights one to one."""
        order = [self.stem, *(c for stage in self.down for c in stage), *(c for b in self.blocks for c in b.layers)]
        for i, conv in enumerate(self.up):
            order += [conv, *(self.refine[i] if i < len(self.refine) else ())]
        return [*order, self.lade.conv, self.lade.point, self.out]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.stem(x)]
        for stage in self.down:
            skips.append(stage(skips[-1]))
        y = self.blocks(skips.pop())
        for i, conv in enumerate(self.up):
            y = conv(upsample2x(y)) + skips.pop()
            if i < len(self.refine):
                y = self.refine[i](y)
        return torch.tanh(self.out(F.leaky_relu(self.lade(y), SLOPE)))
