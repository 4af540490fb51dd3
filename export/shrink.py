"""FP16 and static INT8 versions of an FP32 model file, with the metadata carried over.

FP16 keeps FP32 inputs/outputs (onnxconverter-common) and leaves normalisation and resize
in FP32, where half precision loses the per-image statistics AnimeGAN depends on. INT8 is
static QDQ (onnxruntime.quantization) with per-channel weights, calibrated on real photos;
`reduce_range=True` because CPUs without VNNI saturate the 8-bit products (measured:
17-24 dB without it). Without calibration images, dynamic quantization is the fallback.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx

from anime_desktop.core import imageio, modelfile, prepost
from anime_desktop.core.types import IOConvention

log = logging.getLogger(__name__)

FP16_KEEP = ["InstanceNormalization", "GroupNormalization", "LayerNormalization", "BatchNormalization",
             "ReduceMean", "Resize", "Pow", "Sqrt", "Div"]
CALIBRATION_SIDE = 256


def _convention(proto, path: Path) -> IOConvention:
    io = modelfile.convention_from_metadata({p.key: p.value for p in proto.metadata_props}, path)
    if io is None:
        raise ValueError(f"{path}: no app metadata; import it first (anime-export import) so its I/O is known")
    return io


def _set_precision(proto, precision: str) -> None:
    modelfile.write_metadata(proto, {"precision": precision})


def to_fp16(src: Path, out: Path) -> Path:
    from onnxconverter_common import float16

    proto = onnx.load(str(src))
    _convention(proto, src)
    half = float16.convert_float_to_float16(proto, keep_io_types=True, op_block_list=FP16_KEEP)
    _set_precision(half, "fp16")
    onnx.save(half, str(out))
    return out


class _Calibration:
    """onnxruntime's CalibrationDataReader over photos (or seeded latents) in the model's convention."""

    def __init__(self, input_name: str, io: IOConvention, images: list[Path], count: int = 16,
                 conditions: dict[str, int | tuple[int, ...]] | None = None) -> None:
        self.items = iter(_calibration_tensors(io, images, count))
        self.input_name = input_name
        self.conditions = conditions or {}
        self.rng = np.random.default_rng(1)

    def get_next(self):
        x = next(self.items, None)
        if x is None:
            return None
        feed = {self.input_name: x}
        for name, sizes in self.conditions.items():  # what a conditional generator is asked for, uniformly
            if isinstance(sizes, tuple):
                feed[name] = np.stack([self.rng.integers(n, size=len(x)) for n in sizes], 1).astype(np.int64)
            else:
                feed[name] = self.rng.integers(sizes, size=len(x)).astype(np.int64)
        return feed


def _condition_inputs(proto, io: IOConvention) -> dict[str, int | tuple[int, ...]]:
    """A conditional generator's extra inputs: `label` -> class count, `attributes` -> value counts."""
    names = {i.name for i in proto.graph.input}
    out: dict[str, int | tuple[int, ...]] = {}
    if "label" in names and io.num_classes:
        out["label"] = int(io.num_classes)
    if "attributes" in names and io.attributes:
        out["attributes"] = tuple(len(values) for _, values in io.attributes)
    return out


def _calibration_tensors(io: IOConvention, images: list[Path], count: int) -> list[np.ndarray]:
    if io.latent_dim:
        rng = np.random.default_rng(0)
        return [rng.standard_normal((8, io.latent_dim)).astype(np.float32) for _ in range(count)]
    tensors = []
    for path in _spread(images, count):
        rgb = imageio.load_image(path).rgb
        side = io.fixed_size or (CALIBRATION_SIDE, CALIBRATION_SIDE)
        tensors.append(prepost.to_tensor(_centre_square(rgb, side), io.with_(input_dtype="float32")))
    if not tensors:
        raise ValueError("no calibration images could be read")
    return tensors


def _spread(images: list[Path], count: int) -> list[Path]:
    """`count` files evenly spaced through the sorted list: a folder of augmented variants
    (photo-s100, photo-s075, ...) must not calibrate on the first photo's copies alone."""
    if len(images) <= count:
        return images
    return [images[round(i * (len(images) - 1) / max(count - 1, 1))] for i in range(count)]


def _centre_square(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = min(h, w)
    crop = rgb[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    return prepost.resize_to(crop, size[1], size[0])


def to_int8(src: Path, out: Path, calibration: Path | None, method: str = "minmax",
            exclude: list[str] | None = None, count: int = 16) -> Path:
    """Static QDQ INT8 calibrated on `calibration` images; dynamic when none are given."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_dynamic, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    proto = onnx.load(str(src))
    io = _convention(proto, src)
    with tempfile.TemporaryDirectory() as tmp:
        prepared, bare = Path(tmp) / "prepared.onnx", Path(tmp) / "bare.onnx"
        # Shape annotations left by the exporter can be wrong for dynamic sizes (seen: a rank-3
        # shape on a 4-D activation), and ORT's QLinearConv fusion then refuses the graph;
        # dropping them lets the pre-processing infer shapes afresh.
        stripped = onnx.load(str(src))
        del stripped.graph.value_info[:]
        onnx.save(stripped, str(bare))
        # ORT's pre-processing writes scratch files into the working directory when it fails
        # (sym_shape_infer_temp.onnx plus external data): keep them in our temporary folder.
        with contextlib.chdir(tmp):
            try:
                quant_pre_process(str(bare), str(prepared), skip_symbolic_shape=False)
            except Exception as exc:  # noqa: BLE001 - ORT raises a bare Exception for this
                # Symbolic inference gives up on some dynamic reshapes (pixel (un)shuffle written as
                # Reshape/Transpose); ONNX's own shape inference is enough for the optimisation step.
                log.info("symbolic shape inference failed (%s); using ONNX shape inference", exc)
                quant_pre_process(str(bare), str(prepared), skip_symbolic_shape=True)
        if calibration is None and not io.latent_dim:
            quantize_dynamic(str(prepared), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=True)
        else:
            images = sorted(p for p in Path(calibration).iterdir()
                            if p.suffix.lower() in imageio.READ_EXTENSIONS) if calibration else []
            reader = _Calibration(proto.graph.input[0].name, io, images, count, _condition_inputs(proto, io))
            methods = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
                       "percentile": CalibrationMethod.Percentile}
            quantize_static(str(prepared), str(out), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                            reduce_range=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            calibrate_method=methods[method], nodes_to_exclude=exclude or [],
                            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True})
    quantized = onnx.load(str(out))
    # Shape annotations from the pre-processing are ~20% of an INT8 file and ORT infers
    # them again at load; without them the file is the weights and the graph.
    del quantized.graph.value_info[:]
    _compact_names(quantized.graph)
    del quantized.metadata_props[:]
    quantized.metadata_props.extend(proto.metadata_props)
    _set_precision(quantized, "int8")
    onnx.save(quantized, str(out))
    return out


def _compact_names(graph) -> None:
    """Rename internal tensors and nodes to short ids: QDQ doubles the long exporter names,
    which made ~20% of an INT8 file. Graph inputs and outputs keep their names."""
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    mapping: dict[str, str] = {}

    def short(name: str) -> str:
        if not name or name in keep:
            return name
        return mapping.setdefault(name, f"t{len(mapping):x}")

    for tensor in graph.initializer:
        tensor.name = short(tensor.name)
    for i, node in enumerate(graph.node):
        node.name = f"n{i:x}"
        node.input[:] = [short(x) for x in node.input]
        node.output[:] = [short(x) for x in node.output]


def first_and_last_convs(src: Path) -> list[str]:
    """Names of the first and last Conv nodes: kept in float where they carry most of the error."""
    convs = [n.name for n in onnx.load(str(src)).graph.node if n.op_type == "Conv"]
    return [convs[0], convs[-1]] if convs else []
