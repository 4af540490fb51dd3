"""Make ONNX Runtime sessions in one place: provider preference, fallback, thread settings.

`auto` tries CUDA -> DirectML -> CoreML -> CPU among the providers this onnxruntime build
has; an explicit choice that is missing or fails to initialise falls back to CPU, and the
provider really in use is returned so the user is shown the truth (convention 6).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from ..core.errors import ModelFileError

PROVIDERS = {
    "cuda": "CUDAExecutionProvider",
    "dml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "cpu": "CPUExecutionProvider",
}
AUTO_ORDER = ("cuda", "dml", "coreml", "cpu")
SHORT_NAMES = {v: k for k, v in PROVIDERS.items()}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionConfig:
    """Knobs that change speed, not results.

    `spinning=False` stops idle ORT worker threads from busy-waiting: on 2 cores that
    spinning steals the CPU from the GUI, capture and decode threads (ENVIRONMENT.md).
    """

    provider: str = "auto"
    threads: int = 0  # 0: ORT's default (one per physical core)
    spinning: bool = False


def provider_chain(choice: str) -> list[str]:
    """Providers to request, best first, restricted to what this build offers."""
    if choice != "auto" and choice not in PROVIDERS:
        raise ValueError(f"unknown provider {choice!r}; use auto, {', '.join(PROVIDERS)}")
    available = set(ort.get_available_providers())
    wanted = AUTO_ORDER if choice == "auto" else dict.fromkeys((choice, "cpu"))
    chain = [PROVIDERS[p] for p in wanted if PROVIDERS[p] in available]
    if choice not in ("auto", "cpu") and PROVIDERS[choice] not in available:
        log.warning("provider %s is not in this onnxruntime build; using CPU", choice)
    return chain or ["CPUExecutionProvider"]


def available_choices() -> set[str]:
    """The provider choices this build can honour (`auto` and `cpu` always)."""
    available = set(ort.get_available_providers())
    return {"auto", "cpu"} | {key for key, name in PROVIDERS.items() if name in available}


def session_options(config: SessionConfig) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Memory-pattern planning pre-allocates one block per input shape; with tiles and
    # photos of every size it only adds peak memory (measured: 1.19 GB -> 0.63 GB for a
    # 2 MP tiny_Cute pass, and slightly faster).
    options.enable_mem_pattern = False
    if config.threads:
        options.intra_op_num_threads = config.threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if config.spinning else "0")
    return options


def open_session(path: str | Path, config: SessionConfig = SessionConfig()) -> tuple[ort.InferenceSession, str]:
    """A session for `path` and the short name of the provider actually used."""
    path = Path(path)
    chain = provider_chain(config.provider)
    last_error: Exception | None = None
    while chain:
        try:
            session = ort.InferenceSession(str(path), sess_options=session_options(config), providers=chain)
            return session, SHORT_NAMES.get(session.get_providers()[0], session.get_providers()[0])
        except Exception as exc:  # noqa: BLE001 - ORT raises its own pybind error types
            if _is_model_problem(exc) or chain == ["CPUExecutionProvider"]:
                raise ModelFileError(path, f"ONNX Runtime cannot load it: {_first_line(exc)}") from None
            log.warning("provider %s failed (%s); falling back", chain[0], _first_line(exc))
            last_error, chain = exc, chain[1:]
    raise ModelFileError(path, f"no execution provider could load it: {last_error}")


def _is_model_problem(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in ("InvalidProtobuf", "InvalidGraph", "NoSuchFile", "NotImplemented", "InvalidArgument")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
