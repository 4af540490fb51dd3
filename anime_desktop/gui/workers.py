"""The engine thread: owns every ONNX Runtime session; each job answers on its own handle.

ARCHITECTURE.md convention 2. Two kinds of work:
- a newest-item slot per key for live work (camera frames, the interactive restyle): a new
  item replaces an unprocessed one of the same key, so nothing queues up behind a slow model;
- a FIFO of finite jobs written as generators, advanced one `next()` at a time (an image, a
  tile, a model), so live items run between two steps and Cancel acts within one step.

`submit`, `call` and `set_live` return a `JobHandle` whose signals (started, yielded,
returned, errored, finished, progressed) only the code that submitted the job hears; nothing
is broadcast and no reply carries an id. The engine thread never emits a handle's signals
itself: it posts (handle, what, value) through one internal signal to the GUI thread, which
emits them there, so a slot of any kind (method or lambda) runs on the GUI thread. Errors
also reach `errors`, the one notifier the window shows (convention 3).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal

from ..core.errors import AnimeDesktopError, Cancelled
from ..core.progress import Progress
from ..engine.cache import ModelCache
from ..engine.session import SessionConfig
from ..jobs.context import JobContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobError:
    """What the user reads (`message`) and what "Copy details" copies (`details`)."""

    message: str
    details: str
    kind: str = ""  # the exception's class name, for the few errors a view answers (NotDownloaded)


class JobHandle(QObject):
    """One job's replies. Connect where the job is submitted; signals fire on the GUI thread."""

    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)  # JobError
    finished = Signal()  # always last: after returned, errored, a cancel or a replaced live item
    progressed = Signal(float, str)

    def __init__(self, engine: EngineThread) -> None:
        super().__init__()
        if QThread.currentThread() != engine.thread():
            self.moveToThread(engine.thread())  # made on a capture thread: belong to the GUI's like the rest
        self._engine = engine
        self.progress = Progress(on_change=lambda f, m: engine._post(self, "progressed", (f, m)))
        self.done = False

    def cancel(self) -> None:
        """Stop at the next step (a finite job) or drop it if it has not started (a live item)."""
        self.progress.abort()
        self._engine._wake()


@dataclass
class _Job:
    handle: JobHandle
    factory: Callable[[JobContext], Generator]
    generator: Generator | None = None
    started: float = field(default_factory=time.perf_counter)


class EngineThread(QThread):
    errors = Signal(object)  # every JobError, for the window's one notifier
    _deliver = Signal(object, str, object)  # internal: (handle, signal name, value) to the GUI thread

    def __init__(self, provider: str = "auto", parent=None, spinning: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("engine")
        self.models = ModelCache(capacity=6, config=SessionConfig(provider=provider, spinning=spinning))
        self._cond = threading.Condition()
        self._live: dict[str, tuple[JobHandle, Callable[[JobContext], object]]] = {}
        self._jobs: deque[_Job] = deque()
        self._active: set[JobHandle] = set()  # keeps handles alive until `finished`
        self._stopping = False
        self._last_was_live = False
        self._deliver.connect(self._dispatch)

    @property
    def provider(self) -> str:
        return self.models.provider

    # --- called from the GUI thread (set_live also from a capture thread) ---------------------
    def submit(self, factory: Callable[[JobContext], Generator]) -> JobHandle:
        """Queue a finite job: `factory(ctx)` returns a generator; its return value is the result."""
        handle = JobHandle(self)
        with self._cond:
            self._active.add(handle)
            self._jobs.append(_Job(handle, factory))
            self._cond.notify()
        return handle

    def call(self, fn: Callable[[JobContext], object]) -> JobHandle:
        """Queue a one-step job running `fn(ctx)`."""
        def one_step(ctx):
            yield from ()  # a generator that yields nothing: its first step is its return value
            return fn(ctx)

        return self.submit(one_step)

    def set_live(self, key: str, fn: Callable[[JobContext], object],
                 wire: Callable[[JobHandle], None] | None = None) -> JobHandle:
        """Run `fn(ctx)` as soon as possible, replacing a not-yet-started item with the same key
        (the replaced item's handle gets `finished` without a result). From a thread other than
        the GUI's (a camera's capture thread), pass `wire` to connect the handle's signals before
        the item can run; connecting after this returns could miss a fast reply."""
        handle = JobHandle(self)
        if wire is not None:
            wire(handle)
        with self._cond:
            self._active.add(handle)
            replaced = self._live.get(key)
            self._live[key] = (handle, fn)
            self._cond.notify()
        if replaced:
            self._post(replaced[0], "finished", None)
        return handle

    def set_provider(self, provider: str) -> None:
        """Every session is reopened on `provider` when next used (the cache's generation bumps)."""
        self.models.set_provider(provider)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            for job in self._jobs:
                job.handle.progress.abort()
            self._cond.notify()
        self.wait(10_000)

    def pending(self) -> int:
        """Handles not yet finished (tests: nothing is left behind)."""
        return len(self._active)

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def _post(self, handle: JobHandle, what: str, value) -> None:
        self._deliver.emit(handle, what, value)

    def _dispatch(self, handle: JobHandle, what: str, value) -> None:
        """GUI thread: emit the handle's own signal."""
        if handle.done:
            return
        if what == "progressed":
            handle.progressed.emit(*value)
        elif what == "started":
            handle.started.emit()
        elif what == "finished":
            handle.done = True
            self._active.discard(handle)
            handle.finished.emit()
        else:
            getattr(handle, what).emit(value)
            if what == "errored":
                self.errors.emit(value)

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
            if live is not None:
                self._run_live(*live)
            else:
                self._advance(job)

    def _run_live(self, handle: JobHandle, fn) -> None:
        if not handle.progress.aborted:
            self._post(handle, "started", None)
            try:
                self._post(handle, "returned", fn(JobContext(self.models, handle.progress)))
            except Cancelled:
                pass
            except Exception as exc:  # noqa: BLE001 - every error reaches the notifier
                self._post(handle, "errored", job_error(exc))
        self._post(handle, "finished", None)

    def _advance(self, job: _Job) -> None:
        handle = job.handle
        try:
            if job.generator is None:
                handle.progress.check_aborted()
                self._post(handle, "started", None)
                job.generator = job.factory(JobContext(self.models, handle.progress))
            handle.progress.check_aborted()
            self._post(handle, "yielded", next(job.generator))
            return
        except StopIteration as stop:
            self._post(handle, "returned", stop.value)
        except Cancelled:
            pass
        except Exception as exc:  # noqa: BLE001
            self._post(handle, "errored", job_error(exc))
        if job.generator is not None:
            job.generator.close()  # a job cancelled between steps runs its `finally` now: temp files go
        with self._cond:
            if job in self._jobs:
                self._jobs.remove(job)
        self._post(handle, "finished", None)


def job_error(exc: BaseException) -> JobError:
    """One readable line for the user, the traceback for "Copy details" and the log file."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, AnimeDesktopError):
        message = str(exc)
        log.warning("%s", message)
    elif isinstance(exc, MemoryError):
        message = "not enough memory for this image; lower the size cap or the tile size in Settings"
        log.error("%s\n%s", message, details)
    else:
        last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})" if last else ""
        message = f"something went wrong{where}: {exc}. Help → Open log folder has the details for a bug report"
        log.error("unexpected error in a job\n%s", details)
    return JobError(message, details, type(exc).__name__)
