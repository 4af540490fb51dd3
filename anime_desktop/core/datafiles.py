"""Read and write the app's own JSON files (settings, stored conventions) so no file can stop it.

Every file the app reads from its data folders goes through `read_object`: a file that is
not valid JSON, or whose top level is not an object, is moved aside as `NAME.bad` (kept for
the user to inspect, and out of the way of the next start) and the caller starts on
defaults. `validate_fields` then checks the object with pydantic field by field, so one
field of the wrong type falls back to its default with one warning naming it, instead of
throwing away everything else (CONTRACTS.md, third round: "Settings and data files").
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from . import tempfiles

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def read_object(path: Path) -> dict | None:
    """The JSON object in `path`; None when it is missing, unreadable or of the wrong shape.

    Wrong shapes (bad JSON, `[1, 2]`, `"text"`, `null`) are moved aside as `NAME.bad`.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:  # a permission problem: leave the file where it is
        log.warning("%s: cannot be read (%s); using defaults", path, exc.strerror or exc)
        return None
    except UnicodeDecodeError:
        return _set_aside(path, "is not UTF-8 text")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        return _set_aside(path, f"is not valid JSON ({exc})")
    if not isinstance(raw, dict):
        return _set_aside(path, f"holds {_json_kind(raw)}, not an object of named values")
    return raw


def _set_aside(path: Path, why: str) -> None:
    bad = path.with_name(path.name + ".bad")
    try:
        os.replace(path, bad)
        log.warning("%s %s; kept it as %s and started on defaults", path, why, bad.name)
    except OSError:
        log.warning("%s %s; using defaults", path, why)
    return None


def _json_kind(value) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def validate_fields(model: type[M], raw: dict, where: Path | str) -> M:
    """`model` from `raw`, with every field that fails validation replaced by its default.

    One warning per dropped field names the file and the field. Keys the model does not know
    are ignored here; callers that keep them do so themselves.
    """
    known = {k: v for k, v in raw.items() if k in model.model_fields}
    for _ in range(len(known) + 1):
        try:
            return model.model_validate(known)
        except ValidationError as exc:
            bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
            if not bad & set(known):
                break
            for name in sorted(bad & set(known)):
                default = model.model_fields[name].get_default(call_default_factory=True)
                warn_once(f"{where}: field '{name}' has an unusable value ({_short(known.pop(name))}); "
                          f"using the default {default!r}")
    return model()


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """Log a warning the first time this process meets it: a command reads its settings
    several times, and the user needs to hear about a bad field once."""
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def write_object(path: Path, data: dict) -> None:
    """Write `data` as JSON atomically (the one temporary-file pattern), sweeping stale ones first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tempfiles.sweep_stale(path.parent)
    with tempfiles.PartFile(path) as part:
        with open(part.path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        part.publish(overwrite=True)
