"""PyTorch eager vs ONNX Runtime FP32 / FP16 / INT8 of the same generator weights, on CPU.

For AnimeGANv2 and CartoonGAN at 512x512 and 1280x720: one process, interleaved rounds
(each round times every variant once, so machine noise hits them alike), medians, speed-up
over eager, and GFLOP/s (the model's FLOPs / time) next to this CPU's measured matmul GFLOP/s.
Needs the `train` extra. Usage: python benchmarks/export_speed.py [--rounds 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import KODAK, need
from torch.utils.flop_counter import FlopCounterMode

from anime_desktop.engine.loader import load_model
from anime_desktop.engine.session import SessionConfig
from export.quality import psnr
from export.shrink import first_and_last_convs, to_fp16, to_int8
from export.to_onnx import convention_for, export_module
from trainer.networks.animegan import AnimeGANv2Generator
from trainer.networks.cartoongan import CartoonGANGenerator

SIZES = {"512x512": (512, 512), "1280x720": (720, 1280)}


def matmul_gflops(threads: int) -> float:
    torch.set_num_threads(threads)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    start = time.perf_counter()
    for _ in range(5):
        a @ b
    return 5 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9


def flops(g: torch.nn.Module, x: torch.Tensor) -> float:
    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        g(x)
    return counter.get_total_flops()


def variants(name: str, g: torch.nn.Module, folder: Path, threads: int, float_ends: bool):
    io = convention_for({"size_multiple": 4})
    fp32 = export_module(g, io, folder / f"{name}.onnx", {"family": name, "precision": "fp32"})
    fp16 = to_fp16(fp32, folder / f"{name}-fp16.onnx")
    exclude = first_and_last_convs(fp32) if float_ends else []
    int8 = to_int8(fp32, folder / f"{name}-int8.onnx", need(KODAK), exclude=exclude)
    config = SessionConfig(provider="cpu", threads=threads, spinning=False)
    sessions = {p.stem.split("-")[-1] if "-" in p.stem else "fp32": load_model(p, config) for p in (fp32, fp16, int8)}
    return sessions


def run_ort(model, x: np.ndarray) -> np.ndarray:
    return model.session.run(None, {model.input_name: x})[0]


def bench(name: str, g: torch.nn.Module, rounds: int, threads: int, float_ends: bool) -> list[str]:
    torch.set_num_threads(threads)
    g = g.eval()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        sessions = variants(name, g, Path(tmp), threads, float_ends)
        for label, (h, w) in SIZES.items():
            x = (torch.rand(1, 3, h, w) * 2 - 1)
            xn = x.numpy()
            fns = {"torch eager": lambda x=x: g(x)}
            fns.update({f"ORT {k}": (lambda m=m, xn=xn: run_ort(m, xn)) for k, m in sessions.items()})
            times = {k: [] for k in fns}
            with torch.inference_mode():
                for f in fns.values():
                    f()  # warm-up
                for _ in range(rounds):
                    for k, f in fns.items():
                        start = time.perf_counter()
                        f()
                        times[k].append(time.perf_counter() - start)
                reference = g(x).numpy()
            gflop = flops(g, x) / 1e9
            eager = statistics.median(times["torch eager"])
            for k, ts in times.items():
                med = statistics.median(ts)
                quality = ""
                if k.startswith("ORT"):
                    y = run_ort(sessions[k.split()[1]], xn)
                    quality = f"{psnr(_img(y), _img(reference)):.1f} dB"
                lines.append(f"{name:<11}{label:<10}{k:<13}{med * 1000:>9.0f} ms{eager / med:>8.2f}x"
                             f"{gflop / med:>9.1f}{quality:>10}")
    return lines


def _img(y: np.ndarray) -> np.ndarray:
    return np.clip(np.rint((y[0].transpose(1, 2, 0) + 1) * 127.5), 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", default="animegan,cartoongan")
    args = parser.parse_args()
    torch.manual_seed(0)
    peak = matmul_gflops(args.threads)
    print(f"matmul (2048^2, fp32, {args.threads} threads): {peak:.1f} GFLOP/s", flush=True)
    print(f"{'model':<11}{'size':<10}{'runtime':<13}{'median':>12}{'vs eager':>9}{'GFLOP/s':>9}{'vs torch':>10}")
    makers = {"animegan": (AnimeGANv2Generator, False), "cartoongan": (CartoonGANGenerator, True)}
    for name in args.models.split(","):
        make, float_ends = makers[name]
        for line in bench(name, make(), args.rounds, args.threads, float_ends):
            print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
