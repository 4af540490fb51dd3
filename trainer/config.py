"""Training configs: dataclasses whose defaults are the papers', then a file, then --key=value.

Every family's config has `image_size` and `batch_size`; field names are the spelling used in
config files and on the command line (CONTRACTS.md). Values are checked when a config is made,
so a bad choice stops `--dry-run` and training alike with a ConfigError naming the key.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields
from pathlib import Path

import tomllib


class ConfigError(ValueError):
    """A config file or override that cannot be used; says which key and why."""


def _choice(config, key: str, options: tuple[str, ...]) -> None:
    value = getattr(config, key)
    if value not in options:
        raise ConfigError(f"{key} must be one of {', '.join(options)}, not {value!r}")


def _at_least(config, key: str, minimum: float) -> None:
    if getattr(config, key) < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, not {getattr(config, key)!r}")


ACTIVATIONS = ("relu", "leakyrelu")
# What holds G's output to its photo in AnimeGAN and CartoonGAN (see README "Content losses"):
# the papers' L1 of VGG19 conv4_4 features, the same with each channel scaled to unit spread over
# the photos (works with a random VGG19), or luma L1 + SSIM at half size (no network at all).
CONTENT_LOSSES = ("vgg", "normalised", "pixel")
V3_GENERATORS = ("tiny", "instance")


@dataclass
class TrainConfig:
    image_size: int = 256
    batch_size: int = 4
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    adversarial: str = "lsgan"
    seed: int = 0
    save_every: int = 1000
    sample_every: int = 500
    log_every: int = 10
    keep_checkpoints: int = 3
    amp: bool = True  # only takes effect on CUDA
    device: str = "auto"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ConfigError for a value the family cannot use; families extend it."""


@dataclass
class AnimeGANConfig(TrainConfig):
    """AnimeGANv2 (Chen et al. 2019, repo defaults for Hayao): init 2e-4, G 2e-5, D 4e-5."""

    version: str = "v2"
    lr_init: float = 2e-4
    lr_g: float = 2e-5
    lr_d: float = 4e-5
    init_steps: int = 1000  # content-only warm-up (the paper's init epochs)
    d_every: int = 1  # v3 schedule: D updated once per 5 G steps
    weight_adv_g: float = 300.0
    weight_adv_d: float = 300.0
    weight_content: float = 1.5
    weight_style: float = 2.5
    weight_colour: float = 10.0
    # the colour weight of the init phase with content_loss=pixel, where the photo must be rebuilt:
    # the papers' 10 whatever the adversarial phase's weight_colour (which may be lowered to free the style)
    weight_colour_init: float = 10.0
    weight_tv: float = 1.0
    d_channels: int = 32
    content_loss: str = "vgg"

    def validate(self) -> None:
        super().validate()
        _choice(self, "content_loss", CONTENT_LOSSES)
        _at_least(self, "weight_colour_init", 0)


@dataclass
class AnimeGANv3Config(AnimeGANConfig):
    """AnimeGANv3 schedule: D learning rate is half G's, D steps once per 5 G steps.

    `domain_weight` weighs the domain loss (`losses.domain`); the AnimeGANv3 notes name the loss
    but give no weight, so it is off (0) unless asked for. `generator`: `tiny`, the topology of the
    authors' published AnimeGANv3_tiny ONNX graph (U-Net with additive skips, LADE before the
    output; `networks/animeganv3_tiny.py`), or `instance`, v2's generator with instance norm in
    every layer as the v3 notes describe it (it cannot keep a photo's mean colour: README).
    """

    version: str = "v3"
    lr_g: float = 2e-5
    lr_d: float = 1e-5
    d_every: int = 5
    domain_weight: float = 0.0
    generator: str = "tiny"

    def validate(self) -> None:
        super().validate()
        _at_least(self, "domain_weight", 0)
        _choice(self, "generator", V3_GENERATORS)
        # the tiny G's four stride-2 stages and additive skips (AnimeGANv3TinyGenerator.size_multiple,
        # min_size; repeated, not imported, so a config loads without torch): checked here so a wrong
        # size is one line, not a tensor-shape traceback mid-step
        if self.generator == "tiny" and (self.image_size % 16 or self.image_size < 32):
            raise ConfigError(f"image_size must be a multiple of 16 and at least 32 for generator=tiny, "
                              f"not {self.image_size}")


@dataclass
class CartoonGANConfig(TrainConfig):
    """CartoonGAN (Chen et al. 2018): Adam 2e-4, omega = 10 content weight, 10 init epochs."""

    batch_size: int = 8
    adversarial: str = "bce"
    init_steps: int = 1000
    weight_content: float = 10.0
    channels: int = 64
    d_channels: int = 32
    unfreeze_content_at: int = 0  # from this step on VGG19 trains with G (the slides); 0: frozen throughout
    content_loss: str = "vgg"

    def validate(self) -> None:
        super().validate()
        _choice(self, "content_loss", CONTENT_LOSSES)
        _at_least(self, "unfreeze_content_at", 0)


@dataclass
class Pix2PixConfig(TrainConfig):
    """Pix2Pix (Isola et al. 2017): batch 1, Adam 2e-4 (0.5, 0.999), lambda_L1 = 100.

    The slides' variant (source 001) stops the encoder at 2x2 (`bottleneck_size=2`), gives its
    last layer a 5x5 kernel (`final_kernel=5`), puts 8-head attention there and uses LeakyReLU
    in the decoder too (`decoder_act=leakyrelu`); the defaults are the paper's.
    """

    batch_size: int = 1
    adversarial: str = "bce"
    ngf: int = 64
    ndf: int = 64
    lambda_l1: float = 100.0
    attention: bool = False
    dropout: float = 0.5
    direction: str = "AtoB"
    bottleneck_size: int = 1  # side of the innermost map; a power of two below image_size
    final_kernel: int = 4  # kernel of the encoder's last convolution
    decoder_act: str = "relu"

    def validate(self) -> None:
        super().validate()
        b = self.bottleneck_size
        if b < 1 or b & (b - 1) or b >= self.image_size:
            raise ConfigError(f"bottleneck_size must be a power of two below image_size ({self.image_size}), "
                              f"not {b!r}")
        _at_least(self, "final_kernel", 1)
        _choice(self, "decoder_act", ACTIVATIONS)


@dataclass
class PairedConfig(TrainConfig):
    """A slim pixel-shuffle generator on paired data (the shipped default's family).

    Losses need no pretrained network (none exist on these machines): L1, MS-SSIM and a
    gradient loss, plus an optional PatchGAN term. Crops are taken at the images' own scale,
    because the teacher's look is defined in pixels; the learning rate follows a cosine from
    `lr_g` to zero over `decay_steps` (0: constant).
    """

    image_size: int = 192
    batch_size: int = 8
    lr_g: float = 2e-3
    beta1: float = 0.9
    decay_steps: int = 0
    weight_l1: float = 1.0
    weight_msssim: float = 0.5
    weight_gradient: float = 1.0
    weight_adv: float = 0.0
    channels: int = 64
    half_channels: int = 32
    blocks: int = 4
    ndf: int = 32


@dataclass
class DCGANConfig(TrainConfig):
    """DCGAN (Radford et al. 2016): batch 128, Adam 2e-4 (0.5, 0.999), latent 100."""

    image_size: int = 64
    batch_size: int = 128
    adversarial: str = "bce"
    latent_dim: int = 100
    ngf: int = 64
    ndf: int = 64
    variant: str = "classic"  # or "upsample": linear -> 8x8 -> upsample + conv, SN + dropout D
    num_classes: int = 0  # > 0: conditional on one-hot labels
    save_every: int = 2000
    # Against D winning outright and G collapsing to a few modes (both off by default):
    instance_noise: float = 0.0  # sigma of Gaussian noise on D's inputs, in [-1, 1] units ...
    noise_steps: int = 0  # ... fading linearly to zero over this many steps (0: constant)
    real_label: float = 1.0  # one-sided label smoothing: D's target for real images (e.g. 0.9)
    # The methods of the report (sources 002, 004) and the WGAN-GP paper, all off by default:
    d_steps: int = 1  # k discriminator steps, each on a fresh batch, per generator step
    gp_weight: float = 10.0  # lambda of the gradient penalty; used with adversarial=wgan-gp
    optimizer: str = "adam"  # or "rmsprop"
    clip_grad: float = 0.0  # max gradient norm of each net per step (0: no clipping)
    feature_matching: float = 0.0  # weight of Salimans et al.'s feature matching in G's loss
    crop: str = "random"  # random crop + flip, or "center" (resize + centre crop, as in the report)
    g_act: str = "relu"  # G's hidden activations; the report's G used LeakyReLU
    # Attribute conditioning (faces you can direct): a JSON object, attribute -> value names in
    # column order, or "faces" for the procedural renderer's table; empty: not conditional on them.
    attributes: str = ""
    embed_dim: int = 16  # width of each attribute's embedding in G
    aux_weight: float = 0.0  # weight of the auxiliary attribute classifier (AC-GAN) in both losses
    # where that classifier lives: heads on D's features ("d", AC-GAN as published), or a small
    # batch-norm CNN of its own ("separate") trained on clean real images at `lr_aux`; D's
    # spectral-norm trunk at D's learning rate barely learned eye colour (README).
    aux_net: str = "d"
    aux_width: int = 16
    # decay of an exponential moving average of G's weights (Karras et al. 2018; Yazici et al. 2019),
    # which samples and snapshots then hold; 0: off, the last weights are exported as trained
    ema: float = 0.0
    lr_aux: float = 1e-3

    def validate(self) -> None:
        super().validate()
        if self.attributes.strip() == "faces":
            from .procedural_faces import ATTRIBUTES

            self.attributes = json.dumps({k: list(v) for k, v in ATTRIBUTES.items()})
        if self.attributes:
            table = self.attribute_table()
            if not table or any(not isinstance(v, list) or len(v) < 2 for v in table.values()):
                raise ConfigError("attributes must map each attribute name to a list of at least two value names")
            if self.num_classes:
                raise ConfigError("a model is conditional on num_classes or on attributes, not both")
        _at_least(self, "embed_dim", 1)
        _at_least(self, "aux_weight", 0)
        _choice(self, "aux_net", ("d", "separate"))
        _at_least(self, "aux_width", 1)
        if not 0 <= self.ema < 1:
            raise ConfigError(f"ema must be at least 0 and below 1, not {self.ema!r}")
        _choice(self, "adversarial", ("lsgan", "bce", "hinge", "wgan-gp"))
        _choice(self, "optimizer", ("adam", "rmsprop"))
        _choice(self, "crop", ("random", "center"))
        _choice(self, "g_act", ACTIVATIONS)
        _at_least(self, "d_steps", 1)
        for key in ("gp_weight", "clip_grad", "feature_matching"):
            _at_least(self, key, 0)

    def attribute_table(self) -> dict[str, list[str]]:
        """Attribute name -> value names, in column order ({} when not conditional on attributes)."""
        if not self.attributes:
            return {}
        try:
            table = json.loads(self.attributes)
        except ValueError:
            raise ConfigError(f"attributes must be JSON (name -> value names) or 'faces', not {self.attributes!r}") \
                from None
        if not isinstance(table, dict):
            raise ConfigError("attributes must be a JSON object: name -> list of value names")
        return table


def load(config_class: type, file: Path | None = None, overrides: list[str] | None = None):
    """Defaults, then the TOML/JSON/YAML file, then `--key=value` strings."""
    values: dict = {}
    if file:
        values.update(_read_file(Path(file)))
    for item in overrides or []:
        key, sep, raw = item.removeprefix("--").partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} must look like --key=value")
        values[key.replace("-", "_")] = raw
    names = {f.name: f for f in fields(config_class)}
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ConfigError(f"unknown config keys {unknown}; valid keys: {', '.join(sorted(names))}")
    typed = {k: _coerce(names[k], v) for k, v in values.items()}
    return config_class(**typed)


def to_dict(config) -> dict:
    return dataclasses.asdict(config)


def _read_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        if path.suffix == ".json":
            return json.loads(text)
        if path.suffix in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(text) or {}
    except (ValueError, ImportError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    raise ConfigError(f"{path}: config files are .toml, .json or .yaml")


def _coerce(field: dataclasses.Field, value):
    kind = field.type if isinstance(field.type, type) else {"int": int, "float": float, "bool": bool,
                                                             "str": str}.get(str(field.type), str)
    if not isinstance(value, str):
        return kind(value)
    try:
        if kind is bool:
            if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(value)
            return value.lower() in ("1", "true", "yes")
        return kind(value)
    except ValueError:
        raise ConfigError(f"{field.name} must be a {kind.__name__}, not {value!r}") from None
