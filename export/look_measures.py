"""How a look treats people, lines and photo sizes (ISSUE 19), as numbers a build can gate on.

- ink on skin: over faces OpenCV's frontal-face Haar cascade finds (scaleFactor 1.1, minNeighbors 5,
  min 60 px, at most two a photo), in a forehead band (rows 1/8-1/3 of the box, columns 1/5-4/5) and
  two cheek bands (rows 1/2-2/3; columns 1/8-1/3 and 2/3-7/8): the share of pixels the look turns
  dark (output luma < 60) where the photo is light (luma > 90). Gate: at most 1 %.
- lines kept: along long strong edges (Canny 100/200 on a bilateral-smoothed photo, components of
  40 px or more, dilated by one pixel), the share of pixels the look inks (luma < 80). Gate: 45 % or
  more, so that removing every line does not pass.
- scale consistency: the photo enlarged 4x (Lanczos), stylized and shrunk back, against the photo
  stylized as it is (PSNR; gate 26 dB), and how much closer to the plain photo the big one is
  (gate: at most 1 dB closer: the look must not fade on big photos).
- speckles: dark specks (connected dark components under 12 px) the photo does not have, per megapixel.

A look is any callable rgb -> rgb. Local measurement only: the face photos come partly from
../shared/datasets/selfie2anime_1000 (never shipped, never trained on for a shipped model).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .quality import psnr

Look = Callable[[np.ndarray], np.ndarray]
DARK, LIGHT, INK = 60, 90, 80


def luma(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


_CASCADE = None


def faces(rgb: np.ndarray, most: int = 2) -> list[tuple[int, int, int, int]]:
    """The largest `most` frontal faces (x, y, w, h) the Haar cascade finds."""
    global _CASCADE
    if _CASCADE is None:
        _CASCADE = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"))
    found = _CASCADE.detectMultiScale(luma(rgb), scaleFactor=1.1, minNeighbors=5, minSize=(60, 60))
    return sorted((tuple(int(v) for v in f) for f in found), key=lambda f: -f[2] * f[3])[:most]


def skin_bands(x: int, y: int, w: int, h: int) -> list[tuple[slice, slice]]:
    """Forehead and both cheeks of a face box, as (rows, columns) slices."""
    def band(r0, r1, c0, c1):
        return slice(y + int(h * r0), y + int(h * r1)), slice(x + int(w * c0), x + int(w * c1))
    return [band(1 / 8, 1 / 3, 1 / 5, 4 / 5), band(1 / 2, 2 / 3, 1 / 8, 1 / 3), band(1 / 2, 2 / 3, 2 / 3, 7 / 8)]


@dataclass
class SkinInk:
    dark: int = 0
    light: int = 0
    faces: int = 0

    @property
    def share(self) -> float:
        return self.dark / max(self.light, 1)


def ink_on_skin(look: Look, photos: list[np.ndarray]) -> SkinInk:
    total = SkinInk()
    for rgb in photos:
        boxes = faces(rgb)
        if not boxes:
            continue
        out_y, in_y = luma(look(rgb)), luma(rgb)
        for box in boxes:
            total.faces += 1
            for rows, cols in skin_bands(*box):
                light = in_y[rows, cols] > LIGHT
                total.light += int(light.sum())
                total.dark += int((light & (out_y[rows, cols] < DARK)).sum())
    return total


def strong_edges(rgb: np.ndarray, min_pixels: int = 40) -> np.ndarray:
    """Long strong edges of the photo, dilated by one pixel (a bool mask)."""
    smooth = cv2.bilateralFilter(rgb, 9, 75, 75)
    edges = cv2.Canny(luma(smooth), 100, 200)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((edges > 0).astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_pixels
    return cv2.dilate(keep[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0


def lines_kept(look: Look, photos: list[np.ndarray]) -> float:
    inked = along = 0
    for rgb in photos:
        mask = strong_edges(rgb)
        along += int(mask.sum())
        inked += int((luma(look(rgb))[mask] < INK).sum())
    return inked / max(along, 1)


@dataclass
class ScaleScore:
    psnr_db: float  # the 4x-enlarged run brought back, against the plain run
    fade_db: float  # how much closer to the photo the big run is than the plain run (gate: <= 1 dB)


def scale_consistency(look: Look, rgb: np.ndarray, factor: int = 4) -> ScaleScore:
    h, w = rgb.shape[:2]
    big = cv2.resize(rgb, (w * factor, h * factor), interpolation=cv2.INTER_LANCZOS4)
    back = cv2.resize(look(big), (w, h), interpolation=cv2.INTER_LANCZOS4)
    plain = look(rgb)
    return ScaleScore(psnr(back, plain), psnr(back, rgb) - psnr(plain, rgb))


def speckles_per_mp(look: Look, photos: list[np.ndarray], below: int = 12) -> float:
    """Isolated dark components under `below` px in the output where the photo is not dark, per MP."""
    specks = pixels = 0
    for rgb in photos:
        out_dark = (luma(look(rgb)) < DARK).astype(np.uint8)
        photo_dark = luma(rgb) < DARK
        count, labels, stats, _ = cv2.connectedComponentsWithStats(out_dark, connectivity=8)
        dark_in_photo = np.bincount(labels.ravel(), weights=photo_dark.ravel(), minlength=count)
        small = stats[:, cv2.CC_STAT_AREA] < below
        specks += int((small[1:] & (dark_in_photo[1:] == 0)).sum())
        pixels += rgb.shape[0] * rgb.shape[1]
    return specks / (pixels / 1e6)


GATE_SKIN, GATE_LINES, GATE_SCALE_DB, GATE_FADE_DB, MIN_FACES = 0.01, 0.45, 26.0, 1.0, 80


@dataclass
class LookReport:
    """All four measures of one look, as the build's gates and the model card read them."""

    skin: SkinInk
    lines: float
    scale_db: float
    fade_db: float
    specks: float

    def failures(self, lines_gate: bool = True) -> list[str]:
        out = []
        if self.skin.faces < MIN_FACES:
            out.append(f"ink on skin measured over {self.skin.faces} faces (< {MIN_FACES}: give more with --faces DIR)")
        if self.skin.share > GATE_SKIN:
            out.append(f"ink on skin {self.skin.share * 100:.2f} % > {GATE_SKIN * 100:g} %")
        if lines_gate and self.lines < GATE_LINES:
            out.append(f"lines kept {self.lines * 100:.1f} % < {GATE_LINES * 100:g} %")
        if self.scale_db < GATE_SCALE_DB:
            out.append(f"scale consistency {self.scale_db:.1f} dB < {GATE_SCALE_DB:g}")
        if self.fade_db > GATE_FADE_DB:
            out.append(f"the look fades on big photos: {self.fade_db:+.1f} dB closer to the photo (> {GATE_FADE_DB:g})")
        return out

    def row(self, label: str) -> str:
        return (f"| {label} | {self.skin.share * 100:.2f} % ({self.skin.faces} faces) | {self.lines * 100:.1f} % | "
                f"{self.scale_db:.1f} dB ({self.fade_db:+.1f} dB) | {self.specks:.0f} |")

    HEADER = ("| look | ink on skin | lines kept | scale consistency (fade) | specks / MP |\n"
              "|---|---|---|---|---|")


def measure(look: Look, held: list[np.ndarray], face_photos: list[np.ndarray]) -> LookReport:
    """Every measure of `look`; lines, scale and speckles on the held-out photos, skin on the faces."""
    scale = [scale_consistency(look, p) for p in held]
    return LookReport(ink_on_skin(look, face_photos), lines_kept(look, held),
                      float(np.mean([s.psnr_db for s in scale])), float(np.mean([s.fade_db for s in scale])),
                      speckles_per_mp(look, held))


def photos_with_faces(folders: list[Path], limit: int = 120) -> list[np.ndarray]:
    """Up to `limit` photos from each folder (sorted by name) for the ink-on-skin measure."""
    from anime_desktop.core import batch, imageio
    from anime_desktop.core.errors import AnimeDesktopError

    photos = []
    for folder in folders:
        for path in batch.discover(Path(folder))[:limit]:
            try:
                photos.append(imageio.load_image(path).rgb)
            except AnimeDesktopError:
                continue
    return photos
