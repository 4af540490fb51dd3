"""Optional extras: a feature whose packages are not installed says, in one line, which pip extra brings them.

CONTRACTS.md "Missing extras": a command or option that needs `train`, `diffusion`, `cluster` or `bundle`
names `pip install 'anime-desktop[EXTRA]'` and exits 1 (the CLI turns this error into one line). In the
installer bundle those packages are left out on purpose (no torch inside), so there the line also says
that the feature needs the Python package, not the bundle. `require` checks with `find_spec`, so nothing
heavy is imported to find out.
"""

from __future__ import annotations

import importlib.util
import sys

from .errors import AnimeDesktopError

EXTRAS = {"train": "torch", "diffusion": "diffusers", "cluster": "ray", "bundle": "PyInstaller"}


class MissingExtra(AnimeDesktopError):
    """A feature's optional packages are not installed; `str()` is the one line to print."""

    def __init__(self, feature: str, extra: str) -> None:
        self.feature, self.extra = feature, extra
        where = (" (the installer bundle leaves it out: install the Python package with pip instead)"
                 if getattr(sys, "frozen", False) else "")
        super().__init__(f"{feature} needs the '{extra}' extra: pip install 'anime-desktop[{extra}]'{where}")


def available(extra: str) -> bool:
    try:
        return importlib.util.find_spec(EXTRAS[extra]) is not None
    except (ImportError, ValueError):
        return False


def require(extra: str, feature: str) -> None:
    """Raise MissingExtra unless the extra's main package can be imported."""
    if not available(extra):
        raise MissingExtra(feature, extra)
