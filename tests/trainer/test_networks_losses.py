"""Network shapes and contracts, and each loss function's defining property."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tests.conftest import SHARED, need_shared
from trainer import losses
from trainer.networks.animegan import AnimeGANv2Generator, PatchDiscriminator, animeganv3_generator
from trainer.networks.cartoongan import CartoonGANDiscriminator, CartoonGANGenerator
from trainer.networks.common import count_parameters
from trainer.networks.dcgan import DCGANDiscriminator, DCGANGenerator, UpsampleGenerator
from trainer.networks.pix2pix import PatchGANDiscriminator, UNetGenerator
from trainer.networks.pixelshuffle import PixelShuffleGenerator


def test_animegan2_pytorch_weights_load_strictly():
    spec = json.loads(need_shared(SHARED / "reference-models" / "animegan2-pytorch_generator_state_dict.json")
                      .read_text())["tensors"]
    published = {k: torch.randn(shape) for k, shape in spec.items()}
    g = AnimeGANv2Generator()
    g.load_state_dict(published, strict=True)
    assert count_parameters(g) == 2_143_552
    assert torch.equal(g.state_dict()["block_c.1.layers.1.1.weight"], published["block_c.1.layers.1.1.weight"])


@pytest.mark.parametrize("make", [AnimeGANv2Generator, animeganv3_generator, CartoonGANGenerator,
                                  PixelShuffleGenerator])
def test_image_generators_keep_any_multiple_of_4_size(make):
    out = make()(torch.randn(1, 3, 36, 52))
    assert out.shape == (1, 3, 36, 52) and out.abs().max() <= 1


def test_discriminators_give_patch_maps():
    assert PatchDiscriminator()(torch.randn(2, 3, 64, 64)).shape == (2, 1, 16, 16)
    assert CartoonGANDiscriminator()(torch.randn(2, 3, 64, 64)).shape == (2, 1, 16, 16)
    assert PatchGANDiscriminator()(torch.randn(1, 6, 256, 256)).shape == (1, 1, 30, 30)  # 70x70 receptive field


def test_unet_depth_follows_size_and_paper_size_is_kept():
    assert len(UNetGenerator(256, 64).down) == 8 and len(UNetGenerator(512, 8).down) == 9
    assert 54.0e6 < count_parameters(UNetGenerator(256, 64)) < 54.5e6
    g = UNetGenerator(32, 8, attention=True)
    assert g(torch.randn(2, 3, 32, 32)).shape == (2, 3, 32, 32)
    assert any(isinstance(m, torch.nn.MultiheadAttention) and m.num_heads == 8 for m in g.modules())
    with pytest.raises(ValueError, match="power of two"):
        UNetGenerator(300)


def test_dcgan_variants_and_conditioning():
    z = torch.randn(3, 100)
    assert DCGANGenerator()(z).shape == UpsampleGenerator()(z).shape == (3, 3, 64, 64)
    labels = torch.tensor([0, 2, 1])
    assert DCGANGenerator(num_classes=3)(z, labels).shape == (3, 3, 64, 64)
    d = DCGANDiscriminator(num_classes=3, variant=True)
    assert d(torch.randn(3, 3, 64, 64), labels).shape == (3, 1)
    assert any(hasattr(m, "weight_orig") for m in d.modules())  # spectral norm in the variant
    with pytest.raises(ValueError, match="conditional"):
        DCGANGenerator(num_classes=3)(z)


@pytest.mark.parametrize("mode", losses.ADVERSARIAL_MODES)
def test_adversarial_losses_reward_the_right_answers(mode):
    sure_real, sure_fake = torch.full((4, 1), 5.0), torch.full((4, 1), -5.0)
    if mode == "lsgan":
        sure_real, sure_fake = torch.ones(4, 1), torch.zeros(4, 1)
    good = losses.d_adversarial(sure_real, sure_fake, mode)
    bad = losses.d_adversarial(sure_fake, sure_real, mode)
    assert good < 0.05 and bad > good + 1
    assert losses.g_adversarial(sure_real, mode) < losses.g_adversarial(sure_fake, mode)


def test_adversarial_mode_is_validated():
    with pytest.raises(ValueError, match="lsgan"):
        losses.g_adversarial(torch.zeros(1), "wgan")


def test_gram_style_colour_tv_properties():
    x = torch.randn(2, 8, 5, 6)
    g = losses.gram(x)
    assert g.shape == (2, 8, 8) and torch.allclose(g, g.transpose(1, 2))
    assert losses.gray_style(x, x) == 0
    white = torch.ones(1, 3, 4, 4)
    assert torch.allclose(losses.rgb_to_yuv(white)[0, :, 0, 0], torch.tensor([1.0, 0.0, 0.0]), atol=1e-6)
    img = torch.rand(1, 3, 8, 8) * 2 - 1
    assert losses.colour(img, img) == 0 and losses.colour(img, -img) > 0
    assert losses.total_variation(torch.full((1, 3, 8, 8), 0.3)) == 0 < losses.total_variation(img)
    gray = losses.to_grayscale(img)
    assert torch.equal(gray[:, 0], gray[:, 2])


def test_edge_promotion_blurs_only_around_edges():
    image = np.zeros((64, 64, 3), np.uint8)
    image[:, 32:] = 255  # one vertical edge
    smoothed = losses.edge_promote(image)
    changed = np.argwhere((smoothed != image).any(axis=2))
    assert len(changed) > 0
    assert set(changed[:, 1]) <= set(range(26, 38))  # only columns near the edge change


def test_pixel_shuffle_generator_is_small_and_starts_near_identity():
    g = PixelShuffleGenerator()
    assert count_parameters(g) < 400_000  # the live-webcam budget (CONTRACTS.md)
    x = torch.rand(1, 3, 64, 96) * 2 - 1
    with torch.no_grad():
        assert (g(x) - x).abs().mean() < 0.2  # a residual on the input: training starts from the photo


def test_gradient_and_ms_ssim_losses_are_zero_only_for_identical_images():
    torch.manual_seed(0)
    a = torch.rand(2, 3, 48, 48) * 2 - 1
    shifted = torch.roll(a, 1, dims=3)
    blurred = torch.nn.functional.avg_pool2d(a, 3, 1, 1)
    assert losses.gradient(a, a).item() == 0 and losses.ms_ssim(a, a).item() < 1e-4
    assert losses.gradient(blurred, a) > 0.1 and losses.ms_ssim(blurred, a) > 0.1
    assert losses.gradient(shifted, a) > 0.1
    big = torch.rand(1, 3, 192, 192) * 2 - 1  # five-scale MS-SSIM path
    assert losses.ms_ssim(big, big).item() < 1e-4 and losses.ms_ssim(torch.zeros_like(big), big) > 0.3
