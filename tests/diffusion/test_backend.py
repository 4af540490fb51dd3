"""The real DreamShaper backend on a tiny real pipeline: sizes, seeds, prompts, progress, cancel, errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from anime_desktop import diffusion
from anime_desktop.core.errors import Cancelled
from anime_desktop.core.extras import MissingExtra
from anime_desktop.core.progress import Progress
from anime_desktop.diffusion import backend
from anime_desktop.engine.cache import ModelCache
from anime_desktop.jobs.looks import open_look

FAST = diffusion.Img2ImgParams(prompt="anime girl", strength=0.5, steps=6, guidance=7.5, seed=3)


def photo(h: int = 45, w: int = 61, seed: int = 0) -> np.ndarray:
    """A smooth picture with an edge, odd-sized so padding to a multiple of 8 is exercised."""
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], -1)
    rgb[:, w // 2:] = 255 - rgb[:, w // 2:]
    return (rgb + np.random.default_rng(seed).integers(0, 20, rgb.shape)).clip(0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def model(tiny_sd):
    return backend.load(diffusion.parse_source(f"dreamshaper:{tiny_sd}"), provider="cpu")


def test_the_output_has_the_inputs_size_whatever_the_multiple_of_eight(model):
    for h, w in ((45, 61), (64, 64), (20, 33)):
        out = model.run(photo(h, w), FAST)
        assert out.shape == (h, w, 3) and out.dtype == np.uint8
    big = model.run(photo(90, 130), diffusion.Img2ImgParams(steps=2, strength=0.5, max_side=64))
    assert big.shape == (90, 130, 3)  # worked at 64 px, brought back to the photo's size


def test_the_same_seed_repeats_and_another_seed_or_prompt_changes_the_picture(model):
    first, again = model.run(photo(), FAST), model.run(photo(), FAST)
    np.testing.assert_array_equal(first, again)
    other_seed = model.run(photo(), diffusion.Img2ImgParams(**{**FAST.__dict__, "seed": 4}))
    other_prompt = model.run(photo(), diffusion.Img2ImgParams(**{**FAST.__dict__, "prompt": "a cat in the rain"}))
    for other in (other_seed, other_prompt):
        assert np.abs(other.astype(int) - first.astype(int)).mean() > 0.5


def test_progress_fires_once_per_step_that_img2img_runs(model):
    for steps, strength in ((6, 0.5), (10, 0.35), (4, 1.0)):
        seen: list = []
        params = diffusion.Img2ImgParams(steps=steps, strength=strength, seed=1)
        model.run(photo(), params, Progress(on_change=lambda f, m, seen=seen: seen.append((f, m))))
        stepped = [s for s in seen if s[0] > 0]
        assert len(stepped) == int(steps * strength) == params.steps_run
        assert stepped[-1] == (1.0, f"DreamShaper step {params.steps_run}/{params.steps_run}")


def test_cancel_stops_between_steps(model):
    steps_seen = []

    def stop_after_two(fraction: float, message: str) -> None:
        if fraction > 0:
            steps_seen.append(message)
        if len(steps_seen) == 2:
            progress.abort()

    progress = Progress(on_change=stop_after_two)
    with pytest.raises(Cancelled):
        model.run(photo(), diffusion.Img2ImgParams(steps=20, strength=0.5), progress)
    assert steps_seen == ["DreamShaper step 1/10", "DreamShaper step 2/10"]


def test_the_scheduler_can_be_chosen_and_changes_the_result(model):
    ddim = model.run(photo(), FAST)
    euler = model.run(photo(), diffusion.Img2ImgParams(**{**FAST.__dict__, "scheduler": "euler-a"}))
    assert type(model.pipe.scheduler).__name__ == "EulerAncestralDiscreteScheduler"
    assert np.abs(euler.astype(int) - ddim.astype(int)).mean() > 0.5


def test_the_engine_cache_keeps_one_pipeline_and_the_look_reports_what_ran(tiny_sd):
    cache = ModelCache()
    cache.set_provider("cpu")
    loaded, runner = open_look(cache, f"dreamshaper:{tiny_sd}", dreamshaper=diffusion.DreamShaperRun(FAST))
    again, _ = open_look(cache, f"dreamshaper:{tiny_sd}")
    assert again is loaded and loaded.provider == "CPU (torch)" and loaded.info.precision == "fp32"
    assert loaded.info.name == "dreamshaper-sd"
    assert runner.run(photo()).shape == (45, 61, 3)


@pytest.mark.parametrize(("params", "words"), [
    (dict(strength=0.0), "--strength"), (dict(steps=0), "--steps"), (dict(steps=3, strength=0.2), "runs no step"),
    (dict(scheduler="warp"), "unknown scheduler"), (dict(guidance=-1), "--guidance"),
])
def test_impossible_parameters_are_refused_by_name(params, words):
    with pytest.raises(diffusion.DiffusionError, match=words):
        diffusion.Img2ImgParams(**params).check()


def test_a_model_id_not_downloaded_says_how_to_get_it_without_touching_the_network():
    # An id no cache holds: with local_files_only nothing is fetched, and the answer is NotDownloaded.
    with pytest.raises(backend.NotDownloaded, match="'anime-desktop-tests/no-such-model' is not downloaded: "
                                                    "pass --allow-download"):
        backend.load(diffusion.parse_source("dreamshaper:anime-desktop-tests/no-such-model"), provider="cpu")
    assert "about 2.1 GB" in str(backend.NotDownloaded(diffusion.parse_source("dreamshaper")))


def test_the_options_survive_the_trip_to_the_pairs_child_even_a_prompt_that_starts_with_a_dash(tmp_path):
    from anime_desktop.cli import build_parser
    from anime_desktop.diffusion.options import from_arguments, to_arguments

    run = diffusion.DreamShaperRun(diffusion.Img2ImgParams(prompt="-blurry, anime", negative_prompt="--photo",
                                                           strength=0.35, steps=17, seed=9, scheduler="euler-a"),
                                   sd_config=tmp_path, allow_download=True, source_override="org/model")
    ns = build_parser().parse_args(["pairs", "in", "out", "--teacher", "dreamshaper", *to_arguments(run)])
    assert from_arguments(ns) == run


def test_a_single_checkpoint_needs_a_config_and_a_bad_one_is_named(tmp_path, tiny_sd):
    bad = tmp_path / "merged.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(diffusion.DiffusionError, match="--sd-config"):
        diffusion.parse_source(f"dreamshaper:{bad}")
    with pytest.raises(diffusion.DiffusionError, match="merged.safetensors: diffusers cannot read"):
        backend.load(diffusion.parse_source(f"dreamshaper:{bad}", sd_config=tiny_sd), provider="cpu")
    pickle = tmp_path / "old.ckpt"
    pickle.write_bytes(b"x")
    with pytest.raises(diffusion.DiffusionError, match="only .safetensors"):
        diffusion.parse_source(f"dreamshaper:{pickle}", sd_config=tiny_sd)
    with pytest.raises(diffusion.DiffusionError, match="does not exist"):
        diffusion.parse_source(f"dreamshaper:{tmp_path / 'nowhere'}/")
    with pytest.raises(diffusion.DiffusionError, match="no model_index.json"):
        diffusion.parse_source(f"dreamshaper:{tiny_sd}", sd_config=tmp_path)


def test_without_the_extra_the_error_names_the_install_command(monkeypatch, tiny_sd):
    monkeypatch.setitem(sys.modules, "diffusers", None)  # find_spec then reports it missing
    with pytest.raises(MissingExtra, match=r"pip install 'anime-desktop\[diffusion\]'"):
        backend.load(diffusion.parse_source(f"dreamshaper:{tiny_sd}"), provider="cpu")


def test_out_of_gpu_memory_suggests_the_cpu_or_a_smaller_size(model, monkeypatch):
    import torch

    def no_memory(**kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(model, "pipe", type("Pipe", (), {"__call__": lambda self, **k: no_memory(**k),
                                                         "scheduler": model.pipe.scheduler})())
    with pytest.raises(diffusion.DiffusionError, match=r"out of memory at 88x64: .*RAM.*--sd-max-side"):
        model.run(photo(), FAST)
    monkeypatch.setattr(model, "device", "cuda")  # the same error from a GPU names the way out
    with pytest.raises(diffusion.DiffusionError, match=r"out of GPU memory at 88x64: .*--provider cpu.*--sd-max-side"):
        model.run(photo(), FAST)
