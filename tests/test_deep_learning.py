import numpy as np
import pytest

from mlbook import deep_learning as dl
from mlbook import training
from mlbook.repro import seed_everything


def test_prepare_scales_and_subsets(tiny_digits):
    x, y = tiny_digits
    xs, ys = dl.prepare(x, y, size=100)
    assert xs.shape == (100, 28, 28)
    assert xs.dtype == np.float32
    assert 0.0 <= xs.min()
    assert xs.max() <= 1.0
    assert len(np.unique(ys)) == 10  # stratified: every class kept
    assert dl.prepare(x, y)[0].shape == x.shape


def test_prepare_rejects_wrong_shapes(tiny_digits):
    x, y = tiny_digits
    with pytest.raises(ValueError, match="expected images"):
        dl.prepare(x.reshape(len(x), -1), y)


def test_the_seed_model_has_one_hidden_layer():
    """The notes claim 'two hidden layers, each with 128 neurons'."""
    model = dl.build_mlp()
    assert len(dl.hidden_layers(model)) == 1
    assert model.count_params() == 784 * 128 + 128 + 128 * 10 + 10


def test_most_confident_mistakes_orders_by_confidence():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    y = np.array([0, 0, 1, 1])  # rows 1 and 2 are wrong (0.8 and 0.6 confident)
    assert dl.most_confident_mistakes(proba, y).tolist() == [1, 2]
    assert dl.most_confident_mistakes(proba, y, n=1).tolist() == [1]


@pytest.mark.slow  # trains three models
def test_seed_spread_depends_only_on_the_seed(tiny_digits):
    x, y = dl.prepare(*tiny_digits)
    kwargs = dict(epochs=2, batch_size=32, units=16)
    a = dl.seed_spread(x[:200], y[:200], x[200:], y[200:], seeds=(1, 2), **kwargs)
    b = dl.seed_spread(x[:200], y[:200], x[200:], y[200:], seeds=(2,), **kwargs)
    assert list(a) == [1, 2]
    assert all(0.0 <= v <= 1.0 for v in a.values())
    assert a[2] == b[2]  # same seed, same number, whatever ran before


def test_cosine_adam_decays_from_the_notes_rate_to_zero():
    import keras

    config = dl.cosine_adam(100).get_config()["learning_rate"]
    rate = keras.optimizers.schedules.deserialize(config)
    assert float(rate(0)) == pytest.approx(1e-3)
    assert float(rate(50)) == pytest.approx(5e-4)
    assert float(rate(100)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least 1"):
        dl.cosine_adam(0)


def test_steps_per_execution_changes_speed_not_the_result(tiny_digits):
    """Several steps per TensorFlow call give the same weights as one step per call.

    Several steps per call is build_mlp's default; the check includes an epoch whose
    length is not a multiple of it.
    """
    x, y = dl.prepare(*tiny_digits)
    weights = []
    for per_call in (1, dl.STEPS_PER_EXECUTION):
        seed_everything(0)
        model = dl.build_mlp(units=8, optimizer=dl.cosine_adam(3 * 10))
        model.compile(optimizer=model.optimizer, loss=model.loss, steps_per_execution=per_call)
        training.train(model, x[:300], y[:300], epochs=3, batch_size=32, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_full_profile_trains_as_the_notes_do():
    """The page says 'the notes' settings' in full: the table must agree with NOTES."""
    full = dl.SETTINGS["full"]
    assert full["train_size"] is None  # all of MNIST's training images
    assert (full["epochs"], full["batch_size"]) == (dl.NOTES["epochs"], dl.NOTES["batch_size"])
    assert dl.NOTES["train_size"] == 60_000


def test_accuracy_table_has_a_row_per_seed_and_percentages():
    styler = dl.accuracy_table(
        {"constant": {0: 0.9178, 1: 0.91821}, "falling": {0: 0.9061, 1: 0.9}}
    )
    assert list(styler.data.index) == [0, 1]
    assert styler.data.index.name == "seed"
    html = styler.to_html()
    for shown in ("91.78 %", "91.82 %", "90.00 %"):
        assert shown in html
    assert "0.9178" not in html


def test_softmax_is_a_distribution_and_ignores_shifts():
    z = np.array([[2.0, 1.0, 0.0], [1000.0, 0.0, -1000.0]])  # the second would overflow exp
    p = dl.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], np.exp([2, 1, 0]) / np.exp([2, 1, 0]).sum())
    np.testing.assert_allclose(dl.softmax(z + 5.0), p)
    assert dl.cross_entropy(p[:1], np.array([0])) == pytest.approx(-np.log(p[0, 0]))


def test_hand_softmax_and_cross_entropy_match_keras(tiny_digits):
    import keras

    x, y = dl.prepare(*tiny_digits)
    seed_everything(0)
    model = dl.build_mlp(units=8)
    probs_hand = dl.softmax(dl.mlp_logits(model, x[:50]))
    probs_keras = model.predict(x[:50], verbose=0)
    np.testing.assert_allclose(probs_hand, probs_keras, atol=1e-5)
    loss_keras = float(keras.losses.SparseCategoricalCrossentropy()(y[:50], probs_keras))
    assert dl.cross_entropy(probs_hand, y[:50]) == pytest.approx(loss_keras, abs=1e-4)


def test_adam_steps_by_hand_match_keras():
    theta = np.array([0.5, -1.0, 2.0, 0.0])
    grads = [np.array([0.2, -0.01, 30.0, 0.0]), np.array([-0.1, 0.02, 1.0, 0.0]), np.zeros(4)]
    m = v = np.zeros(4)
    hand = theta
    for t, g in enumerate(grads, start=1):
        hand, m, v = dl.adam_step(hand, g, m, v, t)
        if t == 1:  # the first step moves each weight by lr against its gradient's sign
            np.testing.assert_allclose(hand - theta, -1e-3 * np.sign(g), atol=1e-5)
    np.testing.assert_allclose(hand, dl.keras_adam_steps(theta, grads), atol=1e-7)
    assert hand[3] == 0.0  # no gradient ever: no move


def test_draw_softmax_pipeline_highlights_the_true_digit():
    import matplotlib.pyplot as plt

    z = np.array([1.0, -2.0, 0.5, 3.2, -1.0, 0.2, -3.0, 2.5, 1.1, -0.5])
    fig = dl.draw_softmax_pipeline(z, 7, digit_title="a 7")
    ax_z, ax_p, ax_l = fig.axes
    for ax in (ax_z, ax_p):
        bars = ax.patches
        assert len(bars) == 10
        colours = {tuple(bar.get_facecolor()) for bar in bars}
        assert len(colours) == 2  # the true digit's bar stands out
        assert sum(tuple(b.get_facecolor()) == tuple(bars[7].get_facecolor()) for b in bars) == 1
    heights = [bar.get_height() for bar in ax_p.patches]
    assert sum(heights) == pytest.approx(1.0)
    p7 = dl.softmax(z)[7]
    assert f"$p_{{7}}$ = {p7:.2f}" in [t.get_text() for t in ax_p.texts]
    assert f"loss = {-np.log(p7):.2f}" in [t.get_text() for t in ax_l.texts]
    assert [ax.get_title().split(".")[0] for ax in fig.axes] == ["1", "2", "3"]
    assert fig._suptitle.get_text() == "a 7"
    assert fig.get_size_inches()[0] <= 7
    plt.close(fig)


def test_parameter_count_matches_keras_at_every_depth():
    for widths in [(128,), (112, 112), (102, 102, 102), (7, 3)]:
        assert dl.n_parameters(widths) == dl.build_deep_mlp(widths).count_params()
    assert dl.n_parameters((128,)) == dl.build_mlp().count_params()


def test_matched_widths_come_closest_to_the_parameter_budget():
    target = dl.n_parameters((128,))
    assert dl.matched_widths(1, target) == (128,)
    for depth in (2, 3):
        widths = dl.matched_widths(depth, target)
        assert len(widths) == depth
        assert len(set(widths)) == 1
        gap = abs(dl.n_parameters(widths) - target)
        h = widths[0]
        for other in (h - 1, h + 1):  # no neighbouring width comes closer
            assert gap <= abs(dl.n_parameters((other,) * depth) - target)
        assert gap / target < 0.01
    with pytest.raises(ValueError, match="needs at least one hidden layer"):
        dl.matched_widths(0, target)


@pytest.mark.slow  # trains four small models
def test_depth_study_trains_each_depth_once_per_seed(tiny_digits):
    x, y = dl.prepare(*tiny_digits)
    kwargs = dict(depths=(1, 2), params=2_000, seeds=(3, 4), epochs=1, batch_size=32)
    a = dl.depth_study(x[:200], y[:200], x[200:], y[200:], **kwargs)
    assert list(a) == [1, 2]
    assert all(list(runs) == [3, 4] for runs in a.values())
    assert all(0.0 <= acc <= 1.0 for runs in a.values() for acc in runs.values())
    kwargs["depths"] = (2,)
    b = dl.depth_study(x[:200], y[:200], x[200:], y[200:], **kwargs)
    assert b[2] == a[2]  # same depth and seed, same number: seeded, nothing leaks
