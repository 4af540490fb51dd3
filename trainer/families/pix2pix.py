"""Pix2Pix training (Isola et al., CVPR 2017): conditional GAN + lambda * L1 on paired data."""

from __future__ import annotations

import torch

from .. import losses
from ..config import Pix2PixConfig
from ..data import PairedData
from ..networks.common import init_weights
from ..networks.pix2pix import PatchGANDiscriminator, UNetGenerator
from .base import Family


class Pix2Pix(Family):
    name = "pix2pix"
    config_class = Pix2PixConfig
    loss_names = ("g_adv", "l1", "d_total")

    @staticmethod
    def make_generator(config) -> torch.nn.Module:
        return UNetGenerator(config.image_size, config.ngf, attention=config.attention, dropout=config.dropout,
                             bottleneck_size=config.bottleneck_size, final_kernel=config.final_kernel,
                             decoder_act=config.decoder_act)

    def build(self) -> None:
        g, d = self.make_generator(self.config), PatchGANDiscriminator(6, self.config.ndf)
        init_weights(g)
        init_weights(d)
        self.nets = {"G": g.to(self.device), "D": d.to(self.device)}
        self.optimizers = {"G": self.adam(self.nets["G"], self.config.lr_g),
                           "D": self.adam(self.nets["D"], self.config.lr_d)}

    def make_data(self, root):
        return PairedData(root, self.config.image_size, self.config.direction)

    def optimize_parameters(self, step: int) -> dict[str, float]:
        c, src, tgt = self.config, self.batch["source"], self.batch["target"]
        d, mode = self.net("D"), c.adversarial
        with self.autocast():
            fake = self.net("G")(src)
            d_loss = 0.5 * (losses.d_real(d(torch.cat([src, tgt], 1)), mode)
                            + losses.d_fake(d(torch.cat([src, fake.detach()], 1)), mode))
        self.step(d_loss, self.optimizers["D"])
        with self.autocast():
            g_adv = losses.g_adversarial(d(torch.cat([src, fake], 1)), mode)
            l1 = c.lambda_l1 * losses.l1(fake, tgt)
        self.step(g_adv + l1, self.optimizers["G"])
        self.finish_step()
        return {"g_adv": g_adv.item(), "l1": l1.item(), "d_total": d_loss.item()}

    def sample(self, batch: dict) -> torch.Tensor:
        src = batch["source"].to(self.device)
        return torch.cat([src, self.generate(src), batch["target"].to(self.device)])

    def export_info(self) -> dict:
        size = self.config.image_size
        return {"family": self.name, "task": self.task, "fixed_size": [size, size]}
