"""Cost of one rerun of each page with a 1024×1024 photo: script time and bytes sent.

Run ``python -m benchmarks.pages``: uploads a 1024×1024 photo through the sidebar (as a
student would), opens every concept page through the app's router in Streamlit's
AppTest, moves its first slider back and forth, and prints per page the median script-run time and the bytes a
rerun sends (the element messages plus any picture the browser has not already got;
a picture whose bytes are unchanged keeps its address and is not fetched again).
Writes ``benchmarks/results/pages.json``. Targets: median ≤ 150 ms and ≤ 1.5 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import ui
from explorer.images import encode_png, sample_images

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "pages.json"
TARGET_MS = 150
TARGET_BYTES = 1_500_000


class MediaCounter:
    """Counts the bytes of every picture Streamlit stores for the browser to fetch."""

    def __init__(self) -> None:
        self.files: dict[str, int] = {}
        self._original = MemoryMediaFileStorage.load_and_get_id

    def __enter__(self) -> MediaCounter:
        counter = self

        def counting(storage, path_or_data, mimetype, kind, filename=None):
            file_id = counter._original(storage, path_or_data, mimetype, kind, filename)
            size = len(path_or_data) if isinstance(path_or_data, bytes) else 0
            counter.files[file_id] = size
            return file_id

        MemoryMediaFileStorage.load_and_get_id = counting
        return self

    def __exit__(self, *exc: object) -> None:
        MemoryMediaFileStorage.load_and_get_id = self._original


def photo_1024() -> bytes:
    """A 1024×1024 photo: scikit-learn's temple picture stretched to the size."""
    temple = sample_images()["china"].pixels
    return encode_png(cv2.resize(temple, (1024, 1024), interpolation=cv2.INTER_CUBIC))


def element_bytes(at: AppTest) -> int:
    """Serialised size of every element the run produced (what the websocket carries)."""
    total = 0

    def walk(node) -> None:
        nonlocal total
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ByteSize"):
            total += proto.ByteSize()
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return total


def measure_page(script: str, photo: bytes, reruns: int) -> dict:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["source"] = "upload"
    at.run()
    at.file_uploader(key="upload").set_value(("photo.png", photo, "image/png")).run()
    at.switch_page(script).run()
    if at.exception:
        raise RuntimeError(f"{script} raised: {at.exception[0].value}")
    times, sent = [], []
    sliders = at.main.slider
    control = sliders[0] if len(sliders) else None
    values = [] if control is None else [control.min, control.max]  # a float slider: both ends
    if control is not None and float(control.min).is_integer() and float(control.max).is_integer():
        values = [int(control.min), int((control.min + control.max) // 2 or control.max)]
    with MediaCounter() as media:
        at.run()  # warm: caches filled, pictures sent once
        for turn in range(reruns):
            seen_before = set(media.files)
            media.files.clear()
            if control is not None:
                at.slider(key=control.key).set_value(values[turn % 2])
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            new_media = sum(size for file_id, size in media.files.items() if file_id not in seen_before)
            sent.append(element_bytes(at) + new_media)
    median_ms = statistics.median(times) * 1e3
    median_bytes = statistics.median(sent)
    return {
        "page": script,
        "control": None if control is None else f"{control.key} {values[0]}↔{values[1]}",
        "median_ms": round(median_ms, 1),
        "max_ms": round(max(times) * 1e3, 1),
        "bytes_per_rerun": int(median_bytes),
        "met": bool(median_ms <= TARGET_MS and median_bytes <= TARGET_BYTES),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=9)
    args = parser.parse_args()
    photo = photo_1024()
    rows = [measure_page(page.script, photo, args.reruns) for page in ui.CONCEPT_PAGES]
    width = max(len(r["page"]) for r in rows)
    print(f"{'page':<{width}}  {'median ms':>9}  {'max ms':>7}  {'KB sent':>8}  met  control changed")
    for r in rows:
        print(
            f"{r['page']:<{width}}  {r['median_ms']:>9.1f}  {r['max_ms']:>7.1f}  "
            f"{r['bytes_per_rerun'] / 1000:>8.1f}  {'yes' if r['met'] else 'NO ':<3}  {r['control']}"
        )
    print(f"targets: median ≤ {TARGET_MS} ms and ≤ {TARGET_BYTES / 1e6:g} MB sent per rerun")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"image": "1024×1024 upload", "rows": rows}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
