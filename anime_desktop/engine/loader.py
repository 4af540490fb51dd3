"""Open a model by name or path: session, convention (metadata > stored > probed), info.

Sessions are kept and reused by `engine.cache.ModelCache`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import classical, model_store, modelfile, toon
from ..core.errors import ModelFileError
from ..core.types import IOConvention, ModelInfo
from . import detect
from .session import SessionConfig, open_session


@dataclass
class LoadedModel:
    """A ready session plus everything needed to feed it."""

    info: ModelInfo
    session: object
    input_name: str
    provider: str
    sha256: str
    render: Callable[[np.ndarray], np.ndarray] | None = None  # a classical style: no session


CLASSICAL_PROVIDER = "CPU (OpenCV)"


def classical_model(name: str) -> LoadedModel:
    """A reserved classical look (`toon`, `cel`): its renderer behind the same interface as a model file."""
    look = classical.LOOKS[name]
    info = ModelInfo(path=Path(look.name), name=look.name, family="classical", style=look.style,
                     precision="classical", license="Apache-2.0", source=f"anime_desktop.core.{look.name}",
                     io=IOConvention(), has_metadata=True, work_mp=look.work_mp)
    return LoadedModel(info=info, session=None, input_name="", provider=CLASSICAL_PROVIDER, sha256="",
                       render=look.render)


def toon_model() -> LoadedModel:
    """The reserved `toon` name (the default model's teacher)."""
    return classical_model(toon.NAME)


def load_model(model: str | Path, config: SessionConfig = SessionConfig(),
               overrides: dict | None = None, store: model_store.ConventionStore | None = None,
               task: str | None = None) -> LoadedModel:
    """Load `model` (installed or shipped name, `toon`, or .onnx path) and work out how to feed it.

    `task` (image-to-image, latent-to-image) names the job the caller wants: an unknown name's
    error then lists only the models that can do it.
    """
    if classical.get(model):
        return classical_model(str(model))
    name, path = model_store.resolve(str(model), task)
    meta = modelfile.read_metadata(path)  # raises ModelFileError for non-ONNX / truncated files
    session, provider = open_session(path, config)
    shape = detect.input_shape(session)
    _check_output(session, path)
    sha = modelfile.file_sha256(path)
    io = _convention(session, shape, path, meta, sha, store or model_store.ConventionStore())
    if overrides:
        io = io.with_(**{k: v for k, v in overrides.items() if v is not None})
    info = modelfile.model_info(path, name, meta, io)
    return LoadedModel(info=info, session=session, input_name=shape.name, provider=provider, sha256=sha)


def _convention(session, shape, path: Path, meta: dict, sha: str, store) -> IOConvention:
    from_meta = modelfile.convention_from_metadata(meta, path)
    if from_meta is not None:
        return from_meta.with_(input_dtype=shape.dtype)
    stored = store.get(sha)
    if stored is not None:
        return stored[0].with_(input_dtype=shape.dtype)
    io = detect.probe_sizes(session, shape, detect.static_convention(shape, path), path)
    store.put(sha, io, confirmed=False)
    return io


def _check_output(session, path: Path) -> None:
    out = session.get_outputs()[0]
    if len(out.shape) != 4:
        raise ModelFileError(path, f"its output has shape {out.shape}; an image model must output 4 dimensions")
    if "float" not in out.type:
        raise ModelFileError(path, f"its output is {out.type}; expected a float image")
