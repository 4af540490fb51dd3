"""`anime-train eval`: compare a folder of generated images with a folder of real ones.

SWD always works. FID, KID and IS (torchmetrics + torch-fidelity) need Inception weights
and LPIPS needs AlexNet weights; where those are not on this machine the metric is reported
as unavailable with what to download, and the others still run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..data import DataError, list_images, read_npz, read_rgb
from .swd import swd

METRICS = ("swd", "fid", "kid", "lpips", "is")


def _npz_images(folder: Path) -> list[np.ndarray] | None:
    """The `images` arrays of a .npz file or of the .npz files in a folder (what render-faces writes
    and DCGAN training reads), or None where there are none."""
    folder = Path(folder)
    files = sorted(folder.glob("*.npz")) if folder.is_dir() else ([folder] if folder.suffix == ".npz" else [])
    if not files:
        return None
    return list(np.concatenate([read_npz(file)["images"] for file in files]))


def load_folder(folder: Path, size: int | None = None, limit: int | None = None) -> torch.Tensor:
    """uint8 NCHW images of one size (the first image's, or `size` square), unreadable ones skipped.

    `folder` may also be a .npz file, or a folder of them, holding `images` (N, H, W, 3)."""
    arrays = _npz_images(folder)
    images = []
    for item in (arrays[:limit] if arrays is not None else list_images(folder)[:limit]):
        rgb = item if arrays is not None else read_rgb(item)
        if rgb is None:
            continue
        if size is None:
            size = rgb.shape[0] if rgb.shape[0] == rgb.shape[1] else None
        if size and rgb.shape[:2] != (size, size):
            rgb = np.asarray(Image.fromarray(rgb).resize((size, size), Image.BICUBIC))
        images.append(rgb)
    if not images:
        raise DataError(f"{folder}: no readable images")
    if len({im.shape for im in images}) > 1:
        raise DataError(f"{folder}: images of different sizes; pass --size to resize them to one square size")
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()


def evaluate(real: torch.Tensor, fake: torch.Tensor, metrics: list[str]) -> dict[str, float | str]:
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {', '.join(METRICS)}")
    results: dict[str, float | str] = {}
    for metric in metrics:
        try:
            results.update(_ONE[metric](real, fake))
        except Exception as exc:  # noqa: BLE001 - a missing weight file must not hide other metrics
            results[metric] = f"unavailable: {_why(exc)}"
    return results


def _swd(real, fake):
    return swd(real.float() / 127.5 - 1, fake.float() / 127.5 - 1)


def _fid(real, fake):
    from torchmetrics.image.fid import FrechetInceptionDistance

    fid = FrechetInceptionDistance(feature=2048)
    fid.update(real, real=True)
    fid.update(fake, real=False)
    return {"fid": float(fid.compute())}


def _kid(real, fake):
    from torchmetrics.image.kid import KernelInceptionDistance

    subset = max(2, min(len(real), len(fake), 1000) // 2)
    kid = KernelInceptionDistance(subset_size=subset)
    kid.update(real, real=True)
    kid.update(fake, real=False)
    mean, std = kid.compute()
    return {"kid": float(mean), "kid_std": float(std)}


def _is(real, fake):
    from torchmetrics.image.inception import InceptionScore

    score = InceptionScore()
    score.update(fake)
    mean, std = score.compute()
    return {"is": float(mean), "is_std": float(std)}


def _lpips(real, fake):
    from torchmetrics.image.lpip import LearnedPerceptualImagePatchSimilarity

    n = min(len(real), len(fake))
    lpips = LearnedPerceptualImagePatchSimilarity(net_type="alex", normalize=True)
    lpips.update(real[:n].float() / 255, fake[:n].float() / 255)  # pairs by sorted file order
    return {"lpips": float(lpips.compute())}


_ONE = {"swd": _swd, "fid": _fid, "kid": _kid, "is": _is, "lpips": _lpips}


def _why(exc: Exception) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if any(word in text.lower() for word in ("url", "download", "connection", "resolve", "urlopen", "network")):
        return ("its pretrained weights are not on this machine and cannot be downloaded here "
                f"(put them in {torch.hub.get_dir()}/checkpoints on a connected machine); {text}")
    return text
