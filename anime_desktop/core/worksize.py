"""The working size a look is applied at (CONTRACTS.md "Working size"), as users write it.

`auto` (the default): each model's own, from its file (our looks: about 1 MP; third-party models:
the photo's size, so they keep reproducing their authors' output). `full`: the photo's own size for
every model. A number: that many megapixels for every model, small photos brought up, big ones down.
The value travels as `float | None`: None is auto, 0 is full.
"""

from __future__ import annotations

LIMITS = (0.05, 50.0)  # below: a thumbnail; above: more memory than a look gains anything from


def parse(text: str | float | None) -> float | None:
    """'auto' -> None, 'full' -> 0.0, '1.5' -> 1.5; raises ValueError with the accepted forms."""
    if text is None:
        return None
    word = str(text).strip().lower()
    if word in ("", "auto"):
        return None
    if word == "full":
        return 0.0
    try:
        value = float(word)
    except ValueError:
        raise ValueError(f"working size {text!r}: give megapixels (e.g. 1 or 2.5), 'full' or 'auto'") from None
    if value == 0:
        return 0.0
    if not LIMITS[0] <= value <= LIMITS[1]:
        raise ValueError(f"working size {value:g} MP is outside {LIMITS[0]:g}..{LIMITS[1]:g} MP "
                         "('full' keeps each photo's size)")
    return value


def describe(value: float | None) -> str:
    if value is None:
        return "each model's own"
    return "the photo's own size" if value == 0 else f"{value:g} MP"
