"""The installer's CI check (its own `.ci/run` step, not pytest): build the bundle, then prove it works.

    python3 scripts/check_bundle.py [--no-build] [--screenshot docs/screenshots/frozen-window.png]

1. Builds dist/anime-desktop in a fresh virtual environment holding only `.[cpu,bundle]` (build_bundle.py).
2. Runs the frozen `--self-test` offscreen, and `--self-test window` alone for the time to a shown window.
3. Stylizes a photo with the frozen CLI: the output has the input's size.
4. Lists the PyInstaller archive's table of contents (pure-Python modules live there, not on disk) and the
   files: no torch, trainer, export, diffusers, transformers, ray (and the rest of the spec's EXCLUDES).
5. Checks nothing was written into the bundle folder while it ran (it must work read-only).
6. Checks the size budget: <= 600 MB unpacked, .tar.gz <= 250 MB; prints the largest parts and timings.
Exits 1 on any failure, with one line per problem.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist" / "anime-desktop"
VENV = REPO / "build" / "bundle-venv"
BUDGET_MB, ARCHIVE_BUDGET_MB = 600, 250
FORBIDDEN = ("torch", "torchvision", "trainer", "export", "diffusers", "transformers", "accelerate",
             "huggingface_hub", "ray", "pyarrow", "pandas")
QT_PLATFORMS = ("libqxcb", "libqwayland", "libqoffscreen")

problems: list[str] = []


def fail(message: str) -> None:
    problems.append(message)
    print(f"FAIL  {message}")


def run(args: list, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **kwargs.pop("env", {}))
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, **kwargs)


def executable() -> Path:
    return DIST / ("anime-desktop-cli.exe" if sys.platform == "win32" else "anime-desktop")


def listing() -> dict[str, int]:
    """Every file of the bundle with its size (symbolic links, PyInstaller's aliases of one library, once)."""
    return {p.relative_to(DIST).as_posix(): p.lstat().st_size for p in DIST.rglob("*")
            if p.is_file() and not p.is_symlink()}


# --- archive table of contents ----------------------------------------------------------------------
def archive_modules(python: Path) -> list[str]:
    """Every entry of the executable's CArchive and of the PYZ inside it (PyInstaller's own readers)."""
    code = (
        "import sys\n"
        "from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader\n"
        "exe = sys.argv[1]\n"
        "car = CArchiveReader(exe)\n"
        "names = list(car.toc)\n"
        "for name, entry in car.toc.items():\n"
        "    if entry[-1] == 'z':\n"
        "        names += list(ZlibArchiveReader(exe, car._start_offset + entry[0]).toc)\n"
        "print('\\n'.join(names))\n"
    )
    exe = DIST / ("anime-desktop.exe" if sys.platform == "win32" else "anime-desktop")
    done = run([python, "-c", code, exe])
    if done.returncode != 0:
        fail(f"cannot read the archive's table of contents: {done.stderr.strip().splitlines()[-1:]}")
        return []
    return done.stdout.split()


def forbidden_hits(names: list[str]) -> list[str]:
    pattern = re.compile(r"(^|[/\\.])(" + "|".join(FORBIDDEN) + r")($|[/\\.])")
    return [n for n in names if pattern.search(n.replace("anime_desktop", ""))]


# --- steps -----------------------------------------------------------------------------------------
def build(timings: dict) -> None:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "build_bundle.py")], text=True)
    timings["build (fresh venv + PyInstaller + archive)"] = time.perf_counter() - started
    if done.returncode != 0:
        fail("the bundle build failed (see above)")
        raise SystemExit(report(timings))


def self_tests(timings: dict, screenshot: Path | None) -> None:
    started = time.perf_counter()
    done = run([executable(), "--self-test"], timeout=300)
    timings["--self-test (all checks)"] = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    print("\n".join(f"      {line}" for line in lines))
    if done.returncode != 0 or len(lines) != 5 or not lines[-1].startswith("self-test passed"):
        fail(f"--self-test exited {done.returncode}: {(lines or [done.stderr.strip()])[-1]}")
    started = time.perf_counter()
    done = run([executable(), "--self-test", "window"], timeout=120)
    timings["cold start to a shown window (--self-test window, whole run)"] = time.perf_counter() - started
    if done.returncode != 0:
        fail(f"--self-test window: {done.stdout.strip()}")
    started = time.perf_counter()
    done = run([executable(), "--version"])
    timings["--version"] = time.perf_counter() - started
    if done.returncode != 0 or "anime-desktop" not in done.stdout:
        fail(f"--version: {done.stdout}{done.stderr}")
    if screenshot is not None:
        shot = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", str(executable()), "--self-test",
                               "window", "--screenshot", str(screenshot)], capture_output=True, text=True,
                              timeout=120, env={k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"})
        print(f"      screenshot under Xvfb: {shot.stdout.strip().splitlines()[:1]}")
        if shot.returncode != 0:
            fail(f"screenshot under Xvfb failed: {shot.stdout}{shot.stderr}")


def frozen_stylize() -> None:
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        with Image.open(REPO / "resources" / "samples" / "kodim15.png") as image:
            image.convert("RGB").resize((641, 427)).save(photo, quality=92)  # odd size: padding must be undone
        done = run([executable(), "stylize", photo, "-o", Path(tmp) / "out"],
                   env={"ANIME_DESKTOP_HOME": str(Path(tmp) / "home")})
        out = Path(tmp) / "out" / "photo_toon-default-int8.png"
        if done.returncode != 0 or not out.is_file():
            fail(f"frozen stylize exited {done.returncode}: {done.stderr.strip() or done.stdout.strip()}")
            return
        with Image.open(out) as image:
            size = image.size
        print(f"ok    frozen stylize: {photo.name} 641x427 -> {out.name} {size[0]}x{size[1]} | {done.stdout.strip()}")
        if size != (641, 427):
            fail(f"frozen stylize wrote {size[0]}x{size[1]}, the input is 641x427")


def contents(python: Path) -> None:
    names = archive_modules(python)
    files = list(listing())
    hits = forbidden_hits(names) + forbidden_hits(files)
    print(f"ok    archive TOC: {len(names)} entries, bundle: {len(files)} files" if not hits else "")
    if hits:
        fail(f"forbidden modules in the bundle: {', '.join(sorted(set(hits))[:12])}")
    for needed in ("anime_desktop.cli", "anime_desktop.selftest", "onnxruntime", "av", "cv2", "PySide6.QtWidgets"):
        top = needed.split(".")[0]
        if needed not in names and not any(f.startswith((f"_internal/{top}/", f"{top}/")) for f in files):
            fail(f"{needed} is missing from the bundle")
    plugins = [f for f in files if "plugins" in f and "platforms" in f]
    missing = [p for p in QT_PLATFORMS if not any(p in f for f in plugins)]
    if missing and sys.platform.startswith("linux"):
        fail(f"Qt platform plugins missing: {', '.join(missing)}")
    for resource in ("toon-default-int8.onnx", "toon-default.md", "cel-default-int8.onnx", "cel-default.md",
                     "faces-default-int8.disc.onnx", "kodim23.png",
                     "10-dark.qss", "app.svg", "selftest-reference.png", "NOTICES.txt"):
        if not any(f.endswith(resource) for f in files):
            fail(f"{resource} is missing from the bundle")


def sizes() -> None:
    files = listing()
    total = sum(files.values()) / 1e6
    parts: dict[str, int] = {}
    for name, size in files.items():
        parts_of = Path(name).parts
        key = "/".join(parts_of[:2]) if parts_of[0] == "_internal" and len(parts_of) > 2 else name
        if key.startswith("_internal/PySide6"):
            key = "_internal/PySide6 (Qt)"
        parts[key] = parts.get(key, 0) + size
    largest = sorted(parts.items(), key=lambda kv: -kv[1])[:10]
    verdict = "ok  " if total <= BUDGET_MB else "FAIL"
    print(f"{verdict}  unpacked: {total:.0f} MB (budget {BUDGET_MB} MB); largest parts:")
    for name, size in largest:
        print(f"        {size / 1e6:6.1f} MB  {name}")
    if total > BUDGET_MB:
        fail(f"the bundle is {total:.0f} MB unpacked, over {BUDGET_MB} MB")
    archives = sorted(DIST.parent.glob("anime-desktop-*.tar.gz"))
    if sys.platform.startswith("linux"):
        if not archives:
            fail("no anime-desktop-<version>-linux-x86_64.tar.gz was made")
            return
        mb = archives[-1].stat().st_size / 1e6
        print(f"{'ok  ' if mb <= ARCHIVE_BUDGET_MB else 'FAIL'}  {archives[-1].name}: {mb:.0f} MB "
              f"(budget {ARCHIVE_BUDGET_MB} MB)")
        if mb > ARCHIVE_BUDGET_MB:
            fail(f"the archive is {mb:.0f} MB, over {ARCHIVE_BUDGET_MB} MB")


def report(timings: dict) -> int:
    for name, seconds in timings.items():
        print(f"time  {name}: {seconds:.2f} s")
    print(f"bundle check {'passed' if not problems else f'FAILED ({len(problems)} problems)'}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true", help="check the bundle already in dist/")
    parser.add_argument("--screenshot", type=Path, help="also save the frozen window under Xvfb (needs xvfb-run)")
    ns = parser.parse_args()
    timings: dict[str, float] = {}
    if not ns.no_build:
        build(timings)
    if not executable().is_file():
        fail(f"{executable()} does not exist: build first")
        return report(timings)
    before = listing()
    python = VENV / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    self_tests(timings, ns.screenshot)
    frozen_stylize()
    contents(python if python.is_file() else Path(sys.executable))
    after = listing()
    if after != before:
        changed = sorted(set(after) ^ set(before)) or sorted(k for k in after if after[k] != before.get(k))
        fail(f"running the bundle wrote into its folder: {', '.join(changed[:5])}")
    else:
        print(f"ok    nothing written into the bundle folder while it ran ({len(after)} files unchanged)")
    sizes()
    return report(timings)


if __name__ == "__main__":
    sys.exit(main())
