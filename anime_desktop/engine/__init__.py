"""ONNX Runtime lives here and nowhere else in the app (ARCHITECTURE.md, door 2)."""
