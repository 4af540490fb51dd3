"""Attribute accuracy of a generator, and style share of a stylizer, as judged by a classifier.

Attributes are asked for uniformly and independently (every value as often as every other,
whatever the training data's mix), on latents from seeds no classifier saw, and an attribute
counts only where it can be seen (an eye colour asked of closed eyes is not judged).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..classifier import Classifier, per_attribute_accuracy
from ..procedural_faces import visibility

FIRST_SEED = 10_000  # generated faces are drawn from seeds above every training and held-out render


def uniform_rows(table: dict[str, list[str]], count: int, seed: int = 0) -> np.ndarray:
    """count x A value indices, each column uniform over its values, independent of the others."""
    rng = np.random.default_rng([seed, 0xA77])
    return np.stack([rng.integers(len(values), size=count) for values in table.values()], 1).astype(np.int64)


def attribute_accuracy(classifier: Classifier, generate: Callable[[np.ndarray, np.ndarray], np.ndarray],
                       table: dict[str, list[str]], count: int = 1000, latent_dim: int = 100,
                       seed: int = FIRST_SEED) -> dict[str, float]:
    """Per attribute, how often `generate(latents, rows)` (uint8 NHWC) shows what `rows` asked for.

    The generator's attributes must be the classifier's, by name and value; the accuracy is over
    the faces where the asked-for attribute is visible."""
    mismatch = [n for n in table if n not in classifier.table or list(classifier.table[n]) != list(table[n])]
    if mismatch:
        raise ValueError(f"the classifier does not know the generator's attribute {mismatch[0]!r} with the same "
                         "values; train it on faces labelled like the generator's data")
    rows = uniform_rows(table, count, seed)
    latents = np.stack([np.random.Generator(np.random.PCG64(s)).standard_normal(latent_dim)
                        for s in range(seed, seed + count)]).astype(np.float32)
    images = np.concatenate([generate(latents[i:i + 250], rows[i:i + 250]) for i in range(0, count, 250)])
    columns = [classifier.column(n) for n in table]
    predicted = classifier.predict(images)[:, columns]
    visible = visibility(rows, table, classifier.hidden_when)
    return per_attribute_accuracy(predicted, rows, visible, table)


def style_share(classifier: Classifier, images: np.ndarray, target: str) -> float:
    """Share of images (uint8 NHWC) the classifier puts in `target`, written NAME=VALUE."""
    name, _, value = target.partition("=")
    column, wanted = classifier.column(name), classifier.value(name, value)
    return float((classifier.predict(images)[:, column] == wanted).mean())
