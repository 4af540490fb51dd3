"""Exporter tests need torch (the `train` extra); they skip cleanly without it."""

import pytest

pytest.importorskip("torch", reason="the exporter needs the `train` extra (torch)")
