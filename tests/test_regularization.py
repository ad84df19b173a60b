"""Tests of mlbook.regularization on tiny data."""

import numpy as np
import pytest

from mlbook import regularization as rg


@pytest.fixture
def data(tiny_digits):
    x, y = tiny_digits
    x = (x / 255.0).astype("float32")
    return x[:200], y[:200].astype("int64"), x[200:], y[200:].astype("int64")


@pytest.mark.parametrize("technique", rg.TECHNIQUES)
def test_every_technique_builds_the_same_kind_of_classifier(technique):
    import keras

    model = rg.build_model(technique, units=16)
    assert model.output_shape == (None, 10)
    types = {type(layer).__name__ for layer in model.layers}
    expect = {
        "L1": "Dense",
        "L2": "Dense",
        "dropout": "Dropout",
        "batch norm": "BatchNormalization",
        "augmentation": "RandomRotation",
    }
    if technique in expect:
        assert expect[technique] in types
    if technique in ("L1", "L2"):
        penalties = [
            layer.kernel_regularizer
            for layer in model.layers
            if isinstance(layer, keras.layers.Dense) and layer.kernel_regularizer
        ]
        assert len(penalties) == 2
    if technique in ("baseline", "early stopping"):
        assert types == {"Flatten", "Dense"}


def test_unknown_technique_is_rejected():
    with pytest.raises(ValueError, match="unknown technique"):
        rg.build_model("weight magic")


def test_regularised_layers_add_a_loss():
    import keras

    plain, l2 = rg.build_model("baseline", 8), rg.build_model("L2", 8)
    x = np.ones((2, 28, 28), "float32")
    plain(x), l2(x)
    assert len(plain.losses) == 0
    assert len(l2.losses) == 2
    assert all(float(keras.ops.convert_to_numpy(v)) > 0 for v in l2.losses)


def test_dropout_and_augmentation_act_only_in_training():
    x = np.random.default_rng(0).random((4, 28, 28)).astype("float32")
    for technique in ("dropout", "augmentation"):
        model = rg.build_model(technique, 16)
        a, b = np.asarray(model(x, training=False)), np.asarray(model(x, training=False))
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(np.asarray(model(x, training=True)), a)


@pytest.mark.slow  # trains models: a few seconds
def test_early_stopping_stops_and_generalisation_measures_the_gap(data):
    x_train, y_train, x_val, y_val = data
    # validation labels unrelated to the images: the validation loss soon gets worse
    noisy = (x_train, y_train, x_val, np.random.default_rng(0).permutation(y_val))
    model, hist = rg.fit_technique(
        "early stopping", noisy, epochs=20, batch_size=64, units=16, patience=1
    )
    assert len(hist["loss"]) < 20
    scores = rg.generalisation(model, data)
    assert scores["gap"] == pytest.approx(scores["train accuracy"] - scores["validation accuracy"])
    table = rg.summary_table({"baseline": scores, "early stopping": scores})
    assert (table["vs baseline"] == 0).all()
    tested = rg.generalisation(model, data, test=(x_val[:50], y_val[:50]))
    assert tested["gap"] == pytest.approx(tested["train accuracy"] - tested["test accuracy"])
    assert tested["validation accuracy"] == pytest.approx(scores["validation accuracy"])
    worse = {**tested, "test accuracy": tested["test accuracy"] - 0.1}
    table = rg.summary_table({"baseline": tested, "early stopping": worse})
    assert table.loc["early stopping", "vs baseline"] == pytest.approx(-0.1)


@pytest.mark.slow  # trains models: a few seconds
def test_l1_makes_weights_sparser_than_l2(data):
    kernels = {}
    for technique in ("L1", "L2"):
        model, _ = rg.fit_technique(technique, data, epochs=4, batch_size=64, units=16)
        kernels[technique] = rg.first_kernel(model)
    assert kernels["L1"].shape == (784 * 16,)
    assert rg.near_zero_share(kernels["L1"]) > rg.near_zero_share(kernels["L2"])


def test_near_zero_share():
    assert rg.near_zero_share(np.array([0.0, 1e-4, 0.5, -1.0])) == 0.5


@pytest.mark.parametrize("technique", ["baseline", "L1", "L2"])
def test_penalty_by_hand_matches_model_losses(technique):
    model = rg.build_model(technique, 8)
    model(np.ones((1, 28, 28), "float32"))
    by_hand, by_keras = rg.penalty(model), rg.keras_penalty(model)
    if technique == "baseline":
        assert by_hand == by_keras == 0
    else:
        assert by_hand > 0
        assert by_hand == pytest.approx(by_keras, rel=1e-5)


def test_inverted_dropout_keeps_the_mean():
    h = np.array([0.6, 1.0, 2.0])
    rng = np.random.default_rng(0)
    draws = np.stack([rg.inverted_dropout(h, 0.5, rng) for _ in range(4000)])
    assert set(np.unique(draws[:, 0]).round(6)) == {0.0, 1.2}
    np.testing.assert_allclose(draws.mean(axis=0), h, rtol=0.08)


def test_keras_dropout_scales_the_kept_units_like_the_hand_version():
    h = np.array([0.6, 1.0, 2.0])
    draws = rg.keras_dropout_draws(h, 0.25, n_draws=2000, seed=1)
    assert draws.shape == (2000, 3)
    kept = draws != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(draws[kept], np.broadcast_to(h / 0.75, draws.shape)[kept], rtol=1e-6)
    np.testing.assert_allclose(draws.mean(axis=0), h, rtol=0.08)


def test_l2_under_adam_shrinks_idle_weights_adamw_all_alike():
    hand = rg.decay_under_adam([1.0, 0.0], steps=50)
    by_keras = rg.keras_decay_under_adam([1.0, 0.0], steps=50)
    for name in hand:
        np.testing.assert_allclose(hand[name], by_keras[name], atol=1e-5)
    l2 = hand["no decay"] - hand["Adam + L2"]
    decoupled = hand["no decay"] - hand["AdamW"]
    assert l2[1] > 20 * decoupled[1]  # the idle weight: Adam rescales the penalty up
    assert abs(l2[0]) < decoupled[0]  # the busy weight: the penalty is drowned out
    assert decoupled[0] == pytest.approx(decoupled[1], rel=0.1)


def test_constrained_minima_and_the_drawing():
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    w1 = rg.constrained_minimum("L1")
    w2 = rg.constrained_minimum("L2")
    assert w1 == pytest.approx([1.0, 0.0], abs=1e-9)  # a corner: sparse
    assert np.abs(w2).min() > 0.1  # the circle: both weights non-zero
    assert np.sum(w2**2) == pytest.approx(1.0)
    assert rg.toy_loss(w1) <= rg.toy_loss(rg.ball_boundary("L1")).min() + 1e-12
    with pytest.raises(ValueError, match="L1"):
        rg.ball_boundary("L3")
    fig = rg.draw_penalty_balls()
    assert len(fig.axes) == 2
    for ax, kind, best in zip(fig.axes, ("L1", "L2"), (w1, w2)):
        assert ax.get_title().startswith(kind)
        patches = [p for p in ax.patches if isinstance(p, Polygon)]
        assert len(patches) == 1
        texts = [t.get_text() for t in ax.texts]
        assert "loss minimum" in texts
        assert f"w = ({best[0] + 0:.2f}, {best[1] + 0:.2f})" in texts
        assert ax.collections  # the contours
    assert "w = (1.00, 0.00)" in [t.get_text() for t in fig.axes[0].texts]
    assert fig.get_size_inches()[0] <= 7
    plt.close(fig)


def test_gap_change_combines_training_and_test_noise():
    from mlbook.verdict import compare_accuracies

    # a: 99 % train, 90 % test (gap 9); b: 95 % train, 90 % test (gap 5)
    train = compare_accuracies(0.99, 0.95, 1000)
    test = compare_accuracies(0.90, 0.90, 1000)
    v = rg.gap_change(train, test)
    assert v.difference == pytest.approx(0.04)
    assert v.half_width == pytest.approx(np.hypot(train.half_width, test.half_width))
    assert v.half_width > test.half_width
    assert v.word == "beats"  # a's gap is the wider one
    # a gap difference smaller than the noise is a tie, whichever sign it has
    tie = rg.gap_change(compare_accuracies(0.951, 0.95, 1000), test)
    assert tie.word == "ties with"


def test_versus_baseline_is_paired_and_fills_the_table():
    rng = np.random.default_rng(0)
    n = 2000
    base_test = rng.random(n) < 0.85
    better = base_test.copy()
    better[np.flatnonzero(~base_test)[:60]] = True  # right on 60 more of the same images
    same = base_test.copy()
    same[[np.flatnonzero(base_test)[0], np.flatnonzero(~base_test)[0]]] ^= True  # swaps 2
    train = np.ones(500, bool)
    right = {
        "baseline": {"train": train, "test": base_test},
        "better": {"train": train, "test": better},
        "same": {"train": train, "test": same},
    }
    verdicts = rg.versus_baseline(right)
    assert set(verdicts) == {"better", "same"}
    assert verdicts["better"]["test"].word == "beats"
    assert verdicts["better"]["gap"].word == "loses to"  # same training, better test
    assert verdicts["same"]["test"].word == "ties with"
    assert verdicts["same"]["gap"].word == "ties with"
    scores = {
        t: {"train accuracy": r["train"].mean(), "test accuracy": r["test"].mean()}
        for t, r in right.items()
    }
    table = rg.summary_table(scores, verdicts)
    assert table.loc["better", "test vs baseline"].startswith("beats (+3.0 ± ")
    assert table.loc["better", "gap vs baseline"].startswith("narrower (\u22123.0 ± ")
    assert table.loc["same", "test vs baseline"].startswith("ties with (0 ± ")
    assert table.loc["baseline", "test vs baseline"] == ""


def test_correct_marks_each_prediction():
    model = rg.build_model("baseline", 8)
    x = np.random.default_rng(0).random((20, 28, 28)).astype("float32")
    predicted = np.argmax(model.predict(x, verbose=0), axis=1)
    y = predicted.copy()
    y[:5] = (y[:5] + 1) % 10
    right = rg.correct(model, x, y)
    assert right.dtype == bool
    assert right.shape == (20,)
    assert right.sum() == 15
    assert not right[:5].any()


def test_identical_models_read_as_same_predictions():
    right = {"baseline": {"train": np.ones(10, bool), "test": np.arange(10) < 7}}
    right["early stopping"] = right["baseline"]
    table = rg.summary_table({t: {"test accuracy": 0.7} for t in right}, rg.versus_baseline(right))
    assert table.loc["early stopping", "test vs baseline"] == "ties with (same predictions)"
    assert table.loc["early stopping", "gap vs baseline"] == "tie (same predictions)"
