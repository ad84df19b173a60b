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
