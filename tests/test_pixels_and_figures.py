import numpy as np
import pytest

from explorer import figures, pixels
from explorer.images import sample_images

NOTES = sample_images()["notes-6x6"].pixels


def test_channels_of_the_notes_image_are_its_numbers():
    for name in pixels.CHANNELS:
        plane = pixels.channel(NOTES, name)
        assert plane.shape == (6, 6)
        assert plane[:3].max() == 0 and plane[3:].min() == 255


def test_colour_channels_pick_the_right_plane_and_tint_back():
    image = np.zeros((2, 2, 3), dtype=np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = 10, 20, 30
    assert pixels.channel(image, "green").tolist() == [[20, 20], [20, 20]]
    assert pixels.tint(pixels.channel(image, "blue"), "blue")[0, 0].tolist() == [0, 0, 30]
    assert pixels.tint(pixels.channel(image, "gray"), "gray")[0, 0].tolist() == [18, 18, 18]
    with pytest.raises(ValueError, match="alpha"):
        pixels.channel(image, "alpha")


@pytest.mark.parametrize(
    "top, left, size, expected",
    [
        (0, 0, 4, (0, 0, 4, 4)),
        (5, 5, 4, (2, 2, 4, 4)),  # moved back inside
        (1, 1, 50, (0, 0, 6, 6)),  # shrunk to the image
    ],
)
def test_clamp_window_keeps_the_window_inside(top, left, size, expected):
    window = pixels.clamp_window((6, 6), top, left, size)
    assert (window.top, window.left, window.height, window.width) == expected
    assert window.of(NOTES).shape[:2] == expected[2:]


def test_draw_window_outlines_without_touching_the_original():
    image = np.zeros((10, 10, 3), dtype=np.uint8)
    outlined = pixels.draw_window(image, pixels.Window(2, 2, 4, 4))
    assert image.max() == 0
    assert outlined[2, 3].tolist() == [255, 221, 0]  # on the box edge
    assert outlined[4, 4].tolist() == [0, 0, 0]  # inside untouched


def test_flatten_the_notes_image_gives_36_numbers_row_by_row():
    flat = pixels.flatten(NOTES, 6)
    assert flat.formula == "6 × 6 = 36"
    assert flat.vector.tolist() == [0] * 18 + [255] * 18
    assert flat.neighbours(2, 3) == {"cell": 15, "above": 9, "below": 21, "left": 14, "right": 16}
    assert flat.neighbours(0, 0) == {"cell": 0, "below": 6, "right": 1}


def test_flatten_shrinks_large_images():
    flat = pixels.flatten(sample_images()["china"].pixels, 8)
    assert max(flat.grid.shape) == 8 and flat.vector.size == flat.grid.size


def test_value_grid_writes_the_values_and_keeps_image_coordinates():
    figure = figures.value_grid(NOTES[:, :, 0], row_offset=10, col_offset=20, highlight=[(0, 0)])
    heatmap = figure.data[0]
    assert np.array_equal(heatmap.z, NOTES[:, :, 0])
    assert list(heatmap.y) == list(range(10, 16)) and list(heatmap.x) == list(range(20, 26))
    assert heatmap.texttemplate == "%{z}"
    assert tuple(figure.layout.yaxis.range) == (15.5, 9.5)  # row 0 at the top, as in a picture
    assert figure.layout.shapes[0].x0 == 19.5


def test_value_grid_stops_writing_numbers_when_there_are_too_many():
    assert figures.value_grid(np.zeros((30, 30))).data[0].texttemplate is None


def test_vector_strip_marks_the_neighbours():
    flat = pixels.flatten(NOTES, 6)
    figure = figures.vector_strip(flat.vector, highlight=flat.neighbours(2, 3))
    assert np.array_equal(figure.data[0].z[0], flat.vector)
    assert [a.text for a in figure.layout.annotations] == ["cell", "above", "below", "left", "right"]


def test_signed_grid_centres_zero_and_boxes_get_their_colours():
    values = np.array([[0.0, -1020.0], [510.0, 0.0]])
    figure = figures.value_grid(
        values, signed=True, boxes=[figures.Box(0, 0, 2, 1, color=figures.BOX_COLORS[1], label="A")]
    )
    heatmap = figure.data[0]
    assert (heatmap.zmin, heatmap.zmax) == (-1020.0, 1020.0)
    assert figure.layout.shapes[0].line.color == figures.BOX_COLORS[1]
    assert (figure.layout.shapes[0].y0, figure.layout.shapes[0].y1) == (-0.5, 1.5)
    assert figure.layout.annotations[0].text == "A"
