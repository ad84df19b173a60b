"""The figure style's legibility check (what a reader can read at the displayed size)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlbook import plotting


@pytest.fixture(autouse=True)
def _book_style():
    plotting.use_book_style()
    yield
    plt.close("all")


def test_a_plain_book_figure_has_no_problem():
    fig, ax = plt.subplots()
    epochs = np.arange(1, 6)
    ax.plot(epochs, [0.5, 0.6, 0.7, 0.8, 0.9], marker="o", label="training")
    ax.set(title="Accuracy per epoch", xlabel="epoch", ylabel="accuracy")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="lower right")
    assert plotting.figure_problems(fig) == []


def test_a_figure_wider_than_the_column_has_small_text():
    fig, ax = plt.subplots(figsize=(16, 3))
    ax.plot([0, 1], [0, 1])
    ax.set(title="Too wide")
    (problem,) = plotting.figure_problems(fig)
    assert "smaller than 11 px" in problem
    assert plotting.displayed_px_per_inch(fig) < fig.dpi  # shrunk to the column


def test_the_displayed_scale_follows_the_png_up_to_the_column():
    fig, _ = plt.subplots(figsize=(4, 3))
    assert plotting.displayed_px_per_inch(fig) == pytest.approx(fig.dpi)


def test_overlapping_tick_labels_are_found():
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.set_xscale("log")
    ax.plot([1e-5, 1e2], [0, 1])
    ax.set_xticks([1e-5, 2e-5, 3e-5], ["1e-5", "2e-5", "3e-5"])
    assert any("x tick labels overlap" in p for p in plotting.figure_problems(fig))


def test_colliding_point_labels_are_found():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    assert any("texts overlap" in p for p in plotting.figure_problems(fig))


def test_a_legend_over_the_data_is_found_and_a_free_corner_is_not():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, 0.5 + 0 * x, label="flat line through the middle")
    ax.legend(loc="center")
    assert any("legend covers" in p for p in plotting.figure_problems(fig))
    ax.legend(loc="upper left")
    assert plotting.figure_problems(fig) == []


def test_fractional_epoch_ticks_are_found():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [0.1, 0.2, 0.3])
    ax.set(xlabel="epoch")
    assert any("fractional ticks" in p for p in plotting.figure_problems(fig))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    assert plotting.figure_problems(fig) == []


def test_plot_history_passes_the_check():
    fig, ax = plt.subplots()
    plotting.plot_history({"accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.4, 0.6, 0.7]}, ax=ax)
    assert plotting.figure_problems(fig) == []


def test_an_image_grid_fits_the_column_and_stays_legible():
    images = np.zeros((20, 28, 28))
    fig = plotting.plot_image_grid(images, [f"label {i % 10}" for i in range(20)], ncols=10)
    assert fig.get_figwidth() * fig.dpi <= plotting.COLUMN_PX
    assert plotting.figure_problems(fig) == []


def test_a_legend_over_a_line_between_its_points_is_found():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0.5, 0.5], label="two points, a line through the middle")
    ax.axvline(0.9, color="k", linestyle="--", label="threshold")
    ax.legend(loc="center")
    assert any("legend covers" in p for p in plotting.figure_problems(fig))
    ax.legend(loc="upper left")
    assert plotting.figure_problems(fig) == []


def test_a_figure_the_inline_backend_closed_is_still_checked():
    from matplotlib.backend_bases import FigureCanvasBase

    fig, ax = plt.subplots(figsize=(16, 3))
    ax.plot([0, 1], [0, 1])
    FigureCanvasBase(fig)  # what a figure has after matplotlib-inline showed and closed it
    assert any("smaller than 11 px" in p for p in plotting.figure_problems(fig))


def test_compact_png_is_smaller_and_looks_the_same():
    import io

    from PIL import Image

    fig, ax = plt.subplots()
    x = np.linspace(0, 10, 400)
    for k in range(5):
        ax.plot(x, np.sin(x + k), label=f"curve {k}")
    ax.legend(loc="upper right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    png = buf.getvalue()
    small = plotting.compact_png(png)
    assert len(small) < len(png)
    before = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    after = np.asarray(Image.open(io.BytesIO(small)).convert("RGB"), dtype=float)
    assert before.shape == after.shape
    assert np.abs(before - after).mean() < 2  # of 255: no visible change
