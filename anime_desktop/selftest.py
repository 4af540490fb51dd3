"""`anime-desktop --self-test [CHECK ...]`: does this installation work? One line per check, a summary, exit 0/1.

The checks run the product's own code paths (the CLI's `stylize`, `faces` and `video`, the window's
`app.main`) in a throw-away `ANIME_DESKTOP_HOME`, so they never read or change the user's models,
settings or logs, and never write next to the app (a bundle may sit in a read-only folder):

- `stylize`: the bundled sample through the shipped default model. In a PyInstaller bundle the output
  must equal, within 1 grey level, the reference the installed package made from the same file when the
  bundle was built (`python -m anime_desktop.selftest --make-reference FILE`, run by the spec). Outside a
  bundle there is no reference to compare with (the installed package *is* the reference), so the line
  says so and checks only the size and that the look changed.
- `faces`: a 4x4 grid from the shipped faces model.
- `video`: a 1-second clip with a sound track, made here with PyAV, converted by `video`; the output
  must have every frame and the sound.
- `window`: the window opens (offscreen, so no display is needed), lists the models, and closes.

Qt is imported only inside the window check (import-linter: only gui/app import PySide6).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CHECKS = ("stylize", "faces", "video", "window")
SAMPLE = ("samples", "kodim23.png")
DEFAULT_MODEL = "toon-default-int8"  # the shipped default (catalog.shipped_default); pinned so the reference matches
REFERENCE_NAME = "selftest-reference.png"
CLIP_SECONDS, CLIP_FPS, CLIP_SIZE = 1, 12, (160, 96)


class CheckFailed(Exception):
    """A check's one-line reason."""


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def reference_path() -> Path | None:
    """The build-time reference inside a bundle (`anime_desktop/` beside the resources), else None."""
    if not frozen():
        return None
    return Path(sys._MEIPASS) / "anime_desktop" / REFERENCE_NAME


# --- running the CLI in-process, quietly ----------------------------------------------------------
def _cli(*args: str) -> str:
    """Run `anime-desktop ARGS` in this process; its output is returned, a non-zero exit raises."""
    from .cli import main as cli_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli_main(list(args))
    text = out.getvalue().strip()
    if code != 0:
        last = text.splitlines()[-1] if text else "no message"
        raise CheckFailed(f"`anime-desktop {args[0]}` exited {code}: {last}")
    return text


def stylize_sample(out_dir: Path) -> Path:
    """The one code path both the reference and the check use: the CLI's stylize on the sample."""
    from .core.resources import resource_path

    sample = resource_path(*SAMPLE)
    _cli("stylize", str(sample), "-o", str(out_dir), "-m", DEFAULT_MODEL, "--provider", "cpu", "--overwrite")
    return out_dir / f"{sample.stem}_{DEFAULT_MODEL}.png"


def _read(path: Path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


# --- the checks -------------------------------------------------------------------------------------
def check_stylize(work: Path) -> str:
    from .core.resources import resource_path

    photo = _read(resource_path(*SAMPLE))
    styled = _read(stylize_sample(work / "stylize"))
    if styled.shape != photo.shape:
        raise CheckFailed(f"output is {styled.shape[1]}x{styled.shape[0]}, the photo {photo.shape[1]}x{photo.shape[0]}")
    changed = float(abs(styled - photo).mean())
    if changed < 2:
        raise CheckFailed(f"the output looks like the photo (mean difference {changed:.2f} grey levels)")
    reference = reference_path()
    if reference is None:
        return (f"{DEFAULT_MODEL} on {SAMPLE[1]}: {styled.shape[1]}x{styled.shape[0]}, look applied; reference "
                "comparison skipped (not a bundle: this installed package is what a bundle is compared with)")
    if not reference.is_file():
        raise CheckFailed(f"the build-time reference {reference.name} is missing from the bundle")
    expected = _read(reference)
    if expected.shape != styled.shape:
        raise CheckFailed(f"output {styled.shape} differs in size from the build-time reference {expected.shape}")
    worst = int(abs(styled - expected).max())
    if worst > 1:
        raise CheckFailed(f"output differs from the build-time reference by up to {worst} grey levels (allowed 1)")
    return f"{DEFAULT_MODEL} on {SAMPLE[1]}: equals the build-time reference (max difference {worst} grey level)"


def check_faces(work: Path) -> str:
    grid = work / "faces.png"
    _cli("faces", "-n", "16", "--seed", "7", "-o", str(grid), "--provider", "cpu")
    pixels = _read(grid)
    if pixels.std() < 5:
        raise CheckFailed("the faces grid is blank")
    return f"16 faces drawn, grid {pixels.shape[1]}x{pixels.shape[0]}"


def make_clip(path: Path) -> None:
    """A 1-second H.264 clip with an AAC sine tone, made with PyAV (no file needs to ship)."""
    import av
    import numpy as np

    width, height = CLIP_SIZE
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=CLIP_FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = container.add_stream("aac", rate=44100)
        audio.layout = "mono"
        for i in range(CLIP_SECONDS * CLIP_FPS):
            x = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
            y = np.linspace(0, 255, height, dtype=np.float32)[:, None, None]
            rgb = np.concatenate([np.broadcast_to(x, (height, width, 1)), np.broadcast_to(y, (height, width, 1)),
                                  np.full((height, width, 1), 20.0 * i)], axis=2).astype(np.uint8)
            container.mux(video.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")))
        samples = np.sin(2 * np.pi * 440 * np.arange(44100 * CLIP_SECONDS) / 44100).astype(np.float32)
        for start in range(0, samples.size, 1024):
            frame = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="fltp", layout="mono")
            frame.rate, frame.pts = 44100, start
            container.mux(audio.encode(frame))
        container.mux(video.encode())
        container.mux(audio.encode())


def check_video(work: Path) -> str:
    import av

    clip, out = work / "clip.mp4", work / "clip_styled.mp4"
    make_clip(clip)
    _cli("video", str(clip), str(out), "-m", DEFAULT_MODEL, "--provider", "cpu")
    with av.open(str(out)) as container:
        if not container.streams.audio:
            raise CheckFailed("the converted clip lost its sound track")
        frames = sum(1 for _ in container.decode(video=0))
        stream = container.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
    expected = CLIP_SECONDS * CLIP_FPS
    if frames != expected or size != CLIP_SIZE:
        raise CheckFailed(f"converted clip has {frames} frames at {size[0]}x{size[1]}, "
                          f"expected {expected} at {CLIP_SIZE[0]}x{CLIP_SIZE[1]}")
    return f"1 s clip with sound: {frames} frames at {size[0]}x{size[1]}, audio kept"


def check_window(work: Path, screenshot: Path | None = None) -> str:
    if screenshot is None:  # no display needed; a screenshot uses the platform there is (Xvfb)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from .gui.selftest_window import open_and_close  # the only Qt in the self-test

    shown, listed, models = open_and_close(screenshot=screenshot)
    since_start = process_age()
    extra = f"; process started {since_start:.2f} s before the end" if since_start is not None else ""
    shot = f"; screenshot {screenshot}" if screenshot else ""
    return f"opened, shown after {shown:.2f} s, {models} models listed after {listed:.2f} s, closed{extra}{shot}"


def process_age() -> float | None:
    """Seconds since this process started (Linux), for 'time to a shown window'."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# --- driver -----------------------------------------------------------------------------------------
def run_checks(names: list[str], screenshot: Path | None = None, print_line: Callable[[str], None] = print) -> int:
    failed = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="anime-desktop-selftest-") as tmp:
        home, previous = Path(tmp) / "home", os.environ.get("ANIME_DESKTOP_HOME")
        os.environ["ANIME_DESKTOP_HOME"] = str(home)  # never the user's models, settings or logs
        try:
            for name in names:
                work = Path(tmp) / name
                work.mkdir()
                t0 = time.perf_counter()
                try:
                    detail = check_window(work, screenshot) if name == "window" else CHECK_FUNCS[name](work)
                    print_line(f"ok    {name:<8} {detail} ({time.perf_counter() - t0:.1f} s)")
                except CheckFailed as exc:
                    failed += 1
                    print_line(f"FAIL  {name:<8} {exc}")
                except Exception as exc:  # a self-test reports every failure as its line, never a traceback
                    failed += 1
                    print_line(f"FAIL  {name:<8} {type(exc).__name__}: {exc}")
        finally:
            _restore("ANIME_DESKTOP_HOME", previous)
    where = "bundle" if frozen() else "installed package"
    verdict = "passed" if not failed else f"FAILED ({failed} of {len(names)})"
    print_line(f"self-test {verdict}: {len(names) - failed}/{len(names)} checks ok in "
               f"{time.perf_counter() - started:.1f} s ({where}, anime-desktop {_version()})")
    return 1 if failed else 0


def _restore(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


def _version() -> str:
    from . import __version__

    return __version__


CHECK_FUNCS = {"stylize": check_stylize, "faces": check_faces, "video": check_video}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="anime-desktop --self-test", description=(
        "Check this installation: stylize the sample, draw faces, convert a clip with sound, open the window "
        "offscreen. One line per check; exit 0 when all pass, 1 otherwise."))
    parser.add_argument("checks", nargs="*", metavar="CHECK",
                        help=f"run only these ({', '.join(CHECKS)}; default: all)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="window check: save the window as PNG, on the display there is (e.g. under Xvfb)")
    parser.add_argument("--make-reference", type=Path, metavar="PNG", help=argparse.SUPPRESS)  # used by the spec
    ns = parser.parse_args(argv)
    if ns.make_reference:
        return make_reference(ns.make_reference)
    unknown = [c for c in ns.checks if c not in CHECKS]
    if unknown:
        parser.error(f"unknown check {unknown[0]!r} (choose from {', '.join(CHECKS)})")
    return run_checks(list(dict.fromkeys(ns.checks)) or list(CHECKS), ns.screenshot)


def make_reference(target: Path) -> int:
    """At build time, with the installed package: what the bundle's stylize check must reproduce."""
    with tempfile.TemporaryDirectory(prefix="anime-desktop-reference-") as tmp:
        os.environ["ANIME_DESKTOP_HOME"] = str(Path(tmp) / "home")
        made = stylize_sample(Path(tmp))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(made.read_bytes())
    print(f"self-test reference: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
