"""`anime-train`: train a family, or evaluate generated images.

  anime-train {animegan,animeganv3,cartoongan,pix2pix,dcgan,paired} --data DIR --out RUN_DIR
              [--config FILE] [--steps N] [--resume [PATH]] [--dry-run] [--key=value ...]
  anime-train eval --real DIR --fake DIR [--metrics swd,fid,kid,lpips,is]
  anime-train eval --checkpoint RUN --data DIR [--metrics ...]
  anime-train render-faces OUT_DIR [--count N] [--seed S]      procedural anime faces (ours to ship)
  anime-train prepare-faces IN_DIR OUT_DIR [--size 64] [--cascade FILE]   face crops for DCGAN data

`--steps` is the total to reach, so a resumed run continues to it. Exit codes: 0 done,
1 failed, 2 usage error (bad arguments, config keys or data folders), 130 interrupted
(after saving a checkpoint).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .config import ConfigError

# What the `train` extra brings; a command that meets one of these missing says which pip
# command installs it instead of a traceback (CONTRACTS.md, "Missing extras"). Everything
# that imports torch is imported inside the commands, so `--help` works without it.
TRAIN_EXTRA_MODULES = frozenset({"torch", "torchvision", "torchmetrics", "torch_fidelity", "onnxscript",
                                 "onnxconverter_common"})
NEEDS_TRAIN = "anime-train: this command needs PyTorch: pip install 'anime-desktop[train]'"

DEFAULT_STEPS = 10_000
FAMILY_NAMES = ("animegan", "animeganv3", "cartoongan", "pix2pix", "dcgan", "paired")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anime-train", description="Train Anime Desktop's model families.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in FAMILY_NAMES:
        p = sub.add_parser(name, help=f"train {name}")
        p.add_argument("--data", type=Path, required=True, help="data folder (see README: Train)")
        p.add_argument("--out", type=Path, required=True, help="run folder (config, logs, samples, checkpoints)")
        p.add_argument("--config", type=Path, help="TOML, JSON or YAML file of config fields")
        p.add_argument("--steps", type=int, default=None, help=f"total steps to reach (default {DEFAULT_STEPS})")
        p.add_argument("--resume", nargs="?", const="latest", default=None, metavar="PATH",
                       help="continue from the run's latest checkpoint, or from PATH")
        p.add_argument("--dry-run", action="store_true", help="print the resolved plan and exit")
        p.add_argument("--content-weights", type=Path, help="VGG19 weights file for content/style losses")
        p.add_argument("--random-content-net", action="store_true",
                       help="run with a randomly initialised VGG19 (tests and experiments only)")
    p = sub.add_parser("render-faces", help="draw procedural anime faces into OUT_DIR/faces.npz (ours to ship)")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    p.add_argument("--count", type=int, default=20_000, help="number of faces (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="face i is drawn from (seed, i): same seed, same faces")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--png", type=int, default=0, metavar="N", help="also write the first N faces as PNG files")
    p = sub.add_parser("prepare-faces", help="crop faces from pictures for DCGAN training")
    p.add_argument("in_dir", type=Path, metavar="IN_DIR")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    p.add_argument("--size", type=int, default=64, help="output side in pixels (default 64)")
    p.add_argument("--margin", type=float, default=0.25, help="extra border around each face, as a fraction")
    p.add_argument("--cascade", type=Path, help="OpenCV cascade XML (for drawings, e.g. lbpcascade_animeface.xml)")
    p.add_argument("--min-face", type=int, default=24, help="smallest face to keep, in pixels")
    p = sub.add_parser("eval", help="SWD / FID / KID / LPIPS / IS of generated vs real images")
    p.add_argument("--real", type=Path)
    p.add_argument("--fake", type=Path)
    p.add_argument("--checkpoint", type=Path, help="generate the fakes from this run or checkpoint first")
    p.add_argument("--data", type=Path, help="with --checkpoint: the real images (and inputs)")
    p.add_argument("--metrics", default="swd", help="comma-separated: swd,fid,kid,lpips,is (default swd)")
    p.add_argument("--limit", type=int, default=None, help="use at most this many images of each set")
    p.add_argument("--size", type=int, default=None, help="resize images to SIZE x SIZE first")
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    parser = build_parser()
    ns, extra = parser.parse_known_args(argv)
    try:
        return _dispatch(ns, extra, parser)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in TRAIN_EXTRA_MODULES:
            raise
        print(f"{NEEDS_TRAIN} (no module named '{exc.name}')", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        code = _exit_code(exc)
        if code is None:
            raise
        print(f"anime-train: error: {exc}", file=sys.stderr)
        return code


def _dispatch(ns, extra: list[str], parser) -> int:
    if ns.command in ("render-faces", "prepare-faces"):
        if extra:
            parser.error(f"unrecognised arguments: {' '.join(extra)}")
        return _render_faces(ns) if ns.command == "render-faces" else _prepare_faces(ns)
    if ns.command == "eval":
        if extra:
            parser.error(f"unrecognised arguments: {' '.join(extra)}")
        return _eval(ns)
    return _train(ns, extra, parser)


def _exit_code(exc: Exception) -> int | None:
    """2 for bad arguments, config or data; 1 for other failures a person can act on; None for a bug."""
    usage, failures = _torch_module_errors()
    if isinstance(exc, (ConfigError, *usage)):
        return 2
    if isinstance(exc, (FileNotFoundError, ValueError, *failures)):
        return 1
    return None


def _torch_module_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(usage errors, failures) defined in modules that import torch. Without torch none of them
    can have been raised, so both are empty then."""
    try:
        from .content_net import MissingWeights
        from .data import DataError
        from .loop import Diverged
    except ImportError:
        return (), ()
    return (DataError,), (MissingWeights, Diverged)


def _train(ns, extra: list[str], parser) -> int:
    from . import checkpoint, config
    from .families import FAMILIES
    from .loop import RunPlan, train

    bad = [a for a in extra if not (a.startswith("--") and "=" in a)]
    if bad:
        parser.error(f"unrecognised arguments: {' '.join(bad)} (config overrides look like --key=value)")
    family = FAMILIES[ns.command]
    resume = None
    base = None
    if ns.resume:
        resume = checkpoint.resolve(ns.out if ns.resume == "latest" else Path(ns.resume))
        base = checkpoint.load(resume)["config"]  # a resumed run keeps its config unless overridden
    settings = config.load(family.config_class, ns.config, extra) if base is None else \
        config.load(family.config_class, None, [f"--{k}={v}" for k, v in base.items()] + extra)
    steps = ns.steps if ns.steps is not None else DEFAULT_STEPS
    plan = RunPlan(ns.command, ns.data, ns.out, steps, settings, resume, ns.content_weights, ns.random_content_net)
    if ns.dry_run:
        print(json.dumps({"family": plan.family, "data": str(plan.data), "out": str(plan.out), "steps": steps,
                          "resume": str(resume) if resume else None, "config": config.to_dict(settings)}, indent=2))
        return 0
    final = train(plan)
    print(f"done: {final}")
    return 0


def _render_faces(ns) -> int:
    import numpy as np
    from PIL import Image

    from .procedural_faces import render_set

    if ns.count < 1 or ns.size < 16:
        raise ConfigError("--count must be at least 1 and --size at least 16")
    ns.out_dir.mkdir(parents=True, exist_ok=True)
    faces = render_set(ns.count, ns.seed, ns.size)
    np.savez(ns.out_dir / "faces.npz", images=faces)
    for i in range(min(ns.png, ns.count)):
        Image.fromarray(faces[i]).save(ns.out_dir / f"face-{i:05d}.png")
    print(f"wrote {ns.count} faces ({ns.size}x{ns.size}, seed {ns.seed}) to {ns.out_dir / 'faces.npz'}")
    return 0


def _prepare_faces(ns) -> int:
    from .face_crops import prepare_faces

    if ns.out_dir.resolve() == ns.in_dir.resolve():
        raise ConfigError("OUT_DIR must differ from IN_DIR")
    r = prepare_faces(ns.in_dir, ns.out_dir, ns.size, ns.margin, ns.cascade, ns.min_face)
    print(f"{r.faces} face(s) from {r.images} picture(s) into {ns.out_dir}; {r.without_face} without a face, "
          f"{r.unreadable} unreadable (skipped)")
    return 0 if r.faces else 1


def _eval(ns) -> int:
    from .metrics.evaluate import evaluate, load_folder

    metrics = [m.strip() for m in ns.metrics.split(",") if m.strip()]
    if ns.checkpoint:
        if not ns.data:
            raise ValueError("--checkpoint needs --data (the real images to compare with)")
        from .generate import fakes_for

        real, fake = fakes_for(ns.checkpoint, ns.data, ns.limit)
    else:
        if not (ns.real and ns.fake):
            raise ValueError("eval needs --real DIR and --fake DIR, or --checkpoint RUN --data DIR")
        real = load_folder(ns.real, ns.size, ns.limit)
        fake = load_folder(ns.fake, ns.size or real.shape[-1], ns.limit)
    results = evaluate(real, fake, metrics)
    for key, value in results.items():
        print(f"{key:>12}: {value:.4f}" if isinstance(value, float) else f"{key:>12}: {value}")
    if ns.json:
        ns.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0
