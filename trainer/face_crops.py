"""`anime-train prepare-faces`: face crops for a DCGAN training set, from a folder of pictures.

OpenCV's cascade detectors find the faces: its bundled frontal-face cascade for photos, or a
cascade file the user supplies for drawings (for example lbpcascade_animeface.xml, which we do
not ship). Each face is cropped square with a margin, so hair and chin stay in frame as in the
usual anime-face sets, and resized with area averaging. Unreadable files are skipped, with a
warning, and counted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .data import DataError, list_images, read_rgb

log = logging.getLogger(__name__)


@dataclass
class CropReport:
    images: int = 0
    faces: int = 0
    unreadable: int = 0
    without_face: int = 0


def load_detector(cascade: Path | None):
    if not hasattr(cv2, "CascadeClassifier"):
        raise DataError("this OpenCV build has no cascade face detector (OpenCV 5 moved it out); install "
                        "'opencv-python-headless<5'")
    path = Path(cascade) if cascade else Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
    detector = cv2.CascadeClassifier(str(path))
    if detector.empty():
        raise DataError(f"{path}: not a cascade file OpenCV can load")
    return detector


def square_crop(rgb: np.ndarray, box: tuple[int, int, int, int], margin: float) -> np.ndarray:
    """The face box grown by `margin` on each side, made square, padded by edge replication at borders."""
    x, y, w, h = box
    side = int(round(max(w, h) * (1 + 2 * margin)))
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    pad = max(0, -x0, -y0, x0 + side - rgb.shape[1], y0 + side - rgb.shape[0])
    if pad:
        rgb = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0 = x0 + pad, y0 + pad
    return rgb[y0:y0 + side, x0:x0 + side]


def prepare_faces(in_dir: Path, out_dir: Path, size: int = 64, margin: float = 0.25, cascade: Path | None = None,
                  min_face: int = 24) -> CropReport:
    detector = load_detector(cascade)
    files = list_images(in_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = CropReport()
    for path in files:
        rgb = read_rgb(path)
        if rgb is None:
            report.unreadable += 1
            continue
        report.images += 1
        grey = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        boxes = detector.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(min_face, min_face))
        if len(boxes) == 0:
            report.without_face += 1
            continue
        for k, box in enumerate(boxes):
            crop = cv2.resize(square_crop(rgb, tuple(int(v) for v in box), margin), (size, size),
                              interpolation=cv2.INTER_AREA)
            cv2.imwrite(str(out_dir / f"{path.stem}-{k}.png"), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
            report.faces += 1
    return report
