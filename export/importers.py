"""Published PyTorch weights -> app models, through the trainer's networks.

The file is read with `torch.load(weights_only=True)` (no pickled code runs), recognised
by its parameter names, loaded with `strict=True` into the matching generator, exported
with metadata, and installed through the app's one importer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from anime_desktop.core.types import ModelInfo
from anime_desktop.engine.importer import import_model
from trainer.checkpoint import safe_load
from trainer.networks.animegan import AnimeGANv2Generator
from trainer.networks.cartoongan import CartoonGANGenerator

from .to_onnx import convention_for, export_module

KNOWN = {
    # family: (build the generator, export facts, channel order the published code feeds)
    "animegan": (AnimeGANv2Generator, {"family": "animegan", "size_multiple": 4}, "RGB"),
    "cartoongan": (CartoonGANGenerator, {"family": "cartoongan", "size_multiple": 4}, "BGR"),
}


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    data = safe_load(path)
    for key in ("state_dict", "generator", "g", "model"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise ValueError(f"{path}: not a state dict of tensors")
    return {k.removeprefix("module."): v for k, v in data.items()}


def recognise(state: dict[str, torch.Tensor], path: Path) -> str:
    keys = set(state)
    for family, (build, _, _) in KNOWN.items():
        if keys == set(build().state_dict()):
            return family
    sample = ", ".join(sorted(keys)[:4])
    raise ValueError(f"{path}: unrecognised weights (keys like {sample}); supported: animegan2-pytorch "
                     "generators and CartoonGAN PyTorch-port generators")


def convert(path: Path, out: Path, style: str = "", license: str = "", source: str = "") -> Path:
    """A published .pt/.pth generator -> an FP32 .onnx with our metadata."""
    state = read_state_dict(path)
    family = recognise(state, path)
    build, info, order = KNOWN[family]
    g = build()
    g.load_state_dict(state, strict=True)
    io = convention_for(info, channel_order=order)
    meta = {"family": family, "task": "image-to-image", "role": "generator", "style": style or path.stem,
            "precision": "fp32", "license": license or "unknown", "source": source or path.name}
    return export_module(g, io, out, meta)


def import_pytorch(path: Path, name: str | None = None, style: str = "", license: str = "",
                   source: str = "") -> ModelInfo:
    with tempfile.TemporaryDirectory(prefix="anime-export-") as tmp:
        onnx_file = convert(path, Path(tmp) / f"{path.stem}.onnx", style, license, source)
        return import_model(onnx_file, name)
