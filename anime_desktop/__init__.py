"""Anime Desktop: photos, folders and a webcam into anime / cartoon art with small GAN models.

The package is layered `gui -> engine -> core` (see ARCHITECTURE.md): `core` is pure
numpy/Pillow/OpenCV, `engine` owns ONNX Runtime, and only `gui`/`app` import PySide6.
"""

__version__ = "0.1.0"
