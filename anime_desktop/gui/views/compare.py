"""Compare: one picture through several models in a grid, each tile captioned with model,
precision, provider and milliseconds; a before/after split of the chosen tile with shared
zoom and pan; the sheet exported as one PNG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ... import diffusion
from ...jobs import stylize as jobs
from ..convert import to_pixmap
from ..widgets.check_list import CheckList
from ..widgets.split_view import SplitView

TILE = jobs.TILE_SIDE


class Tile(QLabel):
    clicked = Signal(object)

    def __init__(self, result: jobs.Stylized) -> None:
        super().__init__()
        self.result = result
        self.setPixmap(to_pixmap(result.tile))
        self.setToolTip(self.caption())
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def caption(self) -> str:
        r = self.result
        return f"{r.model} · {r.precision} · {r.provider} · {r.ms:.0f} ms"

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.clicked.emit(self.result)


class CompareView(QWidget):
    status = Signal(str)

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.source: jobs.Stylized | None = None
        self.tiles: list[Tile] = []
        self.handle = None
        self.models = CheckList()
        self.models.setMaximumWidth(220)
        self.run_button = QPushButton("Compare")
        self.run_button.clicked.connect(self.run)
        self.export_button = QPushButton("Export sheet…")
        self.export_button.clicked.connect(self.export_sheet)
        self.export_button.setEnabled(False)
        self.hint = QLabel("Stylize a photo first, tick models, then Compare (Ctrl+K)")
        self.hint.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(QLabel("Models"))
        left.addWidget(self.models, 1)
        left.addWidget(self.run_button)
        left.addWidget(self.export_button)
        left.addWidget(self.hint)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.split = SplitView()
        scroll.setMinimumHeight(140)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(scroll)
        split.addWidget(self.split)
        split.setSizes([TILE + 70, 400])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        side = QWidget()
        side.setLayout(left)
        layout.addWidget(side)
        layout.addWidget(split, 1)

    def set_models(self, names: list[str], checked: list[str]) -> None:
        self.models.set_items(names, checked)

    def checked_models(self) -> list[str]:
        return self.models.checked()

    def set_source(self, result: jobs.Stylized) -> None:
        self.source = result
        self.hint.setText(f"Picture: {result.path.name}")

    def run(self) -> None:
        current = self.window.stylize.current_result()
        if current is not None:
            self.set_source(current)  # the photo selected in Stylize, however Compare was started
        models = self.checked_models()
        if self.source is None or not models:
            self.window.notify("To compare, stylize a photo first and tick at least one model")
            return
        self.window.settings.compare_models = ([m for m in models if not diffusion.is_dreamshaper(m)]
                                               or self.window.settings.compare_models)
        self.window.banner.hide()
        if self.handle is not None:
            self.handle.cancel()  # a new run replaces one still going; its late tiles are ignored
        self._clear()
        dreamshaper = next((self.window.stylize.dreamshaper_run(m) for m in models if diffusion.is_dreamshaper(m)),
                           None)
        self.handle = handle = self.window.engine.submit(jobs.compare(
            self.source.path, self.source.image, models, self.window.settings.tile_mp, 0, dreamshaper,
            self.window.settings.work_mp))
        handle.yielded.connect(lambda value: self._add_tile(value) if handle is self.handle else None)
        handle.returned.connect(lambda value: self._done() if handle is self.handle else None)
        self.status.emit(f"Comparing {len(models)} models…")

    def _clear(self) -> None:
        """Empty the grid and the split view: a 2-model run after a 3-model run shows 2 tiles."""
        for tile in self.tiles:
            self.grid.removeWidget(tile.box)
            tile.box.deleteLater()
        self.tiles.clear()
        self.split.set_images(None, None)
        self.export_button.setEnabled(False)

    def _add_tile(self, value: jobs.Stylized) -> None:
        tile = Tile(value)
        tile.clicked.connect(self.show_split)
        caption = QLabel(tile.caption())
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QWidget()
        column = QVBoxLayout(box)
        column.addWidget(tile)
        column.addWidget(caption)
        tile.box = box
        n = len(self.tiles)
        columns = 3
        self.grid.addWidget(box, n // columns, n % columns)
        self.tiles.append(tile)
        self.export_button.setEnabled(True)
        if n == 0:
            self.show_split(value)

    def _done(self) -> None:
        self.status.emit(f"Compared {len(self.tiles)} models · click a tile for before | after")

    def show_split(self, result: jobs.Stylized) -> None:
        self.split.set_images(result.image.rgb, result.output)

    def export_sheet(self) -> None:
        if not self.tiles:
            return
        target = self.window.ask_save_path("compare-sheet.png")
        if target:
            self.export_to(Path(target))

    def export_to(self, target: Path):
        """The full-resolution sheet is built and written on the engine thread."""
        handle = self.window.engine.call(jobs.save_compare_sheet(
            self.source.image.rgb, [t.result.output for t in self.tiles], target))
        handle.returned.connect(lambda path: self.window.announce(f"Saved the sheet to {path}", Path(path).parent))
        return handle
