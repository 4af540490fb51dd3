"""DreamShaper (Stable Diffusion img2img) through diffusers: the slow, high-fidelity look.

ARCHITECTURE.md door 3: this package is the only part of the app that may import torch, and it
does so only inside `backend`'s functions. `spec` (names, sources, parameters) is pure Python, so
the model list, the CLI's argument parsing and the window can mention DreamShaper without loading
anything; torch and diffusers arrive only when the user runs it.
"""

from .spec import (
    DEFAULT_NEGATIVE,
    DEFAULT_PROMPT,
    DEFAULT_SOURCE,
    NAME,
    SCHEDULERS,
    DiffusionError,
    DreamShaperRun,
    DreamShaperSource,
    Img2ImgParams,
    is_dreamshaper,
    parse_source,
)

__all__ = ["DEFAULT_NEGATIVE", "DEFAULT_PROMPT", "DEFAULT_SOURCE", "NAME", "SCHEDULERS", "DiffusionError",
           "DreamShaperRun", "DreamShaperSource",
           "Img2ImgParams", "is_dreamshaper", "parse_source"]
