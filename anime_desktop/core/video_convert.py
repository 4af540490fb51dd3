"""A whole video file through a style: every frame, at the input's size and rate, audio kept.

PyAV does the work (its wheel carries FFmpeg): OpenCV can neither read nor write audio. The
audio stream is copied packet for packet, so it is bit-identical and exactly as long as the
original; where the output container cannot hold that codec it is re-encoded to AAC.
Frames keep their timestamps, so variable-rate phone videos stay in sync. The output is
written under a temporary name (the one pattern of `tempfiles`) and renamed at the end: a
cancelled or failed conversion leaves nothing behind, and the input is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from . import tempfiles
from .errors import AnimeDesktopError, Cancelled
from .live import Steadier, processing_size
from .progress import Progress, null_progress

Infer = Callable[[np.ndarray], np.ndarray]
VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
PICTURE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")


class VideoError(AnimeDesktopError):
    """A video that cannot be read or written; the message names the file and the reason."""


@dataclass(frozen=True)
class VideoOptions:
    short_side: int = 0  # processing size; 0: the input's own size. Output is always the input's size.
    steady: bool = False
    crf: int = 18  # H.264 quality (lower is better; 18 looks lossless to most eyes)
    overwrite: bool = False


@dataclass(frozen=True)
class VideoReport:
    path: Path
    frames: int
    width: int
    height: int
    fps: float
    audio: str  # "copied", "re-encoded (aac)" or "none"


def _av():
    try:
        import av
    except ImportError:  # pragma: no cover - av is a base dependency; a broken install lands here
        raise VideoError("video files need PyAV: pip install av") from None
    return av


def probe(path: Path) -> tuple[int, int, float, int]:
    """(width, height, fps, frame count estimate) of a video file's first video stream."""
    av = _av()
    if not Path(path).is_file():
        raise VideoError(f"{path}: no such video file")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(f"{path}: has no video stream")
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0) or 25.0
            count = stream.frames or int(float(container.duration or 0) / 1e6 * fps)
            return stream.codec_context.width, stream.codec_context.height, fps, count
    except av.FFmpegError as exc:
        raise VideoError(f"{path}: not a readable video ({exc.strerror or exc})") from None


def convert(src: Path, dst: Path, infer: Infer, options: VideoOptions = VideoOptions(),
            progress: Progress | None = None) -> Iterator[int]:
    """Stylize `src` into `dst`, yielding the number of frames done after each frame (so the
    window's engine can run it one frame per step); returns a VideoReport."""
    av = _av()
    progress = progress or null_progress()
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise VideoError(f"{src}: no such video file")
    if src.suffix.lower() in PICTURE_EXTENSIONS:  # FFmpeg would read it as a one-frame video
        raise VideoError(f"{src}: a picture, not a video; use `anime-desktop stylize` for pictures")
    if dst.resolve() == src.resolve():
        raise VideoError(f"{dst}: the output would replace the input; choose another name")
    if dst.exists() and not options.overwrite:
        raise VideoError(f"{dst}: exists already (--overwrite replaces it)")
    width, height, fps, total = probe(src)
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tempfiles.sweep_stale(dst.parent)
        reservation = tempfiles.PartFile(dst).reserve()
    except OSError as exc:
        raise VideoError(f"{dst}: cannot write here ({exc.strerror or exc})") from None
    part = reservation.path
    try:
        output = av.open(str(part), mode="w")
    except (OSError, av.FFmpegError) as exc:
        reservation.discard()
        raise VideoError(f"{dst}: cannot write here ({getattr(exc, 'strerror', None) or exc})") from None
    done = 0
    audio_mode = "none"
    try:
        with av.open(str(src)) as container:
            v_in = container.streams.video[0]
            v_in.thread_type = "AUTO"
            v_out = output.add_stream("libx264", rate=v_in.average_rate or Fraction(round(fps * 1000), 1000))
            v_out.width, v_out.height = width, height
            v_out.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
            v_out.options = {"crf": str(options.crf), "preset": "veryfast"}
            v_out.time_base = v_in.time_base
            a_in = container.streams.audio[0] if container.streams.audio else None
            a_out, audio_mode, resampler = _audio_stream(av, output, a_in)
            steadier = Steadier() if options.steady else None
            streams = [s for s in (v_in, a_in) if s is not None]
            for packet in container.demux(*streams):
                progress.check_aborted()
                if packet.stream.type == "audio":
                    _audio_packet(output, packet, a_out, audio_mode, resampler)
                    continue
                for frame in packet.decode():
                    rgb = frame.to_ndarray(format="rgb24")
                    out = _stylize(rgb, infer, options.short_side, steadier)
                    new = av.VideoFrame.from_ndarray(out, format="rgb24")
                    new.pts, new.time_base = frame.pts, frame.time_base
                    for p in v_out.encode(new):
                        output.mux(p)
                    done += 1
                    if total:
                        progress.set_progress(min(done / total, 0.999), f"frame {done} of ~{total}")
                    yield done
            for p in v_out.encode():
                output.mux(p)
            if audio_mode == "re-encoded (aac)":
                for p in a_out.encode(None):
                    output.mux(p)
        output.close()
        output = None
        reservation.publish(overwrite=True)
    except Cancelled:
        raise
    except av.FFmpegError as exc:
        raise VideoError(f"{src}: conversion failed at frame {done} ({exc.strerror or exc})") from None
    except OSError as exc:
        raise VideoError(f"{dst}: cannot write ({exc.strerror or exc})") from None
    finally:
        if output is not None:
            try:
                output.close()
            except Exception:  # noqa: BLE001 - closing a half-written container may fail too; it is deleted
                pass
        reservation.discard()  # removes the temporary file unless it was published
    progress.set_progress(1.0, f"{done} frames")
    return VideoReport(dst, done, width, height, fps, audio_mode)


def _stylize(rgb: np.ndarray, infer: Infer, short_side: int, steadier: Steadier | None) -> np.ndarray:
    h, w = rgb.shape[:2]
    size = processing_size(w, h, short_side)
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if size != (w, h) else rgb
    out = infer(small)
    if steadier is not None:
        out = steadier.apply(small, out)
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_CUBIC) if size != (w, h) else out


def _audio_stream(av, output, a_in):
    if a_in is None:
        return None, "none", None
    try:
        return output.add_stream_from_template(a_in), "copied", None
    except (ValueError, av.FFmpegError):
        a_out = output.add_stream("aac", rate=a_in.rate or 48000)
        resampler = av.AudioResampler(format="fltp", layout=a_in.layout.name if a_in.layout else "stereo",
                                      rate=a_in.rate or 48000)
        return a_out, "re-encoded (aac)", resampler


def _audio_packet(output, packet, a_out, mode: str, resampler) -> None:
    if packet.dts is None:  # the demuxer's flush packet
        return
    if mode == "copied":
        packet.stream = a_out
        output.mux(packet)
        return
    for frame in packet.decode():
        for resampled in resampler.resample(frame):
            for p in a_out.encode(resampled):
                output.mux(p)
