"""Seeded, procedurally drawn anime-style faces: training data that is ours to ship a model of.

Anime-face data sets are copyrighted drawings, so a faces model trained on them cannot ship.
These faces are drawn from parameters (face shape, skin, hair style and colour, fringe, eyes
with iris colour and highlights, brows, mouth, blush, expression, accessories, background),
each drawn from its own range by a seeded generator, so the set is reproducible and varied
enough that a GAN has a real distribution to learn: the combinations run to billions, and
continuous parameters (colours, sizes, positions) make any two faces different.

Faces are drawn at 4x the output size with anti-aliased OpenCV primitives and reduced with
area averaging, which gives the soft edges of a drawing rather than hard pixel steps.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import cv2
import numpy as np

SUPERSAMPLE = 4
HAIR_COLOURS = [(30, 25, 35), (80, 50, 30), (150, 100, 50), (230, 200, 120), (240, 240, 245), (200, 60, 60),
                (240, 140, 180), (70, 110, 220), (90, 170, 110), (150, 90, 200), (250, 160, 60), (120, 120, 130)]
IRIS_COLOURS = [(60, 120, 220), (40, 160, 120), (150, 70, 40), (200, 60, 80), (140, 70, 200), (230, 170, 40),
                (60, 60, 70), (40, 180, 200)]
SKIN_TONES = [(255, 228, 210), (250, 215, 190), (240, 200, 170), (220, 175, 140), (190, 140, 105)]
EXPRESSIONS = ("neutral", "happy", "surprised", "angry", "wink")
HAIR_LENGTHS = ("short", "medium", "long", "twintails")
FRINGES = ("straight", "swept", "spiky", "parted")
ACCESSORIES = ("none", "ribbon", "clip")
# The attributes every face is labelled with, in column order, and their value names (the
# `attributes` metadata of a model trained on them): the renderer decides each one, so the
# labels are exact and free.
ATTRIBUTES = {
    "hair": ("black", "brown", "light-brown", "blonde", "white", "red", "pink", "blue", "green", "purple",
             "orange", "grey"),
    "eyes": ("blue", "green", "brown", "red", "purple", "amber", "dark", "cyan"),
    "hairstyle": HAIR_LENGTHS,
    "fringe": FRINGES,
    "expression": EXPRESSIONS,
    "accessory": ACCESSORIES,
}
# Where an attribute cannot be seen: eye colour when the expression closes both eyes.
HIDDEN_WHEN = {"eyes": {"expression": ["happy"]}}


@dataclass(frozen=True)
class FaceParams:
    """Everything that makes one face, drawn from a seed by `sample`."""

    background: tuple[tuple[int, int, int], tuple[int, int, int]]
    clothes: tuple[int, int, int]
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    iris: tuple[int, int, int]
    cx: float
    cy: float
    face_w: float
    face_h: float
    chin: float  # how pointed the chin is
    hair_length: str  # short, medium, long, twintails
    fringe: str  # straight, swept, spiky, parted
    fringe_depth: float
    eye_y: float
    eye_gap: float
    eye_w: float
    eye_h: float
    expression: str
    blush: bool
    accessory: str  # none, ribbon, clip
    accessory_colour: tuple[int, int, int]
    tilt: float  # degrees
    hair_index: int = 0  # which of HAIR_COLOURS `hair` was jittered from
    iris_index: int = 0  # which of IRIS_COLOURS `iris` was jittered from

    def labels(self) -> tuple[int, ...]:
        """This face's value of each of ATTRIBUTES, in column order."""
        return (self.hair_index, self.iris_index, HAIR_LENGTHS.index(self.hair_length), FRINGES.index(self.fringe),
                EXPRESSIONS.index(self.expression), ACCESSORIES.index(self.accessory))


def _jitter(colour, rng, amount: float = 18.0) -> tuple[int, int, int]:
    return tuple(int(np.clip(c + rng.normal(0, amount), 0, 255)) for c in colour)


def _pastel(rng, saturation=(0.08, 0.3), value=(0.82, 0.97)) -> tuple[int, int, int]:
    """A soft colour of any hue: backgrounds and clothes that leave the face the loudest thing."""
    rgb = colorsys.hsv_to_rgb(rng.uniform(0, 1), rng.uniform(*saturation), rng.uniform(*value))
    return tuple(int(round(c * 255)) for c in rgb)


def sample(rng: np.random.Generator) -> FaceParams:
    bg_a = _pastel(rng)
    bg_b = _jitter(bg_a, rng, 12)
    hair_index = int(rng.integers(len(HAIR_COLOURS)))
    hair = _jitter(HAIR_COLOURS[hair_index], rng, 12)  # 18 let grey pass for green, red for light brown
    skin = _jitter(SKIN_TONES[rng.integers(len(SKIN_TONES))], rng, 6)
    iris_index = int(rng.integers(len(IRIS_COLOURS)))
    return FaceParams(
        background=(bg_a, bg_b),
        clothes=_pastel(rng, (0.2, 0.6), (0.45, 0.9)),
        skin=skin,
        hair=hair,
        iris=_jitter(IRIS_COLOURS[iris_index], rng, 12),
        cx=0.5 + rng.normal(0, 0.025), cy=0.56 + rng.normal(0, 0.02),
        face_w=rng.uniform(0.27, 0.34), face_h=rng.uniform(0.30, 0.37), chin=rng.uniform(0.05, 0.14),
        hair_length=str(rng.choice(HAIR_LENGTHS, p=[0.25, 0.25, 0.3, 0.2])),
        fringe=str(rng.choice(["straight", "swept", "spiky", "parted"])), fringe_depth=rng.uniform(0.16, 0.32),
        eye_y=rng.uniform(0.02, 0.08), eye_gap=rng.uniform(0.13, 0.17), eye_w=rng.uniform(0.07, 0.095),
        eye_h=rng.uniform(0.08, 0.12), expression=str(rng.choice(EXPRESSIONS, p=[0.35, 0.3, 0.12, 0.12, 0.11])),
        blush=bool(rng.random() < 0.5),
        accessory=str(rng.choice(["none", "ribbon", "clip"], p=[0.6, 0.2, 0.2])),
        accessory_colour=tuple(int(v) for v in rng.integers(0, 256, 3)),
        tilt=rng.normal(0, 4.0),
        hair_index=hair_index, iris_index=iris_index,
    )


def render(params: FaceParams, size: int = 64) -> np.ndarray:
    """size x size x 3 uint8 RGB."""
    s = size * SUPERSAMPLE
    p = params
    canvas = _background(p.background, s)
    px = lambda v: int(round(v * s))  # noqa: E731 - fractions of the canvas to pixels
    cx, cy, fw, fh = px(p.cx), px(p.cy), px(p.face_w), px(p.face_h)
    hair_dark = tuple(int(c * 0.7) for c in p.hair)
    line = (40, 30, 35)
    aa = cv2.LINE_AA

    # hair behind the head, then neck and shoulders
    _back_hair(canvas, cx, cy, fw, fh, s, p, aa)
    shade = tuple(int(c * 0.85) for c in p.skin)
    cv2.rectangle(canvas, (cx - fw // 3, cy + fh // 2), (cx + fw // 3, cy + fh + fh // 3), shade, -1, aa)
    cv2.ellipse(canvas, (cx, s + s // 6), (int(fw * 2.0), int(fh * 1.0)), 0, 180, 360, p.clothes, -1, aa)
    if p.hair_length == "long":  # locks falling in front of the shoulders
        _front_locks(canvas, cx, cy, fw, fh, s, p.hair, aa)

    # face: upper ellipse plus a chin polygon
    cv2.ellipse(canvas, (cx, cy), (fw, int(fh * 0.8)), 0, 0, 360, p.skin, -1, aa)
    chin = np.array([[cx - fw, cy], [cx + fw, cy], [cx + int(fw * 0.45), cy + int(fh * 0.75)],
                     [cx, cy + int(fh * (0.9 + p.chin))], [cx - int(fw * 0.45), cy + int(fh * 0.75)]], np.int32)
    cv2.fillPoly(canvas, [chin], p.skin, aa)

    # eyes, brows, blush, mouth
    ey = cy + px(p.eye_y)
    for side in (-1, 1):
        ex = cx + side * px(p.eye_gap)
        closed = p.expression == "happy" or (p.expression == "wink" and side == 1)
        _eye(canvas, ex, ey, px(p.eye_w), px(p.eye_h), p.iris, line, closed, p.expression == "surprised", side)
        lift = {"angry": -side * 0.35, "surprised": 0.25}.get(p.expression, 0.0)
        by = ey - px(p.eye_h) - px(0.035)
        cv2.line(canvas, (ex - px(p.eye_w * 0.9), by + int(lift * px(0.04)) * side),
                 (ex + px(p.eye_w * 0.9), by - int(lift * px(0.04)) * side), hair_dark, max(2, px(0.012)), aa)
        if p.blush:
            overlay = canvas.copy()
            cv2.ellipse(overlay, (ex + side * px(0.02), ey + px(p.eye_h) + px(0.035)), (px(0.05), px(0.02)), 0, 0,
                        360, (240, 120, 140), -1, aa)
            canvas = cv2.addWeighted(overlay, 0.45, canvas, 0.55, 0)
    _mouth(canvas, cx, cy + int(fh * 0.55), px(0.04), p.expression, line)

    # fringe over the forehead, side locks, accessory
    _fringe(canvas, cx, cy, fw, fh, p, aa)
    if p.accessory == "ribbon":
        rx, ry = cx + int(fw * 0.8), cy - int(fh * 0.7)
        for d in (-1, 1):
            tri = np.array([[rx, ry], [rx + d * px(0.08), ry - px(0.05)], [rx + d * px(0.08), ry + px(0.05)]],
                           np.int32)
            cv2.fillPoly(canvas, [tri], p.accessory_colour, aa)
        cv2.circle(canvas, (rx, ry), px(0.02), p.accessory_colour, -1, aa)
    elif p.accessory == "clip":
        cv2.rectangle(canvas, (cx - int(fw * 0.75), cy - int(fh * 0.45)),
                      (cx - int(fw * 0.45), cy - int(fh * 0.38)), p.accessory_colour, -1, aa)

    if abs(p.tilt) > 0.1:
        m = cv2.getRotationMatrix2D((s / 2, s / 2), p.tilt, 1.0)
        canvas = cv2.warpAffine(canvas, m, (s, s), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)


def _back_hair(canvas, cx, cy, fw, fh, s, p: FaceParams, aa) -> None:
    """The hair behind the head: a crown, and below it what each hairstyle lets fall."""
    width = {"short": 1.12, "medium": 1.25, "long": 1.3, "twintails": 1.15}[p.hair_length]
    cv2.ellipse(canvas, (cx, cy - fh // 4), (int(fw * width), int(fh * 1.15)), 0, 180, 360, p.hair, -1, aa)
    bottom = {"short": cy - fh // 6, "medium": cy + fh, "long": s + s // 8, "twintails": cy}[p.hair_length]
    cv2.rectangle(canvas, (cx - int(fw * width), cy - fh // 4), (cx + int(fw * width), bottom), p.hair, -1, aa)
    if p.hair_length == "twintails":  # a tail from high on each side of the head, down past the shoulders
        dark = tuple(int(c * 0.8) for c in p.hair)
        for side in (-1, 1):
            top = (cx + side * int(fw * 1.05), cy - int(fh * 0.75))
            cv2.ellipse(canvas, (top[0] + side * int(fw * 0.45), cy + int(fh * 0.45)),
                        (int(fw * 0.38), int(fh * 1.05)), side * 8, 0, 360, p.hair, -1, aa)
            cv2.circle(canvas, top, max(3, int(fw * 0.16)), dark, -1, aa)


def _front_locks(canvas, cx, cy, fw, fh, s, hair, aa) -> None:
    for side in (-1, 1):
        x0 = cx + side * int(fw * 0.95)
        lock = np.array([[x0, cy], [x0 + side * int(fw * 0.35), cy],
                         [x0 + side * int(fw * 0.55), s], [x0 - side * int(fw * 0.05), s]], np.int32)
        cv2.fillPoly(canvas, [lock], hair, aa)


def _background(colours, s: int) -> np.ndarray:
    a, b = (np.array(c, np.float32) for c in colours)
    t = np.linspace(0, 1, s, dtype=np.float32)[:, None, None]
    return np.ascontiguousarray(np.broadcast_to(a * (1 - t) + b * t, (s, s, 3)).astype(np.uint8))


def _eye(canvas, ex, ey, w, h, iris, line, closed: bool, wide: bool, side: int) -> None:
    aa = cv2.LINE_AA
    thick = max(2, w // 5)
    if closed:  # a happy closed eye: an upturned arc
        cv2.ellipse(canvas, (ex, ey + h // 3), (w, h // 2), 0, 200, 340, line, thick, aa)
        return
    h = int(h * (1.15 if wide else 1.0))
    cv2.ellipse(canvas, (ex, ey), (w, h), 0, 0, 360, (250, 250, 252), -1, aa)
    iris_w = int(w * (0.55 if wide else 0.75))
    cv2.ellipse(canvas, (ex, ey + h // 8), (iris_w, int(h * 0.85)), 0, 0, 360, iris, -1, aa)
    dark = tuple(int(c * 0.45) for c in iris)
    cv2.ellipse(canvas, (ex, ey + h // 8), (iris_w // 2, int(h * 0.45)), 0, 0, 360, dark, -1, aa)
    cv2.circle(canvas, (ex - side * iris_w // 3, ey - h // 4), max(2, w // 4), (255, 255, 255), -1, aa)
    cv2.circle(canvas, (ex + side * iris_w // 3, ey + h // 3), max(1, w // 8), (255, 255, 255), -1, aa)
    cv2.ellipse(canvas, (ex, ey), (w + thick // 2, h), 0, 195, 345, line, thick, aa)  # upper lash line
    tip = (ex + side * (w + thick), ey - h // 3)
    cv2.line(canvas, (ex + side * w, ey - h // 4), tip, line, max(2, thick // 2), aa)


def _mouth(canvas, mx, my, w, expression: str, line) -> None:
    aa = cv2.LINE_AA
    if expression == "surprised":
        cv2.ellipse(canvas, (mx, my), (w // 2, int(w * 0.6)), 0, 0, 360, (150, 50, 60), -1, aa)
    elif expression == "happy":
        cv2.ellipse(canvas, (mx, my - w // 4), (w, int(w * 0.7)), 0, 0, 180, (170, 60, 70), -1, aa)
        cv2.ellipse(canvas, (mx, my - w // 4), (w, int(w * 0.7)), 0, 0, 180, line, 2, aa)
    elif expression == "angry":
        cv2.ellipse(canvas, (mx, my + w // 3), (w // 1, w // 3), 0, 200, 340, line, 3, aa)
    else:
        cv2.ellipse(canvas, (mx, my - w // 3), (int(w * 0.7), w // 3), 0, 20, 160, line, 3, aa)


def _fringe(canvas, cx, cy, fw, fh, p: FaceParams, aa) -> None:
    top = cy - int(fh * 0.95)
    depth = int(fh * p.fringe_depth)
    left, right = cx - int(fw * 1.1), cx + int(fw * 1.1)
    cv2.ellipse(canvas, (cx, cy - int(fh * 0.35)), (int(fw * 1.12), int(fh * 0.68)), 0, 180, 360, p.hair, -1, aa)
    strands = {"straight": 6, "swept": 4, "spiky": 7, "parted": 6}[p.fringe]
    xs = np.linspace(left, right, strands + 1)
    for i in range(strands):
        a, b = int(xs[i]), int(xs[i + 1])
        shift = {"swept": int((b - a) * 0.9), "parted": (-1 if (a + b) / 2 < cx else 1) * (b - a) // 2}.get(
            p.fringe, 0)
        length = depth * (1.25 if p.fringe == "spiky" and i % 2 else 1.0)
        if p.fringe == "parted" and abs((a + b) / 2 - cx) < (b - a):
            length *= 0.5
        tip = ((a + b) // 2 + shift, cy - int(fh * 0.45) + int(length))
        cv2.fillPoly(canvas, [np.array([[a, top + depth // 3], [b, top + depth // 3], tip], np.int32)], p.hair, aa)
    reach = 0.1 if p.hair_length == "short" else 0.6  # short hair stops above the jaw
    for side in (-1, 1):  # side locks framing the face
        x0 = cx + side * int(fw * 1.05)
        lock = np.array([[x0, cy - int(fh * 0.5)], [x0 - side * int(fw * 0.3), cy - int(fh * 0.4)],
                         [x0 - side * int(fw * 0.05), cy + int(fh * reach)]], np.int32)
        cv2.fillPoly(canvas, [lock], p.hair, aa)


def render_set(count: int, seed: int = 0, size: int = 64) -> np.ndarray:
    """`count` faces from one seed (face i is `sample(default_rng([seed, i]))`), N x size x size x 3."""
    return render_labelled(count, seed, size)[0]


def render_labelled(count: int, seed: int = 0, size: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images N x size x size x 3, attributes N x A int64, visible N x A bool), A = len(ATTRIBUTES)."""
    params = [sample(np.random.default_rng([seed, i])) for i in range(count)]
    images = np.stack([render(p, size) for p in params])
    attributes = np.array([p.labels() for p in params], np.int64).reshape(count, len(ATTRIBUTES))
    return images, attributes, visibility(attributes)


def visibility(attributes: np.ndarray, table=None, hidden_when=None) -> np.ndarray:
    """Which attribute of each row can be seen in its face (N x A bool): `hidden_when` (default
    HIDDEN_WHEN) over the columns of `table` (default ATTRIBUTES), name -> value names."""
    table = ATTRIBUTES if table is None else table
    hidden_when = HIDDEN_WHEN if hidden_when is None else hidden_when
    names = list(table)
    visible = np.ones(attributes.shape, bool)
    for name, rule in hidden_when.items():
        for other, values in rule.items():
            if name in table and other in table:
                codes = [list(table[other]).index(v) for v in values if v in table[other]]
                visible[:, names.index(name)] &= ~np.isin(attributes[:, names.index(other)], codes)
    return visible
