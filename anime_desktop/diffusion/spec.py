"""What a DreamShaper run is made of, without importing anything heavy.

`-m dreamshaper[:SOURCE]` (CONTRACTS.md): SOURCE is a Hugging Face model id (default
`Lykon/dreamshaper-8`), a local diffusers folder, or a single `.safetensors` checkpoint. A single
file needs a pipeline config folder (`--sd-config DIR`), because diffusers otherwise fetches one
from the Hub, and this app makes no network access the user did not ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.errors import AnimeDesktopError

NAME = "dreamshaper"
DEFAULT_SOURCE = "Lykon/dreamshaper-8"
DEFAULT_LICENSE = "CreativeML-OpenRAIL-M"  # the default model's card on the Hub
DEFAULT_PROMPT = ("anime style illustration, cel shading, clean line art, vibrant colours, "
                  "detailed eyes, masterpiece, best quality")
DEFAULT_NEGATIVE = "photo, photorealistic, blurry, lowres, jpeg artifacts, deformed, extra fingers, watermark, text"
# The download the window's confirmation names: the fp16 weights of the default id
# (UNet 1.72 GB, text encoder 0.25 GB, VAE 0.17 GB, configs and tokenizer), from its Hub page.
DEFAULT_DOWNLOAD_GB = 2.1
# Scheduler names users type, mapped to diffusers class names (looked up when the backend loads).
SCHEDULERS = {
    "ddim": "DDIMScheduler",
    "euler": "EulerDiscreteScheduler",
    "euler-a": "EulerAncestralDiscreteScheduler",
    "dpm++": "DPMSolverMultistepScheduler",
    "unipc": "UniPCMultistepScheduler",
    "lms": "LMSDiscreteScheduler",
}


class DiffusionError(AnimeDesktopError):
    """DreamShaper cannot run as asked; the message says what to do instead."""


def is_dreamshaper(model: object) -> bool:
    text = str(model or "")
    return text == NAME or text.startswith(NAME + ":")


@dataclass(frozen=True)
class DreamShaperSource:
    """Where the pipeline comes from, and whether fetching it from the Hub is allowed."""

    source: str = DEFAULT_SOURCE
    sd_config: Path | None = None
    allow_download: bool = False

    @property
    def kind(self) -> str:
        """'file' (one checkpoint), 'folder' (a saved diffusers pipeline) or 'hub' (a model id)."""
        path = Path(self.source).expanduser()
        if path.suffix.lower() in (".safetensors", ".ckpt") or path.is_file():
            return "file"
        if path.is_dir() or self.source.startswith((".", "/", "~")) or "\\" in self.source:
            return "folder"
        return "hub"

    @property
    def label(self) -> str:
        return NAME if self.source == DEFAULT_SOURCE else f"{NAME}:{self.source}"

    @property
    def license(self) -> str:
        return DEFAULT_LICENSE if self.source == DEFAULT_SOURCE else "unknown (see the checkpoint's own terms)"


def parse_source(model: str, sd_config: Path | None = None, allow_download: bool = False) -> DreamShaperSource:
    """`dreamshaper` or `dreamshaper:SOURCE` -> a DreamShaperSource; refuses what cannot work offline."""
    if not is_dreamshaper(model):
        raise DiffusionError(f"{model!r} is not a DreamShaper model name (dreamshaper or dreamshaper:SOURCE)")
    _, _, source = str(model).partition(":")
    spec = DreamShaperSource(source.strip() or DEFAULT_SOURCE, sd_config, allow_download)
    if spec.kind == "file":
        path = Path(spec.source).expanduser()
        if not path.is_file():
            raise DiffusionError(f"DreamShaper checkpoint {path} does not exist")
        if path.suffix.lower() != ".safetensors":
            raise DiffusionError(f"{path.name}: only .safetensors checkpoints are read (a .ckpt is a pickle "
                                 "that can run code when loaded); convert it or use a diffusers folder")
        if sd_config is None:
            raise DiffusionError(f"{path.name} is a single checkpoint: pass --sd-config DIR, a Stable Diffusion "
                                 "pipeline folder whose configs describe it (loading one file otherwise "
                                 "downloads a config from the Hub)")
    if spec.kind == "folder" and not Path(spec.source).expanduser().is_dir():
        raise DiffusionError(f"DreamShaper folder {spec.source} does not exist")
    if sd_config is not None and not (Path(sd_config) / "model_index.json").is_file():
        raise DiffusionError(f"--sd-config {sd_config}: not a diffusers pipeline folder (no model_index.json)")
    return spec


@dataclass(frozen=True)
class Img2ImgParams:
    """One img2img run. `steps` is the full schedule; img2img runs int(steps * strength) of them."""

    prompt: str = DEFAULT_PROMPT
    negative_prompt: str = DEFAULT_NEGATIVE
    strength: float = 0.5
    steps: int = 20
    guidance: float = 7.5
    seed: int = 1
    scheduler: str = "ddim"
    max_side: int = 768  # the working size: SD 1.x is trained at 512-768 px; bigger photos come down and back

    def check(self) -> Img2ImgParams:
        if not 0.0 < self.strength <= 1.0:
            raise DiffusionError(f"--strength must be in (0, 1], not {self.strength:g}")
        if self.steps < 1:
            raise DiffusionError(f"--steps must be at least 1, not {self.steps}")
        if int(self.steps * self.strength) < 1:
            raise DiffusionError(f"--steps {self.steps} at --strength {self.strength:g} runs no step: "
                                 "raise one of them")
        if self.guidance < 0:
            raise DiffusionError(f"--guidance must be 0 or more, not {self.guidance:g}")
        if self.scheduler not in SCHEDULERS:
            raise DiffusionError(f"unknown scheduler {self.scheduler!r} (known: {', '.join(SCHEDULERS)})")
        if self.max_side < 64:
            raise DiffusionError(f"the working size must be at least 64 px, not {self.max_side}")
        return self

    @property
    def steps_run(self) -> int:
        return int(self.steps * self.strength)


@dataclass(frozen=True)
class DreamShaperRun:
    """Everything a DreamShaper job needs besides the photo: parameters, and how to find the weights."""

    params: Img2ImgParams = Img2ImgParams()
    sd_config: Path | None = None
    allow_download: bool = False
    source_override: str | None = None  # the window's source field; `dreamshaper:SOURCE` in a name wins

    def source(self, model: str) -> DreamShaperSource:
        if model == NAME and self.source_override:
            model = f"{NAME}:{self.source_override}"
        return parse_source(model, self.sd_config, self.allow_download)
