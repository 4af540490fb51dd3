"""The engine thread: owns every ONNX Runtime session; the GUI talks to it through signals.

ARCHITECTURE.md convention 2. Two kinds of work:
- a newest-item slot per key for live work (the interactive preview): a new item replaces
  an unprocessed one of the same key, so nothing queues up behind a slow model;
- a FIFO of finite jobs written as generators, advanced one `next()` at a time (an image, a
  tile, a model), so live items run between two steps and Cancel acts within one step.
Work functions receive an `EngineContext` (model cache, progress with cancel) and return
or yield plain data; they never touch widgets. Signals carry only plain data.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from PySide6.QtCore import QThread, Signal

from ..core.errors import AnimeDesktopError, Cancelled
from ..core.progress import Progress
from ..engine.loader import ModelCache
from ..engine.session import SessionConfig


@dataclass
class EngineContext:
    models: ModelCache
    progress: Progress
    provider: str = "auto"


@dataclass
class _Job:
    id: int
    factory: Callable[[EngineContext], Generator]
    progress: Progress
    generator: Generator | None = None
    started: float = field(default_factory=time.perf_counter)


class EngineThread(QThread):
    started_job = Signal(int)
    yielded = Signal(int, object)
    returned = Signal(int, object)
    errored = Signal(int, str)
    finished_job = Signal(int)
    progressed = Signal(int, float, str)

    def __init__(self, provider: str = "auto", parent=None, spinning: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("engine")
        self.provider, self.spinning = provider, spinning
        self.models = ModelCache(capacity=4, config=SessionConfig(provider=provider, spinning=spinning))
        self._cond = threading.Condition()
        self._live: dict[str, tuple[int, Callable[[EngineContext], object]]] = {}
        self._jobs: deque[_Job] = deque()
        self._ids = itertools.count(1)
        self._stopping = False
        self._last_was_live = False

    # --- called from the GUI thread ---------------------------------------------------------
    def submit(self, factory: Callable[[EngineContext], Generator]) -> int:
        """Queue a finite job: `factory(ctx)` returns a generator; its return value is the result."""
        job_id = next(self._ids)
        progress = Progress(on_change=lambda f, m, i=job_id: self.progressed.emit(i, f, m))
        with self._cond:
            self._jobs.append(_Job(job_id, factory, progress))
            self._cond.notify()
        return job_id

    def call(self, fn: Callable[[EngineContext], object]) -> int:
        """Queue a one-step job running `fn(ctx)`."""
        def one_step(ctx):
            yield from ()  # a generator that yields nothing: its first step is its return value
            return fn(ctx)

        return self.submit(one_step)

    def set_live(self, key: str, fn: Callable[[EngineContext], object]) -> int:
        """Run `fn(ctx)` as soon as possible, replacing a not-yet-started item with the same key."""
        job_id = next(self._ids)
        with self._cond:
            replaced = self._live.get(key)
            self._live[key] = (job_id, fn)
            self._cond.notify()
        if replaced:
            self.finished_job.emit(replaced[0])
        return job_id

    def cancel(self, job_id: int) -> None:
        with self._cond:
            for job in self._jobs:
                if job.id == job_id:
                    job.progress.abort()
            self._cond.notify()

    def set_provider(self, provider: str) -> None:
        with self._cond:
            self.provider = provider
            self.models = ModelCache(capacity=4, config=SessionConfig(provider=provider, spinning=self.spinning))

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            for job in self._jobs:
                job.progress.abort()
            self._cond.notify()
        self.wait(10_000)

    # --- the engine thread ------------------------------------------------------------------
    def run(self) -> None:
        while True:
            with self._cond:
                while not (self._live or self._jobs or self._stopping):
                    self._cond.wait()
                if self._stopping:
                    return
                # Live items first, but never twice in a row while jobs wait: a camera feeds the
                # live slot continuously, and a snapshot or a batch must still make progress.
                take_live = self._live and not (self._jobs and self._last_was_live)
                live = self._live.pop(next(iter(self._live))) if take_live else None
                job = self._jobs[0] if live is None else None
                self._last_was_live = live is not None
                ctx = EngineContext(self.models, job.progress if job else Progress(), self.provider)
            if live is not None:
                self._run_live(*live, ctx)
            else:
                self._advance(job, ctx)

    def _run_live(self, job_id: int, fn, ctx: EngineContext) -> None:
        self.started_job.emit(job_id)
        try:
            self.returned.emit(job_id, fn(ctx))
        except Exception as exc:  # noqa: BLE001 - every error reaches the notifier
            self.errored.emit(job_id, _message(exc))
        self.finished_job.emit(job_id)

    def _advance(self, job: _Job, ctx: EngineContext) -> None:
        try:
            if job.generator is None:
                job.progress.check_aborted()
                self.started_job.emit(job.id)
                job.generator = job.factory(ctx)
            self.yielded.emit(job.id, next(job.generator))
            return
        except StopIteration as stop:
            self.returned.emit(job.id, stop.value)
        except Cancelled:
            pass
        except Exception as exc:  # noqa: BLE001
            self.errored.emit(job.id, _message(exc))
        with self._cond:
            if job in self._jobs:
                self._jobs.remove(job)
        self.finished_job.emit(job.id)


def _message(exc: Exception) -> str:
    """One readable line for the user; unexpected errors keep their type for bug reports."""
    if isinstance(exc, AnimeDesktopError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory for this image; lower the size cap or the tile size in Settings"
    last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})" if last else ""
    return f"unexpected {type(exc).__name__}: {exc}{where}"
