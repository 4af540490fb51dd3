"""The fast-copy dialog's bar is read from build-student's lines: check the reading itself."""

from anime_desktop.jobs.build_progress import BuildProgress


def test_stages_and_counts_become_one_forward_moving_fraction():
    progress = BuildProgress()
    lines = ["== render pairs: anime_desktop pairs a b --teacher toon", "pairs 0/90", "pairs 45/90",
             "== train: trainer paired ...", "TensorBoard logs off", "step 100/4500 | 1.6 it/s | l1 0.05",
             "step 4500/4500 | 1.9 it/s", "== export FP32: export onnx ...", "== export INT8: ...",
             "== check: held-out kodim03"]
    seen = [(round(progress.fraction, 3), progress.label) for line in lines if progress.feed(line)]
    assert seen[1:3] == [(0.0, "Rendering pairs: render 0/90"), (0.05, "Rendering pairs: render 45/90")]
    assert (round(0.1 + 0.8 * 100 / 4500, 3), "Training: step 100/4500") in seen
    assert seen[-1] == (0.97, "Checking quality")
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert not BuildProgress().feed("step 3/10")  # a count before any stage header means nothing
