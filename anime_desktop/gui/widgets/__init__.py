"""Reusable widgets: zoomable image view, before/after split view, drop zone."""
