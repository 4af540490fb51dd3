"""The VGG19 feature extractor behind content and style losses.

Weights come from a file the user names (`--content-weights`), or torchvision's cache when
it already holds them; nothing is ever downloaded here. `random=True` builds a randomly
initialised VGG19 so the real code path runs in tests and experiments (loudly warned).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

log = logging.getLogger(__name__)
VGG19_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's IMAGENET1K_V1 file name
CONV4_4 = 26  # index after relu4_4 in torchvision's vgg19().features; AnimeGAN uses conv4_4 features


class MissingWeights(RuntimeError):
    """The content network's weights are not on this machine; the message says how to get them."""


def cached_vgg19() -> Path | None:
    path = Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE
    return path if path.is_file() else None


class ContentNet(nn.Module):
    """Frozen VGG19 features up to conv4_4, taking images in [-1, 1]."""

    def __init__(self, weights: str | Path | None = None, random: bool = False) -> None:
        super().__init__()
        from torchvision.models import vgg19

        net = vgg19(weights=None)
        if random:
            log.warning("CONTENT NETWORK IS RANDOMLY INITIALISED (--random-content-net): content and style "
                        "losses will not mean what the papers mean; use only for tests and experiments")
        else:
            path = Path(weights) if weights else cached_vgg19()
            if path is None or not path.is_file():
                raise MissingWeights(
                    "VGG19 weights are needed for the content loss and are not here. Download "
                    f"torchvision's {VGG19_FILE} on a connected machine and pass --content-weights PATH "
                    f"(or put it in {Path(torch.hub.get_dir()) / 'checkpoints'}); for experiments only, "
                    "--random-content-net runs without them")
            net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        self.features = net.features[:CONV4_4].eval()
        for p in self.features.parameters():
            p.requires_grad_(False)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def train(self, mode: bool = True) -> ContentNet:
        return super().train(False)  # always frozen, even inside a model put in train mode

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.features(((images + 1) / 2 - self.mean) / self.std)
