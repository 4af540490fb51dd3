"""Folder jobs: discovery, naming, resume, bad files, cancel; inference is a numpy function.

The CLI tests run the same generator with real ONNX models; here the model is replaced by a
pure function so that the bookkeeping can be checked exactly.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from anime_desktop.core import batch, pipeline
from anime_desktop.core.errors import Cancelled
from anime_desktop.core.progress import Progress

OPTIONS = pipeline.StylizeOptions()


def invert(rgb, progress):
    return 255 - rgb


def make_folder(root, names=("a.png", "b.jpg", "sub/c.png")):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((12, 16, 3), 40, np.uint8)).save(path)
    return root


def test_discover_skips_hidden_non_images_and_nested_output(tmp_path):
    src = make_folder(tmp_path / "in")
    (src / "notes.txt").write_text("x")
    (src / ".hidden.png").write_bytes(b"x")
    out = src / "out"
    make_folder(out, ("old_result.png",))
    flat = [p.name for p in batch.discover(src)]
    deep = [p.relative_to(src.resolve()).as_posix() for p in batch.discover(src, recursive=True, exclude=out)]
    assert flat == ["a.png", "b.jpg"]
    assert deep == ["a.png", "b.jpg", "sub/c.png"]


def test_plan_mirrors_folders_and_tells_clashing_names_apart(tmp_path):
    src = make_folder(tmp_path / "in", ("x.png", "x.jpg", "sub/y.png"))
    jobs = batch.plan(batch.discover(src, True), src, tmp_path / "out", ["m1", "m2"], pipeline.OutputOptions())
    names = sorted(t.dst.relative_to(tmp_path / "out").as_posix() for j in jobs for t in j.targets)
    assert names == ["sub/y_m1.png", "sub/y_m2.png", "x-jpg_m1.png", "x-jpg_m2.png", "x-png_m1.png", "x-png_m2.png"]


def test_run_writes_outputs_and_resumes(tmp_path):
    src = make_folder(tmp_path / "in")
    out = tmp_path / "out"
    jobs = batch.plan(batch.discover(src, True), src, out, ["inv"], pipeline.OutputOptions())
    events = list(batch.run_batch(jobs, lambda m: invert, OPTIONS))
    assert [e.kind for e in events] == ["done"] * 3
    result = np.asarray(Image.open(out / "sub" / "c_inv.png"))
    assert (result == 215).all()
    again = list(batch.run_batch(jobs, lambda m: invert, OPTIONS))
    assert [e.kind for e in again] == ["exists"] * 3


def test_bad_files_are_reported_and_never_stop_the_batch(tmp_path):
    src = make_folder(tmp_path / "in")
    (src / "broken.jpg").write_bytes(b"this is not a jpeg")
    (src / "empty.png").write_bytes(b"")
    jobs = batch.plan(batch.discover(src), src, tmp_path / "out", ["inv"], pipeline.OutputOptions())
    events = list(batch.run_batch(jobs, lambda m: invert, OPTIONS))
    failed = {e.src.name: e.failure for e in events if e.kind == "failed"}
    assert sorted(failed) == ["broken.jpg", "empty.png"]
    assert all(f.stage == "decode" for f in failed.values())
    assert sum(e.kind == "done" for e in events) == 2
    report = batch.write_report(tmp_path / "r.json", list(failed.values()))
    rows = json.loads(report.read_text())
    assert {r["stage"] for r in rows} == {"decode"} and all(r["reason"] for r in rows)
    csv_text = batch.write_report(tmp_path / "r.csv", list(failed.values())).read_text()
    assert csv_text.splitlines()[0] == "path,stage,reason" and len(csv_text.splitlines()) == 3


def test_inference_failure_is_reported_per_image(tmp_path):
    src = make_folder(tmp_path / "in")

    def picky(rgb, progress):
        raise MemoryError

    jobs = batch.plan(batch.discover(src), src, tmp_path / "out", ["p"], pipeline.OutputOptions())
    events = list(batch.run_batch(jobs, lambda m: picky, OPTIONS))
    assert [e.failure.stage for e in events] == ["infer", "infer"]
    assert "memory" in events[0].failure.reason


def test_cancel_leaves_only_complete_outputs_then_resume_finishes(tmp_path):
    src = make_folder(tmp_path / "in", [f"p{i}.png" for i in range(8)])
    out = tmp_path / "out"
    jobs = batch.plan(batch.discover(src), src, out, ["inv"], pipeline.OutputOptions())
    progress = Progress()
    done = []
    with pytest.raises(Cancelled):
        for event in batch.run_batch(jobs, lambda m: invert, OPTIONS, progress):
            done.append(event)
            progress.abort()
    written = sorted(out.iterdir())
    assert 1 <= len(written) < 8
    assert all(not p.name.startswith(".") for p in written)  # no temp files
    for path in written:
        assert (np.asarray(Image.open(path)) == 215).all()  # every file complete and decodable
    rest = list(batch.run_batch(jobs, lambda m: invert, OPTIONS))
    assert sum(e.kind == "exists" for e in rest) == len(written)
    assert sum(e.kind == "done" for e in rest) == 8 - len(written)


def test_outputs_never_replace_inputs(tmp_path):
    src = make_folder(tmp_path / "in", ("a.png", "a_inv.png"))
    original = (src / "a_inv.png").read_bytes()
    jobs = batch.plan(batch.discover(src), src, src, ["inv"], pipeline.OutputOptions())
    assert all(t.dst.resolve() != (src / "a_inv.png").resolve() for j in jobs for t in j.targets)
    list(batch.run_batch(jobs, lambda m: invert, OPTIONS))
    assert (src / "a_inv.png").read_bytes() == original
