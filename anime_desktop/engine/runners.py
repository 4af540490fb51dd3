"""Run a loaded model on pixels: whole image or tiles, any size in, same size out.

`StylizeRunner` hides every model constraint from callers: inputs smaller than the
model's minimum are upscaled and brought back, odd sizes are reflect-padded to the size
multiple and cropped, fixed-size models get a resize, and images over the tile budget go
through `core.tiling`. A look defined at a working size (ModelInfo.work_mp, CONTRACTS.md) sees every
photo at that size, small ones brought up and big ones down, and the result goes back to the photo's
size: a look defined in pixels would otherwise fade on a 12 MP photo and swamp a thumbnail.
`GeneratorRunner` maps latent vectors to images (DCGAN), with a label or a row of attributes per
latent for conditional models.
"""

from __future__ import annotations

import numpy as np

from ..core import attributes as attrs
from ..core import prepost, tiling
from ..core.errors import AttributeChoiceError, InferenceError
from ..core.progress import Progress, null_progress
from .loader import LoadedModel

DEFAULT_TILE_MP = 2.0


class StylizeRunner:
    def __init__(self, model: LoadedModel, tile_mp: float = DEFAULT_TILE_MP, work_mp: float | None = None) -> None:
        """`work_mp`: None for the model's own working size, 0 for the photo's size, else megapixels."""
        if model.info.io.latent_dim:
            raise InferenceError(f"{model.info.name} generates images from latents; it cannot stylize a photo")
        self.model = model
        self.io = model.info.io
        self.tile_px = max(tile_mp, 0.01) * 1e6
        self.work_mp = model.info.work_mp if work_mp is None else max(work_mp, 0.0)

    def run(self, rgb: np.ndarray, progress: Progress | None = None) -> np.ndarray:
        """Stylize an HxWx3 uint8 RGB image; the result has the same size."""
        progress = progress or null_progress()
        progress.check_aborted()
        h, w = rgb.shape[:2]
        if self.io.fixed_size:
            fh, fw = self.io.fixed_size
            out = self._infer(prepost.resize_to(rgb, fw, fh))
            return prepost.resize_to(out, w, h)
        work = prepost.to_megapixels(rgb, self.work_mp) if self.work_mp else rgb
        work = prepost.upscale_to_minimum(work, self.io.min_size)
        if tiling.needs_tiles(*work.shape[:2], self.tile_px):
            out = tiling.run_tiled(work, self._infer_any, self.tile_px, self.io.size_multiple, progress)
        else:
            out = self._infer_any(work)
        progress.set_progress(1.0)
        return prepost.resize_to(out, w, h) if out.shape[:2] != (h, w) else out

    def _infer_any(self, rgb: np.ndarray) -> np.ndarray:
        """Pad to the size multiple (and minimum), run, crop back."""
        work = prepost.upscale_to_minimum(rgb, self.io.min_size)
        padded, (ph, pw) = prepost.pad_to_multiple(work, self.io.size_multiple)
        out = self._infer(padded)[:ph, :pw]
        h, w = rgb.shape[:2]
        return prepost.resize_to(out, w, h) if (ph, pw) != (h, w) else out

    def _infer(self, rgb: np.ndarray) -> np.ndarray:
        if self.model.render is not None:
            return self.model.render(np.ascontiguousarray(rgb))
        x = prepost.to_tensor(rgb, self.io)
        try:
            y = self.model.session.run(None, {self.model.input_name: x})[0]
        except Exception as exc:  # noqa: BLE001 - ORT's error types are pybind internals
            raise InferenceError(f"{self.model.info.name} failed on a {rgb.shape[1]}x{rgb.shape[0]} image: "
                                 f"{str(exc).splitlines()[0][:300]}") from None
        return prepost.from_tensor(y, self.io)


class GeneratorRunner:
    """Latent vectors (N x Z) -> N images; batches when the model allows it.

    Three kinds of generator (CONTRACTS.md, "Faces"): unconditional (`latent` only), single-label
    (`latent` + `label` int64 [N], metadata `num_classes`) and attribute models (`latent` +
    `attributes` int64 [N, A], metadata `attributes` naming each column's values).
    """

    def __init__(self, model: LoadedModel) -> None:
        if not model.info.io.latent_dim:
            raise InferenceError(f"{model.info.name} is an image-to-image model, not a generator of faces")
        self.model = model
        self.io = model.info.io
        inputs = model.session.get_inputs()
        self.rank = len(inputs[0].shape)
        self.fixed_batch = inputs[0].shape[0] if isinstance(inputs[0].shape[0], int) else None
        attr_input = next((i for i in inputs[1:] if i.name == attrs.INPUT_NAME), None)
        self.label_input = next((i.name for i in inputs[1:] if i.name != attrs.INPUT_NAME), None)
        self._check_attributes(attr_input)

    def _check_attributes(self, attr_input) -> None:
        """The file's `attributes` input and metadata key come together, with one column per attribute."""
        name, declared = self.model.info.name, self.io.attributes
        if attr_input is None and declared:
            raise InferenceError(f"{name} lists attributes in its metadata but has no '{attrs.INPUT_NAME}' input")
        if attr_input is not None and not declared:
            raise InferenceError(f"{name} has an '{attrs.INPUT_NAME}' input but no 'attributes' metadata "
                                 "saying what its columns mean")
        width = attr_input.shape[1] if attr_input is not None and len(attr_input.shape) == 2 else None
        if isinstance(width, int) and width != len(declared):
            raise InferenceError(f"{name}'s '{attrs.INPUT_NAME}' input has {width} columns but its metadata "
                                 f"names {len(declared)} attributes")

    @property
    def num_classes(self) -> int:
        return self.io.num_classes if self.label_input else 0

    @property
    def attributes(self) -> attrs.Attributes:
        """(name, values) per column of an attribute model; () for the other kinds."""
        return self.io.attributes

    def resolve(self, choices: dict[str, str]) -> attrs.Setting:
        """A setting (value index, or None for "any", per attribute) from {name: value name or 'any'}."""
        if not self.attributes and not choices:
            return ()
        self.require_attributes()
        return attrs.resolve(self.attributes, choices, self.model.info.name)

    def require_attributes(self) -> None:
        """AttributeChoiceError, saying what the model is instead, unless it takes attributes."""
        if not self.attributes:
            kind = (f"a single-label model (labels 0..{self.num_classes - 1})" if self.num_classes
                    else "an unconditional model")
            raise AttributeChoiceError(f"{self.model.info.name} takes no attributes: it is {kind}")

    def generate(self, latents: np.ndarray, labels=None, attributes=None) -> np.ndarray:
        """Images for latents. A single-label model also takes one label per latent (or one for all);
        an attribute model one row of value indices per latent (or one for all); both default to 0s."""
        latents = np.asarray(latents, np.float32).reshape(len(latents), -1)
        cond = self._conditioning(len(latents), labels, attributes)
        step = self.fixed_batch or len(latents)
        images = [self._run(latents[i:i + step], None if cond is None else cond[i:i + step])
                  for i in range(0, len(latents), step)]
        return np.concatenate(images)

    def _conditioning(self, n: int, labels, attributes) -> np.ndarray | None:
        if attributes is not None:
            self.require_attributes()
        if self.attributes:
            return self._attribute_rows(n, attributes)
        if not self.num_classes:
            return None
        labels = np.broadcast_to(np.asarray(0 if labels is None else labels, np.int64), (n,))
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise InferenceError(f"{self.model.info.name} takes labels 0..{self.num_classes - 1}, "
                                 f"not {int(labels.max())}")
        return labels

    def _attribute_rows(self, n: int, rows) -> np.ndarray:
        width = len(self.attributes)
        rows = np.zeros(width, np.int64) if rows is None else np.asarray(rows, np.int64)
        if rows.shape[-1:] != (width,) or rows.ndim > 2:
            raise AttributeChoiceError(f"{self.model.info.name} takes rows of {width} attributes "
                                       f"({', '.join(attrs.names(self.attributes))}), not shape {rows.shape}")
        rows = np.broadcast_to(rows, (n, width))
        for j, (name, values) in enumerate(self.attributes):
            bad = rows[:, j][(rows[:, j] < 0) | (rows[:, j] >= len(values))]
            if bad.size:
                raise AttributeChoiceError(f"{self.model.info.name}: {name} takes value 0..{len(values) - 1} "
                                           f"({', '.join(values)}), not {int(bad[0])}")
        return np.ascontiguousarray(rows)

    def _run(self, z: np.ndarray, cond: np.ndarray | None = None) -> np.ndarray:
        x = z if self.rank == 2 else z[:, :, None, None]
        dtype = np.float16 if self.io.input_dtype == "float16" else np.float32
        feed = {self.model.input_name: x.astype(dtype)}
        if cond is not None:
            feed[attrs.INPUT_NAME if self.attributes else self.label_input] = np.ascontiguousarray(cond)
        y = self.model.session.run(None, feed)[0]
        return np.stack([prepost.from_tensor(y[i:i + 1], self.io) for i in range(len(y))])
