"""DreamShaper's command-line options, shared by `anime-desktop` (stylize, batch, pairs) and
`anime-export build-student`, and turned back into arguments when build-student runs `pairs`.

argparse only: reading them imports nothing heavy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .spec import DEFAULT_DOWNLOAD_GB, SCHEDULERS, DreamShaperRun, Img2ImgParams


def add_arguments(p: argparse.ArgumentParser, steps: str = "--steps", seed: str = "--seed") -> None:
    """DreamShaper's parameters (CONTRACTS.md); read only when -m/--teacher names dreamshaper[:SOURCE].

    `steps` and `seed` name two options where a command already has its own (`pairs --seed` is the
    colour jitter's, build-student's `--steps` the training's): there they are `--sd-steps`/`--sd-seed`.
    """
    d = Img2ImgParams()
    g = p.add_argument_group("DreamShaper (-m dreamshaper[:SOURCE]; needs the 'diffusion' extra)")
    g.add_argument("--source", dest="sd_source", default=None, metavar="SOURCE",
                   help="Hugging Face id, diffusers folder or .safetensors file (same as dreamshaper:SOURCE)")
    g.add_argument("--prompt", default=d.prompt, help="what the picture should become (default: an anime style)")
    g.add_argument("--negative-prompt", default=d.negative_prompt, help="what it should not look like")
    g.add_argument("--strength", type=float, default=d.strength,
                   help=f"0-1: how far from the photo it may go (default {d.strength:g})")
    g.add_argument(steps, dest="sd_steps", type=int, default=d.steps, metavar="N",
                   help=f"diffusion steps of the full schedule; int(steps x strength) run (default {d.steps})")
    g.add_argument("--guidance", type=float, default=d.guidance, help=f"prompt guidance scale (default {d.guidance:g})")
    g.add_argument(seed, dest="sd_seed", type=int, default=d.seed, metavar="N", help=f"noise seed (default {d.seed})")
    g.add_argument("--scheduler", choices=tuple(SCHEDULERS), default=d.scheduler,
                   help=f"sampler (default {d.scheduler})")
    g.add_argument("--sd-max-side", type=int, default=d.max_side, metavar="N",
                   help=f"working size: longer photos are brought down to N px and back (default {d.max_side})")
    g.add_argument("--sd-config", type=Path, metavar="DIR",
                   help="pipeline config folder for a single .safetensors checkpoint (keeps loading offline)")
    g.add_argument("--allow-download", action="store_true",
                   help=f"allow fetching it from huggingface.co (about {DEFAULT_DOWNLOAD_GB:g} GB for the default)")


def from_arguments(ns) -> DreamShaperRun | None:
    """The run the options describe (None for a command without them)."""
    if not hasattr(ns, "sd_steps"):
        return None
    params = Img2ImgParams(prompt=ns.prompt, negative_prompt=ns.negative_prompt, strength=ns.strength,
                           steps=ns.sd_steps, guidance=ns.guidance, seed=ns.sd_seed, scheduler=ns.scheduler,
                           max_side=ns.sd_max_side)
    return DreamShaperRun(params, ns.sd_config, ns.allow_download, ns.sd_source)


def to_arguments(run: DreamShaperRun, steps: str = "--steps", seed: str = "--sd-seed") -> list[str]:
    """The same run as `anime-desktop pairs` options (build-student renders its pairs that way)."""
    p = run.params
    # `--opt=value`: a prompt such as "-blurry" must not read as an option.
    args = [f"--prompt={p.prompt}", f"--negative-prompt={p.negative_prompt}", f"--strength={p.strength!r}",
            f"{steps}={p.steps}", f"--guidance={p.guidance!r}", f"{seed}={p.seed}", f"--scheduler={p.scheduler}",
            f"--sd-max-side={p.max_side}"]
    if run.source_override:
        args += [f"--source={run.source_override}"]
    if run.sd_config is not None:
        args += [f"--sd-config={run.sd_config}"]
    return args + (["--allow-download"] if run.allow_download else [])
