"""Checkpoint -> ONNX FP32/FP16/INT8 with measured parity, published weights imported,
and every family's export run through the app's own commands."""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

from anime_desktop.cli import main as app
from anime_desktop.core import model_store, modelfile
from export.cli import main as export
from export.verify import verify
from tests.conftest import SHARED, TEST_IMAGES, need_shared
from tests.trainer.test_training import make_pairs, run, smooth_image

PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png", "grace_hopper.png", "camera.png"]


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    for name in PHOTOS:
        shutil.copy(need_shared(TEST_IMAGES / name), folder / name)
    return folder


@pytest.fixture(scope="module")
def trained_animegan(tmp_path_factory, photos):
    """An AnimeGANv2 generator (2.1 M parameters) trained 300 steps by our trainer on real photos.

    The content loss is `pixel`, so G learns to give its photo back (15-16 dB from it after 300 steps)
    and no VGG19 runs: the randomly initialised VGG19 of --random-content-net took 56 % of every step
    and taught G nothing measurable (7 dB from its photo, below the untrained G's 11-13 dB). Trained on
    one thread: on this 2-core machine PyTorch's two-thread pool slows 5-37x whenever anything else
    runs (each op waits for a descheduled worker), and one thread costs ~1.25x only when nothing does."""
    root = tmp_path_factory.mktemp("animegan-data")
    for sub in ("real_images", "anime_images"):
        shutil.copytree(photos, root / sub)
    out = root / "run"
    from trainer.cli import main as train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert train(["animegan", "--data", str(root), "--out", str(out), "--steps", "300", "--random-content-net",
                      "--content_loss=pixel", "--image_size=32", "--batch_size=2", "--init_steps=300",
                      "--save_every=1000", "--sample_every=1000", "--log_every=100"]) == 0
    finally:
        torch.set_num_threads(threads)
    return out


@pytest.fixture(scope="module")
def exported(trained_animegan, photos, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exported")
    fp32, fp16, int8 = folder / "g.onnx", folder / "g16.onnx", folder / "g8.onnx"
    assert export(["onnx", str(trained_animegan), "-o", str(fp32), "--style", "Test", "--license", "Apache-2.0"]) == 0
    assert export(["fp16", str(fp32), "-o", str(fp16)]) == 0
    assert export(["int8", str(fp32), "--calibration", str(photos), "-o", str(int8)]) == 0
    return fp32, fp16, int8


def test_fp32_onnx_matches_pytorch(exported, trained_animegan, photos):
    rows = verify(exported[0], trained_animegan, photos, max_side=256, repeat=1)
    assert len(rows) == len(PHOTOS)
    # CONTRACTS.md's 1e-4 at <= 256 px. The fixture trained with VGG19 content loss on 2 threads landed at
    # 1.73e-4 on this AVX-512 machine (float32 summation order in convolutions and norms), so the gate was
    # 2e-4 while it was used; the fixture trained with the pixel content loss on 1 thread lands at 5.7e-5.
    assert max(r.max_abs for r in rows) <= 1e-4
    assert min(r.psnr for r in rows) >= 60


def test_fp16_and_int8_keep_the_picture_and_int8_is_small(exported, photos):
    fp32, fp16, int8 = exported
    fp16_rows = verify(fp16, fp32, photos, max_side=384, repeat=1)
    int8_rows = verify(int8, fp32, photos, max_side=384, repeat=1)
    assert min(r.psnr for r in fp16_rows) >= 40
    assert min(r.psnr for r in int8_rows) >= 30
    assert int8.stat().st_size <= 0.30 * fp32.stat().st_size
    qdq = [n for n in onnx.load(str(int8)).graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    assert len(qdq) > 50


def test_metadata_travels_through_every_precision(exported):
    for path, precision in zip(exported, ("fp32", "fp16", "int8")):
        meta = modelfile.read_metadata(path)
        assert (meta["family"], meta["precision"], meta["license"], meta["layout"]) == \
            ("animegan", precision, "Apache-2.0", "NCHW")
        assert meta["size_multiple"] == "4" and meta["style"] == "Test"
    onnx.checker.check_model(onnx.load(str(exported[0])), full_check=True)


def test_exported_model_has_dynamic_size_and_runs_in_the_app(exported, tmp_path):
    dims = [d.dim_param or d.dim_value for d in onnx.load(str(exported[0])).graph.input[0].type.tensor_type.shape.dim]
    assert dims[1] == 3 and all(isinstance(d, str) for d in (dims[0], dims[2], dims[3]))
    photo = need_shared(TEST_IMAGES / "chelsea.png")
    for model in exported:
        assert app(["stylize", str(photo), "-m", str(model), "-o", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("chelsea_*.png"))) == 3


@pytest.mark.parametrize("family", ["cartoongan", "pix2pix", "dcgan", "animeganv3", "paired"])
def test_every_family_exports_and_runs(family, tmp_path, faces_npz):
    pairs = make_pairs(tmp_path / "pairs", 2) if family in ("pix2pix", "paired") else None
    data = {"pix2pix": pairs, "paired": pairs, "dcgan": faces_npz}.get(family)
    if data is None:
        data = tmp_path / "unpaired"
        for sub in ("real_images", "anime_images"):
            (data / sub).mkdir(parents=True)
            Image.fromarray(smooth_image(40, 40)).save(data / sub / "a.png")
    assert run(family, data, tmp_path / "run", 2) == 0
    model = tmp_path / f"{family}.onnx"
    assert export(["onnx", str(tmp_path / "run"), "-o", str(model)]) == 0
    images = None if family == "dcgan" else _one_photo(tmp_path)
    rows = verify(model, tmp_path / "run", images, max_side=128, repeat=1)
    assert max(r.max_abs for r in rows) <= 1e-4
    if family == "dcgan":
        assert app(["faces", "-m", str(model), "-n", "4", "--seed", "3", "-o", str(tmp_path / "grid.png")]) == 0
        assert Image.open(tmp_path / "grid.png").size == (2 * 64 + 6, 2 * 64 + 6)
    else:
        photo = _one_photo(tmp_path) / "p.png"
        assert app(["stylize", str(photo), "-m", str(model), "-o", str(tmp_path / "out")]) == 0
        assert Image.open(next((tmp_path / "out").iterdir())).size == Image.open(photo).size
    if family == "pix2pix":
        assert modelfile.read_metadata(model)["fixed_size"] == "32x32"


def _one_photo(tmp_path):
    folder = tmp_path / "one"
    if not folder.exists():
        folder.mkdir()
        Image.open(need_shared(TEST_IMAGES / "coffee.png")).save(folder / "p.png")
    return folder


@pytest.fixture
def faces_npz(tmp_path):
    np.savez(tmp_path / "f.npz", images=np.random.default_rng(0).integers(0, 256, (8, 64, 64, 3), np.uint8))
    return tmp_path


def test_animegan2_pytorch_weights_import_and_match(tmp_path, capsys):
    spec = json.loads(need_shared(SHARED / "reference-models" / "animegan2-pytorch_generator_state_dict.json")
                      .read_text())["tensors"]
    torch.manual_seed(0)
    weights = {k: torch.randn(shape) * (0.05 if len(shape) > 1 else 1.0) for k, shape in spec.items()}
    pt = tmp_path / "paprika.pt"
    torch.save(weights, pt)
    assert export(["import", str(pt), "--style", "Paprika", "--license", "LicenseRef-AnimeGANv2-NonCommercial"]) == 0
    installed = model_store.installed()
    assert "paprika-fp32" in installed
    assert app(["models", "list"]) == 0
    assert "paprika-fp32" in capsys.readouterr().out
    from trainer.networks.animegan import AnimeGANv2Generator

    g = AnimeGANv2Generator().eval()
    g.load_state_dict(weights)
    rows = verify(installed["paprika-fp32"], _snapshot(tmp_path, g, weights), _one_photo(tmp_path), max_side=256,
                  repeat=1)
    assert rows[0].max_abs <= 1e-4


def _snapshot(tmp_path, g, weights):
    """A G snapshot file in the trainer's format, so verify can run the PyTorch side."""
    from trainer.config import AnimeGANConfig, to_dict

    path = tmp_path / "generator.pt"
    torch.save({"format": 1, "family_name": "animegan", "config": to_dict(AnimeGANConfig()), "state_dict": weights,
                "step": 0, "export": {"family": "animegan", "size_multiple": 4}}, path)
    return path


def test_cartoongan_port_weights_import_as_bgr(tmp_path):
    from trainer.networks.cartoongan import CartoonGANGenerator

    pt = tmp_path / "Hayao_net_G_float.pth"
    torch.save(CartoonGANGenerator().state_dict(), pt)
    assert export(["import", str(pt), "--style", "Hayao"]) == 0
    meta = modelfile.read_metadata(model_store.installed()["hayao-fp32"])
    assert (meta["family"], meta["channel_order"]) == ("cartoongan", "BGR")


def test_unknown_weights_and_pickled_code_are_refused(tmp_path, capsys):
    pt = tmp_path / "other.pt"
    torch.save({"layer.weight": torch.zeros(2)}, pt)
    assert export(["import", str(pt)]) == 1
    assert "unrecognised weights" in capsys.readouterr().err
    evil = tmp_path / "evil.pt"
    torch.save({"x": Image.Image}, evil)
    assert export(["import", str(evil)]) == 1
    assert "refused: it holds Python objects" in capsys.readouterr().err
    assert model_store.installed() == {}
