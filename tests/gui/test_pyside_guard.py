"""Guard against a PySide6 release whose Signal.emit() loses references to True.

PySide6 6.12.0 on Python 3.11 did: every emit() dropped one reference, and after a few
thousand the interpreter aborted ("bool_dealloc") in the middle of a batch.

The count runs in a fresh interpreter: True's refcount is process-wide, and in the
suite's own process threads left by earlier tests (Ray's driver threads, Qt workers)
move it by tens while the loop runs, which once failed CI on a PySide6 without the bug.
2000 emits put the bug (-2000) far from that noise without coming near the crash.
"""

import subprocess
import sys

_EMITS = 2000

_PROBE = f"""
import gc, sys
from PySide6.QtCore import QObject, Signal

class Emitter(QObject):
    fired = Signal(int, object)

emitter = Emitter()
received = []
emitter.fired.connect(lambda i, value: received.append(i))
gc.collect()
before = sys.getrefcount(True)
for i in range({_EMITS}):
    emitter.fired.emit(i, "payload")
gc.collect()
print(len(received), sys.getrefcount(True) - before)
"""


def test_signal_emit_keeps_bool_refcounts():
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    received, drift = map(int, done.stdout.split())
    assert received == _EMITS
    assert drift >= -_EMITS // 10, f"this PySide6 leaks True on emit ({drift} per {_EMITS})"
