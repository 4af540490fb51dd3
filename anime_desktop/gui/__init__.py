"""The PySide6 window: the only package (with `app`) that imports Qt."""
