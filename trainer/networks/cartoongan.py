"""CartoonGAN (Chen et al., CVPR 2018): generator and discriminator as in the paper.

G: 7x7 conv; two down blocks (stride-2 conv, flat conv, instance norm, ReLU); 8 residual
blocks; two up blocks (fractionally strided conv, flat conv, norm, ReLU); 7x7 conv; tanh.
Parameters carry the names of the widely used PyTorch port of the published weights
(`conv01_1`, `in01_1.scale`, ... `deconv03_1`), so those state dicts load with strict=True.
That port's instance norm has its own `scale`/`shift` names and eps 1e-9; it feeds BGR.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import sn

RES_BLOCKS = range(4, 12)  # the port numbers its residual blocks 04..11


class InstanceNorm(nn.Module):
    """Affine instance norm with the port's parameter names; biased variance, eps 1e-9."""

    def __init__(self, channels: int, eps: float = 1e-9) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(channels))
        self.shift = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.instance_norm(x, weight=self.scale, bias=self.shift, eps=self.eps)


class CartoonGANGenerator(nn.Module):
    size_multiple = 4

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        c = channels
        self.conv01_1, self.in01_1 = nn.Conv2d(3, c, 7), InstanceNorm(c)
        self.conv02_1, self.conv02_2 = nn.Conv2d(c, 2 * c, 3, 2, 1), nn.Conv2d(2 * c, 2 * c, 3, 1, 1)
        self.in02_1 = InstanceNorm(2 * c)
        self.conv03_1, self.conv03_2 = nn.Conv2d(2 * c, 4 * c, 3, 2, 1), nn.Conv2d(4 * c, 4 * c, 3, 1, 1)
        self.in03_1 = InstanceNorm(4 * c)
        for i in RES_BLOCKS:
            for j in (1, 2):
                setattr(self, f"conv{i:02d}_{j}", nn.Conv2d(4 * c, 4 * c, 3))
                setattr(self, f"in{i:02d}_{j}", InstanceNorm(4 * c))
        self.deconv01_1 = nn.ConvTranspose2d(4 * c, 2 * c, 3, 2, 1, output_padding=1)
        self.deconv01_2, self.in12_1 = nn.Conv2d(2 * c, 2 * c, 3, 1, 1), InstanceNorm(2 * c)
        self.deconv02_1 = nn.ConvTranspose2d(2 * c, c, 3, 2, 1, output_padding=1)
        self.deconv02_2, self.in13_1 = nn.Conv2d(c, c, 3, 1, 1), InstanceNorm(c)
        self.deconv03_1 = nn.Conv2d(c, 3, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.in01_1(self.conv01_1(F.pad(x, (3, 3, 3, 3), mode="reflect"))))
        y = F.relu(self.in02_1(self.conv02_2(self.conv02_1(y))))
        y = F.relu(self.in03_1(self.conv03_2(self.conv03_1(y))))
        for i in RES_BLOCKS:
            block = self._res(i, y)
            y = y + block
        y = F.relu(self.in12_1(self.deconv01_2(self.deconv01_1(y))))
        y = F.relu(self.in13_1(self.deconv02_2(self.deconv02_1(y))))
        return torch.tanh(self.deconv03_1(F.pad(y, (3, 3, 3, 3), mode="reflect")))

    def _res(self, i: int, x: torch.Tensor) -> torch.Tensor:
        conv1, norm1 = getattr(self, f"conv{i:02d}_1"), getattr(self, f"in{i:02d}_1")
        conv2, norm2 = getattr(self, f"conv{i:02d}_2"), getattr(self, f"in{i:02d}_2")
        y = F.relu(norm1(conv1(F.pad(x, (1, 1, 1, 1), mode="reflect"))))
        return norm2(conv2(F.pad(y, (1, 1, 1, 1), mode="reflect")))


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
