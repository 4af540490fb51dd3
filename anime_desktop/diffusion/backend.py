"""The DreamShaper backend: a diffusers img2img pipeline behind the ONNX runners' `run(rgb, progress)`.

torch and diffusers are imported inside the functions below, never at module level, so importing
this module costs nothing; `load` is the moment they arrive (ARCHITECTURE.md door 3). It runs on
the engine thread (window) or in the CLI's process, like every other model.

Why the pieces are as they are:
- Offline by default: `local_files_only=True` unless the user allowed a download.
- FP16 on CUDA (half the memory, the speed GPUs are built for), FP32 on CPU (CPU FP16 kernels are
  slow or missing). On GPUs under 8 GB, attention slicing and VAE tiling trade a little speed for
  fitting at all.
- The pipeline works at multiples of 8 and is trained at 512-768 px: photos over the working size
  come down, the rest is reflect-padded to a multiple of 8, and the result is cropped and brought
  back to the input's size, so every output has its input's size, as the ONNX looks do.
- diffusers' step callback reports each step and checks Cancel: raising there stops between steps
  without decoding the unfinished latents.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import prepost
from ..core.extras import require
from ..core.progress import Progress, null_progress
from ..core.types import ModelInfo
from .spec import DEFAULT_DOWNLOAD_GB, NAME, SCHEDULERS, DiffusionError, DreamShaperSource, Img2ImgParams

log = logging.getLogger(__name__)

SMALL_GPU_BYTES = 8 * 1024**3
MULTIPLE = 8


class NotDownloaded(DiffusionError):
    """The model id is not in the local Hugging Face cache; the window offers the download."""

    def __init__(self, spec: DreamShaperSource) -> None:
        self.spec = spec
        size = f" (about {DEFAULT_DOWNLOAD_GB:g} GB)" if spec.label == NAME else ""
        super().__init__(f"DreamShaper '{spec.source}' is not downloaded: pass --allow-download to fetch it"
                         f"{size} from huggingface.co, or run -m {NAME}:FOLDER on a local diffusers copy")


def file_label(spec: DreamShaperSource) -> str:
    """The name outputs carry (`photo_dreamshaper.png`): safe as a file name, whatever the source."""
    if spec.label == NAME:
        return NAME
    stem = Path(spec.source.rstrip("/\\")).stem if spec.kind != "hub" else spec.source.rsplit("/", 1)[-1]
    return f"{NAME}-{re.sub(r'[^a-z0-9._-]+', '-', stem.lower()).strip('-') or 'custom'}"


@dataclass
class DiffusionModel:
    """A loaded pipeline plus what the app shows about it (name, precision, where it runs)."""

    info: ModelInfo
    provider: str
    spec: DreamShaperSource
    pipe: object
    device: str

    def run(self, rgb: np.ndarray, params: Img2ImgParams, progress: Progress | None = None) -> np.ndarray:
        """Stylize an HxWx3 uint8 RGB photo; the result has the photo's size."""
        import torch
        from PIL import Image

        params.check()
        progress = progress or null_progress()
        progress.check_aborted()
        h, w = rgb.shape[:2]
        work = prepost.upscale_to_minimum(prepost.fit_max_side(rgb, params.max_side), 64)
        padded, (ph, pw) = prepost.pad_to_multiple(np.ascontiguousarray(work), MULTIPLE)
        self._set_scheduler(params.scheduler)
        total, done = params.steps_run, 0

        def on_step(pipe, step, timestep, kwargs):
            nonlocal done
            done += 1
            progress.set_progress(done / total, f"DreamShaper step {done}/{total}")
            progress.check_aborted()  # raises Cancelled: the pipeline stops between two steps
            return kwargs

        progress.set_progress(0.0, f"DreamShaper step 0/{total}")
        generator = torch.Generator(device="cpu").manual_seed(int(params.seed))
        try:
            with torch.inference_mode():
                result = self.pipe(prompt=params.prompt, negative_prompt=params.negative_prompt or None,
                                   image=Image.fromarray(padded), strength=params.strength,
                                   num_inference_steps=params.steps, guidance_scale=params.guidance,
                                   generator=generator, callback_on_step_end=on_step, output_type="np")
        except (torch.OutOfMemoryError, MemoryError):
            raise _out_of_memory(self.device, f"at {padded.shape[1]}x{padded.shape[0]}") from None
        out = np.clip(np.asarray(result.images[0]) * 255.0 + 0.5, 0, 255).astype(np.uint8)[:ph, :pw]
        return prepost.resize_to(out, w, h) if out.shape[:2] != (h, w) else out

    def _set_scheduler(self, name: str) -> None:
        import diffusers

        wanted = SCHEDULERS[name]
        if type(self.pipe.scheduler).__name__ != wanted:
            self.pipe.scheduler = getattr(diffusers, wanted).from_config(self.pipe.scheduler.config)


class DiffusionRunner:
    """`StylizeRunner`'s interface (`run(rgb, progress)`) for DreamShaper with fixed parameters."""

    def __init__(self, model: DiffusionModel, params: Img2ImgParams) -> None:
        self.model, self.params = model, params.check()

    def run(self, rgb: np.ndarray, progress: Progress | None = None) -> np.ndarray:
        return self.model.run(rgb, self.params, progress)


def device_for(provider: str) -> str:
    """CUDA when the user's provider allows it and torch sees a GPU; the CPU otherwise."""
    import torch

    if provider in ("auto", "cuda") and torch.cuda.is_available():
        return "cuda"
    if provider == "cuda":
        log.warning("DreamShaper: no CUDA GPU is visible to torch; running on the CPU")
    return "cpu"


def load(spec: DreamShaperSource, provider: str = "auto", progress: Progress | None = None) -> DiffusionModel:
    """Open the pipeline named by `spec` on the device `provider` allows."""
    require("diffusion", "DreamShaper")
    import diffusers
    import torch
    import transformers
    from diffusers import StableDiffusionImg2ImgPipeline

    # Their "Loading pipeline components" bars are noise on a terminal and in a log; a Hub
    # download keeps huggingface_hub's own bar, and the window gets progress through `progress`.
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()

    progress = progress or null_progress()
    device = device_for(provider)
    dtype = torch.float16 if device == "cuda" else torch.float32
    progress.set_progress(0.0, f"Loading DreamShaper ({spec.source})")
    quiet = {"safety_checker": None, "requires_safety_checker": False, "dtype": dtype}
    if spec.kind == "file":
        pipe = _from_single_file(StableDiffusionImg2ImgPipeline, spec, quiet)
    else:
        pipe = _from_pretrained(StableDiffusionImg2ImgPipeline, spec, quiet, progress)
    pipe.set_progress_bar_config(disable=True)  # progress goes through Progress, not tqdm
    try:
        pipe = pipe.to(device)
    except (torch.OutOfMemoryError, MemoryError):
        raise _out_of_memory(device, "loading the model") from None
    if device == "cuda" and torch.cuda.get_device_properties(0).total_memory < SMALL_GPU_BYTES:
        pipe.enable_attention_slicing()
        pipe.vae.enable_tiling()
    precision = "fp16" if dtype == torch.float16 else "fp32"
    where = "CUDA (torch)" if device == "cuda" else "CPU (torch)"
    info = ModelInfo(path=Path(spec.source), name=file_label(spec), family="diffusion", style="DreamShaper",
                     precision=precision, license=spec.license, source=spec.source, has_metadata=True)
    return DiffusionModel(info, where, spec, pipe, device)


def _out_of_memory(device: str, when: str) -> DiffusionError:
    """torch.OutOfMemoryError covers both devices since torch 2.5: say which one ran out, and what helps."""
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()
        return DiffusionError(f"out of GPU memory {when}: run DreamShaper on the CPU (--provider cpu) "
                              f"or at a smaller working size (--sd-max-side 512)")
    return DiffusionError(f"out of memory {when}: DreamShaper needs about 6 GB of RAM on the CPU; close other "
                          f"programs or use a smaller working size (--sd-max-side 512)")


def _from_pretrained(pipeline_class, spec: DreamShaperSource, kwargs: dict, progress: Progress):
    offline = not (spec.kind == "hub" and spec.allow_download)
    source = str(Path(spec.source).expanduser()) if spec.kind == "folder" else spec.source
    errors = []
    # The fp16 files are half the download and what a Hub copy usually has; a folder may have only full ones.
    for variant in (("fp16", None) if spec.kind == "hub" else (None,)):
        try:
            with _DownloadWatch(spec, progress, active=not offline):
                return pipeline_class.from_pretrained(source, local_files_only=offline, variant=variant, **kwargs)
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError, SafetensorError, JSON errors...
            errors.append(exc)
    if spec.kind == "hub" and offline:
        raise NotDownloaded(spec) from errors[-1]
    raise DiffusionError(f"DreamShaper cannot open {spec.source}: {_first_line(errors[-1])}") from errors[-1]


class _DownloadWatch:
    """Progress for a Hub download: the size of the repository's cache folder as it grows.

    diffusers' download takes no progress callback; the bytes on disk are what the user wants
    to see anyway ("0.8 of about 2.1 GB"). A thread polls twice a second while it runs.
    """

    def __init__(self, spec: DreamShaperSource, progress: Progress, active: bool) -> None:
        self.spec, self.progress, self.active = spec, progress, active
        self.stop = threading.Event()

    def __enter__(self):
        if self.active:
            self.progress.set_progress(0.0, f"Downloading DreamShaper ({self.spec.source})")
            threading.Thread(target=self._poll, name="dreamshaper-download", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()

    def _poll(self) -> None:
        from huggingface_hub import constants

        folder = Path(constants.HF_HUB_CACHE) / f"models--{self.spec.source.replace('/', '--')}"
        expected = DEFAULT_DOWNLOAD_GB * 1e9 if self.spec.label == NAME else 0
        while not self.stop.wait(0.5):
            done = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0
            of = f" of about {expected / 1e9:.1f} GB" if expected else ""
            self.progress.set_progress(min(done / expected, 0.99) if expected else 0.0,
                                       f"Downloading DreamShaper: {done / 1e9:.2f} GB{of}")


def _from_single_file(pipeline_class, spec: DreamShaperSource, kwargs: dict):
    path = Path(spec.source).expanduser()
    try:
        return pipeline_class.from_single_file(str(path), config=str(spec.sd_config), local_files_only=True,
                                               **kwargs)
    except Exception as exc:  # noqa: BLE001 - diffusers raises many types (KeyError, ValueError, SafetensorError)
        raise DiffusionError(f"{path.name}: diffusers cannot read this checkpoint as a Stable Diffusion 1.x "
                             f"model ({_first_line(exc)})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
