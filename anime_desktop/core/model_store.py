"""The installed-models folder: names, lookup, install by copy, removal, stored conventions.

Models are plain `<name>.onnx` files in `paths.models_dir()`, so a user can also drop files
there by hand. Names are lowercase `[a-z0-9._-]` and unique; an install never replaces an
existing model (CONTRACTS.md). Conventions confirmed for third-party files are stored by
the file's SHA-256, so renaming or copying the file keeps them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import paths
from .errors import ModelFileError, ModelNotFoundError
from .types import IOConvention

NAME_RE = re.compile(r"^[a-z0-9._-]+$")


def installed() -> dict[str, Path]:
    """Installed model names -> files, sorted by name."""
    folder = paths.models_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.onnx")) if NAME_RE.match(p.stem)}


def resolve(model: str) -> tuple[str, Path]:
    """(name, path) for an installed name or a path to an `.onnx` file.

    A path's name is its stem, lowercased (CONTRACTS.md: the `<model>` part of output names).
    """
    models = installed()
    if model in models:
        return model, models[model]
    candidate = Path(model).expanduser()
    if candidate.is_file():
        return sanitize_name(candidate.stem), candidate
    known = ", ".join(models) or "none installed"
    raise ModelNotFoundError(
        f"no model '{model}': it is neither an installed model ({known}) nor an existing .onnx file")


def sanitize_name(text: str) -> str:
    """A valid model name from free text: lowercase, spaces and odd characters to '-'."""
    name = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")
    return name or "model"


def derive_name(meta: dict[str, str], source: Path) -> str:
    """`<style>-<precision>` from our metadata (e.g. `hayao-int8`), else the file's stem."""
    style = meta.get("name") or meta.get("style")
    if style:
        base = sanitize_name(style)
        precision = meta.get("precision", "")
        return base if not precision or base.endswith(precision) else f"{base}-{precision}"
    return sanitize_name(source.stem)


def install(source: Path, name: str) -> Path:
    """Copy `source` into the models folder as `<name>.onnx`; a clash is refused."""
    if not NAME_RE.match(name):
        raise ModelFileError(source, f"'{name}' is not a valid model name (use lowercase a-z, 0-9, '.', '_', '-')")
    folder = paths.models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.onnx"
    if target.exists():
        raise ModelFileError(source, f"a model named '{name}' is installed already; choose another name with --name")
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".part", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.link(tmp, target)  # fails if a concurrent install took the name meanwhile
    except FileExistsError:
        raise ModelFileError(source, f"a model named '{name}' is installed already") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def remove(name: str) -> Path:
    models = installed()
    if name not in models:
        raise ModelNotFoundError(f"no installed model named '{name}'")
    models[name].unlink()
    return models[name]


class ConventionStore:
    """JSON map of file SHA-256 -> IOConvention (+ whether a person confirmed it)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "conventions.json"

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def get(self, sha256: str) -> tuple[IOConvention, bool] | None:
        entry = self._read().get(sha256)
        if not entry:
            return None
        try:
            return IOConvention.from_dict(entry["io"]), bool(entry.get("confirmed"))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, sha256: str, io: IOConvention, confirmed: bool = False) -> None:
        data = self._read()
        previous = data.get(sha256) or {}
        if previous.get("confirmed") and not confirmed:
            return  # a person's answer outranks a later automatic probe
        data[sha256] = {"io": io.to_dict(), "confirmed": confirmed}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".conventions-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
