"""The classical looks: renderers made of OpenCV/numpy steps, each under a reserved model name.

They are looks in their own right and the teachers of the shipped students (`toon` of
`toon-default`, `cel` of `cel-default`). One table here, so the engine, the catalogue, the model
store's reserved names and the previews all know the same set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import cel, toon


@dataclass(frozen=True)
class ClassicalLook:
    name: str
    style: str
    render: Callable[[np.ndarray], np.ndarray]
    work_mp: float  # the working size the look is defined at (CONTRACTS.md)


LOOKS: dict[str, ClassicalLook] = {
    toon.NAME: ClassicalLook(toon.NAME, "toon (cartoon)", toon.render, toon.WORK_MP),
    cel.NAME: ClassicalLook(cel.NAME, "cel (soft anime shading)", cel.render, cel.WORK_MP),
}


def get(name: object) -> ClassicalLook | None:
    return LOOKS.get(str(name))
