"""The engine thread's two kinds of work, without a window."""

from __future__ import annotations

import itertools

from anime_desktop.core.errors import AnimeDesktopError
from anime_desktop.gui.workers import EngineThread


def test_a_newer_live_item_replaces_an_unstarted_one(qtbot):
    engine = EngineThread()
    results = []
    engine.returned.connect(lambda job, value: results.append(value))
    engine.set_live("preview", lambda ctx: "old model")
    newest = engine.set_live("preview", lambda ctx: "new model")
    other = engine.set_live("other", lambda ctx: "another view")
    engine.start()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    engine.stop()
    assert sorted(results) == ["another view", "new model"] and newest < other


def test_jobs_advance_step_by_step_and_cancel_within_one_step(qtbot):
    engine = EngineThread()
    steps = []

    def endless(ctx):
        for i in itertools.count():
            ctx.progress.check_aborted()
            steps.append(i)
            yield i

    at_cancel = []

    def cancel_after_three(job, value):
        if value >= 3 and not at_cancel:
            at_cancel.append(len(steps))
            engine.cancel(job)

    engine.yielded.connect(cancel_after_three)
    finished = []
    engine.finished_job.connect(finished.append)
    job = engine.submit(endless)
    engine.start()
    # no check_params_cb: PySide 6.12 mis-counts bools returned from signal callbacks
    qtbot.waitUntil(lambda: job in finished, timeout=5000)
    engine.stop()
    assert steps[:4] == [0, 1, 2, 3]
    assert len(steps) <= at_cancel[0] + 1  # at most the step already under way finishes


def test_errors_become_one_readable_line(qtbot):
    engine = EngineThread()
    messages = []
    engine.errored.connect(lambda job, message: messages.append(message))
    engine.call(lambda ctx: (_ for _ in ()).throw(AnimeDesktopError("photo.jpg: the disk is full")))
    engine.call(lambda ctx: 1 / 0)
    engine.start()
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=5000)
    engine.stop()
    assert messages[0] == "photo.jpg: the disk is full"
    assert messages[1].startswith("unexpected ZeroDivisionError") and "\n" not in messages[1]
