"""Add our metadata to a third-party ONNX file, leaving its graph exactly as published.

The convention (layout, range, sizes) is what the app's own detector finds by probing,
overridden by what the user states; the result is written to a new file (the original is
never modified) and goes through the app's one importer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import onnx

from anime_desktop.core import modelfile
from anime_desktop.core.types import ModelInfo
from anime_desktop.engine.importer import import_model
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.session import SessionConfig


def annotate(source: Path, target: Path, facts: dict[str, str], overrides: dict | None = None) -> Path:
    """Write `source` with our metadata to `target`; returns `target`."""
    model = load_model(source, SessionConfig(provider="cpu"), overrides)
    proto = onnx.load(str(source))
    values = {
        "task": model.info.task,
        "role": "generator",
        "precision": _precision(proto),
        "source": str(source.name),
        **modelfile.metadata_for(model.info.io),
        **{k: v for k, v in facts.items() if v},
    }
    modelfile.write_metadata(proto, values)
    onnx.save(proto, str(target))
    return target


def import_onnx(source: Path, name: str | None, facts: dict[str, str], overrides: dict | None = None) -> ModelInfo:
    """Annotate into a temporary file and install it through the app's importer."""
    with tempfile.TemporaryDirectory(prefix="anime-export-") as tmp:
        annotated = annotate(source, Path(tmp) / source.name, facts, overrides)
        return import_model(annotated, name)


def _precision(proto) -> str:
    """int8 when the graph holds quantize nodes, fp16 when its weights are half, else fp32."""
    ops = {node.op_type for node in proto.graph.node}
    if ops & {"QuantizeLinear", "QLinearConv", "ConvInteger", "MatMulInteger"}:
        return "int8"
    if any(init.data_type == onnx.TensorProto.FLOAT16 for init in proto.graph.initializer):
        return "fp16"
    return "fp32"
