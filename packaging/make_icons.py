"""Render resources/icons/app.svg into the installers' icons (run by anime_desktop.spec at build time).

    python packaging/make_icons.py OUT_DIR

Writes OUT_DIR/png/anime-desktop-<N>.png (16..512, Linux menus), OUT_DIR/anime-desktop.ico (Windows) and
OUT_DIR/anime-desktop.icns (macOS). Qt's SVG renderer draws, Pillow writes .ico/.icns, so any platform
makes all three. Nothing here ships as source: the SVG stays the one drawing of the icon.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app.svg"


def render(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 (Qt needs one)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    (out / "png").mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / "png" / f"anime-desktop-{size}.png"
        image.save(str(path))
        written.append(path)
    return written


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/icons")
    pngs = render(out)
    from PIL import Image

    largest = Image.open(pngs[-1]).convert("RGBA")
    largest.save(out / "anime-desktop.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    largest.save(out / "anime-desktop.icns")
    print(f"icons: {len(pngs)} PNG, .ico and .icns in {out}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
