"""Work the engine thread runs, shared by the window and the CLI; no Qt here.

Each job is a plain function or generator factory taking a `JobContext` (the session cache,
progress with cancel, the provider choice) and returning or yielding plain data. The window
hands them to its engine thread; the CLI calls them directly (ARCHITECTURE.md, `jobs/`).
Sessions are reached only through `engine`; this package never imports onnxruntime itself.
"""
