"""One typed Settings object, stored as JSON under the platform's config folder.

Why not QSettings: the CLI and tests must read the same settings without Qt, and a JSON
file with a schema version can be migrated and inspected by hand (ARCHITECTURE.md
convention 7). Unknown keys from newer versions are kept, never dropped.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from . import paths

SCHEMA_VERSION = 1
PROVIDERS = ("auto", "cpu", "cuda", "dml", "coreml")

log = logging.getLogger(__name__)


@dataclass
class Settings:
    schema_version: int = SCHEMA_VERSION
    last_model: str = ""
    provider: str = "auto"
    last_input_dir: str = ""
    last_output_dir: str = ""
    output_format: str = "png"
    jpeg_quality: int = 95
    max_side: int = 0
    tile_mp: float = 2.0
    keep_colours: float = 0.0
    compare_models: list[str] = field(default_factory=list)
    window_geometry: str = ""
    window_state: str = ""
    theme: str = "dark"
    live_size: int = 384  # live view processing short side
    live_mirror: bool = False
    live_split: bool = False
    live_steady: bool = False
    live_folder: str = ""  # snapshots and recordings (default: Pictures/Anime Desktop)
    extra: dict = field(default_factory=dict)

    @classmethod
    def path(cls) -> Path:
        return paths.config_dir() / "settings.json"

    @classmethod
    def load(cls) -> Settings:
        """Read settings; a missing or unreadable file gives defaults (and a log line)."""
        path = cls.path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", path, exc)
            return cls()
        return cls._from_raw(_migrate(raw))

    @classmethod
    def _from_raw(cls, raw: dict) -> Settings:
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in raw.items() if k in names}
        extra = dict(known.pop("extra", {}) or {})
        extra.update({k: v for k, v in raw.items() if k not in names})
        settings = cls(**known, extra=extra)
        if settings.provider not in PROVIDERS:
            settings.provider = "auto"
        return settings

    def save(self) -> None:
        """Write atomically, so a crash mid-save never leaves a broken settings file."""
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        extra = data.pop("extra")
        data.update({k: v for k, v in extra.items() if k not in data})
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _migrate(raw: dict) -> dict:
    """Bring an older file up to SCHEMA_VERSION, one step at a time."""
    version = int(raw.get("schema_version", 0) or 0)
    if version < 1:
        # Version 0 (unreleased builds) called the provider "execution_provider".
        if "execution_provider" in raw:
            raw["provider"] = raw.pop("execution_provider")
        raw["schema_version"] = 1
    return raw
