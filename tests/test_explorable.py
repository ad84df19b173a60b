"""The frames player (mlbook.explorable) on a toy figure: a line whose slope the slider moves."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from mlbook import explorable as ex

SLOPES = (0.5, 1.0, 2.0)


def toy(slope: float, figsize=(3, 2)):
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot([0, 1], [0, slope])
    ax.set(title=f"slope {slope}", xlabel="x", ylabel="y", ylim=(0, 2))
    return fig


def player(**kw):
    args = {
        "frames": [toy(s) for s in SLOPES],
        "labels": [str(s) for s in SLOPES],
        "said": [f"slope {s}: y(1) = {s}" for s in SLOPES],
        "name": "slope",
        "description": "slope",
    }
    args.update(kw)
    return ex.frames_player(**args)


def parts(box):
    slider, said, figure = box.children
    return slider, said, figure


def test_the_slider_the_numbers_and_the_figure_are_linked_in_the_browser():
    import ipywidgets as w

    box = player(start=1)
    slider, said, figure = parts(box)
    assert isinstance(slider, w.SelectionSlider)
    assert slider.index == 1
    assert [label for label, _ in slider.options] == ["0.5", "1.0", "2.0"]
    assert said.selected_index == figure.selected_index == 1
    from ipywidgets.widgets.widget import _instances  # jslinks live in the registry

    links = {
        (k.source[0].model_id, k.source[1], k.target[0].model_id, k.target[1])
        for k in _instances.values()
        if type(k).__name__ == "Link"
    }
    assert (slider.model_id, "index", said.model_id, "selected_index") in links
    assert (slider.model_id, "index", figure.model_id, "selected_index") in links
    assert {"mlbook-frames", "mlbook-frames-name-slope"} <= set(box._dom_classes)


def test_each_frame_is_a_png_of_one_size_with_its_alt_text_and_its_numbers():
    open_before = set(plt.get_fignums())  # other tests' figures
    box = player()
    _, said, figure = parts(box)
    assert [c.value for c in said.children] == [f"<p>slope {s}: y(1) = {s}</p>" for s in SLOPES]
    sizes = set()
    for frame, s in zip(figure.children, SLOPES, strict=True):
        img = re.search(
            r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)" '
            r'width="(\d+)" height="(\d+)"',
            frame.value,
        )
        assert img, frame.value[:120]
        assert img.group(1) == f"slope {s}: y(1) = {s}"
        sizes.add((int(img.group(2)), int(img.group(3))))
    assert sizes == {(3 * ex.FRAME_DPI, 2 * ex.FRAME_DPI)}  # figsize x dpi, no tight box
    assert set(plt.get_fignums()) <= open_before  # the frames were closed


def test_the_frames_differ_so_moving_the_slider_changes_the_figure():
    _, _, figure = parts(player())
    assert len({frame.value for frame in figure.children}) == len(SLOPES)


def test_alt_texts_can_differ_from_the_numbers_and_html_is_escaped():
    _, said, figure = parts(player(alts=["a <b>", "b", "c"], said=["x < y", "y", "z"]))
    assert 'alt="a &lt;b&gt;"' in figure.children[0].value
    assert said.children[0].value == "<p>x &lt; y</p>"


def test_png_bytes_are_taken_as_they_are():
    from mlbook.plotting import compact_png  # noqa: F401  (the module frame_png uses)

    pngs = [ex.frame_png(toy(s)) for s in SLOPES]
    _, _, figure = parts(player(frames=pngs))
    assert all(len(p) > 100 for p in pngs)
    assert ex.png_size(pngs[0]) == (3 * ex.FRAME_DPI, 2 * ex.FRAME_DPI)
    assert len(figure.children) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"frames": [], "labels": [], "said": []}, "at least one frame; it was given none"),
        ({"labels": ["a", "b"]}, "3 frames but 2 labels"),
        ({"said": ["a"]}, "3 frames but 1 lines of numbers"),
        ({"alts": ["a", "b", "c", "d"]}, "3 frames but 4 alt texts"),
        ({"labels": ["a", "a", "b"]}, "labels must differ; repeated: ['a']"),
        ({"name": "Tree depth"}, "goes in the page's address"),
        ({"start": 3}, "start=3 is not a position: 0 to 2"),
        ({"frames": [b"GIF89a" + bytes(30)] * 3}, "not a PNG image"),
    ],
)
def test_bad_input_is_refused_with_a_message_that_says_what_to_do(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        player(**change)
    plt.close("all")


def test_frames_of_different_sizes_are_refused():
    frames = [toy(0.5), toy(1.0, figsize=(4, 2)), toy(2.0)]
    with pytest.raises(ValueError, match=r"frame 2 is 320 x 160 px but frame 1 is 240 x 160"):
        player(frames=frames)
