"""The README's before/after sheet of the built-in looks: people, scenery and a big photo.

Usage: .venv/bin/python scripts/looks_sheet.py [--before OLD.onnx] [-o docs/screenshots/looks-before-after.png]
Columns: the photo, the previous default (when --before is given; it ran at the photo's own size),
toon-default and cel-default as the app runs them (at their 1 MP working size). Rows: two public-domain
portraits (../shared/test-images), a held-out Kodak photo, and a Kodak photo enlarged 4x (a 12 MP
"phone photo"), each shown at 480 px wide.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from anime_desktop.core import prepost
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SIDE = 360


def rows() -> list[tuple[str, np.ndarray]]:
    def load(path: Path) -> np.ndarray:
        return np.asarray(Image.open(path).convert("RGB"))

    kodak = SHARED / "datasets" / "kodak24"
    big = load(kodak / "kodim15.png")
    big = cv2.resize(big, (big.shape[1] * 4, big.shape[0] * 4), interpolation=cv2.INTER_LANCZOS4)
    return [("grace_hopper (512x600)", load(SHARED / "test-images" / "grace_hopper.png")),
            ("astronaut (512x512)", load(SHARED / "test-images" / "astronaut.png")),
            ("kodim23 (768x512)", load(kodak / "kodim23.png")),
            ("kodim15 x4 (3072x2048)", big)]


def fit(rgb: np.ndarray) -> np.ndarray:
    """Centre-crop to a square and shrink, so every cell has the same size."""
    h, w = rgb.shape[:2]
    side = min(h, w)
    crop = rgb[(h - side) // 2:(h - side) // 2 + side, (w - side) // 2:(w - side) // 2 + side]
    return prepost.resize_to(crop, SIDE, SIDE)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, help="the previous default model, run at the photo's size")
    parser.add_argument("-o", "--output", type=Path, default=REPO / "docs" / "screenshots" / "looks-before-after.png")
    ns = parser.parse_args()
    config = SessionConfig(provider="cpu", spinning=False)
    looks = {"photo": None}
    if ns.before:
        looks["before: old toon-default"] = StylizeRunner(load_model(ns.before, config), tile_mp=16)
    for name in ("toon-default-int8", "cel-default-int8"):
        looks[name] = StylizeRunner(load_model(name, config), tile_mp=16)
    photos = rows()
    cells = [[fit(rgb if runner is None else runner.run(rgb)) for runner in looks.values()] for _, rgb in photos]
    gap, head = 6, 26
    sheet = Image.new("RGB", (len(looks) * (SIDE + gap) - gap, head + len(cells) * (SIDE + gap) - gap), "white")
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(looks):
        draw.text((c * (SIDE + gap) + 6, 6), name, fill="black")
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            sheet.paste(Image.fromarray(cell), (c * (SIDE + gap), head + r * (SIDE + gap)))
        y = head + r * (SIDE + gap)
        draw.rectangle((0, y, 7 * len(photos[r][0]) + 10, y + 16), fill="black")
        draw.text((5, y + 3), photos[r][0], fill="white")
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(ns.output, optimize=True)
    print(f"wrote {ns.output} ({sheet.width}x{sheet.height})")


if __name__ == "__main__":
    main()
