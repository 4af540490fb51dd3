"""Faces you can direct (issue 21), trainer side: labels from the renderer, the attribute
conditional DCGAN, the classifier that judges it and the attr-acc metric.

Everything runs on tiny nets and tiny sets on the CPU; what is asserted is behaviour (which
pixels change with which attribute, what the classifier gets right, what files say).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trainer import classifier as clf
from trainer.cli import main
from trainer.config import ConfigError, DCGANConfig, load
from trainer.data import DataError, FaceData
from trainer.families import FAMILIES
from trainer.procedural_faces import ATTRIBUTES, EXPRESSIONS, render_labelled, sample, visibility

CPU = torch.device("cpu")
TINY = ["--batch_size=8", "--ngf=8", "--ndf=8", "--latent_dim=16", "--log_every=1", "--save_every=1000",
        "--sample_every=1000"]


@pytest.fixture(scope="module")
def face_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("faces")
    assert main(["render-faces", str(out), "--count", "64", "--seed", "5"]) == 0
    return out


def test_render_faces_writes_each_faces_attributes_and_where_they_show(face_set):
    data = np.load(face_set / "faces.npz")
    assert data["images"].shape == (64, 64, 64, 3)
    assert json.loads(str(data["attribute_names"])) == {k: list(v) for k, v in ATTRIBUTES.items()}
    rows, visible = data["attributes"], data["visible"]
    assert rows.shape == visible.shape == (64, len(ATTRIBUTES))
    for i in (0, 17, 63):  # the label is what the renderer drew for that face
        params = sample(np.random.default_rng([5, i]))
        assert tuple(rows[i]) == params.labels()
        assert rows[i][list(ATTRIBUTES).index("expression")] == EXPRESSIONS.index(params.expression)
    happy = rows[:, list(ATTRIBUTES).index("expression")] == EXPRESSIONS.index("happy")
    eyes = list(ATTRIBUTES).index("eyes")
    assert happy.any() and not visible[happy, eyes].any() and visible[~happy, eyes].all()
    assert visible[:, [j for j in range(len(ATTRIBUTES)) if j != eyes]].all()


def test_a_faces_hair_label_is_the_colour_it_is_drawn_in():
    """Hair drawn for label k is nearest to hair colour k: the labels are the pixels' truth."""
    from trainer.procedural_faces import HAIR_COLOURS

    images, rows, _ = render_labelled(100, seed=9)
    agree = 0
    for image, row in zip(images, rows):
        top = image[10:15, 27:37].reshape(-1, 3).astype(float).mean(0)  # the crown, above the fringe
        nearest = int(np.argmin([np.abs(top - np.array(c)).sum() for c in HAIR_COLOURS]))
        agree += nearest == row[0]
    # a colour jittered by 18 per channel can land nearer a neighbour (blonde and white); a wrong
    # label would agree 1 time in 12
    assert agree >= 85, agree


def test_visibility_follows_the_rule_over_any_column_order():
    table = {"expression": list(EXPRESSIONS), "eyes": list(ATTRIBUTES["eyes"])}
    rows = np.array([[EXPRESSIONS.index("happy"), 3], [EXPRESSIONS.index("wink"), 3]])
    assert visibility(rows, table).tolist() == [[True, False], [True, True]]


def test_face_data_serves_the_asked_attributes_in_the_asked_order(face_set):
    data = FaceData(face_set, 32, attributes=["expression", "hair"])
    batch = data.batch(6, torch.Generator().manual_seed(0))
    assert batch["attributes"].shape == (6, 2) and batch["attributes"].dtype == torch.int64
    assert batch["visible"].shape == (6, 2)
    with pytest.raises(DataError, match="no attribute 'mood'"):
        FaceData(face_set, 32, attributes=["mood"])


def test_a_face_set_without_labels_is_refused_for_attribute_training(tmp_path):
    np.savez(tmp_path / "faces.npz", images=np.zeros((4, 64, 64, 3), np.uint8))
    with pytest.raises(DataError, match="render-faces"):
        FaceData(tmp_path, 32, attributes=["hair"])


def test_attribute_config_resolves_the_renderer_table_and_refuses_nonsense():
    config = load(DCGANConfig, None, ["--attributes=faces"])
    assert list(config.attribute_table()) == list(ATTRIBUTES)
    with pytest.raises(ConfigError, match="JSON"):
        load(DCGANConfig, None, ["--attributes=hair:red"])
    with pytest.raises(ConfigError, match="not both"):
        load(DCGANConfig, None, ["--attributes=faces", "--num_classes=3"])


def _family(**extra):
    overrides = ["--attributes=faces", "--variant=upsample", "--batch_size=4", "--ngf=8", "--ndf=8",
                 "--latent_dim=16", *(f"--{k}={v}" for k, v in extra.items())]
    torch.manual_seed(0)
    return FAMILIES["dcgan"](load(DCGANConfig, None, overrides), CPU)


def test_each_attribute_reaches_g_and_d():
    """G draws differently when one attribute changes; D scores the same face differently when
    told different attributes (the projection), as a conditional GAN must."""
    family = _family()
    g, d = family.net("G").eval(), family.net("D").eval()
    z = torch.randn(2, 16)
    rows = torch.zeros(2, len(ATTRIBUTES), dtype=torch.int64)
    with torch.no_grad():
        base = g(z, rows)
        for column in range(len(ATTRIBUTES)):
            other = rows.clone()
            other[:, column] = 1
            assert (g(z, other) - base).abs().mean() > 1e-4, list(ATTRIBUTES)[column]
        # give the projection weights something to say (freshly they are small but not zero)
        assert not torch.allclose(d(base, rows), d(base, rows + 1))
    with pytest.raises(ValueError, match="attributes"):
        g(z, torch.zeros(2, dtype=torch.int64))


def test_auxiliary_heads_learn_only_from_visible_attributes():
    """The AC-GAN term is masked by visibility: hiding every eye label leaves the eye head untouched."""
    family = _family(aux_weight=1.0)
    hidden = torch.randn(4, 8 * 8, 4, 4)
    labels = torch.zeros(4, len(ATTRIBUTES), dtype=torch.int64)
    visible = torch.ones(4, len(ATTRIBUTES), dtype=torch.bool)
    visible[:, 1] = False
    family.net("D").zero_grad()
    family._aux(family.unwrapped("D").classify(hidden), labels, visible).backward()
    heads = family.unwrapped("D").heads
    assert heads[1].weight.grad is None or heads[1].weight.grad.abs().sum() == 0
    assert heads[0].weight.grad.abs().sum() > 0


def _labelled_batch(count: int = 8) -> dict:
    images, rows, visible = render_labelled(count, seed=11)
    image = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1
    return {"image": image, "attributes": torch.from_numpy(rows), "visible": torch.from_numpy(visible)}


def test_a_separate_classifier_learns_from_real_faces_only_and_teaches_g():
    """aux_net=separate: the classifier steps on the real batch (its loss there falls), never on
    fakes (G's step leaves its weights and batch-norm statistics as they were), and its verdict
    on the fakes reaches G's gradients."""
    family = _family(aux_weight=1.0, aux_net="separate", lr_aux=1e-2)
    assert set(family.nets) == {"G", "D", "C"} and "C" in family.optimizers
    batch = _labelled_batch()
    family.set_input(batch)
    first = family._classifier_step(family.batch["image"], family.batch["attributes"], family.batch["visible"])
    for _ in range(15):
        last = family._classifier_step(family.batch["image"], family.batch["attributes"], family.batch["visible"])
    assert last < 0.7 * first
    c = family.net("C")
    before = {k: v.clone() for k, v in c.state_dict().items()}
    z = torch.randn(8, 16)
    fake = family.net("G")(z, family.batch["attributes"])
    family.net("G").zero_grad()
    c.zero_grad(set_to_none=True)
    family._classifier_says(fake, family.batch["attributes"], family.batch["visible"]).backward()
    assert all(torch.equal(before[k], v) for k, v in c.state_dict().items())
    assert all(p.grad is None for p in c.parameters())
    assert sum(p.grad.abs().sum() for p in family.net("G").parameters() if p.grad is not None) > 0
    out = family.optimize_parameters(0)
    assert out["d_aux"] > 0 and out["g_aux"] > 0
    assert family.unwrapped("D").heads[0].weight.grad is None  # D's own heads are not used


def test_an_attribute_dcgan_trains_logs_its_aux_terms_and_exports(face_set, tmp_path):
    run = tmp_path / "run"
    assert main(["dcgan", "--data", str(face_set), "--out", str(run), "--steps", "2", "--attributes=faces",
                 "--aux_weight=1", "--variant=upsample", *TINY]) == 0
    header = (run / "log.csv").read_text().splitlines()[0].split(",")
    last = (run / "log.csv").read_text().splitlines()[-1].split(",")
    assert float(last[header.index("d_aux")]) > 0 and float(last[header.index("g_aux")]) > 0
    onnx = pytest.importorskip("onnx")
    from export.cli import main as export

    model, disc = tmp_path / "g.onnx", tmp_path / "g.disc.onnx"
    assert export(["onnx", str(run), "-o", str(model), "--license", "Apache-2.0"]) == 0
    assert export(["discriminator", str(run), "-o", str(disc)]) == 0
    proto = onnx.load(str(model))
    assert [i.name for i in proto.graph.input] == ["latent", "attributes"]
    meta = {p.key: p.value for p in proto.metadata_props}
    assert list(json.loads(meta["attributes"])) == list(ATTRIBUTES)
    assert [i.name for i in onnx.load(str(disc)).graph.input] == ["image", "attributes"]
    import onnxruntime as ort

    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    z = np.random.default_rng(0).standard_normal((2, 16)).astype(np.float32)
    rows = np.zeros((2, len(ATTRIBUTES)), np.int64)
    a = session.run(None, {"latent": z, "attributes": rows})[0]
    rows[:, 0] = 8  # green hair
    b = session.run(None, {"latent": z, "attributes": rows})[0]
    assert a.shape == (2, 3, 64, 64) and np.abs(a - b).mean() > 1e-5  # two steps: small, not nothing
    int8 = tmp_path / "g8.onnx"  # calibration feeds the attributes input too
    assert export(["int8", str(model), "-o", str(int8)]) == 0
    assert [i.name for i in onnx.load(str(int8)).graph.input] == ["latent", "attributes"]


def _colour_set(n: int = 120, size: int = 16) -> clf.LabelledImages:
    """Images whose class is their colour (0 red, 1 green, 2 blue), with noise."""
    rng = np.random.default_rng(0)
    labels = rng.integers(3, size=n)
    images = rng.integers(0, 60, (n, size, size, 3)).astype(np.uint8)
    images[np.arange(n), :, :, labels] += 150
    return clf.LabelledImages(images, labels[:, None].astype(np.int64), np.ones((n, 1), bool),
                              {"colour": ["red", "green", "blue"]}, {})


def test_the_classifier_learns_and_reports_its_held_out_accuracy(tmp_path):
    record = clf.train(_colour_set(), tmp_path / "c.pt", size=16, steps=40, batch_size=16, log=lambda _: None)
    assert record["held_out_count"] == 12 and record["held_out_accuracy"]["colour"] == 1.0
    judge = clf.Classifier(tmp_path / "c.pt")
    blue = np.zeros((2, 16, 16, 3), np.uint8)
    blue[..., 2] = 200
    assert judge.predict(blue)[:, 0].tolist() == [2, 2]
    from trainer.metrics.attributes import style_share

    assert style_share(judge, blue, "colour=blue") == 1.0
    with pytest.raises(DataError, match="values red, green, blue"):
        style_share(judge, blue, "colour=pink")


def test_a_file_that_is_not_a_classifier_is_refused(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "x.pt")
    with pytest.raises(DataError, match="not a classifier"):
        clf.Classifier(tmp_path / "x.pt")
    (tmp_path / "y.pt").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a classifier file"):
        clf.Classifier(tmp_path / "y.pt")


def test_classifier_command_on_class_folders_and_attr_acc_on_fakes(tmp_path, capsys):
    from PIL import Image

    for name, channel in (("warm", 0), ("cool", 2)):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(20):
            image = np.random.default_rng(i).integers(0, 60, (24, 24, 3)).astype(np.uint8)
            image[..., channel] += 150
            Image.fromarray(image).save(folder / f"{i}.png")
    out = tmp_path / "style.pt"
    assert main(["classifier", "--class", f"warm={tmp_path / 'warm'}", "--class", f"cool={tmp_path / 'cool'}",
                 "--attribute", "tone", "--out", str(out), "--size", "16", "--steps", "40"]) == 0
    assert "tone: 1.0000" in capsys.readouterr().out
    assert main(["eval", "--metrics", "attr-acc", "--classifier", str(out), "--fake", str(tmp_path / "cool"),
                 "--target", "tone=cool"]) == 0
    assert "share tone=cool: 1.0000" in capsys.readouterr().out
    assert main(["classifier", "--class", f"warm={tmp_path / 'warm'}", "--out", str(out)]) == 2


def test_attr_acc_scores_a_generator_and_its_untrained_twin(face_set, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["dcgan", "--data", str(face_set), "--out", str(run), "--steps", "1", "--attributes=faces",
                 "--variant=upsample", *TINY]) == 0
    judge = tmp_path / "c.pt"
    assert main(["classifier", "--data", str(face_set), "--out", str(judge), "--steps", "2"]) == 0
    capsys.readouterr()
    assert main(["eval", "--metrics", "attr-acc", "--classifier", str(judge), "--checkpoint", str(run),
                 "--limit", "40", "--json", str(tmp_path / "acc.json")]) == 0
    scores = json.loads((tmp_path / "acc.json").read_text())
    for name in ATTRIBUTES:
        assert 0 <= scores[f"trained {name}"] <= 1 and 0 <= scores[f"untrained {name}"] <= 1
    assert main(["eval", "--metrics", "attr-acc,swd", "--classifier", str(judge), "--checkpoint", str(run)]) == 1
