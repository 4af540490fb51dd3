"""Tiny faces generators of the three kinds (CONTRACTS.md, "Faces"), built with torch for tests.

The attribute generator paints horizontal band j of its 64x64 face in a colour chosen by the value
of attribute j (one embedding per attribute, as the cGAN does) over a faint latent pattern, so a
test can see in the pixels which value each attribute got. Its `attributes` metadata is written
straight into `metadata_props` as the exporter writes it, not through the app's own writer.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import onnx

from anime_desktop.core import modelfile
from anime_desktop.core.types import IOConvention

torch = __import__("pytest").importorskip("torch", reason="the tiny generators are built with torch")

LATENT = 16
SIZE = 64
ATTRIBUTES = {"hair": ["black", "brown", "light-brown", "blonde", "green", "red"],
              "eyes": ["blue", "red", "green"],
              "expression": ["neutral", "happy"]}
# The brief's example of a full model's metadata: six attributes, for layout checks.
SIX_ATTRIBUTES = {"hair": ["black", "brown", "light-brown", "blonde", "white", "red", "pink", "blue", "green", "purple",
                           "orange", "grey"],
                  "eyes": ["blue", "green", "brown", "red", "purple", "amber", "dark", "cyan"],
                  "hairstyle": ["short", "medium", "long"], "fringe": ["straight", "swept", "spiky", "parted"],
                  "expression": ["neutral", "happy", "surprised", "angry", "wink"],
                  "accessory": ["none", "ribbon", "clip"]}


def palette(count: int, offset: float = 0.0) -> np.ndarray:
    """count clearly different colours in [-0.8, 0.8] (count x 3)."""
    v = np.arange(count, dtype=np.float32)[:, None] + offset
    return (0.8 * np.cos(v * np.array([2.1, 1.3, 0.7], np.float32) + np.array([0.0, 1.0, 2.0], np.float32)))


def bands(count: int) -> np.ndarray:
    """count x (64*64): row j is 1 on band j of the image's height."""
    rows = np.minimum(np.arange(SIZE) * count // SIZE, count - 1)
    mask = (rows[None, :, None] == np.arange(count)[:, None, None]).astype(np.float32)
    return np.broadcast_to(mask, (count, SIZE, SIZE)).reshape(count, -1).copy()


class _Pattern(torch.nn.Module):
    """latent -> a faint 8x8 pattern brought to 64x64 (N x 3 x 64 x 64)."""

    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.register_buffer("w", torch.randn(LATENT, 3 * 8 * 8, generator=g) * 0.5)

    def forward(self, z):
        small = torch.tanh(z @ self.w).reshape(-1, 3, 8, 8) * 0.25
        return torch.nn.functional.interpolate(small, scale_factor=8.0, mode="nearest")


class AttributeGenerator(torch.nn.Module):
    def __init__(self, counts: list[int]) -> None:
        super().__init__()
        self.pattern = _Pattern()
        for j, count in enumerate(counts):
            self.register_buffer(f"colours{j}", torch.from_numpy(palette(count, offset=j * 0.37)))
        self.register_buffer("mask", torch.from_numpy(bands(len(counts))))
        self.count = len(counts)

    def forward(self, latent, attributes):
        colours = [getattr(self, f"colours{j}")[attributes[:, j]] for j in range(self.count)]  # N x 3 each
        painted = (torch.stack(colours, dim=2) @ self.mask).reshape(-1, 3, SIZE, SIZE)  # N x 3 x A @ A x HW
        return torch.clamp(painted + self.pattern(latent), -1.0, 1.0)


class LabelGenerator(torch.nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.pattern = _Pattern()
        self.register_buffer("colours", torch.from_numpy(palette(classes)))

    def forward(self, latent, label):
        return torch.clamp(self.colours[label][:, :, None, None] + self.pattern(latent), -1.0, 1.0)


class PlainGenerator(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pattern = _Pattern()

    def forward(self, latent):
        return torch.clamp(self.pattern(latent) * 3.0, -1.0, 1.0)


class AttributeScorer(torch.nn.Module):
    """A discriminator that reads the attributes: mean brightness + 0.5 x the sum of the indices."""

    def forward(self, image, attributes):
        return (image.mean(dim=(1, 2, 3)) + 0.5 * attributes.sum(dim=1).float()).reshape(-1, 1)


class ImageScorer(torch.nn.Module):
    """A plain discriminator (image only): the mean of the red channel."""

    def forward(self, image):
        return image[:, 0].mean(dim=(1, 2)).reshape(-1, 1)


def _export(module, args, names: list[str], path: Path, meta: dict, raw: dict | None = None) -> Path:
    axes = {name: {0: "N"} for name in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, str(path), dynamo=False, opset_version=17, input_names=names[:-1],
                          output_names=names[-1:], dynamic_axes=axes)
    proto = onnx.load(str(path))
    modelfile.write_metadata(proto, meta)
    for key, value in (raw or {}).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return path


def _generator_meta(style: str, **io) -> dict:
    return {"family": "dcgan", "task": "latent-to-image", "role": "generator", "style": style, "precision": "fp32",
            "license": "Apache-2.0", **modelfile.metadata_for(IOConvention(latent_dim=LATENT, **io))}


def attribute_model(path: Path, attributes: dict | None = None, scorer: str | None = "attributes") -> Path:
    """NAME.onnx (latent + attributes) and, unless scorer is None, NAME.disc.onnx beside it:
    scorer "attributes" takes image + attributes, "image" the image only."""
    attributes = attributes or ATTRIBUTES
    counts = [len(v) for v in attributes.values()]
    z, rows = torch.randn(2, LATENT), torch.zeros(2, len(counts), dtype=torch.int64)
    _export(AttributeGenerator(counts), (z, rows), ["latent", "attributes", "image"], path,
            _generator_meta("Tiny attributes"), {"attributes": json.dumps(attributes)})
    disc_meta = {"family": "dcgan", "task": "latent-to-image", "role": "discriminator", "precision": "fp32"}
    x = torch.zeros(2, 3, SIZE, SIZE)
    disc = path.with_name(path.stem + ".disc.onnx")
    if scorer == "attributes":
        _export(AttributeScorer(), (x, rows), ["image", "attributes", "score"], disc, disc_meta)
    elif scorer == "image":
        _export(ImageScorer(), (x,), ["image", "score"], disc, disc_meta)
    return path


def label_model(path: Path, classes: int = 4) -> Path:
    """A single-label generator (latent + label, metadata num_classes)."""
    z, labels = torch.randn(2, LATENT), torch.tensor([0, classes - 1])
    return _export(LabelGenerator(classes), (z, labels), ["latent", "label", "image"], path,
                   _generator_meta("Tiny labels", num_classes=classes))


def plain_model(path: Path) -> Path:
    """An unconditional generator (latent only), with our metadata."""
    return _export(PlainGenerator(), (torch.randn(2, LATENT),), ["latent", "image"], path,
                   _generator_meta("Tiny plain"))


def band(image: np.ndarray, j: int, count: int = len(ATTRIBUTES)) -> np.ndarray:
    """The pixels of band j (where attribute j paints) of an H x W x 3 face."""
    rows = np.minimum(np.arange(image.shape[0]) * count // image.shape[0], count - 1)
    return image[rows == j]
