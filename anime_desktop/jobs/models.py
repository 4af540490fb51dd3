"""Model housekeeping the window runs on the engine thread: check, install, remove, provider."""

from __future__ import annotations

from pathlib import Path

from ..core import model_store
from ..engine.importer import import_model, trial_run
from ..engine.loader import load_model
from ..engine.session import SessionConfig


def inspect_model(path: Path):
    """Load and test-run a file before import; returns its detected info for confirmation."""
    def fn(ctx):
        model = load_model(path, SessionConfig(provider="cpu"))
        trial_run(model)
        return model.info
    return fn


def install_model(path: Path, name: str | None, overrides: dict | None):
    return lambda ctx: import_model(path, name, overrides)


def remove_model(name: str):
    return lambda ctx: model_store.remove(name)


def provider_in_use(model: str):
    """The provider the model's session really runs on, after any fallback."""
    return lambda ctx: ctx.models.get(model).provider


PROVIDER_LABELS = {"auto": "Automatic (best available)", "cpu": "CPU", "cuda": "CUDA (NVIDIA)",
                   "dml": "DirectML (Windows GPUs)", "coreml": "CoreML (Apple)"}


def provider_choices() -> list[tuple[str, str, str]]:
    """(key, label, why unavailable or "") for each provider choice of this ONNX Runtime build."""
    from ..engine.session import available_choices

    usable = available_choices()
    return [(key, label, "" if key in usable else "not in this ONNX Runtime build")
            for key, label in PROVIDER_LABELS.items()]
