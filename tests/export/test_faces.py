"""Faces end to end with a DCGAN trained and exported by our own tools: seeds, grids, ranking,
interpolation, the procedural training data and the face-crop helper."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from anime_desktop.cli import main as app
from anime_desktop.core import latent, model_store
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.ranker import ranker_for
from anime_desktop.engine.runners import GeneratorRunner
from export.cli import main as export
from tests.conftest import TEST_IMAGES, need_shared
from trainer import procedural_faces
from trainer.cli import main as train


@pytest.fixture(scope="module")
def faces_model(tmp_path_factory):
    """A tiny DCGAN trained a few steps on procedural faces, exported with its discriminator."""
    root = tmp_path_factory.mktemp("faces")
    assert train(["render-faces", str(root / "data"), "--count", "64"]) == 0
    assert train(["dcgan", "--data", str(root / "data"), "--out", str(root / "run"), "--steps", "30", "--lr_g=0.002",
                  "--batch_size=16", "--ngf=8", "--ndf=8", "--latent_dim=16", "--sample_every=100"]) == 0
    model = root / "faces.onnx"
    assert export(["onnx", str(root / "run"), "-o", str(model)]) == 0
    assert export(["discriminator", str(root / "run"), "-o", str(root / "faces.disc.onnx")]) == 0
    return model


def test_same_seed_same_grid_bit_for_bit_and_faces_differ(faces_model, tmp_path):
    for name in ("a.png", "b.png"):
        assert app(["faces", "-m", str(faces_model), "-n", "16", "--seed", "7", "-o", str(tmp_path / name)]) == 0
    a, b = (np.asarray(Image.open(tmp_path / n)) for n in ("a.png", "b.png"))
    assert np.array_equal(a, b)
    runner = GeneratorRunner(load_model(faces_model))
    faces = runner.generate(latent.latents(list(range(7, 23)), runner.io.latent_dim))
    flat = faces.reshape(16, -1).astype(int)
    gaps = [np.abs(flat[i] - flat[j]).mean() for i in range(16) for j in range(i + 1, 16)]
    assert min(gaps) > 0.5, min(gaps)
    assert np.array_equal(faces[0], runner.generate(latent.latents([7], runner.io.latent_dim))[0])


def test_interpolation_is_smooth_and_the_gif_has_every_frame(faces_model, tmp_path):
    runner = GeneratorRunner(load_model(faces_model))
    dim = runner.io.latent_dim
    frames = runner.generate(latent.interpolate(latent.latent(3, dim), latent.latent(40, dim), 16))
    steps = latent.mean_abs_steps(frames)
    ends = np.abs(frames[0].astype(int) - frames[-1]).mean()
    # the ends are two different faces (the 30-step model draws them ~1 grey level apart on the calm
    # pastel renders), and every step between is smaller than that
    assert np.all(steps < ends) and ends > 0.5
    assert app(["faces", "-m", str(faces_model), "--interpolate", "3", "40", "--frames", "16",
                "-o", str(tmp_path / "walk.gif")]) == 0
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 16


def test_ranking_keeps_faces_the_discriminator_prefers(faces_model, tmp_path):
    ranker = ranker_for(faces_model)
    assert ranker is not None
    runner = GeneratorRunner(load_model(faces_model))
    candidates = runner.generate(latent.latents(list(range(64)), runner.io.latent_dim))
    scores = ranker.scores(candidates)
    kept = latent.best(scores, 16)
    assert scores[kept].mean() > scores.mean()
    assert np.array_equal(ranker.scores(candidates[:5]), scores[:5])  # a face's score ignores its batch
    assert app(["faces", "-m", str(faces_model), "-n", "4", "--seed", "1", "--rank", "4",
                "-o", str(tmp_path / "ranked.png")]) == 0


def test_a_faces_model_installs_with_its_discriminator_and_stays_out_of_style_lists(faces_model, capsys):
    assert app(["models", "import", str(faces_model), "--name", "mine"]) == 0
    assert set(model_store.installed()) == {"mine"}  # the .disc file is not a model of its own
    assert ranker_for(model_store.installed()["mine"]) is not None
    assert app(["models", "remove", "mine"]) == 0
    assert not list(model_store.installed()) and not list(model_store.paths.models_dir().glob("*.disc.onnx"))


def test_procedural_faces_are_reproducible_and_all_different():
    a = procedural_faces.render_set(40, seed=3)
    b = procedural_faces.render_set(40, seed=3)
    assert a.shape == (40, 64, 64, 3) and np.array_equal(a, b)
    flat = a.reshape(40, -1).astype(int)
    differences = [np.abs(flat[i] - flat[j]).mean() for i in range(40) for j in range(i + 1, 40)]
    assert min(differences) > 5  # no two alike
    assert not np.array_equal(a, procedural_faces.render_set(40, seed=4))


def test_prepare_faces_crops_a_photo_and_skips_bad_files(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.open(need_shared(TEST_IMAGES / "astronaut.png")).save(folder / "astronaut.png")
    Image.new("RGB", (120, 90), (200, 200, 200)).save(folder / "blank.png")
    (folder / "broken.jpg").write_bytes(b"not an image")
    assert train(["prepare-faces", str(folder), str(tmp_path / "out"), "--size", "48"]) == 0
    crops = list((tmp_path / "out").glob("*.png"))
    assert len(crops) >= 1 and all(Image.open(p).size == (48, 48) for p in crops)
    assert any(p.name.startswith("astronaut-") for p in crops)
    printed = capsys.readouterr().out
    assert "1 without a face" in printed and "1 unreadable" in printed


def test_conditional_models_take_a_label(tmp_path, capsys):
    faces = procedural_faces.render_set(48, seed=9)
    np.savez(tmp_path / "labelled.npz", images=faces, labels=np.arange(48) % 3)
    assert train(["dcgan", "--data", str(tmp_path / "labelled.npz"), "--out", str(tmp_path / "run"), "--steps", "20",
                  "--lr_g=0.002", "--batch_size=16", "--ngf=8", "--ndf=8", "--latent_dim=16", "--num_classes=3",
                  "--sample_every=100"]) == 0
    model = tmp_path / "cond.onnx"
    assert export(["onnx", str(tmp_path / "run"), "-o", str(model)]) == 0
    runner = GeneratorRunner(load_model(model))
    assert runner.num_classes == 3
    z = latent.latents([5, 6], runner.io.latent_dim)
    a, b = runner.generate(z, 0), runner.generate(z, 2)
    assert np.array_equal(a, runner.generate(z, [0, 0])) and np.abs(a.astype(int) - b).mean() > 0.1
    with pytest.raises(Exception, match="labels 0..2"):
        runner.generate(z, 3)
    for label in ("0", "2"):
        assert app(["faces", "-m", str(model), "-n", "4", "--seed", "5", "--label", label,
                    "-o", str(tmp_path / f"l{label}.png")]) == 0
    assert not np.array_equal(np.asarray(Image.open(tmp_path / "l0.png")), np.asarray(Image.open(tmp_path / "l2.png")))
    capsys.readouterr()
    assert app(["faces", "-m", str(model), "-n", "1", "--label", "7", "-o", str(tmp_path / "bad.png")]) == 1


@pytest.mark.slow  # 1 min: a whole (short) faces build
def test_build_faces_ships_only_what_passes_its_gate(tmp_path, monkeypatch, capsys):
    """The whole build on a tiny budget: 2 steps cannot halve SWD, so nothing ships and the card
    says why; with the gate lifted, the model, its discriminator and the card land in --out and
    replace an older faces model there."""
    from export import build_faces

    out = tmp_path / "models"
    out.mkdir()
    (out / "faces-default-fp32.onnx").write_bytes(b"an older build")
    args = ["build-faces", "--work", str(tmp_path / "work"), "--out", str(out), "--steps", "2", "--count", "64",
            "--held-out", "32", "--classifier-steps", "2"]
    assert export(args) == 1
    assert "not shipped" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["faces-default-fp32.onnx"]
    card = (tmp_path / "work" / "faces-default.md").read_text(encoding="utf-8")
    assert "2 steps" in card and "32 held-out renders" in card

    monkeypatch.setattr(build_faces, "gate_failures", lambda *_: [])  # every gate lifted
    assert export(args) == 0
    shipped = sorted(p.name for p in out.iterdir())
    assert "faces-default.md" in shipped and len(shipped) == 3
    model = next(out / n for n in shipped if n.endswith(".onnx") and not n.endswith(".disc.onnx"))
    assert model.read_bytes() != b"an older build" and model_store.discriminator_for(model) is not None
    runner = GeneratorRunner(load_model(model))
    assert runner.generate(latent.latents([1, 2], runner.io.latent_dim)).shape == (2, 64, 64, 3)


def test_build_faces_refuses_nonsense_sizes(capsys):
    with pytest.raises(SystemExit) as exit_:
        export(["build-faces", "--count", "0"])
    assert exit_.value.code == 2 and "must be at least 1" in capsys.readouterr().err
