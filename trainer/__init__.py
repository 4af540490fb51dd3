"""PyTorch training of the four model families (AnimeGAN v2/v3, CartoonGAN, Pix2Pix, DCGAN).

Imports nothing from `anime_desktop` or `export` (ARCHITECTURE.md, door 4); it needs the
`train` extra (torch, torchvision).
"""
