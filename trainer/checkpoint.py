"""Two kinds of checkpoint (ARCHITECTURE.md convention 12), both readable with weights_only=True.

`checkpoint-{step}/state.pt`: everything to resume exactly (nets, optimisers, scaler, RNG
states, data sampler state, step, config). `checkpoint-{step}/generator.pt`: G alone plus
the family and config, what the exporter needs. Only tensors and plain Python values go in.
"""

from __future__ import annotations

import pickle
import random
import re
import shutil
from pathlib import Path

import numpy as np
import torch

PATTERN = re.compile(r"^checkpoint-(\d+)$")
FORMAT_VERSION = 1


def checkpoints(run_dir: Path) -> list[Path]:
    """Checkpoint folders of a run, oldest first."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in run_dir.iterdir() if (m := PATTERN.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


def latest(run_dir: Path) -> Path | None:
    found = [p for p in checkpoints(run_dir) if (p / "state.pt").is_file()]
    return found[-1] if found else None


def resolve(path: Path) -> Path:
    """A run folder (its latest checkpoint), a checkpoint folder, or a .pt file -> the .pt to read."""
    path = Path(path)
    if path.is_file():
        return path
    if (path / "state.pt").is_file():
        return path / "state.pt"
    found = latest(path)
    if found is None:
        raise FileNotFoundError(f"{path}: no checkpoint-N/ folder with a state.pt in it")
    return found / "state.pt"


def rng_state() -> dict:
    """Python, numpy and torch RNG states as tensors and plain values (numpy's converted)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": _plain(random.getstate()),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(_tuples(state["python"]))
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(folder: Path, state: dict, generator: dict) -> Path:
    """Write a checkpoint folder atomically (temp folder, then rename)."""
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch.save({"format": FORMAT_VERSION, **state}, tmp / "state.pt")
    torch.save({"format": FORMAT_VERSION, **generator}, tmp / "generator.pt")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


def load(path: Path) -> dict:
    """Read a checkpoint file; weights_only=True always (no pickled code runs)."""
    return safe_load(resolve(path))


def safe_load(file: Path):
    """torch.load(weights_only=True), refusing files with pickled objects in plain words."""
    try:
        return torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        detail = next((line.strip() for line in str(exc).splitlines() if "GLOBAL" in line), "")
        raise ValueError(f"{file}: refused: it holds Python objects, not only tensors and plain values, and "
                         f"loading those could run code from the file ({detail[:160]})") from None


def prune(run_dir: Path, keep: int) -> None:
    """Delete all but the newest `keep` checkpoint folders."""
    if keep <= 0:
        return
    for old in checkpoints(run_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value
