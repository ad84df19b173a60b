"""The widgets' callbacks, driven as a reader would, without a browser."""

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
    assert "Learnt 5 label(s)" in loop.message.value
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
    controls, stack = player.children
    play, slider = controls.children
    assert len(stack.children) == 3
    assert play.max == slider.max == 2
    # jslinks live in the widget registry, linking play→slider→stack in the browser
    from ipywidgets.widgets.widget import _instances

    links = [w for w in _instances.values() if type(w).__name__ == "Link"]
    pairs = {(k.source[0].model_id, k.source[1], k.target[0].model_id, k.target[1]) for k in links}
    assert (play.model_id, "value", slider.model_id, "value") in pairs
    assert (slider.model_id, "value", stack.model_id, "selected_index") in pairs


def test_static_player_images_have_alt_text():
    X, y, images = al.load_seed_digits()
    rounds = al.run_rounds(X, y, 40, 2, 5)
    _, stack = alw.static_player(rounds, images).children
    for i, panel in enumerate(stack.children):
        html = " ".join(c.value for c in _walk(panel) if hasattr(c, "value") and "<img" in c.value)
        assert html.count("<img") == 3
        assert html.count('alt="Round') == 1
        assert f"round {i + 1}" in html
        assert 'alt=""' not in html


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)
