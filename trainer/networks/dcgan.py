"""DCGAN (Radford et al., 2016) for 64x64 faces, its upsample variant, and conditioning.

The classic G is a transposed-conv stack with batch norm; the variant maps the latent
linearly onto an 8x8 map and grows it with upsample + conv blocks (fewer checkerboard
artefacts), with a spectral-norm + dropout discriminator. Conditional models take a
one-hot label: concatenated to z in G, and as constant label planes in D.
G takes z as (N, latent_dim) so the exported model has the app's latent input. `act` picks G's
hidden activation (the paper's ReLU, or the report's LeakyReLU); a WGAN-GP critic swaps batch
norm for layer norm, since the gradient penalty is per sample and batch norm couples samples
(Gulrajani et al. 2017, sec. 4).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import activation, sn


class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim: int = 100, ngf: int = 64, num_classes: int = 0, act: str = "relu") -> None:
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        zin = latent_dim + num_classes
        chans = [ngf * 8, ngf * 4, ngf * 2, ngf]
        layers: list[nn.Module] = [nn.ConvTranspose2d(zin, chans[0], 4, 1, 0, bias=False),
                                   nn.BatchNorm2d(chans[0]), activation(act)]
        for a, b in zip(chans, chans[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), activation(act)]
        layers += [nn.ConvTranspose2d(chans[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        z = _with_labels(z, labels, self.num_classes)
        return self.net(z[:, :, None, None])


class UpsampleGenerator(nn.Module):
    """Linear -> 8x8 map -> three (upsample x2, conv, BN, ReLU) blocks -> 64x64."""

    def __init__(self, latent_dim: int = 100, ngf: int = 64, num_classes: int = 0, act: str = "relu") -> None:
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.base = ngf * 8
        self.project = nn.Sequential(nn.Linear(latent_dim + num_classes, self.base * 64, bias=False),
                                     nn.BatchNorm1d(self.base * 64), activation(act))
        chans = [ngf * 8, ngf * 4, ngf * 2, ngf]
        blocks: list[nn.Module] = []
        for a, b in zip(chans, chans[1:]):
            blocks += [nn.Upsample(scale_factor=2.0, mode="nearest"), nn.Conv2d(a, b, 3, 1, 1, bias=False),
                       nn.BatchNorm2d(b), activation(act)]
        blocks += [nn.Conv2d(chans[-1], 3, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*blocks)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        z = _with_labels(z, labels, self.num_classes)
        return self.net(self.project(z).view(-1, self.base, 8, 8))


class DCGANDiscriminator(nn.Module):
    """64x64 image -> one logit. `variant`: spectral norm + dropout instead of batch norm;
    `norm="layer"`: layer norm (GroupNorm with one group) where the classic D has batch norm."""

    def __init__(self, ndf: int = 64, num_classes: int = 0, variant: bool = False, dropout: float = 0.3,
                 norm: str = "batch") -> None:
        super().__init__()
        self.num_classes = num_classes
        chans = [3 + num_classes, ndf, ndf * 2, ndf * 4, ndf * 8]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(chans, chans[1:])):
            layers.append(sn(nn.Conv2d(a, b, 4, 2, 1, bias=variant), variant))
            if i > 0 and not variant:
                layers.append(nn.BatchNorm2d(b) if norm == "batch" else nn.GroupNorm(1, b))
            layers.append(nn.LeakyReLU(0.2, True))
            if variant and dropout:
                layers.append(nn.Dropout(dropout))
        layers.append(sn(nn.Conv2d(chans[-1], 1, 4, 1, 0), variant))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, features: bool = False):
        """Logits (N, 1); with `features`, also the last hidden activations (N, 8*ndf, 4, 4), the
        layer feature matching compares."""
        if self.num_classes:
            planes = F.one_hot(labels, self.num_classes).to(x.dtype)[:, :, None, None]
            x = torch.cat([x, planes.expand(-1, -1, x.shape[2], x.shape[3])], dim=1)
        hidden = self.net[:-1](x)
        logits = self.net[-1](hidden).flatten(1)
        return (logits, hidden) if features else logits


def _with_labels(z: torch.Tensor, labels: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    if not num_classes:
        return z
    if labels is None:
        raise ValueError("this generator is conditional: pass labels")
    return torch.cat([z, F.one_hot(labels, num_classes).to(z.dtype)], dim=1)
