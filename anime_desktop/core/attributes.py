"""Attributes of an attribute faces model: what its metadata declares, what a user asks, what a tile gets.

An attribute model (CONTRACTS.md, "Faces") has a second input `attributes`, int64 [N, A]: column j
holds the index of a value of the j-th attribute its metadata key `attributes` lists, e.g.
`{"hair": ["black", ...], "eyes": [...]}` in column order. Nothing here knows any attribute's
name: everything comes from the file.

A *setting* is what the user asks: one entry per attribute, a value index or None for "any".
A *row* is what a tile is drawn with: one index per attribute. "Any" is drawn per tile from the
tile's seed alone, on a stream of its own (not the latent's), so the same seed and setting give
the same face again, and fixing one attribute does not change what "any" draws for the others.
"""

from __future__ import annotations

import json

import numpy as np

from .errors import AttributeChoiceError

# (name, (value, ...)) pairs in column order: ordered, hashable, fits a frozen dataclass.
Attributes = tuple[tuple[str, tuple[str, ...]], ...]
Setting = tuple[int | None, ...]

ANY = "any"  # reserved: what the CLI and the pickers call an attribute left to chance
INPUT_NAME = "attributes"  # the generator's (and its discriminator's) int64 [N, A] input
_STREAM = 0xA77  # second word of the seed sequence: the attribute draw never shares the latent's stream


def parse(text: str) -> Attributes:
    """The metadata value -> Attributes; ValueError (one line, saying what is wrong) if it is malformed."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        raise ValueError("not JSON; it must be an object such as {\"hair\": [\"black\", \"blonde\"]}") from None
    if not isinstance(data, dict) or not data:
        raise ValueError("must be a non-empty JSON object mapping each attribute to its list of values")
    return tuple((_name(name), _values(name, values)) for name, values in data.items())


def _name(name: str) -> str:
    if not name.strip() or "=" in name:
        raise ValueError(f"attribute name {name!r} must be non-blank and without '='")
    return name


def _values(name: str, values) -> tuple[str, ...]:
    if not isinstance(values, list) or not values:
        raise ValueError(f"{name!r} must list at least one value")
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{name!r} must list non-blank strings, not {values!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name!r} lists a value twice: {values!r}")
    if any(v.lower() == ANY for v in values):
        raise ValueError(f"{name!r} lists the value {ANY!r}, which is reserved for 'drawn at random'")
    return tuple(values)


def to_text(attributes: Attributes | dict) -> str:
    """Attributes (or a plain dict of name -> values) as the metadata's JSON (`parse` reads it back)."""
    items = attributes.items() if isinstance(attributes, dict) else attributes
    return json.dumps({name: list(values) for name, values in items})


def names(attributes: Attributes) -> list[str]:
    return [name for name, _ in attributes]


def human(word: str) -> str:
    """A value or attribute name as a person reads it: 'light-brown' -> 'Light brown'."""
    text = word.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def resolve(attributes: Attributes, choices: dict[str, str], model: str = "the model") -> Setting:
    """A setting from {name: value name or 'any'}; names left out are 'any'.

    Value names match exactly, else ignoring case. An unknown name or value raises
    AttributeChoiceError whose one line lists what the model does take.
    """
    known = dict(attributes)
    for name in choices:
        if name not in known:
            raise AttributeChoiceError(f"{model} has no attribute {name!r}; its attributes: {', '.join(known)}")
    return tuple(_index(name, values, choices.get(name, ANY), model) for name, values in attributes)


def _index(name: str, values: tuple[str, ...], value: str, model: str) -> int | None:
    if value.lower() == ANY:
        return None
    if value in values:
        return values.index(value)
    folded = [v.lower() for v in values]
    if value.lower() in folded:
        return folded.index(value.lower())
    raise AttributeChoiceError(f"{model}: {name} has no value {value!r}; choose one of: {ANY}, {', '.join(values)}")


def row_for(attributes: Attributes, setting: Setting, seed: int) -> tuple[int, ...]:
    """The row tile `seed` is drawn with: the setting's fixed values, its 'any' drawn from the seed.

    Every column is drawn whether fixed or not, so what 'any' gives one attribute does not depend
    on which others the user fixed.
    """
    _check_setting(attributes, setting)
    rng = np.random.Generator(np.random.PCG64([seed, _STREAM]))
    drawn = [int(rng.integers(len(values))) for _, values in attributes]
    return tuple(d if fixed is None else int(fixed) for d, fixed in zip(drawn, setting))


def rows_for(attributes: Attributes, setting: Setting, seeds: list[int]) -> np.ndarray:
    """N x A int64 rows, one per seed (see `row_for`)."""
    return np.array([row_for(attributes, setting, s) for s in seeds], np.int64).reshape(len(seeds),
                                                                                         len(attributes))


def _check_setting(attributes: Attributes, setting: Setting) -> None:
    if len(setting) != len(attributes):
        raise AttributeChoiceError(f"a setting of {len(setting)} attributes for a model with {len(attributes)}")
    for (name, values), index in zip(attributes, setting):
        if index is not None and not 0 <= int(index) < len(values):
            raise AttributeChoiceError(f"{name} takes a value index 0..{len(values) - 1}, not {index}")


def switch_rows(row_a: tuple[int, ...], row_b: tuple[int, ...], frames: int) -> np.ndarray:
    """frames x A rows going from row A to row B: each attribute that differs switches at the midpoint.

    Index inputs cannot be blended (there is no "half blonde" index), so the first half of the
    frames keeps A's values and the second half B's; attributes the two rows share never change.
    """
    a, b = np.asarray(row_a, np.int64), np.asarray(row_b, np.int64)
    if a.shape != b.shape:
        raise AttributeChoiceError(f"rows of {a.size} and {b.size} attributes cannot be interpolated")
    return np.stack([a if i < frames / 2 else b for i in range(frames)])


def describe(attributes: Attributes, row) -> str:
    """'hair green, eyes red, ...' for a row (captions, file names, the CLI's summary)."""
    return ", ".join(f"{name} {values[int(i)]}" for (name, values), i in zip(attributes, row))


def describe_setting(attributes: Attributes, setting: Setting) -> str:
    return ", ".join(f"{name} {ANY if i is None else values[int(i)]}" for (name, values), i in zip(attributes, setting))
