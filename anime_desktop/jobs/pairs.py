"""Training pairs from any look the app can run: the first stage of a student (`anime-desktop pairs`,
`anime-export build-student`, and the window's "Make a fast copy…").

Qt-free: the teacher is opened through the engine's ModelCache and run with a StylizeRunner, so
an installed ONNX model, a shipped one, `toon` or a path to an .onnx file are all the same to
`core.toon_pairs`, which only sees a callable rgb -> rgb. Progress and Cancel go through a
`Progress`, checked before every render.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core import toon_pairs
from ..core.progress import Progress
from ..diffusion import DreamShaperRun
from ..engine.cache import ModelCache
from ..engine.loader import LoadedModel
from .looks import open_look


@dataclass
class PairsResult:
    teacher: LoadedModel
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def open_teacher(model: str | Path, cache: ModelCache | None = None,
                 dreamshaper: DreamShaperRun | None = None,
                 work_mp: float | None = None) -> tuple[LoadedModel, toon_pairs.Teacher]:
    """The teacher's loaded model (name, licence, ...) and a callable rgb -> rgb that runs it
    (at `work_mp`: None its own working size, as in the app; 0 the photo's size).

    The runner raises for latent generators (they cannot stylize a photo); DreamShaper runs with
    `dreamshaper`'s prompt and seed, the same for every photo, so the pairs show one look.
    """
    loaded, runner = open_look(cache or ModelCache(), str(model), dreamshaper=dreamshaper, work_mp=work_mp)
    return loaded, lambda rgb: runner.run(rgb)


def _at_working_size(plan: toon_pairs.PairPlan, loaded: LoadedModel) -> toon_pairs.PairPlan:
    """The plan with the photos brought to the teacher's working size (unless the plan sets one):
    the teacher then runs on them as they are, and the pairs show the look as the app applies it."""
    return plan if plan.work_mp is not None else replace(plan, work_mp=loaded.info.work_mp)


def render_pairs(sources: list[Path], out_dir: Path, teacher: str | Path,
                 plan: toon_pairs.PairPlan = toon_pairs.PairPlan(), progress: Progress | None = None,
                 cache: ModelCache | None = None, dreamshaper: DreamShaperRun | None = None) -> Iterator[Path | str]:
    """`core.toon_pairs.render_pairs` with `teacher` opened through the engine."""
    loaded, run = open_teacher(teacher, cache, dreamshaper, work_mp=0)
    yield from toon_pairs.render_pairs(sources, out_dir, _at_working_size(plan, loaded), run, progress)


def make_pairs(sources: list[Path], out_dir: Path, teacher: str | Path,
               plan: toon_pairs.PairPlan = toon_pairs.PairPlan(), progress: Progress | None = None,
               cache: ModelCache | None = None, dreamshaper: DreamShaperRun | None = None) -> PairsResult:
    """Render every pair; the result lists what was written and why any photo was skipped."""
    loaded, run = open_teacher(teacher, cache, dreamshaper, work_mp=0)
    result = PairsResult(loaded)
    for item in toon_pairs.render_pairs(sources, out_dir, _at_working_size(plan, loaded), run, progress):
        (result.skipped if isinstance(item, str) else result.written).append(item)
    return result
