"""Decoding awkward-but-valid files, rejecting bad ones, and writing safely."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
from PIL import Image, ImageCms

from anime_desktop.core import imageio
from anime_desktop.core.errors import ImageReadError, ImageTooLargeError, ImageWriteError
from tests.conftest import TEST_IMAGES, need_shared


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.fixture
def robustness():
    return need_shared(TEST_IMAGES / "robustness")


@pytest.fixture
def coffee():
    return np.asarray(Image.open(need_shared(TEST_IMAGES / "coffee.png")).convert("RGB"))


def test_exif_orientation_is_applied_and_sides_swap(robustness, coffee):
    image = imageio.load_image(robustness / "coffee_exif_orientation6.jpg")
    assert image.size == (600, 400)  # stored 400x600, displayed upright 600x400
    assert psnr(image.rgb, coffee) > 30  # the same picture, the right way up (JPEG loss only)
    exif = Image.Exif()
    exif.load(image.exif)
    assert exif.get(imageio.EXIF_ORIENTATION, 1) == 1  # reset, or viewers would rotate it again
    astronaut = imageio.load_image(robustness / "astronaut_exif_orientation6.jpg").rgb
    upright = np.asarray(Image.open(TEST_IMAGES / "astronaut.png").convert("RGB"))
    assert psnr(astronaut, upright) > 30


def test_sixteen_bit_files_are_scaled_not_clipped(robustness, coffee):
    rgb48 = imageio.load_image(robustness / "coffee_rgb48_16bit.png").rgb
    assert np.abs(rgb48.astype(int) - coffee).max() <= 1
    grey16 = imageio.load_image(robustness / "coffee_gray16_16bit.png")
    assert grey16.rgb.shape == (400, 600, 3)
    raw16 = np.asarray(Image.open(robustness / "coffee_gray16_16bit.png")).astype(np.float64)
    assert np.array_equal(grey16.rgb[..., 0], np.rint(raw16 / 257).astype(np.uint8))  # scaled, not clipped
    assert 20 < grey16.rgb.mean() < 235


@pytest.mark.parametrize("name,reference", [("coffee_palette_P.png", "coffee.png"),
                                            ("rocket_cmyk.jpg", "rocket.png")])
def test_palette_and_cmyk_become_rgb(robustness, name, reference):
    image = imageio.load_image(robustness / name)
    ref = np.asarray(Image.open(TEST_IMAGES / reference).convert("RGB"))
    assert image.rgb.shape == ref.shape and image.alpha is None
    assert psnr(image.rgb, ref) > 24


def test_alpha_is_kept_separately(robustness):
    image = imageio.load_image(robustness / "coffee_rgba_transparent.png")
    assert image.rgb.shape == (400, 600, 3)
    assert image.alpha is not None and image.alpha[200, 300] == 255 and image.alpha[0, 0] == 0


def test_greyscale_expands_to_three_equal_channels(robustness):
    image = imageio.load_image(robustness / "chelsea_grayscale.jpg")
    assert image.rgb.shape == (300, 451, 3)
    assert np.array_equal(image.rgb[..., 0], image.rgb[..., 2])


@pytest.mark.parametrize("name,words", [("empty.png", "empty"), ("not_an_image.jpg", "not an image"),
                                        ("truncated.jpg", "truncated")])
def test_bad_files_give_specific_one_line_errors(name, words):
    path = need_shared(TEST_IMAGES / "bad" / name)
    with pytest.raises(ImageReadError) as info:
        imageio.load_image(path)
    message = str(info.value)
    assert name in message and words in message and "\n" not in message
    assert info.value.stage == "decode"


def test_missing_file_and_folder_are_read_errors(tmp_path):
    with pytest.raises(ImageReadError, match="no such file") as info:
        imageio.load_image(tmp_path / "nope.png")
    assert info.value.stage == "read"
    with pytest.raises(ImageReadError, match="folder"):
        imageio.load_image(tmp_path)


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.new("RGB", (300, 200)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(ImageTooLargeError, match="too large"):
        imageio.load_image(path)


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("ext", ["png", "jpg", "webp"])
def test_save_keeps_exif_and_icc(tmp_path, ext):
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[imageio.EXIF_ORIENTATION] = 1
    icc = _srgb_icc()
    rgb = np.full((20, 30, 3), 120, np.uint8)
    out = imageio.save_image(tmp_path / f"x.{ext}", rgb, exif=exif.tobytes(), icc=icc)
    with Image.open(out) as saved:
        assert saved.size == (30, 20)
        assert saved.info.get("icc_profile") == icc
        assert saved.getexif().get(0x010F) == "TestCam"


def test_alpha_survives_png_and_is_composited_for_jpeg(tmp_path):
    rgb = np.zeros((10, 10, 3), np.uint8)
    alpha = np.zeros((10, 10), np.uint8)
    alpha[:5] = 255
    with Image.open(imageio.save_image(tmp_path / "a.png", rgb, alpha=alpha)) as png:
        assert png.mode == "RGBA" and np.array_equal(np.asarray(png)[..., 3], alpha)
    with Image.open(imageio.save_image(tmp_path / "a.jpg", rgb, alpha=alpha)) as jpg:
        pixels = np.asarray(jpg)
        assert pixels[8, 5].min() > 240 and pixels[2, 5].max() < 15  # transparent -> white


def test_existing_file_is_never_overwritten(tmp_path):
    target = tmp_path / "keep.png"
    target.write_bytes(b"precious")
    with pytest.raises(ImageWriteError, match="exists already"):
        imageio.save_image(target, np.zeros((4, 4, 3), np.uint8))
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]  # no temp file left behind
    imageio.save_image(target, np.zeros((4, 4, 3), np.uint8), overwrite=True)
    assert target.read_bytes() != b"precious"


@pytest.mark.parametrize("code,words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only")])
def test_failed_write_leaves_nothing_and_says_why(tmp_path, monkeypatch, code, words):
    def failing_fsync(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(imageio.os, "fsync", failing_fsync)
    with pytest.raises(ImageWriteError, match=words):
        imageio.save_image(tmp_path / "out.png", np.zeros((8, 8, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_unknown_output_format_is_refused(tmp_path):
    with pytest.raises(ImageWriteError, match="cannot write"):
        imageio.save_image(tmp_path / "x.psd", np.zeros((2, 2, 3), np.uint8))
