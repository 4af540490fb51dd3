"""Scoring generated faces with the discriminator shipped beside a faces model.

A DCGAN's discriminator was trained to tell its generator's faces from real ones, so its
score is a cheap, model-specific quality signal: the gallery draws K candidates per tile and
keeps the highest-scoring ones (the DCGAN seeds' "filter out the low-quality candidates").
An attribute model's discriminator may also take the `attributes` rows (int64 [N, A]): it then
scores each face against the attributes it was drawn with, as a conditional GAN's D does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import attributes as attrs
from ..core import model_store, modelfile
from ..core.errors import AttributeChoiceError, ModelFileError
from .session import SessionConfig, open_session

BATCH = 64


class Ranker:
    def __init__(self, path: Path, config: SessionConfig = SessionConfig()) -> None:
        meta = modelfile.read_metadata(path)
        if meta.get("role") != "discriminator":
            raise ModelFileError(path, "it is not a discriminator (metadata role is not 'discriminator')")
        self.path = Path(path)
        self.session, self.provider = open_session(path, config)
        inputs = self.session.get_inputs()
        inp = next(i for i in inputs if i.name != attrs.INPUT_NAME)
        self.input_name, self.size = inp.name, inp.shape[2] if isinstance(inp.shape[2], int) else 64
        self.takes_attributes = any(i.name == attrs.INPUT_NAME for i in inputs)

    def scores(self, images: np.ndarray, attributes: np.ndarray | None = None) -> np.ndarray:
        """N x H x W x 3 uint8 -> N logits (higher: the discriminator finds the face more real).

        `attributes`: the N x A rows the faces were generated with; fed when this discriminator has
        an `attributes` input, unused otherwise.
        """
        x = images.astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
        rows = self._rows(attributes, len(x))
        out = []
        for i in range(0, len(x), BATCH):
            feed = {self.input_name: x[i:i + BATCH]}
            if rows is not None:
                feed[attrs.INPUT_NAME] = rows[i:i + BATCH]
            out.append(self.session.run(None, feed)[0].reshape(-1))
        return np.concatenate(out).astype(np.float64)

    def _rows(self, attributes, n: int) -> np.ndarray | None:
        if not self.takes_attributes:
            return None
        if attributes is None:
            raise AttributeChoiceError(f"{self.path.name} scores faces with their attributes, and none were given")
        rows = np.ascontiguousarray(np.asarray(attributes, np.int64))
        if rows.ndim != 2 or len(rows) != n:
            raise AttributeChoiceError(f"{self.path.name} needs one attribute row per face, got shape {rows.shape}")
        return rows


def ranker_for(model_path: Path, config: SessionConfig = SessionConfig()) -> Ranker | None:
    disc = model_store.discriminator_for(model_path)
    return Ranker(disc, config) if disc is not None else None
