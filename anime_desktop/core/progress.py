"""Progress and cancel as plain Python (ARCHITECTURE.md convention 1).

Core functions take a `Progress`, report through it and call `check_aborted()` once per
image, tile or frame. The CLI drives a terminal bar from it; the window's worker turns it
into Qt signals. Nothing here knows about either.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import Cancelled


class Progress:
    """A fraction in [0, 1] plus a cancel flag, shareable across threads.

    `sub_progress(start, span)` gives a child whose 0..1 maps onto `start..start+span` of the
    parent, so a tiled image inside a batch reports smoothly without knowing the batch.
    """

    def __init__(self, on_change: Callable[[float, str], None] | None = None,
                 cancel_event: threading.Event | None = None) -> None:
        self._on_change = on_change
        self._cancel = cancel_event or threading.Event()
        self.fraction = 0.0
        self.message = ""

    @property
    def aborted(self) -> bool:
        return self._cancel.is_set()

    def abort(self) -> None:
        self._cancel.set()

    def check_aborted(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        self.message = message or self.message
        if self._on_change is not None:
            self._on_change(self.fraction, self.message)

    def sub_progress(self, start: float, span: float) -> Progress:
        parent = self

        def relay(fraction: float, message: str) -> None:
            parent.set_progress(start + span * fraction, message)

        return Progress(on_change=relay, cancel_event=self._cancel)


def null_progress() -> Progress:
    """A Progress nobody listens to, for callers that do not care."""
    return Progress()


def format_eta(seconds: float) -> str:
    """m:ss under an hour, h:mm:ss above: the window and the terminal bar show the same text."""
    total = max(0, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
