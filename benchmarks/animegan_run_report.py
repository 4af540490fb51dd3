"""Issue 22's figures for a real AnimeGAN run, per checkpoint, on held-out photos.

For each checkpoint given (e.g. the end of the init phase and the end of the run):
  - PSNR of G's output to its input photo (the init phase's reconstruction gate, >= 24 dB),
  - SSIM of luma to the input photo (structure kept, >= 0.5 at the end),
  - the share of outputs a style classifier (anime vs photo, trained on real images of both
    domains, never on any model's outputs) calls anime,
  - SWD to held-out anime images,
and, with --grid, a sample sheet (inputs above, each checkpoint's outputs below). The sheet shows
copyrighted data: keep it out of the repository.

  python benchmarks/animegan_run_report.py --photos DIR --anime DIR --classifier style.pt \
      CKPT [CKPT ...] [--size 64] [--grid sheet.png] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from torchmetrics.functional.image import structural_similarity_index_measure as ssim

from trainer.classifier import Classifier
from trainer.data import fit, list_images, read_rgb, to_tensor
from trainer.generate import load_generator
from trainer.losses import to_grayscale
from trainer.metrics.attributes import style_share
from trainer.metrics.swd import swd


def load(folder: Path, size: int, limit: int | None) -> torch.Tensor:
    images = [read_rgb(p) for p in list_images(folder)[:limit]]
    return to_tensor([fit(im, size, None) for im in images if im is not None])


@torch.no_grad()
def outputs(checkpoint: Path, photos: torch.Tensor) -> torch.Tensor:
    g, _, _ = load_generator(checkpoint)
    return torch.cat([g(photos[i:i + 16]).clamp(-1, 1) for i in range(0, len(photos), 16)])


def uint8_nhwc(images: torch.Tensor) -> np.ndarray:
    return ((images + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def figures(fake: torch.Tensor, photos: torch.Tensor, anime: torch.Tensor, judge: Classifier) -> dict:
    mse = (((fake - photos) / 2) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-10)
    luma = lambda x: (to_grayscale(x)[:, :1] + 1) / 2  # noqa: E731
    return {"psnr_db": float((10 * torch.log10(1 / mse)).mean()),
            "ssim_luma": float(ssim(luma(fake), luma(photos), data_range=1.0)),
            "anime_share": style_share(judge, uint8_nhwc(fake), "style=anime"),
            "swd_to_anime": swd(anime, fake[:len(anime)])["swd"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoints", type=Path, nargs="+")
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--anime", type=Path, required=True)
    parser.add_argument("--classifier", type=Path, required=True)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--grid", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    photos, anime = load(args.photos, args.size, args.limit), load(args.anime, args.size, args.limit)
    judge = Classifier(args.classifier)
    rows = {"photos themselves": figures(photos, photos, anime, judge)}
    fakes = []
    for checkpoint in args.checkpoints:
        fakes.append(outputs(checkpoint, photos))
        rows[str(checkpoint)] = figures(fakes[-1], photos, anime, judge)
    print(f"{len(photos)} held-out photos at {args.size} px; classifier held-out accuracy "
          f"{judge.held_out_accuracy}")
    print(f"{'':<60} {'PSNR dB':>8} {'SSIM luma':>9} {'anime %':>8} {'SWD':>7}")
    for name, r in rows.items():
        print(f"{name[-60:]:<60} {r['psnr_db']:8.2f} {r['ssim_luma']:9.3f} {100 * r['anime_share']:8.1f} "
              f"{r['swd_to_anime']:7.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    if args.grid:
        from PIL import Image

        strips = [np.concatenate(list(uint8_nhwc(x[:12])), axis=1) for x in (photos, *fakes)]
        Image.fromarray(np.concatenate(strips, axis=0)).save(args.grid)


if __name__ == "__main__":
    main()
