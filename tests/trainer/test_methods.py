"""The papers' methods as options (issue 22): each option changes what it claims to, and only that.

Every test builds tiny nets on CPU and runs a step or a few; none needs pretrained weights
(CartoonGAN and AnimeGAN use the randomly initialised content network).
"""

from __future__ import annotations

import copy
import dataclasses
import json

import numpy as np
import pytest
import torch
from torch import nn

from tests.trainer.test_training import make_pairs, run, smooth_image
from trainer import losses
from trainer.cli import main
from trainer.config import (
    AnimeGANv3Config,
    CartoonGANConfig,
    ConfigError,
    DCGANConfig,
    Pix2PixConfig,
    load,
)
from trainer.data import FaceData, to_tensor
from trainer.families import FAMILIES
from trainer.networks.pix2pix import UNetGenerator

CPU = torch.device("cpu")


@pytest.fixture
def quick_vgg(monkeypatch):
    """VGG19's convolutions without its 120 M-parameter classifier, which the content network
    drops anyway: building the full random VGG19 costs ~2 s a time on this CPU."""
    from torchvision.models.vgg import cfgs, make_layers

    class Features(nn.Module):
        def __init__(self, weights=None) -> None:
            super().__init__()
            self.features = make_layers(cfgs["E"])

    monkeypatch.setattr("torchvision.models.vgg19", Features)


def images(n: int, size: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def grads(net: nn.Module) -> list[torch.Tensor]:
    return [p.grad.clone() for p in net.parameters() if p.grad is not None]


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


def with_option(family, **changes):
    """An exact copy of a built family (nets, optimiser states) with some config fields changed."""
    twin = copy.deepcopy(family)
    twin.config = dataclasses.replace(family.config, **changes)
    return twin


def g_step_grads(family, batch: dict, step: int, seed: int = 1) -> tuple[list[torch.Tensor], dict]:
    family.set_input(batch)
    torch.manual_seed(seed)  # z and instance noise come from the global stream
    out = family.optimize_parameters(step)
    return grads(family.net("G")), out


# --- AnimeGANv3 ---------------------------------------------------------------------------

def test_animeganv3_domain_loss_changes_generator_gradients_and_is_logged(quick_vgg):
    torch.manual_seed(0)
    config = AnimeGANv3Config(image_size=32, batch_size=2, init_steps=0, d_channels=8, amp=False)
    plain = FAMILIES["animeganv3"](config, CPU, random_content_net=True)
    again, domain = with_option(plain), with_option(plain, domain_weight=10.0)
    batch = {"photo": images(2, seed=1), "style": images(2, seed=2), "smooth": images(2, seed=3)}
    g_plain, out_plain = g_step_grads(plain, batch, step=1)
    g_again, _ = g_step_grads(again, batch, step=1)
    g_domain, out_domain = g_step_grads(domain, batch, step=1)
    assert same(g_plain, g_again)  # the comparison is deterministic ...
    assert not same(g_plain, g_domain)  # ... so the difference is the domain term's
    assert "domain" not in out_plain and out_domain["domain"] > 0
    assert "domain" in FAMILIES["animeganv3"].loss_names
    for key in ("g_adv", "content", "style", "colour", "tv"):
        assert out_domain[key] == pytest.approx(out_plain[key])


def test_domain_loss_compares_feature_statistics_not_pixels():
    torch.manual_seed(0)
    base = torch.randn(1, 8, 5, 5)
    shuffled = lambda: base.flatten(2)[:, :, torch.randperm(25)].view(1, 8, 5, 5)  # noqa: E731
    anime = torch.cat([shuffled() for _ in range(3)])  # different pictures, the same statistics
    fake = torch.cat([shuffled() for _ in range(2)])
    assert not torch.equal(fake[0], anime[0]) and losses.domain(fake, anime).item() < 1e-5
    assert losses.domain(fake * 2 + 1, anime) > 0.5


# --- Pix2Pix ------------------------------------------------------------------------------

def test_pix2pix_attention_on_a_2x2_bottleneck_mixes_positions():
    torch.manual_seed(0)
    g = UNetGenerator(32, 8, attention=True, bottleneck_size=2).eval()
    assert len(g.down) == 4 and g.attention_level == 3  # 32 -> 2 in four halvings; attention on the bottleneck
    assert g(images(1)).shape == (1, 3, 32, 32)
    x = torch.randn(1, g.attention.norm.normalized_shape[0], 2, 2)
    poked = x.clone()
    poked[:, :, 0, 0] += 1.0
    with torch.no_grad():
        change = (g.attention(poked) - g.attention(x)).abs().amax(dim=1)[0]
    assert (change[[0, 1, 1], [1, 0, 1]] > 1e-4).all(), change  # the other three positions moved too


def test_pix2pix_attention_moves_off_a_1x1_bottleneck_to_the_2x2_map():
    g = UNetGenerator(32, 8, attention=True)
    seen = []
    g.attention.register_forward_hook(lambda m, args, out: seen.append(out.shape[-2:]))
    assert g(images(1)).shape == (1, 3, 32, 32)
    assert g.attention_level == len(g.down) - 2 and seen == [(2, 2)]


def test_pix2pix_final_kernel_shapes_the_encoders_last_layer_only():
    config = Pix2PixConfig(image_size=32, ngf=8, final_kernel=5, bottleneck_size=2, attention=True)
    g = FAMILIES["pix2pix"].make_generator(config)
    convs = [m for layer in g.down for m in layer if isinstance(m, nn.Conv2d)]
    assert convs[-1].weight.shape[-2:] == (5, 5) and {c.weight.shape[-1] for c in convs[:-1]} == {4}
    assert g(images(2)).shape == (2, 3, 32, 32)
    assert UNetGenerator(32, 8, final_kernel=5)(images(1)).shape == (1, 3, 32, 32)  # 1x1 bottleneck too


@pytest.mark.parametrize("kind, cls", [("relu", nn.ReLU), ("leakyrelu", nn.LeakyReLU)])
def test_pix2pix_decoder_activation(kind, cls):
    g = UNetGenerator(32, 8, decoder_act=kind)
    acts = [layer[0] for layer in g.up]
    assert all(type(a) is cls for a in acts)


def test_pix2pix_three_innermost_decoders_carry_dropout():
    def with_dropout(g):
        return [i for i, layer in enumerate(g.up) if any(isinstance(m, nn.Dropout) for m in layer)]

    assert with_dropout(UNetGenerator(32, 8)) == [0, 1, 2]  # the paper's CD512-CD1024-CD1024
    assert with_dropout(UNetGenerator(64, 4, bottleneck_size=2)) == [0, 1, 2]
    assert with_dropout(UNetGenerator(32, 8, dropout=0)) == []


def test_pix2pix_slides_variant_trains_and_its_snapshot_reloads(tmp_path):
    from trainer.generate import load_generator

    pairs = make_pairs(tmp_path / "pairs", 2)
    assert run("pix2pix", pairs, tmp_path / "run", 2, "--bottleneck_size=2", "--final_kernel=5",
               "--decoder_act=leakyrelu", "--attention=true") == 0
    g, config, _ = load_generator(tmp_path / "run")
    assert (config.bottleneck_size, config.final_kernel, config.decoder_act) == (2, 5, "leakyrelu")
    with torch.no_grad():
        assert g(images(1)).shape == (1, 3, 32, 32)


# --- DCGAN --------------------------------------------------------------------------------

def tiny_dcgan(**options):
    torch.manual_seed(0)
    config = DCGANConfig(batch_size=4, ngf=4, ndf=4, latent_dim=8, amp=False, **options)
    return FAMILIES["dcgan"](config, CPU)


@pytest.fixture
def face_set(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "faces.npz", images=rng.integers(0, 256, (12, 64, 64, 3), dtype=np.uint8))
    return FaceData(tmp_path, 64)


def test_dcgan_d_steps_take_k_discriminator_steps_per_generator_step(face_set):
    family = tiny_dcgan(d_steps=3)
    rng = torch.Generator().manual_seed(0)
    for step in range(2):
        batch = family.next_batch(face_set, rng)
        assert batch["image"].shape[0] == 12  # three fresh batches of four
        family.set_input(batch)
        family.optimize_parameters(step)

    def adam_steps(name):
        return {int(s["step"]) for s in family.optimizers[name].state.values()}

    assert adam_steps("D") == {6} and adam_steps("G") == {2}


def test_wgan_gp_penalty_pulls_the_critics_gradient_norm_toward_one():
    family = tiny_dcgan(adversarial="wgan-gp")
    critic = family.nets["D"]
    assert not any(isinstance(m, nn.BatchNorm2d) for m in critic.modules())  # per-sample norm for the GP
    real, fake = images(8, 64, seed=1), images(8, 64, seed=2)

    def distance_from_one():
        torch.manual_seed(5)  # the same interpolates each time
        alpha = torch.rand(8, 1, 1, 1)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed)
        return (grad.flatten(1).norm(dim=1) - 1).abs().mean().item()

    before = distance_from_one()
    optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
    for _ in range(15):
        optimizer.zero_grad()
        losses.gradient_penalty(critic, real, fake).backward()
        optimizer.step()
    assert distance_from_one() < 0.5 * before, before
    family.set_input({"image": real})
    out = family.optimize_parameters(0)
    assert out["gp"] >= 0 and np.isfinite(out["d_total"]) and "g_adv" in out


@pytest.mark.parametrize("name, cls", [("adam", torch.optim.Adam), ("rmsprop", torch.optim.RMSprop)])
def test_dcgan_optimizer_choice(name, cls):
    family = tiny_dcgan(optimizer=name)
    assert all(type(o) is cls for o in family.optimizers.values())


def test_dcgan_methods_together_resume_bit_for_bit(tmp_path):
    """RMSprop's state, k D steps, the critic and clipping all survive a checkpoint."""
    np.savez(tmp_path / "faces.npz", images=np.random.default_rng(0).integers(0, 256, (12, 64, 64, 3), np.uint8))
    opts = ("--optimizer=rmsprop", "--d_steps=2", "--adversarial=wgan-gp", "--clip_grad=1",
            "--feature_matching=1", "--crop=center", "--g_act=leakyrelu", "--ema=0.9")
    assert run("dcgan", tmp_path, tmp_path / "straight", 4, *opts) == 0
    assert run("dcgan", tmp_path, tmp_path / "split", 2, *opts) == 0
    assert run("dcgan", tmp_path, tmp_path / "split", 4, "--resume") == 0  # options come from the checkpoint
    a, b = (torch.load(tmp_path / r / "checkpoint-4" / "state.pt", weights_only=True)["family"]
            for r in ("straight", "split"))
    assert set(a["optimizers"]["D"]["state"][0]) == {"step", "square_avg"}  # RMSprop's own state
    for net in a["nets"]:
        for key in a["nets"][net]:
            assert torch.equal(a["nets"][net][key], b["nets"][net][key]), f"{net}.{key}"
    config = json.loads((tmp_path / "split" / "config.json").read_text())
    assert config["optimizer"] == "rmsprop" and config["gp_weight"] == 10.0


def test_dcgan_ema_averages_g_and_is_what_samples_and_snapshots_hold(face_set, tmp_path):
    """ema=d: after each step the averaged G moves (1 - d_t) of the way to G, d_t ramping up as
    (1 + t) / (10 + t); its batch-norm statistics are G's; samples and the exported snapshot are
    the averaged G. Without it the snapshot is G itself."""
    family = tiny_dcgan(ema=0.9)
    rng = torch.Generator().manual_seed(0)
    for step in range(3):
        before = [p.clone() for p in family.nets["G_ema"].parameters()]
        family.set_input(family.next_batch(face_set, rng))
        family.optimize_parameters(step)
        decay = min(0.9, (1 + step) / (10 + step))
        for old, avg, now in zip(before, family.nets["G_ema"].parameters(), family.nets["G"].parameters()):
            assert torch.allclose(avg, decay * old + (1 - decay) * now, atol=1e-7)
    g, avg = family.nets["G"], family.nets["G_ema"]
    assert not same(list(g.parameters()), list(avg.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(g.buffers(), avg.buffers()))
    assert not any(p.requires_grad for p in avg.parameters())
    assert family.snapshot_generator() is avg
    avg.eval()
    with torch.no_grad():
        expected = avg(family.fixed_z, None)
    assert torch.equal(family.sample(), expected)
    plain = tiny_dcgan()
    assert "G_ema" not in plain.nets and plain.snapshot_generator() is plain.nets["G"]
    with pytest.raises(ConfigError, match="ema"):
        DCGANConfig(ema=1.0)


def applied_gradient_norms(family) -> dict[str, float]:
    """The total gradient norm each optimiser steps with, over one training step."""
    applied = {}
    for name, optimizer in family.optimizers.items():
        def recording(*args, _name=name, _step=optimizer.step, _opt=optimizer, **kwargs):
            norms = [p.grad.norm() for group in _opt.param_groups for p in group["params"] if p.grad is not None]
            applied[_name] = torch.stack(norms).norm().item()
            return _step(*args, **kwargs)
        optimizer.step = recording
    family.set_input({"image": images(4, 64)})
    family.optimize_parameters(0)
    return applied


def test_dcgan_clip_grad_bounds_the_applied_gradient_norm():
    clip = 1e-4
    unclipped = applied_gradient_norms(tiny_dcgan())
    clipped = applied_gradient_norms(tiny_dcgan(clip_grad=clip))
    assert set(clipped) == {"G", "D"} and min(unclipped.values()) > 10 * clip, unclipped  # clipping bites
    assert max(clipped.values()) <= clip * 1.0001, clipped


def test_dcgan_feature_matching_changes_generator_gradients_and_is_logged():
    plain = tiny_dcgan()
    again, matched = with_option(plain), with_option(plain, feature_matching=1.0)
    batch = {"image": images(4, 64)}
    g_plain, out_plain = g_step_grads(plain, batch, 0)
    g_again, _ = g_step_grads(again, batch, 0)
    g_matched, out_matched = g_step_grads(matched, batch, 0)
    assert same(g_plain, g_again) and not same(g_plain, g_matched)
    assert "feature_matching" not in out_plain and out_matched["feature_matching"] > 0
    assert out_matched["g_adv"] == pytest.approx(out_plain["g_adv"])


def test_dcgan_center_crop_takes_the_middle_of_the_picture(tmp_path):
    picture = np.zeros((1, 64, 80, 3), np.uint8)
    picture[0, :, :, 0] = np.arange(80, dtype=np.uint8)[None, :] * 3  # each column its own red
    picture[0, :, :, 1] = np.arange(64, dtype=np.uint8)[:, None] * 3  # each row its own green
    np.savez(tmp_path / "one.npz", images=picture)
    centre = to_tensor([picture[0, :, 8:72]])
    rng = torch.Generator().manual_seed(0)
    family = tiny_dcgan(crop="center")
    data = family.make_data(tmp_path)
    assert all(torch.equal(data.batch(1, rng)["image"], centre) for _ in range(5))
    random_data = tiny_dcgan().make_data(tmp_path)  # the default: random crops and flips
    assert not all(torch.equal(random_data.batch(1, rng)["image"], centre) for _ in range(5))


@pytest.mark.parametrize("variant", ["classic", "upsample"])
@pytest.mark.parametrize("kind, cls, other", [("relu", nn.ReLU, nn.LeakyReLU), ("leakyrelu", nn.LeakyReLU, nn.ReLU)])
def test_dcgan_generator_activation(variant, kind, cls, other):
    g = FAMILIES["dcgan"].make_generator(DCGANConfig(ngf=4, latent_dim=8, variant=variant, g_act=kind))
    kinds = [type(m) for m in g.modules()]
    assert cls in kinds and other not in kinds
    assert g(torch.randn(2, 8)).shape == (2, 3, 64, 64)


# --- CartoonGAN ---------------------------------------------------------------------------

def test_cartoongan_content_network_learns_only_from_the_unfreeze_step(quick_vgg):
    torch.manual_seed(0)
    config = CartoonGANConfig(image_size=32, batch_size=2, init_steps=1, channels=8, d_channels=8, amp=False,
                              unfreeze_content_at=2)
    family = FAMILIES["cartoongan"](config, CPU, random_content_net=True)
    first = family.content_net.features[0].weight
    family.set_input({"photo": images(2, seed=1), "style": images(2, seed=2), "smooth": images(2, seed=3)})
    for step in range(4):
        before = first.detach().clone()
        family.optimize_parameters(step)
        learnt = first.grad is not None and not torch.equal(first, before)
        assert learnt == (step >= 2), step
    state = family.state_dict()
    assert "C" in state["nets"] and "C" in state["optimizers"]  # an updated VGG is part of the run
    frozen = FAMILIES["cartoongan"](dataclasses.replace(config, unfreeze_content_at=0), CPU, random_content_net=True)
    assert "C" not in frozen.nets and not any(p.requires_grad for p in frozen.content_net.parameters())


def test_cartoongan_unfrozen_content_network_resumes_bit_for_bit(tmp_path, quick_vgg):
    from PIL import Image

    for sub in ("real_images", "anime_images"):
        (tmp_path / "data" / sub).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(smooth_image(36, 36)).save(tmp_path / "data" / sub / f"{i}.png")
    opts = ("--unfreeze_content_at=1",)
    assert run("cartoongan", tmp_path / "data", tmp_path / "straight", 3, *opts) == 0
    assert run("cartoongan", tmp_path / "data", tmp_path / "split", 2, *opts) == 0
    assert run("cartoongan", tmp_path / "data", tmp_path / "split", 3, "--resume") == 0
    a, b = (torch.load(tmp_path / r / "checkpoint-3" / "state.pt", weights_only=True)["family"]["nets"]
            for r in ("straight", "split"))
    assert set(a) == {"G", "D", "C"}
    for net in a:
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net}.{key}"


# --- options are config fields ------------------------------------------------------------

@pytest.mark.parametrize("cls, override, message", [
    (DCGANConfig, "--optimizer=sgd", "optimizer must be one of adam, rmsprop"),
    (DCGANConfig, "--adversarial=wgan", "adversarial must be one of"),
    (DCGANConfig, "--crop=edge", "crop must be one of random, center"),
    (DCGANConfig, "--g_act=tanh", "g_act must be one of relu, leakyrelu"),
    (DCGANConfig, "--d_steps=0", "d_steps must be at least 1"),
    (DCGANConfig, "--gp_weight=-1", "gp_weight must be at least 0"),
    (DCGANConfig, "--clip_grad=-0.5", "clip_grad must be at least 0"),
    (DCGANConfig, "--feature_matching=-1", "feature_matching must be at least 0"),
    (Pix2PixConfig, "--decoder_act=elu", "decoder_act must be one of relu, leakyrelu"),
    (Pix2PixConfig, "--bottleneck_size=3", "bottleneck_size must be a power of two"),
    (Pix2PixConfig, "--bottleneck_size=256", "bottleneck_size must be a power of two below image_size"),
    (Pix2PixConfig, "--final_kernel=0", "final_kernel must be at least 1"),
    (AnimeGANv3Config, "--domain_weight=-1", "domain_weight must be at least 0"),
    (CartoonGANConfig, "--unfreeze_content_at=-5", "unfreeze_content_at must be at least 0"),
])
def test_bad_option_values_are_config_errors(cls, override, message):
    with pytest.raises(ConfigError, match=message):
        load(cls, None, [override])


def test_dry_run_names_the_new_options_and_refuses_bad_ones(tmp_path, capsys):
    args = ["dcgan", "--data", str(tmp_path), "--out", str(tmp_path / "r"), "--dry-run"]
    assert main([*args, "--adversarial=wgan-gp", "--d_steps=5"]) == 0
    plan = json.loads(capsys.readouterr().out)["config"]
    assert plan["adversarial"] == "wgan-gp" and plan["d_steps"] == 5
    for key in ("gp_weight", "feature_matching", "clip_grad", "optimizer", "crop", "g_act"):
        assert key in plan
    assert main([*args, "--optimizer=sgd"]) == 2
    assert "optimizer must be one of adam, rmsprop" in capsys.readouterr().err
    assert main(["animeganv3", "--data", str(tmp_path), "--out", str(tmp_path / "r"), "--dry-run",
                 "--domain_weight=2"]) == 0
    assert json.loads(capsys.readouterr().out)["config"]["domain_weight"] == 2.0
    assert main(["pix2pix", "--data", str(tmp_path), "--out", str(tmp_path / "r"), "--dry-run"]) == 0
    plan = json.loads(capsys.readouterr().out)["config"]
    assert (plan["bottleneck_size"], plan["final_kernel"], plan["decoder_act"]) == (1, 4, "relu")
