"""DCGAN training (Radford et al. 2016) for 64x64 faces, optionally conditional."""

from __future__ import annotations

import torch

from .. import losses
from ..config import DCGANConfig
from ..data import FaceData
from ..networks.common import init_weights
from ..networks.dcgan import DCGANDiscriminator, DCGANGenerator, UpsampleGenerator
from .base import Family

SAMPLE_COUNT = 64


class DCGAN(Family):
    name = "dcgan"
    config_class = DCGANConfig
    loss_names = ("g_adv", "d_total", "d_real", "d_fake")
    task = "latent-to-image"

    @staticmethod
    def make_generator(config) -> torch.nn.Module:
        if config.variant not in ("classic", "upsample"):
            raise ValueError(f"DCGAN variant must be classic or upsample, not {config.variant!r}")
        cls = UpsampleGenerator if config.variant == "upsample" else DCGANGenerator
        return cls(config.latent_dim, config.ngf, config.num_classes)

    def build(self) -> None:
        c = self.config
        g = self.make_generator(c)
        d = DCGANDiscriminator(c.ndf, c.num_classes, variant=c.variant == "upsample")
        init_weights(g)
        init_weights(d)
        self.nets = {"G": g.to(self.device), "D": d.to(self.device)}
        self.optimizers = {"G": self.adam(self.nets["G"], c.lr_g), "D": self.adam(self.nets["D"], c.lr_d)}
        fixed = torch.Generator().manual_seed(c.seed + 1)  # its own stream: sampling never shifts training RNG
        self.fixed_z = torch.randn(SAMPLE_COUNT, c.latent_dim, generator=fixed)
        self.fixed_labels = torch.arange(SAMPLE_COUNT) % c.num_classes if c.num_classes else None

    def make_data(self, root):
        return FaceData(root, self.config.image_size, labels=self.config.num_classes > 0)

    def optimize_parameters(self, step: int) -> dict[str, float]:
        c, real = self.config, self.batch["image"]
        labels = self.batch.get("label")
        g, d, mode = self.net("G"), self.net("D"), c.adversarial
        z = torch.randn(real.shape[0], c.latent_dim, device=self.device)
        with self.autocast():
            fake = g(z, labels)
            real_loss = losses.d_real(d(real, labels), mode)
            fake_loss = losses.d_fake(d(fake.detach(), labels), mode)
        self.step(real_loss + fake_loss, self.optimizers["D"])
        with self.autocast():
            g_loss = losses.g_adversarial(d(fake, labels), mode)
        self.step(g_loss, self.optimizers["G"])
        self.finish_step()
        return {"g_adv": g_loss.item(), "d_total": (real_loss + fake_loss).item(),
                "d_real": real_loss.item(), "d_fake": fake_loss.item()}

    @torch.no_grad()
    def sample(self, batch: dict | None = None) -> torch.Tensor:
        g = self.unwrapped("G")
        was_training = g.training
        g.eval()
        try:
            labels = self.fixed_labels.to(self.device) if self.fixed_labels is not None else None
            return g(self.fixed_z.to(self.device), labels).float()
        finally:
            g.train(was_training)

    def export_info(self) -> dict:
        return {"family": self.name, "task": self.task, "latent_dim": self.config.latent_dim,
                "num_classes": self.config.num_classes}
