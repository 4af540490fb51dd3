"""Published PyTorch weights -> app models: the app's one converter, without torch.

`anime-export import FILE.pt` and `anime-desktop models import FILE.pt` both go through
`anime_desktop.engine.importer.import_model`, which reads the checkpoint with a restricted
unpickler (core.torchfile: tensors and plain containers only, nothing in the file runs),
recognises the architecture by its parameter names (animegan2-pytorch or the CartoonGAN
port), builds the ONNX graph with `onnx.helper` (core.torch_graphs), writes our metadata,
test-runs it and installs it: the same file under the same derived name either way.
"""

from __future__ import annotations

from pathlib import Path

from anime_desktop.core import torch_graphs
from anime_desktop.core.types import ModelInfo
from anime_desktop.engine.importer import import_model


def convert(path: Path, out: Path, style: str = "", license: str = "", source: str = "", family: str = "") -> Path:
    """A published .pt/.pth generator -> an FP32 .onnx with our metadata (no install)."""
    return torch_graphs.convert(path, out, style, license, source, family)


def import_pytorch(path: Path, name: str | None = None, style: str = "", license: str = "",
                   source: str = "", family: str = "") -> ModelInfo:
    facts = {"style": style, "license": license, "source": source, "family": family}
    return import_model(path, name, facts={k: v for k, v in facts.items() if v})
