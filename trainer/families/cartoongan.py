"""CartoonGAN training (Chen et al., CVPR 2018).

D learns cartoon images as real and both generated images and *edge-smoothed* cartoon
images as fake (the edge-promoting adversarial loss); G minimises adversarial + omega * L1
VGG content loss. An initialisation phase trains G on the content loss alone.
"""

from __future__ import annotations

import torch

from .. import losses
from ..config import CartoonGANConfig
from ..content_net import ContentNet
from ..networks.cartoongan import CartoonGANDiscriminator, CartoonGANGenerator
from ..networks.common import init_weights
from .base import UnpairedFamily


class CartoonGAN(UnpairedFamily):
    name = "cartoongan"
    config_class = CartoonGANConfig
    loss_names = ("g_init", "g_adv", "content", "d_total")

    @staticmethod
    def make_generator(config) -> torch.nn.Module:
        return CartoonGANGenerator(config.channels)

    def build(self) -> None:
        g, d = self.make_generator(self.config).to(self.device), CartoonGANDiscriminator(self.config.d_channels)
        init_weights(g)
        init_weights(d)
        self.nets = {"G": g, "D": d.to(self.device)}
        self.content_net = ContentNet(self.content_weights, self.random_content_net).to(self.device)
        self.optimizers = {"G": self.adam(g, self.config.lr_g), "D": self.adam(self.nets["D"], self.config.lr_d)}

    def optimize_parameters(self, step: int) -> dict[str, float]:
        c, b = self.config, self.batch
        photo = b["photo"]
        with self.autocast():
            fake = self.net("G")(photo)
        if step < c.init_steps:
            with self.autocast():
                loss = c.weight_content * losses.content(self.content_net(fake), self.content_net(photo))
            self.step(loss, self.optimizers["G"])
            self.finish_step()
            return {"g_init": loss.item()}
        d, mode = self.net("D"), c.adversarial
        with self.autocast():
            d_loss = (losses.d_real(d(b["style"]), mode) + losses.d_fake(d(fake.detach()), mode)
                      + losses.d_fake(d(b["smooth"]), mode))
        self.step(d_loss, self.optimizers["D"])
        with self.autocast():
            g_adv = losses.g_adversarial(d(fake), mode)
            content = c.weight_content * losses.content(self.content_net(fake), self.content_net(photo))
        self.step(g_adv + content, self.optimizers["G"])
        self.finish_step()
        return {"g_adv": g_adv.item(), "content": content.item(), "d_total": d_loss.item()}

    def sample(self, batch: dict) -> torch.Tensor:
        photo = batch["photo"].to(self.device)
        return torch.cat([photo, self.generate(photo)])
