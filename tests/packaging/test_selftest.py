"""The installer's pieces that can be checked without building it (the build itself: scripts/check_bundle.py).

`--self-test` runs from the installed package, offscreen; the spec's excludes name every forbidden package;
`--version` imports nothing heavy; a missing extra is one line; the third-party notices are collected.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the licences dialog test; the self-test sets its own
REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("torch", "torchvision", "diffusers", "transformers", "accelerate", "huggingface_hub", "ray", "pyarrow",
             "pandas", "trainer", "export")


def _command() -> list[str]:
    script = Path(sys.executable).parent / ("anime-desktop.exe" if os.name == "nt" else "anime-desktop")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "anime_desktop"]


def test_self_test_passes_offscreen_with_one_line_per_check(tmp_path):
    from anime_desktop.selftest import CHECKS

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANIME_DESKTOP_HOME=str(tmp_path / "home"))
    env.pop("DISPLAY", None)  # no display: the window check must not need one
    done = subprocess.run([*_command(), "--self-test"], capture_output=True, text=True, timeout=120, env=env,
                          cwd=tmp_path)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split()[:2] for line in lines[:-1]] == [["ok", name] for name in CHECKS]
    assert lines[-1].startswith("self-test passed: 4/4") and "installed package" in lines[-1]
    assert "reference comparison skipped (not a bundle" in lines[0]  # the stated reason outside a bundle
    assert "Traceback" not in done.stderr
    assert not any((tmp_path / "home").rglob("*")), "the self-test used its own throw-away home"


def test_self_test_rejects_an_unknown_check():
    done = subprocess.run([*_command(), "--self-test", "nonsense"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown check 'nonsense'" in done.stderr


def test_version_imports_nothing_heavy():
    code = ("import atexit, sys; from anime_desktop.cli import main; atexit.register(lambda: print(sorted(m for m in "
            "('numpy', 'onnxruntime', 'PySide6', 'cv2', 'av') if m in sys.modules))); main(['--version'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["anime-desktop 0.1.0", "[]"], done.stderr


def _spec_list(name: str) -> list[str]:
    tree = ast.parse((REPO / "anime_desktop.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{name} not found in anime_desktop.spec")


def test_spec_excludes_every_forbidden_package_and_unused_qt():
    excludes = _spec_list("EXCLUDES")
    assert set(FORBIDDEN) <= set(excludes)
    assert {"QtQml", "QtQuick", "Qt3DCore", "QtPdf", "QtWebEngineCore"} <= set(_spec_list("QT_UNUSED"))
    hooks = (REPO / "anime_desktop.spec").read_text(encoding="utf-8")
    assert "anime-desktop-cli" in hooks and "NSCameraUsageDescription" in hooks and ".tar.gz" in hooks


def test_missing_extra_is_one_line_naming_the_pip_extra(monkeypatch):
    from anime_desktop.core import extras

    monkeypatch.setattr(extras, "available", lambda extra: False)
    with pytest.raises(extras.MissingExtra) as caught:
        extras.require("diffusion", "-m dreamshaper")
    assert str(caught.value) == "-m dreamshaper needs the 'diffusion' extra: pip install 'anime-desktop[diffusion]'"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    frozen = str(extras.MissingExtra("batch --ray", "cluster"))
    assert "pip install 'anime-desktop[cluster]'" in frozen and "bundle" in frozen and "\n" not in frozen


def test_third_party_notices_are_collected_with_their_texts(tmp_path):
    from anime_desktop import licenses

    found = {n.name.lower(): n for n in licenses.collect(tmp_path / "notices")}
    for name in ("numpy", "pillow", "onnxruntime", "opencv-python-headless", "av", "pyside6_essentials",
                 "platformdirs", "python"):
        assert name in found and found[name].files, name
    qt = found["pyside6_essentials"].text()
    assert "LGPL" in qt and "GNU LESSER GENERAL PUBLIC LICENSE" in qt
    assert "x264" in found["av"].note and "GNU GENERAL PUBLIC LICENSE" in found["av"].text()
    assert (tmp_path / "notices" / "index.json").is_file() and (tmp_path / "notices" / "NOTICES.txt").is_file()


def test_about_offers_the_third_party_licences(qtbot):
    from anime_desktop.gui import help as help_menu

    dialog = help_menu.licences_dialog(None)
    qtbot.addWidget(dialog)
    entries = [dialog.names.item(i).text() for i in range(dialog.names.count())]
    assert any(e.startswith("PySide6") and "LGPL" in e for e in entries)
    row = next(i for i, e in enumerate(entries) if e.startswith("PySide6"))
    dialog.names.setCurrentRow(row)
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in dialog.text.toPlainText()
