"""Importing published PyTorch generators without torch: same pictures as PyTorch, one converter.

torch is only used here to write the `.pt`/`.pth` files and compute the reference outputs;
the conversion and the stylizing run with `sys.modules['torch'] = None`, so any `import torch`
on that path would fail.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from anime_desktop.core import model_store, modelfile, torch_graphs
from anime_desktop.core.errors import ModelFileError
from anime_desktop.engine.importer import import_model
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import StylizeRunner
from anime_desktop.engine.session import SessionConfig, open_session

torch = pytest.importorskip("torch")

REFERENCE_KEYS = Path(__file__).resolve().parents[2].parent / "shared/reference-models/" \
    "animegan2-pytorch_generator_state_dict.json"
SIDE = 256


def _randomised(g):
    """Random but well-scaled weights: norms around 1, so the output is not saturated."""
    torch.manual_seed(1)
    with torch.no_grad():
        for _, p in g.named_parameters():
            if p.ndim == 1:  # norm scales start at 1, biases and shifts elsewhere
                scale = bool((p == 1).all())
                p.copy_(1 + 0.2 * torch.randn_like(p) if scale else 0.1 * torch.randn_like(p))
    return g.eval()


def _animegan():
    from trainer.networks.animegan import AnimeGANv2Generator

    return _randomised(AnimeGANv2Generator())


def _cartoongan():
    from trainer.networks.cartoongan import CartoonGANGenerator

    return _randomised(CartoonGANGenerator())


def _photo() -> np.ndarray:
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    base = np.stack([xx, yy, (xx + yy) // 2], axis=2).astype(np.float32)
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


def _torch_picture(g, rgb: np.ndarray, bgr: bool) -> np.ndarray:
    """The published code's pre/post-processing: [-1, 1], BGR for the CartoonGAN port, rounded back."""
    pixels = rgb[..., ::-1] if bgr else rgb
    x = torch.from_numpy(pixels.astype(np.float32).transpose(2, 0, 1)[None].copy()) / 127.5 - 1
    with torch.no_grad():
        y = g(x)[0].numpy().transpose(1, 2, 0)
    out = np.clip(np.rint((y + 1) * 127.5), 0, 255).astype(np.uint8)
    return out[..., ::-1] if bgr else out


CASES = {
    # family: (build the generator, file name, legacy format?, channel order)
    "animegan": (_animegan, "Paprika.pt", False, "RGB"),
    "cartoongan": (_cartoongan, "Hayao_net_G_float.pth", True, "BGR"),
}


def test_trainer_animegan_keys_are_animegan2_pytorch_keys():
    expected = json.loads(REFERENCE_KEYS.read_text())["tensors"] if REFERENCE_KEYS.is_file() else None
    if expected is None:
        pytest.skip(f"{REFERENCE_KEYS} is not here")
    ours = {k: list(v.shape) for k, v in _animegan().state_dict().items()}
    assert ours == expected
    assert {k: list(v) for k, v in torch_graphs.animegan_shapes().items()} == expected


@pytest.mark.parametrize("family", list(CASES))
def test_import_without_torch_matches_pytorch(tmp_path, monkeypatch, family):
    build, file_name, legacy, order = CASES[family]
    g = build()
    pt = tmp_path / file_name
    torch.save(g.state_dict(), pt, _use_new_zipfile_serialization=not legacy)
    if legacy:
        assert pt.read_bytes()[:2] == b"\x80\x02"  # the pre-1.6 stream, not a zip
    photo = _photo()
    want_picture = _torch_picture(g, photo, bgr=order == "BGR")
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, SIDE, SIDE)).astype(np.float32)
    with torch.no_grad():
        want_raw = g(torch.from_numpy(x)).numpy()

    monkeypatch.setitem(sys.modules, "torch", None)  # from here on, `import torch` fails
    info = import_model(pt)
    style = file_name.split("_")[0].removesuffix(".pt")  # Hayao_net_G_float.pth -> Hayao (the port's naming)
    assert info.name == f"{style.lower()}-fp32" and info.path == model_store.installed()[info.name]
    meta = modelfile.read_metadata(info.path)
    assert {k: meta[k] for k in ("family", "task", "style", "license", "layout", "range", "channel_order",
                                 "size_multiple", "precision", "source")} == {
        "family": family, "task": "image-to-image", "style": style, "license": "unknown", "layout": "NCHW",
        "range": "-1,1", "channel_order": order, "size_multiple": "4", "precision": "fp32", "source": pt.name}

    session, _ = open_session(info.path, SessionConfig(provider="cpu"))
    raw = session.run(None, {"image": x})[0]
    delta = float(np.abs(raw - want_raw).max())
    print(f"{family}: max |ONNX - torch| at {SIDE}x{SIDE} = {delta:.3g}")
    assert delta <= 1e-4

    picture = StylizeRunner(load_model(info.name, SessionConfig(provider="cpu"))).run(photo)
    grey_levels = int(np.abs(picture.astype(int) - want_picture.astype(int)).max())
    print(f"{family}: max grey-level difference of the app's picture = {grey_levels}")
    assert picture.shape == photo.shape and grey_levels <= 2


def test_facts_fill_the_metadata(tmp_path, monkeypatch):
    pt = tmp_path / "weights.pt"
    torch.save({"state_dict": _animegan().state_dict()}, pt)  # wrapped, as training scripts often save
    monkeypatch.setitem(sys.modules, "torch", None)
    info = import_model(pt, facts={"style": "Shinkai", "license": "CC-BY-NC-4.0", "source": "https://x"})
    assert (info.name, info.style, info.license, info.source) == ("shinkai-fp32", "Shinkai", "CC-BY-NC-4.0",
                                                                  "https://x")
    with pytest.raises(ModelFileError, match="not cartoongan"):
        import_model(pt, name="other", facts={"family": "cartoongan"})


def test_export_import_is_the_same_converter(tmp_path, monkeypatch):
    from export.cli import main as export

    pt = tmp_path / "Hosoda.pth"
    torch.save(_cartoongan().state_dict(), pt, _use_new_zipfile_serialization=False)
    assert export(["import", str(pt)]) == 0
    first = model_store.installed()["hosoda-fp32"]
    by_export = modelfile.file_sha256(first)
    model_store.remove("hosoda-fp32")
    monkeypatch.setitem(sys.modules, "torch", None)
    info = import_model(pt)
    assert info.name == "hosoda-fp32" and modelfile.file_sha256(info.path) == by_export


def test_unknown_architecture_gets_one_line_naming_its_keys(tmp_path, monkeypatch):
    pt = tmp_path / "resnet.pt"
    torch.save({"encoder.0.weight": torch.zeros(8, 3, 3, 3), "head.bias": torch.zeros(8)}, pt)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ModelFileError) as caught:
        import_model(pt)
    message = str(caught.value)
    assert "\n" not in message and str(pt) in message and "unrecognised weights" in message
    assert "encoder.0.weight" in message and "head.bias" in message
    assert model_store.installed() == {}


def test_right_keys_wrong_shapes_are_refused(tmp_path):
    sd = _animegan().state_dict()
    sd["out_layer.0.weight"] = torch.zeros(3, 16, 1, 1)
    pt = tmp_path / "odd.pt"
    torch.save(sd, pt)
    with pytest.raises(ModelFileError, match=r"wrong shapes for out_layer\.0\.weight"):
        import_model(pt)


def test_truncated_checkpoint_names_the_file(tmp_path, monkeypatch):
    full = tmp_path / "full.pth"
    torch.save(_cartoongan().state_dict(), full, _use_new_zipfile_serialization=False)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ModelFileError) as caught:
        import_model(cut)
    assert str(cut) in str(caught.value) and "\n" not in str(caught.value)
    assert model_store.installed() == {}


def test_a_checkpoint_without_its_suffix_is_still_converted(tmp_path, monkeypatch):
    """A download's temporary file has no `.pt` name: the zip/pickle start says what it is."""
    part = tmp_path / "download.part"
    torch.save(_animegan().state_dict(), part)
    monkeypatch.setitem(sys.modules, "torch", None)
    assert import_model(part, "fetched").family == "animegan"
