"""Attribute faces models (CONTRACTS.md, "Faces"): the metadata key, the runner's feeding, the ranker's,
and the faces jobs' "any per tile" and interpolation, on tiny real generators built with torch."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from anime_desktop.core import attributes as attrs
from anime_desktop.core import latent, model_store, modelfile
from anime_desktop.core.errors import AttributeChoiceError, InferenceError, ModelFileError
from anime_desktop.core.types import IOConvention
from anime_desktop.engine.loader import load_model
from anime_desktop.engine.ranker import Ranker, ranker_for
from anime_desktop.engine.runners import GeneratorRunner
from anime_desktop.jobs import catalog
from anime_desktop.jobs import faces as face_jobs
from tests import onnx_models

af = pytest.importorskip("tests.attribute_faces", reason="the tiny generators are built with torch")

HAIR, EYES, EXPRESSION = (list(v) for v in af.ATTRIBUTES.values())
ANY3 = (None, None, None)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("attribute-models")
    return {"attr": af.attribute_model(root / "attr.onnx"),
            "plain-disc": af.attribute_model(root / "plaindisc.onnx", scorer="image"),
            "label": af.label_model(root / "label.onnx", classes=4),
            "latent": onnx_models.latent_model(root / "latent.onnx")}


@pytest.fixture(scope="module")
def runner(models):
    return GeneratorRunner(load_model(models["attr"]))


def with_metadata(source, target, **changes):
    """A copy of `source` whose metadata entries are replaced (value None: removed)."""
    proto = onnx.load(str(source))
    kept = {p.key: p.value for p in proto.metadata_props}
    kept.update(changes)
    del proto.metadata_props[:]
    for key, value in kept.items():
        if value is not None:
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
    onnx.save(proto, str(target))
    return target


BAD = {"not json": "hair=black", "a list": '["black"]', "empty": "{}", "no values": '{"hair": []}',
       "a value twice": '{"hair": ["black", "black"]}', "a blank value": '{"hair": ["black", " "]}',
       "a number": '{"hair": [1, 2]}', "the reserved any": '{"hair": ["black", "Any"]}',
       "a name with =": '{"hair=x": ["black"]}'}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_a_bad_attributes_value_is_refused_naming_the_key(text, tmp_path):
    with pytest.raises(ModelFileError, match="metadata key 'attributes' is malformed"):
        modelfile.attributes_from_metadata({"attributes": text}, tmp_path / "m.onnx")
    proto = onnx.load(str(onnx_models.latent_model(tmp_path / "z.onnx")))
    with pytest.raises(ValueError, match="metadata key 'attributes'"):
        modelfile.write_metadata(proto, {"attributes": text})


def test_a_file_with_bad_attributes_fails_to_load_and_is_listed_with_its_problem(models, tmp_path):
    bad = with_metadata(models["attr"], tmp_path / "bad.onnx", attributes='{"hair": ["black", "black"]}')
    with pytest.raises(ModelFileError, match="'attributes' is malformed.*'hair' lists a value twice"):
        load_model(bad)
    model_store.install(bad, "bad-attr")
    row = next(r for r in catalog.catalog() if r.name == "bad-attr")
    assert not row.usable and "attributes" in row.problem
    assert "bad-attr" not in catalog.faces_names()


def test_the_key_round_trips_through_writer_reader_convention_and_catalog(models, tmp_path):
    proto = onnx.load(str(onnx_models.latent_model(tmp_path / "z.onnx")))
    modelfile.write_metadata(proto, {"attributes": af.ATTRIBUTES})  # a dict is written as JSON
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["attributes"]) == af.ATTRIBUTES
    parsed = modelfile.attributes_from_metadata(meta)
    assert attrs.names(parsed) == ["hair", "eyes", "expression"] and dict(parsed)["hair"] == tuple(HAIR)
    io = IOConvention(latent_dim=16, attributes=parsed)
    assert modelfile.convention_from_metadata(modelfile.metadata_for(io)).attributes == parsed
    assert IOConvention.from_dict(json.loads(json.dumps(io.to_dict()))) == io  # the convention store's path
    model_store.install(models["attr"], "tiny-attr")
    row = next(r for r in catalog.catalog() if r.name == "tiny-attr")
    assert row.attributes == parsed and row.num_classes == 0 and row.can_rank
    assert "tiny-attr" in catalog.faces_names()


def test_the_runner_feeds_each_column_to_its_attribute(runner):
    assert runner.attributes == modelfile.attributes_from_metadata({"attributes": json.dumps(af.ATTRIBUTES)})
    assert runner.num_classes == 0
    z = latent.latents([1, 2], af.LATENT)
    base = runner.generate(z, attributes=[[0, 0, 0], [0, 0, 0]])
    for j in range(3):
        row = [0, 0, 0]
        row[j] = 1
        changed = runner.generate(z, attributes=[row, row])
        for k in range(3):  # only band j, where attribute j paints, changes
            differs = np.abs(af.band(changed[0], k).astype(int) - af.band(base[0], k)).mean()
            assert (differs > 10) == (k == j), (j, k, differs)
    one_row = runner.generate(z, attributes=[0, 1, 1])  # one row for all latents
    assert np.array_equal(one_row, runner.generate(z, attributes=[[0, 1, 1], [0, 1, 1]]))
    assert np.array_equal(runner.generate(z), base)  # no rows: every attribute's first value, as labels do


def test_the_runner_refuses_rows_the_model_cannot_take(runner, models):
    z = latent.latents([1], af.LATENT)
    with pytest.raises(AttributeChoiceError, match=r"eyes takes value 0\.\.2 \(blue, red, green\), not 3"):
        runner.generate(z, attributes=[[0, 3, 0]])
    with pytest.raises(AttributeChoiceError, match=r"rows of 3 attributes \(hair, eyes, expression\)"):
        runner.generate(z, attributes=[[0, 1]])
    plain = GeneratorRunner(load_model(models["latent"]))
    with pytest.raises(AttributeChoiceError, match="takes no attributes: it is an unconditional model"):
        plain.generate(latent.latents([1], 8), attributes=[[0]])
    labels = GeneratorRunner(load_model(models["label"]))
    with pytest.raises(AttributeChoiceError, match=r"single-label model \(labels 0\.\.3\)"):
        labels.resolve({"hair": "green"})


def test_names_and_values_resolve_with_errors_that_list_the_choices(runner):
    assert runner.resolve({}) == ANY3
    assert runner.resolve({"hair": "light-brown", "expression": "any"}) == (2, None, None)
    assert runner.resolve({"eyes": "RED"}) == (None, 1, None)  # value names ignore case
    with pytest.raises(AttributeChoiceError) as exc:
        runner.resolve({"hat": "red"})
    assert str(exc.value) == "attr has no attribute 'hat'; its attributes: hair, eyes, expression"
    with pytest.raises(AttributeChoiceError) as exc:
        runner.resolve({"eyes": "violet"})
    assert str(exc.value) == "attr: eyes has no value 'violet'; choose one of: any, blue, red, green"


def test_a_file_whose_input_and_metadata_disagree_is_refused(models, tmp_path):
    no_key = with_metadata(models["attr"], tmp_path / "nokey.onnx", attributes=None)
    with pytest.raises(InferenceError, match="has an 'attributes' input but no 'attributes' metadata"):
        GeneratorRunner(load_model(no_key))
    two = with_metadata(models["attr"], tmp_path / "two.onnx", attributes='{"hair": ["a"], "eyes": ["b"]}')
    with pytest.raises(InferenceError, match="has 3 columns but its metadata names 2 attributes"):
        GeneratorRunner(load_model(two))
    no_input = with_metadata(models["label"], tmp_path / "noinput.onnx", attributes='{"hair": ["a"]}')
    with pytest.raises(InferenceError, match="lists attributes in its metadata but has no 'attributes' input"):
        GeneratorRunner(load_model(no_input))


def test_any_is_drawn_per_tile_from_the_seed_and_fixed_values_hold(runner):
    seeds = list(range(100, 116))
    green = (HAIR.index("green"), None, None)
    faces = face_jobs.generate_faces(runner, None, seeds, 1.0, setting=green)
    rows = np.array([f.attributes for f in faces])
    assert [f.seed for f in faces] == seeds and all(f.score is None for f in faces)
    assert set(rows[:, 0]) == {HAIR.index("green")}
    assert len(set(rows[:, 1])) > 1 and len(set(rows[:, 2])) > 1  # "any" varies from tile to tile
    again = face_jobs.generate_faces(runner, None, seeds, 1.0, setting=green)
    assert all(np.array_equal(a.image, b.image) and a.attributes == b.attributes for a, b in zip(faces, again))
    free = face_jobs.generate_faces(runner, None, seeds, 1.0, setting=ANY3)
    assert all(f.attributes[1:] == g.attributes[1:] for f, g in zip(faces, free))  # fixing hair leaves eyes be
    assert len({f.attributes[0] for f in free}) > 1
    # The latent stream is untouched: a seed's latent is the same as for an unconditional model.
    direct = runner.generate(latent.latents(seeds, af.LATENT), attributes=rows)
    assert all(np.array_equal(f.image, im) for f, im in zip(faces, direct))
    assert face_jobs.attribute_row(runner, green, 107) == faces[7].attributes
    # Tiles that differ only in the eyes they drew differ in the eyes' band.
    a, b = next((a, b) for a in faces for b in faces if a.attributes[1] != b.attributes[1])
    assert np.abs(af.band(a.image, 1).astype(int).mean(axis=(0, 1)) - af.band(b.image, 1).mean(axis=(0, 1))).max() > 10


def test_ranking_scores_each_candidate_with_its_own_row(runner, models):
    ranker = ranker_for(models["attr"])
    assert ranker.takes_attributes
    faces = face_jobs.generate_faces(runner, ranker, [3, 4, 5], 1.0, rank_k=4, setting=(None, 1, None))
    for slot, face in zip((3, 4, 5), faces):
        candidates = [slot * 4 + j for j in range(4)]
        rows = attrs.rows_for(runner.attributes, (None, 1, None), candidates)
        images = runner.generate(latent.latents(candidates, af.LATENT), attributes=rows)
        # The tiny discriminator's score: mean pixel in [-1, 1] + 0.5 x the sum of the row it was fed.
        scores = [(im.astype(np.float64) / 127.5 - 1).mean() + 0.5 * row.sum() for im, row in zip(images, rows)]
        best = int(np.argmax(scores))
        assert face.seed == candidates[best] and face.attributes == tuple(rows[best])
        assert face.score == pytest.approx(scores[best], abs=1e-3)
    with pytest.raises(AttributeChoiceError, match="scores faces with their attributes, and none were given"):
        ranker.scores(faces[0].image[None])


def test_an_image_only_discriminator_ranks_an_attribute_model(models):
    runner = GeneratorRunner(load_model(models["plain-disc"]))
    ranker = Ranker(model_store.discriminator_for(models["plain-disc"]))
    assert not ranker.takes_attributes
    faces = face_jobs.generate_faces(runner, ranker, [7, 8], 1.0, rank_k=3, setting=(0, None, 1))
    assert all(f.attributes[0] == 0 and f.attributes[2] == 1 and f.score is not None for f in faces)
    assert faces[0].score == pytest.approx(float(ranker.scores(faces[0].image[None])[0]), abs=1e-5)


def test_interpolation_moves_the_latent_and_switches_differing_attributes_halfway(runner):
    row_a, row_b = (HAIR.index("green"), 1, 0), (HAIR.index("blonde"), 1, 1)
    frames = face_jobs.interpolation(runner, 3, 40, 7, 1.0, row_a=row_a, row_b=row_b)
    path = latent.interpolate(latent.latent(3, af.LATENT), latent.latent(40, af.LATENT), 7)
    expected = np.stack([runner.generate(path[i:i + 1], attributes=[row_a if i < 3.5 else row_b])[0]
                         for i in range(7)])
    assert np.array_equal(frames, expected)
    hair = np.array([af.band(f, 0).astype(int).mean(axis=(0, 1)) for f in frames])  # its mean colour
    jumps = np.abs(np.diff(hair, axis=0)).max(axis=1)
    assert int(np.argmax(jumps)) == 3 and jumps[3] > 5 * np.delete(jumps, 3).max()  # one switch, at the middle
    # Left out, the rows are those the seeds' grid tiles get with every attribute "any".
    default = face_jobs.interpolation(runner, 3, 40, 2, 1.0)
    tiles = face_jobs.generate_faces(runner, None, [3, 40], 1.0)
    assert np.array_equal(default[0], tiles[0].image) and np.array_equal(default[1], tiles[1].image)


def test_single_label_and_unconditional_models_work_as_before(models):
    labels = GeneratorRunner(load_model(models["label"]))
    assert labels.num_classes == 4 and labels.attributes == ()
    faces = face_jobs.generate_faces(labels, None, [1, 2], 1.0, label=2, setting=())
    assert all(f.attributes == () for f in faces)
    direct = labels.generate(latent.latents([1, 2], af.LATENT), 2)
    assert np.array_equal(np.stack([f.image for f in faces]), direct)
    assert not np.array_equal(direct, labels.generate(latent.latents([1, 2], af.LATENT), 0))
    with pytest.raises(InferenceError, match=r"takes labels 0\.\.3, not 4"):
        labels.generate(latent.latents([1], af.LATENT), 4)
    with pytest.raises(AttributeChoiceError, match="takes no attributes"):
        face_jobs.generate_faces(labels, None, [1], 1.0, setting=(0,))
    plain = GeneratorRunner(load_model(models["latent"]))
    frames = face_jobs.interpolation(plain, 1, 2, 3, 1.0)
    assert frames.shape == (3, 4, 4, 3)
    with pytest.raises(AttributeChoiceError, match="takes no attributes"):
        face_jobs.interpolation(plain, 1, 2, 3, 1.0, row_a=(0,), row_b=(0,))


def test_the_models_preview_draws_an_attribute_model_as_the_gallery_does(models):
    from anime_desktop.core import prepost
    from anime_desktop.engine.cache import ModelCache
    from anime_desktop.jobs import previews
    from anime_desktop.jobs.context import JobContext

    model_store.install(models["attr"], "tiny-attr")
    row = next(r for r in catalog.catalog() if r.name == "tiny-attr")
    picture = previews.preview(JobContext(ModelCache()), row)
    runner = GeneratorRunner(load_model(models["attr"]))
    faces = face_jobs.generate_faces(runner, None, list(previews.FACE_SEEDS), 0.8)
    assert len({f.attributes for f in faces}) > 1  # "any" per face, not every attribute's first value
    expected = prepost.resize_to(latent.grid(np.stack([f.image for f in faces]), columns=2), previews.SIDE,
                                 previews.SIDE)
    assert np.array_equal(picture, expected)
