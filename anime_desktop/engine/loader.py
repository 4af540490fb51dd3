"""Open a model by name or path: session, convention (metadata > stored > probed), info.

One `ModelCache` per process keeps one session per model file and provider, because
sessions are expensive (arena memory, graph optimisation) and the engine thread reuses them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import model_store, modelfile, toon
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


def toon_model() -> LoadedModel:
    """The reserved `toon` name: the classical renderer behind the same interface as a model file."""
    info = ModelInfo(path=Path(toon.NAME), name=toon.NAME, family="classical", style="toon",
                     precision="classical", license="Apache-2.0", source="anime_desktop.core.toon",
                     io=IOConvention(), has_metadata=True)
    return LoadedModel(info=info, session=None, input_name="", provider=CLASSICAL_PROVIDER, sha256="",
                       render=toon.render)


def load_model(model: str | Path, config: SessionConfig = SessionConfig(),
               overrides: dict | None = None, store: model_store.ConventionStore | None = None) -> LoadedModel:
    """Load `model` (installed or shipped name, `toon`, or .onnx path) and work out how to feed it."""
    if str(model) == toon.NAME:
        return toon_model()
    name, path = model_store.resolve(str(model))
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


class ModelCache:
    """Sessions keyed by (file, size, mtime, provider, overrides); keeps the last `capacity`."""

    def __init__(self, capacity: int = 3, config: SessionConfig = SessionConfig()) -> None:
        self.capacity = capacity
        self.config = config
        self._items: OrderedDict[tuple, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model: str | Path, provider: str | None = None, overrides: dict | None = None) -> LoadedModel:
        if str(model) == toon.NAME:
            return toon_model()
        _, path = model_store.resolve(str(model))
        stat = Path(path).stat()
        config = SessionConfig(provider=provider or self.config.provider, threads=self.config.threads,
                               spinning=self.config.spinning)
        key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, config,
               tuple(sorted((overrides or {}).items())))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        loaded = load_model(model, config, overrides)
        with self._lock:
            self._items[key] = loaded
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return loaded

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
