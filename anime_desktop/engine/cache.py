"""The one owner of every ONNX Runtime session in a process: style models, generators, rankers.

Sessions are expensive (arena memory, graph optimisation), so each model file is opened once
per provider and reused. Changing the provider bumps `generation`: whoever holds a runner
built on a session compares the generation it was built at and rebuilds when it changed, so
a provider switch reaches the live view, the faces gallery and the ranker alike.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from ..core import classical, model_store
from .loader import LoadedModel, classical_model, load_model
from .ranker import Ranker, ranker_for
from .session import SessionConfig


class ModelCache:
    """Sessions keyed by (file, size, mtime, provider, overrides); keeps the last `capacity`."""

    def __init__(self, capacity: int = 4, config: SessionConfig = SessionConfig()) -> None:
        self.capacity = capacity
        self.config = config
        self.generation = 0
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self._diffusion: tuple[tuple, object] | None = None  # one pipeline at most: each is gigabytes

    @property
    def provider(self) -> str:
        return self.config.provider

    def set_provider(self, provider: str) -> None:
        """Drop every session; the next `get` opens them on `provider`."""
        with self._lock:
            self.config = SessionConfig(provider=provider, threads=self.config.threads,
                                        spinning=self.config.spinning)
            self._items.clear()
            self._diffusion = None
            self.generation += 1

    def get(self, model: str | Path, overrides: dict | None = None) -> LoadedModel:
        if classical.get(model):
            return classical_model(str(model))
        _, path = model_store.resolve(str(model))
        key = self._key("model", path, tuple(sorted((overrides or {}).items())))
        return self._cached(key, lambda: load_model(model, self.config, overrides))

    def diffusion(self, spec, progress=None):
        """The DreamShaper pipeline for `spec` (a `diffusion.DreamShaperSource`) on the current provider.

        Imported here, not at the top: torch and diffusers load only when a user runs DreamShaper.
        """
        from ..diffusion import backend

        key = (spec.source, str(spec.sd_config), self.config.provider)
        with self._lock:
            if self._diffusion is not None and self._diffusion[0] == key:
                return self._diffusion[1]
            self._diffusion = None  # free the old pipeline before loading another
        model = backend.load(spec, self.config.provider, progress)
        with self._lock:
            self._diffusion = (key, model)
        return model

    def ranker(self, model_path: Path) -> Ranker | None:
        """The discriminator shipped beside a faces model, on the current provider (None if none)."""
        disc = model_store.discriminator_for(model_path)
        if disc is None:
            return None
        return self._cached(self._key("ranker", disc, ()), lambda: ranker_for(model_path, self.config))

    def _key(self, kind: str, path: Path, extra: tuple) -> tuple:
        stat = Path(path).stat()
        return kind, str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, self.config, extra

    def _cached(self, key: tuple, make):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        item = make()
        with self._lock:
            if key[-2] == self.config:  # not replaced by a provider switch meanwhile
                self._items[key] = item
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
        return item

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._diffusion = None
