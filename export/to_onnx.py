"""Trainer checkpoint (or any generator module) -> ONNX with the app's metadata.

Image families get dynamic batch, height and width; Pix2Pix a fixed size (its U-Net depth
is tied to it); DCGAN a latent input (N x latent_dim). The dynamo exporter is used (it
also folds constants and simplifies the graph through onnxscript's optimizer); the legacy
TorchScript exporter is the fallback for a module dynamo cannot trace.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import onnx
import torch

from anime_desktop.core import modelfile
from anime_desktop.core.types import IOConvention
from trainer.checkpoint import safe_load
from trainer.generate import load_generator

OPSET = 18
log = logging.getLogger(__name__)


def convention_for(export_info: dict, channel_order: str = "RGB") -> IOConvention:
    """The app's I/O convention for a family's generator (all ours are NCHW, [-1, 1])."""
    fixed = export_info.get("fixed_size")
    multiple = export_info.get("size_multiple", 1)
    return IOConvention(layout="NCHW", value_range=(-1.0, 1.0), channel_order=channel_order,
                        size_multiple=multiple, min_size=export_info.get("min_size", max(16, multiple)),
                        fixed_size=tuple(fixed) if fixed else None, latent_dim=export_info.get("latent_dim"))


def example_input(io: IOConvention) -> torch.Tensor:
    if io.latent_dim:
        return torch.randn(2, io.latent_dim)
    h, w = io.fixed_size or (64, 64)
    return torch.rand(1, 3, h, w) * 2 - 1


def export_module(g: torch.nn.Module, io: IOConvention, out: Path, metadata: dict) -> Path:
    """Export `g` (eval mode) to `out` with metadata; onnx.checker must pass."""
    g = g.eval()
    x = example_input(io)
    names = (["latent"], ["image"]) if io.latent_dim else (["image"], ["styled"])
    try:
        _export_dynamo(g, x, io, out, names)
    except Exception as exc:  # noqa: BLE001 - dynamo raises many kinds; the legacy path may still work
        log.warning("dynamo export failed (%s); using the TorchScript exporter", str(exc).splitlines()[0][:200])
        _export_legacy(g, x, io, out, names)
    proto = onnx.load(str(out))
    modelfile.write_metadata(proto, {**modelfile.metadata_for(io), **metadata})
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(out))
    return out


def _export_dynamo(g, x, io, out: Path, names) -> None:
    from torch.export import Dim

    dims = {0: Dim.DYNAMIC} if io.latent_dim else (
        {0: Dim.DYNAMIC} if io.fixed_size else {0: Dim.DYNAMIC, 2: Dim.DYNAMIC, 3: Dim.DYNAMIC})
    arg = next(iter(_forward_args(g)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(g, (x,), dynamo=True, opset_version=OPSET, input_names=names[0],
                                    output_names=names[1], dynamic_shapes={arg: dims}, verbose=False)
    program.save(str(out))


def _export_legacy(g, x, io, out: Path, names) -> None:
    axes = {0: "N"} if (io.latent_dim or io.fixed_size) else {0: "N", 2: "H", 3: "W"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(g, (x,), str(out), dynamo=False, opset_version=17, input_names=names[0],
                          output_names=names[1], dynamic_axes={names[0][0]: axes, names[1][0]: axes})


def _forward_args(g: torch.nn.Module):
    import inspect

    return [p for p in inspect.signature(g.forward).parameters]


def export_checkpoint(checkpoint: Path, out: Path, style: str = "", license: str = "",
                      source: str = "") -> Path:
    """A run folder, checkpoint folder or G snapshot -> `out` (.onnx)."""
    g, config, family = load_generator(checkpoint)
    snapshot = safe_load(_snapshot_file(checkpoint))
    info = snapshot.get("export") or {"family": family}
    io = convention_for(info)
    table = config.attribute_table() if hasattr(config, "attribute_table") else {}
    if getattr(config, "num_classes", 0) or table:
        io = io.with_(num_classes=int(config.num_classes)) if config.num_classes else io
        return _export_conditional(g, io, Path(out), family, style, license,
                                   source or f"{Path(checkpoint).resolve()} step {snapshot['step']}", table)
    meta = {"family": family, "task": "latent-to-image" if io.latent_dim else "image-to-image",
            "role": "generator", "style": style or Path(checkpoint).resolve().name, "precision": "fp32",
            "license": license or "unknown",
            "source": source or f"{Path(checkpoint).resolve()} step {snapshot['step']}"}
    return export_module(g, io, Path(out), meta)


def example_condition(num_classes: int, table: dict[str, list[str]]) -> tuple[str, torch.Tensor]:
    """(input name, two example rows) of a conditional model: `label` (N,) or `attributes` (N, A)."""
    if table:
        return "attributes", torch.tensor([[0] * len(table), [len(v) - 1 for v in table.values()]])
    return "label", torch.tensor([0, num_classes - 1])


def _export_conditional(g, io: IOConvention, out: Path, family: str, style: str, license: str,
                        source: str, table: dict[str, list[str]] | None = None) -> Path:
    """A conditional generator, batch-dynamic: inputs `latent` (N x Z) and either `label` (N,
    int64) or `attributes` (N x A int64, one column per attribute, metadata key `attributes`)."""
    g = g.eval()
    name, condition = example_condition(io.num_classes, table or {})
    z = torch.randn(2, io.latent_dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(g, (z, condition), str(out), dynamo=False, opset_version=17, input_names=["latent", name],
                          output_names=["image"], dynamic_axes={"latent": {0: "N"}, name: {0: "N"},
                                                                "image": {0: "N"}})
    proto = onnx.load(str(out))
    meta = {"family": family, "task": "latent-to-image", "role": "generator", "style": style or out.stem,
            "precision": "fp32", "license": license or "unknown", "source": source}
    if table:
        meta["attributes"] = table
    modelfile.write_metadata(proto, {**modelfile.metadata_for(io), **meta})
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(out))
    return out


def _snapshot_file(checkpoint: Path) -> Path:
    from trainer import checkpoint as ckpt

    file = ckpt.resolve(Path(checkpoint))
    return file.parent / "generator.pt" if file.name == "state.pt" else file


class _Scorer(torch.nn.Module):
    """D as a scorer of uint8-range images in [-1, 1]: one logit per image (higher: more real)."""

    def __init__(self, d: torch.nn.Module) -> None:
        super().__init__()
        self.d = d

    def forward(self, image: torch.Tensor, attributes: torch.Tensor | None = None) -> torch.Tensor:
        return self.d(image, attributes).reshape(image.shape[0], 1)


def export_discriminator(checkpoint: Path, out: Path, license: str = "", source: str = "") -> Path:
    """A DCGAN run's discriminator -> `out`, for the gallery's quality ranking (role=discriminator).

    Read from the checkpoint's full state (the generator snapshot holds G only); input N x 3 x 64
    x 64 in [-1, 1], output N x 1 logits, batch-dynamic, in eval mode (batch norm uses its
    running statistics, so one face's score does not depend on the others in its batch).
    """
    from trainer import checkpoint as ckpt
    from trainer.config import DCGANConfig
    from trainer.config import load as load_config
    from trainer.families.dcgan import DCGAN

    state = ckpt.load(Path(checkpoint))
    if state.get("family_name") != "dcgan":
        raise ValueError(f"{checkpoint}: only DCGAN runs have a discriminator the gallery can use")
    config = load_config(DCGANConfig, None, [f"--{k}={v}" for k, v in state["config"].items()])
    if config.num_classes:
        raise ValueError("single-label discriminators need a label input the gallery does not feed")
    d = DCGAN.make_discriminator(config)  # batch norm, or layer norm for a WGAN-GP critic
    d.load_state_dict(state["family"]["nets"]["D"])
    scorer = _Scorer(d).eval()
    x = torch.rand(2, 3, config.image_size, config.image_size) * 2 - 1
    table = config.attribute_table()
    args, names, axes = (x,), ["image"], {"image": {0: "N"}, "score": {0: "N"}}
    if table:  # a projection D scores a face against the attributes it was asked for
        args, names = (x, example_condition(0, table)[1]), ["image", "attributes"]
        axes["attributes"] = {0: "N"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(scorer, args, str(out), dynamo=False, opset_version=17, input_names=names,
                          output_names=["score"], dynamic_axes=axes)
    proto = onnx.load(str(out))
    modelfile.write_metadata(proto, {"family": "dcgan", "task": "latent-to-image", "role": "discriminator",
                                     "precision": "fp32", "license": license or "unknown",
                                     "source": source or f"{Path(checkpoint).resolve()} step {state['step']}"})
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(out))
    return out
