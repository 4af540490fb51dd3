"""User-facing errors: each message says what is wrong and with which file, in one line.

The CLI prints `str(error)` and the window shows it in a message bar, so messages are
written for a person, not a developer: no tracebacks, no library jargon where avoidable.
"""

from __future__ import annotations

from pathlib import Path


class AnimeDesktopError(Exception):
    """Base of every error a user may see; `str()` is the one-line message."""


class Cancelled(AnimeDesktopError):
    """Raised by `Progress.check_aborted` when the user asked to stop."""

    def __init__(self, message: str = "cancelled by the user") -> None:
        super().__init__(message)


class _PathError(AnimeDesktopError):
    """An error about one file: keeps the path and the reason apart for reports."""

    what = "file"

    def __init__(self, path: str | Path, reason: str, stage: str = "") -> None:
        self.path = Path(path)
        self.reason = reason
        self.stage = stage  # for batch reports: read, decode, infer or write
        super().__init__(f"{self.path}: {reason}")


class ImageReadError(_PathError):
    """The file could not be decoded as an image (missing, empty, corrupt, not an image)."""


class ImageTooLargeError(ImageReadError):
    """The image is above Pillow's decompression-bomb limit."""


class ImageWriteError(_PathError):
    """An output could not be written (read-only folder, full disk, exists already)."""


class ModelFileError(_PathError):
    """The file is not a usable model (not ONNX, truncated, wrong inputs/outputs)."""


class ModelNotFoundError(AnimeDesktopError):
    """A model name that is neither installed nor a path to an existing file."""


class InferenceError(AnimeDesktopError):
    """The model failed while running on a particular input."""


class AttributeChoiceError(AnimeDesktopError):
    """An attribute (or value) a faces model does not have, or attributes for a model without them."""
