"""Tests for explorer.datasets: the built-in sets, splitting, and a corpus of good and bad zips built here."""

from __future__ import annotations

import io
import re
import stat
import zipfile

import numpy as np
import pytest

from explorer.datasets import (
    EDGE_CLASSES,
    SHAPE_CLASSES,
    DatasetError,
    ImageDataset,
    ZipLoadResult,
    _read_member,
    digits,
    edges,
    from_zip,
    shapes,
)
from explorer.images import encode_png

# Words that would mean Python's own text reached the user.
JARGON = ("Traceback", "Errno", "BadZipFile", "zipfile", "Exception", "None")


def png(value: int, size: int = 12) -> bytes:
    """A small RGB PNG filled with ``value``."""
    return encode_png(np.full((size, size, 3), value, dtype=np.uint8))


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Zip bytes holding ``members`` (name -> content), names written as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            if name.endswith("/"):
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def good_members(prefix: str = "") -> dict[str, bytes]:
    """Two classes, three images of cats (dark) and two of dogs (light)."""
    members = {f"{prefix}cats/{i}.png": png(20 + i) for i in range(3)}
    members.update({f"{prefix}dogs/{i}.png": png(220 + i) for i in range(2)})
    return members


def assert_plain_sentence(message: str, *words: str) -> None:
    """A capitalised sentence ending in a full stop, naming ``words``, free of Python jargon."""
    assert re.match(r"^[A-Z]", message), message
    assert message.endswith("."), message
    assert not any(word in message for word in JARGON), message
    for word in words:
        assert word.lower() in message.lower(), (word, message)


def refusal(data: bytes, **options: object) -> str:
    """The message of the DatasetError ``from_zip`` raises for ``data``."""
    with pytest.raises(DatasetError) as caught:
        from_zip(data, **options)
    return str(caught.value)


# --- built-in datasets -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digit_set() -> ImageDataset:
    return digits()


def test_digits_are_the_1797_scikit_learn_digits(digit_set):
    assert digit_set.images.shape == (1797, 28, 28, 1)
    assert digit_set.images.dtype == np.float32 and digit_set.labels.dtype == np.int64
    assert digit_set.images.min() >= 0.0 and digit_set.images.max() <= 1.0
    assert digit_set.images.max() == pytest.approx(1.0)
    assert digit_set.class_names == tuple("0123456789")
    assert sum(digit_set.class_counts().values()) == 1797


def test_digits_match_the_originals_when_not_enlarged():
    from sklearn.datasets import load_digits

    small = digits(size=8)
    np.testing.assert_allclose(small.images[..., 0], load_digits().images / 16.0, atol=1e-6)


@pytest.mark.parametrize(
    ("build", "classes", "shape"),
    [(edges, EDGE_CLASSES, (28, 28, 1)), (shapes, SHAPE_CLASSES, (32, 32, 3))],
)
def test_generated_sets_are_balanced_and_in_range(build, classes, shape):
    dataset = build(30)
    assert dataset.images.shape == (30 * len(classes), *shape)
    assert dataset.images.dtype == np.float32 and dataset.labels.dtype == np.int64
    assert dataset.images.min() >= 0.0 and dataset.images.max() <= 1.0
    assert dataset.class_names == classes
    assert dataset.class_counts() == dict.fromkeys(classes, 30)


@pytest.mark.parametrize("build", [edges, shapes])
def test_generated_sets_depend_only_on_the_seed(build):
    first, again, other = build(10, seed=3), build(10, seed=3), build(10, seed=4)
    np.testing.assert_array_equal(first.images, again.images)
    np.testing.assert_array_equal(first.labels, again.labels)
    assert not np.array_equal(first.images, other.images)


def test_generated_sets_take_a_size():
    assert edges(2, size=16).images.shape == (8, 16, 16, 1)
    assert shapes(2, size=20).images.shape == (10, 20, 20, 3)


def test_edges_change_brightness_across_their_direction_only():
    """Horizontal edges vary down the columns, vertical ones along the rows (before noise)."""
    dataset = edges(50, seed=1)
    means = dataset.images[..., 0]  # (N, H, W)
    row_spread = means.mean(axis=2).std(axis=1)  # (N,) how much row averages differ
    col_spread = means.mean(axis=1).std(axis=1)  # (N,) how much column averages differ
    horizontal = dataset.labels == EDGE_CLASSES.index("horizontal")
    vertical = dataset.labels == EDGE_CLASSES.index("vertical")
    assert np.all(row_spread[horizontal] > col_spread[horizontal])
    assert np.all(col_spread[vertical] > row_spread[vertical])


def test_shapes_stand_out_from_their_background():
    dataset = shapes(20)
    spread = dataset.images.reshape(len(dataset), -1, 3).max(axis=1) - dataset.images.reshape(
        len(dataset), -1, 3
    ).min(axis=1)  # (N, 3) brightest minus darkest per channel
    assert np.all(spread.max(axis=1) > 0.25)


@pytest.mark.parametrize(
    ("call", "value"),
    [
        (lambda: digits(size=0), "0"),
        (lambda: edges(0), "0"),
        (lambda: edges(5, size=2), "2"),
        (lambda: shapes(-1), "-1"),
    ],
)
def test_bad_options_are_named(call, value):
    with pytest.raises(ValueError, match=re.escape(value)):
        call()


# --- ImageDataset ------------------------------------------------------------------------------


def test_split_is_stratified_disjoint_and_complete():
    dataset = edges(25, seed=2)  # 100 images, 25 per class
    train, validation = dataset.split(0.2, seed=5)
    assert validation.class_counts() == dict.fromkeys(EDGE_CLASSES, 5)
    assert train.class_counts() == dict.fromkeys(EDGE_CLASSES, 20)
    # Images are random and noisy, so each one is unique: use them as identities.
    train_rows = {image.tobytes() for image in train.images}
    validation_rows = {image.tobytes() for image in validation.images}
    assert not train_rows & validation_rows
    assert train_rows | validation_rows == {image.tobytes() for image in dataset.images}
    assert train.name.endswith("(train)") and validation.name.endswith("(validation)")


def test_split_keeps_proportion_for_unequal_classes(digit_set):
    train, validation = digit_set.split(0.25, seed=0)
    for name, count in digit_set.class_counts().items():
        assert validation.class_counts()[name] == int(np.floor(count * 0.25 + 0.5))
        assert train.class_counts()[name] + validation.class_counts()[name] == count


def test_split_is_deterministic_and_depends_on_the_seed():
    dataset = edges(10)
    first, again, other = dataset.split(seed=1), dataset.split(seed=1), dataset.split(seed=2)
    np.testing.assert_array_equal(first[1].images, again[1].images)
    np.testing.assert_array_equal(first[0].labels, again[0].labels)
    assert not np.array_equal(first[1].images, other[1].images)


def test_split_without_shuffle_keeps_order():
    dataset = edges(10)
    train, validation = dataset.split(0.2, shuffle=False)
    np.testing.assert_array_equal(validation.images[:2], dataset.images[8:10])
    assert np.all(np.diff(train.labels) >= 0)


@pytest.mark.parametrize("validation", [0, 1, 1.5, -0.1])
def test_split_refuses_a_share_outside_0_1(validation):
    with pytest.raises(ValueError, match=re.escape(str(validation))):
        edges(5).split(validation)


def test_sample_is_deterministic_distinct_and_in_range():
    dataset = edges(5)
    picked = dataset.sample(9, seed=7)
    assert picked == dataset.sample(9, seed=7)
    assert picked != dataset.sample(9, seed=8)
    assert len(set(picked)) == 9 and all(isinstance(i, int) and 0 <= i < 20 for i in picked)
    with pytest.raises(ValueError, match="21"):
        dataset.sample(21)


def test_dataset_refuses_wrong_arrays():
    images = np.zeros((2, 4, 4, 1), dtype=np.float32)
    with pytest.raises(ValueError, match="float64"):
        ImageDataset(images.astype(np.float64), np.zeros(2, np.int64), ("a", "b"), "x")
    with pytest.raises(ValueError, match=re.escape("0..1")):
        ImageDataset(images + 2, np.zeros(2, np.int64), ("a", "b"), "x")
    with pytest.raises(ValueError, match=re.escape("0..1")):
        ImageDataset(images, np.array([0, 5], np.int64), ("a", "b"), "x")


# --- from_zip: good zips -----------------------------------------------------------------------


def test_a_good_zip_gives_one_class_per_folder():
    result = from_zip(make_zip(good_members()), target_size=(16, 8))
    assert isinstance(result, ZipLoadResult)
    dataset = result.dataset
    assert dataset.class_names == ("cats", "dogs")
    assert dataset.images.shape == (5, 16, 8, 3) and dataset.images.dtype == np.float32
    assert dataset.class_counts() == {"cats": 3, "dogs": 2}
    assert np.all(dataset.images[dataset.labels == 0] < 0.2)
    assert np.all(dataset.images[dataset.labels == 1] > 0.8)
    assert result.skipped == []


def test_a_wrapper_folder_is_stepped_into():
    members = {"train/": b"", "train/cats/": b"", "train/dogs/": b"", **good_members("train/")}
    result = from_zip(make_zip(members))
    assert result.dataset.class_names == ("cats", "dogs")
    assert any("train" in note for note in result.notes)
    assert result.dataset.images.shape == (5, 64, 64, 3)


def test_grayscale_gives_one_channel():
    dataset = from_zip(make_zip(good_members()), target_size=(10, 10), color_mode="grayscale").dataset
    assert dataset.images.shape == (5, 10, 10, 1)


def test_system_files_are_ignored_with_a_note():
    members = {**good_members(), "__MACOSX/cats/._0.png": b"junk", "cats/.DS_Store": b"junk"}
    result = from_zip(make_zip(members))
    assert result.dataset.class_counts() == {"cats": 3, "dogs": 2}
    assert result.skipped == []
    assert any("system file" in note for note in result.notes)


def test_non_image_files_are_skipped_with_a_reason():
    members = {**good_members(), "cats/notes.txt": b"hello", "labels.csv": b"a,b"}
    result = from_zip(make_zip(members))
    assert result.dataset.class_counts() == {"cats": 3, "dogs": 2}
    assert any(line.startswith("cats/notes.txt: not an image file") for line in result.skipped)
    assert any(line.startswith("labels.csv: not inside a class folder") for line in result.skipped)


def test_unreadable_images_are_skipped_and_readable_ones_kept():
    members = {**good_members(), "dogs/broken.png": b"\x89PNG\r\n\x1a\n not really", "dogs/empty.jpg": b""}
    result = from_zip(make_zip(members))
    assert result.dataset.class_counts() == {"cats": 3, "dogs": 2}
    reasons = dict(line.split(": ", 1) for line in result.skipped)
    assert set(reasons) == {"dogs/broken.png", "dogs/empty.jpg"}
    for reason in reasons.values():
        assert_plain_sentence(reason)


def test_symlinks_are_skipped_not_followed():
    buffer = io.BytesIO(make_zip(good_members()))
    with zipfile.ZipFile(buffer, "a") as archive:
        link = zipfile.ZipInfo("cats/link.png")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    result = from_zip(buffer.getvalue())
    assert result.dataset.class_counts() == {"cats": 3, "dogs": 2}
    assert result.skipped == ["cats/link.png: a symbolic link, which is never followed."]


def test_a_folder_without_readable_images_is_left_out_with_a_note():
    members = {**good_members(), "birds/": b"", "fish/readme.txt": b"x"}
    result = from_zip(make_zip(members))
    assert result.dataset.class_names == ("cats", "dogs")
    assert any("'birds'" in note for note in result.notes)
    assert any("'fish'" in note for note in result.notes)


# --- from_zip: refused zips --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", ["empty"]),
        (b"these are not the bytes of a zip file at all", ["not a zip"]),
        (png(0), ["not a zip"]),
        (make_zip({}), ["empty"]),
        (make_zip({"cats/": b"", "dogs/": b""}), ["empty"]),
        (make_zip({"cats/a.txt": b"a", "dogs/b.txt": b"b"}), ["no images"]),
        (make_zip({"cats/0.png": png(0), "cats/1.png": png(9)}), ["only one class", "'cats'", "two classes"]),
        (
            make_zip({**good_members(), "dogs/puppies/0.png": png(1)}),
            ["folders inside", "dogs/puppies/0.png"],
        ),
        (make_zip({**good_members(), "../evil.png": png(1)}), ["outside", "../evil.png", "nothing was read"]),
        (make_zip({**good_members(), "cats/../../evil.png": png(1)}), ["outside"]),
        (make_zip({**good_members(), "/etc/evil.png": png(1)}), ["absolute", "/etc/evil.png"]),
        (make_zip({**good_members(), "C:\\evil.png": png(1)}), ["absolute"]),
    ],
    ids=[
        "empty-bytes",
        "text",
        "png",
        "empty-zip",
        "only-folders",
        "no-images",
        "single-class",
        "nested",
        "traversal",
        "traversal-inside",
        "absolute",
        "drive-letter",
    ],
)
def test_bad_zips_are_refused_with_a_plain_sentence(data, words):
    assert_plain_sentence(refusal(data), *words)


def test_train_and_test_folders_count_as_nesting():
    members = {**good_members("train/"), **good_members("test/")}
    assert_plain_sentence(refusal(make_zip(members)), "folders inside", "one folder per class")


def test_too_many_files_is_refused():
    assert_plain_sentence(refusal(make_zip(good_members()), max_files=4), "5 files", "limit is 4")
    assert from_zip(make_zip(good_members()), max_files=5).dataset.images.shape[0] == 5


@pytest.fixture(scope="module")
def zeros_zip() -> bytes:
    """Good images plus a 50 MB member of zeros, deflated to about 50 kB (ratio ~1000)."""
    members = {**good_members(), "cats/zeros.bmp": bytes(50_000_000)}
    return make_zip(members)


def test_declared_size_over_the_limit_is_refused(zeros_zip):
    message = refusal(zeros_zip, max_total_bytes=10_000_000, max_compression_ratio=10_000)
    assert_plain_sentence(message, "unpack to 50.0 MB", "limit is 10.0 MB")


def test_extreme_compression_is_refused(zeros_zip):
    assert_plain_sentence(refusal(zeros_zip), "cats/zeros.bmp", "100 times")


def test_a_member_lying_about_its_size_is_stopped_while_reading(zeros_zip):
    """Headers that claim tiny sizes pass the declared checks; counting the bytes read catches them."""
    data = bytearray(zeros_zip)
    with zipfile.ZipFile(io.BytesIO(zeros_zip)) as archive:
        info = archive.getinfo("cats/zeros.bmp")
    # Rewrite the declared size in the central directory (the one zipfile trusts) to 1,000 bytes.
    directory_entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"cats/zeros.bmp"))
    size_field = directory_entry + 24
    assert int.from_bytes(data[size_field : size_field + 4], "little") == info.file_size
    data[size_field : size_field + 4] = (1_000).to_bytes(4, "little")
    result = from_zip(bytes(data), max_total_bytes=2_000_000)
    # zipfile stops at the declared size and the CRC then fails: skipped, never 50 MB in memory.
    assert result.dataset.class_counts() == {"cats": 3, "dogs": 2}
    assert any(line.startswith("cats/zeros.bmp:") for line in result.skipped)


def test_bytes_read_are_counted_against_the_limit():
    """zipfile itself stops at the declared size, so the running count is checked on its own."""
    noise = np.random.default_rng(0).integers(0, 256, 100_000, dtype=np.uint8).tobytes()
    archive = zipfile.ZipFile(io.BytesIO(make_zip({"cats/noise.bmp": noise}, zipfile.ZIP_STORED)))
    info = archive.getinfo("cats/noise.bmp")
    with pytest.raises(DatasetError) as caught:
        _read_member(archive, info, 50_000, 50_000, 100.0)
    assert_plain_sentence(str(caught.value), "more than 50,000 bytes", "limit")
    assert _read_member(archive, info, 100_000, 100_000, 100.0) == noise


def test_the_byte_limit_counts_every_file_together():
    big = np.random.default_rng(0).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    data = make_zip({**good_members(), "cats/big.png": encode_png(big)}, compression=zipfile.ZIP_STORED)
    declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert_plain_sentence(refusal(data, max_total_bytes=declared - 1), "limit")
    assert from_zip(data, max_total_bytes=declared).dataset.class_counts() == {"cats": 4, "dogs": 2}


@pytest.mark.parametrize(
    ("options", "value"),
    [
        ({"target_size": (0, 5)}, "0"),
        ({"target_size": (5,)}, "(5,)"),
        ({"color_mode": "cmyk"}, "cmyk"),
        ({"max_files": 0}, "0"),
        ({"max_total_bytes": -5}, "-5"),
    ],
)
def test_bad_options_are_value_errors_not_dataset_errors(options, value):
    with pytest.raises(ValueError, match=re.escape(value)) as caught:
        from_zip(make_zip(good_members()), **options)
    assert not isinstance(caught.value, DatasetError)
