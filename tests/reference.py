"""Trusted references the fast core is checked against: naive loops and PyTorch."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

TORCH_PAD_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


def naive_filter2d(image: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """Valid cross-correlation of an (H, W) image, one window at a time (the notes' way)."""
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh) // stride + 1
    out_w = (image.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for y in range(out_h):
        for x in range(out_w):
            window = image[y * stride : y * stride + kh, x * stride : x * stride + kw]
            out[y, x] = np.sum(window * kernel)
    return out


def torch_pad(image: np.ndarray, pads: tuple[int, int, int, int], mode: str) -> np.ndarray:
    """``F.pad`` of an (H, W[, C]) array by (top, bottom, left, right), in float64."""
    top, bottom, left, right = pads
    x = torch.from_numpy(np.asarray(image, dtype=np.float64))
    x = x[None, None] if x.ndim == 2 else x.permute(2, 0, 1)[None]  # (1, C, H, W)
    y = F.pad(x, (left, right, top, bottom), mode=TORCH_PAD_MODE[mode])[0]
    return (y[0] if np.ndim(image) == 2 else y.permute(1, 2, 0)).numpy()


def torch_conv2d(
    image: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: tuple[int, int],
    pads: tuple[int, int, int, int],
    pad_mode: str,
    dilation: tuple[int, int],
) -> np.ndarray:
    """PyTorch's conv2d on an (H, W, C_in) image with a (kh, kw, C_in, C_out) weight."""
    padded = torch_pad(image, pads, pad_mode)
    x = torch.from_numpy(padded).permute(2, 0, 1)[None]
    w = torch.from_numpy(np.asarray(weight, dtype=np.float64)).permute(3, 2, 0, 1)
    b = None if bias is None else torch.from_numpy(np.asarray(bias, dtype=np.float64))
    y = F.conv2d(x, w, b, stride=stride, dilation=dilation)
    return y[0].permute(1, 2, 0).numpy()


def torch_pool2d(
    image: np.ndarray, size: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int], mode: str
) -> np.ndarray:
    """PyTorch's max/avg pooling (min as −max(−x)) of an (H, W, C) image."""
    x = torch.from_numpy(np.asarray(image, dtype=np.float64)).permute(2, 0, 1)[None]
    if mode == "max":
        y = F.max_pool2d(x, size, stride, padding)
    elif mode == "min":
        y = -F.max_pool2d(-x, size, stride, padding)
    else:
        y = F.avg_pool2d(x, size, stride, padding, count_include_pad=False)
    return y[0].permute(1, 2, 0).numpy()
