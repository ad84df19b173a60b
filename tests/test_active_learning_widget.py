"""The widgets' callbacks, driven as a reader would, without a browser."""

import re

import numpy as np
import pytest

from mlbook import active_learning as al
from mlbook import active_learning_widget as alw


@pytest.fixture
def loop():
    X, y, images = al.load_seed_digits()
    return alw.LiveLoop(al.ActiveLearner(X, y, n_labeled=40), images, per_round=5)


def test_shows_the_most_uncertain_digits(loop):
    assert loop.asked.tolist() == [128, 64, 202, 171, 71]  # the notes' first round
    assert len(loop.queries.children) == 5
    assert len(loop.inputs) == 5
    assert bytes(loop.curve.value)[:4] == bytes(loop.confusion.value)[:4] == b"\x89PNG"


def test_oracle_then_retrain_improves_and_asks_new_digits(loop):
    first = loop.asked.copy()
    loop.on_oracle()
    assert [b.value for b in loop.inputs] == [str(v) for v in loop.learner.y_true[first]]
    loop.on_retrain()
    assert "Learnt 5 labels:" in loop.message.value
    assert loop.learner.n_labeled == 45
    assert not set(first) & set(loop.asked)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (["", "", "", "", ""], "Nothing to learn"),
        (["7", "x", "", "", ""], "Not a digit"),
        (["12", "", "", "", ""], "Not a digit"),
    ],
)
def test_bad_labels_show_a_message_and_lose_nothing(loop, typed, message):
    asked, labels_before = loop.asked.copy(), loop.learner.y_partial.copy()
    for box, text in zip(loop.inputs, typed):
        box.value = text
    loop.on_retrain()
    assert message in loop.message.value
    assert np.array_equal(loop.learner.y_partial, labels_before)
    assert np.array_equal(loop.asked, asked)
    assert [b.value for b in loop.inputs] == typed  # the reader's typing stays


def test_a_partial_labelling_is_accepted(loop):
    loop.inputs[0].value = str(loop.learner.y_true[loop.asked[0]])
    loop.on_retrain()
    assert loop.learner.n_labeled == 41
    assert "Learnt 1 label:" in loop.message.value


def test_the_status_line_shows_the_labelled_count_and_current_accuracy(loop):
    assert "mlbook-live-status" in loop.status._dom_classes
    assert "40 labelled digits" in loop.status.value
    assert alw.percent(loop.learner.history[-1][1]) in loop.status.value
    loop.inputs[0].value = str(loop.learner.y_true[loop.asked[0]])
    loop.on_retrain()
    after = loop.learner.history[-1][1]
    assert "41 labelled digits" in loop.status.value
    assert f"accuracy {alw.percent(after)}" in loop.status.value
    assert f"→ {alw.percent(after)}" in loop.message.value  # the message's "after" value


def test_a_bad_label_leaves_the_status_line_and_the_typing(loop):
    loop.on_oracle()
    loop.on_retrain()
    status, n_labeled = loop.status.value, loop.learner.n_labeled
    loop.inputs[0].value = "x"
    loop.on_retrain()
    assert "Not a digit" in loop.message.value
    assert "box 1" in loop.message.value
    assert loop.status.value == status
    assert "45 labelled digits" in status
    assert loop.learner.n_labeled == n_labeled == 45
    assert loop.inputs[0].value == "x"


def test_the_parts_a_browser_test_finds_carry_css_classes(loop):
    parts = {
        "mlbook-live-message": loop.message,
        "mlbook-live-curve": loop.curve,
        "mlbook-live-confusion": loop.confusion,
        "mlbook-live-retrain": loop.retrain_button,
        "mlbook-live-oracle": loop.oracle_button,
    }
    for name, part in parts.items():
        assert name in part._dom_classes
    assert all("mlbook-live-label" in box._dom_classes for box in loop.inputs)


def test_message_escapes_what_was_typed(loop):
    loop.inputs[0].value = "<b>"
    loop.on_retrain()
    assert "<b>" not in loop.message.value.replace("<span", "")


def test_undo_reset_and_per_round(loop):
    loop.on_oracle()
    loop.on_retrain()
    loop.on_undo()
    assert loop.learner.n_labeled == 40
    assert "Took back" in loop.message.value
    loop.on_undo()
    assert "Nothing to undo" in loop.message.value
    loop.per_round.value = 3
    assert len(loop.inputs) == 3
    loop.on_oracle()
    loop.on_retrain()
    loop.on_reset()
    assert loop.learner.n_labeled == 40


def test_static_player_links_play_slider_and_stack():
    X, y, images = al.load_seed_digits()
    rounds = al.run_rounds(X, y, 40, 3, 5)
    player = alw.static_player(rounds, images)
    controls, said, stack = player.children
    play, slider = controls.children
    assert len(stack.children) == len(said.children) == 3
    assert "mlbook-frames-said" in said._dom_classes  # the page announces it
    assert (play.min, play.max) == (0, 2)
    # the reader sees rounds 1 to 3, as the panels' headings number them
    assert slider.description == "Round"
    assert slider.readout
    assert [label for label, _ in slider.options] == ["1 of 3", "2 of 3", "3 of 3"]
    assert slider.label == "1 of 3"
    assert slider.index == 0
    # jslinks live in the widget registry, linking play→slider→stack in the browser
    from ipywidgets.widgets.widget import _instances

    links = [w for w in _instances.values() if type(w).__name__ == "Link"]
    pairs = {(k.source[0].model_id, k.source[1], k.target[0].model_id, k.target[1]) for k in links}
    assert (play.model_id, "value", slider.model_id, "index") in pairs
    assert (slider.model_id, "index", stack.model_id, "selected_index") in pairs
    assert (slider.model_id, "index", said.model_id, "selected_index") in pairs


def test_static_player_headings_number_the_rounds_and_the_last_asks_nothing_next():
    X, y, images = al.load_seed_digits()
    rounds = al.run_rounds(X, y, 40, 3, 5)
    _, said, _ = alw.static_player(rounds, images).children
    headings = [heading.value for heading in said.children]
    for k, heading in enumerate(headings, start=1):
        assert heading.startswith(f"<b>Round {k} of 3</b>")
    assert all("the model asks about next" in h for h in headings[:-1])
    assert "asks about next" not in headings[-1]
    assert "last round" in headings[-1]
    assert "label(s)" not in "".join(headings)
    assert "np.float" not in "".join(headings)


def test_the_player_shows_the_confusion_matrix_as_a_table_of_counts():
    X, y, _ = al.load_seed_digits()
    rounds = al.run_rounds(X, y, 40, 1, 5)
    table = alw.confusion_html(rounds[0].confusion, "Round 1: confusion")
    cells = re.findall(r"<td[^>]*>(\d+)</td>", table)
    assert [int(c) for c in cells] == rounds[0].confusion.ravel().tolist()
    assert table.count('<th scope="row"') == 10
    assert table.count('<th scope="col"') == 10
    assert "<caption" in table
    assert "<img" not in table  # text, readable at the page's size


def test_the_curve_counts_labelled_digits_in_whole_numbers():
    import matplotlib.pyplot as plt

    fig = alw.curve_figure([(40, 0.87), (41, 0.88)])  # one label taught: 40.2 was a tick
    ticks = fig.axes[0].get_xticks()
    plt.close(fig)
    assert len(ticks) >= 2
    assert np.allclose(ticks, np.round(ticks))


def test_the_curve_png_is_shown_at_its_own_size():
    png = alw.figure_png(alw.curve_figure([(40, 0.8), (45, 0.85)]))
    width, height = alw.png_size(png)
    html = alw.png_html(png, "curve").value
    assert f'width="{width}" height="{height}"' in html
    assert "max-width: 100%" in html


def test_static_player_images_have_alt_text():
    X, y, images = al.load_seed_digits()
    rounds = al.run_rounds(X, y, 40, 2, 5)
    _, _, stack = alw.static_player(rounds, images).children
    for i, panel in enumerate(stack.children):
        html = " ".join(c.value for c in _walk(panel) if hasattr(c, "value") and "<img" in c.value)
        assert html.count("<img") == 5 + 1  # the five digits asked, the accuracy curve
        assert html.count('alt="digit ') == 5
        assert html.count('alt="Round') == 1
        assert f"rounds 1 to {i + 1}" in html
        assert 'alt=""' not in html


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)
