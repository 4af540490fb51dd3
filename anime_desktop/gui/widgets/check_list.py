"""A list of names with check boxes (the model pickers of Compare and Batch).

A click anywhere on a row toggles its box: with Qt's default only the small box toggles and a
click on the name merely highlights the row, so a user "chose" a model that was never ticked.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem


class CheckList(QListWidget):
    changed_by_user = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._pressed: QListWidgetItem | None = None

    def set_items(self, names: list[str], checked: list[str]) -> None:
        self.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags((item.flags() | Qt.ItemFlag.ItemIsUserCheckable) & ~Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if name in checked else Qt.CheckState.Unchecked)
            self.addItem(item)

    def set_checked(self, checked: list[str]) -> None:
        for i in range(self.count()):
            item = self.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in checked else Qt.CheckState.Unchecked)

    def checked(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked]

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._pressed = self.itemAt(event.position().toPoint())
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        item = self.itemAt(event.position().toPoint())
        before = item.checkState() if item is not None else None
        super().mouseReleaseEvent(event)  # toggles the box itself when the release lands on it
        if item is None or item is not self._pressed:
            return
        if item.checkState() == before:
            self._toggle(item)
        self.changed_by_user.emit()

    def _toggle(self, item: QListWidgetItem) -> None:
        item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                           else Qt.CheckState.Checked)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and self.currentItem() is not None:
            self._toggle(self.currentItem())
            self.changed_by_user.emit()
            return
        super().keyPressEvent(event)
