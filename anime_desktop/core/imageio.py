"""Decode any image a user may drop, and write outputs atomically keeping EXIF and ICC.

Decoding turns every mode Pillow knows into upright 8-bit RGB plus an optional alpha plane,
so nothing downstream deals with 16-bit, palette, CMYK or EXIF rotation. Writing goes to a
temporary file beside the target and is renamed into place, so a crash, a cancel or a full
disk never leaves half a picture where a finished one is expected.
"""

from __future__ import annotations

import errno
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from . import tempfiles
from .errors import ImageReadError, ImageTooLargeError, ImageWriteError

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
           ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}
ALPHA_FORMATS = {"PNG", "WEBP", "TIFF"}
READ_EXTENSIONS = frozenset(FORMATS) | {".gif", ".jfif", ".jpe", ".tga", ".ppm", ".pgm", ".pbm", ".ico"}
EXIF_ORIENTATION = 0x0112
# PNG zlib level 1 is ~4x faster than Pillow's default 6 for ~12% larger files at 512 px
# (ENVIRONMENT.md); a batch's throughput is worth more than those bytes.
DEFAULT_PNG_LEVEL = 1


@dataclass
class DecodedImage:
    """An upright 8-bit RGB picture plus what must survive into the output file."""

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    exif: bytes | None = None
    icc: bytes | None = None
    source_mode: str = "RGB"

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), as Pillow and users say it."""
        return self.rgb.shape[1], self.rgb.shape[0]


def load_image(path: str | Path) -> DecodedImage:
    """Decode `path`; every failure becomes an ImageReadError naming the file and the reason."""
    path = Path(path)
    image = _open(path)
    icc, mode = image.info.get("icc_profile") or None, image.mode
    try:
        ImageOps.exif_transpose(image, in_place=True)  # in place: no second full-size copy
    except Exception as exc:  # broken EXIF blocks only; the pixels are still good
        warnings.warn(f"{path}: ignoring unreadable EXIF orientation ({exc})", stacklevel=2)
    rgb, alpha = to_rgb_alpha(image)
    return DecodedImage(rgb=rgb, alpha=alpha, exif=_exif_bytes(image), icc=icc, source_mode=mode)


def _open(path: Path) -> Image.Image:
    try:
        if path.stat().st_size == 0:
            raise ImageReadError(path, "the file is empty (0 bytes)", "decode")
    except FileNotFoundError:
        raise ImageReadError(path, "no such file", "read") from None
    except PermissionError:
        raise ImageReadError(path, "permission denied", "read") from None
    if path.is_dir():
        raise ImageReadError(path, "is a folder, not an image file", "read")
    with warnings.catch_warnings():
        # Above MAX_IMAGE_PIXELS Pillow only warns; a desktop app must refuse before it
        # allocates gigabytes, so the warning is promoted to the same error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLargeError(path, f"too large to open safely ({exc})", "decode") from None
        except UnidentifiedImageError:
            raise ImageReadError(path, "not an image file, or a format that cannot be read", "decode") from None
        except PermissionError:
            raise ImageReadError(path, "permission denied", "read") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageReadError(path, f"the image data is corrupt or truncated ({exc})", "decode") from None
    return image


def to_rgb_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """8-bit RGB and alpha (None when fully opaque) from any Pillow mode."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        grey = _high_depth_to_uint8(np.asarray(image), mode)
        return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2)), None
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"))
        alpha = rgba[..., 3]
        return np.ascontiguousarray(rgba[..., :3]), (None if alpha.min() == 255 else alpha.copy())
    rgb_image = image if mode == "RGB" else image.convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb_image)), None


def _high_depth_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """Scale 16-bit (0..65535) or float (0..1) greys to 0..255 rather than clipping them."""
    values = values.astype(np.float64)
    if mode == "F":
        scale = 255.0 if values.max(initial=0) <= 1.0 else 1.0
    else:
        scale = 255.0 / 65535.0 if (mode.startswith("I;16") or values.max(initial=0) > 255) else 1.0
    return np.clip(np.rint(values * scale), 0, 255).astype(np.uint8)


def _exif_bytes(image: Image.Image) -> bytes | None:
    exif = image.getexif()
    if not len(exif):
        return None
    if EXIF_ORIENTATION in exif:
        exif[EXIF_ORIENTATION] = 1  # pixels are upright now; a stale tag would rotate them twice
    return exif.tobytes()


def output_format(path: str | Path, fmt: str | None = None) -> str:
    """Pillow format name for `path` (or an explicit png/jpg/webp), refusing unknown ones."""
    key = "." + fmt.lower().lstrip(".") if fmt else Path(path).suffix.lower()
    if key not in FORMATS:
        raise ImageWriteError(path, f"cannot write '{key}' files; use one of png, jpg, webp, bmp, tif")
    return FORMATS[key]


def save_image(path: str | Path, rgb: np.ndarray, *, alpha: np.ndarray | None = None,
               exif: bytes | None = None, icc: bytes | None = None, fmt: str | None = None,
               quality: int = 95, png_level: int = DEFAULT_PNG_LEVEL, overwrite: bool = False) -> Path:
    """Encode and write atomically; refuses to replace an existing file unless `overwrite`."""
    path = Path(path)
    pil_format = output_format(path, fmt)
    image = _compose(rgb, alpha, pil_format)
    params = _save_params(pil_format, quality, png_level, exif, icc)
    return _atomic_write(path, lambda fh: image.save(fh, format=pil_format, **params), overwrite)


def _atomic_write(path: Path, write, overwrite: bool) -> Path:
    """Write through `write(file)` into a temporary file beside `path`, then move it into place.

    The temporary file follows the one pattern of `tempfiles`, so a run killed mid-write
    leaves a file the next run's sweep recognises and removes.
    """
    try:
        with tempfiles.PartFile(path) as part:
            with open(part.path, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            part.publish(overwrite)
    except OSError as exc:
        raise ImageWriteError(path, write_reason(exc), "write") from None
    return path


def _compose(rgb: np.ndarray, alpha: np.ndarray | None, pil_format: str) -> Image.Image:
    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    if alpha is None:
        return image
    if pil_format in ALPHA_FORMATS:
        image.putalpha(Image.fromarray(alpha, "L"))
        return image
    # No alpha channel in the format: composite over white, as viewers show transparency.
    white = Image.new("RGB", image.size, (255, 255, 255))
    return Image.composite(image, white, Image.fromarray(alpha, "L"))


def _save_params(pil_format: str, quality: int, png_level: int, exif: bytes | None,
                 icc: bytes | None) -> dict:
    params: dict = {}
    if icc and pil_format in ("PNG", "JPEG", "WEBP", "TIFF"):
        params["icc_profile"] = icc
    if exif and pil_format in ("PNG", "JPEG", "WEBP", "TIFF"):
        params["exif"] = exif
    if pil_format == "PNG":
        params["compress_level"] = png_level
    elif pil_format == "JPEG":
        params.update(quality=quality, subsampling=0 if quality >= 90 else 2)
    elif pil_format == "WEBP":
        params.update(quality=quality, method=4)
    return params


def write_reason(exc: OSError) -> str:
    """A person's words for why a write failed."""
    if isinstance(exc, FileExistsError):
        return "exists already and was not overwritten"
    if exc.errno == errno.ENOSPC:
        return "the disk is full; nothing was written"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "cannot write to this folder (read-only or no permission)"
    if exc.errno == errno.ENOENT:
        return "the folder does not exist"
    if exc.errno == errno.ENOTDIR:
        return "a file is in the way where the output folder should be"
    return f"could not be written ({exc.strerror or exc})"


def save_animation(path: str | Path, frames: list[np.ndarray], duration_ms: int = 100,
                   overwrite: bool = False) -> Path:
    """An animated GIF, written atomically like every other output."""
    path = Path(path)
    images = [Image.fromarray(np.ascontiguousarray(f, dtype=np.uint8), "RGB") for f in frames]
    return _atomic_write(path, lambda fh: images[0].save(fh, format="GIF", save_all=True, append_images=images[1:],
                                                         duration=duration_ms, loop=0, optimize=False), overwrite)
