"""One combo box per attribute of an attribute faces model, in a row that wraps when the window is narrow.

Each box offers "Any" first (drawn at random per tile, from the tile's seed), then the model's own
value names made readable ("light-brown" -> "Light brown"); the names come from the model file's
metadata and nowhere else. `setting()` is what the faces jobs take: a value index, or None for
"any", per attribute in column order.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLayout, QWidget

from ...core import attributes as attrs


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new line when the width runs out (Qt's flow layout example:
    Qt has no such layout, and superqt, which the architecture names, does not ship one either)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 10, line_spacing: int = 4) -> None:
        super().__init__(parent)
        self._items = []
        self._spacing, self._line_spacing = spacing, line_spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802 - Qt's names, here and below
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _place(self, rect: QRect, move: bool) -> int:
        """Lay the items out in `rect` (or only measure); the height they take."""
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x > rect.x() and x + hint.width() > rect.right() + 1:
                x, y, line = rect.x(), y + line + self._line_spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y()


class AttributePickers(QWidget):
    changed = Signal()  # the user picked another value in any box

    def __init__(self) -> None:
        super().__init__()
        self.attributes: attrs.Attributes = ()
        self.boxes: list[QComboBox] = []
        self.titles: list[QLabel] = []
        self.flow = FlowLayout(self)
        self.hide()  # until a model with attributes is chosen

    def set_attributes(self, attributes: attrs.Attributes) -> None:
        """New boxes for a model's attributes (none, and the widget hides, for other models)."""
        if attributes == self.attributes:
            return
        while (item := self.flow.takeAt(0)) is not None:
            item.widget().deleteLater()
        self.attributes = attributes
        self.boxes, self.titles = [], []
        for name, values in attributes:
            self.flow.addWidget(self._pair(name, values))
        self.setVisible(bool(attributes))

    def _pair(self, name: str, values: tuple[str, ...]) -> QWidget:
        """A label and its box, kept together when the row wraps."""
        box = QComboBox()
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        box.addItem("Any", None)
        for index, value in enumerate(values):
            box.addItem(attrs.human(value), index)
        box.setToolTip(f"{attrs.human(name)}: 'Any' draws it at random for each face, from the face's seed")
        box.currentIndexChanged.connect(self.changed)
        title = QLabel(attrs.human(name))
        title.setBuddy(box)
        pair = QWidget()
        row = QHBoxLayout(pair)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(title)
        row.addWidget(box)
        self.boxes.append(box)
        self.titles.append(title)
        return pair

    def setting(self) -> attrs.Setting:
        return tuple(box.currentData() for box in self.boxes)

    def choose(self, name: str, value: str | None) -> None:
        """Pick `value` (a value name, None or 'any') for attribute `name`, as a user would."""
        box = self.boxes[attrs.names(self.attributes).index(name)]
        index = None if value in (None, attrs.ANY) else dict(self.attributes)[name].index(value)
        box.setCurrentIndex(box.findData(index))

    def lines(self) -> int:
        """How many lines the pickers take at their present width."""
        tops = {box.parentWidget().y() for box in self.boxes}
        return len(tops)
