"""The live path and video files, headless: real video files written here, real ONNX models."""

from __future__ import annotations

import time
from fractions import Fraction

import cv2
import numpy as np
import pytest

from anime_desktop.core import live, video, video_convert
from anime_desktop.core.errors import Cancelled
from anime_desktop.core.progress import Progress
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig
from tests import onnx_models

W, H = 160, 120


def index_frame(i: int) -> np.ndarray:
    """A frame that says its own number: a bright bar whose position is the index."""
    rgb = np.full((H, W, 3), 40, np.uint8)
    rgb[:, :, 2] = 90
    x = (i * 8) % (W - 8)
    rgb[:, x:x + 8] = (230, 200, 40)
    return rgb


def bar_position(rgb: np.ndarray) -> int:
    return int(np.argmax(rgb[..., 0].astype(int).mean(axis=0)) // 8 * 8)


def write_clip(path, frames: int, fps: float = 25.0, size=(W, H)) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(cv2.cvtColor(cv2.resize(index_frame(i), size), cv2.COLOR_RGB2BGR))
    writer.release()


def runner_for(path) -> StylizeRunner:
    return StylizeRunner(load_model(path, SessionConfig(provider="cpu", spinning=False)))


@pytest.fixture
def swap(tmp_path):
    return runner_for(onnx_models.colour_model(tmp_path / "swap.onnx"))


@pytest.fixture
def identity(tmp_path):
    return runner_for(onnx_models.colour_model(tmp_path / "same.onnx", style="Same", matrix=np.eye(3)))


def run_pipeline(source, processor, until=None, timeout=30.0):
    results, messages = [], []
    pipeline = live.LivePipeline(source, processor, results.append, messages.append).start()
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and not pipeline.wait(0.05):
        if until and until(results, pipeline):
            break
    written = pipeline.stop()
    return results, messages, written, pipeline


def test_a_video_file_source_gives_every_frame_in_order(tmp_path):
    write_clip(tmp_path / "clip.avi", 30)
    with video.VideoFileSource(tmp_path / "clip.avi") as source:
        assert source.size == (W, H) and source.fps == pytest.approx(25.0)
        frames = []
        while (frame := source.read()) is not None:
            frames.append(frame)
    assert source.finished and [f.index for f in frames] == list(range(30))
    assert [bar_position(f.rgb) for f in frames] == [(i * 8) % (W - 8) // 8 * 8 for i in range(30)]


def test_frames_come_out_stylized_and_in_order(tmp_path, swap):
    write_clip(tmp_path / "clip.avi", 40)
    processor = live.FrameProcessor(swap.run, "swap", live.LiveOptions(short_side=0))
    results, messages, _, _ = run_pipeline(video.VideoFileSource(tmp_path / "clip.avi", realtime=True), processor)
    assert len(results) >= 20 and not messages
    indices = [r.index for r in results]
    assert indices == sorted(set(indices)) and indices[-1] == 39  # newest-wins may skip, never reorders
    for r in results[::7]:
        assert np.array_equal(r.stylized, onnx_models.expected_colour(r.original))
        assert abs(bar_position(r.original) - (r.index * 8) % (W - 8)) <= 8


def test_model_switch_takes_effect_on_the_next_frame(tmp_path, swap, identity):
    write_clip(tmp_path / "clip.avi", 60)
    processor = live.FrameProcessor(identity.run, "same", live.LiveOptions(short_side=0))
    switched = {}

    def switch_after_ten(results, pipeline):
        if len(results) >= 10 and not switched:
            switched["at"] = results[-1].index
            pipeline.switch_model(swap.run, "swap")
        return False

    results, *_ = run_pipeline(video.VideoFileSource(tmp_path / "clip.avi", realtime=True), processor,
                               switch_after_ten)
    after = [r for r in results if r.index > switched["at"] + 1]
    assert after and all(r.model == "swap" for r in after)
    assert all(np.array_equal(r.stylized, onnx_models.expected_colour(r.original)) for r in after[:5])
    before = [r for r in results if r.index <= switched["at"]]
    assert all(r.model == "same" and np.array_equal(r.stylized, r.original) for r in before)


def test_processing_size_mirror_and_split(tmp_path, identity):
    frame = video.Frame(index_frame(3), 3, time.perf_counter())
    processor = live.FrameProcessor(identity.run, "same", live.LiveOptions(short_side=60, mirror=True, split=True))
    result = processor.process(frame)
    assert result.original.shape == (60, 80, 3) and result.display.shape == (60, 160, 3)
    small = cv2.resize(index_frame(3)[:, ::-1], (80, 60), interpolation=cv2.INTER_AREA)
    assert np.array_equal(result.original, small)
    assert live.processing_size(1280, 720, 384) == (682, 384) and live.processing_size(320, 240, 384) == (320, 240)


def test_recording_writes_a_playable_file_at_the_processed_rate(tmp_path, swap):
    write_clip(tmp_path / "clip.avi", 50, fps=25)
    processor = live.FrameProcessor(swap.run, "swap", live.LiveOptions(short_side=60))
    recorder = live.LiveRecorder(tmp_path / "rec" / "out.mp4", measure_seconds=0.5)
    processor.sinks.append(recorder)
    results, _, written, _ = run_pipeline(video.VideoFileSource(tmp_path / "clip.avi", realtime=True), processor)
    assert written == [tmp_path / "rec" / "out.mp4"]
    assert not list((tmp_path / "rec").glob(".*"))  # the temporary name is gone
    cap = cv2.VideoCapture(str(written[0]))
    count = 0
    while cap.read()[0]:
        count += 1
    assert count == len(results) == recorder.frames
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (80, 60)
    assert 15 <= cap.get(cv2.CAP_PROP_FPS) <= 30  # measured, about the clip's 25 fps


def test_a_recording_never_replaces_a_file(tmp_path):
    (tmp_path / "taken.mp4").write_bytes(b"x")
    with pytest.raises(video.RecordingError, match="exists already"):
        video.VideoRecorder(tmp_path / "taken.mp4", 10, (W, H))
    with pytest.raises(video.RecordingError, match=".mp4 or .avi"):
        video.VideoRecorder(tmp_path / "x.gif", 10, (W, H))


class FlakyCapture:
    """Stands in for cv2.VideoCapture of a camera that is unplugged after `good` frames."""

    def __init__(self, good: int, start: int = 0) -> None:
        self.good, self.count = good, start

    def read(self):
        self.count += 1
        return (True, cv2.cvtColor(index_frame(self.count), cv2.COLOR_RGB2BGR)) if self.count <= self.good \
            else (False, None)

    def get(self, prop):
        return {cv2.CAP_PROP_FPS: 30.0, cv2.CAP_PROP_FRAME_WIDTH: W, cv2.CAP_PROP_FRAME_HEIGHT: H}.get(prop, 0)

    def isOpened(self):  # noqa: N802 - OpenCV's name
        return True

    def release(self):
        pass


def test_an_unplugged_camera_is_reported_once_and_comes_back(monkeypatch, identity):
    opened = []

    def fake_open(self):
        # first open: 5 frames then nothing; reopened (plugged back in): frames again
        cap = FlakyCapture(5) if not opened else FlakyCapture(10_000, start=100)
        opened.append(cap)
        return cap

    monkeypatch.setattr(video.CameraSource, "_open", fake_open)
    source = video.CameraSource(0, stall_after=3)
    processor = live.FrameProcessor(identity.run, "same", live.LiveOptions(short_side=0))
    results, messages, _, _ = run_pipeline(source, processor, until=lambda r, p: len(r) >= 12, timeout=20)
    assert len(results) >= 12 and len(opened) == 2
    assert len(messages) == 1 and "camera 0 stopped delivering frames" in messages[0]


def test_a_source_that_crashes_mid_stream_is_reported_not_fatal(tmp_path, identity):
    write_clip(tmp_path / "clip.avi", 30)

    class Breaks(video.VideoFileSource):
        def read(self):
            frame = super().read()
            if frame is not None and frame.index == 8:
                raise OSError("device I/O error")
            return frame

    processor = live.FrameProcessor(identity.run, "same", live.LiveOptions(short_side=0))
    results, messages, _, pipeline = run_pipeline(Breaks(tmp_path / "clip.avi", realtime=True), processor)
    assert results and max(r.index for r in results) < 8
    assert messages == ["clip.avi: capture failed (device I/O error)"]
    assert pipeline.wait(1.0)  # both threads ended cleanly


def test_a_missing_camera_is_reported_at_once():
    started = time.perf_counter()
    with pytest.raises(video.SourceError, match="no camera at index 97"):
        video.CameraSource(97)
    assert time.perf_counter() - started < 10
    assert 97 not in video.list_cameras(range(95, 99))
    with pytest.raises(video.SourceError, match="no such video file"):
        video.VideoFileSource("/nonexistent/clip.mp4")


def test_displayed_frame_age_does_not_grow_with_a_slow_model(tmp_path, identity):
    """Acceptance: a model slower than the camera; the shown frame's age stays bounded."""
    write_clip(tmp_path / "fast.avi", 500, fps=100)

    def slow(rgb):
        time.sleep(0.025)
        return identity.run(rgb)

    ages = []
    processor = live.FrameProcessor(slow, "slow", live.LiveOptions(short_side=0))
    pipeline = live.LivePipeline(video.VideoFileSource(tmp_path / "fast.avi", realtime=True), processor,
                                 lambda r: ages.append(time.perf_counter() - r.captured_at)).start()
    pipeline.wait(30)
    pipeline.stop()
    assert len(ages) >= 120
    first, last = np.mean(ages[:50]), np.mean(ages[-50:])
    # A queue would make the age grow by ~15 ms per frame here (seconds by the end); CONTRACTS.md:
    # compare first and last frames, no absolute number.
    assert last < first + 0.05, (first, last)
    assert pipeline.slot.replaced > 200  # the frames it could not process were dropped, not queued


def test_steady_reduces_flicker_on_a_still_scene():
    rng = np.random.default_rng(0)
    still = np.full((60, 80, 3), 128, np.uint8)
    jitter = lambda rgb: np.clip(rgb.astype(int) + rng.integers(-20, 21, rgb.shape), 0, 255).astype(np.uint8)  # noqa: E731
    steadier = live.Steadier()
    plain, steady = [], []
    for _ in range(30):
        out = jitter(still)  # a GAN's flicker: a different output for the same scene
        plain.append(out)
        steady.append(steadier.apply(still, out))
    change = lambda frames: np.mean([np.abs(a.astype(int) - b).mean() for a, b in zip(frames[5:], frames[6:])])  # noqa: E731
    assert change(steady) < 0.5 * change(plain)
    moved = steadier.apply(np.zeros_like(still), np.zeros_like(still))  # the scene changed: no smear
    assert moved.max() == 0


def make_video_with_audio(path, frames: int = 30, fps: int = 15, size=(96, 64), seconds_of_audio=None) -> float:
    """An H.264 + AAC file made with PyAV; returns the audio duration written, in seconds."""
    import av

    rate = 22050
    n = int(rate * (seconds_of_audio or frames / fps))
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        a = out.add_stream("aac", rate=rate)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(cv2.resize(index_frame(i), size), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        wave = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.float32)
        for s in range(0, n, 1024):
            chunk = av.AudioFrame.from_ndarray(wave[None, s:s + 1024], format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts, chunk.time_base = rate, s, Fraction(1, rate)
            for p in a.encode(chunk):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    return n / rate


def read_back(path):
    import av

    with av.open(str(path)) as c:
        audio = c.streams.audio[0] if c.streams.audio else None
        duration = float(audio.duration * audio.time_base) if audio is not None and audio.duration else 0.0
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    return frames, duration


def drain(generator):
    try:
        while True:
            next(generator)
    except StopIteration as end:
        return end.value


def test_converting_a_video_keeps_every_frame_and_the_audio(tmp_path, swap):
    make_video_with_audio(tmp_path / "in.mp4")
    frames_in, audio_in = read_back(tmp_path / "in.mp4")
    report = drain(video_convert.convert(tmp_path / "in.mp4", tmp_path / "out.mp4", swap.run))
    frames_out, audio_out = read_back(tmp_path / "out.mp4")
    assert report.frames == len(frames_in) == len(frames_out) == 30 and report.audio == "copied"
    assert audio_out == pytest.approx(audio_in, abs=1e-3) and audio_in > 1.9
    assert frames_out[0].shape == (64, 96, 3)
    for a, b in zip(frames_in[::10], frames_out[::10]):  # stylized (within H.264's loss)
        assert np.abs(onnx_models.expected_colour(a).astype(int) - b).mean() < 6
        assert np.abs(a.astype(int) - b).mean() > 20


def test_a_cancelled_conversion_leaves_nothing_and_never_touches_the_input(tmp_path, swap):
    folder = tmp_path / "videos"
    folder.mkdir()
    make_video_with_audio(folder / "in.mp4")
    before = (folder / "in.mp4").read_bytes()
    progress = Progress()
    steps = video_convert.convert(folder / "in.mp4", folder / "out.mp4", swap.run, progress=progress)
    next(steps), next(steps)
    progress.abort()
    with pytest.raises(Cancelled):
        drain(steps)
    assert sorted(p.name for p in folder.iterdir()) == ["in.mp4"]
    assert (folder / "in.mp4").read_bytes() == before
    with pytest.raises(video_convert.VideoError, match="replace the input"):
        drain(video_convert.convert(folder / "in.mp4", folder / "in.mp4", swap.run))
    from PIL import Image

    Image.new("RGB", (32, 24)).save(folder / "still.jpg")
    with pytest.raises(video_convert.VideoError, match="a picture, not a video"):
        drain(video_convert.convert(folder / "still.jpg", folder / "o.mp4", swap.run))
    (folder / "junk.mp4").write_bytes(b"not a video")
    with pytest.raises(video_convert.VideoError, match="junk.mp4"):
        drain(video_convert.convert(folder / "junk.mp4", folder / "o.mp4", swap.run))
