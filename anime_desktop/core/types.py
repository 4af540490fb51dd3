"""Plain data describing how to feed a model, with no ONNX Runtime types in it.

`IOConvention` is filled either from our own metadata (`core.modelfile`) or by probing a
third-party session (`engine.detect`); everything downstream (pre/post-processing, tiling,
the window) reads only this dataclass (ARCHITECTURE.md convention 4).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

LAYOUTS = ("NCHW", "NHWC")
CHANNEL_ORDERS = ("RGB", "BGR")
TASKS = ("image-to-image", "latent-to-image")
PRECISIONS = ("fp32", "fp16", "int8")


@dataclass(frozen=True)
class IOConvention:
    """How pixels go into and come out of a model.

    `value_range` is what the model sees for black..white (AnimeGAN: -1..1). A model accepts
    sizes that are multiples of `size_multiple` and at least `min_size` on each side, or
    exactly `fixed_size` (height, width) when that is set.
    """

    layout: str = "NCHW"
    value_range: tuple[float, float] = (-1.0, 1.0)
    channel_order: str = "RGB"
    size_multiple: int = 1
    min_size: int = 1
    fixed_size: tuple[int, int] | None = None
    input_dtype: str = "float32"
    latent_dim: int | None = None
    num_classes: int = 0  # > 0: a conditional generator with a second input of labels
    # An attribute generator's second input, int64 [N, A]: (name, (value, ...)) per column (core.attributes).
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        if self.channel_order not in CHANNEL_ORDERS:
            raise ValueError(f"channel order must be one of {CHANNEL_ORDERS}, not {self.channel_order!r}")
        lo, hi = self.value_range
        if not hi > lo:
            raise ValueError(f"value range must go up, got {self.value_range}")
        if self.size_multiple < 1 or self.min_size < 1:
            raise ValueError("size multiple and minimum size must be at least 1")

    def with_(self, **changes) -> IOConvention:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> IOConvention:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "value_range" in known:
            known["value_range"] = tuple(float(v) for v in known["value_range"])
        if known.get("fixed_size") is not None:
            known["fixed_size"] = tuple(int(v) for v in known["fixed_size"])
        if "attributes" in known:  # JSON turned the pairs into lists
            known["attributes"] = tuple((str(n), tuple(str(v) for v in values)) for n, values in known["attributes"])
        return cls(**known)


@dataclass(frozen=True)
class ModelInfo:
    """What the app knows about one model file: its metadata plus where it lives."""

    path: Path
    name: str
    family: str = "unknown"
    task: str = "image-to-image"
    role: str = "generator"
    style: str = ""
    precision: str = "fp32"
    license: str = "unknown"
    source: str = ""
    io: IOConvention = field(default_factory=IOConvention)
    has_metadata: bool = False
    work_mp: float = 0.0  # the working size its look is defined at; 0: the photo's own size

    @property
    def is_generator_of_faces(self) -> bool:
        return self.task == "latent-to-image"
