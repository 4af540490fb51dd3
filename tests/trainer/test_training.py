"""Training for real on tiny data: every family steps, resume is exact, Pix2Pix overfits,
DCGAN learns a trivial distribution, bad data and configs are refused before training."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from trainer import checkpoint
from trainer.cli import main
from trainer.families import FAMILIES
from trainer.families.base import Family

RNG = np.random.default_rng(0)


def smooth_image(h, w):
    """A random smooth colour field: learnable, unlike pure noise."""
    small = RNG.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC))


@pytest.fixture
def unpaired(tmp_path):
    for sub in ("real_images", "anime_images"):
        (tmp_path / sub).mkdir()
        for i in range(3):
            Image.fromarray(smooth_image(40, 44)).save(tmp_path / sub / f"{i}.png")
    return tmp_path


def make_pairs(folder: Path, count: int, size: int = 32) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        a = smooth_image(size, size)
        b = 255 - a[:, :, ::-1]  # target: inverted, channels reversed
        Image.fromarray(np.concatenate([a, b], axis=1)).save(folder / f"{i}.png")
    return folder


@pytest.fixture
def faces(tmp_path):
    np.savez(tmp_path / "faces.npz", images=RNG.integers(0, 256, (12, 64, 64, 3), dtype=np.uint8))
    return tmp_path


TINY = {
    "animegan": ["--image_size=32", "--batch_size=2", "--init_steps=1", "--d_channels=8"],
    "animeganv3": ["--image_size=32", "--batch_size=2", "--init_steps=1", "--d_channels=8"],
    "cartoongan": ["--image_size=32", "--batch_size=2", "--init_steps=1", "--channels=8", "--d_channels=8"],
    "pix2pix": ["--image_size=32", "--batch_size=2", "--ngf=8", "--ndf=8"],
    "dcgan": ["--batch_size=4", "--ngf=8", "--ndf=8", "--latent_dim=16"],
    "paired": ["--image_size=32", "--batch_size=2", "--channels=8", "--half_channels=4", "--blocks=1"],
}


def run(family, data, out, steps, *extra):
    args = [family, "--data", str(data), "--out", str(out), "--steps", str(steps), "--log_every=1",
            "--sample_every=2", "--save_every=2", *TINY[family], *extra]
    if family in ("animegan", "animeganv3", "cartoongan"):
        args.append("--random-content-net")
    return main(args)


@pytest.mark.parametrize("family", list(TINY))
def test_each_family_trains_and_writes_its_run_folder(family, tmp_path, unpaired, faces):
    pairs = make_pairs(tmp_path / "pairs", 3) if family in ("pix2pix", "paired") else None
    data = {"pix2pix": pairs, "paired": pairs, "dcgan": faces}.get(family, unpaired)
    out = tmp_path / "run"
    assert run(family, data, out, 3) == 0
    assert (out / "config.json").exists() and (out / "samples").glob("step-*.png")
    assert [p.name for p in checkpoint.checkpoints(out)] == ["checkpoint-2", "checkpoint-3"]
    log = (out / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,time,it_per_s") and len(log) == 4
    state = torch.load(out / "checkpoint-3" / "state.pt", weights_only=True)  # plain tensors and values only
    assert state["step"] == 3 and state["family_name"] == family
    snapshot = torch.load(out / "checkpoint-3" / "generator.pt", weights_only=True)
    g = FAMILIES[family].make_generator(FAMILIES[family].config_class(**snapshot["config"]))
    g.load_state_dict(snapshot["state_dict"])


@pytest.mark.parametrize("family", ["dcgan", "pix2pix", "paired"])
def test_resume_is_bit_identical_to_an_uninterrupted_run(family, tmp_path, faces):
    data = faces if family == "dcgan" else make_pairs(tmp_path / "pairs", 4)
    assert run(family, data, tmp_path / "straight", 6) == 0
    assert run(family, data, tmp_path / "split", 3) == 0
    assert run(family, data, tmp_path / "split", 6, "--resume") == 0
    a = torch.load(tmp_path / "straight" / "checkpoint-6" / "state.pt", weights_only=True)["family"]["nets"]
    b = torch.load(tmp_path / "split" / "checkpoint-6" / "state.pt", weights_only=True)["family"]["nets"]
    for net in a:
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net}.{key}"


def test_resuming_past_steps_is_refused_and_writes_no_mislabelled_checkpoint(tmp_path, faces, capsys):
    assert run("dcgan", faces, tmp_path / "run", 4) == 0
    assert run("dcgan", faces, tmp_path / "run", 2, "--resume") == 2
    assert "the checkpoint is at step 4, past --steps 2" in capsys.readouterr().err
    assert [p.name for p in checkpoint.checkpoints(tmp_path / "run")] == ["checkpoint-2", "checkpoint-4"]
    before = (tmp_path / "run" / "checkpoint-2" / "state.pt").read_bytes()
    assert run("dcgan", faces, tmp_path / "run", 2, "--resume=" + str(tmp_path / "run" / "checkpoint-4")) == 2
    assert "the checkpoint is at step 4, past --steps 2" in capsys.readouterr().err
    assert (tmp_path / "run" / "checkpoint-2" / "state.pt").read_bytes() == before


def test_dcgan_with_instance_noise_and_label_smoothing_resumes_bit_for_bit(tmp_path, faces):
    opts = ("--instance_noise=0.2", "--noise_steps=4", "--real_label=0.9")
    assert run("dcgan", faces, tmp_path / "straight", 6, *opts) == 0
    assert run("dcgan", faces, tmp_path / "split", 3, *opts) == 0
    assert run("dcgan", faces, tmp_path / "split", 6, "--resume", *opts) == 0
    a, b = (torch.load(tmp_path / r / "checkpoint-6" / "state.pt", weights_only=True)["family"]["nets"]
            for r in ("straight", "split"))
    for net in a:
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net}.{key}"


def test_instance_noise_reaches_the_discriminator_and_fades_out():
    from trainer.config import DCGANConfig

    family = FAMILIES["dcgan"](DCGANConfig(ngf=4, ndf=4, latent_dim=8, batch_size=8, instance_noise=0.3,
                                           noise_steps=10), torch.device("cpu"))
    assert [family.noise_sigma(s) for s in (0, 5, 10, 20)] == pytest.approx([0.3, 0.15, 0.0, 0.0])
    seen = []
    d = family.nets["D"]
    d.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].detach().clone()))
    real = torch.zeros(8, 3, 64, 64)  # flat grey: any spread D sees is the noise
    for step in (0, 10):
        seen.clear()
        family.set_input({"image": real})
        family.optimize_parameters(step)
        spread = seen[0].std().item()
        assert spread == pytest.approx(0.3, rel=0.05) if step == 0 else spread == 0.0


def test_label_smoothing_stops_pushing_real_logits_at_the_target():
    """With target 0.9, BCE on a real logit is smallest at logit(0.9), not at +infinity."""
    from trainer import losses

    logits = torch.linspace(0.0, 6.0, 601)
    plain = torch.stack([losses.d_real(x.view(1), "bce") for x in logits])
    smooth = torch.stack([losses.d_real(x.view(1), "bce", 0.9) for x in logits])
    assert plain.argmin() == len(logits) - 1  # always wants a larger logit
    assert logits[smooth.argmin()].item() == pytest.approx(np.log(9.0), abs=0.01)
    assert losses.d_real(torch.tensor([0.5]), "lsgan", 0.9).item() == pytest.approx(0.16)


def test_dcgan_anti_collapse_options_are_checked(tmp_path, faces, capsys):
    assert run("dcgan", faces, tmp_path / "r", 2, "--instance_noise=-1") == 2
    assert "instance_noise and noise_steps must not be negative" in capsys.readouterr().err


def test_ctrl_c_saves_a_checkpoint_and_resume_continues(tmp_path, faces, monkeypatch):
    original = FAMILIES["dcgan"].optimize_parameters

    def interrupt_at_4(self, step):
        if step == 4:
            raise KeyboardInterrupt
        return original(self, step)

    monkeypatch.setattr(FAMILIES["dcgan"], "optimize_parameters", interrupt_at_4)
    assert run("dcgan", faces, tmp_path / "r", 10, "--save_every=100") == 130
    assert checkpoint.latest(tmp_path / "r").name == "checkpoint-4"
    monkeypatch.setattr(FAMILIES["dcgan"], "optimize_parameters", original)
    assert run("dcgan", faces, tmp_path / "r", 6, "--resume") == 0
    assert checkpoint.latest(tmp_path / "r").name == "checkpoint-6"


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = ((a - b) ** 2).mean().item() / 4  # [-1, 1] -> [0, 1] scale
    return 10 * np.log10(1 / mse)


def test_pix2pix_overfits_four_pairs(tmp_path):
    data = make_pairs(tmp_path / "pairs", 4)
    assert run("pix2pix", data, tmp_path / "run", 400, "--batch_size=4", "--ngf=16", "--dropout=0",
               "--save_every=1000", "--sample_every=1000", "--log_every=100", "--lr_g=0.001") == 0
    from trainer.data import PairedData, fit, to_tensor
    from trainer.generate import load_generator

    g, config, _ = load_generator(tmp_path / "run")
    pairs = PairedData(data, 32)
    a = to_tensor([fit(pairs.pair(i)[0], 32, None) for i in range(4)])
    b = to_tensor([fit(pairs.pair(i)[1], 32, None) for i in range(4)])
    with torch.no_grad():
        assert psnr(g(a), b) >= 25


def test_paired_mode_learns_a_local_look_without_any_pretrained_network(tmp_path):
    """The default model's recipe in miniature: crops at native scale, L1 + MS-SSIM + gradient."""
    data = make_pairs(tmp_path / "pairs", 4, size=48)
    assert run("paired", data, tmp_path / "run", 500, "--batch_size=4", "--image_size=32", "--channels=16",
               "--half_channels=8", "--blocks=1", "--save_every=1000", "--sample_every=1000", "--log_every=100",
               "--decay_steps=500", "--lr_g=0.005") == 0
    from trainer.data import PairedCrops, to_tensor
    from trainer.generate import load_generator

    g, _, _ = load_generator(tmp_path / "run")
    pairs = PairedCrops(data, 48)
    a = to_tensor([pairs.pair(i)[0] for i in range(4)])
    b = to_tensor([pairs.pair(i)[1] for i in range(4)])
    with torch.no_grad():
        before = psnr(a, b)
        after = psnr(g(a), b)
    assert after >= 25 and after > before + 10, (before, after)


def test_paired_mode_with_an_adversarial_term_trains_a_discriminator(tmp_path):
    data = make_pairs(tmp_path / "pairs", 3)
    assert run("paired", data, tmp_path / "run", 2, *TINY["paired"], "--weight_adv=0.1", "--ndf=8") == 0
    state = torch.load(tmp_path / "run" / "checkpoint-2" / "state.pt", weights_only=True)
    assert set(state["family"]["nets"]) == {"G", "D"}
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert float(log[-1].split(",")[log[0].split(",").index("d_total")]) > 0


def test_paired_crops_cut_both_halves_alike_and_refuse_unequal_sizes(tmp_path):
    from trainer.data import DataError, PairedCrops

    same = tmp_path / "same"
    (same / "A").mkdir(parents=True)
    (same / "B").mkdir()
    for i in range(6):
        image = Image.fromarray(RNG.integers(0, 256, (40, 50, 3), dtype=np.uint8))
        image.save(same / "A" / f"{i}.png")
        image.save(same / "B" / f"{i}.png")
    batch = PairedCrops(same, 24).batch(6, torch.Generator().manual_seed(0))
    assert batch["source"].shape == (6, 3, 24, 24) and torch.equal(batch["source"], batch["target"])
    Image.fromarray(RNG.integers(0, 256, (30, 50, 3), dtype=np.uint8)).save(same / "B" / "1.png")
    with pytest.raises(DataError, match="equal sizes"):
        PairedCrops(same, 24).batch(3, None)


def flat_faces(folder: Path) -> np.ndarray:
    """One colour plus sensor-like noise: a distribution a tiny DCGAN can learn in seconds."""
    colour = np.array([200, 60, 120], np.float64)
    noisy = colour + np.random.default_rng(0).normal(0, 8, (64, 64, 64, 3))
    np.savez(folder / "flat.npz", images=np.clip(noisy, 0, 255).astype(np.uint8))
    return colour


def losses_of(out: Path, key: str) -> list[float]:
    import csv

    return [float(r[key]) for r in csv.DictReader((out / "log.csv").open())]


def test_dcgan_reaches_equilibrium_on_a_trivial_distribution(tmp_path):
    """D first wins, then G reproduces the data and D's BCE settles near 2 ln 2 (can't tell)."""
    colour = flat_faces(tmp_path)
    out = tmp_path / "run"
    assert run("dcgan", tmp_path, out, 200, "--batch_size=16", "--variant=upsample", "--save_every=1000",
               "--sample_every=1000") == 0
    d_loss = losses_of(out, "d_total")
    assert min(d_loss[:40]) < d_loss[0] - 0.2  # D learns to tell the untrained G's fakes apart
    assert abs(np.mean(d_loss[-20:]) - 2 * np.log(2)) < 0.15  # ... until G's fakes pass for real
    from trainer.generate import load_generator

    g, config, _ = load_generator(out)
    target = torch.from_numpy(colour.astype(np.float32) / 127.5 - 1).view(1, 3, 1, 1)
    untrained = FAMILIES["dcgan"].make_generator(config).eval()
    with torch.no_grad():
        before = (untrained(torch.randn(16, config.latent_dim)) - target).abs().mean()
        after = (g(torch.randn(16, config.latent_dim)) - target).abs().mean()
    assert after < 0.15 < before  # G now draws the data's colour


def test_classic_dcgan_discriminator_learns(tmp_path):
    flat_faces(tmp_path)
    assert run("dcgan", tmp_path, tmp_path / "run", 40, "--batch_size=16", "--save_every=1000",
               "--sample_every=1000") == 0
    d_loss = losses_of(tmp_path / "run", "d_total")
    assert np.mean(d_loss[-10:]) < d_loss[0] / 2


def test_bad_data_is_refused_before_training(tmp_path, capsys):
    empty = tmp_path / "empty"
    (empty / "real_images").mkdir(parents=True)
    (empty / "anime_images").mkdir()
    assert run("animegan", empty, tmp_path / "r", 2) == 2
    assert "no images" in capsys.readouterr().err
    assert run("animegan", tmp_path / "nothing", tmp_path / "r", 2) == 2
    ab = tmp_path / "ab"
    for side, names in (("A", ["1", "2"]), ("B", ["1", "3"])):
        (ab / side).mkdir(parents=True)
        for n in names:
            Image.fromarray(smooth_image(32, 32)).save(ab / side / f"{n}.png")
    assert run("pix2pix", ab, tmp_path / "r", 2) == 2
    assert "unmatched names: 2, 3" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_corrupt_face_set_is_refused_with_a_clear_reason(tmp_path, capsys):
    (tmp_path / "faces.npz").write_bytes(b"not a zip")
    assert run("dcgan", tmp_path, tmp_path / "r", 2) == 2
    assert "faces.npz: not a readable .npz file" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_corrupt_images_are_skipped_with_a_warning(tmp_path, unpaired, caplog):
    (unpaired / "real_images" / "9.png").write_bytes(b"broken")
    assert run("cartoongan", unpaired, tmp_path / "r", 4, "--batch_size=4") == 0


def test_config_file_overrides_and_dry_run(tmp_path, faces, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("batch_size = 8\nlatent_dim = 32\n")
    assert main(["dcgan", "--data", str(faces), "--out", str(tmp_path / "r"), "--config", str(cfg),
                 "--latent_dim=24", "--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert '"batch_size": 8' in plan and '"latent_dim": 24' in plan and not (tmp_path / "r").exists()
    assert main(["dcgan", "--data", str(faces), "--out", str(tmp_path / "r"), "--no_such_key=1"]) == 2
    assert "unknown config keys" in capsys.readouterr().err
    assert main(["dcgan", "--data", str(faces), "--out", str(tmp_path / "r"), "--batch_size=many"]) == 2


def test_divergence_stops_without_saving_nan_weights(tmp_path, faces, monkeypatch, capsys):
    original = FAMILIES["dcgan"].optimize_parameters

    def nan_at_3(self, step):
        values = original(self, step)
        return {**values, "g_adv": float("nan")} if step == 2 else values

    monkeypatch.setattr(FAMILIES["dcgan"], "optimize_parameters", nan_at_3)
    assert run("dcgan", faces, tmp_path / "r", 6) == 1
    assert "diverged at step 3" in capsys.readouterr().err
    assert checkpoint.latest(tmp_path / "r").name == "checkpoint-2"  # the last good one, nothing after


def test_checkpoints_are_pruned_and_loaded_safely(tmp_path, faces):
    assert run("dcgan", faces, tmp_path / "r", 8, "--keep_checkpoints=2") == 0
    assert [p.name for p in checkpoint.checkpoints(tmp_path / "r")] == ["checkpoint-6", "checkpoint-8"]
    evil = tmp_path / "evil.pt"
    torch.save({"x": Family}, evil)  # a class reference: only unpickling code could rebuild it
    with pytest.raises(ValueError, match="refused: it holds Python objects"):
        checkpoint.load(evil)


def test_content_network_needs_weights_or_explicit_random(tmp_path, unpaired, monkeypatch, capsys):
    monkeypatch.setattr("trainer.content_net.cached_vgg19", lambda: None)
    args = ["animegan", "--data", str(unpaired), "--out", str(tmp_path / "r"), "--steps", "1", *TINY["animegan"]]
    assert main(args) == 1
    assert "--content-weights" in capsys.readouterr().err


def test_ddp_with_torchrun_on_cpu(tmp_path, faces):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
           "-m", "trainer", "dcgan", "--data", str(faces), "--out", str(tmp_path / "ddp"), "--steps", "3",
           *TINY["dcgan"]]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert checkpoint.latest(tmp_path / "ddp").name == "checkpoint-3"
