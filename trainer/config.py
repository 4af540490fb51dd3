"""Training configs: dataclasses whose defaults are the papers', then a file, then --key=value.

Every family's config has `image_size` and `batch_size`; field names are the spelling used in
config files and on the command line (CONTRACTS.md).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields
from pathlib import Path

import tomllib


class ConfigError(ValueError):
    """A config file or override that cannot be used; says which key and why."""


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
    weight_tv: float = 1.0
    d_channels: int = 32


@dataclass
class AnimeGANv3Config(AnimeGANConfig):
    """AnimeGANv3 schedule: D learning rate is half G's, D steps once per 5 G steps."""

    version: str = "v3"
    lr_g: float = 2e-5
    lr_d: float = 1e-5
    d_every: int = 5


@dataclass
class CartoonGANConfig(TrainConfig):
    """CartoonGAN (Chen et al. 2018): Adam 2e-4, omega = 10 content weight, 10 init epochs."""

    batch_size: int = 8
    adversarial: str = "bce"
    init_steps: int = 1000
    weight_content: float = 10.0
    channels: int = 64
    d_channels: int = 32


@dataclass
class Pix2PixConfig(TrainConfig):
    """Pix2Pix (Isola et al. 2017): batch 1, Adam 2e-4 (0.5, 0.999), lambda_L1 = 100."""

    batch_size: int = 1
    adversarial: str = "bce"
    ngf: int = 64
    ndf: int = 64
    lambda_l1: float = 100.0
    attention: bool = False
    dropout: float = 0.5
    direction: str = "AtoB"


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
