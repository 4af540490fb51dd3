"""The model catalogue: every model the app can run, its metadata read once.

One place answers "which models are there, and what can each do", for the window's model
boxes, the Models table, the Faces view and the CLI's listings and error messages. Installed
models come first (a user's own choice), then the shipped ones (INT8 first), then the
built-in classical `toon`. A file whose metadata cannot be read is listed with its problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core import attributes as attrs
from ..core import classical, model_store, modelfile
from ..core.errors import AnimeDesktopError

IMAGE_TO_IMAGE, LATENT_TO_IMAGE = "image-to-image", "latent-to-image"


@dataclass(frozen=True)
class ModelRow:
    name: str
    path: Path
    family: str
    style: str
    precision: str
    license: str
    size_mb: float
    problem: str = ""
    builtin: bool = False  # comes with the app: listed, usable, never removed
    task: str = IMAGE_TO_IMAGE
    latent_dim: int = 0
    num_classes: int = 0
    can_rank: bool = False  # a discriminator ships beside it (faces ranking)
    attributes: attrs.Attributes = ()  # an attribute model's (name, values) per column, from its metadata

    @property
    def usable(self) -> bool:
        return not self.problem

    @property
    def where(self) -> str:
        return "built-in" if self.builtin else "installed"


DEFAULT_LOOK = "toon-default-int8"


def catalog() -> list[ModelRow]:
    shipped = sorted(model_store.shipped().items(), key=lambda item: ("int8" not in item[0], item[0]))
    rows = [_row(name, path, False) for name, path in sorted(model_store.installed().items())]
    rows += [_row(name, path, True) for name, path in shipped]
    rows += [ModelRow(look.name, Path(look.name), "classical", look.style, "-", "Apache-2.0", 0.0, builtin=True)
             for look in classical.LOOKS.values()]
    return rows


def _row(name: str, path: Path, builtin: bool) -> ModelRow:
    size = path.stat().st_size / 1e6
    try:
        meta = modelfile.read_metadata(path)
        attributes = modelfile.attributes_from_metadata(meta, path)
    except AnimeDesktopError as exc:
        return ModelRow(name, path, "?", "", "?", "?", size, exc.reason, builtin)
    return ModelRow(name, path, meta.get("family", "unknown"), meta.get("style", ""), meta.get("precision", "fp32"),
                    meta.get("license", "unknown"), size, "", builtin, meta.get("task", IMAGE_TO_IMAGE),
                    _int(meta.get("latent_dim")), _int(meta.get("num_classes")),
                    model_store.discriminator_for(path) is not None, attributes)


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def for_task(rows: list[ModelRow], task: str) -> list[ModelRow]:
    """Models that can do `task` (a file with a problem cannot do anything)."""
    return [r for r in rows if r.usable and r.task == task]


def style_names(rows: list[ModelRow] | None = None) -> list[str]:
    return [r.name for r in for_task(catalog() if rows is None else rows, IMAGE_TO_IMAGE)]


def faces_names(rows: list[ModelRow] | None = None) -> list[str]:
    return [r.name for r in for_task(catalog() if rows is None else rows, LATENT_TO_IMAGE)]


def shipped_default(rows: list[ModelRow] | None = None) -> str | None:
    """The shipped default look (`toon-default-int8`), else the first shipped style model, or None."""
    shipped = [r.name for r in for_task(catalog() if rows is None else rows, IMAGE_TO_IMAGE)
               if r.builtin and not classical.get(r.name)]
    return DEFAULT_LOOK if DEFAULT_LOOK in shipped else next(iter(shipped), None)


def list_models(ctx) -> list[ModelRow]:
    """An engine job: the catalogue read off the GUI thread."""
    return catalog()
