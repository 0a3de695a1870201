"""Pretrain the transfer page's source model on generated digits, deterministically.

Run ``python -m scripts.pretrain_source`` from the repository root. It generates the source set
(``explorer.synthetic_digits``), trains the training lab's default CNN on it with
``explorer.training.Trainer`` on one thread with deterministic algorithms, and writes three files
to ``explorer/weights/``:

- ``source_digits.safetensors``: the weights, with the training record in the file's metadata;
- ``source_digits.json``: the model config (``CNNConfig.to_json``);
- ``source_digits_log.txt``: the settings, per-epoch losses and accuracies, the final source
  validation accuracy, the seeds and the torch version.

The same settings, torch version and machine type give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import safetensors.torch
import torch

from explorer.datasets import digits
from explorer.models import CNNConfig
from explorer.synthetic_digits import FONTS, synthetic_digits
from explorer.training import TrainConfig, Trainer
from explorer.transfer import WEIGHTS_DIR, SourceRecord, accuracy

NAME = "source_digits"
# One thread: reductions then always add up in the same order, so reruns give the same bits.
THREADS = 1


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=3000, help="generated training digits per class")
    parser.add_argument("--validation-per-class", type=int, default=300, help="generated validation digits")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.003)
    parser.add_argument("--seed", type=int, default=0, help="initial weights and shuffling")
    parser.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR)
    return parser.parse_args(argv)


def pretrain(arguments: argparse.Namespace) -> SourceRecord:
    """Generate, train, evaluate and write the three files; returns the record written.

    Runs on ``THREADS`` thread(s) with deterministic algorithms, then puts torch's settings back.
    """
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    try:
        return _pretrain(arguments)
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def _pretrain(arguments: argparse.Namespace) -> SourceRecord:
    train_seed, validation_seed = arguments.seed, arguments.seed + 1
    started = time.perf_counter()
    train = synthetic_digits(arguments.per_class, seed=train_seed)
    validation = synthetic_digits(arguments.validation_per_class, seed=validation_seed)
    generated = time.perf_counter() - started
    config = CNNConfig()
    settings = TrainConfig(
        batch_size=arguments.batch_size,
        epochs=arguments.epochs,
        learning_rate=arguments.learning_rate,
        optimizer="adam",
        seed=arguments.seed,
        checkpoint_best=False,
        restore_best_weights=False,
    )
    trainer = Trainer(config, settings, train, validation)
    lines = [
        "Source model for the transfer-learning page (written by scripts/pretrain_source.py)",
        f"torch {torch.__version__}, Python {platform.python_version()}, {THREADS} thread(s), "
        "deterministic algorithms",
        f"source training set: synthetic_digits(n_per_class={arguments.per_class}, seed={train_seed}) "
        f"= {len(train):,} images 28×28×1, fonts: {', '.join(FONTS)}",
        f"source validation set: synthetic_digits(n_per_class={arguments.validation_per_class}, "
        f"seed={validation_seed}) = {len(validation):,} images",
        f"generated in {generated:.1f} s",
        f"model: {json.dumps(config.to_json())}",
        f"training: Adam, learning rate {arguments.learning_rate:g}, batch size {arguments.batch_size}, "
        f"{arguments.epochs} epochs, seed {arguments.seed}",
        "",
        "epoch  train_loss  train_accuracy  val_loss  val_accuracy",
    ]
    while not trainer.done:
        report = trainer.run_steps(max_batches=100_000)
        for epoch in report.epochs_finished:
            history = trainer.history
            index = epoch - 1
            lines.append(
                f"{epoch:>5}  {history.train_loss[index]:>10.4f}  {history.train_accuracy[index]:>14.4f}  "
                f"{history.val_loss[index]:>8.4f}  {history.val_accuracy[index]:>12.4f}"
            )
    trained = time.perf_counter() - started - generated
    source_accuracy = accuracy(trainer.model, validation)
    real_accuracy = accuracy(trainer.model, digits())
    record = SourceRecord(
        train_per_class=arguments.per_class,
        validation_per_class=arguments.validation_per_class,
        train_seed=train_seed,
        validation_seed=validation_seed,
        epochs=arguments.epochs,
        batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate,
        seed=arguments.seed,
        accuracy=source_accuracy,
        real_digits_accuracy=real_accuracy,
        torch_version=torch.__version__,
    )
    lines += [
        "",
        f"trained in {trained:.1f} s",
        f"final source validation accuracy: {source_accuracy:.4f} "
        f"({round(source_accuracy * len(validation)):,} of {len(validation):,})",
        f"accuracy on scikit-learn's 1,797 real digits, no retraining: {real_accuracy:.4f}",
        f"seed: {arguments.seed}",
        f"torch version: {torch.__version__}",
    ]
    out = Path(arguments.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {
        name: tensor.detach().clone().contiguous() for name, tensor in trainer.model.state_dict().items()
    }
    safetensors.torch.save_file(state, str(out / f"{NAME}.safetensors"), metadata=record.to_metadata())
    (out / f"{NAME}.json").write_text(json.dumps(config.to_json(), indent=2) + "\n")
    (out / f"{NAME}_log.txt").write_text("\n".join(lines) + "\n")
    return record


def main(argv: list[str] | None = None) -> None:
    record = pretrain(parse_arguments(argv))
    print(
        f"source validation accuracy {record.accuracy:.4f} on {record.validation_images:,} generated "
        f"digits; {record.real_digits_accuracy:.4f} on the real digits without retraining"
    )


if __name__ == "__main__":
    main()
