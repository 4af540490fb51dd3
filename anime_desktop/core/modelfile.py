"""The metadata keys of our `.onnx` files: the one place that defines, reads and writes them.

Keys are bare names in the ONNX `metadata_props` (no prefix), values are strings. The schema
is documented in README.md ("Model files"); bump `SCHEMA_VERSION` when a key changes meaning.
Reading uses the `onnx` package only, so `core` stays free of ONNX Runtime.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import attributes as attrs
from . import tempfiles
from .errors import ModelFileError
from .types import PRECISIONS, TASKS, IOConvention, ModelInfo

SCHEMA_VERSION = "1"

# key -> one-line meaning; README.md's table is generated from the same words.
KEYS: dict[str, str] = {
    "schema": "metadata schema version (this app writes 1)",
    "name": "suggested install name, lowercase [a-z0-9._-]",
    "family": "animegan, animeganv3, cartoongan, pix2pix, dcgan, toon, or another family's name",
    "task": "image-to-image or latent-to-image",
    "role": "generator, or discriminator for a file shipped beside one",
    "style": "human name of the style (Hayao, Cute, Facades, ...)",
    "layout": "NCHW or NHWC",
    "range": "value range of black..white as 'lo,hi', e.g. '-1,1' or '0,1'",
    "channel_order": "RGB or BGR",
    "size_multiple": "height and width must be multiples of this (integer)",
    "min_size": "smallest height/width the model accepts (integer)",
    "fixed_size": "'HxW' when the model only takes one size (Pix2Pix), else absent",
    "latent_dim": "length of the latent vector (latent-to-image models)",
    "num_classes": "conditional generators: how many labels the second input (int64 label) takes",
    "attributes": "attribute generators: JSON object of attribute -> its value names, in the column order of "
                  "the int64 [N, A] input `attributes`",
    "precision": "fp32, fp16 or int8",
    "license": "SPDX identifier where one exists (Apache-2.0, CC-BY-NC-4.0, ...)",
    "source": "where the weights came from (a run folder, a URL, a paper)",
    "work_mp": "megapixels the look is applied at (photos brought up or down to it); absent: the photo's size",
}

MAX_MODEL_BYTES = 2 * 1024**3  # protobuf's own limit for a single-file model


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks so large models do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def load_proto(path: str | Path):
    """Parse an ONNX file, turning every way it can be wrong into a `ModelFileError`.

    The bytes are always parsed as binary protobuf: `onnx.load` picks its parser from the
    file's extension, so a model named `x.json` or `x.txt` would go to the JSON or text parser
    and fail with that parser's jargon.
    """
    import onnx
    from google.protobuf.message import DecodeError

    path = Path(path)
    data = _read_model_bytes(path)
    try:
        proto = onnx.load_model_from_string(data, format="protobuf")
    except (DecodeError, RuntimeError, ValueError, UnicodeDecodeError, TypeError):
        raise ModelFileError(path, _not_onnx(path, data, "not a valid ONNX file (it may be truncated, or a file "
                                                        "of another kind)")) from None
    if not proto.graph.node or not proto.graph.input or not proto.graph.output:
        raise ModelFileError(path, _not_onnx(path, data, "not an ONNX model: the file holds no graph with inputs, "
                                                         "outputs and nodes"))
    return proto


def _read_model_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise ModelFileError(path, "is a folder, not a model file")
    if not path.is_file():
        raise ModelFileError(path, "no such model file")
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(path, "the file is empty, not an ONNX model")
    if size > MAX_MODEL_BYTES:
        raise ModelFileError(path, "the file is larger than 2 GB, which ONNX files without external data cannot be")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror or exc})") from None


def _not_onnx(path: Path, data: bytes, otherwise: str) -> str:
    """The reason a file is not ONNX, naming TensorFlow graphs and what converts them."""
    if looks_like_tensorflow(path, data):
        return ("a TensorFlow graph (.pb), not an ONNX model; convert it with `python -m tf2onnx.convert "
                "--graphdef FILE.pb --inputs IN:0 --outputs OUT:0 --output FILE.onnx` (pip install tf2onnx), "
                "then import the .onnx file")
    return otherwise


def looks_like_tensorflow(path: Path, data: bytes) -> bool:
    """A frozen TensorFlow GraphDef: named `.pb`, or starting with a NodeDef (field 1, bytes)
    whose ops are TensorFlow's (an ONNX ModelProto starts with field 1 as a varint)."""
    head = data[: 1 << 20]
    tf_ops = b"Placeholder" in head or b"\x12\x05Const" in head
    return path.suffix.lower() == ".pb" or (head[:1] == b"\n" and tf_ops)


def read_metadata(path: str | Path) -> dict[str, str]:
    """The `metadata_props` of a model file as a plain dict (empty for third-party files)."""
    return {p.key: p.value for p in load_proto(path).metadata_props}


def write_metadata(proto, values: dict[str, object]) -> None:
    """Set (replace) our keys in an in-memory ModelProto; unknown keys are refused."""
    unknown = set(values) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown model metadata keys: {sorted(unknown)}")
    merged = {p.key: p.value for p in proto.metadata_props}
    merged.update({k: attrs.to_text(v) if k == "attributes" and not isinstance(v, str) else _to_text(v)
                   for k, v in values.items() if v is not None})
    if values.get("attributes") is not None:  # never write a value the app refuses to read
        try:
            attrs.parse(merged["attributes"])
        except ValueError as exc:
            raise ValueError(f"metadata key 'attributes': {exc}") from None
    merged.setdefault("schema", SCHEMA_VERSION)
    del proto.metadata_props[:]
    for key, value in merged.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value


def rewrite_metadata(path: str | Path, values: dict[str, object]) -> None:
    """Set our keys in an existing model file, atomically (a temporary file of the one pattern,
    then a rename onto `path`): readers see the old file or the new one, never half of it."""
    path = Path(path)
    proto = load_proto(path)
    write_metadata(proto, values)
    try:
        with tempfiles.PartFile(path) as part:
            part.path.write_bytes(proto.SerializeToString())
            part.publish(overwrite=True)
    except OSError as exc:
        raise ModelFileError(path, f"cannot rewrite its metadata ({exc.strerror or exc})") from None


def metadata_for(io: IOConvention) -> dict[str, str]:
    """The I/O part of the metadata, from a convention (the exporter's side)."""
    values = {
        "layout": io.layout,
        "range": f"{io.value_range[0]:g},{io.value_range[1]:g}",
        "channel_order": io.channel_order,
        "size_multiple": str(io.size_multiple),
        "min_size": str(io.min_size),
    }
    if io.fixed_size:
        values["fixed_size"] = f"{io.fixed_size[0]}x{io.fixed_size[1]}"
    if io.latent_dim:
        values["latent_dim"] = str(io.latent_dim)
    if io.num_classes:
        values["num_classes"] = str(io.num_classes)
    if io.attributes:
        values["attributes"] = attrs.to_text(io.attributes)
    return values


def convention_from_metadata(meta: dict[str, str], path: str | Path = "") -> IOConvention | None:
    """An IOConvention from our keys, or None when the file carries none of them."""
    if "layout" not in meta and "range" not in meta:
        return None
    try:
        lo, hi = (float(v) for v in meta.get("range", "-1,1").split(","))
        fixed = meta.get("fixed_size")
        return IOConvention(
            layout=meta.get("layout", "NCHW").upper(),
            value_range=(lo, hi),
            channel_order=meta.get("channel_order", "RGB").upper(),
            size_multiple=int(meta.get("size_multiple", "1")),
            min_size=int(meta.get("min_size", "1")),
            fixed_size=tuple(int(v) for v in fixed.lower().split("x")) if fixed else None,
            latent_dim=int(meta["latent_dim"]) if meta.get("latent_dim") else None,
            num_classes=int(meta.get("num_classes", "0") or 0),
            attributes=attributes_from_metadata(meta, path),
        )
    except ValueError as exc:
        raise ModelFileError(path, f"its metadata is malformed: {exc}") from None


def attributes_from_metadata(meta: dict[str, str], path: str | Path = "") -> attrs.Attributes:
    """The `attributes` key, validated (a ModelFileError naming the key); () when absent."""
    text = meta.get("attributes")
    if text is None:
        return ()
    try:
        return attrs.parse(text)
    except ValueError as exc:
        raise ModelFileError(path, f"its metadata key 'attributes' is malformed: {exc}") from None


def model_info(path: str | Path, name: str, meta: dict[str, str], io: IOConvention) -> ModelInfo:
    """Combine metadata (possibly empty) and a resolved convention into a ModelInfo."""
    task = meta.get("task", "latent-to-image" if io.latent_dim else "image-to-image")
    precision = meta.get("precision", "fp32")
    return ModelInfo(
        path=Path(path),
        name=name,
        family=meta.get("family", "unknown"),
        task=task if task in TASKS else "image-to-image",
        role=meta.get("role", "generator"),
        style=meta.get("style", ""),
        precision=precision if precision in PRECISIONS else "fp32",
        license=meta.get("license", "unknown"),
        source=meta.get("source", ""),
        io=io,
        has_metadata="family" in meta or "layout" in meta,
        work_mp=_work_mp(meta.get("work_mp", "")),
    )


def _work_mp(text: str) -> float:
    """A malformed value means "the photo's own size", the behaviour of files without the key."""
    try:
        value = float(text)
    except ValueError:
        return 0.0
    return value if 0.01 <= value <= 100 else 0.0


def _to_text(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return str(value)

