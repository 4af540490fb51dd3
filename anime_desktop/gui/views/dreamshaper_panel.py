"""DreamShaper's side panel in Stylize: prompt, strength, steps, seed..., a step bar and Cancel.

Shown only while DreamShaper is the chosen look. DreamShaper takes seconds to minutes a photo,
so choosing it runs nothing by itself: "Run" / "Run all" do, and every new photo
dropped while it is chosen. The values are remembered in the settings (`dreamshaper`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, fields
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ... import diffusion
from ...core import extras

log = logging.getLogger(__name__)


class DreamShaperPanel(QGroupBox):
    run_current = Signal()
    run_all = Signal()
    cancel = Signal()

    def __init__(self, remembered: dict) -> None:
        super().__init__("DreamShaper · slow")
        self.setObjectName("dreamshaper-panel")
        self.setMaximumWidth(300)
        self.setToolTip("Stable Diffusion img2img: seconds to minutes a photo; the step bar shows where it is")
        d = diffusion.Img2ImgParams()
        self.source = QLineEdit()
        self.source.setPlaceholderText(diffusion.DEFAULT_SOURCE)
        self.source.setToolTip("A Hugging Face model id, a diffusers folder, or a .safetensors checkpoint")
        browse = QPushButton("…")
        browse.setToolTip("Choose a diffusers folder")
        browse.clicked.connect(self._browse)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(browse)
        self.prompt = QPlainTextEdit(d.prompt)
        self.prompt.setFixedHeight(70)
        self.negative = QPlainTextEdit(d.negative_prompt)
        self.negative.setFixedHeight(50)
        self.strength = self._number(QDoubleSpinBox(), 0.05, 1.0, d.strength, "How far from the photo it may go")
        self.strength.setSingleStep(0.05)
        self.steps = self._number(QSpinBox(), 1, 150, d.steps, "Steps of the full schedule; strength × steps run")
        self.guidance = self._number(QDoubleSpinBox(), 0.0, 30.0, d.guidance, "How closely to follow the prompt")
        self.seed = self._number(QSpinBox(), 0, 2**31 - 1, d.seed, "The same seed gives the same picture")
        self.scheduler = QComboBox()
        self.scheduler.addItems(list(diffusion.SCHEDULERS))
        self.scheduler.setCurrentText(d.scheduler)
        self.max_side = self._number(QSpinBox(), 64, 2048, d.max_side, "Bigger photos are worked on at this size")
        self.max_side.setSingleStep(64)
        form = QFormLayout()
        self.config = QLineEdit()
        self.config.setPlaceholderText("only for one .safetensors file")
        self.config.setToolTip("A Stable Diffusion 1.x pipeline folder (with model_index.json) describing a "
                               "single .safetensors checkpoint; loading one file otherwise needs the Hub")
        form.addRow("Model", source_row)
        form.addRow("Config", self.config)
        form.addRow("Prompt", self.prompt)
        form.addRow("Avoid", self.negative)
        form.addRow("Strength", self.strength)
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Seed", self.seed)
        form.addRow("Sampler", self.scheduler)
        form.addRow("Working size", self.max_side)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Run DreamShaper on the selected photo")
        self.run_all_button = QPushButton("Run all")
        self.run_all_button.setToolTip("Run DreamShaper on every open photo, one after another")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.run_button.clicked.connect(self.run_current)
        self.run_all_button.clicked.connect(self.run_all)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        for b in (self.run_button, self.run_all_button, self.cancel_button):
            buttons.addWidget(b)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.state = QLabel("")
        self.state.setWordWrap(True)
        if not extras.available("diffusion"):
            self.state.setText("Not installed: pip install 'anime-desktop[diffusion]'")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.bar)
        layout.addWidget(self.state)
        layout.addStretch(1)
        self.restore(remembered)

    @staticmethod
    def _number(box, lo, hi, value, tip):
        box.setRange(lo, hi)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A diffusers pipeline folder (with model_index.json)")
        if folder:
            self.source.setText(folder)

    def params(self) -> diffusion.Img2ImgParams:
        return diffusion.Img2ImgParams(
            prompt=self.prompt.toPlainText().strip() or diffusion.DEFAULT_PROMPT,
            negative_prompt=self.negative.toPlainText().strip(), strength=self.strength.value(),
            steps=self.steps.value(), guidance=self.guidance.value(), seed=self.seed.value(),
            scheduler=self.scheduler.currentText(), max_side=self.max_side.value())

    def run_settings(self, allow_download: bool = False) -> diffusion.DreamShaperRun:
        config = self.config.text().strip()
        return diffusion.DreamShaperRun(self.params(), Path(config) if config else None, allow_download,
                                        self.source.text().strip() or None)

    def remembered(self) -> dict:
        return {**asdict(self.params()), "source": self.source.text().strip(), "config": self.config.text().strip()}

    def restore(self, values: dict) -> None:
        """Values from the settings file; each of the wrong type (or out of range) keeps its default,
        with one warning line naming it (CONTRACTS.md: no file the app reads can stop it starting)."""
        defaults = diffusion.Img2ImgParams()
        params = {}
        for f in fields(diffusion.Img2ImgParams):
            value, default = values.get(f.name, getattr(defaults, f.name)), getattr(defaults, f.name)
            ok = isinstance(value, type(default)) or (isinstance(default, float) and type(value) is int)
            if not ok or isinstance(value, bool):
                log.warning("settings: dreamshaper.%s is %r, not a %s; using %r", f.name, value,
                            type(default).__name__, default)
                value = default
            params[f.name] = value
        try:
            p = diffusion.Img2ImgParams(**params).check()
        except diffusion.DiffusionError as exc:
            log.warning("settings: dreamshaper: %s; using the defaults", exc)
            p = defaults
        self.prompt.setPlainText(p.prompt)
        self.negative.setPlainText(p.negative_prompt)
        self.strength.setValue(p.strength)
        self.steps.setValue(p.steps)
        self.guidance.setValue(p.guidance)
        self.seed.setValue(p.seed)
        self.scheduler.setCurrentText(p.scheduler)
        self.max_side.setValue(p.max_side)
        for box, key in ((self.source, "source"), (self.config, "config")):
            text = values.get(key)
            box.setText(text if isinstance(text, str) else "")

    def working(self, fraction: float | None, message: str = "") -> None:
        """None: idle; otherwise the step bar at `fraction` with `message`."""
        busy = fraction is not None
        self.bar.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.bar.setValue(round(fraction * 1000))
        self.state.setText(message)

