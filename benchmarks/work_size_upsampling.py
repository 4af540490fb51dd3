"""How to bring a look made at its working size back to a big photo's size: plain resizing or guided
upsampling (ISSUE 19 asks to measure which looks better).

Usage: python benchmarks/work_size_upsampling.py [LOOK]   (default toon-default-int8)

Big photos: the held-out Kodak five and the two portraits, enlarged 4x (Lanczos; 3072x2048 and up).
The look runs at 1 MP; its result is brought to full size by
  plain   bicubic resizing (what the app does), or
  guided  bicubic, then a guided filter (He et al. 2010, radius 8, eps 0.02^2, per channel) with the
          full-size photo as the guide: edges snap to the photo's, and its fine texture comes back.
Measured at full size: how far the result strays from the look (PSNR of the result shrunk back to 1 MP
against the 1 MP look), edge sharpness (mean gradient along the photo's strong edges, relative to the
photo's own), texture in flat areas (std of the Laplacian where the 1 MP look is flat), and isolated dark
specks per megapixel. The guided filter is written here with OpenCV box filters because the packaged
one (cv2.ximgproc) lives only in opencv-contrib, which the app does not depend on.
"""

from __future__ import annotations

import sys

import cv2
import numpy as np
from _common import KODAK, SHARED, need
from PIL import Image

from anime_desktop.core import prepost
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig
from export import look_measures as lm
from export.default_quality import HELD_OUT
from export.quality import psnr


def guided(guide: np.ndarray, src: np.ndarray, radius: int = 8, eps: float = 0.02 ** 2) -> np.ndarray:
    """Grey-guide guided filter of each channel of `src` (floats in 0..1)."""
    size = (2 * radius + 1, 2 * radius + 1)
    box = lambda x: cv2.boxFilter(x, -1, size)  # noqa: E731
    g = guide.astype(np.float32)
    mean_g, var_g = box(g), box(g * g) - box(g) ** 2
    out = np.empty_like(src, dtype=np.float32)
    for c in range(src.shape[2]):
        p = src[..., c].astype(np.float32)
        mean_p = box(p)
        a = (box(g * p) - mean_g * mean_p) / (var_g + eps)
        b = mean_p - a * mean_g
        out[..., c] = box(a) * g + box(b)
    return out


def edge_sharpness(rgb: np.ndarray, photo: np.ndarray, mask: np.ndarray) -> float:
    def grad(x):
        y = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return np.hypot(cv2.Sobel(y, cv2.CV_32F, 1, 0), cv2.Sobel(y, cv2.CV_32F, 0, 1))
    return float(grad(rgb)[mask].mean() / max(grad(photo)[mask].mean(), 1e-6))


def flat_texture(rgb: np.ndarray, flat: np.ndarray) -> float:
    lap = cv2.Laplacian(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)
    return float(lap[flat].std())


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "toon-default-int8"
    kodak = need(KODAK)
    photos = [np.asarray(Image.open(kodak / f"{n}.png").convert("RGB")) for n in HELD_OUT]
    photos += [np.asarray(Image.open(SHARED / "test-images" / n).convert("RGB"))
               for n in ("grace_hopper.png", "astronaut.png")]
    runner = StylizeRunner(load_model(name, SessionConfig(provider="cpu", spinning=False)), tile_mp=64, work_mp=0)
    rows = {"plain": [], "guided": []}
    for small in photos:
        h, w = small.shape[:2]
        big = cv2.resize(small, (w * 4, h * 4), interpolation=cv2.INTER_LANCZOS4)
        work = prepost.to_megapixels(big, 1.0)
        look = runner.run(work)
        up = cv2.resize(look, (w * 4, h * 4), interpolation=cv2.INTER_CUBIC)
        guide = cv2.cvtColor(big, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
        led = np.clip(guided(guide, up.astype(np.float32) / 255) * 255 + 0.5, 0, 255).astype(np.uint8)
        edges = lm.strong_edges(big)
        flat = cv2.resize((cv2.Laplacian(cv2.cvtColor(look, cv2.COLOR_RGB2GRAY), cv2.CV_32F) == 0).astype(np.uint8),
                          (w * 4, h * 4), interpolation=cv2.INTER_NEAREST) > 0
        for key, out in (("plain", up), ("guided", led)):
            back = prepost.resize_to(out, look.shape[1], look.shape[0])
            rows[key].append((psnr(back, look), edge_sharpness(out, big, edges), flat_texture(out, flat),
                              lm.speckles_per_mp(lambda _x, o=out: o, [big])))
    print(f"{name}, {len(photos)} photos enlarged 4x, look at 1 MP")
    print(f"{'bring back':<10} {'PSNR to the 1 MP look':>22} {'edge sharpness':>15} {'texture in flat areas':>22} "
          f"{'specks/MP':>10}")
    for key, values in rows.items():
        p, e, t, s = np.mean(values, axis=0)
        print(f"{key:<10} {p:19.1f} dB {e:15.2f} {t:22.2f} {s:10.1f}")


if __name__ == "__main__":
    main()
