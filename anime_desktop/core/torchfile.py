"""Read PyTorch checkpoints (`.pt`/`.pth`) without PyTorch: tensors become numpy arrays.

Both formats `torch.save` has written since PyTorch 0.4 are read: the zip archive (1.6 and
later: `<root>/data.pkl` plus one raw file per storage) and the legacy stream (a magic number,
three small pickles, the main pickle, a list of storage keys, then each storage's raw bytes).

The pickles are read by a restricted unpickler. It resolves only the names a state dict
needs (`collections.OrderedDict`, torch's tensor-rebuild functions and its storage types),
each to our own harmless stand-in, and refuses every other name before anything is
called: a pickle that asks for `os.system` or a class of its own stops at that name, and
nothing in it runs. What comes out is plain containers (dict, list, tuple, str, numbers,
bool, None) and numpy arrays.
"""

from __future__ import annotations

import io
import math
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .errors import ModelFileError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
MAX_CHECKPOINT_BYTES = 4 * 1024**3

# torch storage type name -> numpy dtype ("bfloat16" is widened to float32 on read)
STORAGE_DTYPES: dict[str, str] = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool",
}
TORCH_DTYPES: dict[str, str] = {
    "float32": "float32", "float": "float32", "float64": "float64", "double": "float64", "float16": "float16",
    "half": "float16", "bfloat16": "bfloat16", "int64": "int64", "long": "int64", "int32": "int32", "int": "int32",
    "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
}


class _Refused(Exception):
    """The pickle asked for something that is not a tensor or a plain container."""


class _StorageType:
    """Stand-in for `torch.FloatStorage` etc.: only carries a dtype; not callable."""

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype


class _Storage:
    """A storage named by the pickle; its bytes are attached once read (legacy files: later)."""

    def __init__(self, key: str, dtype: str, numel: int) -> None:
        self.key, self.dtype, self.numel = key, dtype, numel
        self.array: np.ndarray | None = None


class _View:
    """A legacy storage view: a slice of a root storage."""

    def __init__(self, root: _Storage, offset: int, numel: int) -> None:
        self.root, self.offset, self.numel = root, offset, numel


class _Tensor:
    """A tensor waiting for its storage's bytes; `materialize` turns it into an ndarray."""

    def __init__(self, storage, offset, size, stride) -> None:
        if not isinstance(storage, (_Storage, _View)):
            raise _Refused("a tensor whose storage is not a storage")
        if not (isinstance(offset, int) and _ints(size) and _ints(stride) and len(size) == len(stride)):
            raise _Refused("a tensor with a malformed size or stride")
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def _ints(values) -> bool:
    return isinstance(values, (tuple, list)) and all(isinstance(v, int) and v >= 0 for v in values)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    return _Tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_ignored):
    if not isinstance(data, _Tensor):
        raise _Refused("a parameter that does not hold a tensor")
    return data


def _ordered_dict(*args):
    if args and not (len(args) == 1 and isinstance(args[0], (list, tuple))):
        raise _Refused("an OrderedDict built from something other than pairs")
    return OrderedDict(*args)


ALLOWED: dict[tuple[str, str], object] = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(dtype) for name, dtype in STORAGE_DTYPES.items()},
    **{("torch", name): _StorageType(dtype) for name, dtype in TORCH_DTYPES.items()},
}


class _RestrictedUnpickler(pickle._Unpickler):  # the pure-Python unpickler: its opcodes can be overridden
    """Resolves only `ALLOWED` names; BUILD only sets attributes on our own dicts; no extensions."""

    def __init__(self, data: bytes | io.BytesIO, persistent) -> None:
        super().__init__(data if isinstance(data, io.BytesIO) else io.BytesIO(data))
        self._persistent = persistent
        self.dispatch = dict(pickle._Unpickler.dispatch)
        self.dispatch[pickle.BUILD[0]] = _RestrictedUnpickler._build
        for op in (pickle.EXT1, pickle.EXT2, pickle.EXT4):
            self.dispatch[op[0]] = _RestrictedUnpickler._refuse_ext

    def find_class(self, module: str, name: str):
        found = ALLOWED.get((module, name))
        if found is None:
            raise _Refused(f"{module}.{name}")
        return found

    def persistent_load(self, pid):
        return self._persistent(pid)

    def _build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if not isinstance(inst, dict) or not isinstance(state, dict):  # OrderedDict's `_metadata`: ignored
            raise _Refused("state set on an object that is not a plain container")

    def _refuse_ext(self) -> None:
        raise _Refused("a pickle extension code")


def _unpickle(data: bytes, persistent):
    return _RestrictedUnpickler(data, persistent).load()


def _no_persistent(pid):
    raise _Refused("a reference to outside data where none may be")


def load(path: str | Path):
    """The checkpoint at `path` as plain containers and numpy arrays; a `ModelFileError` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(path, "no such file")
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(path, "the file is empty, not a PyTorch checkpoint")
    if size > MAX_CHECKPOINT_BYTES:
        raise ModelFileError(path, "the file is larger than 4 GB; not a generator's weights")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        if data[:4] == b"PK\x03\x04":
            return _load_zip(data)
        if data[:1] == b"\x80":
            return _load_legacy(data)
        raise ModelFileError(path, "not a PyTorch checkpoint (neither a zip archive nor a pickle stream)")
    except _Refused as exc:
        raise ModelFileError(path, f"refused: it holds Python objects, not only tensors and plain containers "
                                   f"(it asks for {exc}); nothing in it was run") from None
    except ModelFileError:
        raise
    except _Corrupt as exc:
        raise ModelFileError(path, f"a damaged or truncated PyTorch checkpoint ({exc})") from None
    except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, struct.error, ValueError, TypeError,
            KeyError, IndexError, AttributeError, UnicodeDecodeError, OverflowError, MemoryError) as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ModelFileError(path, f"a damaged or truncated PyTorch checkpoint ({detail})") from None


class _Corrupt(Exception):
    pass


def _load_zip(data: bytes):
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1] or \
        [n for n in names if n == "data.pkl"]
    if not pickles:
        raise _Corrupt("a zip archive without data.pkl: not a torch.save file")
    root = pickles[0][: -len("data.pkl")]
    if sum(info.file_size for info in archive.infolist()) > MAX_CHECKPOINT_BYTES:
        raise _Corrupt("it unpacks to more than 4 GB")
    order = archive.read(f"{root}byteorder").decode().strip() if f"{root}byteorder" in names else "little"
    storages: dict[str, _Storage] = {}

    def persistent(pid):
        _, storage_type, key, _location, numel = _storage_pid(pid)[:5]
        if key not in storages:
            storages[key] = _Storage(key, storage_type.dtype, numel)
        return storages[key]

    value = _unpickle(archive.read(pickles[0]), persistent)
    for key, storage in storages.items():
        member = f"{root}data/{key}"
        if member not in names:
            raise _Corrupt(f"storage {key} is missing")
        storage.array = _array(archive.read(member), storage.dtype, order)
    return _materialize(value)


def _storage_pid(pid):
    if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
        raise _Refused(f"an outside reference of kind {pid[0] if isinstance(pid, tuple) and pid else pid!r}")
    storage_type = pid[1]
    if not isinstance(storage_type, _StorageType):
        raise _Refused("a storage of an unknown type")
    if not isinstance(pid[2], str) or not isinstance(pid[4], int):
        raise _Refused("a malformed storage reference")
    return pid


def _load_legacy(data: bytes):
    stream = io.BytesIO(data)
    unpickler = _RestrictedUnpickler(stream, _no_persistent)  # reads the stream's pickles one after another

    def next_pickle(persistent=_no_persistent):
        unpickler._persistent = persistent
        return unpickler.load()

    magic = next_pickle()
    if magic != LEGACY_MAGIC:
        raise _Corrupt("a pickle, but not one written by torch.save")
    if next_pickle() != LEGACY_PROTOCOL:
        raise _Corrupt("an unknown legacy protocol version")
    sys_info = next_pickle()
    little = not isinstance(sys_info, dict) or sys_info.get("little_endian", True)
    storages: dict[str, _Storage] = {}

    def persistent(pid):
        _, storage_type, key, _location, numel = _storage_pid(pid)[:5]
        view = pid[5] if len(pid) > 5 else None
        root = storages.setdefault(key, _Storage(key, storage_type.dtype, numel))
        if view is not None:
            if not (isinstance(view, tuple) and len(view) == 3 and all(isinstance(v, (int, str)) for v in view)):
                raise _Refused("a malformed storage view")
            return _View(root, int(view[1]), int(view[2]))
        return root

    value = next_pickle(persistent)
    keys = next_pickle()
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise _Corrupt("the list of storages is malformed")
    order = "little" if little else "big"
    for key in keys:
        head = stream.read(8)
        if len(head) < 8:
            raise _Corrupt(f"it ends before storage {key}")
        numel = struct.unpack("<q" if little else ">q", head)[0]
        storage = storages.get(key)
        if storage is None:
            raise _Corrupt(f"storage {key} is not used by any tensor")
        width = _itemsize(storage.dtype)
        raw = stream.read(numel * width)
        if numel < 0 or len(raw) < numel * width:
            raise _Corrupt(f"it ends inside storage {key}")
        storage.array = _array(raw, storage.dtype, order)
    return _materialize(value)


def _itemsize(dtype: str) -> int:
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def _array(raw: bytes, dtype: str, order: str) -> np.ndarray:
    if dtype == "bfloat16":
        halves = np.frombuffer(raw, dtype="<u2" if order == "little" else ">u2")
        return (halves.astype(np.uint32) << 16).view(np.float32)
    kind = np.dtype(dtype)
    if kind.itemsize > 1:
        kind = kind.newbyteorder("<" if order == "little" else ">")
    if len(raw) % kind.itemsize:
        raise _Corrupt("a storage's size is not a whole number of elements")
    return np.frombuffer(raw, dtype=kind)


def _materialize(value):
    if isinstance(value, _Tensor):
        return _tensor_array(value)
    if isinstance(value, OrderedDict):
        return OrderedDict((k, _materialize(v)) for k, v in value.items())
    if isinstance(value, dict):
        return {k: _materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_materialize(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_materialize(v) for v in value)
    if value is None or isinstance(value, (str, bytes, int, float, bool, complex)):
        return value
    raise _Refused(f"an object of type {type(value).__name__}")


def _tensor_array(t: _Tensor) -> np.ndarray:
    storage, base = t.storage, 0
    if isinstance(storage, _View):
        storage, base = storage.root, storage.offset
    flat = storage.array
    if flat is None:
        raise _Corrupt(f"storage {storage.key} has no data")
    if math.prod(t.size) == 0:
        return np.zeros(t.size, dtype=flat.dtype.newbyteorder("="))
    last = base + t.offset + sum((n - 1) * s for n, s in zip(t.size, t.stride, strict=True))
    if base + t.offset < 0 or last >= flat.size:
        raise _Corrupt(f"a tensor reaches past the end of storage {storage.key}")
    if not t.size:  # a 0-d tensor (as_strided takes shape=() as "keep the shape")
        return np.array(flat[base + t.offset]).astype(flat.dtype.newbyteorder("="), copy=False)
    view = np.lib.stride_tricks.as_strided(flat[base + t.offset:], shape=t.size,
                                           strides=[s * flat.itemsize for s in t.stride], writeable=False)
    return np.ascontiguousarray(view).astype(flat.dtype.newbyteorder("="), copy=False)


def state_dict(data, path: str | Path) -> dict[str, np.ndarray]:
    """The generator's parameters from a loaded checkpoint: unwrapped, `module.` prefixes removed."""
    for key in ("state_dict", "generator", "g", "G", "netG", "model"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
    if not isinstance(data, dict) or not data or not all(isinstance(v, np.ndarray) for v in data.values()):
        raise ModelFileError(path, "not a state dict of tensors (a generator's weights)")
    return {str(k).removeprefix("module."): v for k, v in data.items()}
