"""Faces: a gallery of generated anime faces, each tile with its seed (a face *is* its seed).

Re-roll draws new seeds for the tiles not locked; ranking draws K candidates per tile and
keeps the one the model's discriminator scores highest (shown on the tile). An attribute model
gets a picker per attribute; changing one redraws the unlocked tiles with their seeds, and "Any"
is drawn per tile from its seed. A locked tile keeps its face, seed and attributes alike. Click a
face to see it enlarged (nearest or bicubic) and save it; mark two faces A and B for an
interpolation strip, exported as PNG or GIF. All generation runs on the engine thread.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core import attributes as attrs
from ...jobs import catalog
from ...jobs import faces as faces_jobs
from ..convert import to_pixmap
from ..widgets.attribute_pickers import AttributePickers
from ..widgets.image_view import ImageView

GRID_SIZES = (4, 6, 8)
TILE_SCALE = 2
NO_MODEL_HINT = ("No faces model is installed. Train one with `anime-train dcgan --data faces/ --out runs/faces`, "
                 "export it with `anime-export onnx runs/faces -o faces.onnx`, and import it in the Models tab; "
                 "or rebuild the built-in one with `anime-export build-faces`.")


class FaceTile(QWidget):
    clicked = Signal(int)

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.face: faces_jobs.Face | None = None
        self.slot_seed: int | None = None  # the seed asked for this slot (with ranking, its candidates' base)
        self.attributes: attrs.Attributes = ()  # of the model its face came from
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(64 * TILE_SCALE, 64 * TILE_SCALE)
        self.caption = QLabel("")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lock = QCheckBox("lock")
        row = QHBoxLayout()
        row.addWidget(self.caption, 1)
        row.addWidget(self.lock)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.picture)
        layout.addLayout(row)

    def set_face(self, face: faces_jobs.Face, slot_seed: int, attributes: attrs.Attributes = ()) -> None:
        """`attributes`: the model's, which `face.attributes` indexes (attribute models)."""
        self.face, self.slot_seed, self.attributes = face, slot_seed, attributes
        described = attrs.describe(attributes, face.attributes) if face.attributes else ""
        self.picture.setPixmap(to_pixmap(faces_jobs.enlarge(face.image, TILE_SCALE, False)))
        score = "" if face.score is None else f"\nscore {face.score:+.1f}"
        self.caption.setText(f"seed {face.seed}{score}")
        same = " with the same attribute choices" if described else ""
        self.setToolTip(f"Seed {face.seed}: put it in Seed and Generate with ranking off{same}, "
                        "and the first tile shows this face again."
                        + (f"\nAttributes: {described}." if described else "")
                        + ("" if face.score is None else
                           f"\nScore {face.score:+.2f}: how real the discriminator finds it (higher is better)."))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.clicked.emit(self.index)


class FacesView(QWidget):
    status = Signal(str)
    grid_ready = Signal()

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.state = faces_jobs.FacesState()
        self.models_info: dict[str, catalog.ModelRow] = {}
        self.selected: int | None = None
        self.pair: list[faces_jobs.Face | None] = []  # faces marked A and B (seed and attribute row)
        self.frames = None
        self.model_box = QComboBox()
        self.model_box.setMinimumWidth(150)
        self.grid_box = QComboBox()
        for n in GRID_SIZES:
            self.grid_box.addItem(f"{n}×{n}", n)
        self.grid_box.setCurrentIndex(0)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.truncation = QDoubleSpinBox()
        self.truncation.setRange(0.1, 2.0)
        self.truncation.setSingleStep(0.1)
        self.truncation.setValue(1.0)
        self.truncation.setToolTip("Below 1: more typical faces; above 1: more varied (and odder) ones")
        self.rank = QCheckBox("Rank: best of")
        self.rank_k = QSpinBox()
        self.rank_k.setRange(2, 16)
        self.rank_k.setValue(4)
        self.label_box = QSpinBox()
        self.label_box.setToolTip("Class label of a conditional model")
        self.label_title = QLabel("Label")
        self.pickers = AttributePickers()
        self.pickers.changed.connect(self._pickers_changed)
        self.generate_button = QPushButton("Generate", clicked=self.generate)
        self.reroll_button = QPushButton("Re-roll unlocked", clicked=self.reroll)
        self.hint = QLabel(NO_MODEL_HINT)
        self.hint.setWordWrap(True)
        self.legend = QLabel("Each face is its seed: the number under it brings it back. With ranking on, "
                             "the score says how real the model's discriminator finds it.")
        self.legend.setWordWrap(True)
        self.legend.setObjectName("legend")
        self.tiles: list[FaceTile] = []
        self.grid = QGridLayout()
        grid_host = QWidget()
        host_layout = QVBoxLayout(grid_host)
        host_layout.addWidget(self.hint)
        host_layout.addLayout(self.grid)
        host_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)

        self.large = ImageView("Click a face")
        self.large.setMinimumSize(120, 84)  # at 1024x640 an attribute model's pickers take a line from it
        self.smooth = QComboBox()
        self.smooth.addItems(["sharp (nearest)", "smooth (bicubic)"])
        self.smooth.currentIndexChanged.connect(self._show_large)
        self.save_scale = QComboBox()
        for scale in (1, 2, 4, 8):
            self.save_scale.addItem("true size (64 px)" if scale == 1 else f"{scale}× ({64 * scale} px)", scale)
        self.save_button = QPushButton("Save face…", clicked=self.save_selected)
        self.mark_a = QPushButton("Mark A", clicked=lambda: self.mark(0))
        self.mark_b = QPushButton("Mark B", clicked=lambda: self.mark(1))
        self.steps = QSpinBox()
        self.steps.setRange(2, 64)
        self.steps.setValue(12)
        self.interpolate_button = QPushButton("Interpolate A → B", clicked=self.interpolate)
        self.strip = QLabel("")
        self.strip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.export_png = QPushButton("Export strip PNG…", clicked=lambda: self.export_frames(".png"))
        self.export_gif = QPushButton("Export GIF…", clicked=lambda: self.export_frames(".gif"))

        controls, actions = QHBoxLayout(), QHBoxLayout()
        for w in (QLabel("Model"), self.model_box, QLabel("Grid"), self.grid_box, QLabel("Seed"), self.seed,
                  QLabel("Truncation"), self.truncation):
            controls.addWidget(w)
        controls.addStretch(1)
        for w in (self.label_title, self.label_box, self.rank, self.rank_k, self.generate_button, self.reroll_button):
            actions.addWidget(w)
        actions.addStretch(1)
        # Only the grid scrolls (no scroll area around the whole view): at 1024x640 the enlarged
        # face scales down to the room it has instead of being cut off.
        side = QVBoxLayout()
        side.addWidget(self.large, 1)
        side.addWidget(self.legend)
        for row_widgets in ((self.smooth, self.save_scale), (self.save_button, self.mark_a, self.mark_b),
                            (QLabel("Frames"), self.steps, self.interpolate_button)):
            row = QHBoxLayout()
            for w in row_widgets:
                row.addWidget(w)
            side.addLayout(row)
        body = QHBoxLayout()
        body.addWidget(scroll, 3)
        body.addLayout(side, 2)
        strip_scroll = QScrollArea()  # a long strip scrolls instead of widening the whole view
        strip_scroll.setWidget(self.strip)
        strip_scroll.setWidgetResizable(True)
        strip_scroll.setFixedHeight(64 * TILE_SCALE + 24)
        strip_row = QHBoxLayout()
        strip_row.addWidget(strip_scroll, 1)
        exports = QVBoxLayout()
        exports.addWidget(self.export_png)
        exports.addWidget(self.export_gif)
        strip_row.addLayout(exports)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(controls)
        layout.addLayout(actions)
        layout.addWidget(self.pickers)
        layout.addLayout(body, 1)
        layout.addLayout(strip_row)
        self.model_box.currentTextChanged.connect(self._model_changed)
        self._set_enabled(False)

    # --- models -------------------------------------------------------------------------
    def set_catalogue(self, rows: list[catalog.ModelRow]) -> None:
        """The window's catalogue changed: list its latent-to-image generators."""
        current = self.model_box.currentText()
        self.models_info = {r.name: r for r in catalog.for_task(rows, catalog.LATENT_TO_IMAGE)}
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(list(self.models_info))
        if current in self.models_info:
            self.model_box.setCurrentText(current)
        self.model_box.blockSignals(False)
        self._model_changed(self.model_box.currentText())

    def _model_changed(self, name: str) -> None:
        info = self.models_info.get(name)
        self.hint.setVisible(info is None)
        self._set_enabled(info is not None)
        self.rank.setEnabled(bool(info and info.can_rank))
        self.rank_k.setEnabled(bool(info and info.can_rank))
        self.rank.setToolTip("Draw several candidates per tile and keep the one the model's discriminator "
                             "finds most real" if info and info.can_rank
                             else "this model has no discriminator beside it")
        classes = info.num_classes if info else 0
        self.label_box.setRange(0, max(classes - 1, 0))
        self.label_box.setVisible(classes > 0)
        self.label_title.setVisible(classes > 0)
        self.pickers.set_attributes(info.attributes if info else ())
        if info is None:
            self.rank.setChecked(False)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.generate_button, self.reroll_button, self.save_button, self.mark_a, self.mark_b,
                  self.interpolate_button, self.export_png, self.export_gif):
            w.setEnabled(on)

    # --- the grid ---------------------------------------------------------------------------
    def _ensure_tiles(self, n: int) -> None:
        if len(self.tiles) == n * n and self.grid.columnCount() in (0, n):
            return
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = [FaceTile(i) for i in range(n * n)]
        for tile in self.tiles:
            r, c = divmod(tile.index, n)
            self.grid.addWidget(tile, r, c)
            tile.clicked.connect(self.select)

    def _unlocked(self) -> list[int]:
        return [t.index for t in self.tiles if not (t.lock.isChecked() and t.face is not None)]

    def generate(self) -> None:
        """A fresh grid: tile i gets seed `seed + i` (so a grid is one number to remember); locked tiles stay."""
        n = int(self.grid_box.currentData())
        self._ensure_tiles(n)
        base = self.seed.value()
        slots = self._unlocked()
        self._request(slots, [base + i for i in slots])

    def reroll(self) -> None:
        if not self.tiles:
            self.generate()
            return
        unlocked = self._unlocked()
        seeds = [secrets.randbelow(2**31 - 1) for _ in unlocked]
        self._request(unlocked, seeds)

    def _pickers_changed(self) -> None:
        """Another attribute value: the unlocked faces are drawn again, same seeds, new attributes."""
        slots = [i for i in self._unlocked() if self.tiles[i].slot_seed is not None]
        self._request(slots, [self.tiles[i].slot_seed for i in slots])

    def _request(self, slots: list[int], seeds: list[int]) -> None:
        model = self.model_box.currentText()
        if not model or not slots:
            return
        k = self.rank_k.value() if self.rank.isChecked() and self.rank.isEnabled() else 1
        job = self.state.generate(model, seeds, self.truncation.value(), k, self.label_box.value(),
                                  self.pickers.setting())
        attributes = self.pickers.attributes
        self.window.engine.call(job).returned.connect(
            lambda faces: self._show_faces(slots, seeds, faces, attributes))
        self.status.emit(f"Generating {len(slots)} face(s)" + (f", best of {k} each" if k > 1 else "") + "…")

    # --- engine replies -------------------------------------------------------------------
    def _show_faces(self, slots: list[int], seeds: list[int], faces: list, attributes: attrs.Attributes) -> None:
        for slot, seed, face in zip(slots, seeds, faces):
            tile = self.tiles[slot] if slot < len(self.tiles) else None
            if tile is not None and not (tile.lock.isChecked() and tile.face is not None):  # locked meanwhile
                tile.set_face(face, seed, attributes)
        self.grid_ready.emit()
        self.status.emit(f"{len(faces)} face(s) from {self.model_box.currentText()}")

    def _show_strip(self, frames) -> None:
        self.frames = frames
        self.strip.setPixmap(to_pixmap(faces_jobs.enlarge(_row(frames), TILE_SCALE, False)))

    # --- one face: enlarge, save, mark --------------------------------------------------------
    def select(self, index: int) -> None:
        self.selected = index
        self._show_large()

    def selected_face(self) -> faces_jobs.Face | None:
        return self.tiles[self.selected].face if self.selected is not None and self.selected < len(self.tiles) else None

    def _show_large(self, *_) -> None:
        face = self.selected_face()
        if face is None:
            return
        big = faces_jobs.enlarge(face.image, 4, self.smooth.currentIndex() == 1)
        self.large.set_image(big)
        self.large.setToolTip(self.tiles[self.selected].toolTip())

    def save_selected(self, path: str | None = None) -> None:
        face = self.selected_face()
        if face is None:
            self.status.emit("Click a face first")
            return
        if not path:
            name = _face_name(self.tiles[self.selected])
            start = Path(self.window.settings.last_output_dir or Path.home()) / f"{name}.png"
            path, _ = QFileDialog.getSaveFileName(self, "Save face", str(start), "PNG (*.png)")
        if path:
            job = faces_jobs.save_face(face.image, Path(path), int(self.save_scale.currentData()),
                                        self.smooth.currentIndex() == 1)
            handle = self.window.engine.call(job)
            handle.returned.connect(lambda saved: self.window.announce(f"Saved {saved}", Path(saved).parent))

    def mark(self, which: int) -> None:
        face = self.selected_face()
        if face is None:
            self.status.emit("Click a face first, then mark it")
            return
        self.pair = (self.pair + [None, None])[:2]
        self.pair[which] = face
        button = self.mark_a if which == 0 else self.mark_b
        button.setText(f"{'AB'[which]}: seed {face.seed}")
        button.setToolTip(self.tiles[self.selected].toolTip())

    def interpolate(self) -> None:
        """From face A to face B: their seeds' latents, and their own attribute rows (the rows switch
        halfway where they differ: an index cannot be blended, see jobs.faces.interpolation)."""
        if len(self.pair) < 2 or None in self.pair:
            self.status.emit("Mark two faces, A and B, first")
            return
        a, b = self.pair
        job = self.state.interpolate(self.model_box.currentText(), a.seed, b.seed, self.steps.value(),
                                     self.truncation.value(), self.label_box.value(), a.attributes, b.attributes)
        self.window.engine.call(job).returned.connect(self._show_strip)

    def export_frames(self, suffix: str, path: str | None = None) -> None:
        if self.frames is None:
            self.status.emit("Interpolate first")
            return
        if not path:
            start = Path(self.window.settings.last_output_dir or Path.home()) / f"walk{suffix}"
            kind = "GIF (*.gif)" if suffix == ".gif" else "PNG (*.png)"
            path, _ = QFileDialog.getSaveFileName(self, "Export interpolation", str(start), kind)
        if path:
            job = faces_jobs.save_frames(self.frames, Path(path), int(self.save_scale.currentData()))
            handle = self.window.engine.call(job)
            handle.returned.connect(lambda saved: self.window.announce(f"Saved {saved}", Path(saved).parent))


def _face_name(tile: FaceTile) -> str:
    """face-SEED, then its attribute values when it has some: the name says how to draw it again."""
    values = [re.sub(r"[^A-Za-z0-9._-]+", "_", values[i])
              for (_, values), i in zip(tile.attributes, tile.face.attributes)]
    return "-".join(["face", str(tile.face.seed), *values])


def _row(frames):
    from ...core import latent

    return latent.grid(frames, columns=len(frames))
