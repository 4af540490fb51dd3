"""Which content loss lets AnimeGAN train without pretrained VGG19 weights (issue 22)?

For each `content_loss`, from the same initial weights and batches:
  - init: N content-only steps, then PSNR of G's reconstruction of held-out photos;
  - balance: with a fresh D, the norm of each weighted G loss term's gradient with respect to G's
    output, so one sees which term steers G once the adversarial phase starts.
The reference is the papers' plain L1 of a random VGG19's features, measured in the same run.

  python benchmarks/content_loss.py --data UNPAIRED_DIR --held PHOTO_DIR [--steps 120] [--size 64]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch

from trainer.config import load
from trainer.data import fit, list_images, read_rgb, to_tensor
from trainer.families import FAMILIES

MODES = ("vgg", "normalised", "pixel")


def held_out(folder: Path, size: int, limit: int) -> torch.Tensor:
    images = [read_rgb(p) for p in list_images(folder)[:limit]]
    return to_tensor([fit(im, size, None) for im in images if im is not None])


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = (((a.clamp(-1, 1) - b) / 2) ** 2).mean(dim=(1, 2, 3))
    return float((10 * torch.log10(1 / mse.clamp_min(1e-10))).mean())


def grad_norm(term: torch.Tensor, fake: torch.Tensor) -> float:
    (grad,) = torch.autograd.grad(term, fake, retain_graph=True)
    return float(grad.norm())


def measure(mode: str, args, photos: torch.Tensor) -> dict:
    torch.manual_seed(0)
    config = load(FAMILIES["animeganv3"].config_class, None,
                  [f"--image_size={args.size}", f"--batch_size={args.batch}", f"--content_loss={mode}",
                   "--amp=false", f"--init_steps={args.steps + 1}"])
    family = FAMILIES["animeganv3"](config, torch.device("cpu"), None, True)
    data = family.make_data(args.data)
    rng = torch.Generator().manual_seed(0)
    g = family.net("G")
    start = time.perf_counter()
    for step in range(args.steps):  # the init phase, exactly as training runs it
        family.set_input(family.next_batch(data, rng))
        family.optimize_parameters(step)
    per_step = (time.perf_counter() - start) / args.steps
    g.eval()
    with torch.no_grad():
        score = psnr(torch.cat([g(photos[i:i + 16]) for i in range(0, len(photos), 16)]), photos)
    g.train()
    family.set_input(family.next_batch(data, rng))
    photo, style = family.batch["photo"], family.batch["style"]
    fake = g(photo).detach().requires_grad_(True)
    parts = family._g_losses(fake, photo, style, family.content_net(fake))
    norms = {name: grad_norm(term, fake) for name, term in parts.items()}
    return {"psnr": score, "s_per_step": per_step, "grad": norms}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--held", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--limit", type=int, default=48)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    photos = held_out(args.held, args.size, args.limit)
    print(f"{args.steps} init steps at {args.size} px, batch {args.batch}; PSNR on {len(photos)} held-out photos")
    print("content_loss  PSNR dB  (vs vgg)  s/step  |grad| content / adv / style / colour / tv"
          "  content:adv", flush=True)
    reference = None
    for mode in MODES:
        r = measure(mode, args, photos)
        reference = r["psnr"] if reference is None else reference
        g = r["grad"]
        ratio = g["content"] / g["g_adv"] if g["g_adv"] else math.inf
        print(f"{mode:<12}  {r['psnr']:7.2f}  {r['psnr'] - reference:+7.2f}  "
              f"{r['s_per_step']:6.3f}  {g['content']:.3g} / {g['g_adv']:.3g} / {g['style']:.3g} / "
              f"{g['colour']:.3g} / {g['tv']:.3g}  {ratio:.3g}", flush=True)


if __name__ == "__main__":
    main()
