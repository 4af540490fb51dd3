"""Attribute classifiers: the judge of "did G draw what it was asked for?" and "does this look anime?".

The source document (000) measures success by a style-classification accuracy; faces you can
direct need the same kind of judge per attribute. A small CNN with one head per attribute is
trained on labelled images, either a face set from `render-faces` (every attribute, with where it
can be seen) or folders, one per class (`--class anime=DIR --class photo=DIR`). Its held-out
accuracy is measured on images it never trained on, and stored with it: a classifier is only
worth its own accuracy.

A classifier must never be trained on the outputs of the model it judges (it would learn that
model's quirks, not the domain), which is why the eval command takes real images to train on and
the model's outputs only to score.
"""

from __future__ import annotations

import json
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import DataError, attribute_table, fit, list_images, read_npz, read_rgb

FORMAT = "anime-desktop-classifier/1"


class AttributeClassifier(nn.Module):
    """Four conv blocks (stride 2), global average pooling, one linear head per attribute.

    The judge uses ReLU; the DCGAN's own AC-GAN classifier (`aux_net=separate`) is the same network
    with LeakyReLU, so that G's gradients through it do not die on negative activations."""

    def __init__(self, sizes: tuple[int, ...], width: int = 32, act: str = "relu") -> None:
        super().__init__()
        from .networks.common import activation

        chans = [3, width, width * 2, width * 4, width * 8]
        layers: list[nn.Module] = []
        for a, b in zip(chans, chans[1:]):
            # stride first: the second convolution runs at half size (a quarter of the cost)
            layers += [nn.Conv2d(a, b, 3, 2, 1, bias=False), nn.BatchNorm2d(b), activation(act),
                       nn.Conv2d(b, b, 3, 1, 1, bias=False), nn.BatchNorm2d(b), activation(act)]
        self.features = nn.Sequential(*layers)
        self.heads = nn.ModuleList(nn.Linear(chans[-1], n) for n in sizes)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        pooled = self.features(images).mean(dim=(2, 3))
        return [head(pooled) for head in self.heads]


@dataclass
class LabelledImages:
    """uint8 NHWC images with their labels (N x A) and where each label can be seen (N x A)."""

    images: np.ndarray
    labels: np.ndarray
    visible: np.ndarray
    table: dict[str, list[str]]
    hidden_when: dict


def from_face_set(path: Path) -> LabelledImages:
    files = sorted(Path(path).glob("*.npz")) if Path(path).is_dir() else [Path(path)]
    if not files:
        raise DataError(f"{path}: no .npz face set here (anime-train render-faces writes one)")
    parts = [read_npz(f, ("images", "attributes")) for f in files]
    table = attribute_table(parts[0], files[0])
    hidden = json.loads(str(parts[0]["hidden_when"])) if "hidden_when" in parts[0] else {}
    return LabelledImages(np.concatenate([p["images"] for p in parts]),
                          np.concatenate([p["attributes"] for p in parts]).astype(np.int64),
                          np.concatenate([p.get("visible", np.ones(p["attributes"].shape, bool)) for p in parts]),
                          table, hidden)


def from_class_folders(classes: list[tuple[str, Path]], attribute: str, size: int,
                       limit: int | None = None) -> LabelledImages:
    """One attribute whose values are the given classes, each a folder of images."""
    images, labels = [], []
    for index, (_, folder) in enumerate(classes):
        for path in list_images(folder)[:limit]:
            rgb = read_rgb(path)
            if rgb is not None:
                images.append(fit(rgb, size, None))
                labels.append(index)
    if not images:
        raise DataError("no readable images in the class folders")
    labels_arr = np.array(labels, np.int64)[:, None]
    return LabelledImages(np.stack(images), labels_arr, np.ones(labels_arr.shape, bool),
                          {attribute: [name for name, _ in classes]}, {})


def split(data: LabelledImages, held_out: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out): every k-th image is held out, so every class is represented."""
    n = len(data.images)
    every = max(2, round(1 / held_out)) if held_out > 0 else n + 1
    held = np.arange(n) % every == every - 1
    return np.flatnonzero(~held), np.flatnonzero(held)


def _batch(images: np.ndarray, size: int, augment: torch.Generator | None) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 127.5 - 1
    if x.shape[-1] != size or x.shape[-2] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    if augment is not None:  # mirror and a small shift: position and handedness are not attributes
        if bool(torch.rand(1, generator=augment) < 0.5):
            x = x.flip(3)
        dy, dx = (int(v) for v in torch.randint(-3, 4, (2,), generator=augment))
        x = torch.roll(x, (dy, dx), dims=(2, 3))
    return x


def train(data: LabelledImages, out: Path, size: int = 64, steps: int = 1500, batch_size: int = 64,
          held_out: float = 0.1, seed: int = 0, width: int = 32, log=print) -> dict:
    """Train, measure held-out accuracy per attribute (where visible), save to `out`; the record."""
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    train_ids, held_ids = split(data, held_out)
    sizes = tuple(len(v) for v in data.table.values())
    net = AttributeClassifier(sizes, width)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=max(steps, 1))
    labels = torch.from_numpy(data.labels)
    visible = torch.from_numpy(data.visible).float()
    start = time.perf_counter()
    for step in range(steps):
        ids = train_ids[torch.randint(len(train_ids), (batch_size,), generator=rng).numpy()]
        logits = net(_batch(data.images[ids], size, rng))
        loss = sum(masked_ce(lg, labels[ids, i], visible[ids, i]) for i, lg in enumerate(logits)) / len(logits)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % max(steps // 10, 1) == 0:
            log(f"step {step + 1}/{steps} | loss {loss.item():.4f} | {time.perf_counter() - start:.0f} s")
    net.eval()
    accuracy = {}
    if len(held_ids):
        predicted = predict(net, data.images[held_ids], size)
        accuracy = per_attribute_accuracy(predicted, data.labels[held_ids], data.visible[held_ids], data.table)
    record = {"format": FORMAT, "attributes": data.table, "hidden_when": data.hidden_when, "size": size,
              "width": width, "held_out_accuracy": accuracy, "held_out_count": int(len(held_ids)),
              "train_count": int(len(train_ids)), "steps": steps, "state_dict": net.state_dict()}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(record, out)
    return record


def masked_ce(logits: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    ce = F.cross_entropy(logits, target, reduction="none")
    return (ce * mask).sum() / mask.sum().clamp_min(1)


@torch.no_grad()
def predict(net: AttributeClassifier, images: np.ndarray, size: int, batch: int = 256) -> np.ndarray:
    """Predicted value index per attribute, N x A."""
    out = []
    for i in range(0, len(images), batch):
        logits = net(_batch(images[i:i + batch], size, None))
        out.append(torch.stack([lg.argmax(1) for lg in logits], 1))
    return torch.cat(out).numpy()


def per_attribute_accuracy(predicted: np.ndarray, wanted: np.ndarray, visible: np.ndarray,
                           table: dict[str, list[str]]) -> dict[str, float]:
    """Share of images, per attribute, that show the wanted value, counting only where it is visible."""
    out = {}
    for i, name in enumerate(table):
        mask = visible[:, i].astype(bool)
        out[name] = float((predicted[mask, i] == wanted[mask, i]).mean()) if mask.any() else float("nan")
    return out


class Classifier:
    """A saved classifier, ready to judge images."""

    def __init__(self, path: Path) -> None:
        try:
            record = torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
            raise DataError(f"{path}: not a classifier file ({type(exc).__name__})") from None
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise DataError(f"{path}: not a classifier written by anime-train classifier")
        self.table: dict[str, list[str]] = record["attributes"]
        self.hidden_when: dict = record.get("hidden_when") or {}
        self.size: int = record["size"]
        self.held_out_accuracy: dict[str, float] = record.get("held_out_accuracy", {})
        self.net = AttributeClassifier(tuple(len(v) for v in self.table.values()), record["width"])
        self.net.load_state_dict(record["state_dict"])
        self.net.eval()

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 NHWC -> value index per attribute, N x A."""
        return predict(self.net, images, self.size)

    def column(self, name: str) -> int:
        if name not in self.table:
            raise DataError(f"this classifier knows {', '.join(self.table)}, not {name!r}")
        return list(self.table).index(name)

    def value(self, name: str, value: str) -> int:
        values = self.table[name] if name in self.table else []
        if value not in values:
            raise DataError(f"{name} has values {', '.join(values) or '(none)'}, not {value!r}")
        return values.index(value)
