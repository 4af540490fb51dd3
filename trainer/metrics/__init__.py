"""Evaluation metrics: SWD (no pretrained weights), and FID/KID/IS/LPIPS through torchmetrics."""
