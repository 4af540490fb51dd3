"""Small building blocks shared by several networks."""

from __future__ import annotations

from torch import nn
from torch.nn.utils import spectral_norm


def sn(module: nn.Module, enabled: bool = True) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018) when enabled; stabilises GAN discriminators."""
    return spectral_norm(module) if enabled else module


def activation(kind: str = "relu") -> nn.Module:
    """ReLU, or LeakyReLU(0.2): the slope DCGAN and pix2pix use wherever they leak."""
    if kind == "relu":
        return nn.ReLU(True)
    if kind == "leakyrelu":
        return nn.LeakyReLU(0.2, True)
    raise ValueError(f"activation must be relu or leakyrelu, not {kind!r}")


def init_weights(module: nn.Module, std: float = 0.02) -> None:
    """N(0, 0.02) convolutions and N(1, 0.02) norm scales: the DCGAN/pix2pix initialisation."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            weight = getattr(m, "weight_orig", m.weight)
            nn.init.normal_(weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
