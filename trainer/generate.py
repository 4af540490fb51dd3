"""Make fakes from a checkpoint for evaluation: G over the data's inputs, or over seeded latents."""

from __future__ import annotations

from pathlib import Path

import torch

from . import checkpoint
from .config import load as load_config
from .data import FaceData, PairedData, UnpairedData, fit, to_tensor
from .families import FAMILIES

BATCH = 16


def load_generator(path: Path) -> tuple[torch.nn.Module, object, str]:
    """(G in eval mode, its config, family name) from a run, checkpoint folder or snapshot file."""
    file = checkpoint.resolve(path)
    snapshot = file.parent / "generator.pt" if file.name == "state.pt" else file
    data = checkpoint.safe_load(snapshot)
    family = FAMILIES[data["family_name"]]
    saved = dict(data["config"])
    if data["family_name"] == "animeganv3":
        saved.setdefault("generator", "instance")  # snapshots from before the tiny G trained this one
    config = load_config(family.config_class, None, [f"--{k}={v}" for k, v in saved.items()])
    g = family.make_generator(config)
    g.load_state_dict(data["state_dict"])
    return g.eval(), config, data["family_name"]


def untrained_twin(config) -> torch.nn.Module:
    """A generator of the same architecture with fresh initial weights (seeded by the config): the
    starting point a trained generator's scores are compared with."""
    from .networks.common import init_weights

    torch.manual_seed(config.seed)
    g = FAMILIES["dcgan"].make_generator(config) if hasattr(config, "latent_dim") else None
    if g is None:
        raise ValueError("an untrained twin is only made for latent-to-image generators")
    init_weights(g)
    return g.eval()


def _uint8(images: torch.Tensor) -> torch.Tensor:
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def _run(g: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    return torch.cat([_uint8(g(inputs[i:i + BATCH])) for i in range(0, len(inputs), BATCH)])


@torch.no_grad()
def fakes_for(path: Path, data_root: Path, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(real, fake) uint8 NCHW tensors of equal count, ready for `metrics.evaluate`."""
    g, config, name = load_generator(path)
    size = config.image_size
    if name == "dcgan":
        faces = FaceData(data_root, size)
        n = min(len(faces), limit or 1000)
        get = (lambda i: faces.images[i]) if faces.images is not None else faces.files.get
        real = _uint8(to_tensor([fit(get(i), size, None) for i in range(n)]))
        z = torch.randn(n, config.latent_dim, generator=torch.Generator().manual_seed(0))
        return real, _run(g, z)
    if name == "pix2pix":
        pairs = PairedData(data_root, size, config.direction, split="test")
        n = min(len(pairs), limit or len(pairs))
        both = [pairs.pair(i) for i in range(n)]
        sources = to_tensor([fit(a, size, None) for a, _ in both])
        return _uint8(to_tensor([fit(b, size, None) for _, b in both])), _run(g, sources)
    data = UnpairedData(data_root, size)
    n = min(len(data.photos), len(data.styles), limit or 200)
    photos = to_tensor([fit(data.photos.get(i), size, None) for i in range(n)])
    real = _uint8(to_tensor([fit(data.styles.get(i), size, None) for i in range(n)]))
    return real, _run(g, photos)
