"""The tiny pipeline, built once per session; every test here skips cleanly without the 'diffusion' extra."""

from __future__ import annotations

import pytest

pytest.importorskip("diffusers", reason="the 'diffusion' extra is not installed (pip install -e '.[diffusion]')")


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory):
    from tests.diffusion import tiny_sd

    return tiny_sd.build(tmp_path_factory.mktemp("tiny-sd") / "sd")
