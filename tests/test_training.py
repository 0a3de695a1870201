"""The resumable trainer: reproducible runs, pause and resume, callbacks, diagnosis, saving."""

from __future__ import annotations

import json

import numpy as np
import pytest
import safetensors.torch
import torch

from explorer.augment import AugmentConfig
from explorer.datasets import ImageDataset, edges
from explorer.models import CNNConfig, MLPConfig, first_layer_filters
from explorer.training import (
    TrainConfig,
    Trainer,
    TrainingHistory,
    class_probabilities,
    diagnose,
    load,
)

CNN = CNNConfig(
    input_size=(12, 12), in_channels=1, num_classes=4, conv_blocks=1, filters=(4,), dense_width=16
)


@pytest.fixture(scope="module")
def edge_sets() -> tuple[ImageDataset, ImageDataset]:
    return edges(n_per_class=24, size=12, seed=0).split(0.25, seed=0)  # 72 train, 24 validation


def halves(n: int = 80, seed: int = 0) -> ImageDataset:
    """Two easy classes: the top half bright, or the bottom half bright, with noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.int64) % 2  # (n,)
    images = rng.uniform(0.0, 0.3, size=(n, 12, 12, 1)).astype(np.float32)  # (n, 12, 12, 1)
    images[labels == 0, :6] += 0.6
    images[labels == 1, 6:] += 0.6
    return ImageDataset(images=images, labels=labels, class_names=("top", "bottom"), name="halves")


def weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {name: tensor.clone() for name, tensor in trainer.model.state_dict().items()}


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[name], b[name]) for name in a)


def test_loss_falls_on_an_easy_set():
    config = CNNConfig(input_size=(12, 12), num_classes=2, conv_blocks=1, filters=(4,), dense_width=8)
    trainer = Trainer(
        config, TrainConfig(batch_size=16, epochs=6, learning_rate=1e-2), halves(), halves(seed=1)
    )
    while not trainer.done:
        trainer.run_steps(max_batches=4)
    history = trainer.history
    assert history.epochs == 6
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_accuracy[-1] > 0.9
    assert trainer.diagnosis().verdict == "fine"


def test_same_seed_same_weights_different_seed_different(edge_sets):
    train, validation = edge_sets
    runs = {}
    for name, seed in [("a", 3), ("b", 3), ("c", 4)]:
        trainer = Trainer(CNN, TrainConfig(batch_size=8, epochs=2, seed=seed), train, validation)
        trainer.run_steps(max_batches=11)
        runs[name] = weights(trainer)
    assert same_weights(runs["a"], runs["b"])
    assert not same_weights(runs["a"], runs["c"])


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_pause_and_resume_is_bit_identical_to_one_run(edge_sets, optimizer):
    train, validation = edge_sets
    # Dropout checks that its random draws also resume where they left off.
    config = CNNConfig(
        input_size=(12, 12), num_classes=4, conv_blocks=1, filters=(4,), dense_width=16, dropout=0.3
    )
    settings = TrainConfig(batch_size=8, epochs=3, learning_rate=1e-2, optimizer=optimizer, seed=5)
    whole = Trainer(config, settings, train, validation)
    whole.run_steps(max_batches=1000)
    chunked = Trainer(config, settings, train, validation)
    chunks = iter([1, 3, 7] * 10)
    while not chunked.done:
        chunked.run_steps(max_batches=next(chunks))
    assert whole.done and whole.epoch == 3
    assert same_weights(weights(whole), weights(chunked))
    assert whole.history == chunked.history
    assert whole.events == chunked.events


def test_augmented_runs_resume_exactly_and_differ_from_plain_runs(edge_sets):
    train, validation = edge_sets
    augment = AugmentConfig(rotation_degrees=15, translation=0.1, horizontal_flip=True, brightness=0.1)
    settings = TrainConfig(batch_size=8, epochs=2, learning_rate=1e-2, seed=2, augment=augment)
    whole = Trainer(CNN, settings, train, validation)
    whole.run_steps(max_batches=1000)
    chunked = Trainer(CNN, settings, train, validation)
    while not chunked.done:
        chunked.run_steps(max_batches=3)
    plain = Trainer(CNN, TrainConfig(batch_size=8, epochs=2, learning_rate=1e-2, seed=2), train, validation)
    plain.run_steps(max_batches=1000)
    assert same_weights(weights(whole), weights(chunked))
    assert not same_weights(weights(whole), weights(plain))


def test_augmentation_touches_neither_the_data_nor_validation(edge_sets):
    train, validation = edge_sets
    before = train.images.copy()
    settings = TrainConfig(batch_size=8, epochs=1, augment=AugmentConfig(brightness=0.5, scale=0.3))
    trainer = Trainer(CNN, settings, train, validation)
    trainer.run_steps(max_batches=1000)
    np.testing.assert_array_equal(train.images, before)
    # The recorded validation loss is that of the plain validation images.
    probabilities = torch.from_numpy(trainer.predict(validation.images))  # (M, K)
    expected = torch.nn.functional.nll_loss(probabilities.log(), torch.from_numpy(validation.labels))
    assert trainer.history.val_loss[-1] == pytest.approx(float(expected), rel=1e-5)


def test_run_steps_reports_batches_and_epochs(edge_sets):
    train, validation = edge_sets
    trainer = Trainer(CNN, TrainConfig(batch_size=16, epochs=2), train, validation)  # 5 batches an epoch
    first = trainer.run_steps(max_batches=3)
    assert (first.batches, first.samples, first.epochs_finished, first.done) == (3, 48, (), False)
    second = trainer.run_steps(max_batches=3)
    assert second.epoch_finished and second.epochs_finished == (1,)
    assert second.samples == 16 + 8 + 16  # the epoch's last batch holds the 8 left over
    assert second.samples_per_second > 0
    last = trainer.run_steps(max_batches=100)
    assert last.batches == 4 and last.done and trainer.progress == 1.0
    assert trainer.run_steps(max_batches=5).batches == 0


def test_time_budget_still_trains_one_batch(edge_sets):
    train, validation = edge_sets
    trainer = Trainer(CNN, TrainConfig(batch_size=8), train, validation)
    assert trainer.run_steps(max_batches=50, max_seconds=0.0).batches == 1


def test_history_and_filter_history(edge_sets):
    train, validation = edge_sets
    trainer = Trainer(
        CNN, TrainConfig(batch_size=16, epochs=3, restore_best_weights=False), train, validation
    )
    initial = first_layer_filters(trainer.model)
    trainer.run_steps(max_batches=1000)
    history = trainer.history
    assert [len(curve) for curve in vars(history).values()] == [3, 3, 3, 3]
    assert all(0 <= value <= 1 for value in history.train_accuracy + history.val_accuracy)
    assert len(trainer.filter_history) == 4
    assert trainer.filter_history[0].shape == (3, 3, 1, 4)
    np.testing.assert_array_equal(trainer.filter_history[0], initial)
    np.testing.assert_array_equal(trainer.filter_history[-1], first_layer_filters(trainer.model))


def test_mlp_trains_and_has_no_filters(edge_sets):
    train, validation = edge_sets
    config = MLPConfig(input_size=(12, 12), num_classes=4, hidden_width=8)
    trainer = Trainer(config, TrainConfig(batch_size=32, epochs=1), train, validation)
    trainer.run_steps(max_batches=100)
    assert trainer.done and trainer.filter_history == []


def test_early_stopping_stops_when_loss_cannot_improve(edge_sets):
    train, validation = edge_sets
    settings = TrainConfig(batch_size=16, epochs=20, learning_rate=0.0, early_stopping=True, patience=2)
    trainer = Trainer(CNN, settings, train, validation)
    trainer.run_steps(max_batches=1000)
    # Epoch 1 improves on infinity; epochs 2 and 3 do not, so patience 2 runs out at epoch 3.
    assert trainer.done and trainer.stop_reason == "early_stopping"
    assert trainer.epoch == 3
    assert trainer.events[0].startswith("Epoch 1: val_loss improved from inf to ")
    assert trainer.events[1:] == [
        f"Epoch 2: val_loss did not improve from {trainer.best_val_loss:.4f}",
        f"Epoch 3: val_loss did not improve from {trainer.best_val_loss:.4f}",
        "Epoch 3: early stopping",
        "Restoring model weights from the end of the best epoch: 1.",
    ]


def test_min_delta_demands_a_larger_improvement(edge_sets):
    train, validation = edge_sets
    settings = TrainConfig(
        batch_size=16, epochs=20, learning_rate=1e-3, early_stopping=True, patience=1, min_delta=10.0
    )
    trainer = Trainer(CNN, settings, train, validation)
    trainer.run_steps(max_batches=1000)
    assert trainer.stop_reason == "early_stopping" and trainer.epoch == 2


def run_with_snapshots(settings: TrainConfig, train: ImageDataset, validation: ImageDataset):
    """Run epoch by epoch, returning the trainer and its weights after each epoch."""
    trainer = Trainer(CNN, settings, train, validation)
    snapshots = {}
    while not trainer.done:
        trainer.run_steps(max_batches=trainer.batches_per_epoch)
        snapshots[trainer.epoch] = weights(trainer)
    return trainer, snapshots


def test_restore_best_weights_restores_exactly_the_best_epoch(edge_sets):
    train, validation = edge_sets
    # SGD this fast makes the validation loss jump about, so the best epoch is not the last.
    settings = TrainConfig(batch_size=8, epochs=8, learning_rate=2.0, optimizer="sgd", seed=0)
    plain, snapshots = run_with_snapshots(
        TrainConfig(**{**vars(settings), "restore_best_weights": False}), train, validation
    )
    restored = Trainer(CNN, settings, train, validation)
    restored.run_steps(max_batches=1000)
    best = int(np.argmin(plain.history.val_loss)) + 1
    assert restored.best_epoch == best < 8
    assert same_weights(weights(restored), snapshots[best])
    assert not same_weights(weights(restored), snapshots[8])
    assert same_weights(restored.best_state, snapshots[best])
    assert restored.events[-1] == f"Restoring model weights from the end of the best epoch: {best}."


def test_checkpoint_events_read_like_keras(edge_sets):
    train, validation = edge_sets
    trainer = Trainer(CNN, TrainConfig(batch_size=16, epochs=3, learning_rate=1e-2), train, validation)
    trainer.run_steps(max_batches=1000)
    losses = trainer.history.val_loss
    best = np.inf
    for epoch, (loss, event) in enumerate(zip(losses, trainer.events, strict=False), start=1):
        if loss < best:
            assert event == f"Epoch {epoch}: val_loss improved from {best:.4f} to {loss:.4f}, saving model"
            best = loss
        else:
            assert event == f"Epoch {epoch}: val_loss did not improve from {best:.4f}"


def test_no_checkpoint_events_when_checkpointing_is_off(edge_sets):
    train, validation = edge_sets
    settings = TrainConfig(batch_size=16, epochs=2, checkpoint_best=False, restore_best_weights=False)
    trainer = Trainer(CNN, settings, train, validation)
    trainer.run_steps(max_batches=1000)
    assert trainer.events == [] and trainer.best_state is None


def test_stop_ends_training_and_restores_best(edge_sets):
    train, validation = edge_sets
    trainer = Trainer(CNN, TrainConfig(batch_size=16, epochs=5), train, validation)
    trainer.run_steps(max_batches=7)
    trainer.stop()
    assert trainer.done and trainer.stop_reason == "stopped"
    assert same_weights(weights(trainer), trainer.best_state)
    assert trainer.run_steps(max_batches=3).batches == 0


def test_diagnosis_on_hand_made_histories():
    def history(train: float, validation: float) -> TrainingHistory:
        return TrainingHistory([0.5], [train], [0.6], [validation])

    over = diagnose(history(0.98, 0.75))
    assert over.verdict == "overfitting" and "98.0%" in over.message and "75.0%" in over.message
    under = diagnose(history(0.45, 0.40))
    assert under.verdict == "underfitting" and "45.0%" in under.message
    assert diagnose(history(0.93, 0.90)).verdict == "fine"
    assert diagnose(TrainingHistory()).verdict == "unknown"


def test_predictions_and_validation_reports(edge_sets):
    train, validation = edge_sets
    trainer = Trainer(CNN, TrainConfig(batch_size=16, epochs=2, learning_rate=1e-2), train, validation)
    trainer.run_steps(max_batches=1000)
    probabilities = trainer.predict(validation.images)
    assert probabilities.shape == (len(validation), 4) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    matrix = trainer.confusion_matrix()
    assert matrix.shape == (4, 4) and matrix.sum() == len(validation)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(validation.labels, minlength=4))
    predicted = probabilities.argmax(axis=1)
    assert np.trace(matrix) == int((predicted == validation.labels).sum())
    np.testing.assert_allclose(trainer.per_class_accuracy(), np.diag(matrix) / matrix.sum(axis=1))
    mistakes = trainer.most_confident_mistakes(k=5)
    wrong = int((predicted != validation.labels).sum())
    assert len(mistakes) == min(5, wrong)
    assert np.all(mistakes.predicted != mistakes.true)
    assert np.all(np.diff(mistakes.confidence) <= 0)
    np.testing.assert_array_equal(mistakes.true, validation.labels[mistakes.indices])
    np.testing.assert_allclose(mistakes.confidence, probabilities[mistakes.indices, mistakes.predicted])


def test_save_load_round_trip_is_bit_exact(edge_sets):
    train, validation = edge_sets
    trainer = Trainer(CNN, TrainConfig(batch_size=16, epochs=1), train, validation)
    trainer.run_steps(max_batches=1000)
    weights_bytes, config_json = trainer.save()
    model = load(weights_bytes, config_json)
    assert model.config == CNN and not model.training
    assert same_weights(dict(model.state_dict()), weights(trainer))
    with torch.no_grad():
        scores = torch.softmax(model(torch.from_numpy(validation.images)), dim=1).numpy()
    np.testing.assert_array_equal(scores, trainer.predict(validation.images))
    np.testing.assert_array_equal(scores, class_probabilities(model, validation.images))


def test_load_rejects_wrong_shapes_dtypes_and_names(edge_sets):
    train, validation = edge_sets
    weights_bytes, config_json = Trainer(CNN, TrainConfig(), train, validation).save()
    tensors = safetensors.torch.load(weights_bytes)
    wrong_shape = {**tensors, "blocks.0.convolution.weight": torch.zeros(4, 1, 5, 5)}
    with pytest.raises(ValueError, match=r"'blocks\.0\.convolution\.weight' has shape \(4, 1, 5, 5\)"):
        load(safetensors.torch.save(wrong_shape), config_json)
    wrong_dtype = {**tensors, "head.1.bias": tensors["head.1.bias"].double()}
    with pytest.raises(ValueError, match=r"'head\.1\.bias' has dtype torch\.float64"):
        load(safetensors.torch.save(wrong_dtype), config_json)
    with pytest.raises(ValueError, match="lack"):
        load(safetensors.torch.save({k: v for k, v in tensors.items() if k != "head.1.bias"}), config_json)
    with pytest.raises(ValueError, match="extra"):
        load(safetensors.torch.save({**tensors, "extra": torch.zeros(1)}), config_json)
    with pytest.raises(ValueError, match="safetensors"):
        load(b"not a safetensors file", config_json)
    with pytest.raises(ValueError, match="JSON"):
        load(weights_bytes, "{nope")
    other = json.dumps(CNNConfig(input_size=(12, 12), num_classes=4, conv_blocks=1, filters=(6,)).to_json())
    with pytest.raises(ValueError, match="shape"):
        load(weights_bytes, other)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("batch_size", 0),
        ("epochs", 1.5),
        ("learning_rate", -0.1),
        ("learning_rate", float("nan")),
        ("optimizer", "rmsprop"),
        ("patience", -1),
        ("min_delta", -1.0),
        ("early_stopping", "yes"),
        ("seed", True),
        ("augment", {"rotation_degrees": 10}),
    ],
)
def test_train_config_rejects_bad_values(setting, value):
    with pytest.raises(ValueError, match=setting):
        TrainConfig(**{setting: value})


def test_trainer_rejects_data_that_does_not_fit_the_model(edge_sets):
    train, validation = edge_sets
    with pytest.raises(ValueError, match="num_classes=10"):
        Trainer(CNNConfig(input_size=(12, 12), conv_blocks=1, filters=(4,)), TrainConfig(), train, validation)
    with pytest.raises(ValueError, match=r"\(28, 28, 1\)"):
        Trainer(CNNConfig(num_classes=4), TrainConfig(), train, validation)
    trainer = Trainer(CNN, TrainConfig(), train, validation)
    with pytest.raises(ValueError, match="max_batches"):
        trainer.run_steps(max_batches=0)
