"""Trainer tests need torch (the `train` extra); they skip cleanly without it."""

import pytest

pytest.importorskip("torch", reason="the trainer needs the `train` extra (torch, torchvision)")
