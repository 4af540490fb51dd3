"""Open any look by name as something with `run(rgb, progress)`: an ONNX model, `toon`, or DreamShaper.

Stylize, Compare, the CLI and the pairs renderer all go through here, so DreamShaper is one more
name to them; what differs (its prompt and steps) travels in a `DreamShaperRun`, and the ONNX
looks ignore it.
"""

from __future__ import annotations

from .. import diffusion
from ..engine.cache import ModelCache
from ..engine.runners import DEFAULT_TILE_MP, StylizeRunner


def open_look(models: ModelCache, model: str, tile_mp: float = DEFAULT_TILE_MP,
              dreamshaper: diffusion.DreamShaperRun | None = None, progress=None, work_mp: float | None = None):
    """(loaded, runner): `loaded.info` / `loaded.provider` describe it, `runner.run(rgb, progress)` runs it.

    `work_mp` (None: the model's own, 0: the photo's size) does not apply to DreamShaper, whose
    working size is its own `max_side`."""
    if diffusion.is_dreamshaper(model):
        from ..diffusion.backend import DiffusionRunner

        run = dreamshaper or diffusion.DreamShaperRun()
        loaded = models.diffusion(run.source(str(model)), progress)
        return loaded, DiffusionRunner(loaded, run.params)
    loaded = models.get(model)
    return loaded, StylizeRunner(loaded, tile_mp, work_mp)
