"""One typed Settings object, stored as JSON under the platform's config folder.

Why not QSettings: the CLI and tests must read the same settings without Qt, and a JSON
file with a schema version can be migrated and inspected by hand (ARCHITECTURE.md
convention 7). Why pydantic: it checks every field on read (napari's settings do the same),
so a hand-edited or foreign file cannot crash the app: a field of the wrong type falls back
to its default with one warning naming it, and a file that is not a JSON object is kept
aside as `settings.json.bad` (`datafiles`). Unknown keys from newer versions are kept in
`extra`, never dropped, and a newer `schema_version` is read as far as this version can.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import datafiles, paths

SCHEMA_VERSION = 1
PROVIDERS = ("auto", "cpu", "cuda", "dml", "coreml")
THEMES = ("dark", "light")
OUTPUT_FORMATS = ("png", "jpg", "webp")

log = logging.getLogger(__name__)


class Settings(BaseModel):
    """Everything the app remembers between runs; attributes are read and assigned directly."""

    # Assignment is not re-validated: views assign values they produced themselves, and the next
    # load validates the file anyway. Strict: a number never silently becomes a model name.
    model_config = ConfigDict(strict=True, extra="ignore")

    schema_version: int = Field(SCHEMA_VERSION, ge=0)
    last_model: str = ""
    provider: Literal["auto", "cpu", "cuda", "dml", "coreml"] = "auto"
    last_input_dir: str = ""
    last_output_dir: str = ""
    output_format: Literal["png", "jpg", "webp"] = "png"
    jpeg_quality: int = Field(95, ge=1, le=100)
    max_side: int = Field(0, ge=0)
    tile_mp: float = Field(2.0, gt=0)
    work_mp: float | None = Field(None, ge=0, le=50)  # working size: None each model's own, 0 full (worksize.py)
    keep_colours: float = Field(0.0, ge=0, le=1)
    compare_models: list[str] = Field(default_factory=list)
    dreamshaper: dict = Field(default_factory=dict)  # the Stylize panel's prompt, strength, steps, seed...
    window_geometry: str = ""
    window_state: str = ""
    theme: Literal["dark", "light"] = "dark"
    live_size: int = Field(384, ge=16)  # live view processing short side
    live_mirror: bool = False
    live_split: bool = False
    live_steady: bool = False
    live_folder: str = ""  # snapshots and recordings (default: Pictures/Anime Desktop)
    extra: dict = Field(default_factory=dict)  # keys this version does not know, kept for newer ones

    @classmethod
    def path(cls) -> Path:
        return paths.config_dir() / "settings.json"

    @classmethod
    def load(cls) -> Settings:
        """Read settings; whatever is in the file, this returns usable settings (never raises)."""
        path = cls.path()
        raw = datafiles.read_object(path)
        if raw is None:
            return cls()
        return cls._from_raw(_migrate(raw, path), path)

    @classmethod
    def _from_raw(cls, raw: dict, where: Path | str = "settings") -> Settings:
        extra = raw.pop("extra", None)
        extra = dict(extra) if isinstance(extra, dict) else {}
        extra.update({k: v for k, v in raw.items() if k not in cls.model_fields})
        settings = datafiles.validate_fields(cls, raw, where)
        settings.extra = extra
        return settings

    def save(self) -> None:
        """Write atomically, so a crash mid-save never leaves a broken settings file."""
        data = self.model_dump(mode="json")
        extra = data.pop("extra")
        data.update({k: v for k, v in extra.items() if k not in data})
        datafiles.write_object(self.path(), data)


def _migrate(raw: dict, path: Path) -> dict:
    """Bring an older file up to SCHEMA_VERSION, one step at a time; a newer one is read as is."""
    version = raw.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        datafiles.warn_once(f"{path}: field 'schema_version' has an unusable value; reading it as "
                            f"version {SCHEMA_VERSION}")
        raw["schema_version"] = version = SCHEMA_VERSION
    if version < 1:
        # Version 0 (unreleased builds) called the provider "execution_provider".
        if "execution_provider" in raw:
            raw["provider"] = raw.pop("execution_provider")
        raw["schema_version"] = 1
    elif version > SCHEMA_VERSION:
        datafiles.warn_once(f"{path} was written by a newer Anime Desktop (schema {version}); reading the "
                            "settings this version knows and keeping the rest")
    return raw
