"""DCGAN training (Radford et al. 2016) for 64x64 faces, optionally conditional.

Two options fight the failure seen on crisp, flat drawings, where D wins outright (its fake
loss near 1e-5) and G collapses onto a few faces: instance noise on D's inputs, fading to zero
(Sønderby et al. 2017), so real and fake distributions overlap while G is still far off; and
one-sided label smoothing (Salimans et al. 2016). On the procedural faces they took SWD at
2500 steps from 114.9 to 51.6 (coarsest level 197 -> 44).

The report's other methods (sources 002 and 004) are options too, all off by default: k D steps
per G step, each on a fresh batch (Goodfellow et al. 2014, Algorithm 1); a WGAN-GP critic
(Gulrajani et al. 2017); RMSprop; gradient-norm clipping; feature matching (Salimans et al.
2016); centre crops; a LeakyReLU generator.
"""

from __future__ import annotations

import copy

import torch

from .. import losses
from ..classifier import AttributeClassifier
from ..config import ConfigError, DCGANConfig
from ..data import FaceData
from ..networks.common import init_weights
from ..networks.dcgan import DCGANDiscriminator, DCGANGenerator, UpsampleGenerator
from .base import Family

SAMPLE_COUNT = 64
WGAN_GP = "wgan-gp"


class DCGAN(Family):
    name = "dcgan"
    config_class = DCGANConfig
    # every term any option logs, so log.csv keeps one header whatever the options (empty when off)
    loss_names = ("g_adv", "d_total", "d_real", "d_fake", "gp", "feature_matching", "d_aux", "g_aux")
    task = "latent-to-image"

    @staticmethod
    def make_generator(config) -> torch.nn.Module:
        if config.variant not in ("classic", "upsample"):
            raise ValueError(f"DCGAN variant must be classic or upsample, not {config.variant!r}")
        cls = UpsampleGenerator if config.variant == "upsample" else DCGANGenerator
        return cls(config.latent_dim, config.ngf, config.num_classes, act=config.g_act,
                   attribute_sizes=attribute_sizes(config), embed_dim=config.embed_dim)

    @staticmethod
    def make_discriminator(config) -> torch.nn.Module:
        """D from a config; a WGAN-GP critic has layer norm where the classic D has batch norm."""
        norm = "layer" if config.adversarial == WGAN_GP else "batch"
        return DCGANDiscriminator(config.ndf, config.num_classes, variant=config.variant == "upsample", norm=norm,
                                  attribute_sizes=attribute_sizes(config))

    def build(self) -> None:
        c = self.config
        if c.instance_noise < 0 or c.noise_steps < 0:
            raise ConfigError("instance_noise and noise_steps must not be negative")
        g, d = self.make_generator(c), self.make_discriminator(c)
        init_weights(g)
        init_weights(d)
        self.nets = {"G": g.to(self.device), "D": d.to(self.device)}
        if c.ema > 0:  # no gradients: DDP leaves it alone, checkpoints carry it like any net
            self.nets["G_ema"] = copy.deepcopy(self.nets["G"]).requires_grad_(False)
        self.optimizers = {"G": self.make_optimizer(self.nets["G"], c.lr_g),
                           "D": self.make_optimizer(self.nets["D"], c.lr_d)}
        if self.separate_aux:  # the judge's network; PyTorch's default init (batch norm trains it)
            # D's spectral-norm trunk at D's rate reached 15 % on eye colour in 400 steps on real faces
            # alone, this network 71 %
            self.nets["C"] = AttributeClassifier(attribute_sizes(c), c.aux_width, act="leakyrelu").to(self.device)
            self.optimizers["C"] = torch.optim.Adam(self.nets["C"].parameters(), lr=c.lr_aux, betas=(0.5, 0.999))
        fixed = torch.Generator().manual_seed(c.seed + 1)  # its own stream: sampling never shifts training RNG
        self.fixed_z = torch.randn(SAMPLE_COUNT, c.latent_dim, generator=fixed)
        self.fixed_labels = torch.arange(SAMPLE_COUNT) % c.num_classes if c.num_classes else None
        sizes = attribute_sizes(c)
        if sizes:  # the sample grid asks for every attribute uniformly, from its own fixed stream
            self.fixed_labels = torch.stack([torch.randint(n, (SAMPLE_COUNT,), generator=fixed) for n in sizes], 1)

    @property
    def separate_aux(self) -> bool:
        c = self.config
        return c.aux_net == "separate" and c.aux_weight > 0 and bool(c.attribute_table())

    def make_optimizer(self, net: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
        if self.config.optimizer == "rmsprop":  # what WGAN used before the penalty made Adam safe
            return torch.optim.RMSprop(net.parameters(), lr=lr)
        return self.adam(net, lr)

    def make_data(self, root):
        c = self.config
        return FaceData(root, c.image_size, labels=c.num_classes > 0, crop=c.crop,
                        attributes=list(c.attribute_table()) or None)

    def next_batch(self, data, rng: torch.Generator) -> dict:
        """`d_steps` batches stacked into one: each D step sees real images of its own."""
        if self.config.d_steps == 1:
            return data.batch(self.config.batch_size, rng)
        batches = [data.batch(self.config.batch_size, rng) for _ in range(self.config.d_steps)]
        return {key: torch.cat([b[key] for b in batches]) for key in batches[0]}

    def noise_sigma(self, step: int) -> float:
        c = self.config
        if not c.noise_steps:
            return c.instance_noise
        return c.instance_noise * max(0.0, 1.0 - step / c.noise_steps)

    def optimize_parameters(self, step: int) -> dict[str, float]:
        k = self.config.d_steps
        sigma = self.noise_sigma(step)
        noisy = (lambda x: x + sigma * torch.randn_like(x)) if sigma > 0 else (lambda x: x)
        reals = self.batch["image"].chunk(k)
        condition = self.batch.get("label", self.batch.get("attributes"))
        labels = condition.chunk(k) if condition is not None else [None] * len(reals)
        self.visible = self.batch["visible"].chunk(k) if "visible" in self.batch else None
        for i, (real, label) in enumerate(zip(reals, labels)):
            if i:
                self.finish_step()  # AMP's scaler steps an optimiser once per update
            visible = self.visible[i] if self.visible is not None else None
            fake, out = self._d_step(real, label, noisy, keep_graph=i == len(reals) - 1, visible=visible)
        out.update(self._g_step(fake, real, label, noisy, visible))
        self.finish_step()
        if "G_ema" in self.nets:
            self._update_ema(step)
        return out

    @torch.no_grad()
    def _update_ema(self, step: int) -> None:
        """Move the averaged G towards G. The decay ramps up from 0.1 ((1 + t) / (10 + t), as
        TensorFlow's moving averages do), so the average does not drag the initial weights along;
        batch-norm statistics are copied, not averaged."""
        decay = min(self.config.ema, (1 + step) / (10 + step))
        ema, g = self.unwrapped("G_ema"), self.unwrapped("G")
        for a, b in zip(ema.parameters(), g.parameters()):
            a.lerp_(b, 1 - decay)
        for a, b in zip(ema.buffers(), g.buffers()):
            a.copy_(b)

    def snapshot_generator(self) -> torch.nn.Module:
        return self.unwrapped("G_ema") if "G_ema" in self.nets else self.unwrapped("G")

    def _aux(self, heads: list[torch.Tensor], labels, visible) -> torch.Tensor:
        """AC-GAN's term: cross-entropy of the attribute heads' logits against the asked-for values,
        only where the attribute can be seen (no eye colour is asked of closed eyes)."""
        parts = []
        for i, logits in enumerate(heads):
            ce = torch.nn.functional.cross_entropy(logits.float(), labels[:, i], reduction="none")
            mask = visible[:, i].float() if visible is not None else torch.ones_like(ce)
            parts.append((ce * mask).sum() / mask.sum().clamp_min(1))
        return self.config.aux_weight * torch.stack(parts).mean()

    def _d_step(self, real, labels, noisy, keep_graph: bool, visible=None) -> tuple[torch.Tensor, dict[str, float]]:
        """One D step on `real` and a fresh fake; returns the fake (with G's graph only when
        `keep_graph`: the last fake of an iteration is the one G's step reuses) and D's losses."""
        c, d = self.config, self.net("D")
        z = torch.randn(real.shape[0], c.latent_dim, device=self.device)
        with torch.set_grad_enabled(keep_graph), self.autocast():
            fake = self.net("G")(z, labels)
        with self.autocast():
            real_in = noisy(real)
            aux = c.aux_weight > 0 and labels is not None and labels.dim() == 2 and not self.separate_aux
            if aux:
                real_out, real_hidden = d(real_in, labels, features=True)
            else:
                real_out = d(real_in, labels)
            fake_in = noisy(fake.detach())
            fake_out = d(fake_in, labels)
            if c.adversarial == WGAN_GP:
                real_loss, fake_loss = losses.critic_real(real_out), losses.critic_fake(fake_out)
                critic = self.unwrapped("D")  # autograd.grad must not pass through DDP's hooks
                scale = self.scaler.get_scale() if self.amp else 1.0
                gp = c.gp_weight * losses.gradient_penalty(lambda x: critic(x, labels), real_in, fake_in, scale)
            else:
                real_loss = losses.d_real(real_out, c.adversarial, c.real_label)
                fake_loss = losses.d_fake(fake_out, c.adversarial)
                gp = None
            d_aux = self._aux(self.unwrapped("D").classify(real_hidden), labels, visible) if aux else None
            total = real_loss + fake_loss + (gp if gp is not None else 0) + (d_aux if d_aux is not None else 0)
        self.step(total, self.optimizers["D"], clip=c.clip_grad)
        out = {"d_total": total.item(), "d_real": real_loss.item(), "d_fake": fake_loss.item()}
        if d_aux is not None:
            out["d_aux"] = d_aux.item()
        if gp is not None:
            out["gp"] = gp.item()
        if self.separate_aux:
            out["d_aux"] = self._classifier_step(real, labels, visible)
        return fake, out

    def _classifier_step(self, real, labels, visible) -> float:
        """The separate classifier learns the attributes from real faces, without instance noise
        (it is no judge of real against fake, so nothing needs to be hidden from it)."""
        with self.autocast():
            loss = self._aux(self.net("C")(real), labels, visible)
        self.step(loss, self.optimizers["C"])
        return loss.item()

    def _classifier_says(self, fake, labels, visible) -> torch.Tensor:
        """G's AC-GAN term through the separate classifier: in eval mode, so fakes never move its
        batch-norm statistics, and with its weights frozen, so only G's gradients are computed."""
        c = self.net("C")
        c.eval()
        c.requires_grad_(False)
        try:
            return self._aux(c(fake), labels, visible)
        finally:
            c.requires_grad_(True)
            c.train()

    def _g_step(self, fake, real, labels, noisy, visible=None) -> dict[str, float]:
        c, d = self.config, self.net("D")
        aux = c.aux_weight > 0 and labels is not None and labels.dim() == 2
        with self.autocast():
            if c.feature_matching > 0 or aux:
                if c.feature_matching > 0:
                    with torch.no_grad():
                        _, real_features = self.unwrapped("D")(noisy(real), labels, features=True)
                scores, fake_features = d(noisy(fake), labels, features=True)
            else:
                scores = d(noisy(fake), labels)
            wgan = c.adversarial == WGAN_GP
            parts = {"g_adv": losses.critic_generator(scores) if wgan else losses.g_adversarial(scores, c.adversarial)}
            if c.feature_matching > 0:
                parts["feature_matching"] = c.feature_matching * losses.feature_matching(fake_features, real_features)
            if aux and not self.separate_aux:
                parts["g_aux"] = self._aux(self.unwrapped("D").classify(fake_features), labels, visible)
            elif aux:
                parts["g_aux"] = self._classifier_says(fake, labels, visible)
        self.step(sum(parts.values()), self.optimizers["G"], clip=c.clip_grad)
        return {k: v.item() for k, v in parts.items()}

    @torch.no_grad()
    def sample(self, batch: dict | None = None) -> torch.Tensor:
        g = self.snapshot_generator()
        was_training = g.training
        g.eval()
        try:
            labels = self.fixed_labels.to(self.device) if self.fixed_labels is not None else None
            return g(self.fixed_z.to(self.device), labels).float()
        finally:
            g.train(was_training)

    def export_info(self) -> dict:
        return {"family": self.name, "task": self.task, "latent_dim": self.config.latent_dim,
                "num_classes": self.config.num_classes, "attributes": self.config.attribute_table()}


def attribute_sizes(config) -> tuple[int, ...]:
    """How many values each attribute has, in column order (empty when not conditional on them)."""
    return tuple(len(v) for v in config.attribute_table().values())
