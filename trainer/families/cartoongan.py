"""CartoonGAN training (Chen et al., CVPR 2018).

D learns cartoon images as real and both generated images and *edge-smoothed* cartoon
images as fake (the edge-promoting adversarial loss); G minimises adversarial + omega * L1
VGG content loss. An initialisation phase trains G on the content loss alone.

The slides (source 001) "freeze the VGG weights initially and later enable updation":
`unfreeze_content_at=N` lets VGG19 learn from step N on, with its own Adam at G's learning rate,
minimising G's loss with G. It then belongs to the run (saved and resumed as net "C"). Left to
itself VGG could shrink its features until the content loss says nothing, which is why it is off
by default and why a pretrained start matters.
"""

from __future__ import annotations

import torch

from .. import losses
from ..config import CartoonGANConfig, ConfigError
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
        if self.config.unfreeze_content_at > 0:
            if torch.distributed.is_available() and torch.distributed.is_initialized() \
                    and torch.distributed.get_world_size() > 1:
                raise ConfigError("unfreeze_content_at does not work under torchrun yet: the content network "
                                  "is not wrapped in DistributedDataParallel, so ranks would drift apart")
            self.nets["C"] = self.content_net
            self.optimizers["C"] = self.adam(self.content_net, self.config.lr_g)

    def g_optimizers(self, step: int) -> tuple[torch.optim.Optimizer, ...]:
        """G's optimiser, and from `unfreeze_content_at` on the content network's too (whose
        gradients this turns on, so call it before the step's forward passes)."""
        at = self.config.unfreeze_content_at
        if at <= 0 or step < at:
            return (self.optimizers["G"],)
        self.content_net.requires_grad_(True)
        return self.optimizers["G"], self.optimizers["C"]

    def optimize_parameters(self, step: int) -> dict[str, float]:
        c, b = self.config, self.batch
        photo = b["photo"]
        g_optimizers = self.g_optimizers(step)
        with self.autocast():
            fake = self.net("G")(photo)
        if step < c.init_steps:
            with self.autocast():
                loss = c.weight_content * self.content_term(fake, photo)
            self.step(loss, *g_optimizers)
            self.finish_step()
            return {"g_init": loss.item()}
        d, mode = self.net("D"), c.adversarial
        with self.autocast():
            d_loss = (losses.d_real(d(b["style"]), mode) + losses.d_fake(d(fake.detach()), mode)
                      + losses.d_fake(d(b["smooth"]), mode))
        self.step(d_loss, self.optimizers["D"])
        with self.autocast():
            g_adv = losses.g_adversarial(d(fake), mode)
            content = c.weight_content * self.content_term(fake, photo)
        self.step(g_adv + content, *g_optimizers)
        self.finish_step()
        return {"g_adv": g_adv.item(), "content": content.item(), "d_total": d_loss.item()}

    def sample(self, batch: dict) -> torch.Tensor:
        photo = batch["photo"].to(self.device)
        return torch.cat([photo, self.generate(photo)])
