"""Third-party notices: every library the app runs on, its licence, and the licence texts it ships with.

At build time (`python -m anime_desktop.licenses collect DIR`, run by `anime_desktop.spec`) the notices
are read from the installed distributions (`importlib.metadata`: licence fields and licence files) of
the app's runtime dependencies, walked from `anime-desktop[cpu]`, and copied into the bundle with an
`index.json` and a plain `NOTICES.txt`. At run time Help -> About lists them: from that folder in a
bundle, live from the installed distributions otherwise. Qt-free, so the CLI could print them too.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .core.resources import resource_path

ROOT = "anime-desktop"
EXTRAS = ("cpu",)
FOLDER = "third_party_licenses"  # inside the bundle, beside the package: _MEIPASS/anime_desktop/FOLDER
LICENSE_FILE = re.compile(r"(licen[cs]e|copying|notice|authors|third.?party)[^/]*$", re.IGNORECASE)
SKIP_SUFFIXES = (".py", ".pyc", ".xml")

# What a licence field cannot say: bundled native libraries and the terms they bring. The generic licence
# texts named here ship in resources/licenses/ (the wheels carry no copy of them).
NOTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pyside6-essentials": ("Qt 6 and Qt for Python, used under the GNU LGPL v3: the Qt libraries are separate, "
                           "replaceable shared libraries in the bundle. Sources: https://download.qt.io and "
                           "https://code.qt.io/pyside/pyside-setup", ("LGPL-3.0.txt", "GPL-3.0.txt")),
    "shiboken6": ("The Qt for Python binding generator's runtime, GNU LGPL v3.", ("LGPL-3.0.txt", "GPL-3.0.txt")),
    "av": ("PyAV is BSD-3-Clause. Its wheel carries FFmpeg's libraries (LGPL-2.1-or-later) built together with "
           "x264 and x265 (GPL-2.0-or-later), so that FFmpeg build as shipped is under the GPL; plus libvpx, dav1d, "
           "SVT-AV1, opus, LAME and others under their own terms. Sources: https://github.com/PyAV-Org/pyav-ffmpeg",
           ("GPL-2.0.txt", "LGPL-2.1.txt")),
    "opencv-python-headless": ("OpenCV is Apache-2.0. Its wheel carries FFmpeg (LGPL-2.1-or-later), OpenBLAS, "
                               "libpng, libaom and others, listed in LICENSE-3RD-PARTY.txt.", ("LGPL-2.1.txt",)),
    "onnxruntime": ("MIT; ThirdPartyNotices.txt lists the code it includes.", ()),
    "numpy": ("BSD-3-Clause; its wheel carries OpenBLAS and the gfortran runtime (GPL with the runtime "
              "library exception), see its licence files.", ()),
    "pillow": ("MIT-CMU (the HPND-style PIL licence); its wheel carries libjpeg, libpng, libtiff, libwebp, "
               "FreeType, zlib and others.", ()),
}


@dataclass
class Notice:
    name: str
    version: str
    license: str
    note: str = ""
    files: list[Path] = field(default_factory=list)  # licence texts to show

    def text(self) -> str:
        parts = [f"{self.name} {self.version}: {self.license}"] + ([self.note] if self.note else [])
        for path in self.files:
            try:
                body = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                body = f"(cannot read: {exc.strerror or exc})"
            parts.append(f"----- {path.name} -----\n{body.strip()}")
        return "\n\n".join(parts)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _licence_of(dist: md.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    short = (meta.get("License") or "").strip().splitlines()
    if short and len(short[0]) <= 80:
        return short[0]
    classifiers = [c.rsplit("::", 1)[1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    return ", ".join(classifiers) or "see the licence files"


def _wanted(requirement: str, extras: tuple[str, ...]) -> str | None:
    """The distribution a `Requires-Dist` line names, if it applies here (its extra chosen, its marker true)."""
    name, _, marker = requirement.partition(";")
    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name)
    if not found:
        return None
    marker = marker.strip()
    if marker:
        try:
            from packaging.markers import Marker

            if not any(Marker(marker).evaluate({"extra": e}) for e in (extras or ("",))):
                return None
        except ImportError:  # without packaging: keep unconditional and chosen-extra requirements only
            extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)", marker)
            if extra and extra.group(1) not in extras:
                return None
    return found.group(1)


def runtime_distributions(root: str = ROOT, extras: tuple[str, ...] = EXTRAS) -> list[md.Distribution]:
    """The installed distributions `root[extras]` needs at run time, root first (requirements walked)."""
    seen: dict[str, md.Distribution] = {}
    queue = [(root, extras)]
    while queue:
        name, chosen = queue.pop(0)
        key = _canonical(name)
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[key] = dist
        queue += [(n, ()) for n in (_wanted(r, chosen) for r in dist.requires or []) if n]
    return list(seen.values())


def _licence_files(dist: md.Distribution) -> list[Path]:
    found = []
    for file in dist.files or []:
        text = str(file)
        if LICENSE_FILE.search(text) and not text.endswith(SKIP_SUFFIXES) and "__pycache__" not in text:
            path = Path(dist.locate_file(file))
            if path.is_file():
                found.append(path)
    return sorted(set(found), key=lambda p: (len(p.parts), p.name))


def _generic(names: tuple[str, ...]) -> list[Path]:
    return [p for p in (resource_path("licenses", n) for n in names) if p.is_file()]


def from_metadata(dists: list[md.Distribution] | None = None) -> list[Notice]:
    """Notices read live from the installed distributions (the app itself is left out)."""
    notices = []
    for dist in runtime_distributions() if dists is None else dists:
        key = _canonical(dist.metadata["Name"])
        if key == ROOT:
            continue
        note, generic = NOTES.get(key, ("", ()))
        notices.append(Notice(dist.metadata["Name"], dist.version, _licence_of(dist), note,
                              _licence_files(dist) + _generic(generic)))
    stdlib = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    python = [p for p in (stdlib / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt") if p.is_file()]
    notices.append(Notice("Python", sys.version.split()[0], "PSF-2.0", "The Python interpreter and standard library "
                          "inside the bundle.", python[:1]))
    return sorted(notices, key=lambda n: n.name.lower())


def collect(target: Path) -> list[Notice]:
    """Copy every runtime dependency's licence files into `target` (build time), with an index."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    index = []
    notices = from_metadata()
    for notice in notices:
        folder = target / f"{_canonical(notice.name)}-{notice.version}"
        folder.mkdir()
        names: list[str] = []
        for i, source in enumerate(notice.files):  # numpy has many LICENSE.md: name them by their folder
            name = source.name if source.name not in names else f"{source.parent.name}-{i}-{source.name}"
            shutil.copyfile(source, folder / name)
            names.append(name)
        index.append({"name": notice.name, "version": notice.version, "license": notice.license,
                      "note": notice.note, "files": [f"{folder.name}/{n}" for n in names]})
    (target / "index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
    with open(target / "NOTICES.txt", "w", encoding="utf-8") as out:
        out.write("Anime Desktop carries these libraries; each keeps its own licence (texts in the folders here).\n\n")
        for n in notices:
            out.write(f"- {n.name} {n.version}: {n.license}\n" + (f"  {n.note}\n" if n.note else ""))
    return notices


def bundled_folder() -> Path | None:
    """The notices collected at build time, in a PyInstaller bundle; None when running from Python."""
    base = getattr(sys, "_MEIPASS", None)
    folder = Path(base) / "anime_desktop" / FOLDER if base else None
    return folder if folder is not None and (folder / "index.json").is_file() else None


def notices() -> list[Notice]:
    """What Help -> About shows: the bundle's collected notices, else the installed distributions'."""
    folder = bundled_folder()
    if folder is None:
        return from_metadata()
    rows = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return [Notice(r["name"], r["version"], r["license"], r.get("note", ""), [folder / f for f in r["files"]])
            for r in rows]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "collect":
        sys.stderr.write("usage: python -m anime_desktop.licenses collect DIR\n")
        return 2
    found = collect(Path(args[1]))
    sys.stdout.write(f"third-party notices: {len(found)} distributions -> {args[1]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
