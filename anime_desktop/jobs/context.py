"""What every job receives: the session cache, its own progress/cancel, the provider choice."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from ..core.progress import Progress
from ..engine.cache import ModelCache


@dataclass
class JobContext:
    models: ModelCache
    progress: Progress = field(default_factory=Progress)

    @property
    def provider(self) -> str:
        return self.models.provider


def drive(job, ctx: JobContext, on_step=None):
    """Run a generator job to its end outside the engine thread (the CLI, tests): each yielded
    value goes to `on_step`, the generator's return value is returned."""
    gen: Generator = job(ctx)
    while True:
        try:
            value = next(gen)
        except StopIteration as stop:
            return stop.value
        if on_step is not None:
            on_step(value)
