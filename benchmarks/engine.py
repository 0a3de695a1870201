"""Speed of the convolution core beside OpenCV and PyTorch, measured in one run.

Run ``python -m benchmarks.engine``: prints a table and writes
``benchmarks/results/engine.json``. Each row times our function and its reference
on the same 1024×1024 RGB image, interleaved, and reports the median ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from explorer.kernels import SOBEL_HORIZONTAL
from explorer.ops import conv2d, filter2d, pool2d
from explorer.runtime import configure_threads

RESULTS = Path(__file__).parent / "results" / "engine.json"


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``call`` after one warm-up run."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(ours: Callable[[], object], reference: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Medians of ours and the reference, timed in alternating rounds so drift hits both."""
    ours_times, reference_times = [], []
    for _ in range(3):
        ours_times.append(median_seconds(ours, repeats))
        reference_times.append(median_seconds(reference, repeats))
    return min(ours_times), min(reference_times)


def run(repeats: int, threads: int) -> list[dict]:
    configure_threads(threads)
    rng = np.random.default_rng(0)
    image_u8 = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)  # (H, W, 3)
    image = image_u8.astype(np.float32)
    nchw = torch.from_numpy(image).permute(2, 0, 1)[None].contiguous()  # (1, 3, H, W)
    kernel = SOBEL_HORIZONTAL.weights.astype(np.float32)
    rows = []

    def row(name, ours, reference, reference_name, target, target_text):
        ours_s, reference_s = compare(ours, reference, repeats)
        ratio = ours_s / reference_s
        rows.append(
            {
                "case": name,
                "ours_ms": round(ours_s * 1e3, 3),
                "reference": reference_name,
                "reference_ms": round(reference_s * 1e3, 3),
                "ratio": round(ratio, 3),
                "target": target_text,
                "met": bool(ratio <= target),
            }
        )

    row(
        "filter2d 3×3 same, float32",
        lambda: filter2d(image, kernel, padding="same"),
        lambda: cv2.filter2D(image, cv2.CV_32F, kernel, borderType=cv2.BORDER_CONSTANT),
        "cv2.filter2D",
        1.5,
        "≤ 1.5×",
    )
    row(
        "filter2d 3×3 same, uint8 in",
        lambda: filter2d(image_u8, kernel, padding="same"),
        lambda: cv2.filter2D(image_u8, cv2.CV_32F, kernel, borderType=cv2.BORDER_CONSTANT),
        "cv2.filter2D",
        1.5,
        "≤ 1.5×",
    )
    row(
        "filter2d 3×3 valid, reflect pad 1",
        lambda: filter2d(image, kernel, padding=1, pad_mode="reflect"),
        lambda: cv2.filter2D(image, cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT_101),
        "cv2.filter2D",
        1.5,
        "≤ 1.5×",
    )
    for c_out in (4, 64):
        weight = rng.normal(size=(3, 3, 3, c_out)).astype(np.float32)
        w_torch = torch.from_numpy(weight).permute(3, 2, 0, 1).contiguous()

        def reference(w_torch=w_torch):
            with torch.inference_mode():
                return F.conv2d(nchw, w_torch, padding=1)

        row(
            f"conv2d 3→{c_out} 3×3 pad 1",
            lambda weight=weight: conv2d(image, weight, padding=1),
            reference,
            "F.conv2d (NCHW)",
            1.0,
            "≤ 1.0×",
        )
    for label, picture in (("uint8 RGB", image_u8), ("float32", image)):
        row(
            f"filter2d stride 2 vs stride 1, {label}",
            lambda picture=picture: filter2d(picture, kernel, stride=2, padding=1),
            lambda picture=picture: filter2d(picture, kernel, stride=1, padding=1),
            "filter2d stride 1",
            1.0,
            "≤ 1.0×",
        )
    weight = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    row(
        "conv2d 3→4 stride 2 vs stride 1",
        lambda: conv2d(image, weight, stride=2, padding=1),
        lambda: conv2d(image, weight, stride=1, padding=1),
        "conv2d stride 1",
        1.0,
        "≤ 1.0×",
    )

    def torch_max_pool():
        with torch.inference_mode():
            return F.max_pool2d(nchw, 2)

    row("pool2d max 2×2", lambda: pool2d(image, 2), torch_max_pool, "F.max_pool2d", 2.0, "≤ 2.0×")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2, help="torch and OpenCV threads, as the app uses")
    args = parser.parse_args()
    rows = run(args.repeats, args.threads)
    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  {'ours ms':>9}  {'ref ms':>9}  {'ratio':>6}  target   met  reference")
    for r in rows:
        print(
            f"{r['case']:<{width}}  {r['ours_ms']:>9.2f}  {r['reference_ms']:>9.2f}  {r['ratio']:>6.2f}  "
            f"{r['target']:<7}  {'yes' if r['met'] else 'NO':<3}  {r['reference']}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    meta = {
        "machine": platform.machine(),
        "cpus": torch.get_num_threads(),
        "torch": torch.__version__,
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "threads": args.threads,
    }
    RESULTS.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
