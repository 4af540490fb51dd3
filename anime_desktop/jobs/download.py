"""Importing with what a person says about a model, and "Add from URL...": shared by the CLI and the window.

`import_with_metadata` is the file import plus the style, licence and family the user gave,
written into the installed copy (never into the original file). `download_and_import` fetches
a URL into a temporary file (`core.download`), validates it exactly like a file import (the
importer's test run) and installs it atomically; after any failure nothing is left in the
models folder. Both are Qt-free; `install_from_url` wraps the download as an engine-thread job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core import download, model_store, modelfile
from ..core.errors import ModelFileError
from ..core.progress import Progress
from ..core.types import ModelInfo
from ..engine.importer import import_model

STYLE_MAX, LICENSE_MAX = 80, 100
LICENSE_RE = re.compile(r"^[A-Za-z0-9.+:()\- ]+$")  # SPDX ids and expressions (MIT OR Apache-2.0, LicenseRef-x)
FAMILY_RE = re.compile(r"^[a-z0-9._-]+$")


def metadata_values(style: str | None = None, license: str | None = None,
                    family: str | None = None) -> dict[str, str]:
    """The metadata a person gave, checked; a one-line ValueError for an unusable value."""
    values: dict[str, str] = {}
    if style is not None:
        style = " ".join(style.split())
        if not style or len(style) > STYLE_MAX or not style.isprintable():
            raise ValueError(f"--style wants a short name such as Hayao or Paprika (at most {STYLE_MAX} characters)")
        values["style"] = style
    if license is not None:
        license = license.strip()
        if not license or len(license) > LICENSE_MAX or not LICENSE_RE.match(license):
            raise ValueError(f"--license wants an SPDX identifier such as MIT or CC-BY-NC-4.0, not {license!r}")
        values["license"] = license
    if family is not None:
        family = family.strip().lower()
        if not FAMILY_RE.match(family):
            raise ValueError(f"--family wants a lowercase name such as animeganv3 or cartoongan, not {family!r}")
        values["family"] = family
    return values


def install_name(path: Path, shown: Path, name: str | None, style: str | None) -> str | None:
    """The install name: `name`; else from the given style (`<style>-<precision>`); else from the
    file's metadata or `shown`'s stem; None leaves the choice to the importer (the same name
    `anime-export import` derives)."""
    if name:
        return name
    try:
        meta: dict[str, str] | None = modelfile.read_metadata(path)
    except ModelFileError:
        meta = None  # not ONNX (a .pt the importer converts) or unreadable: the importer says why
    if style:
        given = {k: v for k, v in (meta or {}).items() if k in ("precision",)}
        return model_store.derive_name({**given, "style": style}, shown)
    if path == shown:
        return None
    return model_store.derive_name(meta, shown) if meta is not None else model_store.sanitize_name(shown.stem)


def import_with_metadata(source: str | Path, name: str | None = None, metadata: dict[str, str] | None = None,
                         overrides: dict | None = None, shown: Path | None = None) -> ModelInfo:
    """Validate and install `source`, then write `metadata` into the installed copy.

    `shown` is the name the file has for the user (a download's URL file name) when `source`
    is a temporary file. If the metadata cannot be written the installed copy is removed again.
    """
    source = Path(source)
    metadata = metadata or {}
    chosen = install_name(source, Path(shown or source), name, metadata.get("style"))
    info = import_model(source, chosen, overrides)
    if not metadata:
        return info
    try:
        path = model_store.set_metadata(info.name, metadata)
    except BaseException:
        model_store.remove(info.name)
        raise
    return modelfile.model_info(path, info.name, modelfile.read_metadata(path), info.io)


@dataclass(frozen=True)
class UrlImport:
    info: ModelInfo
    size: int
    sha256: str  # of the downloaded bytes, so a user can pin them (`--sha256`)


def download_and_import(url: str, name: str | None = None, sha256: str | None = None,
                        metadata: dict[str, str] | None = None, overrides: dict | None = None,
                        max_bytes: int = download.DEFAULT_MAX_BYTES, timeout: float = download.DEFAULT_TIMEOUT,
                        progress: Progress | None = None) -> UrlImport:
    """Download `url`, check it (size, hash, a test run) and install it; the temporary file is
    always removed, and the models folder only ever receives a complete, validated file."""
    progress = progress or Progress()
    fetch = progress.sub_progress(0.0, 0.9)
    with download.fetched(url, sha256=sha256, max_bytes=max_bytes, timeout=timeout, progress=fetch) as got:
        progress.set_progress(0.9, "checking the model by a test run")
        progress.check_aborted()
        try:
            info = import_with_metadata(got.path, name, metadata, overrides, shown=Path(got.filename))
        except ModelFileError as exc:
            if exc.path != got.path:
                raise
            raise download.DownloadError(got.url, exc.reason) from None  # name the URL, not the temporary file
    progress.set_progress(1.0, f"installed {info.name}")
    return UrlImport(info=info, size=got.size, sha256=got.sha256)


def install_from_url(url: str, name: str | None = None, sha256: str | None = None,
                     metadata: dict[str, str] | None = None, max_bytes: int = download.DEFAULT_MAX_BYTES,
                     timeout: float = download.DEFAULT_TIMEOUT):
    """The window's "Add from URL..." as an engine-thread job (progress and cancel from its context)."""
    return lambda ctx: download_and_import(url, name, sha256, metadata, None, max_bytes, timeout, ctx.progress)
