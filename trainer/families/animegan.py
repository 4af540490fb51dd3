"""AnimeGAN v2 and v3 training (Chen et al. 2019; AnimeGANv3 schedule).

D sees anime frames as real and, as fake: generated images, greyscale anime (so colour is
not what makes "anime") and edge-smoothed anime (so crisp edges are), weighted 1.2/1.2/1.2/0.8
as in the authors' code. G minimises adversarial + content + grey-style + colour + TV (+ v3's
domain loss, when weighted).
The first `init_steps` train G on the content loss alone (reconstruct the photo); with
`content_loss=pixel`, which holds luma only, the colour term joins it there, weighted
`weight_colour_init` (rebuilding the photo needs its colour whatever `weight_colour` is later).
"""

from __future__ import annotations

import torch

from .. import losses
from ..config import AnimeGANConfig, AnimeGANv3Config
from ..content_net import ContentNet
from ..networks.animegan import AnimeGANv2Generator, PatchDiscriminator, animeganv3_generator
from ..networks.animeganv3_tiny import AnimeGANv3TinyGenerator
from ..networks.common import init_weights
from .base import UnpairedFamily


class AnimeGAN(UnpairedFamily):
    name = "animegan"
    config_class = AnimeGANConfig
    loss_names = ("g_init", "g_adv", "content", "style", "colour", "tv", "d_total")

    @staticmethod
    def make_generator(config) -> torch.nn.Module:
        if config.version != "v3":
            return AnimeGANv2Generator()
        return AnimeGANv3TinyGenerator() if config.generator == "tiny" else animeganv3_generator()

    def build(self) -> None:
        g = self.make_generator(self.config).to(self.device)
        d = PatchDiscriminator(self.config.d_channels).to(self.device)
        init_weights(d)
        self.nets = {"G": g, "D": d}
        self.content_net = (ContentNet(self.content_weights, self.random_content_net).to(self.device)
                            if self.needs_content_net() else None)
        self.optimizers = {"G": self.adam(g, self.config.lr_g), "D": self.adam(d, self.config.lr_d),
                           "G_init": self.adam(g, self.config.lr_init)}

    def needs_content_net(self) -> bool:
        """VGG19 is built only for a term that uses it: with the pixel content loss and no grey-style
        (or domain) term, training needs no VGG19 weights and runs no VGG19 pass (the pass costs
        more than this generator's own at 128 px)."""
        c = self.config
        return c.content_loss != "pixel" or c.weight_style > 0 or getattr(c, "domain_weight", 0) > 0

    def optimize_parameters(self, step: int) -> dict[str, float]:
        c, b = self.config, self.batch
        photo, style = b["photo"], b["style"]
        if step < c.init_steps:
            with self.autocast():
                fake = self.net("G")(photo)
                loss = c.weight_content * self.content_term(fake, photo)
                if c.content_loss == "pixel":  # luma alone cannot rebuild the photo: add the chroma
                    loss = loss + c.weight_colour_init * losses.colour(fake, photo)
            self.step(loss, self.optimizers["G_init"])
            self.finish_step()
            return {"g_init": loss.item()}
        out: dict[str, float] = {}
        with self.autocast():
            fake = self.net("G")(photo)
        if step % c.d_every == 0:
            out["d_total"] = self._d_step(fake.detach(), style, b["smooth"])
        out.update(self._g_step(fake, photo, style))
        self.finish_step()
        return out

    def _d_step(self, fake, style, smooth) -> float:
        c, d, mode = self.config, self.net("D"), self.config.adversarial
        with self.autocast():
            loss = c.weight_adv_d * (1.2 * losses.d_real(d(style), mode) + 1.2 * losses.d_fake(d(fake), mode)
                                     + 1.2 * losses.d_fake(d(losses.to_grayscale(style)), mode)
                                     + 0.8 * losses.d_fake(d(smooth), mode))
        self.step(loss, self.optimizers["D"])
        return loss.item()

    def _g_step(self, fake, photo, style) -> dict[str, float]:
        with self.autocast():
            parts = self._g_losses(fake, photo, style, self.content_net(fake) if self.content_net is not None else None)
        self.step(sum(parts.values()), self.optimizers["G"])
        return {k: v.item() for k, v in parts.items()}

    def _g_losses(self, fake, photo, style, f_fake) -> dict[str, torch.Tensor]:
        """G's weighted loss terms by name; `f_fake` is the content network's view of `fake`."""
        c = self.config
        parts = {
            "g_adv": c.weight_adv_g * losses.g_adversarial(self.net("D")(fake), c.adversarial),
            "content": c.weight_content * self.content_term(fake, photo, f_fake),
            "colour": c.weight_colour * losses.colour(fake, photo),
            "tv": c.weight_tv * losses.total_variation(fake),
        }
        if c.weight_style > 0:
            parts["style"] = c.weight_style * losses.gray_style(f_fake, self.content_net(losses.to_grayscale(style)))
        return parts

    def sample(self, batch: dict) -> torch.Tensor:
        photo = batch["photo"].to(self.device)
        return torch.cat([photo, self.generate(photo)])


class AnimeGANv3(AnimeGAN):
    """AnimeGANv3: v2's losses plus the domain loss, with v3's generator and schedule.

    The domain term, `domain_weight * losses.domain(VGG(G(photo)), VGG(anime))`, compares the
    per-channel mean and standard deviation of conv4_4 features of each output with those of the
    colour anime batch (L1, see `losses.domain`). The v3 notes (source 003: "Domain Loss: Helps
    maintain stylistic consistency across different images") name it without a weight, and the
    authors' training code is unpublished, so its weight defaults to 0: off unless asked for.
    """

    name = "animeganv3"
    config_class = AnimeGANv3Config
    loss_names = (*AnimeGAN.loss_names, "domain")

    def _g_losses(self, fake, photo, style, f_fake) -> dict[str, torch.Tensor]:
        parts = super()._g_losses(fake, photo, style, f_fake)
        if self.config.domain_weight > 0:
            parts["domain"] = self.config.domain_weight * losses.domain(f_fake, self.content_net(style))
        return parts
