"""A message bar that floats over the window instead of pushing the layout down.

A banner that shows and hides inside the layout moves every control below it: a user aiming
at Record hit something else. This one is a child of the central widget, raised over the
empty right-hand part of the tab bar row (`left()` says where the tabs end); nothing under
it moves. Errors stay until closed or replaced (with "Copy details" for a bug report);
results ("Saved 3 images") offer "Open folder"; both fade after a while.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

INFO_MS, ERROR_MS = 8_000, 12_000
MIN_WIDTH = 360


class Banner(QFrame):
    def __init__(self, host: QWidget, left=lambda: 0) -> None:
        super().__init__(host)
        self.left = left
        self.setObjectName("banner")
        self.host = host
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.details = ""
        self.folder: Path | None = None
        self.action_button = QPushButton("", clicked=self._act)
        self.action = None
        self.copy_button = QPushButton("Copy details", clicked=self.copy_details)
        self.open_button = QPushButton("Open folder", clicked=self.open_folder)
        self.close_button = QPushButton("✕", clicked=self.hide)
        self.close_button.setObjectName("banner-close")
        self.close_button.setToolTip("Close")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 8, 6)
        layout.addWidget(self.label, 1)
        for button in (self.action_button, self.copy_button, self.open_button, self.close_button):
            layout.addWidget(button)
        self._timer = QTimer(self, singleShot=True, timeout=self.hide)
        host.installEventFilter(self)
        self.hide()

    def show_error(self, message: str, details: str = "") -> None:
        self.setProperty("level", "error")
        self._show(f"⚠  {message}", details or message, None, ERROR_MS)

    def show_info(self, message: str, folder: Path | None = None, action=None) -> None:
        """`action`: an optional (label, callback) offered as a button ("Use it now")."""
        self.setProperty("level", "info")
        self._show(message, "", folder, INFO_MS, action)

    def _show(self, text: str, details: str, folder: Path | None, ms: int, action=None) -> None:
        self.label.setText(text)
        self.action = action
        self.action_button.setVisible(action is not None)
        if action is not None:
            self.action_button.setText(action[0])
        self.details, self.folder = details, folder
        self.copy_button.setVisible(bool(details))
        self.open_button.setVisible(folder is not None)
        self.style().unpolish(self)
        self.style().polish(self)
        self._place()
        self.show()
        self.raise_()
        self._timer.start(ms)

    def _act(self) -> None:
        if self.action is not None:
            self.action[1]()
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)

    def open_folder(self) -> None:
        if self.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def _place(self) -> None:
        x = max(0, min(self.left() + 8, self.host.width() - MIN_WIDTH))
        width = self.host.width() - x
        self.setFixedWidth(width)
        layout = self.layout()
        # Wrapped text needs the height for this width, or a long message is cut off mid-line.
        self.setFixedHeight(layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                            else self.sizeHint().height())
        self.move(x, 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.host and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
