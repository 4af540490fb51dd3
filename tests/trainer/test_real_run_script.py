"""scripts/animegan_real_run.py: the split it measures on, and the limits it refuses."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "animegan_real_run.py"


def load_script():
    spec = importlib.util.spec_from_file_location("animegan_real_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_tenth_picture_of_each_domain_is_held_out_and_nothing_is_in_both(tmp_path):
    for domain in ("trainA", "trainB"):
        (tmp_path / "data" / domain).mkdir(parents=True)
        for i in range(25):
            (tmp_path / "data" / domain / f"{i:03d}.jpg").write_bytes(b"x")
    (tmp_path / "data" / "trainA" / "notes.txt").write_text("not a picture")
    load_script().split(tmp_path / "data", tmp_path / "work")
    for target in ("real_images", "anime_images"):
        held = sorted(p.name for p in (tmp_path / "work" / "held" / target).iterdir())
        train = sorted(p.name for p in (tmp_path / "work" / "train" / target).iterdir())
        assert held == ["009.jpg", "019.jpg"] and len(train) == 23 and not set(held) & set(train)
    assert (tmp_path / "work" / "train" / "real_images" / "000.jpg").resolve() == \
        (tmp_path / "data" / "trainA" / "000.jpg").resolve()


def test_an_init_phase_over_a_fifth_of_the_run_is_refused(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path), "--steps", "100",
                           "--init-steps", "30"], capture_output=True, text=True)
    assert done.returncode == 2 and "at most 20 %" in done.stderr


def test_a_folder_without_the_two_domains_says_what_it_needs(tmp_path):
    with pytest.raises(SystemExit, match="trainA"):
        load_script().split(tmp_path, tmp_path / "work")
