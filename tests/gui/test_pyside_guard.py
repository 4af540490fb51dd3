"""Guard against a PySide6 release whose Signal.emit() loses references to True.

PySide6 6.12.0 on Python 3.11 did: every emit() dropped one reference, and after a few
thousand the interpreter aborted ("bool_dealloc") in the middle of a batch. 200 emits show
the leak without coming near the crash.
"""

import gc
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(int, object)


def test_signal_emit_keeps_bool_refcounts():
    emitter = _Emitter()
    received = []
    emitter.fired.connect(lambda i, value: received.append(i))
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for i in range(200):
        emitter.fired.emit(i, "payload")
    gc.collect()
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert len(received) == 200
    assert after[0] - before[0] >= -5, f"this PySide6 leaks True on emit ({after[0] - before[0]} per 200)"
