"""Content losses that work without pretrained VGG19 weights (issue 22): what each one holds and
ignores, and that AnimeGAN's init phase with it really learns to reconstruct photos."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from tests.trainer.test_methods import quick_vgg  # noqa: F401 - fixture
from tests.trainer.test_training import smooth_image
from trainer import losses
from trainer.config import AnimeGANv3Config, CartoonGANConfig, ConfigError, load
from trainer.families import FAMILIES


def features(seed: int) -> torch.Tensor:
    return torch.randn(4, 8, 6, 6, generator=torch.Generator().manual_seed(seed))


def test_normalised_content_weighs_every_channel_alike_whatever_its_scale():
    real, fake = features(0), features(1)
    scale = torch.ones(1, 8, 1, 1)
    scale[:, 0] = 1000.0  # one loud channel, as a random VGG19 has
    assert losses.content_normalised(fake * scale, real * scale) == pytest.approx(
        losses.content_normalised(fake, real).item(), rel=1e-4)
    assert losses.content(fake * scale, real * scale) > 50 * losses.content(fake, real)
    # a tiny network's features (std 1e-3) still give a loss of order one
    assert losses.content_normalised(fake * 1e-3, real * 1e-3) > 0.5


def test_pixel_content_holds_the_luma_structure_and_leaves_colour_free():
    rng = torch.Generator().manual_seed(0)
    photo = torch.nn.functional.interpolate(torch.rand(2, 3, 8, 8, generator=rng), size=32, mode="bilinear") * 2 - 1
    yuv = losses.rgb_to_yuv(photo)
    # same luma, other chroma: swap U and V, back to RGB (BT.601 inverse, in [0, 1])
    y, u, v = yuv[:, 0], yuv[:, 2], yuv[:, 1]
    recoloured = torch.stack([y + 1.13983 * v, y - 0.39465 * u - 0.58060 * v, y + 2.03211 * u], 1) * 2 - 1
    shifted = torch.roll(photo, shifts=4, dims=3)
    assert losses.content_pixel(photo, photo) < 1e-4
    assert losses.content_pixel(recoloured, photo) < 0.02
    assert losses.colour(recoloured, photo) > 0.02  # what the colour term sees, the content term does not
    assert losses.content_pixel(shifted, photo) > 5 * losses.content_pixel(recoloured, photo) + 0.05


def test_content_loss_is_a_checked_choice_of_both_families():
    for config_class in (AnimeGANv3Config, CartoonGANConfig):
        assert load(config_class, None, ["--content_loss=pixel"]).content_loss == "pixel"
        with pytest.raises(ConfigError, match="content_loss must be one of vgg, normalised, pixel"):
            load(config_class, None, ["--content_loss=l2"])


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = (((a.clamp(-1, 1) - b) / 2) ** 2).mean()
    return float(10 * torch.log10(1 / mse))


@pytest.mark.parametrize("mode", ["pixel", "normalised"])
def test_a_few_dozen_init_steps_clearly_raise_reconstruction_psnr(mode, tmp_path, quick_vgg, monkeypatch):  # noqa: F811
    # the same pictures whatever ran before (smooth_image draws from a module-wide generator)
    monkeypatch.setattr("tests.trainer.test_training.RNG", np.random.default_rng(0))
    for sub in ("real_images", "anime_images"):
        (tmp_path / sub).mkdir()
        for i in range(6):
            Image.fromarray(smooth_image(40, 40)).save(tmp_path / sub / f"{i}.png")
    torch.manual_seed(0)
    config = load(AnimeGANv3Config, None, ["--image_size=32", "--batch_size=4", f"--content_loss={mode}",
                                           "--init_steps=1000"])
    family = FAMILIES["animeganv3"](config, torch.device("cpu"), None, True)
    data = family.make_data(tmp_path)
    rng = torch.Generator().manual_seed(0)
    held = torch.from_numpy(np.stack([smooth_image(32, 32) for _ in range(4)])).permute(0, 3, 1, 2).float() / 127.5 - 1

    def score() -> float:
        return psnr(family.generate(held), held)

    before = score()
    for step in range(80):
        family.set_input(family.next_batch(data, rng))
        family.optimize_parameters(step)
    # measured with the tiny G (the default), 80 steps: +3.1 dB (pixel), from 11.6 dB; on other pictures +2.3 to +3.2
    assert score() > before + 2, (before, score())


def test_pixel_content_without_grey_style_needs_no_vgg19_at_all(tmp_path, monkeypatch):
    """content_loss=pixel with weight_style=0 uses no term that needs VGG19: training starts without
    its weights (and without --random-content-net) and takes adversarial steps; any VGG19 term
    still demands the weights, with the message that says how to get them."""
    from trainer.content_net import MissingWeights

    monkeypatch.setattr("trainer.content_net.cached_vgg19", lambda: None)  # as on a machine without them
    for sub in ("real_images", "anime_images"):
        (tmp_path / sub).mkdir()
        for i in range(2):
            Image.fromarray(smooth_image(32, 32)).save(tmp_path / sub / f"{i}.png")
    config = load(AnimeGANv3Config, None, ["--image_size=32", "--batch_size=2", "--content_loss=pixel",
                                           "--weight_style=0", "--init_steps=1", "--d_channels=4"])
    family = FAMILIES["animeganv3"](config, torch.device("cpu"))
    assert family.content_net is None
    data, rng = family.make_data(tmp_path), torch.Generator().manual_seed(0)
    for step in range(2):
        family.set_input(family.next_batch(data, rng))
        out = family.optimize_parameters(step)
    assert {"g_adv", "content", "colour", "tv"} <= set(out) and "style" not in out
    for needs_vgg in (["--content_loss=pixel"], ["--content_loss=pixel", "--weight_style=0", "--domain_weight=1"],
                      ["--content_loss=normalised", "--weight_style=0"]):
        with pytest.raises(MissingWeights, match="--content-weights"):
            FAMILIES["animeganv3"](load(AnimeGANv3Config, None, needs_vgg), torch.device("cpu"))


def test_the_init_phase_rebuilds_colour_at_its_own_weight_whatever_weight_colour_is_later(tmp_path):
    """With content_loss=pixel the init loss is content + weight_colour_init x colour: lowering
    weight_colour (to free the style in the adversarial phase) leaves the init phase alone."""
    for sub in ("real_images", "anime_images"):
        (tmp_path / sub).mkdir()
        for i in range(2):
            Image.fromarray(smooth_image(32, 32)).save(tmp_path / sub / f"{i}.png")

    def init_loss(*overrides: str) -> tuple[float, float]:
        torch.manual_seed(0)
        config = load(AnimeGANv3Config, None, ["--image_size=32", "--batch_size=2", "--content_loss=pixel",
                                               "--weight_style=0", "--init_steps=5", *overrides])
        family = FAMILIES["animeganv3"](config, torch.device("cpu"))
        family.set_input(family.next_batch(family.make_data(tmp_path), torch.Generator().manual_seed(0)))
        with torch.no_grad():
            colour = losses.colour(family.net("G")(family.batch["photo"]), family.batch["photo"]).item()
        return family.optimize_parameters(0)["g_init"], colour

    plain, colour = init_loss("--weight_colour_init=0")
    assert colour > 0.01
    assert init_loss("--weight_colour_init=10")[0] == pytest.approx(plain + 10 * colour, rel=1e-4)
    assert init_loss("--weight_colour_init=10", "--weight_colour=0")[0] == pytest.approx(plain + 10 * colour, rel=1e-4)
    with pytest.raises(ConfigError, match="weight_colour_init"):
        load(AnimeGANv3Config, None, ["--weight_colour_init=-1"])


@pytest.mark.parametrize("size", [70, 16])
def test_a_size_the_tiny_generator_cannot_take_is_refused_before_training(size):
    with pytest.raises(ConfigError, match="multiple of 16 and at least 32 for generator=tiny"):
        load(AnimeGANv3Config, None, [f"--image_size={size}"])
    assert load(AnimeGANv3Config, None, [f"--image_size={size}", "--generator=instance"]).image_size == size
