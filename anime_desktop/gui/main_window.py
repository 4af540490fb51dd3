"""The main window: model and provider always visible, six views in tabs, one notifier.

Each view submits its own jobs and hears their replies on the job's handle; the window only
owns what is shared: the model catalogue (read once per change and handed to every view),
the toolbar's model and provider, the banner every error reaches (convention 3), the menus,
and Settings (geometry, theme, model, folders), read at start and written on close.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import diffusion
from ..core import extras, logs, pipeline, worksize
from ..core.resources import resource_path
from ..core.settings import Settings
from ..jobs import catalog
from ..jobs.models import provider_choices, provider_in_use
from . import help as help_menu
from .convert import to_pixmap
from .views.batch import BatchView
from .views.compare import CompareView
from .views.faces import FacesView
from .views.live import LiveView
from .views.models import ModelsView, is_model_file
from .views.stylize import StylizeView
from .widgets.banner import Banner
from .workers import EngineThread, JobError

THEMES = {"dark": "10-dark.qss", "light": "20-light.qss"}
VIEWS = ("Stylize", "Compare", "Batch", "Live", "Faces", "Models")


def icon(name: str) -> QIcon:
    return QIcon(str(resource_path("icons", f"{name}.svg")))


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings.load()
        self.setWindowTitle("Anime Desktop")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.engine = EngineThread(self.settings.provider)
        self.rows: list[catalog.ModelRow] = []
        self.stylize, self.compare = StylizeView(self), CompareView(self)
        self.batch, self.models, self.live = BatchView(self), ModelsView(self), LiveView(self)
        self.faces = FacesView(self)
        self.tabs = QTabWidget()
        for view, name in zip(self.views(), VIEWS):
            self.tabs.addTab(view, icon(name.lower()), name)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.banner = Banner(central, left=lambda: self.tabs.tabBar().width())
        self.model_box = QComboBox()
        self.model_box.setMinimumWidth(240)
        self.model_box.setIconSize(QSize(22, 22))
        self.model_box.setPlaceholderText("no model installed")
        self._build_actions()
        self._connect()
        self.apply_theme(self.settings.theme)
        self._restore_geometry()
        self.engine.start()
        self.live.restore(self.settings)
        self.refresh_models()

    def views(self) -> tuple:
        return self.stylize, self.compare, self.batch, self.live, self.faces, self.models

    # --- construction ---------------------------------------------------------------------
    def _build_actions(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.open_action = QAction(icon("open"), "Open…", self, shortcut=QKeySequence.StandardKey.Open,
                                   triggered=self.open_images)
        self.paste_action = QAction("Paste picture", self, shortcut=QKeySequence.StandardKey.Paste,
                                    triggered=self.paste_image)
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
        bar.addWidget(self._provider_button())
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.paste_action, self.save_action, self.save_all_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(QAction("Quit", self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.quit))
        view_menu = self.menuBar().addMenu("&View")
        for i, name in enumerate(VIEWS):
            view_menu.addAction(QAction(name, self, shortcut=QKeySequence(f"Ctrl+{i + 1}"),
                                        triggered=lambda checked=False, i=i: self.tabs.setCurrentIndex(i)))
        view_menu.addSeparator()
        for theme in THEMES:
            view_menu.addAction(QAction(f"{theme.title()} theme", self,
                                        triggered=lambda checked=False, t=theme: self.apply_theme(t)))
        view_menu.addSeparator()
        view_menu.addMenu(self._work_size_menu())
        self._build_help_menu()

    WORK_SIZES = ((None, "Each model's own (built-in looks: 1 MP)"), (0.0, "Each photo's own size"),
                  (0.5, "0.5 MP"), (1.0, "1 MP"), (2.0, "2 MP"), (4.0, "4 MP"))

    def _work_size_menu(self) -> QMenu:
        """The working size (core/worksize.py): what size a look is applied at, so that it looks the
        same on a phone photo and a thumbnail. A setting, shown where the other view choices are."""
        menu = QMenu("Working size", self)
        menu.setToolTipsVisible(True)
        self.work_size_actions = QActionGroup(self)
        current = self.settings.work_mp
        if current not in [v for v, _ in self.WORK_SIZES]:
            menu_sizes = (*self.WORK_SIZES, (current, f"{current:g} MP"))
        else:
            menu_sizes = self.WORK_SIZES
        for value, label in menu_sizes:
            action = QAction(label, self, checkable=True)
            action.setData(value)
            action.setChecked(value == current)
            action.setToolTip("Photos are brought up or down to this size, stylized, and returned at their own size")
            action.triggered.connect(lambda checked=False, v=value: self.set_work_size(v))
            self.work_size_actions.addAction(action)
            menu.addAction(action)
        return menu

    def set_work_size(self, value: float | None) -> None:
        self.settings.work_mp = value
        for action in self.work_size_actions.actions():
            action.setChecked(action.data() == value)
        self.status(f"Working size: {worksize.describe(value)}")
        self.stylize.restyle_all()

    def _provider_button(self) -> QToolButton:
        """The provider in use, as a button whose menu is the provider choice."""
        self.provider_button = QToolButton()
        self.provider_button.setObjectName("provider-button")
        self.provider_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.provider_menu = QMenu(self.provider_button)
        self.provider_actions = QActionGroup(self)
        for key, label, unavailable in provider_choices():
            action = QAction(label + (f" — {unavailable}" if unavailable else ""), self, checkable=True)
            action.setData(key)
            action.setEnabled(not unavailable)
            action.setChecked(key == self.settings.provider)
            action.triggered.connect(lambda checked=False, k=key: self.set_provider(k))
            self.provider_actions.addAction(action)
            self.provider_menu.addAction(action)
        self.provider_button.setMenu(self.provider_menu)
        self.show_provider("…")
        return self.provider_button

    def _build_help_menu(self) -> None:
        menu = self.menuBar().addMenu("&Help")
        menu.addAction(QAction("About Anime Desktop", self,
                               triggered=lambda: help_menu.show_about(self, self.rows)))
        menu.addAction(QAction("Keyboard shortcuts", self, shortcut=QKeySequence.StandardKey.HelpContents,
                               triggered=lambda: help_menu.show_shortcuts(self)))
        menu.addAction(QAction("Read the README", self, triggered=help_menu.open_readme))
        menu.addAction(QAction("Open log folder", self, triggered=lambda: help_menu.open_folder(logs.log_dir())))

    def _connect(self) -> None:
        self.engine.errors.connect(self._on_error)
        for view in self.views():
            view.status.connect(self.status)
        self.models.changed.connect(self.refresh_models)
        self.models.preview_ready.connect(self._show_preview_in_box)
        self.model_box.currentTextChanged.connect(self._model_chosen)

    # --- the model catalogue --------------------------------------------------------------
    def refresh_models(self) -> None:
        """Read the catalogue off the GUI thread, then hand it to every view that lists models."""
        self.engine.call(catalog.list_models).returned.connect(self._catalogue_ready)

    def _catalogue_ready(self, rows: list[catalog.ModelRow]) -> None:
        self.rows = rows
        self.models.fill(rows)
        self.faces.set_catalogue(rows)
        self._fill_models(catalog.style_names(rows))

    def _fill_models(self, names: list[str]) -> None:
        current = self.model_box.currentText() or self.settings.last_model
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(names)
        for i, name in enumerate(names):
            if name in self.models.thumbs:
                self.model_box.setItemIcon(i, QIcon(to_pixmap(self.models.thumbs[name])))
        self._add_dreamshaper_entry()
        if current in names or (names and current == diffusion.NAME):
            self.model_box.setCurrentText(current)
        elif names:
            # Installing never changes the model in use: without a (still installed) choice, the
            # shipped default, not whichever installed model sorts first.
            default = catalog.shipped_default(self.rows)
            self.model_box.setCurrentText(default) if default else self.model_box.setCurrentIndex(0)
        self.model_box.blockSignals(False)
        self.compare.set_models([*names, diffusion.NAME], self.settings.compare_models or names[:3])
        self.batch.set_models(names, self.current_model())
        if names:
            self._model_chosen(self.model_box.currentText(), restyle=False)

    def _add_dreamshaper_entry(self) -> None:
        """DreamShaper, last and marked slow; never given a preview (it would take minutes)."""
        self.model_box.addItem(diffusion.NAME)
        installed = extras.available("diffusion")  # find_spec only: nothing is imported to know
        tip = ("DreamShaper: Stable Diffusion img2img, slow (seconds to minutes a photo). Its prompt and "
               "settings are in the Stylize tab; it never runs by itself." if installed else
               "DreamShaper needs the 'diffusion' extra: pip install 'anime-desktop[diffusion]'")
        self.model_box.setItemData(self.model_box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.model_box.setItemIcon(self.model_box.count() - 1, QIcon(resource_path("icons", "slow.svg").as_posix()))

    def _show_preview_in_box(self, name: str, image) -> None:
        index = self.model_box.findText(name)
        if index >= 0:
            self.model_box.setItemIcon(index, QIcon(to_pixmap(image)))

    def _model_chosen(self, name: str, restyle: bool = True) -> None:
        if not name:
            return
        if not diffusion.is_dreamshaper(name) and self.stylize.sd_handles:
            self.stylize.cancel_dreamshaper()  # its late results would overwrite the new look's
        self.stylize.show_dreamshaper(diffusion.is_dreamshaper(name))
        if diffusion.is_dreamshaper(name):
            self._dreamshaper_chosen(by_user=restyle)
            return
        self.settings.last_model = name
        self.live.set_model(name)
        self.batch.follow_model(name)
        self._ask_provider_of(name)
        if restyle:
            self.stylize.restyle_all()

    def _dreamshaper_chosen(self, by_user: bool) -> None:
        """Never remembered as the default, never given to Live or the batch, and nothing runs now."""
        self.show_provider("PyTorch (DreamShaper)")
        if not by_user:
            return  # a refresh of the model list keeps the choice; it does not move the user around
        if not extras.available("diffusion"):
            self.notify(str(extras.MissingExtra("DreamShaper", "diffusion")))
            return
        self.tabs.setCurrentWidget(self.stylize)
        self.status("DreamShaper chosen: set the prompt in the panel, then Run (it takes a while a photo)")

    def _ask_provider_of(self, model: str) -> None:
        # A late reply for a model no longer chosen (switched meanwhile) must not overwrite the label.
        self.engine.call(provider_in_use(model)).returned.connect(
            lambda provider: self.show_provider(provider) if self.current_model() == model else None)

    def show_provider(self, provider: str) -> None:
        self.provider_button.setText(f"⚙ {provider} ▾")
        self.provider_button.setToolTip(f"Runs on: {provider}. Click to choose the execution provider "
                                        f"(now: {self.settings.provider}).")
        self.models.show_provider(provider)

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

    def paste_image(self) -> None:
        self.tabs.setCurrentWidget(self.stylize)
        self.stylize.paste()

    def ask_save_path(self, default_name: str) -> str:
        start = Path(self.settings.last_output_dir or Path.home()) / default_name
        path, chosen = QFileDialog.getSaveFileName(self, "Save", str(start), "PNG (*.png);;JPEG (*.jpg);;WebP (*.webp)")
        if path and not Path(path).suffix:  # "noext" would be written without a format anyone can open
            path += "." + (chosen.split("*.")[-1].rstrip(")") if "*." in chosen else "png")
        if path:
            self.settings.last_output_dir = str(Path(path).parent)
        return path

    def save_current(self) -> None:
        result = self.stylize.current_result()
        if result is None:
            return
        path = self.ask_save_path(pipeline.output_name(result.path, result.model, self.output_options()))
        if path:
            self.stylize.save([result], [Path(path)], pipeline.OutputOptions(
                fmt=Path(path).suffix.lstrip(".") or "png", overwrite=True))

    def save_all(self) -> None:
        if not self.stylize.results:
            return
        folder = QFileDialog.getExistingDirectory(self, "Save all into", self.settings.last_output_dir or "")
        if folder:
            self.settings.last_output_dir = folder
            self.stylize.save_all(Path(folder), pipeline.OutputOptions(fmt=self.settings.output_format))

    def quit(self) -> None:
        """Close the window. A slot, not `close` itself: slots returning bool crash PySide 6.12 at exit."""
        self.close()

    def start_compare(self) -> None:
        """Compare the photo selected in Stylize (not whichever finished last)."""
        current = self.stylize.current_result()
        if current is not None:
            self.compare.set_source(current)
        self.tabs.setCurrentWidget(self.compare)
        self.compare.run()

    def set_provider(self, provider: str) -> None:
        self.settings.provider = provider
        self.engine.set_provider(provider)
        for action in self.provider_actions.actions():
            action.setChecked(action.data() == provider)
        self.models.set_provider_choice(provider)
        if diffusion.is_dreamshaper(self.current_model()):
            self.show_provider("PyTorch (DreamShaper)")  # the next DreamShaper run reloads on the new device
        elif self.current_model():
            self._ask_provider_of(self.current_model())

    # --- feedback, theme, geometry ----------------------------------------------------------
    def status(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def _on_error(self, error: JobError) -> None:
        if error.kind == "NotDownloaded":
            self.banner.show_info(error.message, None, ("Download…", self.offer_dreamshaper_download))
            return
        self.notify(error.message, error.details)

    def offer_dreamshaper_download(self) -> None:
        """The one network access DreamShaper makes, and only after this question is answered Yes."""
        source = self.stylize.dreamshaper.run_settings().source(diffusion.NAME)
        size = (f"about {diffusion.spec.DEFAULT_DOWNLOAD_GB:g} GB" if source.label == diffusion.NAME
                else "its size is shown by the Hub page")
        answer = QMessageBox.question(
            self, "Download DreamShaper?",
            f"{source.source} is not on this computer yet.\n\nDownload it from huggingface.co ({size})? "
            "It is kept in the Hugging Face cache, so this happens once.")
        if answer == QMessageBox.StandardButton.Yes:
            self.stylize.download_dreamshaper()

    def notify(self, message: str, details: str = "") -> None:
        """The one place errors reach the user: a banner over the tab row, and the status bar."""
        self.banner.show_error(message, details)
        self.statusBar().showMessage(message, 10_000)

    def announce(self, message: str, folder: Path | None = None, action=None) -> None:
        """A finished result the user may want to find: the banner offers "Open folder" (and `action`)."""
        self.banner.show_info(message, folder, action)
        self.statusBar().showMessage(message, 8000)

    def use_model(self, name: str) -> None:
        if self.model_box.findText(name) >= 0:
            self.model_box.setCurrentText(name)

    # --- drops anywhere on the window ---------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction()
        self.open_paths([Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()])

    def open_paths(self, paths: list[Path]) -> None:
        """Model files are imported; photos and folders dropped with them still open in Stylize."""
        models = [p for p in paths if p.is_file() and is_model_file(p)]
        for path in models:
            self.models.import_file(path)
        pictures = [p for p in paths if p not in models]
        if pictures:
            self.tabs.setCurrentWidget(self.stylize)
            self.stylize.add_paths(pictures)

    def apply_theme(self, theme: str) -> None:
        theme = theme if isinstance(theme, str) and theme in THEMES else "dark"
        try:
            qss = resource_path("themes", THEMES[theme]).read_text(encoding="utf-8")
            # Style sheets cannot find our folder by themselves: point `{icons}` at it.
            qss = qss.replace("{icons}", resource_path("icons").as_posix())
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
        # A minutes-long DreamShaper column is ticked for one comparison, never by default.
        ticked = [m for m in self.compare.checked_models() if not diffusion.is_dreamshaper(m)]
        self.settings.compare_models = ticked or self.settings.compare_models
        self.settings.dreamshaper = self.stylize.dreamshaper.remembered()
        self.live.shutdown()
        self.live.remember(self.settings)
        self.settings.save()
        self.engine.stop()
        super().closeEvent(event)
