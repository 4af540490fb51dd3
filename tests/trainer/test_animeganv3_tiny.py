"""The AnimeGANv3 tiny generator: the published graph's layout, and why it can rebuild a photo."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import SHARED, need_shared
from trainer.networks.animegan import animeganv3_generator
from trainer.networks.animeganv3_tiny import AnimeGANv3TinyGenerator, upsample2x
from trainer.networks.common import count_parameters


def load_published(g: AnimeGANv3TinyGenerator, path) -> None:
    """Copy a tf2onnx AnimeGANv3_tiny file's Conv weights and biases into `g`, node by node."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    nodes = [n for n in model.graph.node if n.op_type == "Conv"]
    assert len(nodes) == len(g.published_order())
    with torch.no_grad():
        for module, node in zip(g.published_order(), nodes):
            module.conv.weight.copy_(torch.from_numpy(weights[node.input[1]].copy()))
            assert (module.conv.bias is not None) == (len(node.input) > 2), node.name
            if module.conv.bias is not None:
                module.conv.bias.copy_(torch.from_numpy(weights[node.input[2]].copy()))


def test_with_the_published_weights_it_draws_the_published_models_picture(tiny_cute):
    ort = pytest.importorskip("onnxruntime")
    g = AnimeGANv3TinyGenerator().eval()
    load_published(g, tiny_cute)
    rgb = Image.open(need_shared(SHARED / "datasets" / "kodak24" / "kodim23.png")).convert("RGB")
    photo = np.asarray(rgb.resize((256, 176)), np.float32) / 127.5 - 1  # not square, sides multiples of 16
    session = ort.InferenceSession(str(tiny_cute), providers=["CPUExecutionProvider"])
    theirs = session.run(None, {session.get_inputs()[0].name: photo[None]})[0][0]
    with torch.no_grad():
        ours = g(torch.from_numpy(photo).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
    assert np.abs(ours - theirs).max() < 1e-4
    assert np.abs(theirs - photo).mean() > 0.05  # the published look changes the photo: a real comparison


def test_it_has_the_published_parameter_count_and_keeps_sizes_that_are_multiples_of_16():
    g = AnimeGANv3TinyGenerator()
    assert count_parameters(g) == 605_616  # the file's 605,670 initialiser values less its 54 shape constants
    out = g(torch.rand(2, 3, 48, 80) * 2 - 1)
    assert out.shape == (2, 3, 48, 80) and out.abs().max() <= 1


def test_asymmetric_upsampling_copies_even_pixels_and_averages_odd_ones():
    x = torch.tensor([[[[0.0, 2.0], [4.0, 8.0]]]])
    assert upsample2x(x)[0, 0].tolist() == [[0, 1, 2, 2], [2, 3.5, 5, 5], [4, 6, 8, 8], [4, 6, 8, 8]]


def test_unlike_instance_norm_in_every_layer_it_sees_a_photos_brightness():
    """The reason the init phase can rebuild a photo with the tiny G and not with the instance-norm
    one: a brightness shift of the whole input reaches the tiny G's output, and is invisible to a
    G that instance-normalises its first convolution."""
    torch.manual_seed(0)
    photo = torch.rand(1, 3, 64, 64) * 1.2 - 0.8
    tiny, instance = AnimeGANv3TinyGenerator().eval(), animeganv3_generator().eval()
    with torch.no_grad():
        assert (tiny(photo + 0.3) - tiny(photo)).abs().mean() > 1e-3
        assert (instance(photo + 0.3) - instance(photo)).abs().max() < 1e-4
