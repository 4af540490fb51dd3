"""The family contract (pix2pix's BaseModel, ARCHITECTURE.md convention 9).

A family builds its nets and optimisers, makes its data, takes a batch in `set_input`, and
runs one explicit D step and G step in `optimize_parameters`, returning its losses by the
names it declares; the loop does everything else (seeding, AMP, DDP, checkpoints, logs).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import nullcontext

import torch
from torch import nn

from .. import losses
from ..data import UnpairedData


class Family(ABC):
    name = ""
    config_class: type = object
    net_names: tuple[str, ...] = ("G", "D")
    loss_names: tuple[str, ...] = ()
    task = "image-to-image"

    def __init__(self, config, device: torch.device, content_weights=None, random_content_net: bool = False):
        self.config, self.device = config, device
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.amp = bool(config.amp) and device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.content_weights, self.random_content_net = content_weights, random_content_net
        self.build()

    # --- what each family provides -------------------------------------------------------
    @abstractmethod
    def build(self) -> None:
        """Create `self.nets` and `self.optimizers`."""

    @abstractmethod
    def make_data(self, root):
        """A data object with `batch(size, rng)`; raises DataError before training on bad folders."""

    @staticmethod
    @abstractmethod
    def make_generator(config) -> nn.Module:
        """G alone, from a config: what the exporter rebuilds from a snapshot."""

    def next_batch(self, data, rng: torch.Generator) -> dict:
        return data.batch(self.config.batch_size, rng)

    def set_input(self, batch: dict) -> None:
        self.batch = {k: v.to(self.device) for k, v in batch.items()}

    @abstractmethod
    def optimize_parameters(self, step: int) -> dict[str, float]:
        """One training step on the batch given to `set_input`; returns losses by `loss_names`."""

    @abstractmethod
    def sample(self, batch: dict) -> torch.Tensor:
        """Images for a sample grid (inputs beside outputs), in [-1, 1]."""

    def export_info(self) -> dict:
        """What the exporter needs to know: generator class arguments and the I/O convention."""
        g = self.unwrapped("G")
        multiple = getattr(g, "size_multiple", 1)
        return {"family": self.name, "task": self.task, "size_multiple": multiple,
                "min_size": getattr(g, "min_size", max(16, multiple))}

    # --- shared helpers --------------------------------------------------------------------
    def net(self, name: str) -> nn.Module:
        return self.nets[name]

    def unwrapped(self, name: str) -> nn.Module:
        net = self.nets[name]
        return getattr(net, "module", net)

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.float16) if self.amp else nullcontext()

    def adam(self, net: nn.Module, lr: float) -> torch.optim.Adam:
        return torch.optim.Adam(net.parameters(), lr=lr, betas=(self.config.beta1, self.config.beta2))

    def step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer, *more: torch.optim.Optimizer,
             clip: float = 0.0) -> None:
        """Backpropagate `loss` and step every optimiser given; with `clip` > 0, each optimiser's
        gradients are first rescaled to a total norm of at most `clip` (unscaled from AMP first)."""
        optimizers = (optimizer, *more)
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        for opt in optimizers:
            if clip > 0:
                self.scaler.unscale_(opt)
                nn.utils.clip_grad_norm_([p for group in opt.param_groups for p in group["params"]], clip)
            self.scaler.step(opt)

    def finish_step(self) -> None:
        self.scaler.update()

    def snapshot_generator(self) -> nn.Module:
        """The G a snapshot (`generator.pt`, what is exported) holds: the trained one, or the
        average of its weights where the family keeps one."""
        return self.unwrapped("G")

    @torch.no_grad()
    def generate(self, inputs: torch.Tensor) -> torch.Tensor:
        g = self.unwrapped("G")
        was_training = g.training
        g.eval()
        try:
            return g(inputs.to(self.device)).float().clamp(-1, 1)
        finally:
            g.train(was_training)

    def state_dict(self) -> dict:
        return {
            "nets": {k: self.unwrapped(k).state_dict() for k in self.nets},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "scaler": self.scaler.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        for k, sd in state["nets"].items():
            self.unwrapped(k).load_state_dict(sd)
        for k, sd in state["optimizers"].items():
            self.optimizers[k].load_state_dict(sd)
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])


class UnpairedFamily(Family):
    """Families trained on photos + style images, with edge-smoothed style images as extra fakes."""

    def make_data(self, root):
        return UnpairedData(root, self.config.image_size)

    def next_batch(self, data, rng):
        return data.batch(self.config.batch_size, rng, smooth_fn=losses.edge_promote)

    def content_term(self, fake: torch.Tensor, photo: torch.Tensor,
                     f_fake: torch.Tensor | None = None) -> torch.Tensor:
        """The unweighted content loss the config's `content_loss` names (`f_fake`: the content
        network's view of `fake`, when the caller already has it)."""
        mode = self.config.content_loss
        if mode == "pixel":
            return losses.content_pixel(fake, photo)
        f_fake = self.content_net(fake) if f_fake is None else f_fake
        compare = losses.content_normalised if mode == "normalised" else losses.content
        return compare(f_fake, self.content_net(photo))
