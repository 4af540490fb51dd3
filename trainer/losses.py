"""Losses from the papers, one small function each (ARCHITECTURE.md convention 10).

Images are tensors in [-1, 1], NCHW. Discriminator outputs are raw logits/scores.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

ADVERSARIAL_MODES = ("lsgan", "bce", "hinge")


def _check_mode(mode: str) -> None:
    if mode not in ADVERSARIAL_MODES:
        raise ValueError(f"adversarial loss must be one of {ADVERSARIAL_MODES}, not {mode!r}")


def d_real(real: torch.Tensor, mode: str = "lsgan", target: float = 1.0) -> torch.Tensor:
    """D's loss on samples it should call real (target 1, or less for one-sided label smoothing,
    Salimans et al. 2016; hinge has no target and ignores it)."""
    _check_mode(mode)
    if mode == "lsgan":
        return ((real - target) ** 2).mean()
    if mode == "bce":
        return F.binary_cross_entropy_with_logits(real, torch.full_like(real, target))
    return F.relu(1 - real).mean()


def d_fake(fake: torch.Tensor, mode: str = "lsgan") -> torch.Tensor:
    """D's loss on samples it should call fake (target 0)."""
    _check_mode(mode)
    if mode == "lsgan":
        return (fake**2).mean()
    if mode == "bce":
        return F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    return F.relu(1 + fake).mean()


def d_adversarial(real: torch.Tensor, fake: torch.Tensor, mode: str = "lsgan") -> torch.Tensor:
    """Discriminator loss. lsgan: Mao et al. 2017 eq. 2 (targets 1/0); bce: Goodfellow et al. 2014;
    hinge: Lim & Ye 2017."""
    return d_real(real, mode) + d_fake(fake, mode)


def g_adversarial(fake: torch.Tensor, mode: str = "lsgan") -> torch.Tensor:
    """Generator loss: make D call fakes real (non-saturating BCE for 'bce')."""
    _check_mode(mode)
    if mode == "lsgan":
        return ((fake - 1) ** 2).mean()
    if mode == "bce":
        return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    return -fake.mean()


def critic_real(real: torch.Tensor) -> torch.Tensor:
    """WGAN critic's term on real samples, -E[D(x)] (Arjovsky et al. 2017; Gulrajani et al. 2017
    eq. 3): D is a critic giving unbounded scores, no sigmoid, no target."""
    return -real.mean()


def critic_fake(fake: torch.Tensor) -> torch.Tensor:
    """WGAN critic's term on generated samples, +E[D(G(z))]."""
    return fake.mean()


def critic_generator(fake: torch.Tensor) -> torch.Tensor:
    """WGAN generator loss, -E[D(G(z))]: raise the critic's score of the fakes."""
    return -fake.mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """WGAN-GP's penalty (Gulrajani et al. 2017 eq. 3): E[(||grad_x D(x)|| - 1)^2] at random points
    on lines between real and fake samples, which keeps the critic near 1-Lipschitz without
    weight clipping. `critic` maps images to scores; under AMP pass the loss scale, so the inner
    gradient is taken on scaled scores (no float16 underflow) and unscaled before its norm.
    """
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    mixed = (alpha * real.detach().float() + (1 - alpha) * fake.detach().float()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).float().sum() * scale, mixed, create_graph=True)
    norm = (grad / scale).flatten(1).norm(dim=1)
    return ((norm - 1) ** 2).mean()


def feature_matching(features_fake: torch.Tensor, features_real: torch.Tensor) -> torch.Tensor:
    """Salimans et al. 2016 sec. 3.1: ||E f(x) - E f(G(z))||^2 on an intermediate D layer f, the
    means taken over the batch; averaged over feature elements so its weight does not grow with
    D's width. G then matches the statistics of real data instead of chasing D's current verdict."""
    return F.mse_loss(features_fake.float().flatten(1).mean(0), features_real.detach().float().flatten(1).mean(0))


def content(features_fake: torch.Tensor, features_real: torch.Tensor) -> torch.Tensor:
    """L1 between VGG19 feature maps (AnimeGAN, Chen et al. 2019 eq. 3; CartoonGAN eq. 3)."""
    return F.l1_loss(features_fake, features_real)


def content_normalised(features_fake: torch.Tensor, features_real: torch.Tensor) -> torch.Tensor:
    """L1 between feature maps, each channel divided by its standard deviation over the photos'
    batch (N, H, W). A randomly initialised VGG19's conv4_4 channels differ in scale by orders of
    magnitude and are all tiny, so the plain L1 is dominated by a few channels and is far too
    small beside the adversarial term; measured per channel on the photos it asks every channel
    the same thing: keep the photo's content, in units of how much that channel varies over photos.
    """
    scale = features_real.detach().float().std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    return F.l1_loss(features_fake.float() / scale, features_real.float() / scale)


def content_pixel(fake: torch.Tensor, photo: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Structure without a pretrained network: L1 plus (1 - SSIM) of luma at 1/`factor` resolution.

    Luma only, so hue and saturation stay free for the style; reduced resolution, so fine texture
    (skin pores, photo noise) is not held, only the shapes a drawing keeps.
    """
    from torchmetrics.functional.image import structural_similarity_index_measure as ssim

    def luma(images: torch.Tensor) -> torch.Tensor:
        y = (to_grayscale(images.float())[:, :1] + 1) / 2
        return F.avg_pool2d(y, factor) if factor > 1 else y

    a, b = luma(fake), luma(photo).detach()
    return F.l1_loss(a, b) + (1 - ssim(a, b, data_range=1.0, kernel_size=7))


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix normalised by the number of elements (Gatys et al. 2016)."""
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def gray_style(features_fake: torch.Tensor, features_anime_gray: torch.Tensor) -> torch.Tensor:
    """AnimeGAN's grayscale style loss: L1 between Gram matrices of the fake and of grey anime."""
    return F.l1_loss(gram(features_fake), gram(features_anime_gray))


def channel_statistics(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image, per-channel spatial mean and standard deviation, (N, C) each."""
    flat = features.float().flatten(2)
    return flat.mean(dim=2), flat.std(dim=2)


def domain(features_fake: torch.Tensor, features_anime: torch.Tensor) -> torch.Tensor:
    """AnimeGANv3's domain loss, as this project defines it (the v3 notes, source 003, only say it
    "helps maintain stylistic consistency across different images"; the authors never published it).

    Each output's per-channel mean and standard deviation of content-network features (VGG19 to
    conv4_4; the statistics AdaIN treats as style, Huang & Belongie 2017) are pulled, by L1, to
    those of the anime domain, averaged over the anime batch. Unlike the Gram-matrix grey-style
    term, which matches texture per image pair, this aligns every output, whatever its photo, to
    the same domain statistics: the consistency across images the notes ask for.
    """
    mean_fake, std_fake = channel_statistics(features_fake)
    mean_anime, std_anime = channel_statistics(features_anime.detach())
    return ((mean_fake - mean_anime.mean(0)).abs().mean()
            + (std_fake - std_anime.mean(0)).abs().mean())


def to_grayscale(images: torch.Tensor) -> torch.Tensor:
    """Luma replicated to three channels, staying in [-1, 1]."""
    weights = images.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True).expand(-1, 3, -1, -1)


def rgb_to_yuv(images: torch.Tensor) -> torch.Tensor:
    """BT.601 YUV of images in [-1, 1] (mapped to [0, 1] first, as AnimeGAN does)."""
    x = (images + 1) / 2
    matrix = images.new_tensor([[0.299, 0.587, 0.114], [-0.14714119, -0.28886916, 0.43601035],
                                [0.61497538, -0.51496512, -0.10001026]])
    return torch.einsum("bchw,dc->bdhw", x, matrix)


def colour(fake: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
    """AnimeGAN's colour loss: L1 on Y, Huber on U and V, between output and input photo."""
    a, b = rgb_to_yuv(fake), rgb_to_yuv(photo)
    return F.l1_loss(a[:, 0], b[:, 0]) + F.smooth_l1_loss(a[:, 1], b[:, 1]) + F.smooth_l1_loss(a[:, 2], b[:, 2])


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared neighbour difference (AnimeGANv2's TV term, against high-frequency noise)."""
    dh = images[:, :, 1:, :] - images[:, :, :-1, :]
    dw = images[:, :, :, 1:] - images[:, :, :, :-1]
    return (dh**2).mean() + (dw**2).mean()


def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pix2Pix's reconstruction term (Isola et al. 2017 eq. 3), weighted by lambda outside."""
    return F.l1_loss(a, b)


def edge_promote(image: np.ndarray, kernel: int = 5) -> np.ndarray:
    """CartoonGAN's edge-smoothed style image (Chen et al. 2018, sec. 3.2.1), uint8 RGB in and out.

    Canny finds edges, dilation widens them, and only there the picture is Gaussian-blurred:
    clear cartoon edges become soft, so D learns that sharp edges are what makes a cartoon.
    """
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, 100, 200)
    region = cv2.dilate(edges, np.ones((kernel, kernel), np.uint8)) > 0
    blurred = cv2.GaussianBlur(image, (kernel, kernel), 0)
    out = image.copy()
    out[region] = blurred[region]
    return out


def gradient(fake: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between horizontal and vertical finite differences: rewards sharp, well-placed edges
    (ink lines), which plain L1 lets blur because a blurred line costs little per pixel."""
    dx = (fake[..., :, 1:] - fake[..., :, :-1]) - (target[..., :, 1:] - target[..., :, :-1])
    dy = (fake[..., 1:, :] - fake[..., :-1, :]) - (target[..., 1:, :] - target[..., :-1, :])
    return dx.abs().mean() + dy.abs().mean()


def ms_ssim(fake: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - MS-SSIM (Wang et al. 2003) on [0, 1] images; torchmetrics' implementation. Crops under
    ~180 px are too small for five scales, so they get single-scale SSIM instead."""
    from torchmetrics.functional.image import (
        multiscale_structural_similarity_index_measure,
        structural_similarity_index_measure,
    )

    a, b = (fake.float() + 1) / 2, (target.float() + 1) / 2
    if min(a.shape[-2:]) > 160:
        return 1 - multiscale_structural_similarity_index_measure(a, b, data_range=1.0, normalize="relu")
    return 1 - structural_similarity_index_measure(a, b, data_range=1.0)
