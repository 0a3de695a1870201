"""The transfer page's comparison with its defaults: wall time and the three accuracies, per seed.

Run ``python -m benchmarks.transfer``: for each seed it trains the three runs (from scratch,
frozen pretrained base, fine-tuned) on 10 real digits per class with the page's default
budget, the way the page does (lockstep, in bounded steps), prints the wall time and the three
final validation accuracies, then the medians; writes ``benchmarks/results/transfer.json``.

Targets: each comparison under 30 s on 2 cores; in the median over the seeds the frozen base
beats training from scratch.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from dataclasses import asdict
from pathlib import Path

import torch

from explorer.datasets import digits
from explorer.runtime import configure_threads
from explorer.training_views import STEP_SECONDS
from explorer.transfer import RUNS, TransferComparison, TransferSettings, load_source, target_split

RESULTS = Path(__file__).parent / "results" / "transfer.json"
TARGET_SECONDS = 30.0


def compare(seed: int, per_class: int) -> dict:
    """One comparison with the page's defaults and this seed, timed from data split to the end."""
    source = load_source()
    data = digits()
    start = time.perf_counter()
    settings = TransferSettings(per_class=per_class, seed=seed)
    train, validation = target_split(data, per_class, seed=seed)
    comparison = TransferComparison(source, settings, train, validation)
    while not comparison.done:
        comparison.step(STEP_SECONDS)
    seconds = time.perf_counter() - start
    return {"seed": seed, "seconds": round(seconds, 2), **comparison.final_accuracies()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--per-class", type=int, default=TransferSettings.per_class)
    arguments = parser.parse_args()
    threads = configure_threads()
    print(f"torch {torch.__version__}, {threads} thread(s), {arguments.per_class} pictures per class")
    print(f"{'seed':>4}  {'seconds':>7}  " + "  ".join(f"{label:>13}" for label in RUNS.values()))
    rows = []
    for seed in range(arguments.seeds):
        row = compare(seed, arguments.per_class)
        rows.append(row)
        print(f"{seed:>4}  {row['seconds']:>7.2f}  " + "  ".join(f"{row[name]:>13.1%}" for name in RUNS))
    medians = {name: statistics.median(row[name] for row in rows) for name in RUNS}
    slowest = max(row["seconds"] for row in rows)
    print(
        "median      "
        + "  ".join(f"{medians[name]:>13.1%}" for name in RUNS)
        + f"\nslowest comparison {slowest:.2f} s (target < {TARGET_SECONDS:.0f} s); frozen base "
        + ("beats" if medians["frozen"] > medians["scratch"] else "does NOT beat")
        + " from scratch in the median"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": platform.machine(),
                "torch": torch.__version__,
                "threads": threads,
                "per_class": arguments.per_class,
                "settings": asdict(TransferSettings(per_class=arguments.per_class)),
                "runs": rows,
                "medians": medians,
                "slowest_seconds": slowest,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
