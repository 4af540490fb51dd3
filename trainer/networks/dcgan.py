"""DCGAN (Radford et al., 2016) for 64x64 faces, its upsample variant, and conditioning.

The classic G is a transposed-conv stack with batch norm; the variant maps the latent
linearly onto an 8x8 map and grows it with upsample + conv blocks (fewer checkerboard
artefacts), with a spectral-norm + dropout discriminator. Conditional models take a
one-hot label: concatenated to z in G, and as constant label planes in D. Attribute models
(several labels per face: hair, eyes, ...) have one learned embedding per attribute, concatenated
to z in G; D is a projection discriminator (Miyato & Koyama 2018): each attribute's embedding of
the asked-for value is dotted with D's pooled features and added to its logit, and optional
auxiliary heads classify each attribute (AC-GAN, Odena et al. 2017).
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


class Conditioning(nn.Module):
    """z joined with what G is asked for: nothing, a one-hot label, or one embedding per attribute."""

    def __init__(self, num_classes: int = 0, attribute_sizes: tuple[int, ...] = (), embed_dim: int = 16) -> None:
        super().__init__()
        self.num_classes, self.attribute_sizes = num_classes, tuple(attribute_sizes)
        self.embeds = nn.ModuleList(nn.Embedding(n, embed_dim) for n in self.attribute_sizes)
        self.width = num_classes + embed_dim * len(self.attribute_sizes)

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None) -> torch.Tensor:
        if not self.attribute_sizes:
            return _with_labels(z, condition, self.num_classes)
        if condition is None or condition.dim() != 2 or condition.shape[1] != len(self.attribute_sizes):
            raise ValueError(f"this generator takes attributes: an (N, {len(self.attribute_sizes)}) tensor")
        return torch.cat([z, *(e(condition[:, i]).to(z.dtype) for i, e in enumerate(self.embeds))], dim=1)


class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim: int = 100, ngf: int = 64, num_classes: int = 0, act: str = "relu",
                 attribute_sizes: tuple[int, ...] = (), embed_dim: int = 16) -> None:
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.condition = Conditioning(num_classes, attribute_sizes, embed_dim)
        zin = latent_dim + self.condition.width
        chans = [ngf * 8, ngf * 4, ngf * 2, ngf]
        layers: list[nn.Module] = [nn.ConvTranspose2d(zin, chans[0], 4, 1, 0, bias=False),
                                   nn.BatchNorm2d(chans[0]), activation(act)]
        for a, b in zip(chans, chans[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), activation(act)]
        layers += [nn.ConvTranspose2d(chans[-1], 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self.condition(z, labels)[:, :, None, None])


class UpsampleGenerator(nn.Module):
    """Linear -> 8x8 map -> three (upsample x2, conv, BN, ReLU) blocks -> 64x64."""

    def __init__(self, latent_dim: int = 100, ngf: int = 64, num_classes: int = 0, act: str = "relu",
                 attribute_sizes: tuple[int, ...] = (), embed_dim: int = 16) -> None:
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.base = ngf * 8
        self.condition = Conditioning(num_classes, attribute_sizes, embed_dim)
        self.project = nn.Sequential(nn.Linear(latent_dim + self.condition.width, self.base * 64, bias=False),
                                     nn.BatchNorm1d(self.base * 64), activation(act))
        chans = [ngf * 8, ngf * 4, ngf * 2, ngf]
        blocks: list[nn.Module] = []
        for a, b in zip(chans, chans[1:]):
            blocks += [nn.Upsample(scale_factor=2.0, mode="nearest"), nn.Conv2d(a, b, 3, 1, 1, bias=False),
                       nn.BatchNorm2d(b), activation(act)]
        blocks += [nn.Conv2d(chans[-1], 3, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*blocks)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self.project(self.condition(z, labels)).view(-1, self.base, 8, 8))


class DCGANDiscriminator(nn.Module):
    """64x64 image -> one logit. `variant`: spectral norm + dropout instead of batch norm;
    `norm="layer"`: layer norm (GroupNorm with one group) where the classic D has batch norm."""

    def __init__(self, ndf: int = 64, num_classes: int = 0, variant: bool = False, dropout: float = 0.3,
                 norm: str = "batch", attribute_sizes: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.num_classes, self.attribute_sizes = num_classes, tuple(attribute_sizes)
        self.projections = nn.ModuleList(sn(nn.Embedding(n, ndf * 8), variant) for n in self.attribute_sizes)
        self.heads = nn.ModuleList(nn.Linear(ndf * 8, n) for n in self.attribute_sizes)
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
        if self.attribute_sizes:
            pooled = hidden.sum(dim=(2, 3))
            for i, embed in enumerate(self.projections):
                logits = logits + (embed(labels[:, i]).to(pooled.dtype) * pooled).sum(1, keepdim=True)
        return (logits, hidden) if features else logits

    def classify(self, hidden: torch.Tensor) -> list[torch.Tensor]:
        """Each attribute's class logits from D's last hidden features (the auxiliary heads)."""
        pooled = hidden.mean(dim=(2, 3))
        return [head(pooled) for head in self.heads]


def _with_labels(z: torch.Tensor, labels: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    if not num_classes:
        return z
    if labels is None:
        raise ValueError("this generator is conditional: pass labels")
    return torch.cat([z, F.one_hot(labels, num_classes).to(z.dtype)], dim=1)
