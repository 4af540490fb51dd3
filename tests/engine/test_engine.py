"""Real ONNX Runtime sessions: conventions, probing, bad files, FP16, odd sizes, tiles."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from anime_desktop.core import model_store
from anime_desktop.core.errors import InferenceError, ModelFileError
from anime_desktop.core.types import IOConvention
from anime_desktop.engine import detect
from anime_desktop.engine.cache import ModelCache
from anime_desktop.engine.importer import import_model
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.runners import GeneratorRunner, StylizeRunner
from anime_desktop.engine.session import SessionConfig, provider_chain
from tests import onnx_models
from tests.conftest import REFERENCE_OUTPUTS, need_shared

RNG = np.random.default_rng(1)


def rgb(h, w):
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_our_metadata_drives_the_convention(colour_onnx):
    model = load_model(colour_onnx)
    assert model.info.has_metadata and model.info.style == "Swap" and model.info.license == "Apache-2.0"
    assert model.provider == "cpu"
    image = rgb(21, 34)
    assert np.abs(StylizeRunner(model).run(image).astype(int) - onnx_models.expected_colour(image)).max() <= 1


def test_requested_provider_that_is_missing_falls_back_to_cpu(colour_onnx):
    assert provider_chain("cuda")[-1] == "CPUExecutionProvider"
    model = load_model(colour_onnx, SessionConfig(provider="cuda"))
    assert model.provider == "cpu"  # no CUDA here: the provider really used is reported
    with pytest.raises(ValueError, match="unknown provider"):
        provider_chain("tpu")


def test_third_party_nhwc_model_is_probed_once_and_cached(tmp_path):
    path = onnx_models.colour_model(tmp_path / "third.onnx", layout="NHWC", meta=False, multiple=8)
    model = load_model(path)
    assert not model.info.has_metadata
    assert (model.info.io.layout, model.info.io.size_multiple, model.info.io.min_size) == ("NHWC", 8, 8)
    stored = model_store.ConventionStore().get(model.sha256)
    assert stored is not None and stored[0].size_multiple == 8 and stored[1] is False
    image = rgb(45, 70)  # neither side a multiple of 8: padded, run, cropped back
    out = StylizeRunner(model).run(image)
    assert out.shape == image.shape
    assert np.abs(out.astype(int) - onnx_models.expected_colour(image)).max() <= 1


def test_real_published_model_is_understood(tiny_cute):
    model = load_model(tiny_cute)
    io = model.info.io
    assert (io.layout, io.size_multiple, io.min_size, io.value_range) == ("NHWC", 16, 32, (-1.0, 1.0))


def test_fixed_size_model_gets_resized_in_and_out(tmp_path):
    model = load_model(onnx_models.fixed_size_model(tmp_path / "fixed.onnx", 32, 48))
    assert model.info.io.fixed_size == (32, 48)
    assert StylizeRunner(model).run(rgb(100, 77)).shape == (100, 77, 3)


@pytest.mark.parametrize("fp16_io,fp16_weights", [(True, False), (False, True), (True, True)])
def test_fp16_models_work_with_either_io(tmp_path, fp16_io, fp16_weights):
    path = onnx_models.colour_model(tmp_path / "h.onnx", fp16_io=fp16_io, fp16_weights=fp16_weights)
    model = load_model(path)
    assert model.info.io.input_dtype == ("float16" if fp16_io else "float32")
    image = rgb(30, 40)
    assert np.abs(StylizeRunner(model).run(image).astype(int) - onnx_models.expected_colour(image)).max() <= 2


def test_tiny_inputs_are_upscaled_and_brought_back(tiny_cute):
    out = StylizeRunner(load_model(tiny_cute)).run(rgb(5, 7))
    assert out.shape == (5, 7, 3)


@pytest.mark.parametrize("content,words", [
    (b"", "empty"),
    (b"hello, I am text pretending to be a model", "not a valid ONNX file"),
])
def test_non_onnx_files_are_rejected_with_the_reason(tmp_path, content, words):
    path = tmp_path / "fake.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=words) as info:
        load_model(path)
    assert "fake.onnx" in str(info.value)


def test_truncated_model_is_rejected(tmp_path, tiny_cute):
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(tiny_cute.read_bytes()[:400_000])
    with pytest.raises(ModelFileError, match="cut.onnx"):
        load_model(cut)


def test_a_classifier_is_not_accepted_as_an_image_model(tmp_path):
    with pytest.raises(ModelFileError, match="output"):
        load_model(onnx_models.classifier_model(tmp_path / "cls.onnx"))


def test_latent_models_generate_and_refuse_photos(tmp_path):
    model = load_model(onnx_models.latent_model(tmp_path / "z.onnx", latent=8, size=4))
    assert model.info.io.latent_dim == 8 and model.info.task == "latent-to-image"
    faces = GeneratorRunner(model).generate(np.random.default_rng(3).standard_normal((5, 8)))
    assert faces.shape == (5, 4, 4, 3) and faces.dtype == np.uint8
    assert len({f.tobytes() for f in faces}) == 5
    with pytest.raises(InferenceError, match="latents"):
        StylizeRunner(model)


def test_static_convention_from_shapes(tmp_path):
    p = tmp_path / "m.onnx"
    cases = {
        (1, None, None, 3): IOConvention(layout="NHWC"),
        (1, 3, None, None): IOConvention(layout="NCHW"),
        (1, 3, 256, 256): IOConvention(fixed_size=(256, 256)),
        (None, 100, 1, 1): IOConvention(latent_dim=100),
    }
    for dims, expected in cases.items():
        assert detect.static_convention(detect.InputShape("x", dims, "float32"), p) == expected
    with pytest.raises(ModelFileError, match="3 dimensions|4 dimensions"):
        detect.static_convention(detect.InputShape("x", (1, 3, 8), "float32"), p)


def test_import_validates_and_installs(tmp_path, colour_onnx):
    info = import_model(colour_onnx)
    assert info.name == "swap-fp32" and info.path.exists()
    with pytest.raises(ModelFileError, match="installed already"):
        import_model(colour_onnx)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"nope")
    with pytest.raises(ModelFileError):
        import_model(bad)
    assert sorted(model_store.installed()) == ["swap-fp32"]


def test_cache_reuses_sessions_until_the_provider_changes(colour_onnx):
    cache = ModelCache(capacity=2, config=SessionConfig(provider="auto"))
    first = cache.get(colour_onnx)
    assert cache.get(colour_onnx) is first
    cache.set_provider("cpu")
    again = cache.get(colour_onnx)
    assert again is not first and again.session is not first.session
    assert cache.generation == 1 and cache.provider == "cpu"
    assert again.session.get_providers() == ["CPUExecutionProvider"]


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse)


def test_tiles_have_no_visible_seams_on_a_real_generator(tiny_cute):
    """Tiled vs whole-image output of a per-image-normalising generator: PSNR >= 35 dB."""
    photo = np.asarray(Image.open(need_shared(REFERENCE_OUTPUTS / "inputs" / "astronaut.png")).convert("RGB"))
    image = np.concatenate([photo, photo[:, ::-1]], axis=1)[:, :, :]  # 1024x512: two passes' worth
    model = load_model(tiny_cute)
    whole = StylizeRunner(model, tile_mp=2.0).run(image)
    tiled = StylizeRunner(model, tile_mp=0.2).run(image)
    assert psnr(whole, tiled) >= 35
