"""The one resolver for files under `resources/` (ARCHITECTURE.md convention 8).

In a wheel or a PyInstaller bundle the folder sits inside the package
(`anime_desktop/resources`); in a checkout or an editable install it is the repository's
top-level `resources/`. Never a path relative to the current directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def resources_root() -> Path:
    candidates = [_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / "anime_desktop" / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]


def resource_path(*parts: str) -> Path:
    """Path of a file under resources/, e.g. `resource_path("samples", "kodim23.png")`."""
    return resources_root().joinpath(*parts)
