"""SWD behaves like a distance; eval reports what it cannot compute instead of failing."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from trainer.cli import main
from trainer.metrics.swd import laplacian_pyramid, swd


def faces(seed, n=16, shift=0.0):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(n, 3, 8, 8, generator=g)
    images = torch.nn.functional.interpolate(base, size=64, mode="bilinear", align_corners=False)
    return (images * 2 - 1 + shift).clamp(-1, 1)


def test_pyramid_goes_down_to_16_px():
    levels = laplacian_pyramid(torch.zeros(1, 3, 64, 64))
    assert [lv.shape[-1] for lv in levels] == [64, 32, 16]


def test_swd_is_small_for_same_distribution_and_grows_with_difference():
    same = swd(faces(0), faces(1))["swd"]
    shifted = swd(faces(0), faces(1, shift=0.5))["swd"]
    noise = swd(faces(0), torch.rand(16, 3, 64, 64) * 2 - 1)["swd"]
    assert same < shifted and same < noise
    assert swd(faces(0), faces(1))["swd"] == same  # seeded: the same numbers every run


def test_eval_command_on_folders(tmp_path, capsys):
    for name, seed in (("real", 0), ("fake", 1)):
        (tmp_path / name).mkdir()
        for i, img in enumerate(faces(seed, 4)):
            rgb = ((img.permute(1, 2, 0).numpy() + 1) * 127.5).astype(np.uint8)
            Image.fromarray(rgb).save(tmp_path / name / f"{i}.png")
    code = main(["eval", "--real", str(tmp_path / "real"), "--fake", str(tmp_path / "fake"),
                 "--metrics", "swd,fid", "--json", str(tmp_path / "m.json")])
    out = capsys.readouterr().out
    assert code == 0 and "swd_64px" in out
    import json

    fid = json.loads((tmp_path / "m.json").read_text())["fid"]
    # A number where Inception's weights are on the machine; offline, the reason and where they go.
    if isinstance(fid, str):
        assert fid.startswith("unavailable: ") and "checkpoints" in fid, fid
    else:
        assert fid >= 0.0


def test_eval_reads_npz_face_sets_like_the_image_folders(tmp_path, capsys):
    """render-faces writes .npz; eval on it gives the same SWD as on the same faces saved as PNGs."""
    import json

    for name, seed in (("real", 0), ("fake", 1)):
        rgb = ((faces(seed, 6).permute(0, 2, 3, 1).numpy() + 1) * 127.5).astype(np.uint8)
        np.savez(tmp_path / f"{name}.npz", images=rgb)
        (tmp_path / name).mkdir()
        for i, img in enumerate(rgb):
            Image.fromarray(img).save(tmp_path / name / f"{i}.png")
    results = []
    for real, fake in (("real.npz", "fake.npz"), ("real", "fake")):
        assert main(["eval", "--real", str(tmp_path / real), "--fake", str(tmp_path / fake), "--metrics", "swd",
                     "--json", str(tmp_path / "m.json")]) == 0
        results.append(json.loads((tmp_path / "m.json").read_text())["swd"])
    assert results[0] == results[1]
    # Unusable data is a data error (exit 2, as in training), and the message says what is wrong.
    np.savez(tmp_path / "bad.npz", pictures=np.zeros((2, 8, 8, 3), np.uint8))
    assert main(["eval", "--real", str(tmp_path / "bad.npz"), "--fake", str(tmp_path / "fake")]) == 2
    assert "no `images` array" in capsys.readouterr().err
    (tmp_path / "corrupt.npz").write_bytes(b"not a zip")
    assert main(["eval", "--real", str(tmp_path / "corrupt.npz"), "--fake", str(tmp_path / "fake")]) == 2
    assert "not a readable .npz file" in capsys.readouterr().err
