"""`anime-export`: bring models into the app.

This release converts third-party ONNX files (AnimeGANv3 and others): `import` adds the
app's metadata without touching the graph and installs the result. Checkpoint export,
FP16/INT8 conversion and PyTorch weights need the `train` extra and arrive with the trainer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anime_desktop.core.errors import AnimeDesktopError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anime-export", description="Bring models into Anime Desktop.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = sub.add_parser("import", help="add app metadata to a published .onnx file and install it")
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument("--name", help="install name (default: <style>-<precision> or the file name)")
    p.add_argument("--family", default="", help="animegan, animeganv3, cartoongan, pix2pix, dcgan, ...")
    p.add_argument("--style", default="", help="style name shown in the app, e.g. Cute")
    p.add_argument("--license", default="", help="SPDX identifier or LicenseRef-..., e.g. CC-BY-NC-4.0")
    p.add_argument("--source-url", default="", help="where the weights were published")
    p.add_argument("--layout", choices=("NCHW", "NHWC"))
    p.add_argument("--range", dest="value_range", metavar="LO,HI")
    p.add_argument("--channel-order", choices=("RGB", "BGR"))
    p.set_defaults(func=_import)
    return parser


def _import(ns) -> int:
    from .annotate import import_onnx

    if ns.path.suffix.lower() != ".onnx":
        print(f"error: {ns.path}: only .onnx files can be imported by this version "
              "(PyTorch weights need the trainer, which is not part of this build yet)", file=sys.stderr)
        return 1
    overrides = {"layout": ns.layout, "channel_order": ns.channel_order}
    if ns.value_range:
        overrides["value_range"] = tuple(float(v) for v in ns.value_range.split(","))
    facts = {"family": ns.family, "style": ns.style, "license": ns.license}
    if ns.source_url:
        facts["source"] = ns.source_url
    info = import_onnx(ns.path, ns.name, facts, {k: v for k, v in overrides.items() if v})
    print(f"installed '{info.name}' ({info.family}, {info.precision}) -> {info.path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        return ns.func(ns)
    except AnimeDesktopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
