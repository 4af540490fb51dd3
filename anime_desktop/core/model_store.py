"""The installed-models folder: names, lookup, install by copy, removal, stored conventions.

Models are plain `<name>.onnx` files in `paths.models_dir()`, so a user can also drop files
there by hand. Names are lowercase `[a-z0-9._-]` and unique; an install never replaces an
existing model (CONTRACTS.md). Conventions confirmed for third-party files are stored by
the file's SHA-256, so renaming or copying the file keeps them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from pydantic import BaseModel, ValidationError

from . import classical, datafiles, modelfile, paths, tempfiles
from .errors import ModelFileError, ModelNotFoundError
from .resources import resource_path
from .types import IOConvention

NAME_RE = re.compile(r"^[a-z0-9._-]+$")
log = logging.getLogger(__name__)
DISCRIMINATOR_SUFFIX = ".disc.onnx"  # a faces model's discriminator, shipped beside it (quality ranking)


def _models_in(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.onnx"))
            if NAME_RE.match(p.stem) and not p.name.startswith(".")  # temporary files are hidden
            and not p.name.endswith(DISCRIMINATOR_SUFFIX)}


def discriminator_for(model: Path) -> Path | None:
    """The discriminator shipped beside a generator file (`<name>.disc.onnx`), if there is one."""
    sibling = Path(model).with_name(Path(model).stem + DISCRIMINATOR_SUFFIX)
    return sibling if sibling.is_file() else None


def installed() -> dict[str, Path]:
    """Installed model names -> files, sorted by name."""
    return _models_in(paths.models_dir())


def shipped() -> dict[str, Path]:
    """Models that come with the app (resources/models): always there, never removed."""
    return _models_in(resource_path("models"))


DREAMSHAPER = "dreamshaper"  # `-m dreamshaper[:SOURCE]` (anime_desktop.diffusion), never an installed file

def reserved(name: str) -> bool:
    """Names an import may not take: the classical `toon` style, DreamShaper and the shipped models."""
    return (name in classical.LOOKS or name == DREAMSHAPER or name.startswith(DREAMSHAPER + ":")
            or name in shipped())


def resolve(model: str, task: str | None = None) -> tuple[str, Path]:
    """(name, path) for an installed or shipped name, or a path to a model file.

    A path's name is its stem, lowercased (CONTRACTS.md: the `<model>` part of output names).
    The classical `toon` style has no file; the engine handles that name before calling this.
    `task` only shapes the error: it lists the models that can do the job that was asked.
    """
    models = {**shipped(), **installed()}
    if model in models:
        return model, models[model]
    candidate = Path(model).expanduser()
    if candidate.is_file():
        return sanitize_name(candidate.stem), candidate
    able = ", ".join(names_for(task)) or "none installed"
    job = JOBS.get(task, "")
    raise ModelNotFoundError(f"no model '{model}': it is neither an installed model nor an existing file; "
                             f"models that can {job or 'be used'}: {able}")


JOBS = {"image-to-image": "stylize", "latent-to-image": "draw faces"}


def names_for(task: str | None = None) -> list[str]:
    """Names of the models that can do `task` (all when None), the built-in `toon` included."""
    names = list(classical.LOOKS) if task in (None, "image-to-image") else []
    for name, path in {**shipped(), **installed()}.items():
        try:
            kind = modelfile.read_metadata(path).get("task", "image-to-image")
        except ModelFileError:
            continue  # an unreadable file can do no job; `models list` shows why
        if task is None or kind == task:
            names.append(name)
    return names


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
    if reserved(name):
        raise ModelFileError(source, f"'{name}' is the name of a model that comes with the app; choose another "
                                     "name with --name")
    folder = paths.models_dir()
    target = folder / f"{name}.onnx"
    if target.exists():
        raise ModelFileError(source, f"a model named '{name}' is installed already; choose another name with --name")
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True)  # a file in the way raises here, not as "installed already"
        tempfiles.sweep_stale(folder)
        _copy_in(source, target, overwrite=False)  # refuses if a concurrent install took the name meanwhile
        disc = discriminator_for(source)
        if disc is not None:  # a faces model keeps its ranking discriminator
            _copy_in(disc, folder / f"{name}{DISCRIMINATOR_SUFFIX}", overwrite=True)
    except FileExistsError:
        if not folder.is_dir():
            raise ModelFileError(folder, "cannot install models here: it is a file, not a folder") from None
        raise ModelFileError(source, f"a model named '{name}' is installed already") from None
    except OSError as exc:
        raise ModelFileError(folder, f"cannot install models here ({exc.strerror or exc}); "
                                     f"check the folder or set {paths.HOME_ENV}") from None
    return target


def _copy_in(source: Path, target: Path, overwrite: bool) -> None:
    with tempfiles.PartFile(target) as part:
        shutil.copyfile(source, part.path)
        part.publish(overwrite)


def remove(name: str) -> Path:
    models = installed()
    if name not in models:
        if reserved(name):
            raise ModelNotFoundError(f"'{name}' comes with the app and cannot be removed")
        raise ModelNotFoundError(f"no installed model named '{name}'")
    models[name].unlink()
    (models[name].with_name(name + DISCRIMINATOR_SUFFIX)).unlink(missing_ok=True)
    return models[name]


def _installed_only(name: str, doing: str) -> Path:
    models = installed()
    if name not in models:
        if reserved(name):
            raise ModelNotFoundError(f"'{name}' comes with the app and cannot be {doing}")
        raise ModelNotFoundError(f"no installed model named '{name}'")
    return models[name]


def set_metadata(name: str, values: dict[str, object]) -> Path:
    """Rewrite an installed model's metadata (style, licence...) atomically.

    The file's SHA-256 changes, so a convention stored for the old bytes (a third-party file
    without our layout keys) is carried over to the new ones.
    """
    path = _installed_only(name, "edited")
    old_sha = modelfile.file_sha256(path)
    modelfile.rewrite_metadata(path, values)
    store = ConventionStore()
    stored = store.get(old_sha)
    if stored is not None:
        store.put(modelfile.file_sha256(path), stored[0], confirmed=stored[1])
    return path


def rename(name: str, new_name: str) -> Path:
    """Give an installed model another name; a clash, a built-in name or an invalid name is refused."""
    path = _installed_only(name, "renamed")
    if not NAME_RE.match(new_name):
        raise ModelFileError(path, f"'{new_name}' is not a valid model name (use lowercase a-z, 0-9, '.', '_', '-')")
    if reserved(new_name):
        raise ModelFileError(path, f"'{new_name}' is the name of a model that comes with the app; choose another")
    target = path.with_name(f"{new_name}.onnx")
    if new_name == name:
        return path
    try:
        os.link(path, target)  # atomic "create only if absent"
    except FileExistsError:
        raise ModelFileError(path, f"a model named '{new_name}' is installed already; choose another name") from None
    except OSError:  # no hard links here (FAT, some shares): check, then rename
        if target.exists():
            raise ModelFileError(path, f"a model named '{new_name}' is installed already; "
                                       "choose another name") from None
        os.replace(path, target)
    else:
        path.unlink()
    disc = path.with_name(name + DISCRIMINATOR_SUFFIX)
    if disc.is_file():
        os.replace(disc, target.with_name(new_name + DISCRIMINATOR_SUFFIX))
    return target


class _StoredConvention(BaseModel):
    """One entry of `conventions.json`; `io` is checked by IOConvention itself."""

    io: dict
    confirmed: bool = False


class ConventionStore:
    """JSON map of file SHA-256 -> IOConvention (+ whether a person confirmed it).

    A cache the app can always rebuild by probing, so anything unusable in it is dropped
    with a warning: a bad file is kept aside as `conventions.json.bad`, a bad entry ignored.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "conventions.json"

    def _read(self) -> dict[str, _StoredConvention]:
        entries = {}
        for sha, entry in (datafiles.read_object(self.path) or {}).items():
            try:
                entries[sha] = _StoredConvention.model_validate(entry)
            except ValidationError:
                log.warning("%s: entry '%s' is unusable; it will be probed again", self.path, sha[:12])
        return entries

    def get(self, sha256: str) -> tuple[IOConvention, bool] | None:
        entry = self._read().get(sha256)
        if entry is None:
            return None
        try:
            return IOConvention.from_dict(entry.io), entry.confirmed
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, sha256: str, io: IOConvention, confirmed: bool = False) -> None:
        data = self._read()
        previous = data.get(sha256)
        if previous is not None and previous.confirmed and not confirmed:
            return  # a person's answer outranks a later automatic probe
        data[sha256] = _StoredConvention(io=io.to_dict(), confirmed=confirmed)
        datafiles.write_object(self.path, {k: v.model_dump(mode="json") for k, v in data.items()})
