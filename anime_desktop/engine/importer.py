"""The app's one model importer: validate by a test run, then install into the models folder.

Used by `anime-desktop models import`, the window's Models view and `anime-export import`,
so every model arrives the same way: it must load, run on a small image and give a picture
back before it is accepted; a third-party file's confirmed convention is stored by SHA-256.
PyTorch weights (`.pt`/`.pth`) of a known architecture are first converted to ONNX without
torch (core.torch_graphs, reading the file with core.torchfile's restricted unpickler).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..core import model_store, modelfile, torch_graphs
from ..core.errors import InferenceError, ModelFileError
from ..core.types import ModelInfo
from .loader import load_model
from .runners import GeneratorRunner, StylizeRunner
from .session import SessionConfig


def trial_run(model) -> np.ndarray:
    """Run the model once on a small input; returns the picture it made."""
    io = model.info.io
    if io.latent_dim:
        return GeneratorRunner(model).generate(np.zeros((1, io.latent_dim), np.float32))[0]
    side = max(64, io.min_size)
    gradient = np.linspace(0, 255, side * side * 3).reshape(side, side, 3).astype(np.uint8)
    return StylizeRunner(model).run(gradient)


PYTORCH_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin")
FACTS = ("style", "license", "source", "family")


def is_pytorch_file(path: str | Path) -> bool:
    """Named `.pt`/`.pth`/..., or (a download's temporary name) starting like a torch.save file:
    a zip archive or a pickle stream; ONNX files start with a protobuf field tag instead."""
    path = Path(path)
    if path.suffix.lower() in PYTORCH_SUFFIXES:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head == b"PK\x03\x04" or head[:1] == b"\x80"


def import_model(source: str | Path, name: str | None = None, overrides: dict | None = None,
                 facts: dict[str, str] | None = None) -> ModelInfo:
    """Validate `source` and copy it into the models folder; returns the installed model's info.

    `.pt`/`.pth` files are converted first (no torch); `facts` (style, license, source,
    family) then fill their metadata, defaulting to the file's stem, "unknown", the file's
    name and the recognised architecture.
    """
    source = Path(source)
    if not source.is_file():
        raise ModelFileError(source, "no such file")
    if is_pytorch_file(source):
        unknown = set(facts or {}) - set(FACTS)
        if unknown:
            raise ValueError(f"unknown facts: {sorted(unknown)}")
        with tempfile.TemporaryDirectory(prefix="anime-import-") as tmp:
            converted = torch_graphs.convert(source, Path(tmp) / f"{source.stem}.onnx",
                                             **{k: v for k, v in (facts or {}).items() if v})
            return _install(converted, name, None)
    return _install(source, name, overrides)


def _install(source: Path, name: str | None, overrides: dict | None) -> ModelInfo:
    model = load_model(source, SessionConfig(provider="cpu"), overrides)
    try:
        picture = trial_run(model)
    except InferenceError as exc:
        raise ModelFileError(source, f"it loads but fails a test run: {exc}") from None
    if picture.ndim != 3 or picture.shape[2] != 3:
        raise ModelFileError(source, f"its test run gave shape {picture.shape}, not an RGB image")
    meta = modelfile.read_metadata(source)
    if not model.info.has_metadata:
        model_store.ConventionStore().put(model.sha256, model.info.io, confirmed=True)
    target = model_store.install(source, name or model_store.derive_name(meta, source))
    return modelfile.model_info(target, target.stem, meta, model.info.io)
