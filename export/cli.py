"""`anime-export`: trainer checkpoints and published weights -> the model files the app runs.

  anime-export onnx CHECKPOINT -o MODEL.onnx [--style S] [--license SPDX]
  anime-export fp16 MODEL.onnx -o OUT.onnx
  anime-export int8 MODEL.onnx --calibration DIR -o OUT.onnx [--method minmax|entropy|percentile]
  anime-export verify MODEL.onnx --against CHECKPOINT|MODEL.onnx --images DIR
  anime-export import PATH [--name NAME] [--style S] [--license SPDX]   (.pt/.pth or .onnx)
  anime-export build-student --teacher MODEL --photos DIR --name NAME [--held-out a,b] [--steps N] [--gates off]

Exit codes: 0 done, 1 failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from anime_desktop.core.errors import AnimeDesktopError


def build_parser() -> argparse.ArgumentParser:
    from anime_desktop.diffusion.options import add_arguments as add_diffusion_options

    parser = argparse.ArgumentParser(prog="anime-export", description="Bring models into Anime Desktop.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("onnx", help="trainer checkpoint (run folder, checkpoint folder or snapshot) -> ONNX")
    p.add_argument("checkpoint", type=Path, metavar="CHECKPOINT")
    p.add_argument("-o", "--output", type=Path, required=True)
    _facts(p)
    p.set_defaults(func=_onnx)

    p = sub.add_parser("discriminator", help="a DCGAN run's discriminator -> ONNX, shipped beside the generator")
    p.add_argument("checkpoint", type=Path, metavar="CHECKPOINT")
    p.add_argument("-o", "--output", type=Path, required=True, help="name it <generator>.disc.onnx")
    p.add_argument("--license", default="")
    p.set_defaults(func=_discriminator)

    p = sub.add_parser("fp16", help="FP16 weights, FP32 inputs/outputs")
    p.add_argument("model", type=Path, metavar="MODEL.onnx")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.set_defaults(func=_fp16)

    p = sub.add_parser("int8", help="static INT8 (QDQ, per-channel) calibrated on photos")
    p.add_argument("model", type=Path, metavar="MODEL.onnx")
    p.add_argument("--calibration", type=Path, help="folder of photos (without it: dynamic quantization)")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--method", choices=("minmax", "entropy", "percentile"), default="minmax")
    p.add_argument("--count", type=int, default=16, help="calibration images to use (default 16)")
    p.add_argument("--float-ends", action="store_true", help="keep the first and last convolution in float")
    p.set_defaults(func=_int8)

    p = sub.add_parser("verify", help="PSNR / SSIM / max error / speed against PyTorch or another model")
    p.add_argument("model", type=Path, metavar="MODEL.onnx")
    p.add_argument("--against", type=Path, required=True, metavar="CHECKPOINT|MODEL.onnx")
    p.add_argument("--images", type=Path, help="folder of photos (not needed for latent models)")
    p.add_argument("--max-side", type=int, default=512)
    p.set_defaults(func=_verify)

    p = sub.add_parser("build-default", help="rebuild the shipped default model (toon pairs -> train -> INT8)")
    p.add_argument("--kodak", type=Path, required=True, help="the Kodak24 folder (kodim01.png ... kodim24.png)")
    p.add_argument("--work", type=Path, default=None, help="working folder (default build/<look>-model)")
    p.add_argument("--out", type=Path, default=Path("resources/models"), help="where to ship the files")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 4500)")
    p.add_argument("--reference", type=Path, help="an .onnx model to compare speed with (AnimeGANv3 tiny_Cute)")
    p.add_argument("--work-mp", default=None, metavar="MP|full",
                   help="learn and judge the look at this working size (default: the look's own, 1 MP)")
    p.add_argument("--look", choices=("toon", "cel"), default="toon",
                   help="which built-in look: toon (toon-default, the default) or cel (cel-default)")
    p.add_argument("--faces", type=Path, action="append", default=[], metavar="DIR",
                   help="more photos with faces for the ink-on-skin gate (first 120 of each; local measurement "
                        "only, e.g. selfie2anime_1000/trainA); repeatable")
    p.set_defaults(func=_build_default)

    p = sub.add_parser("build-student", help="distil any look into a fast model of your own (pairs -> train -> INT8)")
    p.add_argument("--teacher", required=True, metavar="MODEL",
                   help="installed model name, `toon`, dreamshaper[:SOURCE], or an .onnx path")
    p.add_argument("--photos", type=Path, required=True, help="folder of photos to learn from")
    p.add_argument("--name", required=True, help="install name of the student")
    p.add_argument("--held-out", default="", metavar="STEMS",
                   help="comma-separated photo stems kept for the quality check (default: every fifth photo)")
    p.add_argument("--steps", type=_at_least(1), default=None, help="training steps (default 4500)")
    p.add_argument("--gates", default="on", metavar="on|off|KEY=V,...",
                   help="quality gates against the teacher (default: the default model's; e.g. mean_psnr=22)")
    p.add_argument("--slow", action="store_true", help="fewer scales, for a teacher that takes seconds a photo")
    p.add_argument("--work", type=Path, default=None, help="working folder (default build/student-NAME)")
    p.add_argument("--no-speed", dest="speed", action="store_false", help="skip the 720p speed comparison")
    p.add_argument("--work-mp", default=None, metavar="MP|full",
                   help="the size the look is learned at and the student's own working size "
                        "(default: the teacher's; 1 MP for toon and cel, full for imported models)")
    add_diffusion_options(p, steps="--sd-steps")
    p.set_defaults(func=_build_student)

    p = sub.add_parser("build-faces", help="rebuild the shipped faces model (procedural faces -> DCGAN -> ONNX)")
    p.add_argument("--work", type=Path, default=Path("build/faces-model"), help="working folder")
    p.add_argument("--out", type=Path, default=Path("resources/models"), help="where to ship the files")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 5000)")
    p.add_argument("--count", type=_at_least(1), default=20_000, help="procedural faces to train on (default 20000)")
    p.add_argument("--classifier-steps", type=_at_least(1), default=None,
                   help="steps of the attribute classifier that judges the model (default 2500)")
    p.add_argument("--held-out", type=_at_least(2), default=1000,
                   help="held-out faces SWD is measured on (default 1000)")
    p.set_defaults(func=_build_faces)

    p = sub.add_parser("import", help="published weights (.pt/.pth, or .onnx) -> an installed app model")
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument("--name", help="install name (default: <style>-<precision> or the file name)")
    p.add_argument("--family", default="", help="for .onnx: animegan, animeganv3, cartoongan, pix2pix, dcgan, ...")
    _facts(p)
    p.add_argument("--layout", choices=("NCHW", "NHWC"))
    p.add_argument("--range", dest="value_range", metavar="LO,HI")
    p.add_argument("--channel-order", choices=("RGB", "BGR"))
    p.set_defaults(func=_import)
    return parser


def _at_least(low: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return value

    return parse


def _facts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--style", default="", help="style name shown in the app")
    p.add_argument("--license", default="", help="SPDX identifier or LicenseRef-..., e.g. Apache-2.0")
    p.add_argument("--source-url", default="", help="where the weights come from")


def _onnx(ns) -> int:
    from .to_onnx import export_checkpoint

    out = export_checkpoint(ns.checkpoint, ns.output, ns.style, ns.license, ns.source_url)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def _discriminator(ns) -> int:
    from .to_onnx import export_discriminator

    out = export_discriminator(ns.checkpoint, ns.output, ns.license)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def _fp16(ns) -> int:
    from .shrink import to_fp16

    out = to_fp16(ns.model, ns.output)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {_ratio(out, ns.model)} of FP32)")
    return 0


def _int8(ns) -> int:
    from .shrink import first_and_last_convs, to_int8

    exclude = first_and_last_convs(ns.model) if ns.float_ends else []
    out = to_int8(ns.model, ns.output, ns.calibration, ns.method, exclude, ns.count)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {_ratio(out, ns.model)} of FP32)")
    return 0


def _ratio(a: Path, b: Path) -> str:
    return f"{a.stat().st_size / b.stat().st_size:.0%}"


def _verify(ns) -> int:
    from .verify import table, verify

    rows = verify(ns.model, ns.against, ns.images, ns.max_side)
    print(table(rows, ns.model, ns.against))
    return 0


def _build_default(ns) -> int:
    from .build_default import DEFAULT_STEPS, build

    missing = [f"kodim{i:02d}.png" for i in range(1, 25) if not (ns.kodak / f"kodim{i:02d}.png").is_file()]
    if missing:
        raise ValueError(f"{ns.kodak} lacks {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}: "
                         "build-default needs the whole Kodak24 set")
    work = ns.work or Path("build") / ("default-model" if ns.look == "toon" else f"{ns.look}-model")
    return build(ns.kodak, work, ns.out, ns.steps or DEFAULT_STEPS, ns.reference, look=ns.look, faces=ns.faces,
                 work_mp=_work_mp(ns))


def _work_mp(ns) -> float | None:
    from anime_desktop.core import worksize

    try:
        return worksize.parse(ns.work_mp)
    except ValueError as exc:
        raise SystemExit(f"anime-export: --work-mp: {exc}") from None


def _build_student(ns) -> int:
    from anime_desktop.diffusion.options import from_arguments

    from .build_student import DEFAULT_STEPS, Gates, build

    if not ns.photos.is_dir():
        raise ValueError(f"photo folder {ns.photos} does not exist or is not a folder")
    held = [v.strip() for v in ns.held_out.split(",") if v.strip()]
    student = build(ns.teacher, ns.photos, ns.name, ns.work or Path("build") / f"student-{ns.name}",
                    ns.steps or DEFAULT_STEPS, held, Gates.parse(ns.gates), ns.slow, ns.speed,
                    dreamshaper=from_arguments(ns), work_mp=_work_mp(ns))
    print(f"model card: {student.card}")
    return 0 if student.installed else 1


def _build_faces(ns) -> int:
    from .build_faces import CLASSIFIER_STEPS, DEFAULT_STEPS, build

    return build(ns.work, ns.out, ns.steps if ns.steps is not None else DEFAULT_STEPS, ns.count, ns.held_out,
                 ns.classifier_steps or CLASSIFIER_STEPS)


def _import(ns) -> int:
    if ns.path.suffix.lower() in (".pt", ".pth", ".ckpt", ".bin"):
        from .importers import import_pytorch

        info = import_pytorch(ns.path, ns.name, ns.style, ns.license, ns.source_url, ns.family)
    else:
        from .annotate import import_onnx

        overrides = {"layout": ns.layout, "channel_order": ns.channel_order}
        if ns.value_range:
            overrides["value_range"] = tuple(float(v) for v in ns.value_range.split(","))
        facts = {"family": ns.family, "style": ns.style, "license": ns.license, "source": ns.source_url}
        info = import_onnx(ns.path, ns.name, facts, {k: v for k, v in overrides.items() if v})
    print(f"installed '{info.name}' ({info.family}, {info.precision}) -> {info.path}")
    return 0


# Modules of the extras some commands need, and the pip command that brings each (CONTRACTS.md,
# "Missing extras"). The commands import them lazily, so `--help` works without any of them.
EXTRA_OF = {"torch": "train", "torchvision": "train", "torchmetrics": "train", "torch_fidelity": "train",
            "onnxscript": "train", "onnxconverter_common": "train", "onnxruntime": "cpu"}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    ns = build_parser().parse_args(argv)
    try:
        return ns.func(ns)
    except ModuleNotFoundError as exc:
        extra = EXTRA_OF.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        print(f"anime-export: `{ns.command}` needs {exc.name}: pip install 'anime-desktop[{extra}]'", file=sys.stderr)
        return 1
    except (AnimeDesktopError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk or a read-only folder among the files a stage writes
        print(f"error: {exc.filename or 'a file'}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
