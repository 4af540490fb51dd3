"""A paired run with an adversarial term logs the discriminator's loss without PyTorch's
"Converting a tensor with requires_grad=True to a scalar" warning on every step (issue 15)."""

from __future__ import annotations

import warnings

from tests.trainer.test_training import make_pairs, run


def test_paired_adversarial_steps_raise_no_requires_grad_warning(tmp_path):
    data = make_pairs(tmp_path / "pairs", 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run("paired", data, tmp_path / "run", 2, "--weight_adv=0.1", "--ndf=8") == 0
    assert not [w for w in caught if "requires_grad" in str(w.message)], [str(w.message) for w in caught]
