"""The bridge from trainer checkpoints and published weights to the model files the app runs.

May import `trainer`, `anime_desktop.core` and `anime_desktop.engine`, never `gui`; nothing
imports `export` (the window runs `anime-export` as a subprocess).
"""
