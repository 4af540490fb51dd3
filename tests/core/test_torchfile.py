"""core.torchfile: PyTorch checkpoints read without torch; anything but tensors and containers refused."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

from anime_desktop.core import torchfile
from anime_desktop.core.errors import ModelFileError

torch = pytest.importorskip("torch")  # only to write the files; reading never imports it


def _tensors():
    torch.manual_seed(0)
    return OrderedDict([
        ("conv.weight", torch.randn(4, 3, 3, 3)),
        ("transposed", torch.randn(3, 5).t()),  # non-contiguous strides
        ("half", torch.randn(6, dtype=torch.float16)[::2]),  # a view with a step
        ("bf16", torch.randn(3, dtype=torch.bfloat16)),
        ("steps", torch.tensor(7)),  # a 0-d int64
        ("param", torch.nn.Parameter(torch.randn(2))),
        ("empty", torch.zeros(0, 3)),
    ])


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_tensors_and_containers_round_trip(tmp_path, monkeypatch, legacy):
    sd = _tensors()
    data = {"state_dict": sd, "step": 3, "name": "x", "lr": 0.5, "flags": [True, None], "pair": (1, 2)}
    path = tmp_path / "w.pt"
    torch.save(data, path, _use_new_zipfile_serialization=not legacy)
    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # reading must not need torch
    out = torchfile.load(path)
    assert (out["step"], out["name"], out["lr"], out["flags"], out["pair"]) == (3, "x", 0.5, [True, None], (1, 2))
    assert isinstance(out["state_dict"], OrderedDict) and list(out["state_dict"]) == list(sd)
    for key, tensor in sd.items():
        expected = tensor.detach().float().numpy() if tensor.dtype == torch.bfloat16 else tensor.detach().numpy()
        got = out["state_dict"][key]
        assert isinstance(got, np.ndarray) and got.shape == expected.shape, key
        assert np.array_equal(got, expected), key
    weights = torchfile.state_dict(out, path)  # unwrapped from "state_dict"
    assert set(weights) == set(sd)


def test_module_prefix_is_removed(tmp_path):
    path = tmp_path / "dp.pth"
    torch.save({"module.a.weight": torch.ones(2)}, path)
    assert list(torchfile.state_dict(torchfile.load(path), path)) == ["a.weight"]


class _Evil:
    """Pickles as a call that would create a file if anything in the pickle ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


class _EvilOpen(_Evil):
    def __reduce__(self):
        return (open, (self.marker, "w"))


def _zip_with(tmp_path, payload: bytes):
    good = tmp_path / "good.pt"
    torch.save({"w": torch.ones(2)}, good)
    evil = tmp_path / "evil.pt"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, payload if item.filename.endswith("data.pkl") else src.read(item))
    return evil


def _legacy_with(tmp_path, payload: bytes):
    stream = io.BytesIO()
    for value in (torchfile.LEGACY_MAGIC, torchfile.LEGACY_PROTOCOL, {"little_endian": True}):
        pickle.dump(value, stream, protocol=2)
    stream.write(payload)
    pickle.dump([], stream, protocol=2)
    evil = tmp_path / "evil_legacy.pth"
    evil.write_bytes(stream.getvalue())
    return evil


@pytest.mark.parametrize("make", [_zip_with, _legacy_with], ids=["zip", "legacy"])
@pytest.mark.parametrize("evil", [_Evil, _EvilOpen], ids=["os.system", "open"])
def test_pickled_code_is_refused_before_it_runs(tmp_path, make, evil):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": evil(marker)}, protocol=2)
    pickle.loads(pickle.dumps(evil(tmp_path / "control"), protocol=2))  # the payload really would act...
    assert (tmp_path / "control").exists()
    path = make(tmp_path, payload)
    with pytest.raises(ModelFileError) as caught:
        torchfile.load(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert "refused: it holds Python objects" in message and "nothing in it was run" in message
    assert ("system" in message) if evil is _Evil else ("open" in message)
    assert not marker.exists()  # ...but nothing in the checkpoint ran


def test_a_class_of_its_own_is_refused(tmp_path):
    payload = pickle.dumps({"w": OrderedDict(), "x": _Evil("never")}, protocol=2).replace(b"posix", b"mymod")
    with pytest.raises(ModelFileError, match="refused"):
        torchfile.load(_zip_with(tmp_path, payload))


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_truncated_and_corrupt_files_get_one_line_naming_the_file(tmp_path, legacy):
    full = tmp_path / "full.pt"
    torch.save(_tensors(), full, _use_new_zipfile_serialization=not legacy)
    data = full.read_bytes()
    for cut in (len(data) // 3, len(data) - 20, 40):
        broken = tmp_path / f"cut{cut}.pt"
        broken.write_bytes(data[:cut])
        with pytest.raises(ModelFileError) as caught:
            torchfile.load(broken)
        assert str(broken) in str(caught.value) and "\n" not in str(caught.value)
    for name, content in (("empty.pt", b""), ("junk.pt", b"not a checkpoint at all"), ("pickle.pt", b"\x80\x02K")):
        bad = tmp_path / name
        bad.write_bytes(content)
        with pytest.raises(ModelFileError) as caught:
            torchfile.load(bad)
        assert str(bad) in str(caught.value) and "\n" not in str(caught.value)


def test_not_a_state_dict(tmp_path):
    path = tmp_path / "list.pt"
    torch.save([1, 2, 3], path)
    with pytest.raises(ModelFileError, match="not a state dict"):
        torchfile.state_dict(torchfile.load(path), path)
