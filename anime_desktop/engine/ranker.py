"""Scoring generated faces with the discriminator shipped beside a faces model.

A DCGAN's discriminator was trained to tell its generator's faces from real ones, so its
score is a cheap, model-specific quality signal: the gallery draws K candidates per tile and
keeps the highest-scoring ones (the DCGAN seeds' "filter out the low-quality candidates").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import model_store, modelfile
from ..core.errors import ModelFileError
from .session import SessionConfig, open_session

BATCH = 64


class Ranker:
    def __init__(self, path: Path, config: SessionConfig = SessionConfig()) -> None:
        meta = modelfile.read_metadata(path)
        if meta.get("role") != "discriminator":
            raise ModelFileError(path, "it is not a discriminator (metadata role is not 'discriminator')")
        self.path = Path(path)
        self.session, self.provider = open_session(path, config)
        inp = self.session.get_inputs()[0]
        self.input_name, self.size = inp.name, inp.shape[2] if isinstance(inp.shape[2], int) else 64

    def scores(self, images: np.ndarray) -> np.ndarray:
        """N x H x W x 3 uint8 -> N logits (higher: the discriminator finds the face more real)."""
        x = images.astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
        out = [self.session.run(None, {self.input_name: x[i:i + BATCH]})[0].reshape(-1)
               for i in range(0, len(x), BATCH)]
        return np.concatenate(out).astype(np.float64)


def ranker_for(model_path: Path, config: SessionConfig = SessionConfig()) -> Ranker | None:
    disc = model_store.discriminator_for(model_path)
    return Ranker(disc, config) if disc is not None else None
