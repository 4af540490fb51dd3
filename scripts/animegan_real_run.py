"""A real AnimeGANv3 run on an unpaired photo/anime set, measured as issue 22 asks (local use only).

  python scripts/animegan_real_run.py --data ../shared/datasets/selfie2anime_1000 --work build/v3-run \
      [--steps 6000] [--init-steps 1200] [--size 64]

Stages (each a command a user could run by hand):
  split     every 10th photo and anime picture is held out (symlinks in WORK/held), the rest in WORK/train
  judge     anime-train classifier --class anime=WORK/train/anime_images --class photo=WORK/train/real_images:
            the anime-vs-photo style classifier, trained on real pictures of both domains only
  train     anime-train animeganv3 on WORK/train with the settings for a machine without VGG19 weights:
            the tiny G, content_loss=pixel, no grey-style term and SETTINGS below (README, "A real
            AnimeGANv3 run"), a checkpoint at the end of the init phase and at the end; a run already in
            WORK/run is resumed (`--resume`) up to --steps, so a finished run can be taken further
  report    benchmarks/animegan_run_report.py on the held-out photos: PSNR and SSIM to the photo, the share
            the classifier calls anime, SWD to the held-out anime pictures, at both checkpoints, and a sheet

The data sets this runs on are copyrighted: the run folder, its samples and the sheet stay local.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOMAINS = {"real_images": ("trainA", "real_images"), "anime_images": ("trainB", "anime_images")}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
# What a run without VGG19 weights needs (measured in 800-step pilots at 64 px, README): adversarial weight
# 10 (the papers' 300 drowned every content term), G at 5x the papers' rate, and D trained every step at
# 1e-4 (v3's one D step per five G steps left D too weak: 0-1 % of held-out photos judged anime, against
# 13-26 % with D every step); colour weight 2 after the init phase (10 there, to rebuild the photo), so
# the colours can move toward the anime domain; TV 10 against the stripes a strong D draws first.
SETTINGS = ["--weight_adv_g=10", "--weight_adv_d=10", "--lr_g=1e-4", "--lr_d=1e-4", "--d_every=1",
            "--weight_colour=2", "--weight_colour_init=10", "--weight_tv=10"]


def run(stage: str, args: list[str]) -> None:
    print(f"== {stage}: {' '.join(args)}", flush=True)
    if subprocess.run([sys.executable, *args], cwd=REPO).returncode != 0:
        raise SystemExit(f"animegan_real_run: stage '{stage}' failed")


def split(data: Path, work: Path, every: int = 10) -> None:
    """WORK/train and WORK/held, each with real_images/ and anime_images/ (symlinks, every `every`-th held)."""
    for target, names in DOMAINS.items():
        source = next((data / n for n in names if (data / n).is_dir()), None)
        if source is None:
            raise SystemExit(f"{data}: needs {' or '.join(names)}/ (photos) and trainB/ or anime_images/ (anime)")
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for i, file in enumerate(files):
            link = work / ("held" if i % every == every - 1 else "train") / target / file.name
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                link.symlink_to(file.resolve())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="trainA/ + trainB/ (or real_images/ + anime_images/)")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "animeganv3-run")
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--init-steps", type=int, default=1200, help="content-only steps (at most 20 %% of --steps)")
    parser.add_argument("--size", type=int, default=64, help="image side (at most 128; 64 lets D see most of a face)")
    parser.add_argument("--batch", type=int, default=8)
    args, extra = parser.parse_known_args()  # --key=value config overrides go to anime-train
    if args.init_steps > 0.2 * args.steps:
        parser.error("--init-steps must be at most 20 % of --steps")
    work, started = args.work, time.perf_counter()
    split(args.data, work)
    judge = work / "style.pt"
    if not judge.is_file():
        run("judge", ["-m", "trainer", "classifier", "--class", f"anime={work / 'train' / 'anime_images'}",
                      "--class", f"photo={work / 'train' / 'real_images'}", "--out", str(judge)])
    resume = ["--resume"] if any((work / "run").glob("checkpoint-*/state.pt")) else []
    run("train", ["-m", "trainer", "animeganv3", "--data", str(work / "train"), "--out", str(work / "run"),
                  "--steps", str(args.steps), *resume, "--generator=tiny", "--content_loss=pixel", "--weight_style=0",
                  *SETTINGS, "--d_channels=16", f"--image_size={args.size}",
                  f"--batch_size={args.batch}", f"--init_steps={args.init_steps}",
                  f"--save_every={args.init_steps}", "--keep_checkpoints=100",
                  f"--sample_every={max(args.steps // 10, 1)}", "--log_every=50", *extra])
    trained = time.perf_counter()
    run("report", [str(REPO / "benchmarks" / "animegan_run_report.py"), "--photos", str(work / "held" / "real_images"),
                   "--anime", str(work / "held" / "anime_images"), "--classifier", str(judge), "--size", str(args.size),
                   str(work / "run" / f"checkpoint-{args.init_steps}"), str(work / "run" / f"checkpoint-{args.steps}"),
                   "--grid", str(work / "sheet.png"), "--json", str(work / "report.json")])
    print(f"trained in {(trained - started) / 60:.1f} min (with the judge); all in "
          f"{(time.perf_counter() - started) / 60:.1f} min; sheet: {work / 'sheet.png'} (copyrighted: keep it local)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
