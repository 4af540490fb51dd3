"""`anime-desktop`: the window with no arguments, headless work with a subcommand.

Subcommands never import PySide6 or torch (a test checks `sys.modules`). Exit codes:
0 done, 1 failed, 2 usage error (CONTRACTS.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from . import __version__
from .core.errors import AnimeDesktopError
from .core.progress import format_eta

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments found after parsing (missing folder, output inside input...)."""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:
        return _open_window()
    if args == ["--version"]:  # answered before any heavy import (settings, numpy, the engine)
        print(f"anime-desktop {__version__}")
        raise SystemExit(EXIT_OK)  # as argparse's version action does
    if args[0] == "--self-test":  # the installer's check, before subcommands (`anime-desktop --self-test -h`)
        from .selftest import main as self_test

        return self_test(args[1:])
    parser = build_parser()
    ns = parser.parse_args(args)
    _warnings_to_stderr()
    try:
        return ns.func(ns)
    except UsageError as exc:
        print(f"anime-desktop: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AnimeDesktopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a file the command itself writes (e.g. --report) in a place it cannot
        print(f"error: {exc.filename or 'a file'}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


class _StderrHandler(logging.StreamHandler):
    """Warnings (a settings field that fell back to its default...) as one line on stderr.

    It looks up `sys.stderr` when it writes, so a redirected or captured stderr gets them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("warning: %(message)s"))
        self.setLevel(logging.WARNING)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # logging.StreamHandler assigns it; we always use sys.stderr
        pass


def _warnings_to_stderr() -> None:
    logger = logging.getLogger("anime_desktop")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())


DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def no_display() -> bool:
    """Linux without X11 or Wayland (and no Qt platform chosen): Qt would abort, not fail.

    Windows and macOS always have a display and have no such variables, so they are not checked.
    """
    return sys.platform.startswith("linux") and not any(os.environ.get(v) for v in DISPLAY_VARIABLES)


def _open_window() -> int:
    if no_display():
        print("anime-desktop: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window "
              "cannot open; the subcommands work without one: see `anime-desktop --help`", file=sys.stderr)
        return EXIT_FAILED
    try:
        from .app import main as app_main  # the only place cli reaches Qt (import-linter ignore)
    except ImportError as exc:
        reason = "this build has no window yet" if exc.name == "anime_desktop.app" else str(exc)
        print(f"the window cannot start ({reason}); use a subcommand, e.g. "
              "`anime-desktop stylize PHOTO.jpg -m MODEL` (see `anime-desktop --help`)", file=sys.stderr)
        return EXIT_FAILED
    return app_main()


def build_parser() -> argparse.ArgumentParser:
    from . import cli_commands as cmd
    from .core.settings import PROVIDERS
    from .diffusion.options import add_arguments as add_diffusion_options

    parser = argparse.ArgumentParser(prog="anime-desktop", description=(
        "Turn photos into anime / cartoon art with ONNX models. Without a subcommand the window opens."))
    parser.add_argument("--version", action="version", version=f"anime-desktop {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation (stylize, faces, video, window) and exit 0/1")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("stylize", help="stylize image files")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument("-o", "--output", type=Path, help="output folder (default: each input's own folder)")
    _model_options(p)
    _output_options(p)
    add_diffusion_options(p)
    p.set_defaults(func=cmd.stylize)

    p = sub.add_parser("batch", help="stylize every image in a folder")
    p.add_argument("in_dir", type=Path, metavar="IN_DIR")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    _model_options(p, many=True)
    _output_options(p)
    p.add_argument("-r", "--recursive", action="store_true", help="include subfolders (mirrored in OUT_DIR)")
    p.add_argument("--report", type=Path, metavar="FILE", help="write skipped files as .json or .csv")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="run on a Ray cluster (ray://host:10001, auto) or `local` (needs the 'cluster' extra); "
                        "IN_DIR and OUT_DIR must be reachable by every worker")
    p.add_argument("--ray-actors", type=int, default=0, metavar="N",
                   help="actors in the pool, each with its own sessions (default: one per CPU of the cluster)")
    add_diffusion_options(p)
    p.set_defaults(func=cmd.batch_command)

    p = sub.add_parser("faces", help="generate a grid of faces (or an interpolation) with a DCGAN model")
    p.add_argument("-m", "--model", metavar="MODEL", help="faces model (default: the installed one)")
    p.add_argument("-n", type=int, default=16, help="number of faces (default 16)")
    p.add_argument("--seed", type=int, default=None, help="first seed (default: random, printed)")
    p.add_argument("--truncation", type=float, default=1.0, help="latent scale; < 1 gives more typical faces")
    p.add_argument("--interpolate", nargs=2, type=int, metavar=("SEED_A", "SEED_B"),
                   help="frames from face SEED_A to face SEED_B instead of a grid")
    p.add_argument("--frames", type=int, default=16, help="interpolation frames (default 16)")
    p.add_argument("--scale", type=int, default=1, help="enlarge each face by this factor (nearest)")
    p.add_argument("--label", type=int, default=None, help="class label for single-label models (default 0)")
    p.add_argument("--attr", action="append", type=_attr, default=[], metavar="NAME=VALUE",
                   help="attribute models: fix an attribute (repeat for several), e.g. --attr hair=green; "
                        "VALUE `any` (or leaving NAME out) draws it at random per face, from the face's seed; "
                        "`models info MODEL` lists the names and values")
    p.add_argument("--attr-to", action="append", type=_attr, default=[], metavar="NAME=VALUE",
                   help="with --interpolate: the end face's attributes, where they differ from --attr")
    p.add_argument("--rank", type=int, default=1, metavar="K",
                   help="draw K candidates per face and keep the one the model's discriminator scores best")
    p.add_argument("-o", "--output", type=Path, required=True, help="grid .png, or .gif/.png for --interpolate")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--provider", choices=PROVIDERS, default=None)
    p.set_defaults(func=cmd.faces)

    p = sub.add_parser("video", help="stylize every frame of a video file, keeping its audio")
    p.add_argument("input", type=Path, metavar="IN", help="video file (mp4, mov, mkv, avi, webm)")
    p.add_argument("output", type=Path, metavar="OUT", help="output video (.mp4 or .mkv; H.264)")
    p.add_argument("-m", "--model", metavar="MODEL", help="installed model name, `toon`, or path to an .onnx file")
    p.add_argument("--size", type=int, default=0, metavar="N",
                   help="process at this short side (e.g. 384; faster), scaled back to the input's size")
    p.add_argument("--steady", action="store_true", help="reduce frame-to-frame flicker on still parts")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality, 0-51, lower is better (default 18)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.add_argument("--provider", choices=PROVIDERS, default=None)
    p.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads (0: one per core)")
    p.set_defaults(func=cmd.video, layout=None, channel_order=None, value_range=None, tile_mp=None)

    p = sub.add_parser("pairs", help="render photo -> teacher training pairs (A/ + B/) for `anime-train paired`")
    _pairs_arguments(p, "the teacher's output")
    p.add_argument("--teacher", required=True, metavar="MODEL",
                   help="the look to imitate: installed model name, `toon`, dreamshaper[:SOURCE], or an .onnx path")
    p.add_argument("--provider", choices=PROVIDERS, default=None)
    add_diffusion_options(p, seed="--sd-seed")
    p.set_defaults(func=cmd.pairs)

    p = sub.add_parser("toon-pairs", help="render photo -> toon training pairs (A/ + B/): `pairs --teacher toon`")
    _pairs_arguments(p, "toon")
    p.set_defaults(func=cmd.pairs, teacher="toon", provider=None)

    models = sub.add_parser("models", help="list, inspect, import, download, edit or remove installed models")
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    msub.add_parser("list", help="installed models").set_defaults(func=cmd.models_list)
    p = msub.add_parser("info", help="metadata and I/O convention of a model")
    p.add_argument("model", metavar="MODEL")
    p.set_defaults(func=cmd.models_info)
    p = msub.add_parser("import", help="validate an .onnx file (or convert .pt/.pth weights) and install it")
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument("--name", type=_name,
                   help="install name (default: from metadata, e.g. hayao-int8, or the file name)")
    p.add_argument("--use", action="store_true",
                   help="also make it the model used when -m is not given (installing alone never does)")
    _metadata_options(p)
    _convention_options(p)
    p.set_defaults(func=cmd.models_import)
    p = msub.add_parser("edit", help="change an installed model's style or licence, or rename it")
    p.add_argument("model", metavar="NAME")
    p.add_argument("--name", dest="new_name", metavar="NEW", help="rename it (a name in use is refused)")
    _metadata_options(p)
    p.set_defaults(func=cmd.models_edit)
    p = msub.add_parser("download", help="download a model file from a URL, check it by a test run and install it")
    p.add_argument("url", metavar="URL", help="direct http(s) link to an .onnx file")
    p.add_argument("--sha256", metavar="HEX", help="refuse the file unless its SHA-256 is this")
    p.add_argument("--name", type=_name, help="install name (default: from metadata or the URL's file name)")
    _metadata_options(p)
    p.add_argument("--max-mb", type=float, default=2048, metavar="N", help="size limit in MB (default 2048)")
    p.add_argument("--timeout", type=float, default=30, metavar="S",
                   help="seconds to wait for the server to connect or send more (default 30)")
    p.add_argument("--use", action="store_true", help="also make it the model used when -m is not given")
    _convention_options(p)
    p.set_defaults(func=cmd.models_download)
    p = msub.add_parser("remove", help="delete an installed model")
    p.add_argument("model", metavar="NAME")
    p.set_defaults(func=cmd.models_remove)
    return parser


def _model_options(p: argparse.ArgumentParser, many: bool = False) -> None:
    from .core.settings import PROVIDERS

    p.add_argument("-m", "--model", action="append" if many else "store", metavar="MODEL",
                   help="installed model name or path to an .onnx file" + (" (repeat for several)" if many else ""))
    p.add_argument("--provider", choices=PROVIDERS, default=None, help="execution provider (default: settings, auto)")
    p.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads (0: one per core)")
    p.add_argument("--tile-mp", type=float, default=None, metavar="MP",
                   help="megapixels per model pass; larger images go through overlapping tiles (default 2)")
    p.add_argument("--work-mp", default=None, metavar="MP|full|auto",
                   help="size a look is applied at: megapixels for every model, 'full' for each photo's own "
                        "size, 'auto' for each model's own (ours: about 1 MP; imported models: full). "
                        "Default: settings, auto")
    _convention_options(p)


def _metadata_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--style", metavar="S", help="style name written into the installed copy, e.g. Hayao")
    p.add_argument("--license", metavar="SPDX", help="licence of the weights, e.g. MIT or CC-BY-NC-4.0")
    p.add_argument("--family", metavar="F", help="model family, e.g. animeganv3 or cartoongan")


def _convention_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layout", choices=("NCHW", "NHWC"), help="override the input layout of a third-party model")
    p.add_argument("--range", dest="value_range", metavar="LO,HI", help="override the value range, e.g. 0,1")
    p.add_argument("--channel-order", choices=("RGB", "BGR"), help="override the colour order")


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("png", "jpg", "webp"), default="png", help="output format (default png)")
    p.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality 1-100 (default 95)")
    p.add_argument("--max-side", type=_size, default=0, metavar="N",
                   help="shrink inputs so the longer side is N (0: no limit)")
    p.add_argument("--keep-colours", type=float, default=0.0, metavar="S",
                   help="0-1: move the output's colours towards the photo's (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs instead of skipping them")


def _size(text: str) -> int:
    """A pixel count of 0 (no limit) or more; argparse turns the ValueError into a usage error."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"wants 0 (no limit) or a number of pixels, not {text}")
    return value



def _pairs_arguments(p: argparse.ArgumentParser, b_is: str) -> None:
    p.add_argument("in_dir", type=Path, metavar="IN_DIR", help="folder of photos")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR", help=f"writes OUT_DIR/A (photos) and OUT_DIR/B ({b_is})")
    p.add_argument("--scales", default=None, help="comma-separated scales rendered per photo (default 1,0.75,0.5)")
    p.add_argument("--slow", action="store_true",
                   help="fewer scales for a slow teacher: scale 1 only (a third of the renders)")
    p.add_argument("--jitters", type=int, default=2, help="colour-jittered copies per scale (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the colour jitter (default 0)")
    p.add_argument("--exclude", default="", metavar="STEMS",
                   help="comma-separated file stems to leave out (held-out evaluation photos)")
    p.add_argument("--work-mp", default=None, metavar="MP|full|auto",
                   help="bring each photo to this many megapixels before the scales apply ('full': as it is; "
                        "default auto: the teacher's working size, about 1 MP for our looks)")


def _attr(text: str) -> tuple[str, str]:
    """NAME=VALUE of --attr; the model says later whether it has that name and value."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"wants NAME=VALUE such as hair=green (or hair=any), not {text!r}")
    return name.strip(), value.strip()


def _name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name; leave --name out to get one derived from the file")
    return text


def progress_bar(total: int, label: str):
    """A terminal progress bar with ETA, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None
    return _Bar(total, label)


class _Bar:
    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.start, self.count = total, label, time.perf_counter(), 0

    def update(self, count: int) -> None:
        self.count = count
        elapsed = time.perf_counter() - self.start
        rate = count / elapsed if elapsed > 0 else 0.0
        eta = (self.total - count) / rate if rate > 0 else 0.0
        filled = int(30 * count / max(self.total, 1))
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {count}/{self.total} "
                         f"{rate:.2f} img/s ETA {format_eta(eta)} ")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")

