"""The family-agnostic training loop: seeding, AMP, DDP, checkpoints, sample grids, logs.

Runs under `torchrun` unchanged: with WORLD_SIZE > 1 it joins a process group (gloo on CPU,
NCCL on CUDA), wraps the nets in DistributedDataParallel and draws each rank's batches from
its own seeded stream; only rank 0 writes files. A run always leaves a checkpoint when it
stops, at `steps` or on Ctrl-C, so `--resume` continues exactly where it was.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import random
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import checkpoint
from .config import ConfigError, to_dict
from .families import FAMILIES

log = logging.getLogger("trainer")


@dataclass
class RunPlan:
    family: str
    data: Path
    out: Path
    steps: int
    config: object
    resume: Path | None = None
    content_weights: Path | None = None
    random_content_net: bool = False


def select_device(name: str, local_rank: int = 0) -> torch.device:
    if name == "auto":
        return torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def distributed() -> tuple[int, int, int]:
    """(rank, world size, local rank); joins the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
    return int(os.environ.get("RANK", "0")), world, int(os.environ.get("LOCAL_RANK", "0"))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def train(plan: RunPlan) -> Path:
    """Train to `plan.steps` total steps; returns the final checkpoint folder."""
    rank, world, local_rank = distributed()
    config = plan.config
    device = select_device(config.device, local_rank)
    seed_everything(config.seed + rank)
    family = FAMILIES[plan.family](config, device, plan.content_weights, plan.random_content_net)
    data = family.make_data(plan.data)
    if len(data) < config.batch_size:
        log.warning("the data set (%d) is smaller than one batch (%d): using it whole", len(data), config.batch_size)
    data_rng = torch.Generator().manual_seed(config.seed * 1000 + rank)
    sample_batch = family.next_batch(data, torch.Generator().manual_seed(config.seed + 999))
    start = _resume(plan.resume, family, data_rng) if plan.resume else 0
    if start > plan.steps:  # else the later weights would be saved under the smaller step's name
        raise ConfigError(f"the checkpoint is at step {start}, past --steps {plan.steps}: --steps is the total "
                          f"to reach, so give more than {start} to go on (its weights are already saved)")
    if world > 1:
        _wrap_ddp(family, device)
    writer = _RunWriter(plan, family) if rank == 0 else None
    step = start
    try:
        last = time.perf_counter()
        for step in range(start, plan.steps):
            family.set_input(family.next_batch(data, data_rng))
            values = family.optimize_parameters(step)
            _check_finite(values, step)
            done = step + 1
            if writer:
                writer.bar(done, values)
                if done % config.log_every == 0 or done == plan.steps:
                    now = time.perf_counter()
                    writer.log(done, values, config.log_every / max(now - last, 1e-9))
                    last = now
                if done % config.sample_every == 0:
                    writer.grid(done, family.sample(sample_batch))
                if done % config.save_every == 0 and done < plan.steps:
                    writer.save(done, family, data_rng)
        step = plan.steps
    except KeyboardInterrupt:
        log.warning("interrupted at step %d: saving a checkpoint to resume from", step)
        if writer:
            writer.save(step, family, data_rng)
        raise
    final = plan.out / f"checkpoint-{step}"
    if writer:
        writer.grid(step, family.sample(sample_batch))
        final = writer.save(step, family, data_rng)
        writer.close()
    if world > 1:
        torch.distributed.barrier()
    return final


class Diverged(RuntimeError):
    """A loss became NaN or infinite: the weights are no longer worth saving."""


def _check_finite(values: dict, step: int) -> None:
    bad = {k: v for k, v in values.items() if not math.isfinite(v)}
    if bad:
        raise Diverged(f"training diverged at step {step + 1} ({', '.join(f'{k}={v}' for k, v in bad.items())}); "
                       "the last checkpoint is intact: resume from it with a lower learning rate "
                       "(--lr_g=..., --lr_d=...) or check the data for blank images")


def _resume(path: Path, family, data_rng: torch.Generator) -> int:
    state = checkpoint.load(path)
    family.load_state_dict(state["family"])
    checkpoint.set_rng_state(state["rng"])
    data_rng.set_state(state["data_rng"])
    log.info("resumed from %s at step %d", checkpoint.resolve(path), state["step"])
    return int(state["step"])


def _wrap_ddp(family, device: torch.device) -> None:
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    for name, net in family.nets.items():
        if any(p.requires_grad for p in net.parameters()):
            family.nets[name] = DistributedDataParallel(net, device_ids=ids, broadcast_buffers=False)


class _RunWriter:
    """Rank 0's files: config.json, log.csv, TensorBoard events, samples/, checkpoint-N/."""

    def __init__(self, plan: RunPlan, family) -> None:
        self.plan, self.family = plan, family
        plan.out.mkdir(parents=True, exist_ok=True)
        (plan.out / "samples").mkdir(exist_ok=True)
        resolved = {"family": plan.family, "data": str(plan.data), "steps": plan.steps, **to_dict(plan.config)}
        (plan.out / "config.json").write_text(json.dumps(resolved, indent=2), encoding="utf-8")
        new = not (plan.out / "log.csv").exists()
        self.csv_file = open(plan.out / "log.csv", "a", newline="", encoding="utf-8")
        self.csv = csv.DictWriter(self.csv_file, fieldnames=["step", "time", "it_per_s", *family.loss_names])
        if new:
            self.csv.writeheader()
        self.tb = _tensorboard(plan.out)
        self.tty = sys.stderr.isatty()
        self.times: deque[float] = deque(maxlen=50)

    def bar(self, step: int, values: dict) -> None:
        """A one-line progress bar with it/s and losses, redrawn in place on a terminal."""
        if not self.tty:
            return
        now = time.perf_counter()
        self.times.append(now)
        rate = (len(self.times) - 1) / (now - self.times[0]) if len(self.times) > 1 else 0.0
        filled = int(24 * step / max(self.plan.steps, 1))
        losses = " ".join(f"{k} {v:.3g}" for k, v in values.items())
        bar = "#" * filled + "." * (24 - filled)
        sys.stderr.write(f"\r[{bar}] {step}/{self.plan.steps} {rate:.2f} it/s {losses}\033[K")
        sys.stderr.flush()

    def log(self, step: int, values: dict, rate: float) -> None:
        self.csv.writerow({"step": step, "time": round(time.time(), 3), "it_per_s": round(rate, 3), **values})
        self.csv_file.flush()
        if self.tb:
            for key, value in values.items():
                self.tb.add_scalar(f"loss/{key}", value, step)
        text = " ".join(f"{k} {v:.4g}" for k, v in values.items())
        if self.tty:
            sys.stderr.write("\n")
        log.info("step %d/%d | %.2f it/s | %s", step, self.plan.steps, rate, text)

    def grid(self, step: int, images: torch.Tensor) -> None:
        from torchvision.utils import save_image

        nrow = 8 if self.family.task == "latent-to-image" else max(1, images.shape[0] // 2)
        save_image((images.float().cpu() + 1) / 2, self.plan.out / "samples" / f"step-{step:07d}.png", nrow=nrow)

    def save(self, step: int, family, data_rng: torch.Generator) -> Path:
        config = to_dict(family.config)
        state = {"step": step, "family_name": family.name, "config": config, "family": family.state_dict(),
                 "rng": checkpoint.rng_state(), "data_rng": data_rng.get_state()}
        generator = {"family_name": family.name, "config": config, "export": family.export_info(),
                     "state_dict": family.snapshot_generator().state_dict(), "step": step}
        folder = checkpoint.save(self.plan.out / f"checkpoint-{step}", state, generator)
        checkpoint.prune(self.plan.out, family.config.keep_checkpoints)
        return folder

    def close(self) -> None:
        self.csv_file.close()
        if self.tb:
            self.tb.close()


def _tensorboard(folder: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log.info("TensorBoard logs off (install `tensorboard` to get them); log.csv is written")
        return None
    return SummaryWriter(str(folder / "tensorboard"))
