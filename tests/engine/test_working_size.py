"""The working size (CONTRACTS.md): a look defined at a size sees every photo at that size, and the
result comes back at the photo's own size; third-party files keep the photo's size."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from anime_desktop.cli import main
from anime_desktop.core import modelfile, prepost, worksize
from anime_desktop.engine.loader import classical_model, load_model
from anime_desktop.engine.runners import StylizeRunner
from export.quality import psnr
from tests import onnx_models


def checkerboard(h: int, w: int) -> np.ndarray:
    """One-pixel squares: any shrinking averages them to grey, at full size they stay."""
    board = ((np.indices((h, w)).sum(axis=0) % 2) * 255).astype(np.uint8)
    return np.repeat(board[..., None], 3, axis=2)


def with_work_mp(path, value: str):
    modelfile.rewrite_metadata(path, {"work_mp": value})
    return path


def test_a_model_with_a_working_size_runs_there_and_returns_the_photos_size(tmp_path):
    model = load_model(with_work_mp(onnx_models.colour_model(tmp_path / "m.onnx"), "0.01"))
    assert model.info.work_mp == pytest.approx(0.01)
    board = checkerboard(301, 401)  # 0.12 MP, odd sizes
    out = StylizeRunner(model).run(board)
    assert out.shape == board.shape
    assert out.std() < 20  # brought down to 0.01 MP, the squares averaged away
    full = StylizeRunner(model, work_mp=0).run(board)  # `--work-mp full`
    assert np.array_equal(full, onnx_models.expected_colour(board))
    forced = StylizeRunner(load_model(onnx_models.colour_model(tmp_path / "plain.onnx")), work_mp=0.01).run(board)
    assert forced.std() < 20  # a number applies to any model


def test_third_party_files_keep_the_photos_size(tmp_path):
    plain = load_model(onnx_models.colour_model(tmp_path / "plain.onnx"))
    assert plain.info.work_mp == 0
    board = checkerboard(64, 96)
    assert np.array_equal(StylizeRunner(plain).run(board), onnx_models.expected_colour(board))
    broken = load_model(with_work_mp(onnx_models.colour_model(tmp_path / "odd.onnx"), "lots"))
    assert broken.info.work_mp == 0  # a malformed value is read as "no working size"


def test_a_small_photo_is_brought_up_to_the_working_size(tmp_path):
    seen = []
    toon = classical_model("toon")
    runner = StylizeRunner(toon, work_mp=0.05)
    runner._infer = lambda rgb: seen.append(rgb.shape) or rgb
    runner.run(np.zeros((30, 40, 3), np.uint8))
    assert abs(seen[0][0] * seen[0][1] - 50_000) < 500 and seen[0][1] / seen[0][0] == pytest.approx(4 / 3, rel=0.02)


def test_the_classical_looks_hold_at_any_photo_size():
    """ISSUE 19's scale consistency on a real photo-like picture: 4x enlarged, styled and brought back."""
    rng = np.random.default_rng(0)
    small = np.asarray(Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8))
                       .resize((160, 120), Image.BICUBIC))
    for name in ("toon", "cel"):
        look = StylizeRunner(classical_model(name), work_mp=0.05).run
        big = prepost.resize_to(small, 640, 480)
        back = prepost.resize_to(look(big), 160, 120)
        assert psnr(back, look(small)) >= 26.0, name
        full = StylizeRunner(classical_model(name), work_mp=0).run
        assert psnr(prepost.resize_to(full(big), 160, 120), full(small)) < psnr(back, look(small)), name


def test_working_size_words():
    assert worksize.parse("auto") is None and worksize.parse(None) is None
    assert worksize.parse("full") == 0.0 and worksize.parse("1.5") == 1.5
    for bad in ("big", "0.001", "500", "-1"):
        with pytest.raises(ValueError, match="working size"):
            worksize.parse(bad)


def test_cli_work_mp(tmp_path, capsys):
    rgb = checkerboard(40, 60)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    assert main(["stylize", str(tmp_path / "p.png"), "-m", "toon", "--work-mp", "full", "-o", str(tmp_path)]) == 0
    from anime_desktop.core import toon

    assert np.array_equal(np.asarray(Image.open(tmp_path / "p_toon.png")), toon.render(rgb))
    assert main(["stylize", str(tmp_path / "p.png"), "-m", "toon", "--work-mp", "huge"]) == 2
    assert "--work-mp" in capsys.readouterr().err
