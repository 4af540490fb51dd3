"""Known PyTorch generators -> ONNX graphs, built with `onnx.helper` from numpy weights (no torch).

Two architectures are recognised by their state-dict keys and shapes:

- `animegan`: bryandlee/animegan2-pytorch's `Generator` (77 tensors; the trainer's
  `AnimeGANv2Generator` has the same layout). Reflection pads, GroupNorm(1, C) written as
  mean/variance over (C, H, W) with eps 1e-5, LeakyReLU 0.2, MobileNetV2 blocks, two
  align-corners bilinear upsamplings to the skip/input size, tanh. Feeds RGB in [-1, 1].
- `cartoongan`: the CartoonGAN PyTorch port's `Transformer`
  (Yijunmaverick/CartoonGAN-Test-Pytorch-Torch; the trainer's `CartoonGANGenerator` has the
  same names): 7x7 conv, two down blocks, 8 residual blocks, two transposed-conv up blocks,
  instance norm with `scale`/`shift` and eps 1e-9, tanh. The port's test script feeds BGR in
  [-1, 1] and swaps the output back, so the model is stored as BGR.

`convert(path, out, ...)` reads the checkpoint (core.torchfile), recognises it, builds the
graph, writes our metadata and checks the model; both `anime-desktop models import` and
`anime-export import` go through it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import modelfile, torchfile
from .errors import ModelFileError
from .types import IOConvention

OPSET = 17
IR_VERSION = 8
INPUT, OUTPUT = "image", "styled"


class _Graph:
    """A small builder: named nodes and float32 initializers."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list = []
        self.inits: list = []
        self.count = 0

    def name(self, hint: str) -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, value: np.ndarray, hint: str) -> str:
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(self, key: str, shape: tuple[int, ...] | None = None) -> str:
        value = self.weights[key].astype(np.float32)
        if shape is not None:
            value = value.reshape(shape)
        name = key if shape is None else f"{key}.reshaped"
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def pad(self, x: str, top: int, left: int, bottom: int, right: int) -> str:
        if not (top or left or bottom or right):
            return x
        pads = self.const(np.array([0, 0, top, left, 0, 0, bottom, right], np.int64), "pads")
        return self.op("Pad", [x, pads], mode="reflect")

    def conv(self, x: str, prefix: str, stride: int = 1, groups: int = 1, bias: bool = False) -> str:
        w = self.weights[f"{prefix}.weight"]
        inputs = [x, self.weight(f"{prefix}.weight")] + ([self.weight(f"{prefix}.bias")] if bias else [])
        return self.op("Conv", inputs, kernel_shape=list(w.shape[2:]), strides=[stride, stride], group=groups,
                       pads=[0, 0, 0, 0])

    def norm(self, x: str, scale: str, shift: str, axes: list[int], eps: float) -> str:
        channels = self.weights[scale].shape[0]
        mean = self.op("ReduceMean", [x], axes=axes, keepdims=1)
        centred = self.op("Sub", [x, mean])
        var = self.op("ReduceMean", [self.op("Mul", [centred, centred])], axes=axes, keepdims=1)
        std = self.op("Sqrt", [self.op("Add", [var, self.const(np.array(eps, np.float32), "eps")])])
        y = self.op("Div", [centred, std])
        y = self.op("Mul", [y, self.weight(scale, (1, channels, 1, 1))])
        return self.op("Add", [y, self.weight(shift, (1, channels, 1, 1))])

    def resize_like(self, x: str, like: str) -> str:
        """Bilinear, align_corners=True, to `like`'s height and width (keeps x's N and C)."""
        head = self.op("Slice", [self.op("Shape", [x]), self.const(np.array([0], np.int64), "s"),
                                 self.const(np.array([2], np.int64), "e")])
        tail = self.op("Slice", [self.op("Shape", [like]), self.const(np.array([2], np.int64), "s"),
                                 self.const(np.array([4], np.int64), "e")])
        sizes = self.op("Concat", [head, tail], axis=0)
        return self.op("Resize", [x, "", "", sizes], mode="linear", coordinate_transformation_mode="align_corners")

    def model(self, output: str, doc: str) -> onnx.ModelProto:
        self.nodes.append(helper.make_node("Identity", [output], [OUTPUT], name="output"))
        dims = ["N", 3, "H", "W"]
        graph = helper.make_graph(self.nodes, doc, [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, dims)],
                                  [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, dims)], self.inits)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="anime_desktop.core.torch_graphs")
        proto.ir_version = IR_VERSION
        return proto


# --- animegan2-pytorch -------------------------------------------------------------------------------

# (prefix, kernel, stride, cin, cout) of each pad -> conv -> norm -> LeakyReLU in animegan2-pytorch's Generator
_AG_BLOCKS = {
    "block_a": [(7, 1, 3, 32), (3, 2, 32, 64), (3, 1, 64, 64)],
    "block_b": [(3, 2, 64, 128), (3, 1, 128, 128)],
    "block_c": [(3, 1, 128, 128), "irb:128:256", "irb:256:256", "irb:256:256", "irb:256:256", (3, 1, 256, 128)],
    "block_d": [(3, 1, 128, 128), (3, 1, 128, 128)],
    "block_e": [(3, 1, 128, 64), (3, 1, 64, 64), (7, 1, 64, 32)],
}


def _animegan_cnl_shapes(prefix: str, k: int, cin: int, cout: int, groups: int = 1, bias: bool = False) -> dict:
    shapes = {f"{prefix}.1.weight": (cout, cin // groups, k, k), f"{prefix}.2.weight": (cout,),
              f"{prefix}.2.bias": (cout,)}
    if bias:
        shapes[f"{prefix}.1.bias"] = (cout,)
    return shapes


def animegan_shapes() -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for block, layers in _AG_BLOCKS.items():
        for i, spec in enumerate(layers):
            prefix = f"{block}.{i}"
            if isinstance(spec, str):
                cin, cout = (int(v) for v in spec.split(":")[1:])
                mid = cin * 2
                shapes.update(_animegan_cnl_shapes(f"{prefix}.layers.0", 1, cin, mid))
                shapes.update(_animegan_cnl_shapes(f"{prefix}.layers.1", 3, mid, mid, groups=mid, bias=True))
                shapes.update({f"{prefix}.layers.2.weight": (cout, mid, 1, 1), f"{prefix}.layers.3.weight": (cout,),
                               f"{prefix}.layers.3.bias": (cout,)})
            else:
                k, _, cin, cout = spec
                shapes.update(_animegan_cnl_shapes(prefix, k, cin, cout))
    shapes["out_layer.0.weight"] = (3, 32, 1, 1)
    return shapes


def _ag_cnl(g: _Graph, x: str, prefix: str, k: int, stride: int, groups: int = 1, bias: bool = False) -> str:
    if k == 1:
        pads = (0, 0, 0, 0)
    elif stride == 2:
        pads = (0, 0, 1, 1)  # ReflectionPad2d((0, 1, 0, 1)): right and bottom only
    else:
        pads = (k // 2,) * 4
    y = g.conv(g.pad(x, *pads), f"{prefix}.1", stride, groups, bias)
    y = g.norm(y, f"{prefix}.2.weight", f"{prefix}.2.bias", [1, 2, 3], 1e-5)
    return g.op("LeakyRelu", [y], alpha=0.2)


def _ag_block(g: _Graph, x: str, block: str) -> str:
    for i, spec in enumerate(_AG_BLOCKS[block]):
        prefix = f"{block}.{i}"
        if isinstance(spec, str):
            cin, cout = (int(v) for v in spec.split(":")[1:])
            y = _ag_cnl(g, x, f"{prefix}.layers.0", 1, 1)
            y = _ag_cnl(g, y, f"{prefix}.layers.1", 3, 1, groups=cin * 2, bias=True)
            y = g.conv(y, f"{prefix}.layers.2")
            y = g.norm(y, f"{prefix}.layers.3.weight", f"{prefix}.layers.3.bias", [1, 2, 3], 1e-5)
            x = g.op("Add", [x, y]) if cin == cout else y
        else:
            k, stride, _, _ = spec
            x = _ag_cnl(g, x, prefix, k, stride)
    return x


def animegan_graph(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    g = _Graph(weights)
    half = _ag_block(g, INPUT, "block_a")
    out = _ag_block(g, _ag_block(g, half, "block_b"), "block_c")
    out = _ag_block(g, g.resize_like(out, half), "block_d")
    out = _ag_block(g, g.resize_like(out, INPUT), "block_e")
    out = g.op("Tanh", [g.conv(out, "out_layer.0")])
    return g.model(out, "animegan2-pytorch Generator")


# --- CartoonGAN PyTorch port ----------------------------------------------------------------------------

_CG_RES = range(4, 12)


def cartoongan_shapes(c: int = 64) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}

    def conv(name, cin, cout, k, transposed=False):
        shapes[f"{name}.weight"] = (cin, cout, k, k) if transposed else (cout, cin, k, k)
        shapes[f"{name}.bias"] = (cout,)

    def norm(name, ch):
        shapes[f"{name}.scale"], shapes[f"{name}.shift"] = (ch,), (ch,)

    conv("conv01_1", 3, c, 7), norm("in01_1", c)
    conv("conv02_1", c, 2 * c, 3), conv("conv02_2", 2 * c, 2 * c, 3), norm("in02_1", 2 * c)
    conv("conv03_1", 2 * c, 4 * c, 3), conv("conv03_2", 4 * c, 4 * c, 3), norm("in03_1", 4 * c)
    for i in _CG_RES:
        for j in (1, 2):
            conv(f"conv{i:02d}_{j}", 4 * c, 4 * c, 3), norm(f"in{i:02d}_{j}", 4 * c)
    conv("deconv01_1", 4 * c, 2 * c, 3, transposed=True), conv("deconv01_2", 2 * c, 2 * c, 3), norm("in12_1", 2 * c)
    conv("deconv02_1", 2 * c, c, 3, transposed=True), conv("deconv02_2", c, c, 3), norm("in13_1", c)
    conv("deconv03_1", c, 3, 7)
    return shapes


def cartoongan_graph(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    g = _Graph(weights)

    def conv(x, name, pad):  # reflection pad, then an unpadded conv
        return g.conv(g.pad(x, *(pad,) * 4), name, bias=True)

    def conv_zero(x, name, stride):  # nn.Conv2d(..., padding=1): zero padding inside the conv
        w = weights[f"{name}.weight"]
        return g.op("Conv", [x, g.weight(f"{name}.weight"), g.weight(f"{name}.bias")], kernel_shape=list(w.shape[2:]),
                    strides=[stride, stride], pads=[1, 1, 1, 1])

    def deconv(x, name):
        w = weights[f"{name}.weight"]
        return g.op("ConvTranspose", [x, g.weight(f"{name}.weight"), g.weight(f"{name}.bias")],
                    kernel_shape=list(w.shape[2:]), strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])

    def norm(x, name):
        return g.norm(x, f"{name}.scale", f"{name}.shift", [2, 3], 1e-9)

    y = g.op("Relu", [norm(conv(INPUT, "conv01_1", pad=3), "in01_1")])
    y = g.op("Relu", [norm(conv_zero(conv_zero(y, "conv02_1", 2), "conv02_2", 1), "in02_1")])
    y = g.op("Relu", [norm(conv_zero(conv_zero(y, "conv03_1", 2), "conv03_2", 1), "in03_1")])
    for i in _CG_RES:
        r = g.op("Relu", [norm(conv(y, f"conv{i:02d}_1", pad=1), f"in{i:02d}_1")])
        r = norm(conv(r, f"conv{i:02d}_2", pad=1), f"in{i:02d}_2")
        y = g.op("Add", [y, r])
    y = g.op("Relu", [norm(conv_zero(deconv(y, "deconv01_1"), "deconv01_2", 1), "in12_1")])
    y = g.op("Relu", [norm(conv_zero(deconv(y, "deconv02_1"), "deconv02_2", 1), "in13_1")])
    y = g.op("Tanh", [conv(y, "deconv03_1", pad=3)])
    return g.model(y, "CartoonGAN PyTorch port Transformer")


# --- recognition and conversion --------------------------------------------------------------------------

# family -> (expected shapes from the weights, graph builder, channel order the published code feeds, description)
ARCHITECTURES = {
    "animegan": (lambda w: animegan_shapes(), animegan_graph, "RGB", "animegan2-pytorch generator"),
    "cartoongan": (lambda w: cartoongan_shapes(_cg_width(w)), cartoongan_graph, "BGR",
                   "CartoonGAN PyTorch-port generator"),
}
SIZE_MULTIPLE = 4


def _cg_width(weights: dict[str, np.ndarray]) -> int:
    w = weights.get("conv01_1.weight")
    return int(w.shape[0]) if w is not None and w.ndim == 4 else 64


def recognise(weights: dict[str, np.ndarray], path: str | Path) -> str:
    """The family whose keys and shapes the weights have; a one-line refusal naming what did not match."""
    keys = set(weights)
    best, best_overlap, best_expected = "", -1, {}
    for family, (shapes_of, *_rest) in ARCHITECTURES.items():
        expected = shapes_of(weights)
        if keys == set(expected):
            wrong = [k for k, s in expected.items() if tuple(weights[k].shape) != s]
            if not wrong:
                return family
            raise ModelFileError(path, f"unrecognised weights: keys of a {_rest[2]} but wrong shapes for "
                                       f"{_few(wrong, weights)}")
        overlap = len(keys & set(expected))
        if overlap > best_overlap:
            best, best_overlap, best_expected = family, overlap, expected
    unexpected = sorted(keys - set(best_expected))
    missing = sorted(set(best_expected) - keys)
    lack = f"; missing for a {ARCHITECTURES[best][3]}: {_few(missing)}" if missing else ""
    raise ModelFileError(path, f"unrecognised weights: {len(unexpected)} keys match no known architecture "
                               f"({_few(unexpected)}){lack}; supported: animegan2-pytorch generators and "
                               "CartoonGAN PyTorch-port generators")


def _few(keys: list[str], weights: dict | None = None, limit: int = 5) -> str:
    shown = [f"{k} {tuple(weights[k].shape)}" if weights else k for k in keys[:limit]]
    return ", ".join(shown) + (f" and {len(keys) - limit} more" if len(keys) > limit else "") if keys else "none"


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """A checkpoint's generator weights as float32 arrays (no torch)."""
    weights = torchfile.state_dict(torchfile.load(path), path)
    if not all(np.issubdtype(v.dtype, np.floating) for v in weights.values()):
        ints = [k for k, v in weights.items() if not np.issubdtype(v.dtype, np.floating)]
        if set(ints) - {k for k in ints if k.endswith("num_batches_tracked")}:
            raise ModelFileError(path, f"unrecognised weights: integer tensors {_few(sorted(ints))}")
    return {k: v.astype(np.float32) for k, v in weights.items()}


def build(path: str | Path) -> tuple[str, onnx.ModelProto, IOConvention]:
    """Read, recognise and build: (family, model without our metadata, its I/O convention)."""
    weights = read_weights(path)
    family = recognise(weights, path)
    _, graph_of, order, _ = ARCHITECTURES[family]
    io = IOConvention(layout="NCHW", value_range=(-1.0, 1.0), channel_order=order, size_multiple=SIZE_MULTIPLE,
                      min_size=16)
    return family, graph_of(weights), io


# the CartoonGAN port's files are `<Style>_net_G_float.pth`: the style is the part before the suffix
_STYLE_SUFFIX = re.compile(r"[_-](net_?G(_float)?|generator|G)$", re.IGNORECASE)


def style_of(path: str | Path) -> str:
    """The style a weights file's name gives (`Hayao_net_G_float.pth` -> Hayao, `paprika.pt` -> paprika)."""
    stem = Path(path).stem
    return _STYLE_SUFFIX.sub("", stem) or stem


def convert(path: str | Path, out: str | Path, style: str = "", license: str = "", source: str = "",
            family: str = "") -> Path:
    """A published `.pt`/`.pth` generator -> `out` (.onnx, fp32) with our metadata; no torch needed."""
    path, out = Path(path), Path(out)
    found, proto, io = build(path)
    if family and family != found:
        raise ModelFileError(path, f"these are {found} weights, not {family}")
    meta = {"family": found, "task": "image-to-image", "role": "generator", "style": style or style_of(path),
            "precision": "fp32", "license": license or "unknown", "source": source or path.name}
    modelfile.write_metadata(proto, {**modelfile.metadata_for(io), **meta})
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ModelFileError(path, f"the graph built from these weights is invalid: "
                                   f"{str(exc).splitlines()[0][:200]}") from None
    onnx.save(proto, str(out))
    return out
