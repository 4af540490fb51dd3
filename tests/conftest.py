"""Shared fixtures: fresh settings per test, the shared reference files, tiny real models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests import onnx_models

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
TINY_CUTE = SHARED / "reference-models" / "AnimeGANv3_via_tuanmjnh-AnimeGANv3_Video" / "AnimeGANv3_tiny_Cute.onnx"
TEST_IMAGES = SHARED / "test-images"
REFERENCE_OUTPUTS = SHARED / "reference-outputs"


@pytest.fixture(autouse=True)
def fresh_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own settings, models folder and caches (napari's pattern)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ANIME_DESKTOP_HOME", str(home))
    return home


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is absent in this checkout)")
    return path


@pytest.fixture
def tiny_cute() -> Path:
    return need_shared(TINY_CUTE)


@pytest.fixture
def colour_onnx(tmp_path) -> Path:
    return onnx_models.colour_model(tmp_path / "swap.onnx")


@pytest.fixture
def photo(tmp_path) -> Path:
    """A 70x45 photo-like RGB gradient with texture (odd size on purpose)."""
    yy, xx = np.mgrid[0:45, 0:70]
    rgb = np.stack([xx * 3, yy * 5, (xx + yy) * 2], axis=2) % 256
    path = tmp_path / "photo.png"
    Image.fromarray(rgb.astype(np.uint8)).save(path)
    return path
