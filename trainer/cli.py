"""`anime-train`: train a family, or evaluate generated images.

  anime-train {animegan,animeganv3,cartoongan,pix2pix,dcgan,paired} --data DIR --out RUN_DIR
              [--config FILE] [--steps N] [--resume [PATH]] [--dry-run] [--key=value ...]
  anime-train eval --real DIR --fake DIR [--metrics swd,fid,kid,lpips,is]
  anime-train eval --checkpoint RUN --data DIR [--metrics ...]
  anime-train eval --metrics attr-acc --classifier C (--checkpoint RUN | --fake DIR --target NAME=VALUE)
  anime-train classifier (--data FACE_SET | --class VALUE=DIR ...) --out C.pt   the attr-acc judge
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
    p.add_argument("--classifier", type=Path, help="attr-acc: a classifier from `anime-train classifier`")
    p.add_argument("--target", metavar="NAME=VALUE",
                   help="attr-acc with --fake: the share of fakes the classifier calls VALUE (e.g. style=anime)")
    p = sub.add_parser("classifier", help="train an attribute or style classifier (the attr-acc judge)")
    p.add_argument("--data", type=Path, help="a labelled face set (.npz or folder of them, from render-faces)")
    p.add_argument("--class", dest="classes", action="append", default=[], metavar="VALUE=DIR",
                   help="a class and its folder of images (repeat; e.g. --class anime=trainB --class photo=trainA)")
    p.add_argument("--attribute", default="style", help="with --class: the attribute's name (default style)")
    p.add_argument("--out", type=Path, required=True, help="classifier file to write (.pt)")
    p.add_argument("--size", type=int, default=64, help="image side the classifier sees (default 64)")
    p.add_argument("--steps", type=int, default=1500, help="training steps (default 1500)")
    p.add_argument("--held-out", type=float, default=0.1, help="share of images held out to measure it")
    p.add_argument("--limit", type=int, default=None, help="with --class: at most this many images per class")
    p.add_argument("--seed", type=int, default=0)
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
    if ns.command in ("eval", "classifier"):
        if extra:
            parser.error(f"unrecognised arguments: {' '.join(extra)}")
        return _eval(ns) if ns.command == "eval" else _classifier(ns)
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

    from .procedural_faces import ATTRIBUTES, HIDDEN_WHEN, render_labelled

    if ns.count < 1 or ns.size < 16:
        raise ConfigError("--count must be at least 1 and --size at least 16")
    ns.out_dir.mkdir(parents=True, exist_ok=True)
    faces, attributes, visible = render_labelled(ns.count, ns.seed, ns.size)
    # the labels travel with the images: column j of `attributes` is the j-th name of
    # `attribute_names` (name -> value names), `visible` says where it can be seen
    np.savez(ns.out_dir / "faces.npz", images=faces, attributes=attributes, visible=visible,
             attribute_names=np.array(json.dumps(ATTRIBUTES)), hidden_when=np.array(json.dumps(HIDDEN_WHEN)))
    for i in range(min(ns.png, ns.count)):
        Image.fromarray(faces[i]).save(ns.out_dir / f"face-{i:05d}.png")
    print(f"wrote {ns.count} faces ({ns.size}x{ns.size}, seed {ns.seed}) with their attributes "
          f"({', '.join(ATTRIBUTES)}) to {ns.out_dir / 'faces.npz'}")
    return 0


def _prepare_faces(ns) -> int:
    from .face_crops import prepare_faces

    if ns.out_dir.resolve() == ns.in_dir.resolve():
        raise ConfigError("OUT_DIR must differ from IN_DIR")
    r = prepare_faces(ns.in_dir, ns.out_dir, ns.size, ns.margin, ns.cascade, ns.min_face)
    print(f"{r.faces} face(s) from {r.images} picture(s) into {ns.out_dir}; {r.without_face} without a face, "
          f"{r.unreadable} unreadable (skipped)")
    return 0 if r.faces else 1


def _classifier(ns) -> int:
    from . import classifier

    if bool(ns.data) == bool(ns.classes):
        raise ConfigError("give either --data FACE_SET or two or more --class VALUE=DIR")
    if ns.data:
        data = classifier.from_face_set(ns.data)
    else:
        classes = []
        for item in ns.classes:
            value, sep, folder = item.partition("=")
            if not sep or not value:
                raise ConfigError(f"--class {item!r} must look like VALUE=DIR")
            classes.append((value, Path(folder)))
        if len(classes) < 2 or len({v for v, _ in classes}) != len(classes):
            raise ConfigError("--class needs at least two different values")
        data = classifier.from_class_folders(classes, ns.attribute, ns.size, ns.limit)
    if not 0 < ns.held_out < 0.5 or ns.steps < 1:
        raise ConfigError("--held-out must be between 0 and 0.5, and --steps at least 1")
    record = classifier.train(data, ns.out, ns.size, ns.steps, held_out=ns.held_out, seed=ns.seed,
                              log=lambda line: print(line, file=sys.stderr))
    print(f"wrote {ns.out}: {len(data.table)} attribute(s), {record['train_count']} training images; "
          f"held-out accuracy ({record['held_out_count']} images, where visible):")
    for name, value in record["held_out_accuracy"].items():
        print(f"{name:>12}: {value:.4f}")
    return 0


def _attr_acc(ns) -> dict[str, float]:
    """attr-acc: per attribute of a checkpoint's generator (and of its untrained twin), or the
    share of --fake images the classifier puts in --target."""
    from .classifier import Classifier
    from .metrics import attributes as attr_metrics

    if not ns.classifier:
        raise ValueError("attr-acc needs --classifier FILE (from anime-train classifier)")
    judge = Classifier(ns.classifier)
    if ns.fake and ns.target:
        from .metrics.evaluate import load_folder

        fake = load_folder(ns.fake, ns.size or judge.size, ns.limit).permute(0, 2, 3, 1).numpy()
        result = {f"share {ns.target}": attr_metrics.style_share(judge, fake, ns.target), "images": len(fake)}
        result.update({f"classifier held-out {k}": v for k, v in judge.held_out_accuracy.items()})
        return result
    if not ns.checkpoint:
        raise ValueError("attr-acc needs --checkpoint RUN (an attribute model) or --fake DIR --target NAME=VALUE")
    import torch

    from .generate import load_generator, untrained_twin

    g, config, name = load_generator(ns.checkpoint)
    table = config.attribute_table() if name == "dcgan" else {}
    if not table:
        raise ValueError(f"{ns.checkpoint}: not an attribute model; for a stylizer use --fake DIR --target NAME=VALUE")

    def runner(net):
        @torch.no_grad()
        def generate(latents, rows):
            out = net(torch.from_numpy(latents), torch.from_numpy(rows))
            return ((out.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        return generate

    count = ns.limit or 1000
    result = {}
    for label, net in (("trained", g), ("untrained", untrained_twin(config))):
        scores = attr_metrics.attribute_accuracy(judge, runner(net), table, count, config.latent_dim)
        result.update({f"{label} {k}": v for k, v in scores.items()})
    result.update({f"classifier held-out {k}": v for k, v in judge.held_out_accuracy.items() if k in table})
    return result


def _eval(ns) -> int:
    from .metrics.evaluate import evaluate, load_folder

    metrics = [m.strip() for m in ns.metrics.split(",") if m.strip()]
    if "attr-acc" in metrics:
        if metrics != ["attr-acc"]:
            raise ValueError("attr-acc runs on its own: --metrics attr-acc")
        results = _attr_acc(ns)
        for key, value in results.items():
            print(f"{key:>32}: {value:.4f}" if isinstance(value, float) else f"{key:>32}: {value}")
        if ns.json:
            ns.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
        return 0
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
