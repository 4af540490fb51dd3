"""Paired training of a small, fast generator with losses that need no pretrained network.

This is how the shipped default model is made (scripts/build_default_model.py): the app's
classical toon renderer writes photo -> toon pairs, and this family teaches the
pixel-shuffle generator to imitate it. L1 holds colours, MS-SSIM holds local structure and
contrast, and the gradient loss keeps ink lines sharp; an optional PatchGAN term
(`weight_adv` > 0) can add texture where a teacher is not a deterministic function of the
input, which a toon renderer is, so it is off by default.
"""

from __future__ import annotations

import math

import torch

from .. import losses
from ..config import PairedConfig
from ..data import PairedCrops
from ..networks.common import init_weights
from ..networks.pix2pix import PatchGANDiscriminator
from ..networks.pixelshuffle import PixelShuffleGenerator
from .base import Family


class Paired(Family):
    name = "paired"
    config_class = PairedConfig
    loss_names = ("l1", "msssim", "gradient", "g_adv", "d_total", "lr")

    @staticmethod
    def make_generator(config) -> torch.nn.Module:
        return PixelShuffleGenerator(config.channels, config.half_channels, config.blocks)

    def build(self) -> None:
        g = self.make_generator(self.config)  # PyTorch's default init: the residual output starts near identity
        self.nets = {"G": g.to(self.device)}
        self.optimizers = {"G": self.adam(g, self.config.lr_g)}
        if self.config.weight_adv > 0:
            d = PatchGANDiscriminator(6, self.config.ndf, layers=2)
            init_weights(d)
            self.nets["D"] = d.to(self.device)
            self.optimizers["D"] = self.adam(d, self.config.lr_d)

    def make_data(self, root):
        return PairedCrops(root, self.config.image_size)

    def learning_rate(self, step: int) -> float:
        c = self.config
        if c.decay_steps <= 0:
            return c.lr_g
        return c.lr_g * 0.5 * (1 + math.cos(math.pi * min(step / c.decay_steps, 1.0)))

    def optimize_parameters(self, step: int) -> dict[str, float]:
        c, src, tgt = self.config, self.batch["source"], self.batch["target"]
        lr = self.learning_rate(step)
        for group in self.optimizers["G"].param_groups:
            group["lr"] = lr
        d_loss = torch.zeros(())
        with self.autocast():
            fake = self.net("G")(src)
        if "D" in self.nets:
            d = self.net("D")
            with self.autocast():
                d_loss = 0.5 * (losses.d_real(d(torch.cat([src, tgt], 1)), c.adversarial)
                                + losses.d_fake(d(torch.cat([src, fake.detach()], 1)), c.adversarial))
            self.step(d_loss, self.optimizers["D"])
        with self.autocast():
            l1 = losses.l1(fake, tgt)
            structure = losses.ms_ssim(fake, tgt)
            edges = losses.gradient(fake, tgt)
            g_adv = (losses.g_adversarial(self.net("D")(torch.cat([src, fake], 1)), c.adversarial)
                     if "D" in self.nets else torch.zeros((), device=fake.device))
            total = c.weight_l1 * l1 + c.weight_msssim * structure + c.weight_gradient * edges + c.weight_adv * g_adv
        self.step(total, self.optimizers["G"])
        self.finish_step()
        return {"l1": l1.item(), "msssim": structure.item(), "gradient": edges.item(), "g_adv": g_adv.item(),
                "d_total": d_loss.detach().item(), "lr": lr}  # detached: D's loss is logged, not backpropagated

    def sample(self, batch: dict) -> torch.Tensor:
        src = batch["source"].to(self.device)
        return torch.cat([src, self.generate(src), batch["target"].to(self.device)])
