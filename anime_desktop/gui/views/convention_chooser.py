"""Choosing how to feed a model without our metadata by eye, not by jargon.

A third-party file does not say whether it wants [-1, 1] or [0, 1] pixels, RGB or BGR. Asking a
person "Value range?" is asking the wrong question; showing the bundled sample under each
plausible convention and letting them pick the picture that looks right is the right one. The
detected best guess comes first and is preselected.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QToolButton, QVBoxLayout

from ..convert import to_pixmap

COLUMNS = 3


class ConventionChooser(QDialog):
    def __init__(self, path: Path, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Which picture looks right?")
        self.choice: dict | None = None
        self.buttons: list[QToolButton] = []
        intro = QLabel(f"{path.name} does not say how it wants its pixels. Here is the sample photo through it "
                       "in each plausible way; pick the one that looks right (the first is our best guess).")
        intro.setWordWrap(True)
        self.grid = QGridLayout()
        self.waiting = QLabel("Running the model…")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        self.ok = box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.waiting)
        layout.addLayout(self.grid)
        layout.addWidget(box)

    def add(self, candidate) -> None:
        """One ConventionCandidate from the engine; unusable ones are not offered."""
        if candidate.image is None:
            return
        self.waiting.hide()
        button = QToolButton()
        button.setObjectName("convention-choice")
        button.setCheckable(True)
        button.setAutoExclusive(True)
        pixmap = to_pixmap(candidate.image)
        button.setIcon(pixmap)
        button.setIconSize(pixmap.size())
        button.setToolTip(candidate.label)
        button.toggled.connect(lambda on, o=candidate.overrides: self._chosen(o) if on else None)
        caption = QLabel(candidate.label + ("  · best guess" if candidate.detected else ""))
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cell = QVBoxLayout()
        cell.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        cell.addWidget(caption)
        n = len(self.buttons)
        self.grid.addLayout(cell, n // COLUMNS, n % COLUMNS)
        self.buttons.append(button)
        if candidate.detected or n == 0:
            button.setChecked(True)

    def _chosen(self, overrides: dict) -> None:
        self.choice = overrides
        self.ok.setEnabled(True)
