"""The engine thread's two kinds of work, without a window: replies reach only their handle."""

from __future__ import annotations

import itertools

from anime_desktop.core.errors import AnimeDesktopError
from anime_desktop.gui.workers import EngineThread


def test_a_newer_live_item_replaces_an_unstarted_one(qtbot):
    engine = EngineThread()
    results, ended = {}, []
    handles = {}
    for name, key, value in (("old", "preview", "old model"), ("new", "preview", "new model"),
                             ("other", "other", "another view")):
        handle = engine.set_live(key, lambda ctx, v=value: v)
        handle.returned.connect(lambda v, n=name: results.setdefault(n, v))
        handle.finished.connect(lambda n=name: ended.append(n))
        handles[name] = handle
    engine.start()
    qtbot.waitUntil(lambda: len(ended) == 3, timeout=5000)
    engine.stop()
    assert results == {"new": "new model", "other": "another view"}  # the replaced item never ran
    assert engine.pending() == 0  # every handle was let go: nothing accumulates per frame


def test_jobs_advance_step_by_step_and_cancel_within_one_step(qtbot):
    engine = EngineThread()
    steps = []

    def endless(ctx):
        for i in itertools.count():
            ctx.progress.check_aborted()
            steps.append(i)
            yield i

    at_cancel, finished = [], []
    handle = engine.submit(endless)

    def cancel_after_three(value):
        if value >= 3 and not at_cancel:
            at_cancel.append(len(steps))
            handle.cancel()

    handle.yielded.connect(cancel_after_three)
    handle.finished.connect(lambda: finished.append(True))
    engine.start()
    # no check_params_cb: PySide 6.12 mis-counts bools returned from signal callbacks
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    engine.stop()
    assert steps[:4] == [0, 1, 2, 3]
    assert len(steps) <= at_cancel[0] + 1  # at most the step already under way finishes


def test_errors_become_one_readable_line_with_details_for_a_bug_report(qtbot):
    engine = EngineThread()
    errors, notified = [], []
    engine.errors.connect(notified.append)
    for fn in (lambda ctx: (_ for _ in ()).throw(AnimeDesktopError("photo.jpg: the disk is full")),
               lambda ctx: 1 / 0):
        engine.call(fn).errored.connect(errors.append)
    engine.start()
    qtbot.waitUntil(lambda: len(errors) == 2, timeout=5000)
    engine.stop()
    assert errors[0].message == "photo.jpg: the disk is full"
    assert "\n" not in errors[1].message and "ZeroDivisionError" not in errors[1].message
    assert "something went wrong" in errors[1].message and "log" in errors[1].message
    assert "ZeroDivisionError" in errors[1].details and "Traceback" in errors[1].details
    assert notified == errors  # and both reached the one notifier


def test_each_reply_reaches_only_the_code_that_submitted_the_job(qtbot):
    """Two views' jobs at once: a finite job and a live item, each heard only on its own handle."""
    engine = EngineThread()
    heard_a, heard_b = [], []

    def counting(ctx):
        for i in range(3):
            yield f"a{i}"
        return "a-done"

    a = engine.submit(counting)
    b = engine.set_live("frame", lambda ctx: "b-done")
    a.yielded.connect(lambda v: heard_a.append(("yielded", v)))
    a.returned.connect(lambda v: heard_a.append(("returned", v)))
    b.yielded.connect(lambda v: heard_b.append(("yielded", v)))
    b.returned.connect(lambda v: heard_b.append(("returned", v)))
    done = []
    for h in (a, b):
        h.finished.connect(lambda: done.append(True))
    engine.start()
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
    engine.stop()
    assert heard_a == [("yielded", "a0"), ("yielded", "a1"), ("yielded", "a2"), ("returned", "a-done")]
    assert heard_b == [("returned", "b-done")]


def test_the_engine_has_no_signal_that_carries_a_job_id():
    """The design, checked: replies travel on handles; the engine's own signals carry no ids."""
    from PySide6.QtCore import QMetaMethod

    meta = EngineThread.staticMetaObject
    own = [meta.method(i) for i in range(meta.methodOffset(), meta.methodCount())
           if meta.method(i).methodType() == QMetaMethod.MethodType.Signal]
    for signal in own:
        assert "int" not in [bytes(t).decode() for t in signal.parameterTypes()], bytes(signal.methodSignature())
