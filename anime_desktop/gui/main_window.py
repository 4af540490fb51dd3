"""The main window: model and provider always visible, six views in tabs, one notifier.

Every engine signal arrives here and is routed to the view that asked; every `errored`
reaches `notify`, a banner the user sees (convention 3). Settings (geometry, theme, model,
folders) are read at start and written on close through the one Settings object.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMainWindow, QTabWidget, QToolBar, QVBoxLayout, QWidget

from ..core import pipeline
from ..core.resources import resource_path
from ..core.settings import Settings
from . import tasks
from .views.batch import BatchView
from .views.compare import CompareView
from .views.faces import FacesView
from .views.live import LiveView
from .views.models import ModelsView
from .views.stylize import StylizeView
from .workers import EngineThread

THEMES = {"dark": "10-dark.qss", "light": "20-light.qss"}


def icon(name: str) -> QIcon:
    return QIcon(str(resource_path("icons", f"{name}.svg")))


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings.load()
        self.setWindowTitle("Anime Desktop")
        self.setWindowIcon(icon("app"))
        self.engine = EngineThread(self.settings.provider)
        self.stylize, self.compare = StylizeView(self), CompareView(self)
        self.batch, self.models, self.live = BatchView(self), ModelsView(self), LiveView(self)
        self.faces = FacesView(self)
        self.tabs = QTabWidget()
        for view, name, glyph in ((self.stylize, "Stylize", "stylize"), (self.compare, "Compare", "compare"),
                                  (self.batch, "Batch", "batch"), (self.live, "Live", "live"),
                                  (self.faces, "Faces", "faces"), (self.models, "Models", "models")):
            self.tabs.addTab(view, icon(glyph), name)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._banner_timer = QTimer(self, singleShot=True, interval=10_000, timeout=self.banner.hide)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.model_box = QComboBox()
        self.model_box.setMinimumWidth(200)
        self.model_box.setPlaceholderText("no model installed")
        self.provider_label = QLabel("")
        self._build_actions()
        self._connect()
        self.apply_theme(self.settings.theme)
        self._restore_geometry()
        self.engine.start()
        self.live.restore(self.settings)
        self.models.refresh()
        self.faces.refresh()

    # --- construction ---------------------------------------------------------------------
    def _build_actions(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.open_action = QAction(icon("open"), "Open…", self, shortcut=QKeySequence.StandardKey.Open,
                                   triggered=self.open_images)
        self.save_action = QAction(icon("save"), "Save…", self, shortcut=QKeySequence.StandardKey.Save,
                                   triggered=self.save_current)
        self.save_all_action = QAction("Save all…", self, shortcut=QKeySequence("Ctrl+Shift+S"),
                                       triggered=self.save_all)
        self.compare_action = QAction(icon("compare"), "Compare", self, shortcut=QKeySequence("Ctrl+K"),
                                      triggered=self.start_compare)
        for action in (self.open_action, self.save_action, self.compare_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(QLabel(" Model "))
        bar.addWidget(self.model_box)
        bar.addWidget(QLabel("  "))
        bar.addWidget(self.provider_label)
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.save_action, self.save_all_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(QAction("Quit", self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.quit))
        view_menu = self.menuBar().addMenu("&View")
        for i, name in enumerate(("Stylize", "Compare", "Batch", "Live", "Faces", "Models")):
            view_menu.addAction(QAction(name, self, shortcut=QKeySequence(f"Ctrl+{i + 1}"),
                                        triggered=lambda checked=False, i=i: self.tabs.setCurrentIndex(i)))
        view_menu.addSeparator()
        for theme in THEMES:
            view_menu.addAction(QAction(f"{theme.title()} theme", self,
                                        triggered=lambda checked=False, t=theme: self.apply_theme(t)))

    def _connect(self) -> None:
        e = self.engine
        e.returned.connect(self._on_returned)
        e.yielded.connect(self.compare.on_yielded)
        e.yielded.connect(self.batch.on_yielded)
        e.errored.connect(self._on_errored)
        e.finished_job.connect(self.batch.on_finished)
        e.finished_job.connect(self.live.on_finished)
        e.progressed.connect(self._on_progress)
        e.progressed.connect(self.live.on_progress)
        for view in (self.stylize, self.compare, self.batch, self.models, self.live, self.faces):
            view.status.connect(self.status)
        self.stylize.result_ready.connect(self.compare.set_source)
        self.models.changed.connect(self.models.refresh)
        self.models.changed.connect(self.faces.refresh)
        self.model_box.currentTextChanged.connect(self._model_chosen)

    # --- engine replies -------------------------------------------------------------------
    def _on_returned(self, job_id: int, value) -> None:
        if self.live.on_returned(job_id, value) or self.faces.on_returned(job_id, value):
            return
        if self.models.on_returned(job_id, value):
            if isinstance(value, list) and all(isinstance(r, tasks.ModelRow) for r in value):
                self._fill_models([r.name for r in value if r.task == "image-to-image"])
            return
        self.stylize.on_returned(job_id, value)
        self.compare.on_returned(job_id, value)
        if job_id == self.batch.job:
            self.batch.on_finished(job_id, value)

    def _on_errored(self, job_id: int, message: str) -> None:
        self.stylize.on_failed(job_id)
        self.models.on_failed(job_id)
        self.live.on_failed(job_id)
        self.faces.on_failed(job_id)
        self.notify(message)

    def _on_progress(self, job_id: int, fraction: float, message: str) -> None:
        if message:
            self.statusBar().showMessage(f"{message} ({fraction:.0%})", 2000)

    def _fill_models(self, names: list[str]) -> None:
        current = self.model_box.currentText() or self.settings.last_model
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(names)
        if current in names:
            self.model_box.setCurrentText(current)
        elif names:
            self.model_box.setCurrentIndex(0)  # with a placeholder set, Qt selects nothing by itself
        self.model_box.blockSignals(False)
        checked = self.settings.compare_models or names[:3]
        self.compare.set_models(names, checked)
        self.batch.set_models(names, [self.model_box.currentText()] if names else [])
        if names:
            self._model_chosen(self.model_box.currentText(), restyle=False)

    def _model_chosen(self, name: str, restyle: bool = True) -> None:
        if not name:
            return
        self.settings.last_model = name
        self.live.set_model(name)
        self.models.show_provider_of(name)
        if restyle:
            self.stylize.restyle_all()

    # --- actions --------------------------------------------------------------------------
    def current_model(self) -> str | None:
        return self.model_box.currentText() or None

    def stylize_options(self) -> pipeline.StylizeOptions:
        return pipeline.StylizeOptions(max_side=self.settings.max_side, keep_colours=self.settings.keep_colours)

    def output_options(self) -> pipeline.OutputOptions:
        return pipeline.OutputOptions(fmt=self.settings.output_format, quality=self.settings.jpeg_quality,
                                      overwrite=True)

    def open_images(self) -> None:
        start = self.settings.last_input_dir or str(Path.home())
        files, _ = QFileDialog.getOpenFileNames(self, "Open photos", start,
                                                "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)")
        if files:
            self.settings.last_input_dir = str(Path(files[0]).parent)
            self.tabs.setCurrentWidget(self.stylize)
            self.stylize.add_paths([Path(f) for f in files])

    def ask_save_path(self, default_name: str) -> str:
        start = Path(self.settings.last_output_dir or Path.home()) / default_name
        path, _ = QFileDialog.getSaveFileName(self, "Save", str(start), "PNG (*.png);;JPEG (*.jpg);;WebP (*.webp)")
        if path:
            self.settings.last_output_dir = str(Path(path).parent)
        return path

    def save_current(self) -> None:
        result = self.stylize.current_result()
        if result is None:
            return
        options = self.output_options()
        path = self.ask_save_path(pipeline.output_name(result.path, result.model, options))
        if path:
            self.engine.submit(tasks.save_results([result], None, Path(path),
                                                  pipeline.OutputOptions(fmt=Path(path).suffix.lstrip(".") or "png",
                                                                         overwrite=True)))

    def save_all(self) -> None:
        results = list(self.stylize.results.values())
        if not results:
            return
        folder = QFileDialog.getExistingDirectory(self, "Save all into", self.settings.last_output_dir or "")
        if folder:
            self.settings.last_output_dir = folder
            options = pipeline.OutputOptions(fmt=self.settings.output_format)
            self.engine.submit(tasks.save_results(results, Path(folder), None, options))
            self.status(f"Saving {len(results)} image(s) to {folder} (existing files are kept)")

    def quit(self) -> None:
        """Close the window. A slot, not `close` itself: slots returning bool crash PySide 6.12 at exit."""
        self.close()

    def start_compare(self) -> None:
        self.tabs.setCurrentWidget(self.compare)
        self.compare.run()

    def set_provider(self, provider: str) -> None:
        self.settings.provider = provider
        self.engine.set_provider(provider)
        if self.current_model():
            self.models.show_provider_of(self.current_model())

    # --- feedback, theme, geometry ----------------------------------------------------------
    def status(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def notify(self, message: str) -> None:
        """The one place errors reach the user: a banner above the views, and the status bar."""
        self.banner.setText(f"⚠  {message}")
        self.banner.show()
        self._banner_timer.start()
        self.statusBar().showMessage(message, 10_000)

    def apply_theme(self, theme: str) -> None:
        theme = theme if theme in THEMES else "dark"
        try:
            qss = resource_path("themes", THEMES[theme]).read_text(encoding="utf-8")
        except OSError:
            qss = ""
        self.setStyleSheet(qss)
        self.settings.theme = theme

    def _restore_geometry(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        else:
            self.resize(1200, 800)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        self.settings.compare_models = self.compare.checked_models() or self.settings.compare_models
        self.live.shutdown()
        self.live.remember(self.settings)
        self.settings.save()
        self.engine.stop()
        super().closeEvent(event)
