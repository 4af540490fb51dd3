"""Build the installer from a clean slate: the one documented build command.

    python3 scripts/build_bundle.py [--reuse-venv]

Makes a fresh virtual environment in build/bundle-venv holding only the app's runtime dependencies and
PyInstaller (`pip install '.[cpu,bundle]'`, not editable, so the package is built the way users get it and
no torch can be found even by accident), checks that torch is not importable there, then runs
`pyinstaller anime_desktop.spec`. Output: dist/anime-desktop/ (and on Linux
dist/anime-desktop-<version>-linux-x86_64.tar.gz). The same steps by hand:

    python3 -m venv build/bundle-venv && build/bundle-venv/bin/pip install '.[cpu,bundle]'
    build/bundle-venv/bin/pyinstaller --noconfirm --clean anime_desktop.spec
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / "build" / "bundle-venv"
BIN = VENV / ("Scripts" if sys.platform == "win32" else "bin")


def step(label: str, args: list) -> None:
    started = time.perf_counter()
    print(f"== {label}: {' '.join(str(a) for a in args)}", flush=True)
    subprocess.run([str(a) for a in args], cwd=REPO, check=True)
    print(f"== {label}: {time.perf_counter() - started:.0f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse-venv", action="store_true", help="keep build/bundle-venv, reinstall the app only")
    ns = parser.parse_args()
    python = BIN / ("python.exe" if sys.platform == "win32" else "python")
    if ns.reuse_venv and python.is_file():
        step("reinstall the app", [python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", "."])
    else:
        shutil.rmtree(VENV, ignore_errors=True)
        step("fresh venv", [sys.executable, "-m", "venv", VENV])
        step("runtime deps + PyInstaller", [python, "-m", "pip", "install", "-q", ".[cpu,bundle]"])
    found = subprocess.run([python, "-c", "import importlib.util as u; print(u.find_spec('torch') is not None)"],
                           capture_output=True, text=True, check=True).stdout.strip()
    if found != "False":
        print("error: torch is importable in the bundle venv; it must hold only .[cpu,bundle]", file=sys.stderr)
        return 1
    for old in (REPO / "dist" / "anime-desktop", *(REPO / "dist").glob("anime-desktop-*.tar.gz")):
        # a fresh clone has no earlier build: nothing to remove is fine
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    step("pyinstaller", [python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                         "--distpath", REPO / "dist", "--workpath", REPO / "build" / "pyinstaller",
                         REPO / "anime_desktop.spec"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
