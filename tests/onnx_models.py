"""Tiny but real ONNX models built with onnx.helper, for tests that need a session.

Each is a few nodes, so sessions open in milliseconds, yet they exercise the real paths:
layouts, size multiples, fixed sizes, FP16 weights and I/O, latent inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from anime_desktop.core import modelfile
from anime_desktop.core.types import IOConvention

OPSET = [helper.make_opsetid("", 17)]
# A colour "style": swap channels and darken, easy to predict in tests.
STYLE_MATRIX = np.array([[0.0, 0.9, 0.0], [0.0, 0.0, 0.9], [0.9, 0.0, 0.0]], np.float32)


def _save(graph, path: Path, meta: dict | None = None) -> Path:
    model = helper.make_model(graph, opset_imports=OPSET)
    model.ir_version = 8
    if meta:
        modelfile.write_metadata(model, meta)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def colour_model(path: Path, layout: str = "NCHW", meta: bool = True, multiple: int = 1,
                 fp16_io: bool = False, fp16_weights: bool = False, style: str = "Swap",
                 matrix: np.ndarray = STYLE_MATRIX, bias: np.ndarray | None = None) -> Path:
    """y = tanh-free 1x1 conv with STYLE_MATRIX (values stay in [-1, 1]).

    With `multiple` > 1 the graph also pools by `multiple` and upsamples back, then adds a
    zero-weighted copy: any size not divisible by `multiple` fails, like real generators.
    """
    elem = TensorProto.FLOAT16 if fp16_io else TensorProto.FLOAT
    shape = ["N", 3, "H", "W"] if layout == "NCHW" else ["N", "H", "W", 3]
    x = helper.make_tensor_value_info("image", elem, shape)
    y = helper.make_tensor_value_info("styled", elem, shape)
    nodes, inits = [], []
    cur = "image"
    if fp16_io and not fp16_weights:
        nodes.append(helper.make_node("Cast", [cur], ["x32"], to=TensorProto.FLOAT))
        cur = "x32"
    if layout == "NHWC":
        nodes.append(helper.make_node("Transpose", [cur], ["nchw"], perm=[0, 3, 1, 2]))
        cur = "nchw"
    wdtype = np.float16 if fp16_weights else np.float32
    if fp16_weights and not fp16_io:
        nodes.append(helper.make_node("Cast", [cur], ["x16"], to=TensorProto.FLOAT16))
        cur = "x16"
    inits.append(numpy_helper.from_array(np.asarray(matrix, np.float32).reshape(3, 3, 1, 1).astype(wdtype), "w"))
    conv_inputs = [cur, "w"]
    if bias is not None:
        inits.append(numpy_helper.from_array(np.asarray(bias, np.float32).astype(wdtype), "b"))
        conv_inputs.append("b")
    nodes.append(helper.make_node("Conv", conv_inputs, ["conv"]))
    cur = "conv"
    if multiple > 1:
        inits.append(numpy_helper.from_array(np.array([1, 1, multiple, multiple], np.float32), "scales"))
        inits.append(numpy_helper.from_array(np.array(0.0, wdtype), "zero"))
        nodes += [
            helper.make_node("AveragePool", [cur], ["pooled"], kernel_shape=[multiple, multiple],
                             strides=[multiple, multiple]),
            helper.make_node("Resize", ["pooled", "", "scales"], ["up"], mode="nearest"),
            helper.make_node("Mul", ["up", "zero"], ["upz"]),
            helper.make_node("Add", [cur, "upz"], ["summed"]),
        ]
        cur = "summed"
    if fp16_weights and not fp16_io:
        nodes.append(helper.make_node("Cast", [cur], ["y32"], to=TensorProto.FLOAT))
        cur = "y32"
    if layout == "NHWC":
        nodes.append(helper.make_node("Transpose", [cur], ["nhwc"], perm=[0, 2, 3, 1]))
        cur = "nhwc"
    if fp16_io and not fp16_weights:
        nodes.append(helper.make_node("Cast", [cur], ["y16"], to=TensorProto.FLOAT16))
        cur = "y16"
    nodes.append(helper.make_node("Identity", [cur], ["styled"]))
    graph = helper.make_graph(nodes, "colour", [x], [y], inits)
    metadata = None
    if meta:
        io = IOConvention(layout=layout, size_multiple=multiple, min_size=multiple)
        metadata = {"family": "test", "task": "image-to-image", "role": "generator", "style": style,
                    "precision": "fp16" if fp16_weights else "fp32", "license": "Apache-2.0",
                    **modelfile.metadata_for(io)}
    return _save(graph, path, metadata)


def expected_colour(rgb: np.ndarray) -> np.ndarray:
    """What colour_model produces for uint8 RGB, computed independently in numpy."""
    x = rgb.astype(np.float64) / 127.5 - 1.0
    y = x @ STYLE_MATRIX.T.astype(np.float64)
    return np.clip(np.rint((y + 1.0) * 127.5), 0, 255).astype(np.uint8)


def fixed_size_model(path: Path, height: int = 32, width: int = 48) -> Path:
    """Identity on exactly 1x3xHxW (like a Pix2Pix export)."""
    x = helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 3, height, width])
    y = helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 3, height, width])
    graph = helper.make_graph([helper.make_node("Neg", ["a"], ["b"])], "fixed", [x], [y])
    return _save(graph, path)


def latent_model(path: Path, latent: int = 8, size: int = 4) -> Path:
    """z (N x latent) -> tanh(z @ W) reshaped to N x 3 x size x size."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((latent, 3 * size * size)).astype(np.float32)
    x = helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", latent])
    y = helper.make_tensor_value_info("img", TensorProto.FLOAT, ["N", 3, size, size])
    shape = numpy_helper.from_array(np.array([-1, 3, size, size], np.int64), "shape")
    nodes = [helper.make_node("MatMul", ["z", "w"], ["m"]), helper.make_node("Reshape", ["m", "shape"], ["r"]),
             helper.make_node("Tanh", ["r"], ["img"])]
    graph = helper.make_graph(nodes, "latent", [x], [y], [numpy_helper.from_array(w, "w"), shape])
    return _save(graph, path)


def classifier_model(path: Path) -> Path:
    """An image in, a vector out: loads fine but is not an image-to-image model."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])
    y = helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, 3])
    graph = helper.make_graph([helper.make_node("ReduceMean", ["x"], ["p"], axes=[2, 3], keepdims=0)],
                              "cls", [x], [y])
    return _save(graph, path)
