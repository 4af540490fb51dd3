"""Help menu: About (version, licences of the app, of each model and of the third-party libraries), shortcuts,
README, log folder."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import __version__, licenses

HOMEPAGE = "https://example.invalid/anime-desktop"

SHORTCUTS = (
    ("Ctrl+O", "Open photos"),
    ("Ctrl+V", "Paste a picture from the clipboard into Stylize"),
    ("Ctrl+S / Ctrl+Shift+S", "Save the shown result / save all results"),
    ("Ctrl+K", "Compare the selected photo across the ticked models"),
    ("B (hold), or the Before button", "Show the photo before stylizing"),
    ("Ctrl+1 … Ctrl+6", "Stylize, Compare, Batch, Live, Faces, Models"),
    ("Wheel / drag / F", "Zoom, pan, fit the picture"),
    ("Ctrl+Q", "Quit"),
)


def about_text(rows) -> str:
    """The app's licence and, for each model the user can run, where it comes from and its licence."""
    models = "".join(f"<li><b>{html.escape(r.name)}</b>: {html.escape(r.license or 'unknown')}"
                     f"{' (built-in)' if r.builtin else ''}</li>" for r in rows)
    return (f"<h3>Anime Desktop {__version__}</h3>"
            "<p>Photos, folders and a webcam into cartoon and anime looks with small GAN models.</p>"
            "<p>Licensed under the Apache License 2.0. Qt (PySide6) is used under the LGPL v3; "
            "ONNX Runtime (MIT), NumPy (BSD), Pillow (MIT-CMU), OpenCV (Apache-2.0) and PyAV with "
            "FFmpeg (LGPL) keep their own licences.</p>"
            f"<p>Models and their licences:</p><ul>{models}</ul>"
            "<p>A model's licence governs what you may do with its pictures: "
            "non-commercial (NC) models are for personal use only.</p>"
            "<p>Every library inside the app, with its licence texts: <b>Third-party licences…</b></p>")


def show_about(parent: QWidget, rows) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About Anime Desktop")
    box.setTextFormat(box.textFormat().RichText)
    box.setText(about_text(rows))
    box.addButton(QMessageBox.StandardButton.Ok)
    notices = box.addButton("Third-party licences…", QMessageBox.ButtonRole.ActionRole)
    notices.clicked.connect(lambda: show_licences(parent))
    box.open()


def licences_dialog(parent: QWidget | None) -> QDialog:
    """The collected third-party notices (anime_desktop.licenses): a list, and the chosen one's texts."""
    found = licenses.notices()
    dialog = QDialog(parent)
    dialog.setWindowTitle("Third-party licences")
    dialog.resize(900, 600)
    names = QListWidget()
    names.addItems([f"{n.name} {n.version} — {n.license}" for n in found])
    names.setMaximumWidth(330)
    text = QTextBrowser()
    text.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
    names.currentRowChanged.connect(lambda row: text.setPlainText(found[row].text() if 0 <= row < len(found) else ""))
    body = QHBoxLayout()
    body.addWidget(names)
    body.addWidget(text, 1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    folder = licenses.bundled_folder()
    if folder is not None:  # in a bundle the texts are files too: let the user open them
        buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole).clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
    layout = QVBoxLayout(dialog)
    layout.addLayout(body, 1)
    layout.addWidget(buttons)
    if found:
        names.setCurrentRow(0)
    dialog.names, dialog.text = names, text  # for tests
    return dialog


def show_licences(parent: QWidget | None) -> None:
    licences_dialog(parent).open()


def shortcuts_text() -> str:
    lines = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>&nbsp;{html.escape(v)}</td></tr>"
                    for k, v in SHORTCUTS)
    return f"<table>{lines}</table>"


def show_shortcuts(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("Keyboard shortcuts")
    box.setText(shortcuts_text())
    box.open()


def readme_url() -> QUrl:
    """The README beside the package in a checkout or bundle, else the project page."""
    here = Path(__file__).resolve().parents[2] / "README.md"
    return QUrl.fromLocalFile(str(here)) if here.is_file() else QUrl(HOMEPAGE)


def open_readme() -> None:
    QDesktopServices.openUrl(readme_url())


def open_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
