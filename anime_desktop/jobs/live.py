"""Engine-thread work of the live view: frames, sinks, snapshots, whole-video conversion.

`LiveState` is touched only on the engine thread (live items and calls run there one at a
time), so the frame processor, its steadying memory and its recording need no locks. Its
runner is rebuilt when the model or the session cache's generation (a provider switch)
changes, so a provider switch reaches a running camera on its next frame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..core import imageio, video_convert
from ..core.live import FrameProcessor, LiveOptions, LiveRecorder, LiveResult
from ..core.video import Frame
from ..engine.runners import StylizeRunner


@dataclass(frozen=True)
class LiveFrame:
    """What the view gets back for one frame: the result plus where it ran."""

    result: LiveResult
    provider: str
    infer_ms: float


class LiveState:
    def __init__(self) -> None:
        self.processor: FrameProcessor | None = None
        self.provider = ""
        self.session = None  # the session frames run on (tests read its providers)
        self._key: tuple | None = None

    def _use(self, ctx, model: str, options: LiveOptions) -> None:
        key = (model, ctx.models.generation)
        if key != self._key:
            loaded = ctx.models.get(model)
            runner = StylizeRunner(loaded, tile_mp=8.0, work_mp=0)  # never tiled; speed first: frames at their own size
            if self.processor is None:
                self.processor = FrameProcessor(runner.run, model, options)
            else:
                self.processor.set_model(runner.run, model)
            self.provider, self.session, self._key = loaded.provider, loaded.session, key

    def frame_job(self, frame: Frame, model: str, options: LiveOptions):
        """A live item: `model` and `options` are those chosen when the frame was captured, so
        the first frame captured after a switch is the first one with the new model."""
        def job(ctx) -> LiveFrame:
            self._use(ctx, model, options)
            self.processor.set_options(options)
            start = time.perf_counter()
            result = self.processor.process(frame)
            return LiveFrame(result, self.provider, (time.perf_counter() - start) * 1000)
        return job

    def start_recording(self, path: Path):
        def job(ctx):
            if self.processor is None:
                raise video_convert.VideoError("start the live view before recording")
            self.processor.sinks.append(LiveRecorder(path))
            return path
        return job

    def add_sink(self, factory):
        def job(ctx):
            if self.processor is None:
                raise video_convert.VideoError("start the live view first")
            sink = factory()
            self.processor.sinks.append(sink)
            return sink
        return job

    def stop_sinks(self, kind: type | None = None):
        """Finalise sinks (all, or those of one type); returns what they wrote (paths)."""
        def job(ctx):
            if self.processor is None:
                return []
            chosen = [s for s in self.processor.sinks if kind is None or isinstance(s, kind)]
            for sink in chosen:
                self.processor.sinks.remove(sink)
            return [sink.close() for sink in chosen]
        return job


def save_snapshot(result: LiveResult, folder: Path, with_original: bool):
    """Write the stylized frame (and the original) as PNGs named by the time of capture."""
    def job(ctx):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise imageio.ImageWriteError(folder, f"cannot create the snapshot folder ({exc.strerror})") from None
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{result.index:05d}"
        written = [imageio.save_image(folder / f"snapshot-{stamp}.png", result.stylized)]
        if with_original:
            written.append(imageio.save_image(folder / f"snapshot-{stamp}-original.png", result.original))
        return written
    return job


def convert_video(src: Path, dst: Path, model: str, options: video_convert.VideoOptions):
    """Generator factory for the engine: one frame per step, so Cancel acts within a frame."""
    def job(ctx):
        runner = StylizeRunner(ctx.models.get(model), tile_mp=8.0, work_mp=0)
        report = yield from video_convert.convert(src, dst, runner.run, options, ctx.progress)
        return report
    return job
