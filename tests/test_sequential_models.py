"""Tests of mlbook.sequential_models on tiny data."""

import numpy as np
import pytest

from mlbook import sequential_models as sm
from mlbook import training


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(0)


def test_list_and_add_build_the_same_architecture():
    a, b = sm.build_with_list(), sm.build_with_add()
    assert sm.architecture(a) == sm.architecture(b)
    assert a.count_params() == b.count_params() > 0
    assert sm.architecture(a)[-1][1] == (None, 10)


def test_model_without_input_has_no_weights_until_built():
    model = sm.build_without_input()
    assert not model.built
    assert model.weights == []
    model.build((None, 28, 28))
    assert model.built
    assert model.count_params() == sm.build_with_list().count_params()


@pytest.mark.slow  # trains models: a few seconds
def test_train_returns_validation_history(tiny_digits):
    x, y = tiny_digits
    model = sm.compile_classifier(sm.build_with_list())
    hist = training.train(
        model, x / 255.0, y, epochs=2, batch_size=32, validation_split=0.1, verbose=0
    )
    assert set(hist) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist["loss"]) == 2
    assert hist["loss"][1] < hist["loss"][0]


@pytest.mark.slow  # trains models: a few seconds
def test_saved_model_reloads_and_predicts_the_same(tmp_path, tiny_digits):
    x, y = tiny_digits
    x, y = (x[:100] / 255.0).astype("float32"), y[:100]
    model = sm.compile_classifier(sm.build_with_list())
    model.fit(x, y, epochs=1, verbose=0)
    path, reloaded = sm.save_and_reload(model, tmp_path)
    assert path.suffix == ".keras"
    assert path.exists()
    assert reloaded is not model
    assert reloaded.name == model.name
    assert sm.prediction_gap(model, reloaded, x[:20]) == 0.0
    # the compile settings travel too: the reloaded model can be evaluated directly
    assert np.isclose(reloaded.evaluate(x, y, verbose=0)[1], model.evaluate(x, y, verbose=0)[1])


def test_prediction_gap_sees_different_weights(tiny_digits):
    x = (tiny_digits[0][:5] / 255.0).astype("float32")
    assert sm.prediction_gap(sm.build_with_list(), sm.build_with_list(), x) > 0


def test_conv2d_params_matches_keras():
    import keras

    layer = keras.layers.Conv2D(8, 3)
    layer.build((None, 28, 28, 2))
    assert sm.conv2d_params(3, 2, 8) == layer.count_params() == (3 * 3 * 2 + 1) * 8


@pytest.mark.parametrize("size", [28, 32])
def test_shapes_by_hand_match_the_built_stack(size):
    import keras

    if size == 28:
        built = sm.architecture(sm.build_with_list())
        assert sm.shapes_by_hand() == built
    else:  # the same layers on bigger images with a channel axis (no Reshape)
        model = keras.Sequential([keras.Input(shape=(size, size, 1)), *sm.cnn_layers()[1:]])
        assert sm.shapes_by_hand(size=size)[1:] == sm.architecture(model)
        assert sm.shapes_by_hand(size=size)[-3][1] == (None, 6, 6, 16)


def test_draw_stack_draws_a_box_per_layer_and_an_arrow_per_tensor():
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    model = sm.build_with_list()
    ax = sm.draw_stack(model)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == len(model.layers)
    assert len(arrows) == len(model.layers) + 1  # input, between layers, output
    texts = [t.get_text() for t in ax.texts]
    for expected in (
        "input 28 × 28",
        "26 × 26 × 8",
        "5 × 5 × 16",
        "400",
        "output 10",
        "Conv2D: 8 filters 3 × 3",
        "MaxPooling2D 2 × 2",
        "Dense: 10 units",
        "80 weights",
        f"{sm.conv2d_params(3, 8, 16):,} weights",
    ):
        assert expected in texts, expected
    assert texts.count("no weights") == 4  # Reshape, two poolings, Flatten
    assert f"{model.count_params():,} weights" in ax.get_title()
    plt.close(ax.figure)
