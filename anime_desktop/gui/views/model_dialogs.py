"""Small dialogs of the Models view: say what a model is (style, licence), and add one from a URL."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

LICENCE_HINT = ("An SPDX identifier such as Apache-2.0, MIT or CC-BY-NC-4.0; 'unknown' if you do not know. "
                "Most published styles are for non-commercial use only.")


def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class DescribeDialog(QDialog):
    """Style and licence of a model, the file's own values filled in."""

    def __init__(self, title: str, style: str, license: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.style_edit, self.license_edit = QLineEdit(style), QLineEdit(license or "unknown")
        self.style_edit.setPlaceholderText("e.g. Hayao, Paprika, Watercolour")
        self.license_edit.setToolTip(LICENCE_HINT)
        form = QFormLayout(self)
        form.addRow("Style", self.style_edit)
        form.addRow("Licence", self.license_edit)
        hint = QLabel(LICENCE_HINT)
        hint.setWordWrap(True)
        form.addRow(hint)
        form.addRow(ok_cancel(self))

    def values(self) -> dict[str, str]:
        return {"style": self.style_edit.text(), "license": self.license_edit.text()}


class UrlDialog(QDialog):
    """A model's direct download link and, where known, its SHA-256 (checked before installing)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a model from a URL")
        self.url_edit, self.sha_edit = QLineEdit(), QLineEdit()
        self.url_edit.setPlaceholderText("https://…/model.onnx (the file's direct link, not a release page)")
        self.sha_edit.setPlaceholderText("optional: the SHA-256 the author published")
        self.url_edit.setMinimumWidth(420)
        form = QFormLayout(self)
        form.addRow("URL", self.url_edit)
        form.addRow("SHA-256", self.sha_edit)
        note = QLabel("The file is downloaded now, checked (size, hash, a test run) and only then installed.")
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow(ok_cancel(self))

    def values(self) -> tuple[str, str | None]:
        return self.url_edit.text().strip(), (self.sha_edit.text().strip() or None)
