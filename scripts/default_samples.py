"""The README's before/after sheet for the shipped default model (no window needed).

    .venv/bin/python scripts/default_samples.py

Each row: a sample photo from resources/samples (Kodak24, held out of training), the classical
`toon` renderer it was taught by, and the shipped INT8 model's output, each made through the
app's own engine. Writes docs/screenshots/default-before-after.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from anime_desktop.core import imageio
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots" / "default-before-after.png"
TILE_WIDTH = 384
CAPTION = 22


def main() -> None:
    runners = {name: StylizeRunner(load_model(name, SessionConfig(provider="cpu", spinning=False)))
               for name in ("toon", "toon-default-int8")}
    rows = []
    for sample in sorted((REPO / "resources" / "samples").glob("*.png")):
        photo = imageio.load_image(sample).rgb
        cells = [photo, *(runner.run(photo) for runner in runners.values())]
        scale = TILE_WIDTH / photo.shape[1]
        size = (TILE_WIDTH, round(photo.shape[0] * scale))
        rows.append(np.concatenate([np.asarray(Image.fromarray(c).resize(size, Image.LANCZOS)) for c in cells], 1))
    width = max(r.shape[1] for r in rows)
    sheet = Image.new("RGB", (width, CAPTION + sum(r.shape[0] for r in rows)), (32, 32, 36))
    draw = ImageDraw.Draw(sheet)
    for i, label in enumerate(("photo (Kodak, held out)", "toon (classical teacher)", "toon-default-int8 (shipped)")):
        draw.text((i * TILE_WIDTH + 8, 5), label, fill=(230, 230, 230))
    y = CAPTION
    for row in rows:
        sheet.paste(Image.fromarray(row), (0, y))
        y += row.shape[0]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUT, optimize=True)
    print(f"wrote {OUT} ({sheet.width}x{sheet.height})")


if __name__ == "__main__":
    main()
