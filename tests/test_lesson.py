"""The lesson's steps as data: chapters in the notes' order, valid pages and well-formed links."""

from urllib.parse import parse_qsl, urlsplit

import pytest

import ui
from explorer import lesson
from explorer.lesson import CHAPTERS, PRESENTER, STEPS

NOTES_ORDER = [
    "images and pixels",
    "flatten",
    "edge detection",
    "what convolution is",
    "padding, strides and pooling",
    "rgb",
    "activation functions",
    "embedding",
    "augmentation",
    "early stopping",
    "vgg16",
    "batch normalization",
]
URL_PATHS = {page.url_path for page in ui.CONCEPT_PAGES}


def test_the_twelve_chapters_follow_the_notes_order():
    assert len(CHAPTERS) == 12
    for chapter, words in zip(CHAPTERS, NOTES_ORDER, strict=True):
        assert words in chapter.lower()


def test_every_chapter_has_a_step_and_the_steps_keep_the_chapter_order():
    order = [CHAPTERS.index(step.chapter) for step in STEPS]
    assert order == sorted(order)
    assert set(order) == set(range(12))
    assert 14 <= lesson.step_count() <= 20
    assert [numbers for _, numbers in lesson.chapters()] == [
        [n for n, step in enumerate(STEPS, 1) if step.chapter == chapter] for chapter in CHAPTERS
    ]


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_every_step_is_complete_and_opens_a_concept_page(number):
    step = lesson.get_step(number)
    assert step.url_path in URL_PATHS
    for text in (step.title, step.explain, step.point_at, step.question, step.answer):
        assert text.strip() and "  " not in text
    assert step.question.endswith("?")
    assert 2 <= step.explain.count(". ") + 1 <= 5  # two to four plain sentences
    assert step.controls, "presenter view would hide every control"
    assert lesson.LESSON_PARAM not in step.query and lesson.PRESENTER_PARAM not in step.query


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_deep_links_are_well_formed(number):
    step = lesson.get_step(number)
    for presenter in (False, True):
        link = lesson.deep_link(number, presenter=presenter)
        parts = urlsplit(link)
        assert parts.path == f"/{step.url_path}" and not parts.scheme and not parts.fragment
        query = dict(parse_qsl(parts.query, strict_parsing=True))
        assert query == lesson.step_query(number, presenter=presenter)
        assert query[lesson.LESSON_PARAM] == str(number)
        assert (query.get(lesson.PRESENTER_PARAM) == "true") is presenter
        assert all(value and value == value.strip() for value in query.values())


def test_the_notes_worked_examples_are_in_the_steps():
    text = " ".join(step.explain for step in STEPS)
    for example in (
        "0, −1020, −1020, 0",
        "6 − 3 + 2 + 1 = 6",
        "(6 − 3) / 2 + 1 = 2.5",
        "500 × 500",
        "250 × 250",
        "6 × 6 × 3",
        "4 × 4 × 4",
        "2 × 2 × 3",
        "4 × 9 × 5 = 180",
        "138 million",
        "6 × 6 = 36",
        "validation_split = 0.2",
    ):
        assert example in text, example


def test_previous_and_next_at_both_ends_and_in_the_middle():
    last = lesson.step_count()
    assert lesson.neighbours(1) == (None, 2)
    assert lesson.neighbours(last) == (last - 1, None)
    assert lesson.neighbours(5) == (4, 6)


@pytest.mark.parametrize("raw", ["0", "-1", "999", "abc", "", "2.5", " ", "1e1"])
def test_bad_step_numbers_are_refused_by_name(raw):
    with pytest.raises(ValueError, match="step"):
        lesson.parse_step(raw)
    assert lesson.parse_step(" 3 ") == 3


def test_get_step_and_neighbours_refuse_steps_outside_the_lesson():
    for number in (0, lesson.step_count() + 1):
        with pytest.raises(ValueError, match=str(number)):
            lesson.get_step(number)
        with pytest.raises(ValueError):
            lesson.neighbours(number)


def test_step_labels_name_the_chapter_and_title():
    assert lesson.step_label(4) == f"4 · {STEPS[3].chapter} — {STEPS[3].title}"


def test_presenter_colours_meet_seven_to_one():
    for colour in (PRESENTER.text, PRESENTER.muted, PRESENTER.link, PRESENTER.accent):
        assert lesson.contrast_ratio(colour, PRESENTER.background) >= 7


def test_contrast_ratio_matches_known_values():
    assert lesson.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert lesson.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert lesson.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    with pytest.raises(ValueError, match="#12345"):
        lesson.contrast_ratio("#12345", "#ffffff")
