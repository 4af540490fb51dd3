"""Training data: folders of images (unpaired, paired A|B or A/ B/, faces or .npz arrays).

Datasets hold decoded uint8 images in memory after first use (the shared datasets are a
few hundred MB at most) and draw batches with a `torch.Generator` whose state is saved in
checkpoints, so a resumed run sees exactly the batches an uninterrupted run would.
Every folder problem is found before training starts and reported in one sentence.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)
EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
UNPAIRED_LAYOUTS = (("real_images", "anime_images"), ("trainA", "trainB"))


class DataError(ValueError):
    """A data folder cannot be used; the message says which and why."""


def list_images(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in EXTENSIONS and not p.name.startswith("."))
    if not files:
        raise DataError(f"{folder}: no images in this folder ({', '.join(sorted(EXTENSIONS))})")
    return files


def read_rgb(path: Path) -> np.ndarray | None:
    """uint8 RGB, or None (with a warning) for a file that cannot be decoded."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        log.warning("skipping unreadable image %s (%s)", path, exc)
        return None


def to_tensor(images: list[np.ndarray]) -> torch.Tensor:
    """uint8 HWC list -> float NCHW in [-1, 1]."""
    batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    return batch / 127.5 - 1.0


def short_side(image: np.ndarray, size: int, crop_scale: float = 1.0) -> np.ndarray:
    """The image with its short side at size*crop_scale (at least size), bicubic: what `fit` crops
    from. A second call on its result returns that result unchanged."""
    h, w = image.shape[:2]
    short = max(size, round(size * crop_scale))
    if min(h, w) == short:
        return image
    scale = short / min(h, w)
    pil = Image.fromarray(image).resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BICUBIC)
    return np.asarray(pil)


def fit(image: np.ndarray, size: int, rng: torch.Generator | None, crop_scale: float = 1.0) -> np.ndarray:
    """Resize the short side to size*crop_scale, crop size x size (random with rng, else centre), flip."""
    image = short_side(image, size, crop_scale)
    h, w = image.shape[:2]
    if rng is None:
        y, x = (h - size) // 2, (w - size) // 2
    else:
        y = int(torch.randint(0, h - size + 1, (1,), generator=rng))
        x = int(torch.randint(0, w - size + 1, (1,), generator=rng))
    out = image[y:y + size, x:x + size]
    if rng is not None and bool(torch.rand(1, generator=rng) < 0.5):
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


class ImageSet:
    """Lazily decoded, cached images from a list of files; unreadable ones are skipped.

    `prepare`, when given, is applied once to each decoded image and its result is what is cached
    (a data set that always resizes its images the same way resizes each one once, not every step).
    """

    def __init__(self, files: list[Path], prepare: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.files = list(files)
        self.prepare = prepare
        self.cache: dict[int, np.ndarray | None] = {}

    def __len__(self) -> int:
        return len(self.files)

    def get(self, index: int) -> np.ndarray:
        """Image `index`, or the next readable one (deterministic, so resume stays exact)."""
        for offset in range(len(self.files)):
            i = (index + offset) % len(self.files)
            if i not in self.cache:
                image = read_rgb(self.files[i])
                self.cache[i] = self.prepare(image) if image is not None and self.prepare else image
            if self.cache[i] is not None:
                return self.cache[i]
        raise DataError(f"none of the {len(self.files)} images in {self.files[0].parent} can be read")


def draw(count: int, size: int, rng: torch.Generator) -> list[int]:
    """`size` random indices in [0, count); a data set smaller than a batch is used whole."""
    if count < size:
        return list(range(count))
    return torch.randint(0, count, (size,), generator=rng).tolist()


class UnpairedData:
    """Photos and style images (AnimeGAN, CartoonGAN), with optional pre-smoothed style images."""

    def __init__(self, root: Path, image_size: int) -> None:
        root = Path(root)
        for photos, styles in UNPAIRED_LAYOUTS:
            if (root / photos).is_dir() and (root / styles).is_dir():
                break
        else:
            raise DataError(f"{root}: expected sub-folders real_images/ + anime_images/ (or trainA/ + trainB/)")
        # Every image is only ever used through fit(image, image_size): keep it resized once, so a step
        # crops a small array instead of resampling the full picture (and memory holds the small copy).
        prepare = partial(short_side, size=image_size)
        self.photos = ImageSet(list_images(root / photos), prepare)
        self.styles = ImageSet(list_images(root / styles), prepare)
        smooth = root / "smooth"
        self.smooth = ImageSet(list_images(smooth), prepare) if smooth.is_dir() else None
        if self.smooth is not None and len(self.smooth) != len(self.styles):
            raise DataError(f"{smooth}: {len(self.smooth)} images but {len(self.styles)} style images")
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self.photos)

    def batch(self, size: int, rng: torch.Generator, smooth_fn=None) -> dict[str, torch.Tensor]:
        photos = [fit(self.photos.get(i), self.image_size, rng) for i in draw(len(self.photos), size, rng)]
        style_ids = draw(len(self.styles), len(photos), rng)
        styles, smoothed = [], []
        for i in style_ids:
            state = rng.get_state()
            styles.append(fit(self.styles.get(i), self.image_size, rng))
            if self.smooth is not None:
                rng.set_state(state)  # same crop and flip for the smoothed twin
                smoothed.append(fit(self.smooth.get(i), self.image_size, rng))
            elif smooth_fn is not None:
                smoothed.append(smooth_fn(styles[-1]))
        out = {"photo": to_tensor(photos), "style": to_tensor(styles)}
        if smoothed:
            out["smooth"] = to_tensor(smoothed)
        return out


class PairedData:
    """Pix2Pix pairs: A|B side by side in one folder, or A/ and B/ with matching names."""

    def __init__(self, root: Path, image_size: int, direction: str = "AtoB", split: str = "train") -> None:
        if direction not in ("AtoB", "BtoA"):
            raise DataError(f"direction must be AtoB or BtoA, not {direction!r}")
        folder = self._split_folder(Path(root), split)
        self.side_by_side = not ((folder / "A").is_dir() and (folder / "B").is_dir())
        if self.side_by_side:
            self.a = ImageSet(list_images(folder))
            self.b = None
        else:
            a, b = list_images(folder / "A"), list_images(folder / "B")
            missing = sorted({p.stem for p in a} ^ {p.stem for p in b})
            if missing:
                raise DataError(f"{folder}: A/ and B/ do not pair up; unmatched names: {', '.join(missing[:5])}")
            self.a, self.b = ImageSet(a), ImageSet(b)
        self.folder, self.image_size, self.reverse = folder, image_size, direction == "BtoA"

    @staticmethod
    def _split_folder(root: Path, split: str) -> Path:
        if not root.is_dir():
            raise DataError(f"{root}: no such folder")
        for name in ([split] if split == "train" else [split, "val", "test"]):
            if (root / name).is_dir():
                return root / name
        return root

    def __len__(self) -> int:
        return len(self.a)

    def pair(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if self.side_by_side:
            ab = self.a.get(index)
            if ab.shape[1] % 2:
                raise DataError(f"{self.a.files[index]}: width {ab.shape[1]} is odd; A|B pairs are two equal halves")
            half = ab.shape[1] // 2
            a, b = ab[:, :half], ab[:, half:]
        else:
            a, b = self.a.get(index), self.b.get(index)
        return (b, a) if self.reverse else (a, b)

    def batch(self, size: int, rng: torch.Generator | None) -> dict[str, torch.Tensor]:
        ids = draw(len(self), size, rng) if rng is not None else list(range(min(size, len(self))))
        sources, targets = [], []
        for i in ids:
            a, b = self.pair(i)
            state = rng.get_state() if rng is not None else None
            sources.append(fit(a, self.image_size, rng, 1.12 if rng is not None else 1.0))
            if rng is not None:
                rng.set_state(state)  # identical crop and flip on both halves
            targets.append(fit(b, self.image_size, rng, 1.12 if rng is not None else 1.0))
        return {"source": to_tensor(sources), "target": to_tensor(targets)}


def read_npz(path: Path, keys: tuple[str, ...] = ("images",)) -> dict[str, np.ndarray]:
    """The named arrays of a face-set .npz (what render-faces writes), or a DataError that says
    what is wrong: numpy's own message for a corrupt file talks about pickles."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in keys if k not in data]
            if missing:
                raise DataError(f"{path}: no `{missing[0]}` array (images: N, H, W, 3 uint8; labels: N ints)")
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: not a readable .npz file ({type(exc).__name__})") from None


class FaceData:
    """Faces for DCGAN: a folder of images, or .npz files holding `images` (N, H, W, 3) uint8.

    `crop="random"` takes a random crop and flip of each resized face; `"center"` the centre crop
    alone, the report's torchvision Resize + CenterCrop (source 004), for sets whose faces are
    already aligned, where shifting them only teaches G to misplace features.
    """

    def __init__(self, root: Path, image_size: int = 64, labels: bool = False, crop: str = "random",
                 attributes: list[str] | None = None) -> None:
        if crop not in ("random", "center"):
            raise DataError(f"crop must be random or center, not {crop!r}")
        self.crop = crop
        root = Path(root)
        arrays = sorted(root.glob("*.npz")) if root.is_dir() else ([root] if root.suffix == ".npz" else [])
        self.labels = self.attributes = self.visible = None
        if attributes and not arrays:
            raise DataError(f"{root}: attribute training needs .npz files with `images` and `attributes` "
                            "(anime-train render-faces writes them)")
        if arrays:
            loaded = [read_npz(p) for p in arrays]
            self.images = np.concatenate([d["images"] for d in loaded])
            if attributes:
                columns = [attribute_columns(d, p, attributes) for d, p in zip(loaded, arrays)]
                self.attributes = np.concatenate([d["attributes"][:, c] for d, c in zip(loaded, columns)])
                self.visible = np.concatenate([d["visible"][:, c] for d, c in zip(loaded, columns)])
            if labels:
                if any("labels" not in d for d in loaded):
                    raise DataError(f"{root}: a conditional model needs a `labels` array in every .npz")
                self.labels = np.concatenate([d["labels"] for d in loaded]).astype(np.int64)
            self.files = None
        else:
            self.files = ImageSet(list_images(root))
            self.images = None
            if labels:
                raise DataError(f"{root}: conditional training needs .npz files with `images` and `labels`")
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self.images) if self.images is not None else len(self.files)

    def batch(self, size: int, rng: torch.Generator) -> dict[str, torch.Tensor]:
        ids = draw(len(self), size, rng)
        get = (lambda i: self.images[i]) if self.images is not None else self.files.get
        crop_rng = rng if self.crop == "random" else None
        out = {"image": to_tensor([fit(get(i), self.image_size, crop_rng) for i in ids])}
        if self.labels is not None:
            out["label"] = torch.from_numpy(self.labels[ids])
        if self.attributes is not None:
            out["attributes"] = torch.from_numpy(self.attributes[ids].astype(np.int64))
            out["visible"] = torch.from_numpy(self.visible[ids])
        return out


def attribute_table(data: dict[str, np.ndarray], path: Path) -> dict[str, list[str]]:
    """The attribute table (name -> value names, in column order) a labelled face set carries."""
    import json

    if "attributes" not in data or "attribute_names" not in data:
        raise DataError(f"{path}: no attribute labels (`attributes`, `attribute_names`); render the set again "
                        "with this version's anime-train render-faces")
    try:
        table = json.loads(str(data["attribute_names"]))
    except ValueError:
        raise DataError(f"{path}: `attribute_names` is not JSON") from None
    return {str(k): [str(v) for v in values] for k, values in table.items()}


def attribute_columns(data: dict[str, np.ndarray], path: Path, names: list[str]) -> list[int]:
    """Column of each wanted attribute in a labelled set, or a DataError naming what is missing."""
    have = list(attribute_table(data, path))
    missing = [n for n in names if n not in have]
    if missing:
        raise DataError(f"{path}: no attribute {missing[0]!r}; this set has {', '.join(have)}")
    if "visible" not in data:
        data["visible"] = np.ones(data["attributes"].shape, bool)
    return [have.index(n) for n in names]


class PairedCrops(PairedData):
    """Pairs cropped at their own scale, with flips and quarter turns applied to both halves.

    Unlike Pix2Pix's resize-then-crop, nothing is resampled: a target rendered by a pixel-scale
    process (the toon teacher) only stays a function of its source if both keep their pixels.
    Scale and colour augmentation therefore happen before the pairs are rendered.
    """

    def batch(self, size: int, rng: torch.Generator | None) -> dict[str, torch.Tensor]:
        ids = draw(len(self), size, rng) if rng is not None else list(range(min(size, len(self))))
        sources, targets = [], []
        for i in ids:
            a, b = self.pair(i)
            if a.shape != b.shape:
                raise DataError(f"{self.folder}: pair {i} has a source of {a.shape[1]}x{a.shape[0]} and a target "
                                f"of {b.shape[1]}x{b.shape[0]}; paired crops need equal sizes")
            a, b = self._crop(a, b, rng)
            sources.append(a)
            targets.append(b)
        return {"source": to_tensor(sources), "target": to_tensor(targets)}

    def _crop(self, a: np.ndarray, b: np.ndarray, rng: torch.Generator | None):
        size = self.image_size
        h, w = a.shape[:2]
        if min(h, w) < size:  # too small to crop: scale both up (rare; only for tiny data sets)
            a, b = fit(a, size, None), fit(b, size, None)
            h, w = a.shape[:2]
        if rng is None:
            y, x, flip, turns = (h - size) // 2, (w - size) // 2, False, 0
        else:
            y = int(torch.randint(0, h - size + 1, (1,), generator=rng))
            x = int(torch.randint(0, w - size + 1, (1,), generator=rng))
            flip = bool(torch.rand(1, generator=rng) < 0.5)
            turns = int(torch.randint(0, 4, (1,), generator=rng))
        out = []
        for image in (a, b):
            crop = image[y:y + size, x:x + size]
            if flip:
                crop = crop[:, ::-1]
            out.append(np.ascontiguousarray(np.rot90(crop, turns)))
        return out
