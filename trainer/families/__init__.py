"""The four families, and the paired fast-generator mode, behind one contract.

`FAMILIES` maps command names to classes.
"""

from .animegan import AnimeGAN, AnimeGANv3
from .cartoongan import CartoonGAN
from .dcgan import DCGAN
from .paired import Paired
from .pix2pix import Pix2Pix

FAMILIES = {cls.name: cls for cls in (AnimeGAN, AnimeGANv3, CartoonGAN, Pix2Pix, DCGAN, Paired)}

__all__ = ["FAMILIES"]
