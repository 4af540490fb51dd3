"""Pure-Python core: image I/O, pre/post-processing, tiling, batches, settings.

Nothing here imports onnxruntime, torch or PySide6, so it is usable from the CLI, the
window's worker thread, the exporter and tests alike.
"""
