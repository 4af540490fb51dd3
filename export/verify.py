"""`anime-export verify`: a model file against its PyTorch checkpoint or another model file.

Both sides get the very same input tensor (the model's own convention), so the numbers
measure the conversion alone: max abs error of the float outputs, PSNR and SSIM of the
pictures, and the median time of each side.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anime_desktop.core import imageio, prepost
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.session import SessionConfig

from .quality import psnr, ssim


@dataclass
class Row:
    name: str
    max_abs: float
    psnr: float
    ssim: float
    ms_model: float
    ms_reference: float


def _inputs(io, images: Path | None, max_side: int) -> list[tuple[str, np.ndarray]]:
    if io.latent_dim:
        rng = np.random.default_rng(0)
        return [(f"seed{i}", rng.standard_normal((16, io.latent_dim)).astype(np.float32)) for i in range(3)]
    files = sorted(p for p in Path(images).iterdir() if p.suffix.lower() in imageio.READ_EXTENSIONS)
    tensors = []
    for path in files:
        rgb = imageio.load_image(path).rgb
        if io.fixed_size:
            rgb = prepost.resize_to(rgb, io.fixed_size[1], io.fixed_size[0])
        else:
            rgb = prepost.fit_max_side(rgb, max_side)
            h, w = (s // io.size_multiple * io.size_multiple for s in rgb.shape[:2])
            rgb = np.ascontiguousarray(rgb[:h, :w])
        tensors.append((path.name, prepost.to_tensor(rgb, io.with_(input_dtype="float32"))))
    if not tensors:
        raise ValueError(f"{images}: no images to verify with")
    return tensors


def _reference(against: Path):
    """A callable float32 tensor -> float32 output, for an .onnx file or a trainer checkpoint."""
    if Path(against).suffix == ".onnx":
        ref = load_model(against, SessionConfig(provider="cpu"))
        return lambda x: ref.session.run(None, {ref.input_name: x.astype(np.float32)})[0]
    import torch

    from trainer.generate import load_generator

    g, _, _ = load_generator(Path(against))

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return g(torch.from_numpy(x)).numpy()

    return run


def _timed(fn, x, repeat: int) -> tuple[np.ndarray, float]:
    fn(x)  # warm-up: first runs allocate
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(x)
        times.append(time.perf_counter() - start)
    return out, 1000 * statistics.median(times)


def verify(model_path: Path, against: Path, images: Path | None, max_side: int = 512,
           repeat: int = 3) -> list[Row]:
    model = load_model(model_path, SessionConfig(provider="cpu"))
    io = model.info.io
    dtype = np.float16 if io.input_dtype == "float16" else np.float32
    ours = lambda x: model.session.run(None, {model.input_name: x.astype(dtype)})[0].astype(np.float32)  # noqa: E731
    reference = _reference(against)
    rows = []
    for name, x in _inputs(io, images, max_side):
        y, ms_model = _timed(ours, x, repeat)
        r, ms_ref = _timed(reference, x, repeat)
        pictures = [(prepost.from_tensor(y[i:i + 1], io), prepost.from_tensor(r[i:i + 1], io)) for i in range(len(y))]
        rows.append(Row(name, float(np.abs(y - r).max()), min(psnr(a, b) for a, b in pictures),
                        float(np.mean([ssim(a, b) for a, b in pictures])), ms_model, ms_ref))
    return rows


def table(rows: list[Row], model: Path, against: Path) -> str:
    lines = [f"{model.name} vs {Path(against).name}",
             f"{'input':<28}{'max|err|':>10}{'PSNR dB':>9}{'SSIM':>8}{'ms model':>10}{'ms ref':>9}{'speed-up':>9}"]
    for r in rows:
        lines.append(f"{r.name[:27]:<28}{r.max_abs:>10.2e}{r.psnr:>9.2f}{r.ssim:>8.4f}{r.ms_model:>10.1f}"
                     f"{r.ms_reference:>9.1f}{r.ms_reference / r.ms_model:>8.2f}x")
    return "\n".join(lines)
